"""The audit trail, as administrators read it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class AuditEventOut(BaseModel):
    id: str
    at: datetime
    organization: str
    key_id: str | None
    request_id: str | None
    action: str = Field(description="e.g. bundle.post, stix.post, assertion.retract, entity.merge, key.create")
    outcome: str = Field(description="succeeded, rejected (bad input), refused (not found, not allowed), failed")
    entity_ids: list[str]
    detail: dict[str, Any]


class AuditQuery(BaseModel):
    """`GET /v1/audit`'s query string: which events, and which page of them; passed whole to the service."""

    organization: str | None = Field(
        None, max_length=100, description="The operator only; a member's admin reads its own"
    )
    since: datetime | None = Field(None, description="From this time (inclusive)")
    until: datetime | None = Field(None, description="Before this time")
    entity: str | None = Field(None, max_length=256, description="Events that touched this entity id")
    # Bounded: Neo4j adds offset and limit as 64-bit integers, so an unbounded offset overflowed into a 500.
    offset: int = Field(0, ge=0, le=10_000_000, description="Older events: narrow with since/until")
    limit: int = Field(100, ge=1, le=1000)


class AuditPageOut(BaseModel):
    offset: int
    limit: int
    events: list[AuditEventOut]
