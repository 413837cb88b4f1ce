"""The demo dataset: real ATT&CK groups and software plus a synthetic layer, with a chokepoint and paths to show."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from atlas_graph.models.vocabulary import Role
from atlas_graph.services import access, api_keys, demo
from atlas_graph.store.entities import count_all_entities
from atlas_graph.store.graph import GraphStore

WIZARD_SPIDER = "intrusion-set--dd2d9ca6-505b-4860-a604-233685b802c7"


def test_demo_loads_fast_and_shows_a_ranking_and_paths(client: TestClient, graph: GraphStore) -> None:
    assert demo.graph_is_empty(graph)
    started = time.monotonic()
    loaded = demo.load_demo(graph, max_items=10_000)
    assert time.monotonic() - started < 60
    assert not demo.graph_is_empty(graph)
    headers = {"Authorization": f"Bearer {loaded.token}"}
    assert client.get("/v1/me", headers=headers).json()["organization"] == demo.VIEWER_ORGANIZATION

    wizard = client.get(f"/v1/entities/{WIZARD_SPIDER}", headers=headers).json()
    assert wizard["name"] == "Wizard Spider" and wizard["assertions"][0]["organization"] == demo.ATTACK_ORGANIZATION
    assert wizard["relationship_counts"]["USES"] >= 3  # real malware and tools, plus synthetic providers

    ranking = client.get(
        "/v1/analysis/chokepoints", params={"top": 5, "kinds": "service_provider,financier"}, headers=headers
    ).json()
    names = [c["name"] for c in ranking["chokepoints"]]
    assert len(names) == 5 and any(name.endswith("(synthetic)") for name in names)
    assert all(c["explanation"] for c in ranking["chokepoints"])

    apt28 = client.get("/v1/entities", params={"q": "APT28", "kind": "actor"}, headers=headers).json()["items"][0]
    paths = client.get("/v1/paths", params={"from": apt28["id"], "to": WIZARD_SPIDER}, headers=headers).json()
    assert paths["paths"] and paths["paths"][0]["length"] >= 2

    before = count_all_entities(graph)
    demo.load_demo(graph, max_items=10_000)
    assert count_all_entities(graph) == before, "loading the demo twice creates nothing new"


def test_loading_again_gives_back_the_kept_key_while_it_works(graph: GraphStore) -> None:
    first = demo.load_demo(graph, max_items=10_000)
    again = demo.load_demo(graph, max_items=10_000, kept_token=first.token)
    assert again.token == first.token
    assert len(api_keys.list_keys(graph, organization=demo.VIEWER_ORGANIZATION)) == 1

    key_id, _ = access.parse_token(first.token)
    access.revoke_key(graph, key_id=key_id)
    renewed = demo.load_demo(graph, max_items=10_000, kept_token=first.token)
    assert renewed.token != first.token
    assert access.authenticate(graph, token=renewed.token).organization == demo.VIEWER_ORGANIZATION

    admin = access.issue_key(graph, organization=demo.VIEWER_ORGANIZATION, role=Role.ADMIN)
    assert demo.load_demo(graph, max_items=10_000, kept_token=admin.token).token != admin.token, (
        "a kept key of another role is not the demo analyst's"
    )
    assert demo.load_demo(graph, max_items=10_000, kept_token="not a key").token.startswith(access.KEY_PREFIX)
