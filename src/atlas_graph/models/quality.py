"""The data quality report: what an analyst checks before trusting a ranking of the graph."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from atlas_graph.models.vocabulary import EntityKind

Layer = Literal["actors", "suppliers", "financiers", "infrastructure", "victims"]


class KindQualityOut(BaseModel):
    kind: EntityKind
    entities: int
    merged: int = Field(description="Entities another entity was merged into (as far as you may see the merge).")
    isolated: int = Field(description="Entities with no relationship you may see.")


class SharedNameOut(BaseModel):
    name: str = Field(description="As one of the claims you may see spells it.")
    kind: EntityKind
    entities: int
    entity_ids: list[str] = Field(description="The entities your visible claims give the name to (up to 20).")


class AlikeVictimsOut(BaseModel):
    name: str = Field(description="The name shown for the first of them.")
    victim_ids: list[str]


class LayerVerdictOut(BaseModel):
    layer: Layer
    kind: EntityKind
    entities: int
    connected: int = Field(description="Entities of the layer with at least one relationship you may see.")
    ready: bool = Field(description="The layer has connected entities, so the ranking can account for it.")
    verdict: str = Field(description="One line: what the layer gives the ranking, or what is missing.")


class QualityReportOut(BaseModel):
    """Counts over the claims you may see only: a claim hidden from you changes no number here."""

    entities: int
    kinds: list[KindQualityOut] = Field(description="Every kind, including those with no entity.")
    merged_entities: int
    isolated_entities: int
    open_candidates: int = Field(description="Same-as candidates waiting for review (GET /v1/resolution/candidates).")
    ambiguous_names: int = Field(
        description="Names (folded as resolution folds them) that more than one entity carries: they resolve nothing."
    )
    ambiguous_name_examples: list[SharedNameOut] = Field(description="Those carried by the most entities (up to 20).")
    victims_named_alike: int = Field(description="Groups of victims whose shown names fold to one name.")
    alike_victim_groups: list[AlikeVictimsOut] = Field(description="The largest groups (up to 20).")
    layers: list[LayerVerdictOut]
    fit_to_rank: bool = Field(
        description="Actors are connected to at least one layer they depend on (suppliers, financiers, infrastructure)."
    )
    verdict: str
