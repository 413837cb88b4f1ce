"""Reading everything one organization may see, entity by entity and relationship by relationship, for exports.

An export reads in one read transaction, so that its entities and relationships are one consistent snapshot, and
streams the records: nothing holds the whole graph in memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import neo4j
from neo4j import Transaction

from atlas_graph.store.claims import COMMUNITY_TLP_VALUES
from atlas_graph.store.cypher import CypherLibrary
from atlas_graph.store.graph import GraphStore, translated_errors
from atlas_graph.store.records import present
from atlas_graph.store.values import native_date, native_datetime

EXPORT_ENTITIES = "read/export_entities"
EXPORT_RELATIONSHIPS = "read/export_relationships"
EXPORT_ORGANIZATIONS = "read/export_organizations"
QUERIES = (EXPORT_ENTITIES, EXPORT_RELATIONSHIPS, EXPORT_ORGANIZATIONS)


@dataclass(frozen=True)
class ExportedEntity:
    id: str
    kind: str
    claims: list[dict[str, Any]]
    """The claims the caller may see, oldest first; dates and times as Python values."""


@dataclass(frozen=True)
class ExportedRelationship:
    key: str
    type: str
    source: str
    target: str
    claims: list[dict[str, Any]]


class ExportReader:
    """The queries of one export, run in its transaction."""

    def __init__(
        self, tx: Transaction, queries: CypherLibrary, organization: str, entity_ids: list[str] | None = None
    ) -> None:
        self._tx = tx
        self._queries = queries
        self._parameters = {"organization": organization, "community_tlps": COMMUNITY_TLP_VALUES, "ids": entity_ids}
        # When each organization was registered, by name. Read first and at once: a Neo4j that cannot answer fails
        # the export before anything is sent.
        with translated_errors():
            self.registered: dict[str, datetime] = {
                record["name"]: native_datetime(record["created_at"])
                for record in tx.run(queries[EXPORT_ORGANIZATIONS])
            }

    def entities(self) -> Iterator[ExportedEntity]:
        with translated_errors():
            for record in self._tx.run(self._queries[EXPORT_ENTITIES], self._parameters):
                yield ExportedEntity(id=record["id"], kind=record["kind"], claims=_claims(record["claims"]))

    def relationships(self) -> Iterator[ExportedRelationship]:
        with translated_errors():
            for record in self._tx.run(self._queries[EXPORT_RELATIONSHIPS], self._parameters):
                yield ExportedRelationship(
                    key=record["key"],
                    type=record["type"],
                    source=record["source"],
                    target=record["target"],
                    claims=_claims(record["claims"]),
                )


@contextmanager
def export_reader(
    store: GraphStore, *, organization: str, entity_ids: list[str] | None = None
) -> Iterator[ExportReader]:
    """One read transaction for a whole export (of `entity_ids` and the relationships among them, when given); its
    records stream while the caller iterates."""
    # An unmanaged transaction: a managed one would be retried from the start, which a response already being
    # streamed cannot follow. A failed export is simply asked for again.
    with translated_errors():
        session = store.driver.session(database=store.database, default_access_mode=neo4j.READ_ACCESS)
    try:
        with translated_errors():
            tx = session.begin_transaction()
        try:
            yield ExportReader(tx, store.queries, organization, entity_ids)
        finally:
            tx.close()
    finally:
        session.close()


def _claims(raw: list[Any]) -> list[dict[str, Any]]:
    claims = []
    for claim in present(raw):
        converted = dict(claim)
        for name in ("first_seen", "last_seen"):
            converted[name] = native_date(converted.get(name))
        for name in ("recorded_at", "updated_at"):
            converted[name] = native_datetime(converted[name])
        claims.append(converted)
    return claims
