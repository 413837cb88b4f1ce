"""MISP's `similar` relations on the real galaxies (the `pymispgalaxies` package): same-as candidates, never merges.

MISP keeps clusters apart and links them with `similar` (a threat-actor cluster and its Microsoft or ATT&CK twin,
UNC2452 and APT29). An import records each such pair as a candidate with the reason "misp similar", supported by
the claim of the cluster that lists it, so that the reason shows only to whom may see that claim.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pymispgalaxies
from fastapi.testclient import TestClient

from atlas_graph.imports.options import ImportOptions
from atlas_graph.imports.runner import import_files, importing_caller
from atlas_graph.models.vocabulary import Tlp
from atlas_graph.store.graph import GraphStore
from tests.conftest import KeyFactory

GALAXIES = Path(pymispgalaxies.__file__).parent / "data" / "misp-galaxy" / "clusters"
GALAXY_FILES = (GALAXIES / "threat-actor.json", GALAXIES / "microsoft-activity-group.json")
APT29, UNC2452 = "b2056ff0-00b9-482e-b11c-c771daa5f28a", "2ee5ed7a-c4d0-40be-a837-20817474a15b"
MISP_ORG = "MISP Community"


def cluster(uuid: str) -> str:
    return f"misp-galaxy-cluster--{uuid}"


def similar_subsets(folder: Path) -> list[Path]:
    """The galaxies' clusters that have a `similar` entry or are the destination of one, as they are published."""
    galaxies = [json.loads(path.read_text(encoding="utf-8")) for path in GALAXY_FILES]
    ends = {
        uuid
        for galaxy in galaxies
        for value in galaxy["values"]
        for related in value.get("related", [])
        if related.get("type") == "similar"
        for uuid in (value["uuid"], related["dest-uuid"])
    }
    paths = []
    for path, galaxy in zip(GALAXY_FILES, galaxies, strict=True):
        galaxy["values"] = [value for value in galaxy["values"] if value["uuid"] in ends]
        paths.append(folder / path.name)
        paths[-1].write_text(json.dumps(galaxy), encoding="utf-8")
    return paths


def similar_entries(files: list[Path]) -> list[tuple[str, str, str]]:
    """(file name, where, destination uuid) of every `similar` entry of the files."""
    entries = []
    for path in files:
        for index, value in enumerate(json.loads(path.read_text(encoding="utf-8"))["values"]):
            for position, related in enumerate(value.get("related", [])):
                if related.get("type") == "similar":
                    entries.append((path.name, f"values[{index}].related[{position}]", related["dest-uuid"]))
    return entries


def candidates(client: TestClient, headers: dict[str, str], **params: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    while True:
        page = client.get(
            "/v1/resolution/candidates", params={**params, "offset": len(items), "limit": 500}, headers=headers
        ).json()
        items += page["items"]
        if len(items) >= page["total"]:
            return items


def test_similar_clusters_become_candidates_never_merges(
    client: TestClient, graph: GraphStore, auth_headers: KeyFactory, tmp_path: Path
) -> None:
    misp = auth_headers(MISP_ORG, "analyst")
    files = similar_subsets(tmp_path)
    summaries = import_files(
        graph,
        caller=importing_caller(graph, organization=MISP_ORG),
        paths=files,
        file_format="auto",
        options=ImportOptions(default_tlp=Tlp.RED),
        batch_size=500,
        max_items=10_000,
        state_dir=tmp_path / "state",
    )
    assert all(summary.completed for summary in summaries)
    report: dict[tuple[str, str], dict[str, Any]] = {}
    for summary in summaries:
        for line in summary.report.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            report[(Path(record["input"]).name, record["where"])] = record

    # Every `similar` entry is accounted for: a candidate, two clusters already one entity, or (a cluster of a
    # galaxy not imported) not loaded, as a relationship to it is. None is dropped as unmapped any more.
    imported = {value["uuid"] for path in files for value in json.loads(path.read_text(encoding="utf-8"))["values"]}
    recorded = 0
    for name, where, destination in similar_entries(files):
        record = report[(name, where)]
        if destination in imported:
            assert record["status"] == "warning", record
            recorded += record["reason"].startswith("candidate recorded")
        else:
            assert record["status"] == "unloaded" and cluster(destination) in record["reason"], record
    assert recorded > 100

    # UNC2452 and APT29 stay two entities (never a merge), and the candidate says why, as MISP put it.
    apt29 = client.get(f"/v1/entities/{cluster(APT29)}", headers=misp).json()
    unc2452 = client.get(f"/v1/entities/{cluster(UNC2452)}", headers=misp).json()
    assert apt29["name"] == "APT29" and unc2452["name"] == "UNC2452" and apt29["id"] != unc2452["id"]
    (pair,) = [c for c in candidates(client, misp, entity=apt29["id"]) if unc2452["id"] in (c["a"], c["b"])]
    assert {"type": "misp similar", "value": ""} in pair["reasons"]
    listed = candidates(client, misp, kind="actor")
    assert sum(any(r["type"] == "misp similar" for r in c["reasons"]) for c in listed) >= len(
        {frozenset((c["a"], c["b"])) for c in listed if any(r["type"] == "misp similar" for r in c["reasons"])}
    )

    # Another organization that claims both clusters (by their ids) sees the two entities, but not the RED
    # import's reason: a candidate only hidden claims support is not listed to it.
    other = auth_headers("Other Org", "analyst")
    mine = [
        {"kind": "actor", "name": name, "id": cluster(uuid)} for name, uuid in (("APT29", APT29), ("UNC2452", UNC2452))
    ]
    assert client.post("/v1/bundles", json={"entities": mine}, headers=other).status_code == 200
    seen = client.get(f"/v1/entities/{cluster(APT29)}", headers=other).json()
    assert seen["id"] == apt29["id"] and {c["organization"] for c in seen["assertions"]} == {"Other Org"}
    shown = candidates(client, other, entity=apt29["id"])
    assert all(reason["type"] != "misp similar" for c in shown for reason in c["reasons"])
