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


class AuditPageOut(BaseModel):
    offset: int
    limit: int
    events: list[AuditEventOut]
