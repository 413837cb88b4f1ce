"""How two entities are connected, and what surrounds one: paths and neighborhoods with their evidence."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from atlas_graph.models.assertions import AssertionOut
from atlas_graph.models.vocabulary import EntityKind, RelationshipType

Direction = Literal["any", "forward"]


class PathNodeOut(BaseModel):
    id: str
    kind: EntityKind
    name: str
    category: str | None = None


class HopAssertionOut(AssertionOut):
    amount: float | None = None
    currency: str | None = None


class HopOut(BaseModel):
    type: RelationshipType
    source: str
    target: str
    direction: Literal["forward", "backward"] = Field(
        description="forward when the relationship points along the path (from the previous node to the next)."
    )
    confidence: int = Field(description="The best confidence among the assertions shown.")
    assertions: list[HopAssertionOut] = Field(description="The assertions you may see that pass the filters.")


class PathOut(BaseModel):
    nodes: list[PathNodeOut]
    relationships: list[HopOut]
    length: int
    confidence: float = Field(
        description="Product over hops of each hop's best assertion confidence (as a probability), times 100: "
        "how likely the whole chain holds if each hop holds independently with its best-supported confidence."
    )


class PathBoundsOut(BaseModel):
    max_hops: int
    limit: int
    direction: Direction
    types: list[RelationshipType] | None
    kinds: list[EntityKind] | None
    min_confidence: int
    as_of: date | None
    include_longer: bool
    exclude: list[str] = Field(
        default_factory=list, description="The entity ids no path passes through, as given (resolved or not)."
    )
    exclude_categories: list[str] = Field(
        default_factory=list, description="The categories of the entities no path passes through."
    )


class PathsOut(BaseModel):
    source: str = Field(serialization_alias="from", description="The first entity of `from` (its canonical id).")
    target: str = Field(serialization_alias="to", description="The first entity of `to` (its canonical id).")
    sources: list[str] = Field(description="Every entity of `from`, canonical ids: paths start at one of them.")
    targets: list[str] = Field(description="Every entity of `to`, canonical ids: paths end at one of them.")
    paths: list[PathOut]
    bounds: PathBoundsOut


class NeighborNodeOut(PathNodeOut):
    depth: int


class NeighborEdgeOut(BaseModel):
    key: str
    type: RelationshipType
    source: str
    target: str
    confidence: int
    organizations: int = Field(description="How many organizations' assertions you may see support it.")
    assertions: list[HopAssertionOut]


class NeighborhoodOut(BaseModel):
    center: str
    nodes: list[NeighborNodeOut]
    edges: list[NeighborEdgeOut]
    truncated: bool = Field(description="True when `limit` cut the neighborhood: more entities lie within `depth`.")
    depth: int
    limit: int
