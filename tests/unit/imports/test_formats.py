"""Telling formats apart, batching, and naming checkpoints."""

from __future__ import annotations

from pathlib import Path

import pytest

from atlas_graph.errors import InvalidInput
from atlas_graph.imports.batches import Batch, batched
from atlas_graph.imports.checkpoint import checkpoint_key
from atlas_graph.imports.detection import detect_format
from atlas_graph.imports.options import ImportOptions
from atlas_graph.models.bundles import EntityIn
from atlas_graph.models.vocabulary import EntityKind, Tlp
from tests.unit.imports.reading import ATTACK, IMPORT_FIXTURES, OPTIONS


def test_formats_are_told_apart(tmp_path: Path) -> None:
    assert detect_format(IMPORT_FIXTURES / "edges.csv") == "csv"
    assert detect_format(IMPORT_FIXTURES / "bundle.json") == "bundle"
    assert detect_format(IMPORT_FIXTURES / "threat-actor-galaxy.json") == "misp-galaxy"
    assert detect_format(ATTACK) == "stix"
    unknown = tmp_path / "x.json"
    unknown.write_text('{"something": 1}')
    with pytest.raises(InvalidInput, match="--format"):
        detect_format(unknown)


def test_batches_hold_at_most_batch_size_items() -> None:
    singles = [Batch(items=1) for _ in range(5)]
    for single, n in zip(singles, range(5), strict=True):
        single.add_entity(EntityIn(kind=EntityKind.ACTOR, name=f"A{n}"), f"entities[{n}]")
    batches = list(batched(singles, 2))
    assert [batch.size for batch in batches] == [2, 2, 1]
    assert [batch.entity_sources for batch in batches][2] == ["entities[4]"]


def test_checkpoints_are_named_by_content_organization_and_options() -> None:
    key = checkpoint_key(digest="abc", file_format="csv", organization="Org A", options=OPTIONS)
    assert key == checkpoint_key(digest="abc", file_format="csv", organization="Org A", options=OPTIONS)
    assert key != checkpoint_key(digest="abc", file_format="csv", organization="Org B", options=OPTIONS)
    other = ImportOptions(default_tlp=Tlp.RED)
    assert key != checkpoint_key(digest="abc", file_format="csv", organization="Org A", options=other)
