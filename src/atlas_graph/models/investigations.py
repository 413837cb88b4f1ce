"""Investigations: an organization's saved working set of entities, positions, filters, notes and analyses."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from atlas_graph.models.vocabulary import EntityKind, RelationshipType

EntityId = Annotated[str, Field(min_length=1, max_length=200)]
OrganizationName = Annotated[str, Field(min_length=1, max_length=100)]
MAX_ENTITIES = 5_000


class Position(BaseModel):
    model_config = ConfigDict(extra="forbid")

    x: float = Field(allow_inf_nan=False)
    y: float = Field(allow_inf_nan=False)


class InvestigationFilters(BaseModel):
    """The explorer's filters when the investigation was saved; the read endpoints' parameters (`own_only` is their
    `only_mine`)."""

    model_config = ConfigDict(extra="forbid")

    min_confidence: int = Field(default=0, ge=0, le=100)
    as_of: date | None = None
    types: list[RelationshipType] = Field(default_factory=list, max_length=len(RelationshipType))
    kinds: list[EntityKind] = Field(default_factory=list, max_length=len(EntityKind))
    categories: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(default_factory=list, max_length=50)
    own_only: bool = Field(default=False, description="Only what the organization itself asserted.")


class AnalysisRun(BaseModel):
    """One analysis run in the investigation, with what it answered."""

    model_config = ConfigDict(extra="forbid")

    analysis: str = Field(min_length=1, max_length=100, examples=["chokepoints"])
    parameters: dict[str, JsonValue] = Field(default_factory=dict)
    result: JsonValue = None
    ran_at: datetime


class InvestigationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, examples=["Haven takedown options"])
    entities: list[EntityId] = Field(default_factory=list, max_length=MAX_ENTITIES)
    positions: dict[EntityId, Position] = Field(default_factory=dict, max_length=MAX_ENTITIES)
    filters: InvestigationFilters = Field(default_factory=InvestigationFilters)
    notes: dict[EntityId, Annotated[str, Field(max_length=10_000)]] = Field(
        default_factory=dict, max_length=MAX_ENTITIES, description="A note per entity id."
    )
    analyses: list[AnalysisRun] = Field(default_factory=list, max_length=50)
    share_with: list[OrganizationName] = Field(
        default_factory=list,
        max_length=100,
        description="Registered organizations that may read it (never change it). Empty: private.",
    )


class InvestigationPatch(BaseModel):
    """What to change; a field left out is kept. Lists and maps are replaced whole."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    entities: list[EntityId] | None = Field(default=None, max_length=MAX_ENTITIES)
    positions: dict[EntityId, Position] | None = Field(default=None, max_length=MAX_ENTITIES)
    filters: InvestigationFilters | None = None
    notes: dict[EntityId, Annotated[str, Field(max_length=10_000)]] | None = Field(
        default=None, max_length=MAX_ENTITIES
    )
    analyses: list[AnalysisRun] | None = Field(default=None, max_length=50)
    share_with: list[OrganizationName] | None = Field(default=None, max_length=100)


class InvestigationSummaryOut(BaseModel):
    id: str
    name: str
    organization: str = Field(description="The organization that owns it.")
    own: bool = Field(description="Whether it is your organization's (which alone may change or delete it).")
    share_with: list[str] = Field(description="Shown to the owning organization only.")
    entity_count: int = Field(description="Its entities that you may see.")
    created_at: datetime
    updated_at: datetime


class InvestigationOut(InvestigationSummaryOut):
    entities: list[str] = Field(description="Its entities that you may see, in the order saved.")
    positions: dict[str, Position]
    filters: InvestigationFilters
    notes: dict[str, str]
    analyses: list[AnalysisRun] = Field(
        description="The analyses run, with their results for the owning organization; an organization it is "
        "shared with gets each run without its result (`result` null), which was computed from what the owner may "
        "see: re-run it to see it from yours."
    )


class InvestigationListOut(BaseModel):
    items: list[InvestigationSummaryOut] = Field(description="Yours and those shared with you, latest change first.")
