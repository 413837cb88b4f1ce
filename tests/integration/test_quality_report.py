"""The data quality report (`GET /v1/resolution/report`, `atlas-graph quality`): what it counts, and that another
member's hidden claims change none of the caller's numbers."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
from fastapi.testclient import TestClient

from atlas_graph.config import Settings
from tests.conftest import KeyFactory
from tests.integration.test_cli import _env_for

REPORT = "/v1/resolution/report"


def ecosystem() -> dict[str, Any]:
    """Two crews sharing an alias (kept apart by their ids), a host, three victims two of which are named alike, and
    one victim nobody targets."""
    crew_a = {"kind": "actor", "id": "actor--quality-a", "name": "Crew A", "aliases": ["Shared Alias"]}
    crew_b = {"kind": "actor", "id": "actor--quality-b", "name": "Crew B", "aliases": ["shared alias"]}
    return {
        "entities": [
            crew_a,
            crew_b,
            {"kind": "service_provider", "id": "service_provider--quality-host", "name": "Host"},
            {"kind": "victim", "id": "victim--quality-gov-1", "name": "Government"},
            {"kind": "victim", "id": "victim--quality-gov-2", "name": "GOVERNMENT "},
            {"kind": "victim", "id": "victim--quality-lonely", "name": "Lonely Clinic"},
        ],
        "relationships": [
            {"type": "USES", "source": {"id": "actor--quality-a"}, "target": {"id": "service_provider--quality-host"}},
            {"type": "USES", "source": {"id": "actor--quality-b"}, "target": {"id": "service_provider--quality-host"}},
            {"type": "TARGETS", "source": {"id": "actor--quality-a"}, "target": {"id": "victim--quality-gov-1"}},
            {"type": "TARGETS", "source": {"id": "actor--quality-b"}, "target": {"id": "victim--quality-gov-2"}},
        ],
    }


def hidden_layer() -> dict[str, Any]:
    """Another member's RED claims, touching every count: a new actor carrying the shared alias, a financier, a third
    (isolated) "Government", a relationship to the lonely victim, and a claim naming Crew B "Crew A" (a candidate)."""
    red = {"tlp": "RED"}
    return {
        "entities": [
            {"kind": "actor", "id": "actor--quality-secret", "name": "Secret Crew", "aliases": ["Shared Alias"], **red},
            {"kind": "financier", "id": "financier--quality-secret", "name": "Secret Mixer", **red},
            {"kind": "victim", "id": "victim--quality-gov-3", "name": "government", **red},
            {"kind": "actor", "id": "actor--quality-b", "name": "Crew B", "aliases": ["Crew A"], **red},
        ],
        "relationships": [
            {
                "type": "TARGETS",
                "source": {"id": "actor--quality-secret"},
                "target": {"id": "victim--quality-lonely"},
                **red,
            },
            {
                "type": "LAUNDERS_FOR",
                "source": {"id": "financier--quality-secret"},
                "target": {"id": "actor--quality-secret"},
                **red,
            },
        ],
    }


def kinds(report: dict[str, Any]) -> dict[str, tuple[int, int, int]]:
    return {row["kind"]: (row["entities"], row["merged"], row["isolated"]) for row in report["kinds"]}


def test_the_report_counts_what_an_analyst_must_check(client: TestClient, auth_headers: KeyFactory) -> None:
    analyst = auth_headers("Quality Org", "analyst")
    posted = client.post("/v1/bundles", json=ecosystem(), headers=analyst)
    assert posted.status_code == 200, posted.text
    report = client.get(REPORT, headers=analyst).json()
    assert kinds(report) == {
        "actor": (2, 0, 0),
        "service_provider": (1, 0, 0),
        "financier": (0, 0, 0),
        "infrastructure": (0, 0, 0),
        "victim": (3, 0, 1),
    }
    assert (report["entities"], report["merged_entities"], report["isolated_entities"]) == (6, 0, 1)
    # "Shared Alias" is carried by both crews (their given ids held them apart, as a candidate), and "Government"
    # by two victims: both names are ambiguous.
    assert report["ambiguous_names"] == 2
    assert report["ambiguous_name_examples"] == [
        {
            "name": "Shared Alias",
            "kind": "actor",
            "entities": 2,
            "entity_ids": ["actor--quality-a", "actor--quality-b"],
        },
        {
            "name": "Government",
            "kind": "victim",
            "entities": 2,
            "entity_ids": ["victim--quality-gov-1", "victim--quality-gov-2"],
        },
    ]
    # Both ambiguous pairs were recorded as candidates for review.
    assert report["open_candidates"] == 2
    assert report["victims_named_alike"] == 1
    assert report["alike_victim_groups"] == [
        {"name": "Government", "victim_ids": ["victim--quality-gov-1", "victim--quality-gov-2"]}
    ]
    layers = {layer["layer"]: layer for layer in report["layers"]}
    assert {name: layer["ready"] for name, layer in layers.items()} == {
        "actors": True,
        "suppliers": True,
        "financiers": False,
        "infrastructure": False,
        "victims": True,
    }
    assert layers["victims"]["verdict"] == "victims: 3 entities, 2 connected, 1 isolated"
    assert layers["financiers"]["verdict"].startswith("financiers: no financier")
    assert report["fit_to_rank"] is True
    assert report["verdict"] == (
        "fit to rank, without financiers, infrastructure (2 open candidates to review; 2 ambiguous names)"
    )

    # A merge is counted on the survivor; the candidate it settles is no longer open, nor the alias ambiguous.
    merged = client.post("/v1/entities/actor--quality-b/merge", json={"into": "actor--quality-a"}, headers=analyst)
    assert merged.status_code == 200, merged.text
    after = client.get(REPORT, headers=analyst).json()
    assert kinds(after)["actor"] == (1, 1, 0)
    assert (after["merged_entities"], after["ambiguous_names"], after["open_candidates"]) == (1, 1, 1)


@pytest.mark.parametrize("order", ["a first", "b first"])
def test_an_ambiguous_name_is_spelled_from_the_entity_whose_id_sorts_first(
    client: TestClient, auth_headers: KeyFactory, order: str
) -> None:
    # The spelling must not follow the order the crews were stored in, or the report reads differently from one run
    # to the next ("Shared Alias" is Crew A's, "shared alias" Crew B's).
    analyst = auth_headers("Quality Org", "analyst")
    crews = ecosystem()["entities"][:2]
    bundle = {"entities": crews if order == "a first" else crews[::-1], "relationships": []}
    posted = client.post("/v1/bundles", json=bundle, headers=analyst)
    assert posted.status_code == 200, posted.text
    examples = client.get(REPORT, headers=analyst).json()["ambiguous_name_examples"]
    assert [(example["name"], example["entity_ids"]) for example in examples] == [
        ("Shared Alias", ["actor--quality-a", "actor--quality-b"])
    ]


def test_an_empty_graph_is_not_fit_to_rank(client: TestClient, auth_headers: KeyFactory) -> None:
    report = client.get(REPORT, headers=auth_headers("Quality Org", "reader")).json()
    assert report["entities"] == 0 and report["fit_to_rank"] is False
    assert report["verdict"] == "not fit to rank: no connected actor"


def test_another_members_red_claims_change_none_of_the_callers_counts(
    client: TestClient, auth_headers: KeyFactory
) -> None:
    caller, other = auth_headers("Quality Org", "analyst"), auth_headers("Secretive Org", "analyst")
    assert client.post("/v1/bundles", json=ecosystem(), headers=caller).status_code == 200
    before = client.get(REPORT, headers=caller).json()
    posted = client.post("/v1/bundles", json=hidden_layer(), headers=other)
    assert posted.status_code == 200, posted.text
    after = client.get(REPORT, headers=caller).json()
    assert after == before
    assert "Secret" not in json.dumps(after) and "gov-3" not in json.dumps(after)
    # The maker sees its own claims counted: the layer did reach every number the caller's report kept.
    theirs = client.get(REPORT, headers=other).json()
    assert kinds(theirs)["actor"] == (3, 0, 0) and kinds(theirs)["financier"] == (1, 0, 0)
    assert kinds(theirs)["victim"] == (4, 0, 1)
    assert theirs["ambiguous_names"] > before["ambiguous_names"]
    assert theirs["alike_victim_groups"][0]["victim_ids"] == [
        "victim--quality-gov-1",
        "victim--quality-gov-2",
        "victim--quality-gov-3",
    ]


def test_the_command_acts_as_the_operator_and_counts_every_claim(
    settings: Settings, client: TestClient, auth_headers: KeyFactory
) -> None:
    for bundle, organization in ((ecosystem(), "Quality Org"), (hidden_layer(), "Secretive Org")):
        posted = client.post("/v1/bundles", json=bundle, headers=auth_headers(organization, "analyst"))
        assert posted.status_code == 200, posted.text
    run = subprocess.run(
        [sys.executable, "-m", "atlas_graph.cli", "quality", "--json"],
        capture_output=True,
        text=True,
        env=_env_for(settings),
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert kinds(report)["actor"] == (3, 0, 0) and kinds(report)["victim"] == (4, 0, 1)
    text = subprocess.run(
        [sys.executable, "-m", "atlas_graph.cli", "quality"],
        capture_output=True,
        text=True,
        env=_env_for(settings),
        timeout=120,
    )
    assert text.returncode == 0, text.stderr
    assert text.stdout.splitlines()[0] == f"verdict: {report['verdict']}"
    assert "  'Government': 3 victims" in text.stdout
