"""atlas-graph's TAXII 2.1 server, read and written by the OASIS client taxii2-client over real HTTP, and attacked
for what a RED claim of another organization could leak through pages, counts, `more`, cursors and date headers."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from fastapi import FastAPI
from fastapi.testclient import TestClient
from taxii2client.v21 import Collection, Server, as_pages

from atlas_graph.config import Settings
from atlas_graph.main import create_app
from atlas_graph.models.vocabulary import ROLE_PERMISSIONS, Permission, Role, Tlp
from atlas_graph.stix.vocabulary import TLP_2_MARKINGS
from atlas_graph.store.graph import GraphStore
from atlas_graph.taxii.collections import COLLECTIONS
from atlas_graph.taxii.pull import RecordingAuth
from tests.conftest import KeyFactory
from tests.integration.live_service import serving
from tests.integration.taxii_peers import TAXII

ATTACK = Path(__file__).parents[2] / "src/atlas_graph/demo/attack_subset.stix.json"
ATLAS_ID = COLLECTIONS[0].id


def _key(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


@pytest.fixture
def roomy_app(settings: Settings, graph: GraphStore) -> FastAPI:
    return create_app(
        settings.model_copy(update={"rate_limit_per_minute": 100_000, "rate_limit_burst": 100_000}), store=graph
    )


@pytest.fixture
def base_url(roomy_app: FastAPI) -> Iterator[str]:
    with serving(roomy_app) as url:
        yield url


def _post_stix(base_url: str, headers: dict[str, str], objects: list[dict[str, Any]], **params: str) -> dict[str, Any]:
    bundle = {"type": "bundle", "id": "bundle--0d8c4f4e-8a7c-4c1e-9d51-51d1b3b2e7a1", "objects": objects}
    response = requests.post(f"{base_url}/v1/stix", json=bundle, headers=headers, params=params, timeout=120)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def _export_ids(base_url: str, headers: dict[str, str]) -> set[str]:
    response = requests.get(f"{base_url}/v1/export/stix", headers=headers, timeout=120)
    assert response.status_code == 200, response.text
    return {obj["id"] for obj in response.json()["objects"]}


def test_taxii2_client_discovers_pages_polls_and_posts(base_url: str, auth_headers: KeyFactory) -> None:
    analyst = auth_headers("Org A", Role.ANALYST)
    _post_stix(base_url, analyst, json.loads(ATTACK.read_text())["objects"])
    reader_key = _key(auth_headers("Org A", Role.READER))

    # Discovery and the API root, with HTTP Basic and the API key as the password.
    # RecordingAuth keeps each answer's headers: taxii2-client 2.3 returns only the JSON.
    auth = RecordingAuth(user="anyone", password=reader_key)
    server = Server(f"{base_url}/taxii2/", auth=auth)
    assert server.title == "atlas-graph"
    (api_root,) = server.api_roots
    assert api_root.url == server.default.url == f"{base_url}/taxii2/api/"
    assert api_root.versions == [TAXII]
    collections = {collection.alias: collection for collection in api_root.collections}
    assert set(collections) == {"atlas", "own"}
    atlas = collections["atlas"]
    assert (atlas.can_read, atlas.can_write) == (True, False)  # a reader may not write

    # Every page of `atlas`: exactly the STIX export's objects, plus the five TLP 2.0 markings.
    pages, headers = [], []
    for page in as_pages(atlas.get_objects, per_request=7):
        pages.append(page)
        headers.append(auth.last_headers)
    assert all(page["more"] for page in pages[:-1]) and not pages[-1]["more"]
    objects = [obj for page in pages for obj in page.get("objects", [])]
    ids = [obj["id"] for obj in objects]
    assert len(pages) == -(-len(ids) // 7) and len(ids) > 50
    assert len(ids) == len(set(ids))
    exported = _export_ids(base_url, analyst)
    assert exported <= set(ids)
    assert {obj["type"] for obj in objects if obj["id"] not in exported} == {"marking-definition"}
    assert {"intrusion-set", "malware", "relationship", "campaign", "tool"} <= {obj["type"] for obj in objects}
    last = headers[-1]["X-TAXII-Date-Added-Last"]
    firsts = [page_headers["X-TAXII-Date-Added-First"] for page_headers in headers]
    assert firsts == sorted(firsts)

    # The manifest lists the same objects, in the same order.
    manifest = [entry for page in as_pages(atlas.get_manifest, per_request=50) for entry in page["objects"]]
    assert [entry["id"] for entry in manifest] == ids
    assert manifest[-1]["date_added"] == last

    # Polling: nothing is new, then exactly what was posted since.
    assert "objects" not in atlas.get_objects(added_after=last)
    new_actor = {
        "type": "intrusion-set",
        "spec_version": "2.1",
        "id": "intrusion-set--6b3e4a84-3f24-4b41-b8a4-8f2d8f2d9a11",
        "created": "2026-01-02T00:00:00.000Z",
        "modified": "2026-01-02T00:00:00.000Z",
        "name": "Poll Crew",
    }
    _post_stix(base_url, analyst, [new_actor])
    polled = atlas.get_objects(added_after=last)
    assert [obj["id"] for obj in polled["objects"]] == [new_actor["id"]]
    assert polled["objects"][0]["name"] == "Poll Crew"
    assert auth.last_headers["X-TAXII-Date-Added-First"] > last

    # One object, its versions, and filters.
    one = atlas.get_object(new_actor["id"])
    assert [obj["name"] for obj in one["objects"]] == ["Poll Crew"]
    versions = atlas.object_versions(new_actor["id"])
    assert versions["versions"] == [one["objects"][0]["modified"]]
    by_type = atlas.get_objects(type="campaign")
    assert {obj["type"] for obj in by_type["objects"]} == {"campaign"} and len(by_type["objects"]) == 5
    assert (
        atlas.get_objects(version=one["objects"][0]["modified"], id=new_actor["id"])["objects"][0]["name"]
        == "Poll Crew"
    )
    assert "objects" not in atlas.get_objects(version="2001-01-01T00:00:00.000Z", id=new_actor["id"])
    assert "objects" not in atlas.get_objects(spec_version="2.0")

    # POST an envelope with an integration key over HTTP Basic; its status, then its objects, as Org A reads them.
    integration = Collection(
        f"{base_url}/taxii2/api/collections/{ATLAS_ID}/",
        user="feed",
        password=_key(auth_headers("Org A", Role.INTEGRATION)),
    )
    assert (integration.can_read, integration.can_write) == (False, True)
    posted = {**new_actor, "id": "intrusion-set--0f1bb0bb-9a5b-4a2f-8f51-25c8cb1f8a60", "name": "Envelope Crew"}
    sighting = {
        "type": "sighting",
        "spec_version": "2.1",
        "id": "sighting--0c3a9f0e-9d5f-4f2f-b8b5-2b8f1b4e8f10",
        "created": "2026-01-02T00:00:00.000Z",
        "modified": "2026-01-02T00:00:00.000Z",
        "sighting_of_ref": posted["id"],
    }
    status = integration.add_objects({"objects": [posted, sighting]})
    assert (status.status, status.total_count, status.success_count, status.failure_count) == ("complete", 2, 1, 1)
    assert status.failures[0]["id"] == sighting["id"] and "no place" in status.failures[0]["message"]
    status.refresh()  # GET .../status/{id}/, as taxii2-client polls it
    assert status.success_count == 1
    found = atlas.get_object(posted["id"])
    assert found["objects"][0]["name"] == "Envelope Crew"
    own = collections["own"].get_objects(id=posted["id"])
    assert own["objects"][0]["extensions"]  # Org A's own claim, in `own` too

    # Another organization's reader cannot read Org A's status.
    other = Server(f"{base_url}/taxii2/", user="x", password=_key(auth_headers("Org B", Role.READER)))
    response = requests.get(
        status.url,
        headers={"Accept": TAXII, "Authorization": f"Bearer {_key(auth_headers('Org B', Role.READER))}"},
        timeout=30,
    )
    assert response.status_code == 404 and response.json()["http_status"] == "404"
    assert other.api_roots[0].collections[0].can_read


def _read_everything(client: TestClient, headers: dict[str, str], collection: str, limit: int) -> list[Any]:
    """Every page of objects and of the manifest, each with its status, body and date headers, as an attacker
    would compare them."""
    seen: list[Any] = []
    for endpoint in ("objects", "manifest"):
        params: dict[str, str] = {"limit": str(limit)}
        while True:
            response = client.get(
                f"/taxii2/api/collections/{collection}/{endpoint}/", params=params, headers={**headers, "Accept": TAXII}
            )
            dates = {name: value for name, value in response.headers.items() if name.lower().startswith("x-taxii")}
            seen.append((response.status_code, response.json(), dates))
            body = response.json()
            if not body.get("more"):
                break
            params = {"limit": str(limit), "next": body["next"]}
        for added_after in ("2000-01-01T00:00:00Z", "2099-01-01T00:00:00Z"):
            response = client.get(
                f"/taxii2/api/collections/{collection}/{endpoint}/",
                params={"added_after": added_after},
                headers={**headers, "Accept": TAXII},
            )
            seen.append(
                (response.status_code, response.json(), dict(response.headers.items()).get("x-taxii-date-added-last"))
            )
    return seen


def test_a_red_claim_of_another_organization_leaks_nothing(client: TestClient, auth_headers: KeyFactory) -> None:
    maker, named, outsider = (auth_headers(org, Role.ANALYST) for org in ("Org Red", "Org Named", "Org Out"))
    community = {
        "entities": [
            {"kind": "actor", "name": "Open Crew"},
            {"kind": "service_provider", "name": "Open Host", "category": "bulletproof_hosting"},
        ],
        "relationships": [
            {
                "type": "USES",
                "source": {"kind": "actor", "name": "Open Crew"},
                "target": {"kind": "service_provider", "name": "Open Host"},
            }
        ],
    }
    assert client.post("/v1/bundles", json=community, headers=outsider).status_code == 200
    before = {org: _read_everything(client, h, "atlas", 2) for org, h in (("out", outsider), ("named", named))}
    before_own = _read_everything(client, outsider, "own", 2)
    red = {
        "entities": [
            {"kind": "actor", "name": "Secret Crew", "tlp": "RED", "share_with": ["Org Named"]},
            # An alias and a description on the community's entity, in a RED claim.
            {"kind": "actor", "name": "Open Crew", "aliases": ["Hidden Alias"], "tlp": "RED"},
        ],
        "relationships": [
            {
                "type": "USES",
                "source": {"kind": "actor", "name": "Secret Crew"},
                "target": {"kind": "service_provider", "name": "Open Host"},
                "tlp": "RED",
                "share_with": ["Org Named"],
            },
            {
                "type": "USES",
                "source": {"kind": "actor", "name": "Open Crew"},
                "target": {"kind": "service_provider", "name": "Open Host"},
                "tlp": "RED",
            },
        ],
    }
    posted = client.post("/v1/bundles", json=red, headers=maker)
    assert posted.status_code == 200, posted.text

    # The organization the claims do not name: every page, count, `more`, cursor and date header is as before.
    assert _read_everything(client, outsider, "atlas", 2) == before["out"]
    assert _read_everything(client, outsider, "own", 2) == before_own
    # The organization they name sees the shared claims (and so the test could fail).
    after_named = _read_everything(client, named, "atlas", 2)
    assert after_named != before["named"]
    named_text = json.dumps(after_named)
    assert "Secret Crew" in named_text and "Hidden Alias" not in named_text
    # By id: the hidden entity answers exactly like an id that does not exist.
    maker_sees = client.get(
        "/taxii2/api/collections/atlas/objects/",
        params={"match[type]": "intrusion-set"},
        headers={**maker, "Accept": TAXII},
    ).json()["objects"]
    hidden_stix_id = next(obj["id"] for obj in maker_sees if obj["name"] == "Secret Crew")
    for path in ("", "versions/"):
        hidden = client.get(
            f"/taxii2/api/collections/atlas/objects/{hidden_stix_id}/{path}", headers={**outsider, "Accept": TAXII}
        )
        missing_id = "intrusion-set--00000000-0000-4000-8000-000000000000"
        missing = client.get(
            f"/taxii2/api/collections/atlas/objects/{missing_id}/{path}", headers={**outsider, "Accept": TAXII}
        )
        assert hidden.status_code == missing.status_code == 404
        assert hidden.json()["description"].replace(hidden_stix_id, "ID") == missing.json()["description"].replace(
            missing_id, "ID"
        )
        assert {k: v for k, v in hidden.json().items() if k not in {"description", "error_id"}} == {
            k: v for k, v in missing.json().items() if k not in {"description", "error_id"}
        }
    filtered = client.get(
        "/taxii2/api/collections/atlas/objects/",
        params={"match[id]": hidden_stix_id},
        headers={**outsider, "Accept": TAXII},
    )
    assert filtered.status_code == 200 and filtered.json() == {"more": False}
    assert not any(name.lower().startswith("x-taxii") for name in filtered.headers)


def test_media_types_errors_and_authentication(client: TestClient, auth_headers: KeyFactory) -> None:
    analyst = auth_headers("Org A", Role.ANALYST)
    taxii = {**analyst, "Accept": TAXII}
    objects_url = f"/taxii2/api/collections/{ATLAS_ID}/objects/"

    def is_error(response: Any, status: int) -> None:
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == TAXII
        body = response.json()
        assert body["http_status"] == str(status) and body["title"] and body["description"]

    is_error(client.get(objects_url, headers={**analyst, "Accept": "application/json"}), 406)
    is_error(client.get(objects_url, headers={**analyst, "Accept": "application/taxii+json;version=2.0"}), 406)
    assert client.get(objects_url, headers={**analyst, "Accept": "application/taxii+json"}).status_code == 200
    envelope = json.dumps({"objects": []})
    is_error(client.post(objects_url, content=envelope, headers={**taxii, "Content-Type": "application/json"}), 415)
    accepted = client.post(objects_url, content=envelope, headers={**taxii, "Content-Type": TAXII})
    assert accepted.status_code == 202 and accepted.json()["status"] == "complete"
    assert accepted.headers["content-type"] == TAXII
    is_error(client.post(objects_url, content=b"{not json", headers={**taxii, "Content-Type": TAXII}), 422)
    is_error(client.post(objects_url, content=b'{"objects": 3}', headers={**taxii, "Content-Type": TAXII}), 422)
    is_error(client.get(objects_url, params={"added_after": "yesterday"}, headers=taxii), 400)
    is_error(client.get(objects_url, params={"limit": "0"}, headers=taxii), 400)
    is_error(client.get(objects_url, params={"next": "bm90IGEgY3Vyc29y"}, headers=taxii), 400)
    is_error(client.get(objects_url, params={"match[relationship_type]": "uses"}, headers=taxii), 400)
    is_error(client.get("/taxii2/api/collections/nope/objects/", headers=taxii), 404)
    is_error(client.get("/taxii2/api/status/nope/", headers=taxii), 404)
    is_error(client.delete(objects_url, headers=taxii), 405)

    # Over the body limit (refused by the middleware, before any route): TAXII's error resource too.
    small = create_app(
        client.app.state.settings.model_copy(update={"max_body_bytes": 2048}), store=client.app.state.store
    )
    with TestClient(small) as small_client:
        big = json.dumps({"objects": [{"type": "intrusion-set", "name": "x" * 4096}]})
        is_error(small_client.post(objects_url, content=big, headers={**taxii, "Content-Type": TAXII}), 413)

    # Authentication: none, a wrong Basic password, a working one, and the failed-authentication limit.
    missing = client.get("/taxii2/", headers={"Accept": TAXII})
    is_error(missing, 401)
    assert "Basic" in missing.headers["www-authenticate"]
    wrong = base64.b64encode(b"user:atlas_nope.nope").decode()
    is_error(client.get("/taxii2/", headers={"Accept": TAXII, "Authorization": f"Basic {wrong}"}), 401)
    good = base64.b64encode(f"user:{_key(analyst)}".encode()).decode()
    assert client.get("/taxii2/", headers={"Accept": TAXII, "Authorization": f"Basic {good}"}).status_code == 200
    statuses = [
        client.get("/taxii2/", headers={"Accept": TAXII, "Authorization": f"Basic {wrong}"}).status_code
        for _ in range(80)
    ]
    assert statuses[-1] == 429
    is_error(client.get("/taxii2/", headers={"Accept": TAXII, "Authorization": f"Basic {wrong}"}), 429)


# Who may call what under /taxii2/, read from the app's schema: a new TAXII endpoint fails here until decided.
TAXII_REQUIRED: dict[tuple[str, str], Permission | None] = {
    ("GET", "/taxii2/"): None,
    ("GET", "/taxii2/api/"): None,
    ("GET", "/taxii2/api/status/{status_id}/"): None,
    ("GET", "/taxii2/api/collections/"): None,
    ("GET", "/taxii2/api/collections/{collection_id}/"): None,
    ("GET", "/taxii2/api/collections/{collection_id}/objects/"): Permission.READ,
    ("POST", "/taxii2/api/collections/{collection_id}/objects/"): Permission.WRITE,
    ("GET", "/taxii2/api/collections/{collection_id}/objects/{object_id}/"): Permission.READ,
    ("GET", "/taxii2/api/collections/{collection_id}/objects/{object_id}/versions/"): Permission.READ,
    ("GET", "/taxii2/api/collections/{collection_id}/manifest/"): Permission.READ,
}


@pytest.mark.parametrize("role", list(Role))
def test_each_role_is_refused_exactly_where_the_taxii_table_says(
    client: TestClient, auth_headers: KeyFactory, role: Role
) -> None:
    operations = {
        (method.upper(), path)
        for path, methods in client.app.openapi()["paths"].items()  # type: ignore[attr-defined]
        for method in methods
        if path.startswith("/taxii2/")
    }
    assert operations == set(TAXII_REQUIRED)
    seed = auth_headers("Role Probe Org", Role.ANALYST)
    posted = client.post(
        f"/taxii2/api/collections/{ATLAS_ID}/objects/",
        content=json.dumps({"objects": []}),
        headers={**seed, "Accept": TAXII, "Content-Type": TAXII},
    )
    status_id = posted.json()["id"]
    headers = {**auth_headers("Role Probe Org", role), "Accept": TAXII}
    wrong = []
    for (method, path), permission in TAXII_REQUIRED.items():
        url = path.replace("{collection_id}", "atlas").replace("{status_id}", status_id)
        url = url.replace("{object_id}", TLP_2_MARKINGS[Tlp.CLEAR])
        extra = {"Content-Type": TAXII} if method == "POST" else {}
        body = json.dumps({"objects": []}) if method == "POST" else None
        response = client.request(method, url, headers={**headers, **extra}, content=body)
        allowed = permission is None or permission in ROLE_PERMISSIONS[role]
        if method == "GET" and path.endswith("{status_id}/") and role is Role.OPERATOR:
            allowed = False  # the operator belongs to no organization, so no organization's status is its own
            expected = 404
        else:
            expected = 403
        if allowed and response.status_code >= 400:
            wrong.append(f"{method} {path}: {response.status_code} for an allowed {role.value}: {response.text}")
        elif not allowed and response.status_code != expected:
            wrong.append(f"{method} {path}: {response.status_code} for a {role.value}, expected {expected}")
        assert response.status_code < 500, f"{method} {path} as {role.value}: {response.text}"
    assert not wrong, "\n".join(wrong)
