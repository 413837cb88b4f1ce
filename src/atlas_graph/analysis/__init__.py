"""Chokepoint analysis of the cybercrime ecosystem: pure functions of a NetworkX graph.

Nothing here touches Neo4j, HTTP or settings: the store projects the graph into NetworkX, these functions
measure it and return frozen dataclasses, and the services turn those into response models.

- `structure`: cut vertices and bridges, with the sizes of the pieces each one separates.
- `centrality`: supply-chain betweenness, the share of actors' shortest routes to victims and financiers.
- `fragmentation`: components, pairwise connectivity, Borgatti's fragmentation, actors' reach to service
  kinds and victims along supply dependencies, and the impact of removing a set of nodes.
- `dismantling`: removal orders that break the network fastest.
- `robustness`: the largest component along a removal order, and Schneider's R.
- `chokepoints`: ranked chokepoints with the metrics behind each and a plain-words explanation.
- `stability`: how often each chokepoint stays on top when uncertain edges are resampled by confidence.
- `capabilities`: suppliers and capabilities, the capability actors lose after substitution, and which
  coalition member can act on which target.
- `plans`: the targets within a budget that cut the most capability, solved as an integer program.
"""

from atlas_graph.analysis.capabilities import (
    CapabilityLoss,
    MemberProfile,
    Substitution,
    actionable_targets,
    capability_loss,
)
from atlas_graph.analysis.centrality import SupplyChainBetweenness, supply_chain_betweenness
from atlas_graph.analysis.chokepoints import Chokepoint, MetricValue, RankingMethod, rank_chokepoints
from atlas_graph.analysis.dismantling import dismantling_order
from atlas_graph.analysis.fragmentation import (
    DEPENDENCY_EDGES,
    TARGETING_EDGES,
    DisruptionImpact,
    FragmentationMetrics,
    disruption_impact,
    fragmentation_metrics,
)
from atlas_graph.analysis.plans import Baseline, Objective, Plan, PlanTarget, capability_scores, plan
from atlas_graph.analysis.robustness import lcc_curve, removal_fraction_to_reach, robustness
from atlas_graph.analysis.stability import ChokepointFrequency, ChokepointStability, chokepoint_stability
from atlas_graph.analysis.structure import Bridge, CutVertex, articulation_points, bridges

__all__ = [
    "DEPENDENCY_EDGES",
    "TARGETING_EDGES",
    "Baseline",
    "Bridge",
    "CapabilityLoss",
    "Chokepoint",
    "ChokepointFrequency",
    "ChokepointStability",
    "CutVertex",
    "DisruptionImpact",
    "FragmentationMetrics",
    "MemberProfile",
    "MetricValue",
    "Objective",
    "Plan",
    "PlanTarget",
    "RankingMethod",
    "Substitution",
    "SupplyChainBetweenness",
    "actionable_targets",
    "articulation_points",
    "bridges",
    "capability_loss",
    "capability_scores",
    "chokepoint_stability",
    "dismantling_order",
    "disruption_impact",
    "fragmentation_metrics",
    "lcc_curve",
    "plan",
    "rank_chokepoints",
    "removal_fraction_to_reach",
    "robustness",
    "supply_chain_betweenness",
]
