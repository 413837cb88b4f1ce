"""Organizations and API keys, as admins create and list them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from atlas_graph.models.vocabulary import Role


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
