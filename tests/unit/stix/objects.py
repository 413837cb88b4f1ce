"""STIX objects for the location tests, unit and integration: a minimal valid object, and a located-at."""

from __future__ import annotations

from typing import Any

STAMP = "2026-01-05T10:00:00.000Z"


def stix_object(stix_type: str, stix_id: str, **fields: Any) -> dict[str, Any]:
    return {"type": stix_type, "spec_version": "2.1", "id": stix_id, "created": STAMP, "modified": STAMP, **fields}


def located_at(source: str, target: str, number: int = 1, **fields: Any) -> dict[str, Any]:
    """A `located-at` relationship; `number` makes its id (one per relationship of a bundle)."""
    rel_id = f"relationship--00000000-0000-4000-8000-{number:012d}"
    return stix_object(
        "relationship", rel_id, relationship_type="located-at", source_ref=source, target_ref=target, **fields
    )
