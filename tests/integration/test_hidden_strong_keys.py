"""A strong key that only a hidden claim gave to an entity the caller sees is no key for the caller (issue 13).

Org B's RED claim gives the entity Org C published (GREEN) an external id or a STIX id. A prober that posts that id
used to join the entity, was answered "created, new", and then read, at its next GET, Org C's entity under its own
claim: which entity Org B's hidden claim identifies. Now the prober's item resolves as if the key were nobody's, and
every answer it gets is the one it would get in a graph without Org B's claim.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from atlas_graph.store.graph import GraphStore
from atlas_graph.store.maintenance import delete_everything
from tests.integration.test_identity_attacks import issue, post, relabel

STIX_ID = "intrusion-set--5b1e0e3c-8c1f-4b7a-9f0e-2a6d4c3b1e77"


def prober_answers(client: TestClient, graph: GraphStore, *, hidden: bool, probe: dict[str, Any]) -> Any:
    delete_everything(graph)
    owner, holder, prober = issue(graph, "Org C"), issue(graph, "Org B"), issue(graph, "Org Probe")
    crew = post(client, owner, entities=[{"kind": "actor", "name": "Carbon Crew"}])["entities"][0]["id"]
    if hidden:
        # By the entity's id (an external id), and by name with a STIX id of its own (a key on the same entity).
        secret = {"kind": "actor", "name": "Carbon Crew", "tlp": "RED"}
        post(client, holder, entities=[{**secret, "id": crew, "external_ids": {"mitre-attack": "G9001"}}])
        joined = post(client, holder, entities=[{**secret, "id": STIX_ID}])
        assert joined["entities"][0]["id"] == crew
    answer = post(client, prober, entities=[probe])
    probed = client.get(f"/v1/entities/{answer['entities'][0]['id']}", headers=prober).json()
    crew_seen = client.get(f"/v1/entities/{crew}", headers=prober).json()
    owner_seen = client.get(f"/v1/entities/{crew}", headers=owner).json()
    return relabel([answer, probed, crew_seen, owner_seen], {})


def test_a_hidden_external_id_joins_nothing_the_prober_can_see(client: TestClient, graph: GraphStore) -> None:
    probe = {"kind": "actor", "name": "Probe Crew", "external_ids": {"mitre-attack": "G9001"}}
    clean = prober_answers(client, graph, hidden=False, probe=probe)
    probed = prober_answers(client, graph, hidden=True, probe=probe)
    assert probed == clean
    answer, entity, crew_seen, _ = probed
    assert answer["entities"][0]["status"] == "created" and answer["entities"][0]["matched_by"] == "new"
    assert entity["name"] == "Probe Crew" and {c["organization"] for c in entity["assertions"]} == {"Org Probe"}
    assert {c["organization"] for c in crew_seen["assertions"]} == {"Org C"}


def test_a_hidden_stix_id_joins_nothing_the_prober_can_see(client: TestClient, graph: GraphStore) -> None:
    probe = {"kind": "actor", "name": "Probe Crew", "id": STIX_ID}
    assert prober_answers(client, graph, hidden=True, probe=probe) == prober_answers(
        client, graph, hidden=False, probe=probe
    )


def test_a_hidden_key_still_joins_an_entity_the_prober_cannot_see(client: TestClient, graph: GraphStore) -> None:
    # Nothing of such an entity shows to the prober, so the same object stays one entity (docs/sharing.md).
    delete_everything(graph)
    holder, prober = issue(graph, "Org B"), issue(graph, "Org Probe")
    secret = post(client, holder, entities=[{"kind": "actor", "name": "Quiet Crew", "id": STIX_ID, "tlp": "RED"}])
    answer = post(client, prober, entities=[{"kind": "actor", "name": "Probe Crew", "id": STIX_ID}])
    assert answer["entities"][0]["id"] == secret["entities"][0]["id"]
    assert (answer["entities"][0]["status"], answer["entities"][0]["matched_by"]) == ("created", "new")
