"""Same-as candidates for review (issue 13): recorded by resolution or suggested, listed, accepted, rejected."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from atlas_graph.errors import StoreUnavailable
from atlas_graph.models.vocabulary import EntityKind, Role
from atlas_graph.services.caller import Caller
from atlas_graph.services.ingestion import SameAsClaim, record_same_as
from atlas_graph.store import candidates as candidate_store
from atlas_graph.store.graph import GraphStore
from tests.conftest import KeyFactory


def post(client: TestClient, headers: dict[str, str], *entities: dict[str, Any]) -> list[str]:
    response = client.post("/v1/bundles", json={"entities": list(entities)}, headers=headers)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["entities"]]


def candidates(client: TestClient, headers: dict[str, str], **params: str) -> Any:
    response = client.get("/v1/resolution/candidates", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


ALPHA = {"kind": "actor", "name": "Alpha", "aliases": ["Shared"], "external_ids": {"mitre-attack": "G0101"}}
BETA = {"kind": "actor", "name": "Beta", "aliases": ["Shared"], "external_ids": {"mitre-attack": "G0102"}}


def test_a_near_miss_is_listed_and_a_rejected_pair_is_never_proposed_again(
    client: TestClient, auth_headers: KeyFactory
) -> None:
    org_a = auth_headers("Org A")
    alpha, beta = post(client, org_a, ALPHA, BETA)
    assert alpha != beta
    listed = candidates(client, org_a)
    (candidate,) = listed["items"]
    assert listed["total"] == 1 and {candidate["a"], candidate["b"]} == {alpha, beta}
    assert candidate["reasons"] == [{"type": "held apart by a contradicting id", "value": "Shared"}]
    assert candidates(client, org_a, kind="victim")["total"] == 0
    assert candidates(client, org_a, entity=alpha)["total"] == 1

    rejected = client.post(f"/v1/resolution/candidates/{candidate['id']}/reject", headers=org_a)
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert candidates(client, org_a)["total"] == 0
    assert candidates(client, org_a, status="rejected")["items"][0]["decided_by"] == "Org A"
    # Posted again, the pair is remembered: nothing new to review, and a second decision is refused.
    post(client, org_a, ALPHA, BETA)
    assert candidates(client, org_a)["total"] == 0
    again = client.post(f"/v1/resolution/candidates/{candidate['id']}/reject", headers=org_a)
    assert again.status_code == 422


def test_an_accepted_suggestion_merges_the_two(client: TestClient, auth_headers: KeyFactory) -> None:
    org_a = auth_headers("Org A")
    one, two = post(client, org_a, {"kind": "actor", "name": "Crew One"}, {"kind": "actor", "name": "Crew Two"})
    suggested = client.post(
        "/v1/resolution/candidates", json={"a": one, "b": two, "note": "same wallet"}, headers=org_a
    )
    assert suggested.status_code == 200, suggested.text
    (candidate,) = candidates(client, org_a)["items"]
    assert candidate["origin"] == "analyst" and candidate["reasons"] == [
        {"type": "analyst suggestion", "value": "same wallet"}
    ]
    accepted = client.post(f"/v1/resolution/candidates/{candidate['id']}/accept", json={"into": "a"}, headers=org_a)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted" and accepted.json()["merge_id"].startswith("merge--")
    survivor = client.get(f"/v1/entities/{candidate['a']}", headers=org_a).json()
    assert survivor["merged_ids"] == [candidate["b"]]
    assert candidates(client, org_a)["total"] == 0
    # Suggesting an entity the caller cannot see is suggesting an unknown one.
    hidden = auth_headers("Org B")
    (secret,) = post(client, hidden, {"kind": "actor", "name": "Secret", "tlp": "RED"})
    refused = client.post("/v1/resolution/candidates", json={"a": one, "b": secret}, headers=org_a)
    assert refused.status_code == 404


def test_a_candidate_never_reveals_a_hidden_claim(client: TestClient, auth_headers: KeyFactory) -> None:
    """Org B's RED claim reaches Org A's Alpha by an alias; A's candidates stay exactly what they were."""
    org_a, org_b = auth_headers("Org A"), auth_headers("Org B")
    post(client, org_a, ALPHA, BETA)
    before = candidates(client, org_a)
    secret = {
        "kind": "actor",
        "name": "Delta",
        "aliases": ["Alpha", "Covert Name"],
        "external_ids": {"mitre-attack": "G0103"},
        "tlp": "RED",
    }
    (delta,) = post(client, org_b, secret)
    seen_by_b = candidates(client, org_b)
    assert any(delta in (item["a"], item["b"]) for item in seen_by_b["items"])
    assert candidates(client, org_a) == before
    assert "Covert Name" not in str(candidates(client, org_a)) and delta not in str(candidates(client, org_a))
    # Nor by id: a candidate A cannot see answers as one that does not exist.
    hidden_id = next(item["id"] for item in seen_by_b["items"] if delta in (item["a"], item["b"]))
    assert client.post(f"/v1/resolution/candidates/{hidden_id}/reject", headers=org_a).status_code == 404


def test_a_candidate_names_both_entities_as_the_caller_sees_them(client: TestClient, auth_headers: KeyFactory) -> None:
    """The names come from the claims the caller may see: two RED claims renaming Beta for Org B and Org C (each
    shared with the other) make Beta "Covert Beta" to them, and leave Org A's answer exactly as it was."""
    org_a, org_b, org_c = auth_headers("Org A"), auth_headers("Org B"), auth_headers("Org C")
    alpha, beta = post(client, org_a, ALPHA, BETA)
    (item,) = candidates(client, org_a)["items"]
    names = {item["a"]: item["a_name"], item["b"]: item["b_name"]}
    assert names == {alpha: "Alpha", beta: "Beta"}
    before = candidates(client, org_a)
    for maker, partner in ((org_b, "Org C"), (org_c, "Org B")):
        covert = {"kind": "actor", "id": beta, "name": "Covert Beta", "tlp": "RED", "share_with": [partner]}
        post(client, maker, covert)
    assert candidates(client, org_a) == before
    assert "Covert" not in str(candidates(client, org_a))
    (seen_by_b,) = candidates(client, org_b)["items"]
    assert {seen_by_b["a"]: seen_by_b["a_name"], seen_by_b["b"]: seen_by_b["b_name"]} == {
        alpha: "Alpha",
        beta: "Covert Beta",
    }


def test_a_rejection_survives_a_later_merge_of_either_side(client: TestClient, auth_headers: KeyFactory) -> None:
    """Regression: the rejected pair was looked up by the ids it was made with, which a merge leaves stale."""
    org_a = auth_headers("Org A")
    alpha, beta = post(client, org_a, ALPHA, BETA)
    (candidate,) = candidates(client, org_a)["items"]
    assert client.post(f"/v1/resolution/candidates/{candidate['id']}/reject", headers=org_a).status_code == 200
    gamma, delta = post(client, org_a, {"kind": "actor", "name": "Gamma"}, {"kind": "actor", "name": "Delta"})
    for merged, survivor in ((beta, gamma), (alpha, delta)):
        answer = client.post(f"/v1/entities/{merged}/merge", json={"into": survivor}, headers=org_a)
        assert answer.status_code == 200, answer.text
        # Both groups posted again reach the two survivors, which still share "Shared": nothing to review again.
        assert post(client, org_a, ALPHA, BETA) == [delta if merged == alpha else alpha, gamma]
        assert candidates(client, org_a)["total"] == 0, candidates(client, org_a)
    (rejected,) = candidates(client, org_a, status="rejected")["items"]
    assert {rejected["a"], rejected["b"]} == {delta, gamma}


def rejected_then_merged(client: TestClient, headers: dict[str, str]) -> tuple[dict[str, Any], str, str, str]:
    """Alpha and Beta's candidate, rejected; then Beta merged into a new Gamma: (candidate, alpha, beta, gamma)."""
    alpha, beta = post(client, headers, ALPHA, BETA)
    (candidate,) = candidates(client, headers)["items"]
    assert client.post(f"/v1/resolution/candidates/{candidate['id']}/reject", headers=headers).status_code == 200
    (gamma,) = post(client, headers, {"kind": "actor", "name": "Gamma"})
    merged = client.post(f"/v1/entities/{beta}/merge", json={"into": gamma}, headers=headers)
    assert merged.status_code == 200, merged.text
    return candidate, alpha, beta, gamma


def test_a_suggestion_of_a_pair_rejected_before_a_merge_stays_rejected(
    client: TestClient, auth_headers: KeyFactory
) -> None:
    """Regression: the suggestion was keyed by the pair's ids now, so a merge made the rejected pair new again."""
    org_a = auth_headers("Org A")
    candidate, alpha, beta, gamma = rejected_then_merged(client, org_a)
    for a, b in ((alpha, gamma), (gamma, alpha), (alpha, beta)):
        suggested = client.post("/v1/resolution/candidates", json={"a": a, "b": b, "note": "same"}, headers=org_a)
        assert suggested.status_code == 200, suggested.text
        assert suggested.json() == {"id": candidate["id"], "status": "rejected", "merge_id": None}
        assert candidates(client, org_a)["total"] == 0
    (rejected,) = candidates(client, org_a, status="rejected")["items"]
    assert {rejected["a"], rejected["b"]} == {alpha, gamma}
    assert {"type": "analyst suggestion", "value": "same"} in rejected["reasons"]


def test_a_source_statement_of_a_pair_rejected_before_a_merge_stays_rejected(
    client: TestClient, graph: GraphStore, auth_headers: KeyFactory
) -> None:
    """As for an analyst's suggestion: MISP's `similar` read again after a merge names the pair by new ids."""
    org_a = auth_headers("Org A")
    candidate, alpha, _, gamma = rejected_then_merged(client, org_a)
    caller = Caller(organization="Org A", role=Role.INTEGRATION, key_id="test")
    similar = SameAsClaim(source=alpha, target=gamma, kind=EntityKind.ACTOR, reason="misp similar")
    record_same_as(graph, caller=caller, claims=[similar], action="import.misp-galaxy")
    assert candidates(client, org_a)["total"] == 0
    (rejected,) = candidates(client, org_a, status="rejected")["items"]
    assert rejected["id"] == candidate["id"] and {"type": "misp similar", "value": ""} in rejected["reasons"]


def test_accepting_merges_and_decides_in_one_transaction(
    client: TestClient, auth_headers: KeyFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure between the merge and the decision leaves neither: the two apart, the candidate open."""
    org_a = auth_headers("Org A")
    alpha, beta = post(client, org_a, ALPHA, BETA)
    (candidate,) = candidates(client, org_a)["items"]
    accept = f"/v1/resolution/candidates/{candidate['id']}/accept"

    def crash(*args: Any, **kwargs: Any) -> None:
        raise StoreUnavailable("Neo4j went away between the merge and the decision")

    with monkeypatch.context() as patched:
        patched.setattr(candidate_store, "decide_in", crash)
        assert client.post(accept, json={"into": "a"}, headers=org_a).status_code == 503
    for entity_id in (alpha, beta):
        entity = client.get(f"/v1/entities/{entity_id}", headers=org_a).json()
        assert entity["id"] == entity_id and entity["merged_ids"] == []
    assert candidates(client, org_a)["items"] == [candidate]

    # Another analyst rejects it while this one reads it as open: the merge is undone with a 409.
    assert client.post(f"/v1/resolution/candidates/{candidate['id']}/reject", headers=org_a).status_code == 200
    stale = candidate_store.VisibleCandidate(id=candidate["id"], status="open", a=candidate["a"], b=candidate["b"])
    with monkeypatch.context() as patched:
        patched.setattr(candidate_store, "find_candidate", lambda *args, **kwargs: stale)
        assert client.post(accept, json={"into": "a"}, headers=org_a).status_code == 409
    assert client.get(f"/v1/entities/{beta}", headers=org_a).json()["merged_ids"] == []
    assert candidates(client, org_a, status="rejected")["total"] == 1
