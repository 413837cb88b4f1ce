"""What the import tests share: the fixtures, default options, and reading a file's phase with its format's reader."""

from __future__ import annotations

from pathlib import Path

from atlas_graph.imports.batches import Batch, Phase
from atlas_graph.imports.detection import detect_format
from atlas_graph.imports.formats import READERS, FormatReader
from atlas_graph.imports.formats.stix import StixIndex, StixReader
from atlas_graph.imports.options import ImportOptions
from atlas_graph.imports.progress import ProgressMeter

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
IMPORT_FIXTURES = FIXTURES / "import"
ATTACK = FIXTURES / "attack_subset_small.stix.json"
OPTIONS = ImportOptions()


def meter() -> ProgressMeter:
    return ProgressMeter("test", ["entities", "relationships"], None)


def read(
    path: Path,
    phase: Phase,
    *,
    batch_size: int = 1000,
    skip: int = 0,
    organization: str = "",
    index: StixIndex | None = None,
) -> list[Batch]:
    reader: FormatReader
    if index is not None:
        reader = StixReader(path, options=OPTIONS, organization=organization, index=index)
    else:
        reader = READERS[detect_format(path)](path, options=OPTIONS, organization=organization)
    return list(reader.batches(phase, batch_size=batch_size, skip=skip, resume=None, meter=meter()))
