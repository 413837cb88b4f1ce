"""Telling a file's format from its extension or its first top-level JSON keys."""

from __future__ import annotations

from pathlib import Path

from atlas_graph.errors import InvalidInput, Problem
from atlas_graph.imports.formats.misp_event import is_misp_event_file
from atlas_graph.imports.jsonstream import JsonStream
from atlas_graph.models.export import ImportFormat


def detect_format(path: Path) -> ImportFormat:
    """CSV by extension (.csv, .tsv); JSON by its first top-level keys: STIX `objects`, bundle `entities` or
    `relationships`, MISP galaxy `values`; MISP events by `Event` or `response`."""
    if path.suffix.lower() in (".csv", ".tsv"):
        return "csv"
    if is_misp_event_file(path):
        return "misp-event"
    with path.open("rb") as handle:
        try:
            for key, value in JsonStream(handle, name=str(path)).members(
                streamed=("objects", "entities", "relationships", "values")
            ):
                if key == "objects" or (key == "type" and value == "bundle"):
                    return "stix"
                if key in ("entities", "relationships"):
                    return "bundle"
                if key == "values":
                    return "misp-galaxy"
        except InvalidInput:
            pass
    raise InvalidInput(
        [Problem((str(path),), "cannot tell its format; pass --format (bundle, stix, csv, misp-galaxy or misp-event)")]
    )
