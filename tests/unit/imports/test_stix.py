"""STIX bundle files read in batches map as the whole bundle does."""

from __future__ import annotations

import json
import time

import pytest

from atlas_graph.imports.batches import PHASES
from atlas_graph.imports.formats.stix import StixReader, index_stix
from atlas_graph.imports.progress import ImportProgress, ProgressMeter
from atlas_graph.models.bundles import EntityIn, RelationshipIn
from atlas_graph.models.vocabulary import Tlp
from atlas_graph.stix import reading as stix_reading
from tests.unit.imports.reading import ATTACK, OPTIONS, read


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


def test_progress_moves_batch_by_batch_through_a_stix_pass() -> None:
    # The fixture is smaller than the stream's 1 MB read-ahead: progress counted in bytes read stood at 100% from the
    # first batch to the last. It is the end of the last object handed on.
    index = index_stix(ATTACK)
    seen: list[int] = []

    def note(progress: ImportProgress) -> None:
        if progress.stage == "entities" and not progress.finished:
            seen.append(progress.done)

    progress_meter = ProgressMeter("attack", ["index", "entities", "relationships"], note)
    reader = StixReader(ATTACK, options=OPTIONS, organization="Org A", index=index)
    size = ATTACK.stat().st_size
    for _ in reader.batches("entities", batch_size=5, skip=0, resume=None, meter=progress_meter):
        time.sleep(0.11)  # past the meter's throttle, so that the next position is reported
    positions = [done for done in seen if 0 < done < size]
    assert len(set(positions)) >= 3 and positions == sorted(positions)
