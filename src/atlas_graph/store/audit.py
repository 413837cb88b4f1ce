"""The append-only audit trail: one event per write or admin action, written in the action's own transaction."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from neo4j import ManagedTransaction

from atlas_graph.store.graph import GraphStore
from atlas_graph.store.values import BulkParameter, native_datetime

APPEND_AUDIT_EVENT = "write/audit_append"
AUDIT_EVENTS = "read/audit_events"
QUERIES = (APPEND_AUDIT_EVENT, AUDIT_EVENTS)


@dataclass(frozen=True)
class AuditEntry:
    """Who did what, when, under which request, and how it ended."""

    organization: str
    key_id: str | None
    request_id: str | None
    action: str
    at: datetime
    outcome: str = "succeeded"
    entity_ids: tuple[str, ...] = ()
    detail: dict[str, Any] = field(default_factory=dict)

    def finished(self, *, outcome: str, entity_ids: tuple[str, ...] = (), **detail: Any) -> AuditEntry:
        # replace(), not a copy field by field: a field added to the entry is carried over without a change here.
        return replace(
            self, outcome=outcome, entity_ids=entity_ids or self.entity_ids, detail={**self.detail, **detail}
        )


@dataclass(frozen=True)
class AuditEvent:
    id: str
    at: datetime
    organization: str
    key_id: str | None
    request_id: str | None
    action: str
    outcome: str
    entity_ids: list[str]
    detail: dict[str, Any]


def append_in(tx: ManagedTransaction, store: GraphStore, entry: AuditEntry) -> str:
    """Append `entry` inside the caller's transaction: the event commits if and only if the action does."""
    event_id = f"audit--{uuid.uuid4()}"
    tx.run(
        store.queries[APPEND_AUDIT_EVENT],
        event={
            "id": event_id,
            "at": entry.at,
            "organization": entry.organization,
            "key_id": entry.key_id,
            "request_id": entry.request_id,
            "action": entry.action,
            "outcome": entry.outcome,
            "entity_ids": BulkParameter(entry.entity_ids),
            "detail": json.dumps(entry.detail, sort_keys=True, default=str),
        },
    ).consume()
    return event_id


def append(store: GraphStore, entry: AuditEntry) -> str:
    """Append `entry` on its own: for actions that failed, whose transaction wrote nothing."""
    return store.write_transaction(lambda tx: append_in(tx, store, entry))


def list_events(
    store: GraphStore,
    *,
    organization: str | None,
    since: datetime | None,
    until: datetime | None,
    entity_id: str | None,
    skip: int,
    limit: int,
) -> list[AuditEvent]:
    records = store.read(
        AUDIT_EVENTS,
        {
            "organization": organization,
            "since": since,
            "until": until,
            "entity_id": entity_id,
            "skip": skip,
            "limit": limit,
        },
    )
    return [
        AuditEvent(
            id=event["id"],
            at=native_datetime(event["at"]),
            organization=event["organization"],
            key_id=event.get("key_id"),
            request_id=event.get("request_id"),
            action=event["action"],
            outcome=event["outcome"],
            entity_ids=list(event.get("entity_ids") or []),
            detail=json.loads(event["detail"]) if event.get("detail") else {},
        )
        for event in (record["event"] for record in records)
    ]
