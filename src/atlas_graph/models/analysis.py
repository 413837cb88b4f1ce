"""Disruption planners' answers: chokepoint rankings, what-if takedowns, and the jobs that compute them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from atlas_graph.models.vocabulary import EntityKind, RelationshipType

RankingMethod = Literal["fragmentation", "betweenness", "articulation", "degree"]


class GraphScopeOut(BaseModel):
    """Which graph an answer was computed on."""

    graph_version: str = Field(
        description="A digest of the graph you may see under these filters: equal digests, equal graphs."
    )
    nodes: int
    edges: int
    types: list[RelationshipType] | None
    min_confidence: int
    as_of: date | None


class StabilityOut(BaseModel):
    frequency: float = Field(description="Share of resampled graphs in which it stays in the top list, 0..1.")


class ChokepointOut(BaseModel):
    id: str
    name: str
    kind: EntityKind
    category: str | None
    rank: int
    score: float
    metrics: dict[str, Any]
    explanation: str
    stability: StabilityOut | None = None


class ChokepointsOut(BaseModel):
    method: RankingMethod
    top: int
    kinds: list[EntityKind] | None
    seed: int
    scope: GraphScopeOut
    chokepoints: list[ChokepointOut]
    stability_samples: int | None = Field(
        default=None,
        description="With stability=true: how many resampled graphs (each edge kept with "
        "probability confidence/100) were ranked.",
    )


class FragmentationOut(BaseModel):
    nodes: int
    components: int
    largest_component: int
    pairwise_connectivity: int
    fragmentation: float = Field(description="Borgatti's F: the share of node pairs that are disconnected.")
    actor_victim_pairs: int
    actors_reaching_service: dict[str, int] = Field(description="Per service kind, actors that can still reach one.")


class LostAccessOut(BaseModel):
    id: str
    name: str
    lost: list[str]


class DisruptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    remove: list[str] = Field(min_length=1, max_length=1000, description="Entity ids to take down.")
    types: list[RelationshipType] | None = None
    min_confidence: int = Field(default=0, ge=0, le=100)
    as_of: date | None = None


class RemovedOut(BaseModel):
    id: str
    name: str
    kind: EntityKind


class DisruptionImpactOut(BaseModel):
    components_created: int
    actor_victim_pairs_cut: int
    actors_losing_service: int
    lost_service_access: list[LostAccessOut] = Field(description="Actors that lost a service kind (first 1,000).")


class DisruptionOut(BaseModel):
    scope: GraphScopeOut
    removed: list[RemovedOut]
    before: FragmentationOut
    after: FragmentationOut
    impact: DisruptionImpactOut


class JobAcceptedOut(BaseModel):
    job_id: str
    status: Literal["queued", "running", "succeeded", "failed"]
    progress: float
    location: str = Field(description="Where to poll: GET this for progress and, when done, the result.")


class JobOut(BaseModel):
    job_id: str
    kind: str
    status: Literal["queued", "running", "succeeded", "failed"]
    progress: float = Field(description="0..1")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    result: dict[str, Any] | None = Field(description="The answer, when status is succeeded.")
    error: str | None
