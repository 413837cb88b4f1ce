"""The rows the bulk path sends: claim ids, and the first-claim summary it sets without the upsert's Cypher."""

from __future__ import annotations

import re
import uuid
from datetime import date

from atlas_graph.store.ingestion import RelationshipWrite, created_relationship_row, new_assertion_ids

ASSERTION_ID = re.compile(r"^assertion--[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def test_new_assertion_ids_are_distinct_version_4_uuids() -> None:
    ids = new_assertion_ids(5_000)
    assert len(ids) == 5_000
    assert len(set(ids)) == 5_000
    for assertion_id in ids:
        assert ASSERTION_ID.match(assertion_id), assertion_id
        parsed = uuid.UUID(assertion_id.removeprefix("assertion--"))
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122


def test_new_assertion_ids_of_nothing_is_empty() -> None:
    assert new_assertion_ids(0) == []


def _write(tlp: str, share_with: list[str]) -> RelationshipWrite:
    claim = {
        "confidence": 70,
        "tlp": tlp,
        "share_with": share_with,
        "first_seen": date(2024, 1, 1),
        "last_seen": None,
        "references": [],
        "description": None,
    }
    return RelationshipWrite(key="USES|a|b", type="USES", source="a", target="b", claim=claim)


def test_a_community_claim_makes_the_relationship_visible_to_all() -> None:
    row = created_relationship_row(_write("AMBER", []), "Org A", "assertion--x")
    assert row["relationship"] == {
        "key": "USES|a|b",
        "a_org": ["Org A"],
        "a_vis": ["*"],
        "a_conf": [70],
        "vis_all": True,
        "vis_orgs": [],
        "claim_count": 1,
    }
    assert row["claim"]["key"] == "USES|a|b|Org A"
    assert row["claim"]["id"] == "assertion--x"
    assert (row["claim"]["rel_key"], row["claim"]["source"], row["claim"]["target"]) == ("USES|a|b", "a", "b")


def test_a_restricted_claim_names_its_maker_then_whom_it_is_shared_with() -> None:
    row = created_relationship_row(_write("RED", ["Org B", "Org C"]), "Org A", "assertion--x")
    assert row["relationship"]["a_vis"] == ["|Org A|Org B|Org C|"]
    assert row["relationship"]["vis_all"] is False
    assert row["relationship"]["vis_orgs"] == ["Org A", "Org B", "Org C"]
