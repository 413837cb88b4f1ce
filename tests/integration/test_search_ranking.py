"""Search ranks what analysts mean (issue 18): exact names and aliases, then whole-word prefixes, then whole words,
then word prefixes; within a tier the better connected entity first; per-kind counts for one-click filters.

The real-data test reads MISP's threat-actor and malpedia galaxies from the installed `pymispgalaxies` package,
keeping only the clusters whose names hold "lazarus" or "spider", the names the issue was found on.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pymispgalaxies
from fastapi.testclient import TestClient

from atlas_graph.imports.options import ImportOptions
from atlas_graph.imports.runner import import_files, importing_caller
from atlas_graph.store.graph import GraphStore
from tests.conftest import KeyFactory

GALAXIES = Path(pymispgalaxies.__file__).parent / "data" / "misp-galaxy" / "clusters"


def post(client: TestClient, headers: dict[str, str], **bundle: Any) -> Any:
    response = client.post("/v1/bundles", json=bundle, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def search(client: TestClient, headers: dict[str, str], **params: Any) -> Any:
    response = client.get("/v1/entities", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_tiers_then_relationships_then_coverage(client: TestClient, auth_headers: KeyFactory) -> None:
    headers = auth_headers("Org A")
    actor = {"kind": "actor", "category": "group"}
    malware = {"kind": "service_provider", "category": "malware"}
    post(
        client,
        headers,
        entities=[
            {**malware, "name": "SPIDERPIG RAT"},
            {**malware, "name": "File Spider"},
            {**actor, "name": "Wizard Spider", "aliases": ["UNC1878"]},
            {**actor, "name": "Spider Crew (West)"},
            {**actor, "name": "Grim", "aliases": ["Spider"]},
            {"kind": "victim", "name": "Clinic", "category": "organization"},
        ],
        relationships=[
            {
                "type": "TARGETS",
                "source": {"kind": "actor", "name": "Wizard Spider"},
                "target": {"kind": "victim", "name": "Clinic"},
            }
        ],
    )
    found = search(client, headers, q="Spider")
    names = [item["name"] for item in found["items"]]
    # The alias "Spider" is exact; "Spider Crew" starts with the word; the two that hold it as a word come by
    # relationships (Wizard Spider has one, File Spider none, although "spider" covers more of its name); the
    # malware whose word merely starts with "spider" comes last.
    assert names == ["Grim", "Spider Crew (West)", "Wizard Spider", "File Spider", "SPIDERPIG RAT"]
    scores = [item["score"] for item in found["items"]]
    assert [int(score) for score in scores] == [5, 3, 2, 2, 1]
    assert found["items"][2]["relationship_count"] == 1 and found["items"][3]["relationship_count"] == 0
    assert {item["kind"] for item in found["items"]} == {"actor", "service_provider"}
    assert found["items"][3]["category"] == "malware"
    assert found["kinds"] == {"actor": 3, "service_provider": 2}
    # The kind filter narrows the page and the total, never the per-kind counts the one-click filters show.
    actors = search(client, headers, q="Spider", kind="actor")
    assert [item["name"] for item in actors["items"]] == ["Grim", "Spider Crew (West)", "Wizard Spider"]
    assert actors["total"] == 3 and actors["kinds"] == found["kinds"]
    # Punctuation separates words; several words rank as a phrase.
    assert search(client, headers, q="crew west")["items"][0]["score"] >= 2
    assert search(client, headers, q="wizard spider")["items"][0]["score"] == 5.0
    # Listing gives relationship counts too, and no per-kind counts.
    listed = search(client, headers, kind="victim")
    assert listed["items"][0]["relationship_count"] == 1 and listed["kinds"] == {}
    # A query that is only punctuation finds nothing to rank by words and still answers.
    assert search(client, headers, q="-")["total"] == 0


def test_counts_and_ranks_follow_the_sharing_rule(client: TestClient, auth_headers: KeyFactory) -> None:
    org_a, org_b, org_c = auth_headers("Org A"), auth_headers("Org B"), auth_headers("Org C")
    post(client, org_c, entities=[{"kind": "actor", "name": "Night Spider"}, {"kind": "actor", "name": "Day Spider"}])
    before = search(client, org_b, q="spider")
    # Org A alone sees a relationship of Day Spider, and an alias that would make Night Spider an exact hit.
    post(
        client,
        org_a,
        entities=[{"kind": "actor", "name": "Night Spider", "aliases": ["spider"], "tlp": "RED"}],
        relationships=[
            {
                "type": "AFFILIATED_WITH",
                "source": {"kind": "actor", "name": "Day Spider"},
                "target": {"kind": "actor", "name": "Night Spider"},
                "tlp": "RED",
            }
        ],
    )
    assert search(client, org_b, q="spider") == before
    own = search(client, org_a, q="spider")
    assert [item["name"] for item in own["items"]] == ["Night Spider", "Day Spider"]
    assert [item["relationship_count"] for item in own["items"]] == [1, 1]


def galaxy_subset(galaxy: str, words: tuple[str, ...], folder: Path) -> Path:
    data = json.loads((GALAXIES / f"{galaxy}.json").read_text(encoding="utf-8"))

    def keep(cluster: dict[str, Any]) -> bool:
        names = [cluster["value"], *cluster.get("meta", {}).get("synonyms", [])]
        return any(word in name.lower() for name in names for word in words)

    data["values"] = [cluster for cluster in data["values"] if keep(cluster)]
    for cluster in data["values"]:
        cluster.pop("related", None)
    path = folder / f"{galaxy}.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_real_galaxy_names_rank_the_actor_first(
    client: TestClient, graph: GraphStore, auth_headers: KeyFactory, tmp_path: Path
) -> None:
    words = ("lazarus", "spider")
    headers = auth_headers("Org A", "reader")
    auth_headers("MISP Community", "reader")  # registers the organization the import acts as
    summaries = import_files(
        graph,
        caller=importing_caller(graph, organization="MISP Community"),
        paths=[galaxy_subset("threat-actor", words, tmp_path), galaxy_subset("malpedia", words, tmp_path)],
        file_format="auto",
        options=ImportOptions(),
        batch_size=100,
        max_items=10_000,
        state_dir=tmp_path / "state",
    )
    assert all(summary.completed and not summary.issues.get("invalid") for summary in summaries), summaries

    lazarus = search(client, headers, q="Lazarus", limit=5)
    first = lazarus["items"][0]
    assert (first["name"], first["kind"], first["category"]) == ("Lazarus Group", "actor", "group")
    # Malpedia's "KillDisk (Lazarus)" and "Unidentified 077 (Lazarus Downloader)" hold the word: they come after.
    later = [item["name"] for item in lazarus["items"][1:]]
    assert "KillDisk (Lazarus)" in later, later
    assert lazarus["kinds"]["service_provider"] >= 2

    spider = search(client, headers, q="Spider", limit=500)
    names = [item["name"] for item in spider["items"]]
    # Before, SPIDERPIG (a prefix of the malware's name) ranked above every "X SPIDER" group.
    assert "WIZARD SPIDER" in names and "SPIDERPIG RAT" in names, names
    spiderpig = names.index("SPIDERPIG RAT")
    assert names.index("WIZARD SPIDER") < spiderpig
    groups_before = [item for item in spider["items"][:spiderpig] if item["kind"] == "actor"]
    assert len(groups_before) >= 10, names
