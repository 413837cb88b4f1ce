"""Entities as a caller sees them: one in full, or a page of summaries."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from atlas_graph.models.assertions import AssertionOut
from atlas_graph.models.vocabulary import EntityKind


class EntityAssertionOut(AssertionOut):
    name: str
    aliases: list[str]
    external_ids: dict[str, str] = Field(description="The external ids this claim gives, by scheme.")
    conflated_ids: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Several ids of one scheme this claim cites for one object, which so stands for several: they "
        "identify nothing, and keep it apart from entities that hold one of them.",
    )
    category: str | None
    countries: list[str] = Field(default_factory=list, description="Where this claim says the entity is.")
    attributes: dict[str, Any]


class EntityOut(BaseModel):
    id: str
    kind: EntityKind
    name: str = Field(description="The name most of the claims you may see give; a tie goes to the oldest claim.")
    aliases: list[str] = Field(description="Every other name a claim you may see gives.")
    category: str | None
    countries: list[str] = Field(
        default_factory=list, description="Where the entity is: the union over the claims you may see."
    )
    attributes: dict[str, Any]
    assertions: list[EntityAssertionOut] = Field(description="The claims you may see, oldest first.")
    relationship_counts: dict[str, int] = Field(
        description="Relationships you may see, to entities you may see, by type."
    )
    merged_ids: list[str] = Field(
        description="Ids of entities merged into this one that a claim you may see was made against; each resolves "
        "to this one."
    )


class EntitySummaryOut(BaseModel):
    id: str
    kind: EntityKind
    name: str
    aliases: list[str]
    category: str | None
    score: float | None = Field(
        default=None,
        description="Relevance when searching, from the names you may see: 4 and up for an exact name or alias, 3 "
        "for a name starting with the query as whole words, 2 for a name holding it as whole words, 1 for a name "
        "with a word starting with it, plus how much of the name the query covers (up to 1). Hits are ordered by "
        "this tier, then by relationship_count, then by score.",
    )
    relationship_count: int = Field(
        description="Relationships you may see between this entity and entities you may see.",
    )


class EntityPageOut(BaseModel):
    total: int = Field(description="How many entities match, of those you may see.")
    offset: int
    limit: int
    items: list[EntitySummaryOut]
    kinds: dict[EntityKind, int] = Field(
        default_factory=dict,
        description="When searching: how many hits of each kind, before the kind filter (the explorer's one-click "
        "filters). Empty when listing.",
    )
