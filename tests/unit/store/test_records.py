"""Store records leave the store with Python dates and times, and with both validity dates present."""

from __future__ import annotations

from datetime import UTC, date, datetime

import neo4j.time

from atlas_graph.store.records import entity_claim, merge_stamp, present, relationship_claim_stamp


def test_a_claim_gets_python_times_and_an_open_end_as_none() -> None:
    recorded = neo4j.time.DateTime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    raw = {
        "id": "assertion--1",
        "organization": "Org A",
        "recorded_at": recorded,
        "updated_at": recorded,
        "first_seen": neo4j.time.Date(2025, 6, 1),
        "tlp": "GREEN",
        "name": "Haven",
    }
    claim = entity_claim(raw)
    assert claim["recorded_at"] == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert type(claim["recorded_at"]) is datetime and type(claim["first_seen"]) is date
    assert claim["first_seen"] == date(2025, 6, 1) and claim["last_seen"] is None
    assert claim["name"] == "Haven" and "description" not in claim
    assert raw["recorded_at"] is recorded, "the driver's record is left as it was"


def test_stamps_get_python_times_and_no_dates() -> None:
    at = neo4j.time.DateTime(2026, 1, 2, tzinfo=UTC)
    stamp = relationship_claim_stamp(
        {
            "id": "a",
            "organization": "Org A",
            "recorded_at": at,
            "updated_at": at,
            "type": "USES",
            "source": "x",
            "target": "y",
        }
    )
    assert type(stamp["updated_at"]) is datetime and "first_seen" not in stamp
    merge = merge_stamp(
        {"id": "m", "source": "x", "organization": "Org A", "at": at, "moved_claims": 1, "moved_relationships": 0}
    )
    assert merge["at"] == datetime(2026, 1, 2, tzinfo=UTC) and type(merge["at"]) is datetime


def test_claims_deleted_under_a_read_are_left_out_and_the_others_kept_in_order() -> None:
    # What Neo4j returns for a claim node a committed write deleted after the query matched it: `{.*}` gives an
    # empty map, a projection of named keys gives them all null.
    first = {"name": "Ember", "aliases": None, "tlp": "GREEN"}
    second = {"name": "Ember Crew", "aliases": ["EC"], "tlp": "AMBER"}
    deleted_everything: dict[str, object] = {}
    deleted_named = {"name": None, "aliases": None, "tlp": None}

    assert present([first, deleted_everything, second, deleted_named]) == [first, second]
    assert present([deleted_everything, deleted_named]) == []
