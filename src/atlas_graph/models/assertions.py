"""The provenance every claim carries: confidence, TLP and sharing, when it was true, and its sources."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from atlas_graph.models.uris import claims_to_be_a_web_link, is_uri
from atlas_graph.models.vocabulary import Tlp

DEFAULT_CONFIDENCE = 50
DEFAULT_TLP = Tlp.GREEN


def _checked_reference(reference: str) -> str:
    # A report id or a defanged link (hxxps://...) is kept as text; a reference that says it is a web link must be
    # one, or every member's STIX export of it would fail validation (models/uris.py).
    if claims_to_be_a_web_link(reference) and not is_uri(reference):
        raise ValueError(f"{reference[:100]!r} begins like a web link but is not a URI (RFC 3986)")
    return reference


Reference = Annotated[str, StringConstraints(min_length=1, max_length=2048), AfterValidator(_checked_reference)]
# What an organization may be called (services/organizations.py checks it on registration). Names go into the
# sharing tokens the store matches on ('|maker|shared-with|...|'), so `|` and control characters are never part of one.
ORGANIZATION_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9 ._@&()'-]{0,99}$"
OrganizationName = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=ORGANIZATION_NAME_PATTERN)]


class AssertionFields(BaseModel):
    """What an organization says about how sure it is, who may see the claim, and when it held."""

    model_config = ConfigDict(extra="forbid")

    confidence: int = Field(
        default=DEFAULT_CONFIDENCE, ge=0, le=100, description="How sure the organization is, 0..100 (default 50)."
    )
    tlp: Tlp = Field(default=DEFAULT_TLP, description="Traffic Light Protocol 2.0 level (default GREEN).")
    share_with: list[OrganizationName] = Field(
        default_factory=list,
        max_length=100,
        description="Organizations that may see this claim whatever its TLP (see docs/sharing.md).",
    )
    first_seen: date | None = Field(default=None, description="When the claim started to hold; open if absent.")
    last_seen: date | None = Field(default=None, description="When it last held; open if absent.")
    references: list[Reference] = Field(default_factory=list, max_length=100, description="URLs or report ids.")
    description: str | None = Field(default=None, max_length=20_000)

    @model_validator(mode="after")
    def _seen_in_order(self) -> Self:
        if self.first_seen and self.last_seen and self.first_seen > self.last_seen:
            raise ValueError("first_seen must not be after last_seen")
        return self


class AssertionOut(BaseModel):
    """One organization's claim, as a caller who may see it sees it."""

    id: str
    organization: str
    confidence: int
    tlp: Tlp
    share_with: list[str] = Field(description="Shown to the organization that made the claim only.")
    first_seen: date | None
    last_seen: date | None
    references: list[str]
    description: str | None
    recorded_at: datetime
    updated_at: datetime
