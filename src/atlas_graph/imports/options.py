"""What decides the content of an import besides the file: defaults for what it does not say, and how to read CSV."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from atlas_graph.errors import InvalidInput, Problem
from atlas_graph.models.assertions import DEFAULT_CONFIDENCE, DEFAULT_TLP
from atlas_graph.models.export import CSV_FIELDS
from atlas_graph.models.vocabulary import Tlp


@dataclass(frozen=True)
class CsvMapping:
    """Which column holds each field (by default the column of the field's name), and fields given as constants.

    Written `FIELD=COLUMN` (read FIELD from COLUMN) or `FIELD==VALUE` (FIELD is VALUE on every row), separated by
    commas: `source=from,target=to,type==USES,source_kind==actor,target_kind==service_provider`.
    """

    columns: tuple[tuple[str, str], ...] = ()
    constants: tuple[tuple[str, str], ...] = ()

    @classmethod
    def parse(cls, text: str | None) -> CsvMapping:
        columns: dict[str, str] = {}
        constants: dict[str, str] = {}
        for part in (text or "").split(","):
            if not part.strip():
                continue
            name, separator, value = part.partition("=")
            name = name.strip()
            if not separator or name not in CSV_FIELDS:
                raise InvalidInput(
                    [
                        Problem(
                            ("csv-mapping",),
                            f"{part.strip()!r}: expected FIELD=COLUMN or FIELD==VALUE, FIELD one of "
                            + ", ".join(CSV_FIELDS),
                        )
                    ]
                )
            if value.startswith("="):
                constants[name] = value[1:].strip()
            else:
                columns[name] = value.strip()
        return cls(columns=tuple(sorted(columns.items())), constants=tuple(sorted(constants.items())))

    def describe(self) -> dict[str, dict[str, str]]:
        return {"columns": dict(self.columns), "constants": dict(self.constants)}


@dataclass(frozen=True)
class ImportOptions:
    """Defaults for what a file does not say, and how to read CSV."""

    default_tlp: Tlp = DEFAULT_TLP
    default_confidence: int = DEFAULT_CONFIDENCE
    csv_mapping: CsvMapping = field(default_factory=CsvMapping)

    def describe(self) -> dict[str, Any]:
        """What decides the content of an import (with the file and organization, the checkpoint's identity)."""
        return {
            "tlp": self.default_tlp.value,
            "confidence": self.default_confidence,
            "csv_mapping": self.csv_mapping.describe(),
        }
