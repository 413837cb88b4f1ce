"""The sharing rule (docs/sharing.md) at every read endpoint: one fixture, posted at each TLP level, read by three
organizations, and exactly what each of them gets back.

Org D posts a GREEN base ecosystem: four crews use the bulletproof host Haven, crews 1 and 2 target a clinic:

    Crew 1 ─┬─ USES ─> Haven <─ USES ─┬─ Crew 3          Crew 1 ── TARGETS ─> Clinic <── TARGETS ── Crew 2
    Crew 2 ─┘                         └─ Crew 4

Org A (the maker) then posts a layer at one TLP level, with `share_with: ["Org B"]`:
- its own claim on Haven, naming it "Haven Hosting Ltd" with the alias "Umbra Alias" (an alias only this layer gives);
- a new actor Phantom (alias "Wraith") AFFILIATED_WITH Crew 1, and a second host, Shadow Host, that all crews use;
- Crew 3 AFFILIATED_WITH Crew 4: a shortcut that makes the shortest path between them one hop instead of two;
- a weak claim (confidence 5) on the base relationship Crew 2 USES Haven.

Org B is named in `share_with`; Org C is named nowhere. The layer is visible to every caller at CLEAR, GREEN and
AMBER, and only to A and B at AMBER+STRICT and RED. For every (TLP, caller) pair and every read, the test asserts:
- a caller that may see the layer gets it (checked field by field), and exactly the maker's answer but for
  `share_with`, which only the maker is shown;
- a caller that may not see it gets exactly what it got before the layer existed (answers normalized only for
  request ids, the STIX bundle id, and the id named in a 404): totals, relationship counts, search scores, path
  choices, rankings, graph digests and errors included; so an invisible id answers like an id that never existed,
  and nothing of the layer (names, aliases, ids, descriptions, organizations) appears anywhere.
"""

from __future__ import annotations

import csv
import io
import json
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import pytest
from fastapi.testclient import TestClient
from httpx2 import Response

from atlas_graph.config import Settings
from atlas_graph.main import create_app
from atlas_graph.models.vocabulary import Role, Tlp
from atlas_graph.services import access, organizations
from atlas_graph.stix.writing import organization_identity_id
from atlas_graph.store.graph import GraphStore
from atlas_graph.store.ingestion import graph_version
from atlas_graph.store.maintenance import delete_everything
from tests.conftest import KeyFactory

MAKER, PARTNER, OUTSIDER, BASE_ORG = "Org A", "Org B", "Org C", "Org D"
CALLERS = (MAKER, PARTNER, OUTSIDER)
TLPS = tuple(Tlp)
RESTRICTED = {Tlp.AMBER_STRICT, Tlp.RED}
CREWS = ("Crew 1", "Crew 2", "Crew 3", "Crew 4")
# Node ids never derive from names (docs/model.md), so the layer gives the two new entities ids of their own.
PHANTOM_ID = "actor--5f1d0c57-6a3e-4a8e-9b7e-0d6f1a9c2b11"
SHADOW_ID = "service_provider--8c2e4b6a-1d3f-4e5a-9b7c-2a4e6c8d0f13"
HAVEN_ID = "service_provider--1a7b3c5d-2e4f-4a6b-8c0d-3e5f7a9b1c24"
# Nothing of the layer may reach a caller that may not see it: not one of these strings, anywhere.
LAYER_TEXT = ("Umbra", "Haven Hosting", "Phantom", "Wraith", "Shadow Host", MAKER, PARTNER)
HIDDEN_NAMES = {"Haven Hosting Ltd", "Umbra Alias", "Wraith"}


def sees_layer(tlp: Tlp, caller: str) -> bool:
    return tlp not in RESTRICTED or caller in (MAKER, PARTNER)


# --- the fixture -----------------------------------------------------------------------------------------------------


def base_bundle() -> dict[str, Any]:
    haven = {"kind": "service_provider", "name": "Haven"}
    clinic = {"kind": "victim", "name": "Clinic"}
    crews = [{"kind": "actor", "name": name} for name in CREWS]
    return {
        "entities": [
            *[{**crew, "category": "group"} for crew in crews[1:]],
            # An alias and an ATT&CK-style id that the layer's Phantom contradicts: a candidate only the layer supports.
            {**crews[0], "category": "group", "aliases": ["Ringleader"], "external_ids": {"mitre-attack": "G0001"}},
            # A fixed id (ids never derive from names), below SHADOW_ID: the degree ranking breaks its tie by id.
            {**haven, "id": HAVEN_ID, "category": "bulletproof_hosting"},
            {**clinic, "category": "organization"},
        ],
        "relationships": [
            *[{"type": "USES", "source": crew, "target": haven, "confidence": 80} for crew in crews],
            *[{"type": "TARGETS", "source": crew, "target": clinic, "confidence": 60} for crew in crews[:2]],
        ],
    }


def layer_bundle(tlp: Tlp, ids: dict[str, str]) -> dict[str, Any]:
    sharing = {"tlp": tlp.value, "share_with": [PARTNER]}
    phantom = {"id": PHANTOM_ID}
    shadow = {"id": SHADOW_ID}

    def crew(name: str) -> dict[str, str]:
        return {"id": ids[name]}

    return {
        "entities": [
            {
                "kind": "service_provider",
                "id": ids["Haven"],
                "name": "Haven Hosting Ltd",
                "aliases": ["Umbra Alias"],
                "description": "Umbra layer note",
                "references": ["https://example.invalid/umbra"],
                # Where it is and what acting on it costs: a plan of a caller that may not see them must not change.
                "countries": ["NL"],
                "attributes": {"disruption_cost": 9},
                **sharing,
            },
            {
                "kind": "actor",
                "name": "Phantom",
                **phantom,
                "aliases": ["Wraith", "Ringleader"],
                "external_ids": {"mitre-attack": "G9999"},
                "category": "group",
                **sharing,
            },
            {"kind": "service_provider", "name": "Shadow Host", **shadow, "category": "bulletproof_hosting", **sharing},
        ],
        "relationships": [
            *[{"type": "USES", "source": crew(name), "target": shadow, "confidence": 90, **sharing} for name in CREWS],
            {
                "type": "AFFILIATED_WITH",
                "source": crew("Crew 3"),
                "target": crew("Crew 4"),
                "confidence": 95,
                **sharing,
            },
            {"type": "AFFILIATED_WITH", "source": phantom, "target": crew("Crew 1"), "confidence": 70, **sharing},
            {
                "type": "USES",
                "source": crew("Crew 2"),
                "target": {"id": ids["Haven"]},
                "confidence": 5,
                "description": "Umbra hop note",
                **sharing,
            },
        ],
    }


@dataclass
class World:
    tlp: Tlp
    ids: dict[str, str]
    headers: dict[str, dict[str, str]]
    version: str
    admin_headers: dict[str, dict[str, str]] = field(default_factory=dict)
    """Each organization's admin, who reads its own organization's audit trail."""
    maker_entity_claim: str = ""
    maker_relationship_claim: str = ""
    maker_job: str = ""
    before: dict[str, Any] = field(default_factory=dict)
    maker_answers: dict[str, Any] = field(default_factory=dict)


_WORLDS: dict[Tlp, World] = {}


@pytest.fixture(scope="module")
def matrix_client(settings: Settings, store: GraphStore) -> Iterator[TestClient]:
    # Hundreds of reads per key: the rate limit is not what these tests are about.
    roomy = settings.model_copy(update={"rate_limit_per_minute": 1_000_000, "rate_limit_burst": 1_000_000})
    with TestClient(create_app(roomy, store=store)) as client:
        yield client


@pytest.fixture(scope="module", params=TLPS, ids=[tlp.value for tlp in TLPS])
def tlp(request: pytest.FixtureRequest) -> Tlp:
    level: Tlp = request.param
    return level


@pytest.fixture
def world(tlp: Tlp, matrix_client: TestClient, store: GraphStore) -> World:
    """The graph for this TLP level, built once (and again only if another test emptied the database meanwhile)."""
    built = _WORLDS.get(tlp)
    if built is None or graph_version(store) != built.version:
        _WORLDS.clear()
        built = _WORLDS[tlp] = build_world(tlp, matrix_client, store)
    return built


def build_world(tlp: Tlp, client: TestClient, store: GraphStore) -> World:
    delete_everything(store)
    headers, admin_headers = {}, {}
    for organization in (*CALLERS, BASE_ORG):
        organizations.create_organization(store, name=organization)
        token = access.issue_key(store, organization=organization, role=Role.ANALYST).token
        headers[organization] = {"Authorization": f"Bearer {token}"}
        admin_token = access.issue_key(store, organization=organization, role=Role.ADMIN).token
        admin_headers[organization] = {"Authorization": f"Bearer {admin_token}"}
    # A coalition, so that plans have targets: the base organization acts anywhere.
    organizations.update_profile(store, name=BASE_ORG, jurisdictions=["*"], actions=["takedown", "arrest"])
    base = base_bundle()
    posted = client.post("/v1/bundles", json=base, headers=headers[BASE_ORG])
    assert posted.status_code == 200, posted.text
    ids = {e["name"]: item["id"] for e, item in zip(base["entities"], posted.json()["entities"], strict=True)}
    ids.update({"Phantom": PHANTOM_ID, "Shadow Host": SHADOW_ID})
    world = World(tlp=tlp, ids=ids, headers=headers, version="", admin_headers=admin_headers)
    world.before = {read.name: read.ask(client, headers[OUTSIDER], world) for read in READS}

    layer = client.post("/v1/bundles", json=layer_bundle(tlp, ids), headers=headers[MAKER])
    assert layer.status_code == 200, layer.text
    assert {item["id"] for item in layer.json()["entities"]} == {ids["Haven"], PHANTOM_ID, SHADOW_ID}
    maker = headers[MAKER]
    haven = client.get(f"/v1/entities/{ids['Haven']}", headers=maker).json()
    world.maker_entity_claim = next(a["id"] for a in haven["assertions"] if a["organization"] == MAKER)
    around = client.get(f"/v1/entities/{ids['Crew 3']}/neighborhood", headers=maker).json()
    shortcut = next(edge for edge in around["edges"] if edge["type"] == "AFFILIATED_WITH")
    world.maker_relationship_claim = shortcut["assertions"][0]["id"]
    accepted = client.get(
        "/v1/analysis/chokepoints", params={"background": "true", "method": "fragmentation"}, headers=maker
    )
    assert accepted.status_code == 202, accepted.text
    world.maker_job = accepted.json()["job_id"]
    world.version = graph_version(store)
    return world


# --- reading and normalizing answers ---------------------------------------------------------------------------------


def normalized(response: Response, *, named_id: str | None = None) -> dict[str, Any]:
    """Status and body; request ids, the STIX bundle id and the id a 404 names are the only things taken out."""
    text = response.text if named_id is None else response.text.replace(named_id, "<id>")
    media_type = response.headers.get("content-type", "")
    body: Any
    if media_type.startswith("application/zip"):
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            body = {name: archive.read(name).decode() for name in archive.namelist()}
    elif "json" in media_type:
        body = json.loads(text) if text else None
        if isinstance(body, dict):
            body.pop("request_id", None)
            if body.get("type") == "bundle":
                body.pop("id", None)
    else:
        body = text
    return {"status": response.status_code, "body": body}


def finished_job(client: TestClient, headers: dict[str, str], accepted: Response) -> dict[str, Any]:
    assert accepted.status_code == 202, accepted.text
    location = accepted.json()["location"]
    deadline = time.monotonic() + 30
    while True:
        job = client.get(location, headers=headers).json()
        if job["status"] in ("succeeded", "failed") or time.monotonic() > deadline:
            return {"status": job["status"], "body": job["result"], "error": job["error"]}
        time.sleep(0.02)


Ask = Callable[[TestClient, dict[str, str], World], dict[str, Any]]
Check = Callable[[Any, "Seen"], None]


@dataclass(frozen=True)
class Seen:
    """What a check needs: the world, the caller, the answer the same read got before the layer, and a client."""

    world: World
    caller: str
    before: dict[str, Any]
    client: TestClient
    live: bool = True
    """False when checking the answers taken before the layer, which no live read can be compared with."""

    @property
    def ids(self) -> dict[str, str]:
        return self.world.ids

    def id_of(self, name: str) -> str:
        return self.world.ids[name]

    def name_of(self, entity_id: str) -> str:
        return next(name for name, known in self.world.ids.items() if known == entity_id)


@dataclass(frozen=True)
class Read:
    name: str
    ask: Ask
    visible: Check
    hidden: Check
    caller_specific: bool = False
    """True where the answer depends on who asks (own jobs, own claims), so it is not compared with the maker's."""
    maker_asks: bool = True


def get(path: str, **params: Any) -> Ask:
    def ask(client: TestClient, headers: dict[str, str], world: World) -> dict[str, Any]:
        resolved = path.format(**{name.replace(" ", "_"): value for name, value in world.ids.items()})
        return normalized(client.get(resolved, params=params, headers=headers))

    return ask


def taxii_objects(collection: str) -> Ask:
    """Every page of a TAXII collection (3 objects a page, so that `more`, `next` and the date headers are many), as
    one bundle of its objects beside each page's `more`, `next` and X-TAXII-Date-Added-First/Last."""

    def ask(client: TestClient, headers: dict[str, str], world: World) -> dict[str, Any]:
        params, objects, pages = {"limit": "3"}, [], []
        while True:
            response = client.get(
                f"/taxii2/api/collections/{collection}/objects/",
                params=params,
                headers={**headers, "Accept": "application/taxii+json;version=2.1"},
            )
            if response.status_code != 200:
                return normalized(response)
            body = response.json()
            objects.extend(body.get("objects", []))
            dates = [response.headers.get(f"x-taxii-date-added-{end}") for end in ("first", "last")]
            pages.append([body["more"], body.get("next"), *dates])
            if not body["more"]:
                return {"status": 200, "body": {"type": "bundle", "objects": objects, "pages": pages}}
            params = {"limit": "3", "next": body["next"]}

    return ask


def paths(source: str, target: str, **params: Any) -> Ask:
    def ask(client: TestClient, headers: dict[str, str], world: World) -> dict[str, Any]:
        query = {"from": world.ids[source], "to": world.ids[target], **params}
        return normalized(client.get("/v1/paths", params=query, headers=headers))

    return ask


def disruption(remove: str, **params: Any) -> Ask:
    def ask(client: TestClient, headers: dict[str, str], world: World) -> dict[str, Any]:
        response = client.post(
            "/v1/analysis/disruption", params=params, json={"remove": [world.ids[remove]]}, headers=headers
        )
        if params.get("background"):
            return finished_job(client, headers, response)
        return normalized(response)

    return ask


def chokepoints_job(client: TestClient, headers: dict[str, str], world: World) -> dict[str, Any]:
    accepted = client.get(
        "/v1/analysis/chokepoints", params={"background": "true", "method": "fragmentation"}, headers=headers
    )
    return finished_job(client, headers, accepted)


def retract(claim: Callable[[World], str]) -> Ask:
    """DELETE /v1/assertions/{id} of one of the maker's claims; before the layer, of an id that never existed."""

    def ask(client: TestClient, headers: dict[str, str], world: World) -> dict[str, Any]:
        claim_id = claim(world) or f"assertion--{uuid.uuid4()}"
        return normalized(client.delete(f"/v1/assertions/{claim_id}", headers=headers), named_id=claim_id)

    return ask


def maker_job(client: TestClient, headers: dict[str, str], world: World) -> dict[str, Any]:
    job_id = world.maker_job or f"job--{uuid.uuid4()}"
    response = client.get(f"/v1/analysis/jobs/{job_id}", headers=headers)
    if response.status_code == 200:
        return {"status": 200, "body": {"job_id": response.json()["job_id"], "kind": response.json()["kind"]}}
    return normalized(response, named_id=job_id)


def cancel_maker_job(client: TestClient, headers: dict[str, str], world: World) -> dict[str, Any]:
    """DELETE /v1/analysis/jobs/{id} of the maker's job; before the layer, of an id that never existed."""
    job_id = world.maker_job or f"job--{uuid.uuid4()}"
    return normalized(client.delete(f"/v1/analysis/jobs/{job_id}", headers=headers), named_id=job_id)


def audit_of(name: str) -> Ask:
    """The audit trail of one entity, as the caller's organization's admin reads it."""

    def ask(client: TestClient, headers: dict[str, str], world: World) -> dict[str, Any]:
        caller = next(organization for organization, known in world.headers.items() if known == headers)
        params = {"entity": world.ids[name]}
        return normalized(client.get("/v1/audit", params=params, headers=world.admin_headers[caller]))

    return ask


# --- what each read must give ----------------------------------------------------------------------------------------


def ok(answer: dict[str, Any]) -> Any:
    assert answer["status"] == 200, answer
    return answer["body"]


def not_found(answer: dict[str, Any], seen: Seen) -> None:
    assert answer["status"] == 404 and answer["body"]["error"]["code"] == "not_found", answer


def same_as_before(answer: dict[str, Any], seen: Seen) -> None:
    assert answer == seen.before


def maker_claim(body: dict[str, Any]) -> dict[str, Any]:
    (claim,) = [a for a in body["assertions"] if a["organization"] == MAKER]
    return claim


def haven_seen(answer: Any, seen: Seen) -> None:
    body = ok(answer)
    assert (body["name"], body["category"]) == ("Haven", "bulletproof_hosting")
    assert body["aliases"] == ["Haven Hosting Ltd", "Umbra Alias"]
    assert [a["organization"] for a in body["assertions"]] == [BASE_ORG, MAKER]
    claim = maker_claim(body)
    assert claim["tlp"] == seen.world.tlp.value and claim["name"] == "Haven Hosting Ltd"
    assert claim["aliases"] == ["Umbra Alias"] and claim["description"] == "Umbra layer note"
    assert claim["references"] == ["https://example.invalid/umbra"]
    assert claim["share_with"] == ([PARTNER] if seen.caller == MAKER else [])
    assert body["relationship_counts"] == {"USES": 4}
    assert body["countries"] == ["NL"] and body["attributes"]["disruption_cost"] == 9


def haven_hidden(answer: Any, seen: Seen) -> None:
    body = ok(answer)
    assert body["name"] == "Haven" and body["aliases"] == []
    assert [a["organization"] for a in body["assertions"]] == [BASE_ORG]
    assert body["relationship_counts"] == {"USES": 4}
    assert body["countries"] == [] and "disruption_cost" not in body["attributes"]


def counts(expected: dict[str, int], aliases: tuple[str, ...] = ()) -> Check:
    def check(answer: Any, seen: Seen) -> None:
        body = ok(answer)
        assert body["aliases"] == list(aliases) and [a["organization"] for a in body["assertions"]] == [BASE_ORG]
        assert body["relationship_counts"] == expected

    return check


def phantom_seen(answer: Any, seen: Seen) -> None:
    body = ok(answer)
    assert (body["id"], body["name"], body["aliases"]) == (PHANTOM_ID, "Phantom", ["Wraith", "Ringleader"])
    assert body["relationship_counts"] == {"AFFILIATED_WITH": 1}
    assert maker_claim(body)["share_with"] == ([PARTNER] if seen.caller == MAKER else [])


def search(expected: list[str], *, total: int | None = None) -> Check:
    def check(answer: Any, seen: Seen) -> None:
        body = ok(answer)
        assert [item["id"] for item in body["items"]] == [seen.id_of(name) for name in expected]
        assert body["total"] == (len(expected) if total is None else total)
        assert all(item["score"] > 0 for item in body["items"])

    return check


def crew_page_seen(answer: Any, seen: Seen) -> None:
    body = ok(answer)
    assert body["total"] == 4 and len(body["items"]) == 2
    assert {item["name"] for item in body["items"]} <= set(CREWS)
    order = [(int(item["score"]), item["relationship_count"]) for item in body["items"]]
    assert order == sorted(order, reverse=True)


def search_umbra_seen(answer: Any, seen: Seen) -> None:
    search(["Haven"])(answer, seen)
    (hit,) = ok(answer)["items"]
    assert hit["name"] == "Haven" and hit["aliases"] == ["Haven Hosting Ltd", "Umbra Alias"]


def candidates_seen(answer: Any, seen: Seen) -> None:
    """Phantom's alias reaches Crew 1, whose ATT&CK id Phantom's contradicts: a candidate only the layer supports."""
    body = ok(answer)
    (item,) = body["items"]
    assert body["total"] == 1 and {item["a"], item["b"]} == {seen.id_of("Phantom"), seen.id_of("Crew 1")}
    assert [(r["type"], r["value"]) for r in item["reasons"]] == [("held apart by a contradicting id", "Ringleader")]


def quality(entities: int, open_candidates: int, ambiguous: int) -> Check:
    """The layer's two entities, and its Phantom's alias "Ringleader" that Crew 1 also carries (a candidate)."""

    def check(answer: Any, seen: Seen) -> None:
        body = ok(answer)
        assert (body["entities"], body["open_candidates"], body["ambiguous_names"]) == (
            entities,
            open_candidates,
            ambiguous,
        )
        assert [(e["name"], e["entities"]) for e in body["ambiguous_name_examples"]] == [("Ringleader", 2)] * ambiguous
        assert body["isolated_entities"] == 0 and body["fit_to_rank"] is True

    return check


def no_candidates(answer: Any, seen: Seen) -> None:
    assert ok(answer)["total"] == 0 and ok(answer)["items"] == []


def listing(expected: list[str]) -> Check:
    def check(answer: Any, seen: Seen) -> None:
        body = ok(answer)
        assert [item["name"] for item in body["items"]] == expected and body["total"] == len(expected)
        assert [item["id"] for item in body["items"]] == [seen.id_of(name) for name in expected]

    return check


def neighborhood(nodes: set[str], edges: set[tuple[str, str, str]]) -> Check:
    def check(answer: Any, seen: Seen) -> None:
        body = ok(answer)
        assert {(node["name"], node["depth"] > 0) for node in body["nodes"]} == {
            (name, seen.id_of(name) != body["center"]) for name in nodes
        }
        assert {(seen.name_of(e["source"]), e["type"], seen.name_of(e["target"])) for e in body["edges"]} == edges
        assert body["truncated"] is False

    return check


def crew_1_only_mine(answer: Any, seen: Seen) -> None:
    """With only_mine, the maker's own part of Crew 1's neighborhood; the partner, which asserted nothing, gets the
    centre alone, as before the layer."""
    if seen.caller == MAKER:
        neighborhood(
            {"Crew 1", "Shadow Host", "Phantom"},
            {("Crew 1", "USES", "Shadow Host"), ("Phantom", "AFFILIATED_WITH", "Crew 1")},
        )(answer, seen)
    else:
        neighborhood({"Crew 1"}, set())(answer, seen)


def only_mine_ranking(answer: Any, seen: Seen) -> None:
    """The maker's own graph: the crews its relationships name, Haven, Phantom and Shadow Host; nobody else's."""
    if seen.caller == MAKER:
        ranking(["Shadow Host"], 7, 7)(answer, seen)
    else:
        ranking([], 0, 0)(answer, seen)
    assert ok(answer)["scope"]["only_mine"] is True


def haven_neighborhood_seen(answer: Any, seen: Seen) -> None:
    neighborhood({"Haven", *CREWS}, {(crew, "USES", "Haven") for crew in CREWS})(answer, seen)
    crew_2 = next(e for e in ok(answer)["edges"] if e["source"] == seen.id_of("Crew 2"))
    assert crew_2["organizations"] == 2 and crew_2["confidence"] == 80
    assert [(a["organization"], a["confidence"]) for a in crew_2["assertions"]] == [(BASE_ORG, 80), (MAKER, 5)]
    assert crew_2["assertions"][1]["description"] == "Umbra hop note"


def haven_neighborhood_hidden(answer: Any, seen: Seen) -> None:
    neighborhood({"Haven", *CREWS}, {(crew, "USES", "Haven") for crew in CREWS})(answer, seen)
    assert all([a["organization"] for a in e["assertions"]] == [BASE_ORG] for e in ok(answer)["edges"])


def history(maker_events: int, base_events: int) -> Check:
    def check(answer: Any, seen: Seen) -> None:
        events = ok(answer)["events"]
        assert all(event["event"] == "asserted" for event in events)
        assert sum(event["organization"] == MAKER for event in events) == maker_events
        assert sum(event["organization"] == BASE_ORG for event in events) == base_events
        assert len(events) == maker_events + base_events

    return check


def routes(*expected: tuple[str, ...]) -> Check:
    """The paths, in order, as entity names; node names are always the entities' shown names."""

    def check(answer: Any, seen: Seen) -> None:
        found = [tuple(node["name"] for node in path["nodes"]) for path in ok(answer)["paths"]]
        assert sorted(found) == sorted(expected) and [len(p) for p in found] == sorted(len(p) for p in found)
        for path in ok(answer)["paths"]:
            assert [node["id"] for node in path["nodes"]] == [seen.id_of(node["name"]) for node in path["nodes"]]

    return check


def crew_1_to_2_seen(answer: Any, seen: Seen) -> None:
    routes(("Crew 1", "Haven", "Crew 2"), ("Crew 1", "Clinic", "Crew 2"), ("Crew 1", "Shadow Host", "Crew 2"))(
        answer, seen
    )
    via_haven = next(p for p in ok(answer)["paths"] if p["nodes"][1]["name"] == "Haven")
    assert [a["organization"] for a in via_haven["relationships"][1]["assertions"]] == [BASE_ORG, MAKER]


def crew_1_to_phantom_seen(answer: Any, seen: Seen) -> None:
    routes(("Crew 1", "Phantom"))(answer, seen)
    (hop,) = ok(answer)["paths"][0]["relationships"]
    assert (hop["type"], hop["direction"], hop["confidence"]) == ("AFFILIATED_WITH", "backward", 70)


def ranking(expected: list[str], nodes: int, edges: int) -> Check:
    def check(answer: Any, seen: Seen) -> None:
        body = ok(answer)
        assert [(c["id"], c["name"]) for c in body["chokepoints"]] == [(seen.id_of(n), n) for n in expected]
        assert (body["scope"]["nodes"], body["scope"]["edges"]) == (nodes, edges)

    return check


def sized(nodes: int, edges: int) -> Check:
    def check(answer: Any, seen: Seen) -> None:
        body = ok(answer)
        assert (body["scope"]["nodes"], body["scope"]["edges"]) == (nodes, edges)

    return check


def plan(budget: float) -> Ask:
    def ask(client: TestClient, headers: dict[str, str], world: World) -> dict[str, Any]:
        answer = normalized(client.post("/v1/analysis/plans", json={"budget": budget}, headers=headers))
        if answer["status"] == 200:
            answer["body"]["objective"].pop("seconds")  # a timing, not an answer
        return answer

    return ask


def plan_seen(answer: Any, seen: Seen) -> None:
    sized(8, 12)(answer, seen)
    body = ok(answer)
    # Haven costs 9 in the layer (over the budget of 3), and Shadow Host substitutes for it.
    assert body["coalition"] == [BASE_ORG] and "Haven" not in [target["name"] for target in body["targets"]]


def plan_hidden(answer: Any, seen: Seen) -> None:
    sized(6, 6)(answer, seen)
    body = ok(answer)
    # Without the layer Haven is the crews' only host, at the default cost of 1, and nowhere known.
    haven = next(target for target in body["targets"] if target["name"] == "Haven")
    assert (haven["cost"], haven["countries"], haven["actions"]) == (
        1,
        [],
        [{"organization": BASE_ORG, "action": "arrest"}, {"organization": BASE_ORG, "action": "takedown"}],
    )


def profiles(answer: Any, seen: Seen) -> None:
    """Profiles are no claims: every member reads the same ones, whatever the layer."""
    assert [(p["name"], p["jurisdictions"], p["actions"]) for p in ok(answer)] == [
        (BASE_ORG, ["*"], ["arrest", "takedown"])
    ]


def scope(nodes: int, edges: int, top: str) -> Check:
    def check(answer: Any, seen: Seen) -> None:
        body = ok(answer)
        assert (body["scope"]["nodes"], body["scope"]["edges"]) == (nodes, edges)
        assert body["chokepoints"][0]["name"] == top and body["chokepoints"][0]["id"] == seen.id_of(top)
        for point in body["chokepoints"]:
            assert point["name"] == seen.name_of(point["id"])

    return check


def job_result_is_direct(direct: Ask) -> Callable[[Check], Check]:
    """A job's result is the body the direct answer has (for the same caller at the same moment)."""

    def wrap(check: Check) -> Check:
        def both(answer: Any, seen: Seen) -> None:
            assert answer["status"] == "succeeded" and answer["error"] is None, answer
            check({"status": 200, "body": answer["body"]}, seen)
            if seen.live:
                assert direct(seen.client, seen.world.headers[seen.caller], seen.world)["body"] == answer["body"]

        return both

    return wrap


def haven_takedown(nodes: int, components_after: int, losing_service: int) -> Check:
    def check(answer: Any, seen: Seen) -> None:
        body = ok(answer)
        assert body["removed"] == [{"id": seen.id_of("Haven"), "name": "Haven", "kind": "service_provider"}]
        assert (body["before"]["nodes"], body["after"]["nodes"]) == (nodes, nodes - 1)
        assert body["after"]["components"] == components_after
        assert body["impact"]["actors_losing_service"] == losing_service

    return check


def phantom_takedown_seen(answer: Any, seen: Seen) -> None:
    assert ok(answer)["removed"] == [{"id": PHANTOM_ID, "name": "Phantom", "kind": "actor"}]


def unknown_removal(answer: Any, seen: Seen) -> None:
    assert answer["status"] == 422, answer
    (problem,) = answer["body"]["error"]["problems"]
    assert problem == {
        "location": ["body", "remove", 0],
        "message": f"no entity {PHANTOM_ID!r} visible to you in this graph",
    }


def stix_objects(answer: Any) -> list[dict[str, Any]]:
    body = ok(answer)
    assert body["type"] == "bundle"
    objects: list[dict[str, Any]] = body["objects"]
    return objects


def stix_seen(answer: Any, seen: Seen) -> None:
    objects = stix_objects(answer)
    names = {o["name"] for o in objects if "name" in o}
    assert {"Phantom", "Shadow Host", "Haven", MAKER, BASE_ORG} <= names and PARTNER not in names
    haven = next(o for o in objects if o.get("name") == "Haven")
    (extension,) = haven["extensions"].values()
    assert [a["organization"] for a in extension["assertions"]] == [BASE_ORG, MAKER]
    assert extension["assertions"][1]["aliases"] == ["Umbra Alias"]
    assert extension["assertions"][1].get("share_with", []) == ([PARTNER] if seen.caller == MAKER else [])
    assert sum(o["type"] == "relationship" for o in objects) == 6 + 7 + 1  # the layer's located-at Haven -> NL
    (located,) = [o for o in objects if o.get("relationship_type") == "located-at"]
    assert located["source_ref"] == haven["id"] and located["created_by_ref"] == organization_identity_id(MAKER)
    assert [o["country"] for o in objects if o["type"] == "location"] == ["NL"]


def stix_hidden(answer: Any, seen: Seen) -> None:
    objects = stix_objects(answer)
    assert {o["name"] for o in objects if o["type"] == "identity" and o.get("roles")} == {BASE_ORG}
    assert sum(o["type"] == "relationship" for o in objects) == 6


def graphml(nodes: int, edges: int, haven_aliases: str) -> Check:
    def check(answer: Any, seen: Seen) -> None:
        graph = nx.read_graphml(io.StringIO(ok(answer)))
        assert (graph.number_of_nodes(), graph.number_of_edges()) == (nodes, edges)
        haven = graph.nodes[seen.id_of("Haven")]
        assert haven["name"] == "Haven" and haven.get("aliases", "") == haven_aliases

    return check


def csv_export(nodes: int, edges: int) -> Check:
    def check(answer: Any, seen: Seen) -> None:
        files = ok(answer)
        node_rows = list(csv.DictReader(io.StringIO(files["nodes.csv"])))
        edge_rows = list(csv.DictReader(io.StringIO(files["edges.csv"])))
        assert (len(node_rows), len(edge_rows)) == (nodes, edges)
        assert {row["label"] for row in node_rows} <= {*CREWS, "Haven", "Clinic", "Phantom", "Shadow Host"}

    return check


def forbidden(answer: Any, seen: Seen) -> None:
    assert answer["status"] == 403 and answer["body"]["error"]["code"] == "forbidden", answer


def maker_job_seen(answer: Any, seen: Seen) -> None:
    if seen.caller == MAKER:
        assert answer == {"status": 200, "body": {"job_id": seen.world.maker_job, "kind": "chokepoints"}}
    else:
        # Another organization's job id answers exactly like one that never existed.
        same_as_before(answer, seen)


def maker_job_not_cancelled(answer: Any, seen: Seen) -> None:
    # Another organization's cancel answers exactly like one of an id that never existed, and cancels nothing.
    not_found(answer, seen)
    same_as_before(answer, seen)
    if seen.live:
        job = seen.client.get(f"/v1/analysis/jobs/{seen.world.maker_job}", headers=seen.world.headers[MAKER])
        assert job.status_code == 200 and job.json()["status"] != "cancelled", job.text


def retract_seen(answer: Any, seen: Seen) -> None:
    forbidden(answer, seen)


def no_events(answer: Any, seen: Seen) -> None:
    assert ok(answer)["events"] == [], answer


def own_layer_event(answer: Any, seen: Seen) -> None:
    """The maker's admin sees the layer's bundle; a partner that may see the layer still reads no one else's trail."""
    events = ok(answer)["events"]
    if seen.caller == MAKER:
        assert [(event["organization"], event["action"]) for event in events] == [(MAKER, "bundle.post")], events
    else:
        assert events == [], events


SERVICE_KINDS = {"kinds": "service_provider", "method": "degree"}
READS: tuple[Read, ...] = (
    Read("entity Haven", get("/v1/entities/{Haven}"), haven_seen, haven_hidden),
    Read(
        "entity Crew 1",
        get("/v1/entities/{Crew_1}"),
        counts({"USES": 2, "TARGETS": 1, "AFFILIATED_WITH": 1}, ("Ringleader",)),
        counts({"USES": 1, "TARGETS": 1}, ("Ringleader",)),
    ),
    Read("entity Crew 3", get("/v1/entities/{Crew_3}"), counts({"USES": 2, "AFFILIATED_WITH": 1}), counts({"USES": 1})),
    Read("entity Phantom", get("/v1/entities/{Phantom}"), phantom_seen, not_found),
    Read("search umbra", get("/v1/entities", q="umbra"), search_umbra_seen, search([])),
    Read("candidates", get("/v1/resolution/candidates"), candidates_seen, no_candidates),
    Read("candidates of actors", get("/v1/resolution/candidates", kind="actor"), candidates_seen, no_candidates),
    Read("quality report", get("/v1/resolution/report"), quality(8, 1, 1), quality(6, 0, 0)),
    Read("search wraith", get("/v1/entities", q="wraith"), search(["Phantom"]), search([])),
    Read("search host", get("/v1/entities", q="host"), search(["Shadow Host", "Haven"]), search([])),
    Read("search haven", get("/v1/entities", q="haven"), search(["Haven"]), search(["Haven"])),
    # Hits of a tier are ordered by visible relationships (issue 18), so the layer's relationships may reorder the
    # page for whoever sees them; whoever does not gets the very same page.
    Read("search crew, page 2", get("/v1/entities", q="crew", limit=2, offset=2), crew_page_seen, same_as_before),
    Read(
        "list actors",
        get("/v1/entities", kind="actor"),
        listing([*CREWS, "Phantom"]),
        listing(list(CREWS)),
    ),
    Read(
        "list service providers",
        get("/v1/entities", kind="service_provider"),
        listing(["Haven", "Shadow Host"]),
        listing(["Haven"]),
    ),
    Read(
        "list everything",
        get("/v1/entities"),
        listing(["Clinic", *CREWS, "Haven", "Phantom", "Shadow Host"]),
        listing(["Clinic", *CREWS, "Haven"]),
    ),
    Read(
        "neighborhood Crew 1",
        get("/v1/entities/{Crew_1}/neighborhood"),
        neighborhood(
            {"Crew 1", "Haven", "Clinic", "Shadow Host", "Phantom"},
            {
                ("Crew 1", "USES", "Haven"),
                ("Crew 1", "TARGETS", "Clinic"),
                ("Crew 1", "USES", "Shadow Host"),
                ("Phantom", "AFFILIATED_WITH", "Crew 1"),
            },
        ),
        neighborhood({"Crew 1", "Haven", "Clinic"}, {("Crew 1", "USES", "Haven"), ("Crew 1", "TARGETS", "Clinic")}),
    ),
    Read(
        "neighborhood Haven",
        get("/v1/entities/{Haven}/neighborhood"),
        haven_neighborhood_seen,
        haven_neighborhood_hidden,
    ),
    Read(
        "neighborhood Phantom",
        get("/v1/entities/{Phantom}/neighborhood"),
        neighborhood({"Phantom", "Crew 1"}, {("Phantom", "AFFILIATED_WITH", "Crew 1")}),
        not_found,
    ),
    Read(
        "neighborhood Crew 1, only mine",
        get("/v1/entities/{Crew_1}/neighborhood", only_mine="true"),
        crew_1_only_mine,
        same_as_before,
        caller_specific=True,
    ),
    Read(
        "neighborhood Crew 1, bulletproof hosts",
        get("/v1/entities/{Crew_1}/neighborhood", categories="bulletproof_hosting"),
        neighborhood(
            {"Crew 1", "Haven", "Shadow Host"}, {("Crew 1", "USES", "Haven"), ("Crew 1", "USES", "Shadow Host")}
        ),
        neighborhood({"Crew 1", "Haven"}, {("Crew 1", "USES", "Haven")}),
    ),
    Read("history Haven", get("/v1/entities/{Haven}/history"), history(2, 5), history(0, 5)),
    Read("history Crew 3", get("/v1/entities/{Crew_3}/history"), history(2, 2), history(0, 2)),
    Read("history Phantom", get("/v1/entities/{Phantom}/history"), history(2, 0), not_found),
    Read(
        "paths Crew 3 to Crew 4",
        paths("Crew 3", "Crew 4"),
        routes(("Crew 3", "Crew 4")),
        routes(("Crew 3", "Haven", "Crew 4")),
    ),
    Read(
        "paths Crew 1 to Crew 2",
        paths("Crew 1", "Crew 2", limit=10),
        crew_1_to_2_seen,
        routes(("Crew 1", "Haven", "Crew 2"), ("Crew 1", "Clinic", "Crew 2")),
    ),
    Read(
        "paths Crew 4 to Clinic, longer too, forward only",
        paths("Crew 4", "Clinic", limit=10, include_longer="true", direction="forward"),
        routes(),
        routes(),
    ),
    Read(
        "paths Crew 4 to Clinic, up to 4 hops",
        paths("Crew 4", "Clinic", limit=10, include_longer="true", max_hops=4),
        routes(
            ("Crew 4", "Haven", "Crew 1", "Clinic"),
            ("Crew 4", "Haven", "Crew 2", "Clinic"),
            ("Crew 4", "Shadow Host", "Crew 1", "Clinic"),
            ("Crew 4", "Shadow Host", "Crew 2", "Clinic"),
            ("Crew 4", "Crew 3", "Haven", "Crew 1", "Clinic"),
            ("Crew 4", "Crew 3", "Haven", "Crew 2", "Clinic"),
            ("Crew 4", "Crew 3", "Shadow Host", "Crew 1", "Clinic"),
            ("Crew 4", "Crew 3", "Shadow Host", "Crew 2", "Clinic"),
        ),
        routes(("Crew 4", "Haven", "Crew 1", "Clinic"), ("Crew 4", "Haven", "Crew 2", "Clinic")),
    ),
    Read("paths Crew 1 to Phantom", paths("Crew 1", "Phantom"), crew_1_to_phantom_seen, not_found),
    Read(
        "chokepoints",
        get("/v1/analysis/chokepoints", method="fragmentation"),
        scope(8, 12, "Crew 1"),
        scope(6, 6, "Haven"),
    ),
    Read(
        "chokepoints, capability",
        get("/v1/analysis/chokepoints", method="capability"),
        sized(8, 12),
        sized(6, 6),
    ),
    Read(
        "chokepoints, only mine",
        get("/v1/analysis/chokepoints", method="degree", only_mine="true", top=1),
        only_mine_ranking,
        same_as_before,
        caller_specific=True,
    ),
    Read(
        "chokepoints, bulletproof hosts and groups",
        get("/v1/analysis/chokepoints", method="degree", categories="bulletproof_hosting,group", top=1),
        ranking(["Haven"], 7, 10),
        ranking(["Haven"], 5, 4),
    ),
    Read("plan", plan(3), plan_seen, plan_hidden),
    Read("profiles", get("/v1/organizations/profiles"), profiles, profiles),
    Read(
        "chokepoints, cut vertices",
        get("/v1/analysis/chokepoints", method="articulation"),
        ranking(["Crew 1"], 8, 12),
        ranking(["Haven"], 6, 6),
    ),
    Read(
        "chokepoints, service providers by degree",
        get("/v1/analysis/chokepoints", **SERVICE_KINDS),
        ranking(["Haven", "Shadow Host"], 8, 12),
        ranking(["Haven"], 6, 6),
    ),
    Read(
        "chokepoints, betweenness",
        get("/v1/analysis/chokepoints", method="betweenness", top=3),
        scope(8, 12, "Crew 1"),
        scope(6, 6, "Haven"),
    ),
    Read(
        "chokepoints as a job",
        chokepoints_job,
        job_result_is_direct(get("/v1/analysis/chokepoints", method="fragmentation"))(scope(8, 12, "Crew 1")),
        job_result_is_direct(get("/v1/analysis/chokepoints", method="fragmentation"))(scope(6, 6, "Haven")),
    ),
    Read("disruption of Haven", disruption("Haven"), haven_takedown(8, 1, 0), haven_takedown(6, 3, 4)),
    Read(
        "disruption of Haven as a job",
        disruption("Haven", background="true"),
        job_result_is_direct(disruption("Haven"))(haven_takedown(8, 1, 0)),
        job_result_is_direct(disruption("Haven"))(haven_takedown(6, 3, 4)),
    ),
    Read("disruption of Phantom", disruption("Phantom"), phantom_takedown_seen, unknown_removal),
    Read("export STIX", get("/v1/export/stix"), stix_seen, stix_hidden),
    Read("TAXII collection atlas, every page", taxii_objects("atlas"), stix_seen, stix_hidden),
    Read(
        "export GraphML",
        get("/v1/export/graphml"),
        graphml(8, 12, "Haven Hosting Ltd|Umbra Alias"),
        graphml(6, 6, ""),
    ),
    Read("export CSV", get("/v1/export/csv"), csv_export(8, 12), csv_export(6, 6)),
    Read(
        "retract the maker's entity claim",
        retract(lambda world: world.maker_entity_claim),
        retract_seen,
        not_found,
        caller_specific=True,
        maker_asks=False,
    ),
    Read(
        "retract the maker's relationship claim",
        retract(lambda world: world.maker_relationship_claim),
        retract_seen,
        not_found,
        caller_specific=True,
        maker_asks=False,
    ),
    Read("the maker's job", maker_job, maker_job_seen, not_found, caller_specific=True),
    Read(
        "cancel the maker's job",
        cancel_maker_job,
        maker_job_not_cancelled,
        maker_job_not_cancelled,
        caller_specific=True,
        maker_asks=False,
    ),
    # A member's admin reads its own organization's audit trail only: no id of another's claim comes through it.
    Read("audit of Haven", audit_of("Haven"), own_layer_event, no_events, caller_specific=True),
    Read("audit of Phantom", audit_of("Phantom"), own_layer_event, no_events, caller_specific=True),
    Read("audit of Crew 3", audit_of("Crew 3"), own_layer_event, no_events, caller_specific=True),
)


def without_share_with(value: Any) -> Any:
    """The answer as anyone but the maker sees it: `share_with` is shown only to the organization that wrote it."""
    if isinstance(value, dict):
        return {key: without_share_with(item) for key, item in value.items() if key != "share_with"}
    if isinstance(value, list):
        return [without_share_with(item) for item in value]
    return value


def maker_answer(client: TestClient, world: World, read: Read) -> dict[str, Any]:
    if read.name not in world.maker_answers:
        world.maker_answers[read.name] = read.ask(client, world.headers[MAKER], world)
    return world.maker_answers[read.name]


def names_in(value: Any) -> Iterator[str]:
    """Every `name` in an answer, but those of single claims: what it shows entities (and organizations) as."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "name" and isinstance(item, str):
                yield item
            elif key not in ("assertions", "extensions"):
                yield from names_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from names_in(item)


# The maker retracting its own claims would change the world; test_entities.py covers it.
CASES = [(caller, read) for read in READS for caller in CALLERS if caller != MAKER or read.maker_asks]


@pytest.mark.parametrize(("caller", "read"), CASES, ids=[f"{caller}-{read.name}" for caller, read in CASES])
def test_what_each_caller_gets(world: World, caller: str, read: Read, matrix_client: TestClient) -> None:
    client = matrix_client
    answer = read.ask(client, world.headers[caller], world)
    seen = Seen(world=world, caller=caller, before=world.before[read.name], client=client)
    if sees_layer(world.tlp, caller):
        read.visible(answer, seen)
        if caller != MAKER and not read.caller_specific:
            maker = maker_answer(client, world, read)
            if "body" in maker and maker["status"] in (200, "succeeded"):
                assert without_share_with(answer) == without_share_with(maker)
        # An alias only the layer gives is an alias, never what an entity is called.
        assert not HIDDEN_NAMES & set(names_in(answer.get("body")))
    else:
        read.hidden(answer, seen)
        assert answer == seen.before, "an invisible claim changed the answer"
        text = json.dumps(answer, ensure_ascii=False)
        assert not [secret for secret in LAYER_TEXT if secret in text]


def test_before_the_layer_every_read_gave_the_hidden_answer(world: World, matrix_client: TestClient) -> None:
    """The matrix's own sanity: what the hidden side must keep getting is what everybody got before the layer."""
    for read in READS:
        before = world.before[read.name]
        read.hidden(before, Seen(world=world, caller=OUTSIDER, before=before, client=matrix_client, live=False))


# --- leaks in write answers ------------------------------------------------------------------------------------------


def test_bundle_answers_say_nothing_of_entities_the_caller_cannot_see(
    client: TestClient, auth_headers: KeyFactory
) -> None:
    """Regression: `matched_by` said "name" or "alias" for a name only a hidden claim gave, and the warnings
    counted and named entities the caller could not see."""
    org_a, org_b = auth_headers(MAKER), auth_headers(PARTNER)
    secrets = [
        {"kind": "actor", "name": "Alpha Crew", "aliases": ["Beta Crew"], "tlp": "RED"},
        {"kind": "actor", "name": "Epsilon Crew", "tlp": "RED"},
    ]
    assert client.post("/v1/bundles", json={"entities": secrets}, headers=org_a).status_code == 200
    by_alias = client.post("/v1/bundles", json={"entities": [{"kind": "actor", "name": "beta crew"}]}, headers=org_b)
    fresh = client.post("/v1/bundles", json={"entities": [{"kind": "actor", "name": "Delta Crew"}]}, headers=org_b)
    for answer in (by_alias.json(), fresh.json()):
        (item,) = answer["entities"]
        assert (item["status"], item["matched_by"], answer["warnings"]) == ("created", "new", [])
    # B's own entity, posted again with the name of another hidden one as an alias: no warning about that one.
    client.post("/v1/bundles", json={"entities": [{"kind": "actor", "name": "Gamma Crew"}]}, headers=org_b)
    gamma = {"kind": "actor", "name": "Gamma Crew", "aliases": ["Epsilon Crew"]}
    again = client.post("/v1/bundles", json={"entities": [gamma]}, headers=org_b).json()
    assert again["warnings"] == [] and again["entities"][0]["matched_by"] == "name"
    # The maker, who sees both, is warned once: B's Gamma Crew, which its names reach, is recorded as a candidate.
    epsilon = {"kind": "actor", "name": "Epsilon Crew", "aliases": ["Gamma Crew"]}
    (warning,) = client.post("/v1/bundles", json={"entities": [epsilon]}, headers=org_a).json()["warnings"]
    assert "candidate recorded" in warning and again["entities"][0]["id"] in warning


def test_a_merge_answer_counts_only_what_the_merger_may_see(client: TestClient, auth_headers: KeyFactory) -> None:
    """Regression: moved_assertions and moved_relationships counted other organizations' hidden claims."""
    org_a, org_b = auth_headers(MAKER), auth_headers(PARTNER)
    posted = client.post(
        "/v1/bundles",
        json={"entities": [{"kind": "actor", "name": "Twin One"}, {"kind": "actor", "name": "Twin Two"}]},
        headers=org_b,
    ).json()
    one, two = (item["id"] for item in posted["entities"])
    hidden = {
        "entities": [
            {"kind": "actor", "id": two, "name": "Twin Two", "tlp": "RED"},
            {"kind": "actor", "name": "Ghost"},
        ],
        "relationships": [
            {
                "type": "AFFILIATED_WITH",
                "source": {"id": two},
                "target": {"kind": "actor", "name": "Ghost"},
                "tlp": "RED",
            },
            {"type": "AFFILIATED_WITH", "source": {"id": one}, "target": {"id": two}, "tlp": "RED"},
        ],
    }
    assert client.post("/v1/bundles", json=hidden, headers=org_a).status_code == 200
    merged = client.post(f"/v1/entities/{two}/merge", json={"into": one}, headers=org_b)
    assert merged.status_code == 200, merged.text
    counts = {key: merged.json()[key] for key in ("moved_assertions", "moved_relationships", "dropped_relationships")}
    assert counts == {"moved_assertions": 1, "moved_relationships": 0, "dropped_relationships": 0}
    # A's hidden claims moved all the same: A sees them on the survivor.
    survivor = client.get(f"/v1/entities/{one}", headers=org_a).json()
    # B's two claims stay two (claims are never folded, issue 13), and A's RED one sits beside them, intact.
    assert [a["organization"] for a in survivor["assertions"]] == [PARTNER, PARTNER, MAKER]
    assert survivor["relationship_counts"] == {"AFFILIATED_WITH": 1}
