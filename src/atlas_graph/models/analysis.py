"""Disruption planners' answers: chokepoint rankings, what-if takedowns, and the jobs that compute them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from atlas_graph.models.vocabulary import CATEGORY_VALUES, UNCATEGORIZED, EntityKind, RelationshipType

SCOPE_CATEGORIES = CATEGORY_VALUES | {UNCATEGORIZED}


def _known_category(value: str) -> str:
    if value not in SCOPE_CATEGORIES:
        raise ValueError(f"unknown category {value!r}; allowed: {', '.join(sorted(SCOPE_CATEGORIES))}")
    return value


ScopeCategory = Annotated[str, AfterValidator(_known_category)]
"""An entity category, or `uncategorized` for the entities without one (a 422 naming the field otherwise)."""

# The filters a body names its graph with (see `GraphScope`), declared once for every body that takes them.
MinConfidence = Annotated[int, Field(ge=0, le=100)]
ScopeCategories = Annotated[
    list[ScopeCategory] | None,
    Field(
        max_length=len(SCOPE_CATEGORIES),
        description="Keep only entities of these categories; `uncategorized` keeps those without one.",
    ),
]
OnlyMine = Annotated[bool, Field(description="Keep only what your organization itself asserted.")]

RankingMethod = Literal["capability", "fragmentation", "betweenness", "articulation", "degree"]
Substitution = Literal["none", "affiliates", "market"]


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
    categories: list[str] | None = Field(default=None, description="Entity categories kept (uncategorized: none).")
    only_mine: bool = Field(default=False, description="Only what your organization itself asserted.")


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
    substitution: Substitution | None = Field(
        default=None, description="method=capability: the substitution rule the losses were measured under."
    )
    actionable: bool = Field(default=False, description="Only what the coalition's members can act on.")
    notes: list[str] = Field(
        default_factory=list, description="What the graph lacks for this analysis (no financiers, no countries...)."
    )
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
    substitution: Substitution = Field(
        default="affiliates", description="Where actors may still find a capability they lost (docs/planning.md)."
    )
    types: list[RelationshipType] | None = None
    min_confidence: MinConfidence = 0
    as_of: date | None = None
    categories: ScopeCategories = None
    only_mine: OnlyMine = False


class RemovedOut(BaseModel):
    id: str
    name: str
    kind: EntityKind


class DisruptionImpactOut(BaseModel):
    components_created: int
    actor_victim_pairs_cut: int
    actors_losing_service: int
    lost_service_access: list[LostAccessOut] = Field(description="Actors that lost a service kind (first 1,000).")


class EntityRefOut(BaseModel):
    id: str
    name: str


class ActorLossOut(BaseModel):
    id: str
    name: str
    harm: float = Field(description="1 + the victims it targets.")
    lost: list[str] = Field(description="Capabilities (kind/category) it loses.")


class DisplacementOut(BaseModel):
    id: str
    name: str
    capability: str
    route: Literal["own", "affiliates", "market"] = Field(
        description="own: it still reaches a supplier itself; affiliates: through an affiliate; market: some "
        "supplier is left anywhere (substitution=market)."
    )
    suppliers: list[EntityRefOut] = Field(description="The suppliers it keeps or moves to, nearest first (5 at most).")


class CapabilityImpactOut(BaseModel):
    substitution: Substitution
    loss: float = Field(description="Sum over lost (actor, capability) pairs of harm x criticality.")
    losses: list[ActorLossOut] = Field(description="Per actor, what it loses (first 1,000, largest first).")
    displacement: list[DisplacementOut] = Field(description="Kept capabilities the removal touched (first 1,000).")


class DisruptionOut(BaseModel):
    scope: GraphScopeOut
    removed: list[RemovedOut]
    before: FragmentationOut
    after: FragmentationOut
    impact: DisruptionImpactOut
    capabilities: CapabilityImpactOut | None = Field(
        default=None, description="Capability loss under the substitution rule (docs/planning.md)."
    )


class PlanIn(BaseModel):
    """A disruption plan's question: within this budget, with this coalition, what cuts the most capability?"""

    model_config = ConfigDict(extra="forbid")

    budget: float = Field(
        gt=0,
        le=1e9,
        description="The most the targets may cost in all (each costs its attributes.disruption_cost, default 1).",
    )
    substitution: Substitution = "affiliates"
    coalition: list[str] | None = Field(
        default=None, max_length=1000, description="Organization names; default: every organization with a profile."
    )
    actors: list[str] | None = Field(
        default=None, min_length=1, max_length=10_000, description="Actor ids whose losses count; default: all."
    )
    criticality: dict[str, Annotated[float, Field(ge=0, le=1e6)]] = Field(
        default_factory=dict, max_length=200, description='Weight per capability, e.g. {"financier/mixer": 2}.'
    )
    exclude: list[str] = Field(default_factory=list, max_length=10_000, description="Entity ids never to choose.")
    require: list[str] = Field(default_factory=list, max_length=1000, description="Entity ids to choose anyway.")
    types: list[RelationshipType] | None = None
    min_confidence: MinConfidence = 0
    as_of: date | None = None
    categories: ScopeCategories = None
    only_mine: OnlyMine = False
    time_limit: float = Field(default=20.0, gt=0, le=600, description="Seconds the search may take.")


class PlanActionOut(BaseModel):
    organization: str
    action: str


class PlanTargetOut(BaseModel):
    id: str
    name: str
    kind: EntityKind
    category: str | None
    countries: list[str]
    cost: float
    loss: float = Field(description="Its marginal loss: the plan's loss minus the loss of the plan without it.")
    actions: list[PlanActionOut] = Field(description="The members who can act on it, and how.")
    explanation: str


class ObjectiveOut(BaseModel):
    loss: float
    optimal: bool = Field(description="Whether the solver proved that no plan within the budget loses more.")
    upper_bound: float | None = Field(description="No plan within the budget loses more than this.")
    solver: str
    seconds: float


class TaskTargetOut(BaseModel):
    id: str
    name: str
    actions: list[str]


class TaskOut(BaseModel):
    organization: str
    targets: list[TaskTargetOut]


class GapOut(BaseModel):
    id: str
    name: str
    kind: EntityKind
    category: str | None
    countries: list[str]
    loss: float = Field(description="What removing it alone would cut.")


class BaselineOut(BaseModel):
    method: Literal["degree", "betweenness", "fragmentation"]
    targets: list[str]
    cost: float
    loss: float


class PlanOut(BaseModel):
    scope: GraphScopeOut
    budget: float
    substitution: Substitution
    coalition: list[str]
    targets: list[PlanTargetOut]
    objective: ObjectiveOut
    losses: list[ActorLossOut]
    displacement: list[DisplacementOut]
    tasks: list[TaskOut]
    gaps: list[GapOut] = Field(description="The highest-loss entities no coalition member can act on: who to recruit.")
    baselines: list[BaselineOut]
    notes: list[str] = Field(default_factory=list, description="What the graph lacks for this analysis.")


# A cancelled job never finishes its work: it stopped when its organization cancelled it (DELETE).
JobStatus = Literal["queued", "running", "succeeded", "failed", "cancelled"]


class JobAcceptedOut(BaseModel):
    job_id: str
    status: JobStatus
    progress: float
    location: str = Field(description="Where to poll: GET this for progress and, when done, the result.")


class JobOut(BaseModel):
    job_id: str
    kind: str
    status: JobStatus
    progress: float = Field(description="0..1")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    result: dict[str, Any] | None = Field(description="The answer, when status is succeeded.")
    error: str | None
