"""STIX bundle files read in batches map as the whole bundle does."""

from __future__ import annotations

import json

import pytest

from atlas_graph.imports.batches import PHASES
from atlas_graph.imports.formats.stix import index_stix
from atlas_graph.models.bundles import EntityIn, RelationshipIn
from atlas_graph.models.vocabulary import Tlp
from atlas_graph.stix import reading as stix_reading
from tests.unit.imports.reading import ATTACK, read


def _signature(entity: EntityIn | RelationshipIn) -> str:
    return entity.model_dump_json()


@pytest.mark.parametrize("batch_size", [1, 7, 1000])
def test_stix_in_batches_maps_like_the_whole_bundle(batch_size: int) -> None:
    whole = stix_reading.map_stix_bundle(json.loads(ATTACK.read_text()), default_tlp=Tlp.GREEN, default_confidence=50)
    index = index_stix(ATTACK)
    batches = [
        batch
        for phase in PHASES
        for batch in read(ATTACK, phase, batch_size=batch_size, organization="Org A", index=index)
    ]
    assert sorted(_signature(e) for b in batches for e in b.entities) == sorted(map(_signature, whole.entities))
    assert sorted(_signature(r) for b in batches for r in b.relationships) == sorted(
        map(_signature, whole.relationships)
    )
    issues = sorted((issue.where, issue.status, issue.reason) for b in batches for issue in b.issues)
    expected = sorted(
        (f"objects[{issue.index}]", status, issue.reason)
        for status, listed in (("invalid", whole.invalid), ("unmapped", whole.unmapped), ("skipped", whole.skipped))
        for issue in listed
    )
    assert issues == expected
    assert sum(b.items for b in batches) == index.objects
