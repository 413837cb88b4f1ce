"""The file formats an import reads, one module each, all behind one protocol: `FormatReader`.

A format is added by writing a class that has the protocol's constructor, `stages` and `batches`, and by listing it
in `READERS` (and, if a file can be told to be of it, in `imports.detection`). The runner knows no format.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar, Protocol

from atlas_graph.imports.batches import Batch, Phase, ResumePoint
from atlas_graph.imports.formats.bundle import BundleReader
from atlas_graph.imports.formats.csv_edges import CsvReader
from atlas_graph.imports.formats.misp_event import MispEventReader
from atlas_graph.imports.formats.misp_galaxy import MispGalaxyReader
from atlas_graph.imports.formats.stix import StixReader
from atlas_graph.imports.options import ImportOptions
from atlas_graph.imports.progress import ProgressMeter
from atlas_graph.models.export import ImportFormat
from atlas_graph.stix.reading import StoredKinds


class FormatReader(Protocol):
    """One file of one format, read phase by phase in batches of mapped items: what every format implements.

    A reader is made for one file and lives for the whole import, so it may keep what it learned of the file in one
    phase for the next (the STIX reader's index of the objects that relationships refer to).
    """

    stages: ClassVar[tuple[str, ...]]
    """The progress stages of reading the file, in order (after the checksum that every import starts with)."""

    def __init__(
        self, path: Path, *, options: ImportOptions, organization: str, stored_kinds: StoredKinds | None = None
    ) -> None:
        """`stored_kinds` finds entities already stored (and visible to the importer) by the ids a file refers to,
        for formats whose files may refer to them (a STIX delta: a relationship between objects sent before)."""
        ...

    def batches(
        self, phase: Phase, *, batch_size: int, skip: int, resume: ResumePoint | None, meter: ProgressMeter
    ) -> Iterator[Batch]:
        """The phase's items in batches of at most `batch_size`, after the first `skip` source items, or from
        `resume` where the format can seek there (a batch's own `resume` says where the next one starts)."""
        ...


READERS: dict[ImportFormat, type[FormatReader]] = {
    "bundle": BundleReader,
    "stix": StixReader,
    "csv": CsvReader,
    "misp-galaxy": MispGalaxyReader,
    "misp-event": MispEventReader,
}
