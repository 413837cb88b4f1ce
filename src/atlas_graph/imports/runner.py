"""Running an import: every file's entities, then every file's relationships, batch by batch, checkpointed."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TextIO

from atlas_graph.errors import InvalidInput, NotFound, PayloadTooLarge, Problem
from atlas_graph.imports.batches import PHASES, Batch, ImportIssue, Phase
from atlas_graph.imports.checkpoint import Checkpoint, PendingRetraction, checkpoint_key, file_digest, now
from atlas_graph.imports.detection import detect_format
from atlas_graph.imports.formats import READERS
from atlas_graph.imports.options import ImportOptions
from atlas_graph.imports.progress import ProgressCallback, ProgressMeter
from atlas_graph.models.bundles import BundleIn, BundleResultOut
from atlas_graph.models.export import ImportFormat
from atlas_graph.models.vocabulary import Role
from atlas_graph.services import ingestion, organizations
from atlas_graph.services.caller import Caller
from atlas_graph.stix import importer as stix_importer
from atlas_graph.stix.reading import StoredKinds
from atlas_graph.store.graph import GraphStore


@dataclass
class ImportSummary:
    """What an import of one file did, this run and any interrupted runs before it."""

    input: str
    format: ImportFormat
    checkpoint: Path
    report: Path
    entities: dict[str, int]
    relationships: dict[str, int]
    issues: dict[str, int]
    batches: int
    resumed_batches: int
    already_done: bool
    completed: bool
    seconds: float


def importing_caller(store: GraphStore, *, organization: str, request_id: str | None = None) -> Caller:
    """The caller an import acts as: the organization (which must exist), with the integration role."""
    if organization not in {existing.name for existing in organizations.list_organizations(store)}:
        raise NotFound(f"no organization {organization!r}; create it with `atlas-graph orgs create {organization!r}`")
    return Caller(organization=organization, role=Role.INTEGRATION, key_id="cli", request_id=request_id)


class _FileImport:
    """One file's import: its reader, its checkpoint, its report, and running its phases batch by batch."""

    def __init__(
        self,
        path: Path,
        file_format: ImportFormat,
        *,
        organization: str,
        options: ImportOptions,
        state_dir: Path,
        restart: bool,
        on_progress: ProgressCallback | None,
        stored_kinds: StoredKinds | None = None,
    ) -> None:
        self.path = path
        self.format = file_format
        self.reader = READERS[file_format](path, options=options, organization=organization, stored_kinds=stored_kinds)
        self.meter = ProgressMeter(path.name, ("checksum", *self.reader.stages), on_progress)
        # This file's own time: its phases run between other files' phases, so the wall clock since its start is not.
        started = time.monotonic()
        digest = file_digest(path, meter=self.meter)
        self.seconds = time.monotonic() - started
        key = checkpoint_key(digest=digest, file_format=file_format, organization=organization, options=options)
        state_dir.mkdir(parents=True, exist_ok=True)
        self.checkpoint_path = state_dir / f"{key}.json"
        self.report_path = state_dir / f"{key}.report.jsonl"
        if restart:
            self.checkpoint_path.unlink(missing_ok=True)
            self.report_path.unlink(missing_ok=True)
        if self.checkpoint_path.exists():
            self.state = Checkpoint.load(self.checkpoint_path)
        else:
            self.state = Checkpoint(
                input=str(path.resolve()),
                sha256=digest,
                format=file_format,
                organization=organization,
                options=options.describe(),
                report=str(self.report_path),
            )
        self.already_done = self.state.finished_at is not None
        self.resumed_batches = sum(progress.batches for progress in self.state.phases.values())
        # Issues of a batch whose checkpoint was never written are dropped: that batch runs again.
        with self.report_path.open("ab") as report:
            report.truncate(self.state.report_bytes)
        self._report: TextIO = self.report_path.open("a", encoding="utf-8")

    def run_phase(self, store: GraphStore, *, caller: Caller, phase: Phase, batch_size: int, max_items: int) -> None:
        progress = self.state.phases[phase]
        if progress.done:
            return
        started = time.monotonic()
        try:
            self._run_phase(store, caller=caller, phase=phase, batch_size=batch_size, max_items=max_items)
        finally:
            self.seconds += time.monotonic() - started

    def _run_phase(self, store: GraphStore, *, caller: Caller, phase: Phase, batch_size: int, max_items: int) -> None:
        progress = self.state.phases[phase]
        batches = self.reader.batches(
            phase, batch_size=batch_size, skip=progress.items, resume=progress.resume, meter=self.meter
        )
        for batch in batches:
            action = f"import.{self.format}"
            result, issues = ingest_batch(store, caller=caller, batch=batch, max_items=max_items, action=action)
            # After the batch: the pairs need what the batch stored.
            issues += record_same_as(store, caller=caller, batch=batch, action=action)
            issues += add_located_countries(store, caller=caller, batch=batch)
            self._record(phase, batch, result, [*batch.issues, *issues])
        progress.done = True
        self.state.save(self.checkpoint_path)
        self.meter.finish()

    def retract(self, store: GraphStore, *, caller: Caller) -> None:
        """Retract the importer's own claims on the file's revoked objects, once the whole file is stored (as POST
        /v1/stix does after its bundle), and say so once; a re-run of a recorded retraction does nothing."""
        if self.state.retracted or not all(progress.done for progress in self.state.phases.values()):
            return
        issues = retract_revoked(store, caller=caller, pending=self.state.revoked)
        self._report_issues("retraction", issues)
        self.state.retracted = True
        self.state.report_bytes = self.report_path.stat().st_size
        self.state.save(self.checkpoint_path)

    def _report_issues(self, phase: str, issues: list[ImportIssue]) -> None:
        counts = self.state.counts
        for issue in issues:
            counts.issues[issue.status] = counts.issues.get(issue.status, 0) + 1
            record = {"input": self.state.input, "phase": phase, "where": issue.where, "status": issue.status}
            record.update({"id": issue.id, "reason": issue.reason} if issue.id else {"reason": issue.reason})
            self._report.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._report.flush()

    def _record(self, phase: Phase, batch: Batch, result: BundleResultOut | None, issues: list[ImportIssue]) -> None:
        counts = self.state.counts
        if result is not None:
            for status in ingestion.STATUSES:
                counts.entities[status] += getattr(result.counts.entities, status)
                counts.relationships[status] += getattr(result.counts.relationships, status)
        self._report_issues(phase, issues)
        self.state.revoked += [PendingRetraction.of(where, revoked) for where, revoked in batch.revoked]
        progress = self.state.phases[phase]
        progress.items += batch.items
        progress.batches += 1
        if batch.resume is not None:
            progress.resume = batch.resume
        self.state.report_bytes = self.report_path.stat().st_size
        self.state.save(self.checkpoint_path)
        # Written means stored: items the store refused were taken out of the batch before it was sent again.
        written = len(result.entities) + len(result.relationships) if result is not None else 0
        self.meter.imported(written, covered=batch.items)

    def finish(self) -> None:
        if all(progress.done for progress in self.state.phases.values()) and self.state.finished_at is None:
            self.state.finished_at = now()
            self.state.save(self.checkpoint_path)

    def close(self) -> None:
        self._report.close()

    def summary(self) -> ImportSummary:
        counts = self.state.counts
        return ImportSummary(
            input=str(self.path),
            format=self.format,
            checkpoint=self.checkpoint_path,
            report=self.report_path,
            entities=dict(counts.entities),
            relationships=dict(counts.relationships),
            issues={status: n for status, n in counts.issues.items() if n},
            batches=sum(progress.batches for progress in self.state.phases.values()),
            resumed_batches=self.resumed_batches,
            already_done=self.already_done,
            completed=self.state.finished_at is not None,
            seconds=self.seconds,
        )


def import_files(
    store: GraphStore,
    *,
    caller: Caller,
    paths: Sequence[Path],
    file_format: ImportFormat | Literal["auto"],
    options: ImportOptions,
    batch_size: int,
    max_items: int,
    state_dir: Path,
    restart: bool = False,
    on_progress: ProgressCallback | None = None,
    on_file: Callable[[ImportSummary], None] | None = None,
) -> list[ImportSummary]:
    """Import files as the caller's claims: every file's entities first, then every file's relationships."""
    if not 1 <= batch_size <= max_items:
        raise InvalidInput([Problem(("batch-size",), f"must be between 1 and {max_items} (the bundle limit)")])
    formats = {path: detect_format(path) if file_format == "auto" else file_format for path in paths}
    imports: list[_FileImport] = []
    try:
        for path in paths:
            imports.append(
                _FileImport(
                    path,
                    formats[path],
                    organization=caller.organization,
                    options=options,
                    state_dir=state_dir,
                    restart=restart,
                    on_progress=on_progress,
                    stored_kinds=lambda ids: stix_importer.stored_kinds(store, caller, ids),
                )
            )
        for phase in PHASES:
            seen: set[Path] = set()
            for file_import in imports:
                if file_import.checkpoint_path in seen:
                    continue  # the same content named twice: imported once
                seen.add(file_import.checkpoint_path)
                file_import.run_phase(store, caller=caller, phase=phase, batch_size=batch_size, max_items=max_items)
        for file_import in imports:
            file_import.retract(store, caller=caller)
            file_import.finish()
            if on_file is not None:
                on_file(file_import.summary())
        return [file_import.summary() for file_import in imports]
    finally:
        for file_import in imports:
            file_import.close()


def ingest_batch(
    store: GraphStore, *, caller: Caller, batch: Batch, max_items: int, action: str
) -> tuple[BundleResultOut | None, list[ImportIssue]]:
    """Ingest a batch; items the store refuses (an unknown reference, a kind mismatch) are left out and reported,
    and the rest of the batch is tried again, so that one bad item does not cost its whole batch."""
    entities, entity_sources = list(batch.entities), list(batch.entity_sources)
    relationships, relationship_sources = list(batch.relationships), list(batch.relationship_sources)
    issues: list[ImportIssue] = []
    while entities or relationships:
        try:
            result = ingestion.ingest_bundle(
                store,
                caller=caller,
                bundle=BundleIn(entities=entities, relationships=relationships),
                max_items=max_items,
                action=action,
            )
        except InvalidInput as error:
            bad: dict[str, dict[int, str]] = {"entities": {}, "relationships": {}}
            for problem in error.problems:
                section, position = (problem.location + ("", ""))[:2]
                if section in bad and isinstance(position, int):
                    bad[str(section)].setdefault(position, problem.message)
            if not bad["entities"] and not bad["relationships"]:
                raise
            sources = {"entities": entity_sources, "relationships": relationship_sources}
            for section, positions in bad.items():
                issues += [ImportIssue(sources[section][p], "rejected", reason) for p, reason in positions.items()]
            keep_entities = [i for i in range(len(entities)) if i not in bad["entities"]]
            keep_relationships = [i for i in range(len(relationships)) if i not in bad["relationships"]]
            entities, entity_sources = [entities[i] for i in keep_entities], [entity_sources[i] for i in keep_entities]
            relationships = [relationships[i] for i in keep_relationships]
            relationship_sources = [relationship_sources[i] for i in keep_relationships]
            continue
        except PayloadTooLarge as error:
            return None, [
                *issues,
                *(ImportIssue(s, "rejected", str(error)) for s in entity_sources + relationship_sources),
            ]
        warnings = [_locate_warning(w, entity_sources, relationship_sources) for w in result.warnings]
        return result, [*issues, *warnings]
    return None, issues


def record_same_as(store: GraphStore, *, caller: Caller, batch: Batch, action: str) -> list[ImportIssue]:
    """Record the batch's same-as pairs (MISP `similar`) as candidates: a warning each, or why it was refused."""
    if not batch.same_as:
        return []
    outcomes = ingestion.record_same_as(
        store,
        caller=caller,
        claims=[
            ingestion.SameAsClaim(source=pair.source, target=pair.target, kind=pair.kind, reason=pair.reason)
            for pair in batch.same_as
        ],
        action=action,
    )
    return [
        ImportIssue(
            pair.where, "rejected" if outcome.status == "not found" else "warning", outcome.message, pair.target
        )
        for pair, outcome in zip(batch.same_as, outcomes, strict=True)
    ]


def retract_revoked(store: GraphStore, *, caller: Caller, pending: Sequence[PendingRetraction]) -> list[ImportIssue]:
    """Retract the importer's own claims on the objects the file's producer revoked, as POST /v1/stix does."""
    if not pending:
        return []
    where = {index: item.where for index, item in enumerate(pending)}
    retracted, not_claimed = stix_importer.retract_revoked(
        store, caller, [item.revoked(index) for index, item in enumerate(pending)]
    )
    return [
        *(
            ImportIssue(where[item.index], "retracted", f"assertion(s) deleted: {', '.join(item.assertions)}", item.id)
            for item in retracted
        ),
        *(ImportIssue(where[item.index], "skipped", item.reason, item.id) for item in not_claimed),
    ]


def add_located_countries(store: GraphStore, *, caller: Caller, batch: Batch) -> list[ImportIssue]:
    """Add the countries of STIX `located-at` deltas to the importer's own claims, as POST /v1/stix does."""
    if not batch.located:
        return []
    where = {delta.index: source for source, delta in batch.located}
    _, refused = stix_importer.locate_deltas(store, caller, [delta for _, delta in batch.located])
    return [ImportIssue(where[item.index], "unmapped", item.reason, item.id) for item in refused]


_WARNING_LOCATION = re.compile(r"^(entities|relationships)\[(\d+)\]: ")


def _locate_warning(warning: str, entity_sources: list[str], relationship_sources: list[str]) -> ImportIssue:
    match = _WARNING_LOCATION.match(warning)
    if match is None:
        return ImportIssue("batch", "warning", warning)
    sources = entity_sources if match.group(1) == "entities" else relationship_sources
    position = int(match.group(2))
    where = sources[position] if position < len(sources) else "batch"
    return ImportIssue(where, "warning", warning[match.end() :])
