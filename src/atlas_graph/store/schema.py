"""Applies `cypher/schema/*.cypher` in name order at start-up; every statement is idempotent (IF NOT EXISTS)."""

from __future__ import annotations

from atlas_graph.store.graph import GraphStore, translated_errors

SCHEMA_PREFIX = "schema/"
AWAIT_INDEXES = "read/await_indexes"
SYNC_COMMUNITY_LABELS = "write/entity_community_labels_sync"
QUERIES = (AWAIT_INDEXES, SYNC_COMMUNITY_LABELS)


def apply_schema(store: GraphStore, *, index_timeout_seconds: int = 300) -> list[str]:
    """Create missing constraints and indexes, wait until every index is online, then bring the labels derived from
    the data up to date (`sync_community_labels`); returns the schema files it ran."""
    applied = store.queries.names(SCHEMA_PREFIX)
    with translated_errors():
        for name in applied:
            # Schema commands cannot share a transaction with writes; each runs in its own auto-commit one.
            store.driver.execute_query(store.queries[name], database_=store.database)
    store.read(AWAIT_INDEXES, {"timeout": index_timeout_seconds})
    sync_community_labels(store)
    return applied


def sync_community_labels(store: GraphStore) -> int:
    """Give the CommunityVisible label to exactly the entities whose `vis_all` is true; returns how many changed.

    Writes keep the two equal; a database written before the label existed, or restored from such a backup, is
    brought in line here, since path searches read the label where other reads read `vis_all`.
    """
    # CALL ... IN TRANSACTIONS needs an implicit transaction. Batches that committed before a failure stay, and the
    # next start (or restore) finishes what is left: the statement only touches entities still out of line.
    with translated_errors(), store.driver.session(database=store.database) as session:
        record = session.run(store.queries[SYNC_COMMUNITY_LABELS]).single(strict=True)
    return int(record["changed"])
