"""STIX 2.1 import: the bundle posted and what became of each object."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from atlas_graph.models.bundles import BundleResultOut


class StixBundleIn(BaseModel):
    """A STIX bundle; each object is validated by the OASIS stix2 library, not by this model."""

    model_config = ConfigDict(extra="allow")

    type: Literal["bundle"]
    id: str = Field(min_length=1, max_length=256)
    objects: list[dict[str, Any]]


class StixObjectIssueOut(BaseModel):
    index: int = Field(description="Position of the object in the bundle's `objects`.")
    id: str | None
    type: str | None
    reason: str


class StixRetractedOut(BaseModel):
    index: int = Field(description="Position of the revoked object in the bundle's `objects`.")
    id: str = Field(description="The revoked object's STIX id.")
    type: str
    assertions: list[str] = Field(description="Ids of your organization's assertions that were deleted.")


class StixImportOut(BaseModel):
    result: BundleResultOut
    objects: int = Field(description="Objects in the bundle.")
    imported_entities: int
    imported_relationships: int
    imported_locations: int = Field(
        default=0,
        description="`located-at` relationships whose location's country joined an entity claim (the entity's in "
        "the bundle, or your organization's own claim on an entity stored earlier).",
    )
    invalid: list[StixObjectIssueOut] = Field(description="Objects the stix2 library refused, with its reason.")
    unmapped: list[StixObjectIssueOut] = Field(description="Valid objects with no place in the model, and why.")
    skipped: list[StixObjectIssueOut] = Field(
        description="Deprecated objects, identities only used as creators, and revoked objects you had no claim on."
    )
    retracted: list[StixRetractedOut] = Field(
        default_factory=list, description="Revoked objects whose claims by your organization were deleted."
    )
