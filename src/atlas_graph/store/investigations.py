"""Investigations as stored in Neo4j: one node each, owned by an organization, readable by those it names."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from neo4j import ManagedTransaction

from atlas_graph.store.audit import AuditEntry, append_in
from atlas_graph.store.graph import GraphStore
from atlas_graph.store.values import native_datetime

INVESTIGATION_CREATE = "write/investigation_create"
INVESTIGATION_UPDATE = "write/investigation_update"
INVESTIGATION_DELETE = "write/investigation_delete"
INVESTIGATION_BY_ID = "read/investigation_by_id"
INVESTIGATION_LIST = "read/investigation_list"
QUERIES = (INVESTIGATION_CREATE, INVESTIGATION_UPDATE, INVESTIGATION_DELETE, INVESTIGATION_BY_ID, INVESTIGATION_LIST)


@dataclass(frozen=True)
class StoredInvestigation:
    id: str
    organization: str
    name: str
    share_with: list[str]
    entity_ids: list[str]
    """Every entity saved in it, including any the reader may no longer (or may not) see."""
    visible_ids: list[str]
    """Those of `entity_ids` the reader may see, in the same order."""
    body: str
    """JSON of the positions, filters, notes and analyses."""
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class InvestigationRow:
    id: str
    organization: str
    name: str
    share_with: list[str]
    entity_count: int
    created_at: datetime
    updated_at: datetime


def _parameters(investigation: StoredInvestigation) -> dict[str, Any]:
    return {
        "id": investigation.id,
        "organization": investigation.organization,
        "name": investigation.name,
        "share_with": investigation.share_with,
        "entity_ids": investigation.entity_ids,
        "body": investigation.body,
    }


def create_investigation(
    store: GraphStore, *, investigation: StoredInvestigation, now: datetime, audit: AuditEntry
) -> None:
    """Saves the investigation, and `audit` as succeeded in the same transaction."""

    def work(tx: ManagedTransaction) -> None:
        tx.run(store.queries[INVESTIGATION_CREATE], {**_parameters(investigation), "now": now}).consume()
        append_in(tx, store, audit.finished(outcome="succeeded"))

    store.write_transaction(work)


def _read(
    tx: ManagedTransaction, store: GraphStore, investigation_id: str, organization: str
) -> StoredInvestigation | None:
    record = tx.run(store.queries[INVESTIGATION_BY_ID], id=investigation_id, organization=organization).single()
    if record is None:
        return None
    stored = record["investigation"]
    return StoredInvestigation(
        id=stored["id"],
        organization=stored["organization"],
        name=stored["name"],
        share_with=list(stored["share_with"]),
        entity_ids=list(stored["entity_ids"]),
        visible_ids=list(record["visible_ids"]),
        body=stored["body"],
        created_at=native_datetime(stored["created_at"]),
        updated_at=native_datetime(stored["updated_at"]),
    )


def get_investigation(store: GraphStore, *, investigation_id: str, organization: str) -> StoredInvestigation | None:
    """The investigation if `organization` owns it or is named in its share_with; else None."""
    return store.read_transaction(lambda tx: _read(tx, store, investigation_id, organization))


def update_investigation(
    store: GraphStore,
    *,
    investigation_id: str,
    organization: str,
    change: Callable[[StoredInvestigation], StoredInvestigation],
    now: datetime,
    audit: AuditEntry,
) -> StoredInvestigation | None:
    """Reads the investigation as `organization` sees it, applies `change` (which must be pure: the transaction may
    run again, and raises to refuse) and writes the result back with `audit` as succeeded, in one transaction; None
    when it is not visible."""

    def work(tx: ManagedTransaction) -> StoredInvestigation | None:
        found = _read(tx, store, investigation_id, organization)
        if found is None:
            return None
        changed = change(found)
        tx.run(store.queries[INVESTIGATION_UPDATE], {**_parameters(changed), "now": now}).consume()
        append_in(tx, store, audit.finished(outcome="succeeded"))
        return replace(changed, updated_at=now)

    return store.write_transaction(work)


def delete_investigation(store: GraphStore, *, investigation_id: str, organization: str, audit: AuditEntry) -> bool:
    """Deletes the organization's own investigation, with `audit` as succeeded; False when it owns none of that id
    (and nothing is written)."""

    def work(tx: ManagedTransaction) -> bool:
        record = tx.run(store.queries[INVESTIGATION_DELETE], id=investigation_id, organization=organization)
        deleted = bool(record.single(strict=True)["deleted"])
        if deleted:
            append_in(tx, store, audit.finished(outcome="succeeded"))
        return deleted

    return store.write_transaction(work)


def list_investigations(store: GraphStore, *, organization: str, limit: int) -> list[InvestigationRow]:
    return [
        InvestigationRow(
            id=record["investigation"]["id"],
            organization=record["investigation"]["organization"],
            name=record["investigation"]["name"],
            share_with=list(record["investigation"]["share_with"]),
            entity_count=record["entity_count"],
            created_at=native_datetime(record["investigation"]["created_at"]),
            updated_at=native_datetime(record["investigation"]["updated_at"]),
        )
        for record in store.read(INVESTIGATION_LIST, {"organization": organization, "limit": limit})
    ]
