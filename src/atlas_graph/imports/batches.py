"""Batches: a slice of a file's items, mapped, with what could not be imported; and merging them to a size."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ValidationError

from atlas_graph.models.bundles import EntityIn, RelationshipIn
from atlas_graph.models.vocabulary import EntityKind
from atlas_graph.stix.reading import LocatedAt, Revoked

Phase = Literal["entities", "relationships"]
PHASES: tuple[Phase, ...] = ("entities", "relationships")
IssueStatus = Literal["invalid", "unmapped", "skipped", "rejected", "unloaded", "warning", "retracted"]
ISSUE_STATUSES: tuple[IssueStatus, ...] = (
    "invalid",
    "unmapped",
    "skipped",
    "rejected",
    "unloaded",
    "warning",
    "retracted",
)
"""`unloaded`: a relation to an item of a collection not imported (a MISP cluster of a galaxy left out): nothing is
wrong with the item, the import just did not include what it points at."""


@dataclass(frozen=True)
class ImportIssue:
    """An item that was not imported (or imported with a warning): where it is in the file, and why."""

    where: str
    status: IssueStatus
    reason: str
    id: str | None = None


@dataclass(frozen=True)
class SameAs:
    """A source's statement that two entities may be one (MISP's `similar`): a candidate for review, never a merge."""

    source: str
    """The id of the entity whose claim says so (its claim supports the candidate's reason)."""
    target: str
    kind: EntityKind
    reason: str
    where: str


@dataclass(frozen=True)
class ResumePoint:
    """Where a format that can seek (CSV) continues reading: a byte offset, and the line number that starts there."""

    offset: int
    line: int


@dataclass
class Batch:
    """A slice of a file's items, mapped: what to ingest in one transaction, and what could not be imported."""

    entities: list[EntityIn] = field(default_factory=list)
    entity_sources: list[str] = field(default_factory=list)
    relationships: list[RelationshipIn] = field(default_factory=list)
    relationship_sources: list[str] = field(default_factory=list)
    issues: list[ImportIssue] = field(default_factory=list)
    same_as: list[SameAs] = field(default_factory=list)
    """Pairs to record as same-as candidates once the batch is stored."""
    revoked: list[tuple[str, Revoked]] = field(default_factory=list)
    """Objects their producer revoked (STIX), with where each is: the importing organization's claims on them are
    retracted once the batch is stored."""
    located: list[tuple[str, LocatedAt]] = field(default_factory=list)
    """STIX `located-at` relationships from entities stored earlier, with where each is: their countries join the
    importing organization's claims once the batch is stored."""
    items: int = 0
    """Source items covered (imported or not): the checkpoint counts these."""
    resume: ResumePoint | None = None
    """Where to continue reading after this batch, for formats that can seek (CSV)."""

    @property
    def size(self) -> int:
        return len(self.entities) + len(self.relationships)

    def add_entity(self, entity: EntityIn, source: str) -> None:
        self.entities.append(entity)
        self.entity_sources.append(source)

    def add_relationship(self, relationship: RelationshipIn, source: str) -> None:
        self.relationships.append(relationship)
        self.relationship_sources.append(source)


def batched(items: Iterable[Batch], batch_size: int) -> Iterator[Batch]:
    """Merge one-item batches into batches of at most `batch_size` bundle items (or source items)."""
    current = Batch()
    for item in items:
        if (current.items or current.issues) and (current.size + item.size > batch_size or current.items >= batch_size):
            yield current
            current = Batch()
        current.entities += item.entities
        current.entity_sources += item.entity_sources
        current.relationships += item.relationships
        current.relationship_sources += item.relationship_sources
        current.issues += item.issues
        current.same_as += item.same_as
        current.revoked += item.revoked
        current.located += item.located
        current.items += item.items
        current.resume = item.resume
    if current.items or current.issues:
        yield current


def why(error: Exception) -> str:
    """An error as one line of a report: a validation error's locations and messages, or the error's text."""
    if isinstance(error, ValidationError):
        return "; ".join(
            f"{'.'.join(str(part) for part in issue['loc'])}: {issue['msg']}" if issue["loc"] else issue["msg"]
            for issue in error.errors()
        )[:1000]
    return " ".join(str(error).split())[:1000]


def item_id(item: Any) -> str | None:
    """The id (or name, or value) an item gives itself, to name it in a report."""
    if isinstance(item, Mapping):
        for name in ("id", "name", "value"):
            if isinstance(item.get(name), str):
                return str(item[name])
    return None
