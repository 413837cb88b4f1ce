"""The CommunityVisible label that path searches read in place of an entity's `vis_all`.

Every test of the suite checks, when it ends, that the label and `vis_all` agree on every entity (tests/conftest.py,
`graph`). These tests check what a disagreement would cost (an entity shown on a path to an organization that may
not see it) on the write that most often changes an entity's visibility, the retraction of its last community
claim, and that a database written before the label existed is brought in line when the service opens it.
"""

from __future__ import annotations

from fastapi.testclient import TestClient

from atlas_graph.store.graph import GraphStore
from atlas_graph.store.schema import apply_schema, sync_community_labels
from tests.conftest import KeyFactory

EMBER = {"kind": "actor", "name": "Ember"}
FROST = {"kind": "actor", "name": "Frost"}
HAVEN = {"kind": "service_provider", "name": "Haven"}
ROUTE = {
    "entities": [EMBER, FROST, {**HAVEN, "category": "bulletproof_hosting"}],
    "relationships": [
        {"type": "USES", "source": EMBER, "target": HAVEN, "confidence": 80},
        {"type": "USES", "source": FROST, "target": HAVEN, "confidence": 60},
    ],
}


def post_route(client: TestClient, auth_headers: KeyFactory) -> dict[str, str]:
    """Org A posts Ember -> Haven <- Frost at the default TLP; Org B alone also knows Haven, at RED."""
    created = client.post("/v1/bundles", json=ROUTE, headers=auth_headers("Org A"))
    assert created.status_code == 200, created.text
    ids = {
        item["name"]: result["id"] for item, result in zip(ROUTE["entities"], created.json()["entities"], strict=True)
    }
    restricted = client.post("/v1/bundles", json={"entities": [{**HAVEN, "tlp": "RED"}]}, headers=auth_headers("Org B"))
    assert restricted.status_code == 200, restricted.text
    assert restricted.json()["entities"][0]["id"] == ids["Haven"]
    return ids


def route_of(client: TestClient, headers: dict[str, str], ids: dict[str, str]) -> list[list[str]]:
    response = client.get("/v1/paths", params={"from": ids["Ember"], "to": ids["Frost"]}, headers=headers)
    assert response.status_code == 200, response.text
    return [[node["id"] for node in path["nodes"]] for path in response.json()["paths"]]


def labelled(graph: GraphStore, entity_id: str) -> bool:
    records, _, _ = graph.driver.execute_query(
        "MATCH (entity:Entity {id: $id}) RETURN entity:CommunityVisible AS labelled",
        {"id": entity_id},
        database_=graph.database,
    )
    return bool(records[0]["labelled"])


def test_retracting_the_last_community_claim_takes_the_entity_off_others_paths(
    client: TestClient, auth_headers: KeyFactory, graph: GraphStore
) -> None:
    ids = post_route(client, auth_headers)
    through_haven = [[ids["Ember"], ids["Haven"], ids["Frost"]]]
    assert labelled(graph, ids["Haven"])
    assert route_of(client, auth_headers("Org C", "reader"), ids) == through_haven

    org_a = auth_headers("Org A")
    claims = client.get(f"/v1/entities/{ids['Haven']}", headers=org_a).json()["assertions"]
    community = next(claim["id"] for claim in claims if claim["organization"] == "Org A")
    assert client.delete(f"/v1/assertions/{community}", headers=org_a).status_code == 204

    # Haven now rests on Org B's RED claim alone: the relationships are still community-visible, the entity is not.
    assert not labelled(graph, ids["Haven"])
    assert route_of(client, auth_headers("Org C", "reader"), ids) == []
    assert route_of(client, auth_headers("Org B", "reader"), ids) == through_haven


def test_a_database_written_before_the_label_is_brought_in_line_when_opened(
    client: TestClient, auth_headers: KeyFactory, graph: GraphStore
) -> None:
    ids = post_route(client, auth_headers)
    org_c = auth_headers("Org C", "reader")
    # As a database of an earlier version holds it: no entity has the label. Its paths would find nothing.
    graph.driver.execute_query("MATCH (entity:Entity) REMOVE entity:CommunityVisible", database_=graph.database)
    assert route_of(client, org_c, ids) == []

    apply_schema(graph)

    assert all(labelled(graph, entity_id) for entity_id in ids.values())
    assert route_of(client, org_c, ids) == [[ids["Ember"], ids["Haven"], ids["Frost"]]]
    assert sync_community_labels(graph) == 0


def test_a_label_that_vis_all_does_not_back_is_removed(
    client: TestClient, auth_headers: KeyFactory, graph: GraphStore
) -> None:
    hidden = client.post(
        "/v1/bundles", json={"entities": [{**HAVEN, "name": "Back Room", "tlp": "RED"}]}, headers=auth_headers("Org B")
    )
    entity_id = hidden.json()["entities"][0]["id"]
    assert not labelled(graph, entity_id)
    graph.driver.execute_query(
        "MATCH (entity:Entity {id: $id}) SET entity:CommunityVisible", {"id": entity_id}, database_=graph.database
    )

    assert sync_community_labels(graph) == 1
    assert not labelled(graph, entity_id)
