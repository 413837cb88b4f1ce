"""Organization names regardless of case: the registered spelling of a name as a client wrote it."""

from __future__ import annotations

from collections.abc import Iterable

from atlas_graph.store.graph import GraphStore

ORGANIZATION_NAMES_FOLDED = "read/organization_names_folded"
QUERIES = (ORGANIZATION_NAMES_FOLDED,)


def fold(name: str) -> str:
    """As Cypher's toLower folds it (organization names are ASCII, where the two agree)."""
    return name.lower()


def registered_names(store: GraphStore, names: Iterable[str]) -> dict[str, str]:
    """The registered name of each folded name that belongs to an organization; absent ones are left out."""
    folded = sorted({fold(name) for name in names})
    if not folded:
        return {}
    return {record["folded"]: record["name"] for record in store.read(ORGANIZATION_NAMES_FOLDED, {"folded": folded})}
