"""Organizations and API keys, as admins create and list them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from atlas_graph.models.countries import CountryCode
from atlas_graph.models.vocabulary import Role

Action = Literal["arrest", "sanction", "takedown", "seize", "sinkhole", "suspend", "freeze"]
"""What a coalition member may do to a target (analysis/capabilities.py: ACTIONS)."""
Jurisdiction = Annotated[CountryCode | Literal["*"], Field(description="ISO 3166-1 alpha-2, or `*`")]


class OrganizationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, examples=["Acme CERT"])


class OrganizationOut(BaseModel):
    name: str
    created_at: datetime
    active_keys: int = 0


class ApiKeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    organization: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="Omitted: the caller's own organization (a member's admin). The operator names it, but for "
        "an `operator` key, which belongs to no organization.",
    )
    role: Role
    label: str | None = Field(default=None, max_length=200)


class ApiKeyIssuedOut(BaseModel):
    key_id: str
    token: str = Field(description="The key itself. Shown once; atlas-graph keeps only its hash.")
    organization: str = Field(description="`(operator)` for an operator key")
    role: Role


class ApiKeyOut(BaseModel):
    key_id: str
    organization: str | None = Field(description="null for an operator key")
    role: Role
    label: str | None
    created_at: datetime
    revoked_at: datetime | None


class ProfileIn(BaseModel):
    """Where a member may act and what it may do; a field left out keeps its value."""

    model_config = ConfigDict(extra="forbid")

    jurisdictions: list[Jurisdiction] | None = Field(
        default=None,
        max_length=250,
        description="Country codes where the member may act, or `*` for a member whose action is not bound to a "
        "country (a registrar, a platform). It may act on an entity with no known country only with `*`.",
        examples=[["NL", "DE"]],
    )
    actions: list[Action] | None = Field(default=None, max_length=7, examples=[["takedown", "seize", "arrest"]])

    @model_validator(mode="after")
    def _something_to_set(self) -> Self:
        if self.jurisdictions is None and self.actions is None:
            raise ValueError("give jurisdictions, actions or both")
        return self


class ProfileOut(BaseModel):
    name: str
    jurisdictions: list[str]
    actions: list[Action]
    updated_at: datetime
