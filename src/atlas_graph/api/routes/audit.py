"""`GET /v1/audit`: the append-only trail of every write and admin action (a member's admin: its own only)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from atlas_graph.api.deps import AdminDep, StoreDep
from atlas_graph.models.audit import AuditEventOut, AuditPageOut
from atlas_graph.services import audit

router = APIRouter(prefix="/v1", tags=["administration"])


@router.get("/audit", response_model=AuditPageOut, summary="Audit events, newest first")
def get_audit(
    store: StoreDep,
    caller: AdminDep,
    organization: Annotated[
        str | None, Query(max_length=100, description="The operator only; a member's admin reads its own")
    ] = None,
    since: Annotated[datetime | None, Query(description="From this time (inclusive)")] = None,
    until: Annotated[datetime | None, Query(description="Before this time")] = None,
    entity: Annotated[str | None, Query(max_length=256, description="Events that touched this entity id")] = None,
    # Bounded: Neo4j adds offset and limit as 64-bit integers, so an unbounded offset overflowed into a 500.
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="Older events: narrow with since/until")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> AuditPageOut:
    events = audit.list_events(
        store,
        caller=caller,
        organization=organization,
        since=since,
        until=until,
        entity_id=entity,
        offset=offset,
        limit=limit,
    )
    return AuditPageOut(
        offset=offset,
        limit=limit,
        events=[AuditEventOut(**event.__dict__) for event in events],
    )
