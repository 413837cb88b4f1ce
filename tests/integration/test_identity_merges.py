"""Merges that change no claim and splits that undo them (issue 13), against the real Neo4j.

The hostile case is a merge by an outsider, who sees only the community's claims, of two entities on which a victim
organization holds RED claims (a RED alias, RED relationships, one between the two). The merge must reveal nothing of
them (its answer is the same as without them), lose nothing (each claim comes through intact), and a split must give
everyone back, byte for byte, what they read before.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from atlas_graph.models.vocabulary import Role
from atlas_graph.services import access, organizations
from atlas_graph.store.graph import GraphStore
from atlas_graph.store.maintenance import delete_everything
from tests.integration.test_identity_attacks import relabel

PUBLIC, VICTIM, OUTSIDER = "Org Public", "Org Victim", "Org Outsider"
ALPHA = "actor--6b0f3d2a-4c1e-4f7a-8d9b-1e2c3a4b5c60"
BETA = "actor--7c1a4e3b-5d2f-4a8b-9e0c-2f3d4b5c6d71"
TOOL = "service_provider--8d2b5f4c-6e3a-4b9c-8f1d-3a4e5c6d7e82"
HIDDEN = "actor--9e3c6a5d-7f4b-4cad-9a2e-4b5f6d7e8f93"


def headers(graph: GraphStore, organization: str) -> dict[str, str]:
    if organization not in {o.name for o in organizations.list_organizations(graph)}:
        organizations.create_organization(graph, name=organization)
    return {"Authorization": f"Bearer {access.issue_key(graph, organization=organization, role=Role.ANALYST).token}"}


def post(client: TestClient, who: dict[str, str], **bundle: Any) -> Any:
    response = client.post("/v1/bundles", json=bundle, headers=who)
    assert response.status_code == 200, response.text
    return response.json()


def public_world(client: TestClient, graph: GraphStore) -> None:
    post(
        client,
        headers(graph, PUBLIC),
        entities=[
            {"kind": "actor", "id": ALPHA, "name": "Twin Alpha"},
            {"kind": "actor", "id": BETA, "name": "Twin Beta", "aliases": ["TB"]},
            {"kind": "service_provider", "id": TOOL, "name": "Tool X", "category": "tool"},
        ],
        relationships=[{"type": "USES", "source": {"id": BETA}, "target": {"id": TOOL}, "confidence": 40}],
    )


def victim_claims(client: TestClient, graph: GraphStore) -> None:
    red = {"tlp": "RED"}
    post(
        client,
        headers(graph, VICTIM),
        entities=[
            {"kind": "actor", "id": BETA, "name": "Twin Beta", "aliases": ["Secret Beta"], "confidence": 95, **red},
            {"kind": "actor", "id": HIDDEN, "name": "Hidden Crew", **red},
        ],
        relationships=[
            {"type": "AFFILIATED_WITH", "source": {"id": ALPHA}, "target": {"id": BETA}, "confidence": 77, **red},
            {"type": "USES", "source": {"id": BETA}, "target": {"id": TOOL}, "confidence": 88, **red},
        ],
    )


def reads(client: TestClient, who: dict[str, str]) -> list[Any]:
    answers: list[Any] = []
    for entity_id in (ALPHA, BETA, TOOL):
        entity = client.get(f"/v1/entities/{entity_id}", headers=who)
        neighborhood = client.get(f"/v1/entities/{entity_id}/neighborhood", headers=who)
        answers += [entity.status_code, entity.json(), neighborhood.status_code, neighborhood.json()]
    return answers


def outsider_merge(client: TestClient, graph: GraphStore, *, hidden_claims: bool) -> tuple[Any, Any]:
    delete_everything(graph)
    public_world(client, graph)
    if hidden_claims:
        victim_claims(client, graph)
    outsider = headers(graph, OUTSIDER)
    merged = client.post(f"/v1/entities/{BETA}/merge", json={"into": ALPHA}, headers=outsider)
    assert merged.status_code == 200, merged.text
    after = [
        client.get(f"/v1/entities/{ALPHA}", headers=outsider).json(),
        client.get(f"/v1/entities/{ALPHA}/history", headers=outsider).json(),
        client.get("/v1/entities", params={"q": "secret"}, headers=outsider).json(),
    ]
    return relabel(merged.json(), {}), relabel(after, {})


def test_a_merge_by_an_outsider_reveals_nothing_of_hidden_claims(client: TestClient, graph: GraphStore) -> None:
    """Issue 13: the answer said how many hidden claims moved, and the RED alias became visible to everyone."""
    without = outsider_merge(client, graph, hidden_claims=False)
    with_hidden = outsider_merge(client, graph, hidden_claims=True)
    assert with_hidden == without
    answer, (survivor, _, search) = with_hidden
    assert answer["moved_assertions"] == 1 and answer["dropped_relationships"] == 0
    assert "Secret Beta" not in survivor["aliases"] and search["total"] == 0


def test_a_merge_loses_no_claim_and_a_split_restores_every_answer(client: TestClient, graph: GraphStore) -> None:
    """Issue 13: the merge folded the victim's RED claim into another's, and deleted the RED relationship between
    the two; nothing undid it."""
    delete_everything(graph)
    public_world(client, graph)
    victim_claims(client, graph)
    victim, outsider = headers(graph, VICTIM), headers(graph, OUTSIDER)
    before = {"victim": reads(client, victim), "outsider": reads(client, outsider)}
    victim_before = {a["id"]: a for i in (1, 5) for a in before["victim"][i]["assertions"]}

    merged = client.post(f"/v1/entities/{BETA}/merge", json={"into": ALPHA}, headers=outsider)
    assert merged.status_code == 200, merged.text
    survivor = client.get(f"/v1/entities/{ALPHA}", headers=victim).json()
    # Every claim came through intact (its confidence, TLP, names), none folded into another.
    assert {a["id"]: a for a in survivor["assertions"]} == victim_before
    assert "Secret Beta" in survivor["aliases"]
    # The outsider merged; the victim, who holds claims on the entity, may undo it.
    split = client.post(f"/v1/entities/{ALPHA}/split", json={"merged_id": BETA}, headers=victim)
    assert split.status_code == 200, split.text
    assert split.json()["restored"] == BETA and split.json()["entity"] == ALPHA

    after = {"victim": reads(client, victim), "outsider": reads(client, outsider)}
    assert after == before
    events = [e["event"] for e in client.get(f"/v1/entities/{ALPHA}/history", headers=victim).json()["events"]]
    assert events.count("merged") == 1 and events.count("split") == 1


def test_a_merged_away_hidden_id_stays_hidden(client: TestClient, graph: GraphStore) -> None:
    """Issue 13: a RED-only id merged away showed in merged_ids and history, and fetching it turned from 404 to 200."""
    delete_everything(graph)
    public_world(client, graph)
    victim_claims(client, graph)
    victim, outsider = headers(graph, VICTIM), headers(graph, OUTSIDER)
    assert client.get(f"/v1/entities/{HIDDEN}", headers=outsider).status_code == 404
    merged = client.post(f"/v1/entities/{HIDDEN}/merge", json={"into": ALPHA}, headers=victim)
    assert merged.status_code == 200 and merged.json()["merged_ids"] == [HIDDEN]
    assert client.get(f"/v1/entities/{HIDDEN}", headers=outsider).status_code == 404
    assert client.get(f"/v1/entities/{HIDDEN}", headers=victim).json()["id"] == ALPHA
    seen = client.get(f"/v1/entities/{ALPHA}", headers=outsider).json()
    assert seen["merged_ids"] == []
    history = client.get(f"/v1/entities/{ALPHA}/history", headers=outsider).json()
    assert all(event["event"] != "merged" for event in history["events"])
    # Splitting needs a claim on the entity, and a merged id the caller may see.
    refused = client.post(f"/v1/entities/{ALPHA}/split", json={"merged_id": HIDDEN}, headers=outsider)
    assert refused.status_code == 404
    bystander = headers(graph, "Org Bystander")
    post(client, bystander, entities=[{"kind": "actor", "name": "Unrelated"}])
    assert client.post(f"/v1/entities/{ALPHA}/split", json={"merged_id": HIDDEN}, headers=bystander).status_code == 404
