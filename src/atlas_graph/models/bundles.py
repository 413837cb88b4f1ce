"""What integrations post to `/v1/bundles`: entities and relationships, each an assertion, and the answer."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from atlas_graph.models.assertions import AssertionFields
from atlas_graph.models.countries import CountryCode
from atlas_graph.models.text import without_control_characters
from atlas_graph.models.vocabulary import CATEGORIES, EntityKind, RelationshipType

Name = Annotated[str, StringConstraints(min_length=1, max_length=500), AfterValidator(without_control_characters)]
ExternalId = Annotated[str, StringConstraints(min_length=1, max_length=256)]
AttributeKey = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z_][A-Za-z0-9_.-]*$")]
AttributeValue = Annotated[str, StringConstraints(max_length=4096)] | int | float | bool
Attributes = Annotated[dict[AttributeKey, AttributeValue], Field(max_length=64)]
# A scheme names who issued an external id: `mitre-attack` (G0007, S0029), `misp-galaxy:threat-actor` (a cluster
# uuid). No `=`, which separates scheme and value in the stored keys (services/resolution.py).
ExternalIdScheme = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9._-]*(:[a-z0-9][a-z0-9._-]*)?$")
]
ExternalIdValue = Annotated[str, StringConstraints(min_length=1, max_length=256, strip_whitespace=True)]
ConflatedIdValues = Annotated[list[ExternalIdValue], Field(min_length=2, max_length=20)]


DISRUPTION_COST = "disruption_cost"
"""The attribute that says what acting on an entity costs a disruption plan (docs/planning.md)."""


def _has_text(value: str) -> str:
    if not value.strip():
        raise ValueError("must contain more than whitespace")
    return value


class EntityIn(AssertionFields):
    """An organization's claim that an entity exists, with what it knows of it."""

    kind: EntityKind
    name: Name
    id: ExternalId | None = Field(
        default=None, description="A stable external id (e.g. a STIX id); matched before names."
    )
    aliases: list[Name] = Field(default_factory=list, max_length=200)
    external_ids: dict[ExternalIdScheme, ExternalIdValue] = Field(
        default_factory=dict,
        max_length=20,
        description='Well-known external ids by scheme, one value per scheme, e.g. {"mitre-attack": "G0007"}. '
        "Matched before names: one shared value joins; different values of one scheme keep two entities apart.",
    )
    conflated_ids: dict[ExternalIdScheme, ConflatedIdValues] = Field(
        default_factory=dict,
        max_length=20,
        description="Several ids of one scheme that the source gives this one object, which so stands for several "
        "objects: MISP's threat-actor \"FIN7\" cites FIN7's G0046 and Carbanak's G0008, "
        '{"mitre-attack": ["G0046", "G0008"]}. Such an item joins an entity by them only when they all identify it, '
        "and never by a name; they are no keys of the entity it makes, and keep any entity holding one of them "
        "from joining it by a name.",
    )
    category: str | None = Field(
        default=None,
        description="The kind's category: the service kind of a service_provider, the channel of a financier, "
        "the type of infrastructure, the type of victim, or actor group/individual/campaign.",
    )
    countries: list[CountryCode] = Field(
        default_factory=list,
        max_length=250,
        description="Where the entity is (ISO 3166-1 alpha-2 codes): where a coalition member may act on it. "
        "An entity's countries are the union over the claims the caller may see.",
    )
    attributes: Attributes = Field(
        default_factory=dict,
        description="Scalar facts, e.g. sector. `disruption_cost`, a positive number (default 1), is what acting "
        "on the entity costs a disruption plan; where visible claims differ, the largest applies.",
    )

    _name_has_text = field_validator("name")(_has_text)

    @field_validator("attributes")
    @classmethod
    def _cost_is_positive(cls, attributes: dict[str, str | int | float | bool]) -> dict[str, str | int | float | bool]:
        cost = attributes.get(DISRUPTION_COST)
        if cost is not None and (isinstance(cost, bool) or not isinstance(cost, int | float) or not cost > 0):
            raise ValueError(f"{DISRUPTION_COST} must be a positive number, not {cost!r}")
        return attributes

    @model_validator(mode="after")
    def _conflated_ids_name_several(self) -> Self:
        for scheme, values in self.conflated_ids.items():
            if scheme in self.external_ids:
                raise ValueError(f"{scheme!r} is in external_ids and conflated_ids: give one value, or several")
            if len({value.casefold() for value in values}) < 2:
                raise ValueError(f"conflated_ids {scheme!r} must give at least two different ids")
        return self

    @model_validator(mode="after")
    def _category_fits_kind(self) -> Self:
        if self.category is not None:
            allowed = CATEGORIES[self.kind]
            if self.category not in {member.value for member in allowed}:
                values = ", ".join(member.value for member in allowed)
                raise ValueError(f"category {self.category!r} is not one of {self.kind.value}'s: {values}")
        return self


class EntityRef(BaseModel):
    """Points at an entity: by id, or by kind and name (resolved like an entity, in the bundle or the store)."""

    model_config = ConfigDict(extra="forbid")

    id: ExternalId | None = None
    kind: EntityKind | None = None
    name: Name | None = None

    @model_validator(mode="after")
    def _id_or_kind_and_name(self) -> Self:
        if self.id is None and (self.kind is None or self.name is None):
            raise ValueError("give either id, or kind and name")
        if self.id is not None and (self.kind is not None or self.name is not None):
            raise ValueError("give either id, or kind and name, not both")
        return self


class RelationshipIn(AssertionFields):
    """An organization's claim that a relationship holds between two entities."""

    type: RelationshipType
    source: EntityRef
    target: EntityRef
    amount: float | None = Field(default=None, ge=0, description="PAYS only: the amount of money that flowed.")
    currency: Annotated[str, StringConstraints(min_length=1, max_length=12)] | None = Field(
        default=None, description="PAYS only: ISO 4217 code or a crypto ticker."
    )
    attributes: Attributes = Field(default_factory=dict)

    @model_validator(mode="after")
    def _money_only_on_pays(self) -> Self:
        if self.type is not RelationshipType.PAYS and (self.amount is not None or self.currency is not None):
            raise ValueError("amount and currency belong to PAYS relationships only")
        return self


class BundleIn(BaseModel):
    """One transaction: every entity and relationship is stored, or none is."""

    model_config = ConfigDict(extra="forbid")

    entities: list[EntityIn] = Field(default_factory=list)
    relationships: list[RelationshipIn] = Field(default_factory=list)


ItemStatus = Literal["created", "merged", "updated"]


class EntityResultOut(BaseModel):
    index: int = Field(description="Position of the entity in the bundle's `entities`.")
    id: str
    status: ItemStatus = Field(
        description="created: new to you; merged: matched an entity you could already see (your claim added); "
        "updated: you had already claimed it (your claim updated)."
    )
    matched_by: Literal["new", "id", "name", "alias", "bundle"] = Field(
        description="How the entity was resolved: new, by external id, by name, by alias, or by another item "
        "of the same bundle."
    )


class RelationshipResultOut(BaseModel):
    index: int
    type: RelationshipType
    source: str
    target: str
    status: ItemStatus


class StatusCountsOut(BaseModel):
    created: int = 0
    merged: int = 0
    updated: int = 0


class BundleCountsOut(BaseModel):
    entities: StatusCountsOut
    relationships: StatusCountsOut


class BundleResultOut(BaseModel):
    counts: BundleCountsOut
    entities: list[EntityResultOut]
    relationships: list[RelationshipResultOut]
    warnings: list[str] = Field(default_factory=list)
