"""The bulk path (CREATE for relationships not stored yet) stores exactly what the MERGE path stores.

A bundle's new relationships skip write/relationships_upsert and get their first claim's arrays and sharing
summary from Python (store/ingestion.created_relationship_row). These tests hold that shortcut to the two
definitions it must agree with: the upsert's first claim, and the summary write/relationship_sharing_refresh
recomputes from the claims.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from neo4j import ManagedTransaction

from atlas_graph.models.bundles import BundleIn
from atlas_graph.services.resolution import plan_bundle
from atlas_graph.store.claims import RelationshipEnds, refresh_entity_sharing, refresh_relationship_sharing
from atlas_graph.store.graph import GraphStore
from atlas_graph.store.ingestion import UPSERT_RELATIONSHIPS, StoredIdentity, relationship_row, sharing_token
from tests.conftest import KeyFactory

ENTITIES = [
    {"id": "actor--crew", "kind": "actor", "name": "Crew"},
    {"id": "actor--affiliate", "kind": "actor", "name": "Affiliate"},
    {"id": "sp--host", "kind": "service_provider", "name": "Host", "category": "bulletproof_hosting"},
    {"id": "fin--mixer", "kind": "financier", "name": "Mixer", "category": "mixer"},
]
RELATIONSHIPS = [
    {
        "type": "USES",
        "source": {"id": "actor--crew"},
        "target": {"id": "sp--host"},
        "confidence": 70,
        "tlp": "AMBER",
        "first_seen": "2024-01-01",
        "last_seen": "2024-06-30",
        "references": ["https://example.invalid/report/1"],
        "description": "rents servers",
    },
    {
        "type": "AFFILIATED_WITH",
        "source": {"id": "actor--affiliate"},
        "target": {"id": "actor--crew"},
        "tlp": "RED",
        "share_with": ["Org C", "Org B", "Org C"],
    },
    {
        "type": "PAYS",
        "source": {"id": "actor--crew"},
        "target": {"id": "fin--mixer"},
        "tlp": "CLEAR",
        "amount": 12.5,
        "currency": "BTC",
        "last_seen": "2025-02-01",
        "attributes": {"wallet_count": 3},
    },
]
VARYING = {"created_at", "recorded_at", "updated_at", "id"}

SNAPSHOT = """
MATCH (source:Entity)-[relationship]->(target:Entity)
MATCH (claim:RelationshipAssertion {rel_key: relationship.key})
RETURN relationship.key AS key, type(relationship) AS type, properties(relationship) AS relationship,
       collect(properties(claim)) AS claims
ORDER BY key
"""


def snapshot(graph: GraphStore) -> list[dict[str, Any]]:
    records = graph.driver.execute_query(SNAPSHOT, database_=graph.database).records
    return [
        {
            "key": record["key"],
            "type": record["type"],
            "relationship": {k: v for k, v in record["relationship"].items() if k not in VARYING},
            "claims": [{k: v for k, v in claim.items() if k not in VARYING} for claim in record["claims"]],
        }
        for record in records
    ]


def post_bundle(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    response = client.post("/v1/bundles", json={"entities": ENTITIES, "relationships": RELATIONSHIPS}, headers=headers)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


@pytest.fixture(autouse=True)
def share_with_members(auth_headers: KeyFactory) -> None:
    """The organizations the claims here share with: share_with names only registered members (issue 17)."""
    auth_headers("Org B")
    auth_headers("Org C")


def test_bulk_created_relationships_equal_first_claims_written_by_the_upsert(
    client: TestClient, auth_headers: KeyFactory, graph: GraphStore
) -> None:
    answer = post_bundle(client, auth_headers("Org A"))
    assert answer["counts"]["relationships"] == {"created": 3, "merged": 0, "updated": 0}
    bulk = snapshot(graph)
    assert len(bulk) == 3 and all(len(row["claims"]) == 1 for row in bulk)

    graph.driver.execute_query(
        "MATCH (:Entity)-[relationship]->(:Entity) DELETE relationship", database_=graph.database
    )
    graph.driver.execute_query("MATCH (claim:RelationshipAssertion) DETACH DELETE claim", database_=graph.database)
    bundle = BundleIn.model_validate({"entities": ENTITIES, "relationships": RELATIONSHIPS})
    plan = plan_bundle(bundle.entities, bundle.relationships, StoredIdentity(), organization="Org A")

    def upsert(tx: ManagedTransaction) -> None:
        tx.run(
            graph.queries[UPSERT_RELATIONSHIPS],
            rows=[relationship_row(row, "Org A", f"assertion--{i}") for i, row in enumerate(plan.relationships)],
            now=datetime.now(UTC),
            organization="Org A",
            organization_token=sharing_token("Org A", []),
        ).consume()

    graph.write_transaction(upsert)
    assert snapshot(graph) == bulk


def test_bulk_created_summaries_are_what_the_refresh_recomputes_from_the_claims(
    client: TestClient, auth_headers: KeyFactory, graph: GraphStore
) -> None:
    post_bundle(client, auth_headers("Org A"))
    bulk = snapshot(graph)
    ends = [
        RelationshipEnds(key=row["key"], source=row["claims"][0]["source"], target=row["claims"][0]["target"])
        for row in bulk
    ]
    graph.write_transaction(lambda tx: refresh_relationship_sharing(tx, graph.queries, ends))
    assert snapshot(graph) == bulk


def test_a_second_organization_takes_the_merge_path_onto_the_bulk_created_relationship(
    client: TestClient, auth_headers: KeyFactory, graph: GraphStore
) -> None:
    post_bundle(client, auth_headers("Org A"))
    # Org B sees all three: two community claims, and the RED one names it in share_with.
    answer = post_bundle(client, auth_headers("Org B"))
    assert answer["counts"]["relationships"] == {"created": 0, "merged": 3, "updated": 0}
    rows = snapshot(graph)
    assert len(rows) == 3, "one relationship per (type, source, target), whoever claims it"
    for row in rows:
        assert row["relationship"]["a_org"] == ["Org A", "Org B"]
        assert row["relationship"]["claim_count"] == 2
    outsider = post_bundle(client, auth_headers("Org D"))
    assert outsider["counts"]["relationships"] == {"created": 1, "merged": 2, "updated": 0}, "the RED one is hidden"
    assert len(snapshot(graph)) == 3
    reposted = post_bundle(client, auth_headers("Org A"))
    assert reposted["counts"]["relationships"] == {"created": 0, "merged": 0, "updated": 3}
    assert len(snapshot(graph)) == 3


SUMMARY_ENTITIES = [
    {
        "id": "actor--public",
        "kind": "actor",
        "name": "Public Crew",
        "tlp": "GREEN",
        "category": "group",
        "countries": ["RU", "BY"],
        "attributes": {"disruption_cost": 3},
    },
    {"id": "actor--bare", "kind": "actor", "name": "Bare Crew", "tlp": "CLEAR"},
    {"id": "actor--red", "kind": "actor", "name": "Red Crew", "tlp": "RED", "share_with": ["Org C", "Org B"]},
    {"id": "actor--amber", "kind": "actor", "name": "Amber Crew", "tlp": "AMBER", "countries": ["FR"]},
]
ENTITY_SNAPSHOT = """
MATCH (entity:Entity) WHERE entity.id IN $ids
RETURN entity.id AS id, properties(entity) AS properties ORDER BY id
"""


def test_new_entities_summaries_are_what_the_refresh_recomputes_from_their_claims(
    client: TestClient, auth_headers: KeyFactory, graph: GraphStore
) -> None:
    """A new entity of one claim gets its sharing summary from Python (store/ingestion.new_entity_summary)."""
    response = client.post(
        "/v1/bundles", json={"entities": SUMMARY_ENTITIES, "relationships": []}, headers=auth_headers("Org A")
    )
    assert response.status_code == 200, response.text
    ids = [entity["id"] for entity in response.json()["entities"]]

    def entities() -> list[dict[str, Any]]:
        records = graph.driver.execute_query(ENTITY_SNAPSHOT, ids=ids, database_=graph.database).records
        return [{"id": record["id"], **record["properties"]} for record in records]

    bulk = entities()
    assert {row["id"]: row.get("public_name") for row in bulk} == {
        "actor--public": "Public Crew",
        "actor--bare": "Bare Crew",
        "actor--red": None,
        "actor--amber": "Amber Crew",
    }
    assert next(row for row in bulk if row["id"] == "actor--red")["vis_orgs"] == ["Org A", "Org B", "Org C"]
    graph.write_transaction(lambda tx: refresh_entity_sharing(tx, graph.queries, ids))
    assert entities() == bulk
