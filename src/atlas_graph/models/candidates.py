"""Same-as candidates: pairs of entities that resolution did not join, for an analyst to accept or reject."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from atlas_graph.models.vocabulary import EntityKind

CandidateStatus = Literal["open", "accepted", "rejected"]


class CandidateReasonOut(BaseModel):
    type: str = Field(
        description="ambiguous alias, shared name, held apart by a contradicting id, conflicting ids, "
        "analyst suggestion."
    )
    value: str = Field(description="The name or id the reason is about, or the analyst's note.")


class CandidateOut(BaseModel):
    id: str
    kind: EntityKind
    a: str = Field(description="One entity, as it now is (merges followed).")
    a_name: str = Field(description="The name shown for `a`, from the claims you may see.")
    b: str = Field(description="The other entity.")
    b_name: str = Field(description="The name shown for `b`, from the claims you may see.")
    status: CandidateStatus
    origin: Literal["resolution", "analyst"]
    reasons: list[CandidateReasonOut] = Field(description="Only reasons whose every supporting claim you may see.")
    created_at: datetime
    decided_by: str | None = None
    decided_at: datetime | None = None


class CandidatePageOut(BaseModel):
    total: int = Field(description="Candidates you may see that match the filters.")
    offset: int
    limit: int
    items: list[CandidateOut]


class CandidateSuggestionIn(BaseModel):
    """An analyst's suggestion that two entities may be one."""

    model_config = ConfigDict(extra="forbid")

    a: str = Field(min_length=1, max_length=256)
    b: str = Field(min_length=1, max_length=256)
    note: str = Field(default="", max_length=500, description="Why, in a few words.")


class CandidateAcceptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    into: Literal["a", "b"] = Field(default="a", description="Which of the two remains; the other is merged into it.")


class CandidateDecisionOut(BaseModel):
    id: str
    status: CandidateStatus
    merge_id: str | None = Field(default=None, description="For an accepted candidate: the merge that joined them.")
