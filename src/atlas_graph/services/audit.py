"""The audit trail as services use it: an entry per action, and reading it back for administrators."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from atlas_graph.errors import AtlasGraphError, InvalidInput, PayloadTooLarge, Problem, StoreUnavailable
from atlas_graph.models.audit import AuditQuery
from atlas_graph.services.caller import Caller
from atlas_graph.store import audit as audit_store
from atlas_graph.store.audit import AuditEntry, AuditEvent
from atlas_graph.store.graph import GraphStore

T = TypeVar("T")


def entry(caller: Caller, action: str, **detail: object) -> AuditEntry:
    """The start of an audit event for `caller` doing `action`; the store completes it with what was touched."""
    return AuditEntry(
        organization=caller.organization,
        key_id=caller.key_id,
        request_id=caller.request_id,
        action=action,
        at=datetime.now(UTC),
        detail=dict(detail),
    )


def audited(store: GraphStore, started: AuditEntry, action: Callable[[], T]) -> T:
    """Run an action whose store call appends its own success event; record a refusal or failure on its own."""
    try:
        return action()
    except (InvalidInput, PayloadTooLarge) as error:
        problems = len(error.problems) if isinstance(error, InvalidInput) else 0
        _record_failure(store, started.finished(outcome="rejected", error=str(error)[:1000], problems=problems))
        raise
    except AtlasGraphError as error:
        outcome = "failed" if isinstance(error, StoreUnavailable) else "refused"
        _record_failure(store, started.finished(outcome=outcome, error=str(error)[:1000]))
        raise


def _record_failure(store: GraphStore, finished: AuditEntry) -> None:
    try:
        audit_store.append(store, finished)
    except StoreUnavailable:
        # With Neo4j gone nothing was written either; the error the caller gets already says so.
        pass


def list_events(store: GraphStore, *, caller: Caller, query: AuditQuery) -> list[AuditEvent]:
    """Audit events, newest first; a time without an offset is UTC.

    A member's admin reads its own organization's events only (whose entity ids are of claims it made), the operator
    everybody's.
    """
    return audit_store.list_events(
        store,
        organization=caller.administered(query.organization),
        since=_utc(query.since, "since"),
        until=_utc(query.until, "until"),
        entity_id=query.entity,
        skip=query.offset,
        limit=query.limit,
    )


def _utc(moment: datetime | None, field: str) -> datetime | None:
    # Event times are stored in UTC. Neo4j takes offsets up to +-18:00 only (Python up to +-24h: a 500), and would
    # compare a naive time with them as null, which matched no event at all.
    if moment is None:
        return None
    try:
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except OverflowError:
        # 0001-01-01T00:00+01:00 is before year 1 in UTC: Python cannot hold it (it was a plain-text 500).
        raise InvalidInput([Problem(("query", field), "is outside the years 1 to 9999 once in UTC")]) from None
