"""Checkpoints: what one file's import has done, saved after every committed batch, so that a re-run resumes.

A checkpoint is named by the file's content hash, its format, the organization and the options (`checkpoint_key`),
and saved as JSON beside the report of the items that were not imported. The JSON is the one earlier versions wrote
(a CSV phase not yet resumable has `"resume": {}`), so that an import interrupted before an upgrade resumes after it.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, field_serializer, field_validator

from atlas_graph.imports.batches import ISSUE_STATUSES, PHASES, Phase, ResumePoint
from atlas_graph.imports.options import ImportOptions
from atlas_graph.imports.progress import ProgressMeter
from atlas_graph.models.bundles import RelationshipIn
from atlas_graph.models.export import ImportFormat
from atlas_graph.models.vocabulary import EntityKind
from atlas_graph.services import ingestion
from atlas_graph.stix.reading import Revoked

CHECKPOINT_VERSION = 1


def file_digest(path: Path, *, meter: ProgressMeter | None = None, chunk_size: int = 1 << 20) -> str:
    """SHA-256 of the file's content: with the format, organization and options, it names the checkpoint."""
    digest = hashlib.sha256()
    if meter is not None:
        meter.start("checksum", total=path.stat().st_size, unit="bytes")
    done = 0
    with path.open("rb") as handle:
        while chunk := handle.read(chunk_size):
            digest.update(chunk)
            done += len(chunk)
            if meter is not None:
                meter.advance(done)
    if meter is not None:
        meter.finish()
    return digest.hexdigest()


def checkpoint_key(*, digest: str, file_format: ImportFormat, organization: str, options: ImportOptions) -> str:
    identity = {"sha256": digest, "format": file_format, "organization": organization, "options": options.describe()}
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:32]


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class PhaseCheckpoint(BaseModel):
    """How far one phase (entities or relationships) of a file's import is."""

    items: int = 0
    """Source items done (imported or not): the next run skips these."""
    batches: int = 0
    done: bool = False
    resume: ResumePoint | None = None
    """Where the next batch starts reading, for formats that can seek there instead of skipping (CSV)."""

    @field_validator("resume", mode="before")
    @classmethod
    def _no_resume_point(cls, value: Any) -> Any:
        return value or None  # written as {} when there is none

    @field_serializer("resume")
    def _resume_as_written(self, resume: ResumePoint | None) -> dict[str, int]:
        return {"offset": resume.offset, "line": resume.line} if resume else {}


def _statuses(names: tuple[str, ...]) -> dict[str, int]:
    return dict.fromkeys(names, 0)


class ImportCounts(BaseModel):
    """What the batches done wrote (by ingestion status), and the issues they reported (by issue status)."""

    entities: dict[str, int] = Field(default_factory=lambda: _statuses(ingestion.STATUSES))
    relationships: dict[str, int] = Field(default_factory=lambda: _statuses(ingestion.STATUSES))
    issues: dict[str, int] = Field(default_factory=lambda: _statuses(ISSUE_STATUSES))


class PendingRetraction(BaseModel):
    """A revoked object read from the file (STIX), kept until the whole file is stored and it is retracted."""

    where: str
    id: str
    type: str
    kind: EntityKind | None = None
    relationship: RelationshipIn | None = None

    @classmethod
    def of(cls, where: str, revoked: Revoked) -> PendingRetraction:
        return cls(
            where=where,
            id=revoked.id,
            type=revoked.type,
            kind=revoked.kind,
            relationship=revoked.relationship,
        )

    def revoked(self, index: int) -> Revoked:
        """As the retraction takes it: `index` tells the objects apart (the file's batches each counted their own)."""
        return Revoked(index=index, id=self.id, type=self.type, kind=self.kind, relationship=self.relationship)


class Checkpoint(BaseModel):
    """One file's import: which file, as whom and how, and how far each phase is."""

    version: int = CHECKPOINT_VERSION
    input: str
    sha256: str
    format: ImportFormat
    organization: str
    options: dict[str, Any]
    phases: dict[Phase, PhaseCheckpoint] = Field(default_factory=lambda: {phase: PhaseCheckpoint() for phase in PHASES})
    counts: ImportCounts = Field(default_factory=ImportCounts)
    report: str
    report_bytes: int = 0
    """The report's length after the last batch recorded: what a batch that ran but was not recorded wrote after
    it is cut off before that batch runs again."""
    revoked: list[PendingRetraction] = Field(default_factory=list)
    """Revoked objects of the batches recorded: retracted once, after every phase, as POST /v1/stix retracts after
    its whole bundle (a resumed import still has those of the batches it skips)."""
    retracted: bool = False
    """Whether `revoked` was retracted (and reported): a re-run does not retract or report them again."""
    started_at: str = Field(default_factory=now)
    updated_at: str = Field(default_factory=now)
    finished_at: str | None = None

    @classmethod
    def load(cls, path: Path) -> Checkpoint:
        return cls.model_validate_json(path.read_text(encoding="utf-8"))

    def save(self, path: Path) -> None:
        self.updated_at = now()
        partial = path.with_suffix(".json.partial")
        # Without revocations the JSON is the one earlier versions wrote, so that they can still read it.
        written = self.model_dump(mode="json", exclude={"revoked", "retracted"} if not self.revoked else None)
        partial.write_text(json.dumps(written, indent=1, sort_keys=True), encoding="utf-8")
        partial.replace(path)  # atomic: a checkpoint is always whole
