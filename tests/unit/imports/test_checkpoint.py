"""Checkpoints: the typed model reads the JSON that the untyped checkpoints of earlier versions wrote, and writes it."""

from __future__ import annotations

import json
from pathlib import Path

from atlas_graph.imports.batches import ResumePoint
from atlas_graph.imports.checkpoint import Checkpoint

# A CSV import interrupted in its relationships phase, as the dict-based checkpoint of earlier versions saved it.
EARLIER = {
    "counts": {
        "entities": {"created": 7, "merged": 0, "updated": 0},
        "issues": {"invalid": 0, "rejected": 0, "skipped": 0, "unmapped": 0, "warning": 0},
        "relationships": {"created": 3, "merged": 0, "updated": 0},
    },
    "finished_at": None,
    "format": "csv",
    "input": "/data/edges.csv",
    "options": {"confidence": 50, "csv_mapping": {"columns": {}, "constants": {}}, "tlp": "GREEN"},
    "organization": "Org A",
    "phases": {
        "entities": {"batches": 1, "done": True, "items": 7, "resume": {}},
        "relationships": {"batches": 1, "done": False, "items": 3, "resume": {"line": 5, "offset": 412}},
    },
    "report": "/state/abc.report.jsonl",
    "report_bytes": 0,
    "sha256": "ab" * 32,
    "started_at": "2026-12-01T10:00:00+00:00",
    "updated_at": "2026-12-01T10:00:05+00:00",
    "version": 1,
}


def test_a_checkpoint_of_the_earlier_format_resumes_and_is_saved_in_it(tmp_path: Path) -> None:
    path = tmp_path / "abc.json"
    path.write_text(json.dumps(EARLIER, indent=1, sort_keys=True))
    checkpoint = Checkpoint.load(path)
    assert checkpoint.phases["entities"].done and checkpoint.phases["entities"].resume is None
    assert checkpoint.phases["relationships"].resume == ResumePoint(offset=412, line=5)
    assert checkpoint.counts.entities["created"] == 7
    checkpoint.save(path)
    saved = json.loads(path.read_text())
    assert saved.pop("updated_at") != EARLIER["updated_at"]
    assert saved == {key: value for key, value in EARLIER.items() if key != "updated_at"}
