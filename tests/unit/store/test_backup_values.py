"""The backup's value codec: every property type Neo4j stores survives JSON unchanged (no database needed; the
round trip through Neo4j itself is in tests/integration/test_backup.py)."""

from __future__ import annotations

import json
import math
from typing import Any

import neo4j.spatial
import neo4j.time
import pytest
import pytz

from atlas_graph.store.backup import decode_value, encode_value

PARIS = pytz.timezone("Europe/Paris")


def through_json(value: Any) -> Any:
    return decode_value(json.loads(json.dumps(encode_value(value), allow_nan=False)))


@pytest.mark.parametrize(
    "value",
    [
        "text \u2028 \x00",
        -(2**63),
        0.1,
        -0.0,
        1e308,
        True,
        [1, 2, 3],
        ["a", "b"],
        [0.5, -1.25],
        b"\x00\xff bytes",
        neo4j.time.Date(2024, 2, 29),
        neo4j.time.DateTime(2020, 2, 3, 4, 5, 6, 7),
        neo4j.time.DateTime(9999, 12, 31, 23, 59, 59, 999999999, tzinfo=pytz.FixedOffset(330)),
        neo4j.time.Time(10, 11, 12, 500000000, tzinfo=pytz.FixedOffset(-180)),
        neo4j.time.Time(23, 59, 59, 999999999),
        neo4j.time.Duration(months=14, days=3, seconds=4, nanoseconds=5),
        neo4j.spatial.WGS84Point((2.35, 48.85)),
        neo4j.spatial.CartesianPoint((1.5, -2.0, 3.0)),
    ],
)
def test_values_come_back_equal_and_of_the_same_type(value: Any) -> None:
    back = through_json(value)
    assert back == value and type(back) is type(value)
    if isinstance(value, float):
        assert math.copysign(1, back) == math.copysign(1, value)


def test_named_zones_keep_their_name_and_the_side_of_an_ambiguous_hour() -> None:
    # 02:30 on 2021-10-31 happened twice in Paris: once at +02:00, once at +01:00.
    for is_dst in (True, False):
        moment = PARIS.localize(neo4j.time.DateTime(2021, 10, 31, 2, 30, 0, 123456789), is_dst=is_dst)
        back = through_json(moment)
        assert back.tzinfo.zone == "Europe/Paris" and back.utcoffset() == moment.utcoffset()
        assert back.nanosecond == 123456789


def test_non_finite_floats_are_tagged_because_json_has_none() -> None:
    assert encode_value(math.inf) == {"$": "float", "v": "inf"}
    assert math.isnan(through_json(math.nan)) and through_json(-math.inf) == -math.inf


def test_unknown_tags_and_types_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown tagged value"):
        decode_value({"$": "matrix"})
    with pytest.raises(TypeError, match="cannot hold"):
        encode_value(object())
