"""MISP's sharing words as TLP levels (the table of docs/misp.md)."""

from __future__ import annotations

import pytest

from atlas_graph.misp.vocabulary import event_tlp
from atlas_graph.models.vocabulary import Tlp


@pytest.mark.parametrize(
    ("event", "tlp"),
    [
        ({"distribution": "0"}, Tlp.AMBER_STRICT),
        ({"distribution": 1}, Tlp.AMBER),
        ({"distribution": "2"}, Tlp.GREEN),
        ({"distribution": "3"}, Tlp.CLEAR),
        ({"distribution": "4"}, Tlp.AMBER_STRICT),
        ({"distribution": "3", "Tag": [{"name": "tlp:red"}]}, Tlp.RED),
        ({"Tag": [{"name": "TLP:WHITE"}]}, Tlp.CLEAR),
        ({"Tag": [{"name": "tlp:amber+strict"}, {"name": "tlp:green"}, {"name": "osint"}]}, Tlp.AMBER_STRICT),
        ({"Tag": [{"name": "osint"}]}, None),
        ({"distribution": "5"}, None),
        ({}, None),
    ],
)
def test_an_event_tlp_is_its_tag_else_its_distribution(event: dict[str, object], tlp: Tlp | None) -> None:
    assert event_tlp(event) == tlp
