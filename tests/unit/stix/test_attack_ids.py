"""ATT&CK ids of STIX objects: one identifies the object, several make it conflated (issue 13)."""

from __future__ import annotations

from typing import Any

from atlas_graph.models.vocabulary import Tlp
from atlas_graph.stix.reading import map_stix_bundle

STAMP = "2026-01-05T10:00:00.000Z"


def _intrusion_set(*attack_ids: str) -> dict[str, Any]:
    return {
        "type": "intrusion-set",
        "spec_version": "2.1",
        "id": "intrusion-set--3753cc21-2dae-4dfb-8481-d004e74502cc",
        "created": STAMP,
        "modified": STAMP,
        "name": "FIN7",
        "external_references": [{"source_name": "mitre-attack", "external_id": value} for value in attack_ids],
    }


def _entity(obj: dict[str, Any]) -> Any:
    bundle = {"type": "bundle", "objects": [obj]}
    (entity,) = map_stix_bundle(bundle, default_tlp=Tlp.GREEN, default_confidence=50).entities
    return entity


def test_one_attack_id_identifies_the_object_and_several_are_conflated() -> None:
    one = _entity(_intrusion_set("G0046", "g0046"))
    assert one.external_ids == {"mitre-attack": "G0046"} and one.conflated_ids == {}
    several = _entity(_intrusion_set("G0046", "G0008"))
    assert several.external_ids == {} and several.conflated_ids == {"mitre-attack": ["G0008", "G0046"]}
