"""What the formats that need nothing but their file share: the two phases, and a constructor that keeps the path."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from atlas_graph.imports.options import ImportOptions
from atlas_graph.stix.reading import StoredKinds


class TwoPhaseReader:
    """Entities, then relationships, read from the file: the importing organization makes no difference to what such
    a format maps (the bundle, CSV edges and MISP galaxy readers); `stored_kinds` answers which ends are stored, for
    a format whose relations may point outside the file (MISP galaxies)."""

    stages: ClassVar[tuple[str, ...]] = ("entities", "relationships")

    def __init__(
        self, path: Path, *, options: ImportOptions, organization: str, stored_kinds: StoredKinds | None = None
    ) -> None:
        self.path = path
        self.options = options
        self.stored_kinds = stored_kinds
