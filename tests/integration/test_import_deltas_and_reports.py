"""`atlas-graph import` of STIX deltas and revocations (as POST /v1/stix does them), and reports that add up."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from atlas_graph.imports import runner
from atlas_graph.imports.batches import Batch, Phase, ResumePoint
from atlas_graph.imports.formats import READERS
from atlas_graph.imports.formats.csv_edges import CsvReader
from atlas_graph.imports.options import ImportOptions
from atlas_graph.imports.progress import ImportProgress, ProgressMeter
from atlas_graph.store.graph import GraphStore
from tests.conftest import KeyFactory
from tests.integration.conftest import Run
from tests.integration.test_bundles import counts
from tests.integration.test_import_cli import IMPORTS
from tests.integration.test_stix_deltas import FIN7, NOWHERE, SLIVER, _bundle, _claim_id, _claims, _fin7, _tool, _uses


def stix_file(folder: Path, name: str, *objects: dict[str, Any]) -> Path:
    path = folder / name
    path.write_text(json.dumps(_bundle(*objects)), encoding="utf-8")
    return path


def reported(tmp_path: Path, name: str) -> list[dict[str, Any]]:
    """The report lines of the file called `name`."""
    records = []
    for path in (tmp_path / "imports").glob("*.report.jsonl"):
        records += [json.loads(line) for line in path.read_text().splitlines()]
    return [record for record in records if Path(record["input"]).name == name]


def test_a_relationship_only_file_links_entities_stored_earlier(
    run_import: Run, client: TestClient, auth_headers: KeyFactory, graph: GraphStore, tmp_path: Path
) -> None:
    headers = auth_headers("Org A")
    assert run_import(stix_file(tmp_path, "fin7.json", _fin7()), stix_file(tmp_path, "sliver.json", _tool())) == 0
    assert counts(graph) == (2, 0, 2)

    assert run_import(stix_file(tmp_path, "delta.json", _uses())) == 0
    assert counts(graph) == (2, 1, 3)
    assert client.get(f"/v1/entities/{FIN7}", headers=headers).json()["relationship_counts"] == {"USES": 1}


def test_a_delta_file_to_a_hidden_entity_reports_it_as_one_to_nothing(
    run_import: Run, client: TestClient, auth_headers: KeyFactory, graph: GraphStore, tmp_path: Path
) -> None:
    org_b = auth_headers("Org B")
    answer = client.post("/v1/stix", params={"tlp": "RED"}, json=_bundle(_tool()), headers=org_b)
    assert answer.status_code == 200
    assert run_import(stix_file(tmp_path, "fin7.json", _fin7())) == 0
    before = counts(graph)
    assert run_import(stix_file(tmp_path, "hidden.json", _uses(SLIVER))) == 0
    assert run_import(stix_file(tmp_path, "missing.json", _uses(NOWHERE))) == 0
    assert counts(graph) == before
    (hidden,), (missing,) = reported(tmp_path, "hidden.json"), reported(tmp_path, "missing.json")
    assert hidden["status"] == missing["status"] == "unmapped"
    assert hidden["reason"].replace(SLIVER, NOWHERE) == missing["reason"]


def test_a_revoked_object_in_a_file_retracts_the_importers_own_claim_and_says_so(
    run_import: Run,
    client: TestClient,
    auth_headers: KeyFactory,
    graph: GraphStore,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    org_b = auth_headers("Org B")
    assert run_import(stix_file(tmp_path, "all.json", _fin7(), _tool(), _uses())) == 0
    assert client.post("/v1/stix", json=_bundle(_fin7(), _tool(), _uses()), headers=org_b).status_code == 200
    rel_key = f"USES|{FIN7}|{SLIVER}"
    own_relationship = _claim_id(graph, "Org A", rel_key)
    capsys.readouterr()

    revoked = stix_file(tmp_path, "revoked.json", _uses(revoked=True))
    assert run_import(revoked) == 0
    out = capsys.readouterr().out
    assert "retracted:      1 revoked object(s)" in out and "not imported:   nothing" in out
    (record,) = reported(tmp_path, "revoked.json")
    assert (record["where"], record["status"], record["id"]) == ("objects[0]", "retracted", _uses()["id"])
    assert own_relationship in record["reason"]
    # Org A's claim on the relationship is gone; Org B's, and every entity claim, stay.
    assert ("Org A", rel_key) not in _claims(graph) and ("Org B", rel_key) in _claims(graph)
    assert len(_claims(graph)) == 5


def test_a_files_revoked_objects_are_retracted_once_after_the_whole_file_as_post_stix_does(
    run_import: Run,
    client: TestClient,
    auth_headers: KeyFactory,
    graph: GraphStore,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Regression: each batch retracted its own revoked objects, before the later batches were stored. A file that
    revokes FIN7 before an older version of it left FIN7 claimed (batch 1 had nothing to retract yet), where
    POST /v1/stix, which retracts after its whole bundle, leaves it retracted."""
    org_b = auth_headers("Org B")
    later = "2026-02-01T00:00:00.000Z"
    objects = (_fin7(revoked=True, modified=later), _tool(), _fin7())
    assert client.post("/v1/stix", json=_bundle(*objects), headers=org_b).status_code == 200
    path = stix_file(tmp_path, "revokes.json", *objects)
    capsys.readouterr()
    assert run_import(path, "--batch-size", "1") == 0
    out = capsys.readouterr().out
    # Both ways end alike: each organization's Sliver stays, its FIN7 is retracted.
    assert {claim for claim in _claims(graph) if claim[0] == "Org A"} == {("Org A", SLIVER)}
    assert {claim for claim in _claims(graph) if claim[0] == "Org B"} == {("Org B", SLIVER)}
    # Said once, where the revoked object is.
    assert "retracted:      1 revoked object(s)" in out
    (record,) = reported(tmp_path, "revokes.json")
    assert (record["where"], record["status"], record["id"]) == ("objects[0]", "retracted", FIN7)
    # Run again: the checkpoint says it is done; nothing is retracted or reported twice, nothing is created.
    before = _claims(graph)
    assert run_import(path, "--batch-size", "1") == 0
    assert "already imported" in capsys.readouterr().out
    assert _claims(graph) == before and len(reported(tmp_path, "revokes.json")) == 1


def test_an_interrupted_import_still_retracts_what_the_batches_before_it_read(
    graph: GraphStore, auth_headers: KeyFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The revoked objects of the batches done before an interruption are in the checkpoint: the resumed run, which
    skips those batches, retracts them once the file is whole."""
    auth_headers("Org A")
    caller = runner.importing_caller(graph, organization="Org A")
    first = stix_file(tmp_path, "first.json", _fin7(), _tool())
    options = ImportOptions()

    def run(path: Path) -> runner.ImportSummary:
        (summary,) = runner.import_files(
            graph,
            caller=caller,
            paths=[path],
            file_format="auto",
            options=options,
            batch_size=1,
            max_items=10_000,
            state_dir=tmp_path / "state",
        )
        return summary

    run(first)
    assert ("Org A", FIN7) in _claims(graph)
    path = stix_file(tmp_path, "revokes.json", _fin7(revoked=True, modified="2026-02-01T00:00:00.000Z"), _tool())
    real = runner.ingest_batch
    calls = 0

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(runner, "ingest_batch", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run(path)
    assert ("Org A", FIN7) in _claims(graph)  # nothing retracted before the file is whole
    monkeypatch.setattr(runner, "ingest_batch", real)
    summary = run(path)
    assert summary.completed and summary.resumed_batches == 1 and summary.issues == {"retracted": 1}
    assert ("Org A", FIN7) not in _claims(graph) and ("Org A", SLIVER) in _claims(graph)


def test_rejected_items_are_not_counted_as_written(graph: GraphStore, auth_headers: KeyFactory, tmp_path: Path) -> None:
    auth_headers("Org A")
    events: list[ImportProgress] = []
    # bundle.json: 4 entities stored and 1 invalid; 2 relationships stored, 1 invalid, 1 the store refuses.
    (summary,) = runner.import_files(
        graph,
        caller=runner.importing_caller(graph, organization="Org A"),
        paths=[IMPORTS / "bundle.json"],
        file_format="auto",
        options=ImportOptions(),
        batch_size=10,
        max_items=10_000,
        state_dir=tmp_path,
        on_progress=events.append,
    )
    assert summary.relationships["created"] == 2 and summary.issues == {"invalid": 2, "rejected": 1}
    written = {event.stage: event.imported for event in events if event.finished}
    assert written == {"checksum": 0, "entities": 4, "relationships": 2}


class SlowCsvReader(CsvReader):
    """A CSV reader that takes a second per batch: another file's import time must not include it."""

    def batches(
        self, phase: Phase, *, batch_size: int, skip: int, resume: ResumePoint | None, meter: ProgressMeter
    ) -> Iterator[Batch]:
        for batch in super().batches(phase, batch_size=batch_size, skip=skip, resume=resume, meter=meter):
            time.sleep(1.0)
            yield batch


def test_each_files_time_is_its_own(
    graph: GraphStore, auth_headers: KeyFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    auth_headers("Org A")
    monkeypatch.setitem(READERS, "csv", SlowCsvReader)
    started = time.monotonic()
    bundle, edges = runner.import_files(
        graph,
        caller=runner.importing_caller(graph, organization="Org A"),
        paths=[IMPORTS / "bundle.json", IMPORTS / "edges.csv"],
        file_format="auto",
        options=ImportOptions(),
        batch_size=1000,
        max_items=10_000,
        state_dir=tmp_path,
    )
    total = time.monotonic() - started
    # The CSV's two batches (entities, relationships) slept 2 s, all of it while bundle.json was waiting its turn.
    assert edges.seconds >= 2.0
    assert bundle.seconds < edges.seconds - 1.5
    assert bundle.seconds + edges.seconds <= total
