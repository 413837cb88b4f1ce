"""The size of the graph, counted by Neo4j: nodes by label and relationships by type."""

from __future__ import annotations

from dataclasses import dataclass

from atlas_graph.store.graph import GraphStore

GRAPH_SIZE_LABELS = "read/graph_size_labels"
GRAPH_SIZE_TYPES = "read/graph_size_types"
GRAPH_SIZE_TOTALS = "read/graph_size_totals"
QUERIES = (GRAPH_SIZE_LABELS, GRAPH_SIZE_TYPES, GRAPH_SIZE_TOTALS)


@dataclass(frozen=True)
class GraphSize:
    nodes: int
    relationships: int
    nodes_by_label: dict[str, int]
    relationships_by_type: dict[str, int]


def graph_size(store: GraphStore) -> GraphSize:
    """Nodes by label and relationships by type, over the whole database (every organization's)."""
    (totals,) = store.read(GRAPH_SIZE_TOTALS)
    return GraphSize(
        nodes=totals["nodes"],
        relationships=totals["relationships"],
        nodes_by_label={record["label"]: record["count"] for record in store.read(GRAPH_SIZE_LABELS)},
        relationships_by_type={record["type"]: record["count"] for record in store.read(GRAPH_SIZE_TYPES)},
    )
