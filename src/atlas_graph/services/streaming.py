"""Streamed export bodies: the chunk size they are sent in, and a start that fails as an answer, not a cut body."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain

CHUNK_BYTES = 64 * 1024
"""About how much an export writes before handing a chunk to the response."""


def started(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Run an export up to its first chunk now, so that a failure (Neo4j down) is an error answer, not a cut body."""
    first = next(chunks, b"")
    return chain([first], chunks)
