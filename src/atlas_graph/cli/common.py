"""What every command shares: messages on stderr, exit codes, and a store for one command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from atlas_graph.config import Settings

if TYPE_CHECKING:
    from atlas_graph.store.graph import GraphStore

    # What each command module's add_*_parser takes: argparse's private type, spelled once.
    SubParsers = argparse._SubParsersAction[argparse.ArgumentParser]
else:
    SubParsers = Any

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def say(message: str) -> None:
    """A message for the person at the terminal: stderr, so that stdout holds only results (a new key)."""
    print(message, file=sys.stderr, flush=True)


@contextmanager
def cli_store(settings: Settings) -> Iterator[GraphStore]:
    """A store for one CLI command; starts the local Neo4j first when it is the one in use and not running."""
    from atlas_graph.main import open_store
    from atlas_graph.neo4j_local import LocalNeo4j

    if settings.uses_local_neo4j:
        local = LocalNeo4j(settings)
        if not local.status().running:
            say(f"starting the local Neo4j ({local.uri}); `atlas-graph neo4j stop` stops it")
            local.start(say=say)
    store = open_store(settings)
    try:
        yield store
    finally:
        store.close()
