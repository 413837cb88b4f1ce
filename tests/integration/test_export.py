"""GET /v1/export/{stix,graphml,csv} against the real Neo4j: validity, the sharing rule, and a STIX round trip."""

from __future__ import annotations

import argparse
import csv
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import networkx as nx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from stix2validator import ValidationOptions, validate_string

from atlas_graph.api.routes import export as export_routes
from atlas_graph.cli.import_command import add_import_parser
from atlas_graph.config import Settings
from atlas_graph.models.vocabulary import Role, Tlp
from atlas_graph.services import organizations
from atlas_graph.stix.vocabulary import ATLAS_EXTENSION_ID, TLP_2_MARKINGS
from atlas_graph.stix.writing import organization_identity_id
from atlas_graph.store.graph import GraphStore
from atlas_graph.store.maintenance import delete_everything
from tests.conftest import KeyFactory

RED = TLP_2_MARKINGS[Tlp.RED]
EXTENSION_SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "atlas-stix-extension.schema.json"

# One of each kind, category and relationship type, with provenance a STIX mapping could lose.
ECOSYSTEM: dict[str, Any] = {
    "entities": [
        {
            "kind": "actor",
            "name": "Ransom Crew",
            "aliases": ["RC-1", "Crew of Ransom"],
            "category": "group",
            "confidence": 80,
            "tlp": "AMBER",
            "first_seen": "2023-02-01",
            "last_seen": "2024-06-30",
            "references": ["https://example.invalid/report/1", "vendor:RC-2024-7", "internal note 12"],
            "description": "A ransomware affiliate crew.",
            "attributes": {"country": "XX", "members": 12},
        },
        {"kind": "actor", "name": "Lone Broker", "category": "individual", "share_with": ["Org B"], "tlp": "RED"},
        {"kind": "actor", "name": "Operation Night", "category": "campaign", "first_seen": "2024-01-01"},
        {"kind": "actor", "name": "Core Group"},
        {"kind": "service_provider", "name": "LockStar", "category": "ransomware_as_a_service", "confidence": 90},
        {"kind": "service_provider", "name": "Bulletproof One", "category": "bulletproof_hosting", "tlp": "CLEAR"},
        {"kind": "service_provider", "name": "CryptMe", "category": "crypting"},
        {"kind": "service_provider", "name": "QakLoader", "category": "malware", "aliases": ["Qak"]},
        {"kind": "service_provider", "name": "Market X", "category": "marketplace", "tlp": "AMBER+STRICT"},
        {"kind": "financier", "name": "Tumbler", "category": "mixer", "attributes": {"chain": "BTC"}},
        {"kind": "financier", "name": "Mule Ring", "category": "mule_network"},
        {"kind": "infrastructure", "name": "bp1.example", "category": "domain", "last_seen": "2024-03-03"},
        {"kind": "infrastructure", "name": "Rack 7", "category": "hosting"},
        {"kind": "victim", "name": "Clinic", "category": "organization"},
        {"kind": "victim", "name": "Healthcare", "category": "sector"},
    ],
    "relationships": [
        {
            "type": "USES",
            "source": {"kind": "actor", "name": "Ransom Crew"},
            "target": {"kind": "service_provider", "name": "Bulletproof One"},
            "confidence": 70,
            "first_seen": "2024-01-01",
            "last_seen": "2024-01-01",
            "references": ["https://example.invalid/report/2"],
            "description": "Rents servers.",
        },
        {
            "type": "OPERATES",
            "source": {"kind": "service_provider", "name": "Bulletproof One"},
            "target": {"kind": "infrastructure", "name": "Rack 7"},
        },
        {
            "type": "SUPPLIES",
            "source": {"kind": "service_provider", "name": "LockStar"},
            "target": {"kind": "actor", "name": "Ransom Crew"},
            "tlp": "AMBER",
        },
        {
            "type": "AFFILIATED_WITH",
            "source": {"kind": "actor", "name": "Ransom Crew"},
            "target": {"kind": "actor", "name": "Core Group"},
        },
        {
            "type": "LAUNDERS_FOR",
            "source": {"kind": "financier", "name": "Tumbler"},
            "target": {"kind": "actor", "name": "Ransom Crew"},
            "tlp": "RED",
            "share_with": ["Org C"],
        },
        {
            "type": "PAYS",
            "source": {"kind": "victim", "name": "Clinic"},
            "target": {"kind": "actor", "name": "Ransom Crew"},
            "amount": 250000.5,
            "currency": "BTC",
            "attributes": {"wallet": "bc1-example"},
        },
        {
            "type": "TARGETS",
            "source": {"kind": "actor", "name": "Ransom Crew"},
            "target": {"kind": "victim", "name": "Healthcare"},
        },
        {
            "type": "USES",
            "source": {"kind": "actor", "name": "Operation Night"},
            "target": {"kind": "infrastructure", "name": "bp1.example"},
        },
        {
            "type": "USES",
            "source": {"kind": "actor", "name": "Lone Broker"},
            "target": {"kind": "service_provider", "name": "Market X"},
            "tlp": "RED",
        },
        {
            "type": "USES",
            "source": {"kind": "actor", "name": "Ransom Crew"},
            "target": {"kind": "service_provider", "name": "CryptMe"},
        },
        {
            "type": "SUPPLIES",
            "source": {"kind": "service_provider", "name": "QakLoader"},
            "target": {"kind": "service_provider", "name": "LockStar"},
        },
        {
            "type": "USES",
            "source": {"kind": "service_provider", "name": "LockStar"},
            "target": {"kind": "financier", "name": "Mule Ring"},
        },
    ],
}


@pytest.fixture
def export_app(app: FastAPI) -> FastAPI:
    # Until routes/__init__.py lists the export router, mount it here; once it does, this adds nothing.
    if not any(getattr(route, "path", "").startswith("/v1/export/") for route in app.routes):
        app.include_router(export_routes.router)
    return app


@pytest.fixture
def client(export_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(export_app) as client:
        yield client


def post_bundle(client: TestClient, headers: dict[str, str], bundle: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/v1/bundles", json=bundle, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def export_stix(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    response = client.get("/v1/export/stix", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/stix+json")
    bundle: dict[str, Any] = json.loads(response.content)
    return bundle


def by_name(bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {obj["name"]: obj for obj in bundle["objects"] if "name" in obj and obj["type"] != "marking-definition"}


@pytest.fixture(autouse=True)
def share_with_members(auth_headers: KeyFactory) -> None:
    """The organizations the claims here share with: share_with names only registered members (issue 17)."""
    auth_headers("Org B")
    auth_headers("Org C")


def test_stix_export_is_valid_and_carries_provenance(client: TestClient, auth_headers: KeyFactory) -> None:
    org_a = auth_headers("Org A")
    post_bundle(client, org_a, ECOSYSTEM)
    # Org B adds its own view of the crew: a second assertion on the same entity.
    post_bundle(
        client, auth_headers("Org B"), {"entities": [{"kind": "actor", "name": "ransom crew", "confidence": 30}]}
    )
    bundle = export_stix(client, org_a)

    results = validate_string(json.dumps(bundle), ValidationOptions(version="2.1"))
    assert results.is_valid, [str(error) for error in results.errors]

    # Every extension follows the documented schema.
    schema = json.loads(EXTENSION_SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    extended = [obj for obj in bundle["objects"] if ATLAS_EXTENSION_ID in obj.get("extensions", {})]
    assert len(extended) == len(ECOSYSTEM["entities"]) + len(ECOSYSTEM["relationships"])
    for obj in extended:
        validator.validate(obj["extensions"][ATLAS_EXTENSION_ID])

    objects = by_name(bundle)
    assert objects["Ransom Crew"]["type"] == "intrusion-set"
    assert objects["Lone Broker"]["type"] == "threat-actor"
    assert objects["Operation Night"]["type"] == "campaign"
    assert objects["LockStar"]["type"] == "malware" and objects["LockStar"]["malware_types"] == ["ransomware"]
    assert objects["CryptMe"]["type"] == "tool"
    assert objects["Bulletproof One"]["type"] == "identity"
    assert objects["Tumbler"]["type"] == "identity"
    assert objects["Rack 7"]["type"] == "infrastructure"
    assert objects["Healthcare"]["identity_class"] == "class"

    crew = objects["Ransom Crew"]
    assert crew["created_by_ref"] == organization_identity_id("Org A")
    assert crew["confidence"] == 80 and crew["object_marking_refs"] == [TLP_2_MARKINGS[Tlp.AMBER]]
    assert crew["aliases"] == ["RC-1", "Crew of Ransom"]
    assert crew["first_seen"] == "2023-02-01T00:00:00.000Z"
    assert {"source_name": "vendor", "external_id": "RC-2024-7"} in crew["external_references"]
    extension = crew["extensions"][ATLAS_EXTENSION_ID]
    assert extension["kind"] == "actor" and extension["category"] == "group"
    assert [a["organization"] for a in extension["assertions"]] == ["Org A", "Org B"]
    assert extension["assertions"][1]["confidence"] == 30
    assert extension["attributes"] == {"country": "XX", "members": 12}

    tumbler = objects["Tumbler"]["extensions"][ATLAS_EXTENSION_ID]
    assert tumbler["kind"] == "financier" and tumbler["category"] == "mixer"

    names = {obj["name"] for obj in bundle["objects"] if obj["type"] == "identity" and obj.get("roles")}
    assert names == {"Org A", "Org B"}
    markings = {obj["id"] for obj in bundle["objects"] if obj["type"] == "marking-definition"}
    referenced = {ref for obj in bundle["objects"] for ref in obj.get("object_marking_refs", [])}
    assert referenced <= markings

    relationships = [obj for obj in bundle["objects"] if obj["type"] == "relationship"]
    assert len(relationships) == len(ECOSYSTEM["relationships"])
    launders = next(r for r in relationships if r["relationship_type"] == "launders-for")
    assert launders["object_marking_refs"] == [RED]
    # The caller's own share_with list is exported; it is theirs.
    assert launders["extensions"][ATLAS_EXTENSION_ID]["assertion"]["share_with"] == ["Org C"]
    uses = next(
        r
        for r in relationships
        if r["source_ref"] == crew["id"]
        and r["relationship_type"] == "uses"
        and r["target_ref"] == objects["Bulletproof One"]["id"]
    )
    assert uses["start_time"] == "2024-01-01T00:00:00.000Z" and uses["stop_time"] == "2024-01-01T23:59:59.999Z"
    assert uses["confidence"] == 70


def test_the_stix_import_api_takes_an_export(client: TestClient, auth_headers: KeyFactory) -> None:
    # POST /v1/stix (which does not read the atlas-graph extension) accepts every object, and maps what it can.
    org_a = auth_headers("Org A")
    post_bundle(client, org_a, ECOSYSTEM)
    response = client.post("/v1/stix", json=export_stix(client, org_a), headers=auth_headers("Org B"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["invalid"] == []
    assert body["imported_entities"] > 0 and body["imported_relationships"] > 0


def test_another_organizations_red_claims_are_not_exported(client: TestClient, auth_headers: KeyFactory) -> None:
    org_a, org_b = auth_headers("Org A"), auth_headers("Org B")
    post_bundle(client, org_a, {"entities": [{"kind": "actor", "name": "Shared Crew"}]})
    post_bundle(
        client,
        org_b,
        {
            "entities": [
                {"kind": "actor", "name": "Secret Cell", "tlp": "RED"},
                # A RED claim on an entity Org A sees: its alias and description must not leak.
                {
                    "kind": "actor",
                    "name": "Shared Crew",
                    "aliases": ["Hidden Alias"],
                    "tlp": "RED",
                    "description": "only for Org B",
                },
                {"kind": "service_provider", "name": "Open Host", "category": "bulletproof_hosting"},
            ],
            "relationships": [
                {
                    "type": "USES",
                    "source": {"kind": "actor", "name": "Shared Crew"},
                    "target": {"kind": "service_provider", "name": "Open Host"},
                    "tlp": "RED",
                },
                {
                    "type": "AFFILIATED_WITH",
                    "source": {"kind": "actor", "name": "Secret Cell"},
                    "target": {"kind": "actor", "name": "Shared Crew"},
                    "tlp": "GREEN",
                },
            ],
        },
    )
    text = client.get("/v1/export/stix", headers=org_a).text
    for secret in ("Secret Cell", "Hidden Alias", "only for Org B"):
        assert secret not in text
    bundle = json.loads(text)
    assert "Open Host" in by_name(bundle)  # Org B's GREEN claim is community-visible
    assert not [obj for obj in bundle["objects"] if obj["type"] == "relationship"]
    # Org B's identity is exported only as the creator of something Org A may see (Open Host).
    assert organization_identity_id("Org B") in {obj["id"] for obj in bundle["objects"]}

    graphml = client.get("/v1/export/graphml", headers=org_a).text
    csv_zip = client.get("/v1/export/csv", headers=org_a).content
    with zipfile.ZipFile(io.BytesIO(csv_zip)) as archive:
        flat = archive.read("nodes.csv").decode() + archive.read("edges.csv").decode()
    for secret in ("Secret Cell", "Hidden Alias"):
        assert secret not in graphml and secret not in flat
    # Org B sees its own claims.
    assert "Secret Cell" in client.get("/v1/export/stix", headers=org_b).text


def test_graphml_and_csv_describe_the_same_graph(client: TestClient, auth_headers: KeyFactory) -> None:
    org_a = auth_headers("Org A")
    post_bundle(client, org_a, ECOSYSTEM)
    response = client.get("/v1/export/graphml", headers=org_a)
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/graphml+xml")
    graph = nx.read_graphml(io.BytesIO(response.content))
    assert graph.is_directed() and graph.number_of_nodes() == len(ECOSYSTEM["entities"])
    assert graph.number_of_edges() == len(ECOSYSTEM["relationships"])
    crew = next(node for node, data in graph.nodes(data=True) if data["name"] == "Ransom Crew")
    assert graph.nodes[crew]["kind"] == "actor" and graph.nodes[crew]["confidence"] == 80
    assert graph.nodes[crew]["aliases"] == "RC-1|Crew of Ransom" and graph.nodes[crew]["tlp"] == "AMBER"
    types = sorted(data["type"] for _, _, data in graph.edges(data=True))
    assert types == sorted(r["type"] for r in ECOSYSTEM["relationships"])

    response = client.get("/v1/export/csv", headers=org_a)
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert sorted(archive.namelist()) == ["edges.csv", "nodes.csv"]
        nodes = list(csv.DictReader(io.StringIO(archive.read("nodes.csv").decode("utf-8"))))
        edges = list(csv.DictReader(io.StringIO(archive.read("edges.csv").decode("utf-8"))))
    assert {node["id"] for node in nodes} == set(graph.nodes)
    assert len(edges) == graph.number_of_edges()
    pays = next(edge for edge in edges if edge["relationship"] == "PAYS")
    assert pays["organizations"] == "Org A" and pays["claims"] == "1" and pays["tlp"] == "GREEN"


def test_exported_edges_import_back_with_a_csv_mapping(
    client: TestClient, auth_headers: KeyFactory, settings: Settings, tmp_path: Path
) -> None:
    post_bundle(client, auth_headers("Org A"), ECOSYSTEM)
    org_b = auth_headers("Org B")
    with zipfile.ZipFile(io.BytesIO(client.get("/v1/export/csv", headers=org_b).content)) as archive:
        (tmp_path / "edges.csv").write_bytes(archive.read("edges.csv"))
    parser = argparse.ArgumentParser()
    add_import_parser(parser.add_subparsers())
    args = parser.parse_args(
        [
            "import",
            str(tmp_path / "edges.csv"),
            "--org",
            "Org B",
            "--no-progress",
            "--checkpoint-dir",
            str(tmp_path / "imports"),
            "--csv-mapping",
            "source_id=source,target_id=target,type=relationship",
        ]
    )
    assert args.handler(args, settings) == 0
    # Org B sees every relationship but the two RED ones, and now claims each of those too.
    edges = list(csv.DictReader(io.StringIO((tmp_path / "edges.csv").read_text(encoding="utf-8"))))
    visible = len(ECOSYSTEM["relationships"]) - 2
    assert len(edges) == visible and {edge["tlp"] for edge in edges} <= {"CLEAR", "GREEN", "AMBER"}
    bundle = export_stix(client, org_b)
    creators = [obj["created_by_ref"] for obj in bundle["objects"] if obj["type"] == "relationship"]
    assert creators.count(organization_identity_id("Org A")) == visible
    assert creators.count(organization_identity_id("Org B")) == visible


def test_exports_need_the_read_permission(client: TestClient, auth_headers: KeyFactory) -> None:
    integration = auth_headers("Org A", Role.INTEGRATION)
    for path in ("/v1/export/stix", "/v1/export/graphml", "/v1/export/csv"):
        assert client.get(path, headers=integration).status_code == 403
        assert client.get(path).status_code == 401


def _normalized(bundle: dict[str, Any]) -> dict[str, Any]:
    """The bundle's objects by id, without what only says when atlas-graph recorded things."""

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {
                k: strip(v) for k, v in value.items() if k not in {"created", "modified", "recorded_at", "updated_at"}
            }
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return {obj["id"]: strip(obj) for obj in bundle["objects"]}


def test_stix_round_trip_gives_the_same_export(
    client: TestClient, auth_headers: KeyFactory, graph: GraphStore, settings: Settings, tmp_path: Path
) -> None:
    org_a = auth_headers("Org A")
    post_bundle(client, org_a, ECOSYSTEM)
    first = export_stix(client, org_a)
    exported = tmp_path / "export.stix.json"
    exported.write_text(json.dumps(first), encoding="utf-8")

    delete_everything(graph)
    for member in ("Org A", "Org B", "Org C"):  # share_with names only registered members
        organizations.create_organization(graph, name=member)
    parser = argparse.ArgumentParser()
    add_import_parser(parser.add_subparsers())
    args = parser.parse_args(
        ["import", str(exported), "--org", "Org A", "--checkpoint-dir", str(tmp_path / "imports"), "--no-progress"]
    )
    assert args.handler(args, settings) == 0

    second = export_stix(client, auth_headers("Org A"))
    assert _normalized(second) == _normalized(first)
    assert second["id"] != first["id"]
