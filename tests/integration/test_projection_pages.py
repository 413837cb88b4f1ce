"""The projection read page by page: any page size gives the same graph as one page, in every scope."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from atlas_graph.models.vocabulary import EntityKind, RelationshipType
from atlas_graph.store import projection as projection_module
from atlas_graph.store.graph import GraphStore
from atlas_graph.store.projection import load_projection
from atlas_graph.store.scope import GraphScope
from tests.conftest import KeyFactory
from tests.integration.test_analysis_api import ecosystem

SCOPES = [
    GraphScope(),
    GraphScope.of(kinds=[EntityKind.ACTOR, EntityKind.SERVICE_PROVIDER]),
    GraphScope.of(types=[RelationshipType.USES], min_confidence=80),
    GraphScope.of(categories=["bulletproof_hosting", "uncategorized"]),
    GraphScope.of(only_mine=True),
]


def contents(store: GraphStore, organization: str, scope: GraphScope) -> tuple[object, ...]:
    """Everything a projection holds: sizes (a row read twice would show there), digest, nodes and edges in order."""
    projection = load_projection(store, organization=organization, scope=scope)
    graph = projection.graph
    return (
        projection.node_count,
        projection.edge_count,
        projection.fingerprint,
        list(graph.nodes(data=True)),
        list(graph.edges(keys=True, data=True)),
    )


@pytest.mark.parametrize("scope", SCOPES)
def test_pages_of_any_size_read_the_same_projection(
    client: TestClient, auth_headers: KeyFactory, graph: GraphStore, monkeypatch: pytest.MonkeyPatch, scope: GraphScope
) -> None:
    response = client.post("/v1/bundles", json=ecosystem(), headers=auth_headers("Org A"))
    assert response.status_code == 200, response.text
    whole = contents(graph, "Org A", scope)
    assert whole[3], "the scope keeps some entities, so that the pages have something to cut"
    for size in (1, 2, 3, 7):
        monkeypatch.setattr(projection_module, "PAGE_ENTITIES", size)
        assert contents(graph, "Org A", scope) == whole, f"pages of {size}"
