"""`GET /v1/audit`: the append-only trail of every write and admin action (a member's admin: its own only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from atlas_graph.api.deps import AdminDep, StoreDep
from atlas_graph.models.audit import AuditEventOut, AuditPageOut, AuditQuery
from atlas_graph.services import audit

router = APIRouter(prefix="/v1", tags=["administration"])


@router.get("/audit", response_model=AuditPageOut, summary="Audit events, newest first")
def get_audit(store: StoreDep, caller: AdminDep, query: Annotated[AuditQuery, Query()]) -> AuditPageOut:
    events = audit.list_events(store, caller=caller, query=query)
    return AuditPageOut(
        offset=query.offset,
        limit=query.limit,
        events=[AuditEventOut(**event.__dict__) for event in events],
    )
