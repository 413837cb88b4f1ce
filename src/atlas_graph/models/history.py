"""How an entity came to be: assertions added and retracted, merges."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class HistoryEventOut(BaseModel):
    at: datetime
    event: Literal["asserted", "updated", "retracted", "merged", "split"]
    organization: str
    subject: Literal["entity", "relationship"]
    assertion_id: str | None = None
    relationship: str | None = Field(default=None, description="For relationship events: TYPE source -> target.")
    merged_id: str | None = Field(
        default=None, description="For merges and splits: the id merged into this entity, or split back out of it."
    )


class EntityHistoryOut(BaseModel):
    id: str
    events: list[HistoryEventOut] = Field(description="Oldest first; only what you may see.")
