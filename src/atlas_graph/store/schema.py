"""Applies `cypher/schema/*.cypher` in name order at start-up; every statement is idempotent (IF NOT EXISTS)."""

from __future__ import annotations

from atlas_graph.store.graph import GraphStore, translated_errors

SCHEMA_PREFIX = "schema/"
AWAIT_INDEXES = "read/await_indexes"
QUERIES = (AWAIT_INDEXES,)


def apply_schema(store: GraphStore, *, index_timeout_seconds: int = 300) -> list[str]:
    """Create missing constraints and indexes, then wait until every index is online; returns what it ran."""
    applied = store.queries.names(SCHEMA_PREFIX)
    with translated_errors():
        for name in applied:
            # Schema commands cannot share a transaction with writes; each runs in its own auto-commit one.
            store.driver.execute_query(store.queries[name], database_=store.database)
    store.read(AWAIT_INDEXES, {"timeout": index_timeout_seconds})
    return applied
