"""Whole-database chores: emptying a test or demo database."""

from __future__ import annotations

from atlas_graph.store.graph import GraphStore, translated_errors

DELETE_EVERYTHING = "write/delete_everything"
QUERIES = (DELETE_EVERYTHING,)


def delete_everything(store: GraphStore) -> None:
    """Remove every node and relationship (schema stays). CALL ... IN TRANSACTIONS needs an implicit transaction."""
    with translated_errors(), store.driver.session(database=store.database) as session:
        session.run(store.queries[DELETE_EVERYTHING]).consume()
