"""Identity under attack (issue 13), written as the attacker would: each test shows the victim's answers unchanged.

The victim is an organization that cannot see the attacker's RED claims. Every test runs the victim's steps twice,
once in a graph without the attacker's claims and once with them, and compares what the victim got back. Ids of
new entities are random, so answers are compared with each id replaced by the order in which it first appeared.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from atlas_graph.models.vocabulary import Role
from atlas_graph.services import access, organizations
from atlas_graph.store.graph import GraphStore
from atlas_graph.store.maintenance import delete_everything
from tests.conftest import KeyFactory

ATTACKER, VICTIM = "Org Red", "Org Victim"
HIDDEN_ACTOR = "intrusion-set--0c9f2a4e-3b1d-4e8a-9f6c-2d7b5a1e8c30"


def post(client: TestClient, headers: dict[str, str], **bundle: Any) -> Any:
    response = client.post("/v1/bundles", json=bundle, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def relabel(value: Any, ids: dict[str, str]) -> Any:
    """The answer with every entity or assertion id replaced by its order of first appearance."""
    if isinstance(value, dict):
        skip = ("at", "recorded_at", "updated_at", "created_at", "request_id", "graph_version", "elapsed_ms")
        return {key: relabel(item, ids) for key, item in value.items() if key not in skip}
    if isinstance(value, list):
        return [relabel(item, ids) for item in value]
    if isinstance(value, str) and "--" in value and " " not in value:
        return ids.setdefault(value, f"<id {len(ids)}>")
    if isinstance(value, str):
        for known, label in ids.items():
            value = value.replace(known, label)
    return value


def issue(graph: GraphStore, organization: str) -> dict[str, str]:
    organizations.create_organization(graph, name=organization)
    return {"Authorization": f"Bearer {access.issue_key(graph, organization=organization, role=Role.ANALYST).token}"}


def search(client: TestClient, headers: dict[str, str], query: str) -> Any:
    """A search answer with its items in name order: equal scores are ordered by id, and new ids are random."""
    answer = client.get("/v1/entities", params={"q": query}, headers=headers).json()
    answer["items"].sort(key=lambda item: (-item["score"], item["name"]))
    return answer


Steps = Callable[[TestClient, dict[str, str]], list[Any]]


def victim_answers(
    client: TestClient,
    graph: GraphStore,
    auth_headers: KeyFactory,
    *,
    attack: Callable[[TestClient, dict[str, str]], None],
    steps: Steps,
) -> tuple[Any, Any]:
    """The victim's answers to `steps` without, then with, the attacker's claims posted first."""
    answers = []
    for attacked in (False, True):
        delete_everything(graph)
        attacker, victim = issue(graph, ATTACKER), issue(graph, VICTIM)
        if attacked:
            attack(client, attacker)
        answers.append(relabel(steps(client, victim), {}))
    return answers[0], answers[1]


def test_a_red_alias_never_bridges_two_of_the_victims_names(
    client: TestClient, graph: GraphStore, auth_headers: KeyFactory
) -> None:
    """Issue 13: a hidden claim {Alpha Crew, alias Bravo Crew} made the victim's two actors one entity."""

    def attack(client: TestClient, attacker: dict[str, str]) -> None:
        secret = {"kind": "actor", "name": "Alpha Crew", "aliases": ["Bravo Crew"], "tlp": "RED"}
        post(client, attacker, entities=[secret])

    def steps(client: TestClient, victim: dict[str, str]) -> list[Any]:
        alpha = post(client, victim, entities=[{"kind": "actor", "name": "Alpha Crew"}])
        bravo = post(client, victim, entities=[{"kind": "actor", "name": "Bravo Crew"}])
        alpha_id, bravo_id = alpha["entities"][0]["id"], bravo["entities"][0]["id"]
        assert alpha_id != bravo_id
        linked = post(
            client,
            victim,
            relationships=[
                {
                    "type": "AFFILIATED_WITH",
                    "source": {"kind": "actor", "name": "Alpha Crew"},
                    "target": {"kind": "actor", "name": "Bravo Crew"},
                }
            ],
        )
        return [
            alpha,
            bravo,
            linked,
            client.get(f"/v1/entities/{alpha_id}", headers=victim).json(),
            client.get(f"/v1/entities/{bravo_id}", headers=victim).json(),
            search(client, victim, "crew"),
            client.get("/v1/paths", params={"from": alpha_id, "to": bravo_id}, headers=victim).json(),
        ]

    without, with_attack = victim_answers(client, graph, auth_headers, attack=attack, steps=steps)
    assert with_attack == without


def test_an_id_tells_nothing_of_the_kind_or_existence_of_a_hidden_entity(
    client: TestClient, graph: GraphStore, auth_headers: KeyFactory
) -> None:
    """Issue 13: posting a hidden actor's id as a victim answered "this id belongs to an entity of kind actor"."""

    def attack(client: TestClient, attacker: dict[str, str]) -> None:
        post(client, attacker, entities=[{"kind": "actor", "name": "Ghost", "id": HIDDEN_ACTOR, "tlp": "RED"}])

    def steps(client: TestClient, victim: dict[str, str]) -> list[Any]:
        as_victim = client.post(
            "/v1/bundles", json={"entities": [{"kind": "victim", "name": "Probe", "id": HIDDEN_ACTOR}]}, headers=victim
        )
        as_actor = client.post(
            "/v1/bundles", json={"entities": [{"kind": "actor", "name": "Probe", "id": HIDDEN_ACTOR}]}, headers=victim
        )
        probe = as_actor.json()["entities"][0]["id"]
        return [
            as_victim.status_code,
            as_victim.json(),
            as_actor.status_code,
            as_actor.json(),
            client.get(f"/v1/entities/{probe}", headers=victim).json(),
            client.get(f"/v1/entities/{probe}/history", headers=victim).json()["events"].__len__(),
            search(client, victim, "ghost"),
        ]

    without, with_attack = victim_answers(client, graph, auth_headers, attack=attack, steps=steps)
    assert with_attack == without
    assert without[0] == 200 and without[1]["entities"][0]["matched_by"] == "new"


def test_a_name_only_a_hidden_alias_holds_answers_as_a_new_name(
    client: TestClient, graph: GraphStore, auth_headers: KeyFactory
) -> None:
    """Issue 13: a name held only by a hidden alias returned the hidden entity's id, derived from its secret name."""

    def attack(client: TestClient, attacker: dict[str, str]) -> None:
        secret = {"kind": "actor", "name": "Secret Primary", "aliases": ["Open Sesame"], "tlp": "RED"}
        post(client, attacker, entities=[secret])

    def steps(client: TestClient, victim: dict[str, str]) -> list[Any]:
        probe = post(client, victim, entities=[{"kind": "actor", "name": "Open Sesame"}])
        again = post(client, victim, entities=[{"kind": "actor", "name": "Secret Primary", "aliases": ["Open Sesame"]}])
        probe_id = probe["entities"][0]["id"]
        return [
            probe,
            again,
            client.get(f"/v1/entities/{probe_id}", headers=victim).json(),
            search(client, victim, "secret primary"),
        ]

    without, with_attack = victim_answers(client, graph, auth_headers, attack=attack, steps=steps)
    assert with_attack == without
    # And the hidden entity is untouched: the attacker's claim is still alone on it, with its names.
    attacker = {"Authorization": f"Bearer {access.issue_key(graph, organization=ATTACKER, role=Role.ANALYST).token}"}
    found = client.get("/v1/entities", params={"q": "open sesame", "kind": "actor"}, headers=attacker).json()
    entities = [client.get(f"/v1/entities/{item['id']}", headers=attacker).json() for item in found["items"]]
    (hidden,) = [e for e in entities if any(a["organization"] == ATTACKER for a in e["assertions"])]
    assert [(a["organization"], a["name"], a["aliases"]) for a in hidden["assertions"]] == [
        (ATTACKER, "Secret Primary", ["Open Sesame"])
    ]


def test_hidden_ids_never_hold_the_victims_item_apart(
    client: TestClient, graph: GraphStore, auth_headers: KeyFactory
) -> None:
    """A RED claim citing ATT&CK ids on a shared entity would, if it counted, keep the victim's item (which carries
    another of them) from joining by an alias, and so tell the victim that some hidden claim carries an id."""
    shared = "actor--5b0e7c2a-8f3d-4e1b-9a6c-7d2e4f8a1b3c"

    def attack(client: TestClient, attacker: dict[str, str]) -> None:
        cites = {"mitre-attack": ["G0101", "G0202"]}
        post(
            client,
            attacker,
            entities=[{"kind": "actor", "id": shared, "name": "Alpha Crew", "conflated_ids": cites, "tlp": "RED"}],
        )

    def steps(client: TestClient, victim: dict[str, str]) -> list[Any]:
        community = issue(graph, "Org Community")
        post(client, community, entities=[{"kind": "actor", "id": shared, "name": "Alpha Crew"}])
        item = {"kind": "actor", "name": "Crew X", "aliases": ["Alpha Crew"], "external_ids": {"mitre-attack": "G0101"}}
        answer = post(client, victim, entities=[item])
        assert answer["entities"][0]["id"] == shared
        return [
            answer,
            client.get(f"/v1/entities/{shared}", headers=victim).json(),
            client.get("/v1/resolution/candidates", headers=victim).json(),
        ]

    without, with_attack = victim_answers(client, graph, auth_headers, attack=attack, steps=steps)
    assert with_attack == without
