"""Bulk imports from files: JSON bundles, STIX 2.1 bundles, CSV edge lists and MISP galaxies, in resumable batches.

Each file is read as a stream and cut into batches; each batch goes through `services.ingestion.ingest_bundle` as
the importing organization's claims, in its own transaction. Every file's entities are imported before any file's
relationships, so that relationships can point at entities of earlier batches or other files. A checkpoint per
file (its content hash, format, organization and options) records how many items of each phase are done, after
each committed batch: re-running the same command resumes where it stopped. A batch committed just before an
interruption but not yet recorded is sent again, which creates nothing new: ingestion is idempotent (the same
organization repeating a claim updates its own assertion). Items that cannot be imported are written, with the
reason, to a JSON Lines report beside the checkpoint. The formats and mappings are described in
docs/import-export.md.

Reading, parsing and mapping need no database, and are tested without one.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
import re
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, BinaryIO, Literal, TextIO

from pydantic import ValidationError

from atlas_graph.errors import InvalidInput, NotFound, PayloadTooLarge, Problem
from atlas_graph.models.assertions import DEFAULT_CONFIDENCE, DEFAULT_TLP
from atlas_graph.models.bundles import BundleIn, BundleResultOut, EntityIn, EntityRef, RelationshipIn
from atlas_graph.models.export import CSV_FIELDS, CSV_LIST_SEPARATOR, IMPORT_FORMATS, ImportFormat
from atlas_graph.models.stix import StixObjectIssueOut
from atlas_graph.models.vocabulary import (
    ALLOWED_KIND_PAIRS,
    COMMUNITY_TLPS,
    EntityKind,
    RelationshipType,
    Role,
    ServiceKind,
    Tlp,
    VictimKind,
)
from atlas_graph.services import ingestion, organizations, stix_import
from atlas_graph.services.caller import Caller
from atlas_graph.services.export import TLP_ORDER, entity_from_stix, is_atlas_object, relationship_from_stix
from atlas_graph.services.resolution import normalize_name
from atlas_graph.store.graph import GraphStore

FORMATS = IMPORT_FORMATS
Phase = Literal["entities", "relationships"]
PHASES: tuple[Phase, ...] = ("entities", "relationships")
IssueStatus = Literal["invalid", "unmapped", "skipped", "rejected", "warning"]
ISSUE_STATUSES: tuple[IssueStatus, ...] = ("invalid", "unmapped", "skipped", "rejected", "warning")

CHECKPOINT_VERSION = 1


@dataclass(frozen=True)
class ImportIssue:
    """An item that was not imported (or imported with a warning): where it is in the file, and why."""

    where: str
    status: IssueStatus
    reason: str
    id: str | None = None


# --- Options, and the CSV column mapping -------------------------------------------------------------------------


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


# --- Progress ----------------------------------------------------------------------------------------------------

ProgressUnit = Literal["bytes", "items"]


@dataclass(frozen=True)
class ImportProgress:
    """Where an import stands, for a progress bar: one stage of one file, `done` of `total` bytes or items."""

    input: str
    stage: str
    stage_number: int
    stages: int
    done: int
    total: int
    unit: ProgressUnit
    imported: int
    started: float
    finished: bool = False


ProgressCallback = Callable[[ImportProgress], None]

_STAGES: dict[ImportFormat, tuple[str, ...]] = {
    "bundle": ("checksum", "entities", "relationships"),
    "stix": ("checksum", "index", "entities", "relationships"),
    "csv": ("checksum", "entities", "relationships"),
    "misp-galaxy": ("checksum", "entities", "relationships"),
}


class ProgressMeter:
    """Turns positions reported while reading into throttled ImportProgress events."""

    def __init__(self, name: str, stages: Sequence[str], callback: ProgressCallback | None) -> None:
        self._name = name
        self._stages = list(stages)
        self._callback = callback
        self._stage = ""
        self._done = 0
        self._total = 0
        self._unit: ProgressUnit = "bytes"
        self._imported = 0
        self._started = time.monotonic()
        self._last = 0.0

    def start(self, stage: str, *, total: int, unit: ProgressUnit) -> None:
        if stage != self._stage:
            self._imported = 0
            self._started = time.monotonic()
        self._stage, self._total, self._unit, self._done = stage, total, unit, 0
        self._emit(force=True)

    def advance(self, done: int) -> None:
        self._done = done
        self._emit()

    def imported(self, items: int, *, covered: int = 0) -> None:
        """`items` written; `covered` source items done, which is the progress of a stage counted in items."""
        self._imported += items
        if self._unit == "items":
            self._done += covered
        self._emit()

    def finish(self) -> None:
        self._done = self._total
        self._emit(force=True, finished=True)

    def _emit(self, *, force: bool = False, finished: bool = False) -> None:
        if self._callback is None:
            return
        now = time.monotonic()
        if not force and now - self._last < 0.1:
            return
        self._last = now
        self._callback(
            ImportProgress(
                input=self._name,
                stage=self._stage,
                stage_number=self._stages.index(self._stage) + 1 if self._stage in self._stages else 0,
                stages=len(self._stages),
                done=self._done,
                total=self._total,
                unit=self._unit,
                imported=self._imported,
                started=self._started,
                finished=finished,
            )
        )


# --- Streaming JSON ----------------------------------------------------------------------------------------------

_WHITESPACE = re.compile(r"[ \t\n\r]*")


class JsonStream:
    """Reads one JSON object from a binary file incrementally, never holding more than one array item at a time.

    `members(streamed=...)` yields the top-level members in file order; the value of a key in `streamed` that is an
    array comes as an iterator of `(item, start, end)` (the item and its byte span in the file) instead of a list.
    Items are decoded with the standard library's `json` decoder, one at a time.
    """

    def __init__(
        self,
        handle: BinaryIO,
        *,
        name: str,
        chunk_size: int = 1 << 20,
        max_item_bytes: int = 64 << 20,
        on_position: Callable[[int], None] | None = None,
    ) -> None:
        self._handle = handle
        self._name = name
        self._chunk = chunk_size
        self._max_item = max_item_bytes
        self._on_position = on_position
        self._decode = codecs.getincrementaldecoder("utf-8")().decode
        self._decoder = json.JSONDecoder()
        self._text = ""
        self._pos = 0
        self._ascii = True
        self._eof = False
        self.byte_position = 0
        """The byte offset in the file of the next character to parse."""
        self.bytes_read = 0
        self._started = False

    def members(self, *, streamed: Collection[str] = ()) -> Iterator[tuple[str, Any]]:
        if not self._started:
            self._started = True
            self._fill(0)
            if self._text.startswith("\ufeff"):
                self._advance(1)
        self._expect("{", "the file must hold one JSON object")
        if self._peek() == "}":
            self._advance(self._pos + 1)
            return
        while True:
            key, _, _ = self.value()
            if not isinstance(key, str):
                raise self._error("expected a member name")
            self._expect(":")
            if key in streamed and self._peek() == "[":
                items = self._items()
                yield key, items
                for _ in items:  # whatever the caller did not read is still read past, one item at a time
                    pass
            else:
                value, _, _ = self.value()
                yield key, value
            separator = self._peek()
            self._advance(self._pos + 1)
            if separator == "}":
                return
            if separator != ",":
                raise self._error("expected ',' or '}' after a member")

    def value(self) -> tuple[Any, int, int]:
        """The next JSON value, with its start and end byte offsets."""
        self._skip_whitespace()
        start = self.byte_position
        while True:
            try:
                value, end = self._decoder.raw_decode(self._text, self._pos)
            except json.JSONDecodeError as error:
                if self._may_be_cut(error) and self._read_more():
                    continue
                raise self._error(error.msg, offset=error.pos) from None
            if end == len(self._text) and not self._eof and self._read_more():
                continue  # a number at the end of the text may go on in the next chunk
            self._advance(end)
            return value, start, self.byte_position

    def _items(self) -> Iterator[tuple[Any, int, int]]:
        self._expect("[")
        if self._peek() == "]":
            self._advance(self._pos + 1)
            return
        while True:
            yield self.value()
            separator = self._peek()
            self._advance(self._pos + 1)
            if separator == "]":
                return
            if separator != ",":
                raise self._error("expected ',' or ']' in an array")

    def _may_be_cut(self, error: json.JSONDecodeError) -> bool:
        # An error at the very end of the text, or a string opened and not yet closed, may only mean that the rest of
        # the item is in the next chunk; an error well inside the text is a real one.
        return error.pos >= len(self._text) - 32 or error.msg.startswith("Unterminated string")

    def _read_more(self) -> bool:
        pending = len(self._text) - self._pos
        if pending > self._max_item:
            raise self._error(f"an item larger than {self._max_item >> 20} MB, or broken JSON")
        return self._fill(pending)

    def _fill(self, at_least: int) -> bool:
        """Append the next chunk (at least `at_least` bytes, so that a long item is re-parsed O(log n) times)."""
        if self._eof:
            return False
        data = self._handle.read(max(self._chunk, at_least))
        self.bytes_read += len(data)
        try:
            text = self._decode(data, final=not data)
        except UnicodeDecodeError as error:
            raise self._error(f"not UTF-8: {error.reason}") from None
        if not data:
            self._eof = True
        self._text = self._text[self._pos :] + text
        self._pos = 0
        self._ascii = self._text.isascii()
        if self._on_position is not None:
            self._on_position(self.bytes_read)
        return bool(text) or not self._eof

    def _advance(self, to: int) -> None:
        if to > self._pos:
            self.byte_position += (to - self._pos) if self._ascii else len(self._text[self._pos : to].encode())
        self._pos = to

    def _skip_whitespace(self) -> None:
        while True:
            match = _WHITESPACE.match(self._text, self._pos)
            assert match is not None
            self._advance(match.end())
            if self._pos < len(self._text) or not self._fill(0):
                return

    def _peek(self) -> str:
        self._skip_whitespace()
        return self._text[self._pos] if self._pos < len(self._text) else ""

    def _expect(self, char: str, hint: str = "") -> None:
        if self._peek() != char:
            raise self._error(f"expected {char!r}" + (f" ({hint})" if hint else ""))
        self._advance(self._pos + 1)

    def _error(self, message: str, *, offset: int | None = None) -> InvalidInput:
        where = self.byte_position
        if offset is not None and offset >= self._pos:
            where += len(self._text[self._pos : offset].encode())
        return InvalidInput([Problem((self._name,), f"invalid JSON near byte {where}: {message}")])


def read_span(handle: BinaryIO, start: int, end: int) -> Any:
    """The JSON value at a byte span that JsonStream reported."""
    handle.seek(start)
    return json.loads(handle.read(end - start))


# --- Batches -----------------------------------------------------------------------------------------------------


@dataclass
class Batch:
    """A slice of a file's items, mapped: what to ingest in one transaction, and what could not be imported."""

    entities: list[EntityIn] = field(default_factory=list)
    entity_sources: list[str] = field(default_factory=list)
    relationships: list[RelationshipIn] = field(default_factory=list)
    relationship_sources: list[str] = field(default_factory=list)
    issues: list[ImportIssue] = field(default_factory=list)
    items: int = 0
    """Source items covered (imported or not): the checkpoint counts these."""
    resume: dict[str, int] | None = None
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


BatchReader = Callable[..., Iterator[Batch]]


def _batched(items: Iterable[Batch], batch_size: int) -> Iterator[Batch]:
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
        current.items += item.items
        current.resume = item.resume
    if current.items or current.issues:
        yield current


def _why(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(
            f"{'.'.join(str(part) for part in issue['loc'])}: {issue['msg']}" if issue["loc"] else issue["msg"]
            for issue in error.errors()
        )[:1000]
    return " ".join(str(error).split())[:1000]


# --- JSON bundles (the POST /v1/bundles shape) -------------------------------------------------------------------


def read_bundle(
    path: Path,
    phase: Phase,
    *,
    options: ImportOptions,
    batch_size: int,
    skip: int,
    resume: Mapping[str, int],
    meter: ProgressMeter,
) -> Iterator[Batch]:
    """Entities, then relationships, each array streamed item by item and validated like a POST /v1/bundles body."""
    size = path.stat().st_size
    meter.start(phase, total=size, unit="bytes")
    with path.open("rb") as handle:
        stream = JsonStream(handle, name=str(path), on_position=meter.advance)
        yield from _batched(_bundle_items(stream, phase, skip), batch_size)


def _bundle_items(stream: JsonStream, phase: Phase, skip: int) -> Iterator[Batch]:
    model: type[EntityIn] | type[RelationshipIn] = EntityIn if phase == "entities" else RelationshipIn
    for key, value in stream.members(streamed=("entities", "relationships")):
        if key != phase:
            continue
        if not isinstance(value, Iterator):
            yield Batch(issues=[ImportIssue(key, "invalid", "expected a list")], items=0)
            continue
        for index, (item, _, _) in enumerate(value):
            if index < skip:
                continue
            where = f"{key}[{index}]"
            batch = Batch(items=1)
            try:
                parsed = model.model_validate(item)
            except ValidationError as error:
                batch.issues.append(ImportIssue(where, "invalid", _why(error), _item_id(item)))
            else:
                if isinstance(parsed, EntityIn):
                    batch.add_entity(parsed, where)
                else:
                    batch.add_relationship(parsed, where)
            yield batch


def _item_id(item: Any) -> str | None:
    if isinstance(item, Mapping):
        for name in ("id", "name", "value"):
            if isinstance(item.get(name), str):
                return str(item[name])
    return None


# --- STIX 2.1 bundles --------------------------------------------------------------------------------------------


@dataclass
class StixIndex:
    """What a STIX bundle's relationships and creators need of the rest of the file, found in one streamed pass."""

    objects: int = 0
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Byte span of every object that is not a relationship, by id (to read a relationship's ends back)."""
    markings: list[dict[str, Any]] = field(default_factory=list)
    targeted_by: dict[str, tuple[int, int]] = field(default_factory=dict)
    """For each object that something `targets`, the span of one such relationship (identities become victims)."""


def index_stix(path: Path, *, meter: ProgressMeter | None = None) -> StixIndex:
    index = StixIndex()
    if meter is not None:
        meter.start("index", total=path.stat().st_size, unit="bytes")
    with path.open("rb") as handle:
        stream = JsonStream(handle, name=str(path), on_position=meter.advance if meter else None)
        found = False
        for key, value in stream.members(streamed=("objects",)):
            if key != "objects" or not isinstance(value, Iterator):
                continue
            found = True
            for obj, start, end in value:
                index.objects += 1
                if not isinstance(obj, dict) or not isinstance(obj.get("id"), str):
                    continue
                if obj.get("type") == "relationship":
                    if obj.get("relationship_type") == "targets" and isinstance(obj.get("target_ref"), str):
                        index.targeted_by.setdefault(obj["target_ref"], (start, end))
                    continue
                index.spans[obj["id"]] = (start, end)
                if obj.get("type") == "marking-definition":
                    index.markings.append(obj)
        if not found:
            raise InvalidInput([Problem((str(path),), "not a STIX bundle: no `objects` list")])
    if meter is not None:
        meter.finish()
    return index


def read_stix(
    path: Path,
    phase: Phase,
    *,
    options: ImportOptions,
    batch_size: int,
    skip: int,
    resume: Mapping[str, int],
    meter: ProgressMeter,
    organization: str = "",
    index: StixIndex | None = None,
) -> Iterator[Batch]:
    """Objects other than relationships first, then relationships; each batch is mapped by `stix_import` together
    with the objects it refers to (markings, creators, a relationship's ends), read back from the file by offset.

    Objects an atlas-graph export wrote (they carry its extension) are read back exactly instead (services/export).
    """
    index = index if index is not None else index_stix(path, meter=meter)
    meter.start(phase, total=path.stat().st_size, unit="bytes")
    with path.open("rb") as handle, path.open("rb") as lookup:
        stream = JsonStream(handle, name=str(path), on_position=meter.advance)
        chunk: list[tuple[int, Any]] = []
        position = -1
        for key, value in stream.members(streamed=("objects",)):
            if key != "objects" or not isinstance(value, Iterator):
                continue
            for file_index, (obj, _, _) in enumerate(value):
                is_relationship = isinstance(obj, dict) and obj.get("type") == "relationship"
                if is_relationship != (phase == "relationships"):
                    continue
                position += 1
                if position < skip:
                    continue
                chunk.append((file_index, obj))
                if len(chunk) >= batch_size:
                    yield map_stix_chunk(chunk, index, lookup, options=options, organization=organization)
                    chunk = []
        if chunk:
            yield map_stix_chunk(chunk, index, lookup, options=options, organization=organization)


def map_stix_chunk(
    chunk: Sequence[tuple[int, Any]], index: StixIndex, lookup: BinaryIO, *, options: ImportOptions, organization: str
) -> Batch:
    """Map some objects of a STIX bundle (by their position in it) as `stix_import` would map the whole bundle."""
    batch = Batch(items=len(chunk))
    foreign: list[tuple[int, Any]] = []
    for file_index, obj in chunk:
        where = f"objects[{file_index}]"
        if isinstance(obj, dict) and is_atlas_object(obj):
            try:
                if obj.get("type") == "relationship":
                    batch.add_relationship(relationship_from_stix(obj, organization=organization), where)
                else:
                    batch.add_entity(entity_from_stix(obj, organization=organization), where)
            except (ValueError, KeyError, TypeError) as error:
                batch.issues.append(ImportIssue(where, "invalid", _why(error), _item_id(obj)))
        else:
            foreign.append((file_index, obj))
    if not foreign:
        return batch
    members = {obj.get("id") for _, obj in foreign if isinstance(obj, dict)}
    context_ids: dict[str, None] = {}
    for _, obj in foreign:
        if not isinstance(obj, dict):
            continue
        refs = [obj.get("created_by_ref")]
        if obj.get("type") == "relationship":
            refs += [obj.get("source_ref"), obj.get("target_ref")]
        context_ids.update(dict.fromkeys(ref for ref in refs if isinstance(ref, str) and ref not in members))
    context: list[Any] = list(index.markings)
    context += [read_span(lookup, *index.spans[ref]) for ref in context_ids if ref in index.spans]
    # An identity becomes a victim only where something targets it; bring one such relationship along.
    targeted = {obj.get("id") for _, obj in foreign if isinstance(obj, dict) and obj.get("type") == "identity"}
    targeted |= {ref for ref in context_ids if ref.startswith("identity--")}
    context += [read_span(lookup, *index.targeted_by[ref]) for ref in targeted if ref in index.targeted_by]
    offset = len(context)
    mapped = stix_import.map_stix_bundle(
        {"type": "bundle", "objects": [*context, *(obj for _, obj in foreign)]},
        default_tlp=options.default_tlp,
        default_confidence=options.default_confidence,
    )

    def source(position: int) -> str:
        return f"objects[{foreign[position - offset][0]}]"

    for entity, position in zip(mapped.entities, mapped.entity_objects, strict=True):
        if position >= offset:
            batch.add_entity(entity, source(position))
    for relationship, position in zip(mapped.relationships, mapped.relationship_objects, strict=True):
        if position >= offset:
            batch.add_relationship(relationship, source(position))
    listed: tuple[tuple[IssueStatus, list[StixObjectIssueOut]], ...] = (
        ("invalid", mapped.invalid),
        ("unmapped", mapped.unmapped),
        ("skipped", mapped.skipped),
    )
    for status, issues in listed:
        for issue in issues:
            if issue.index >= offset:
                batch.issues.append(ImportIssue(source(issue.index), status, issue.reason, issue.id))
    return batch


# --- CSV edge lists ----------------------------------------------------------------------------------------------

_TLP_NAMES = {"white": Tlp.CLEAR, **{tlp.value.lower(): tlp for tlp in Tlp}}


class RowError(ValueError):
    """A CSV row that cannot be imported, and why."""


@dataclass(frozen=True)
class CsvColumns:
    """A CSV header resolved against a mapping: each field's column position, or its constant."""

    positions: dict[str, int]
    constants: dict[str, str]

    @classmethod
    def resolve(cls, header: Sequence[str], mapping: CsvMapping) -> CsvColumns:
        names = [name.strip() for name in header]
        wanted = {name: name for name in CSV_FIELDS} | dict(mapping.columns)
        constants = dict(mapping.constants)
        positions = {}
        problems = []
        for name, column in wanted.items():
            if name in constants:
                continue
            if column in names:
                positions[name] = names.index(column)
            elif name in dict(mapping.columns):
                problems.append(Problem(("csv-mapping", name), f"no column {column!r} in the header"))
        columns = cls(positions=positions, constants=constants)
        if not columns.has("type"):
            problems.append(Problem(("csv", "type"), "no `type` column (or map one with --csv-mapping type=COLUMN)"))
        for end in ("source", "target"):
            if not columns.has(f"{end}_id") and not (columns.has(end) and columns.has(f"{end}_kind")):
                problems.append(
                    Problem(
                        ("csv", end), f"need a `{end}_id` column, or `{end}` and `{end}_kind` columns (or constants)"
                    )
                )
        if problems:
            raise InvalidInput(problems)
        return columns

    def has(self, name: str) -> bool:
        return name in self.positions or name in self.constants

    def values(self, row: Sequence[str]) -> dict[str, str]:
        values = dict(self.constants)
        for name, position in self.positions.items():
            values[name] = row[position].strip() if position < len(row) else ""
        return values


@dataclass(frozen=True)
class Endpoint:
    """An entity a CSV row names by kind and name, which the import asserts too."""

    kind: EntityKind
    name: str
    category: str | None


def parse_kind(text: str) -> EntityKind:
    try:
        return EntityKind(re.sub(r"[\s-]+", "_", text.strip().lower()))
    except ValueError:
        raise RowError(f"unknown kind {text!r} (one of {', '.join(kind.value for kind in EntityKind)})") from None


def parse_relationship_type(text: str) -> RelationshipType:
    try:
        return RelationshipType(re.sub(r"[\s-]+", "_", text.strip().upper()))
    except ValueError:
        names = ", ".join(t.value for t in RelationshipType)
        raise RowError(f"unknown relationship type {text!r} (one of {names})") from None


def parse_tlp(text: str, default: Tlp) -> Tlp:
    if not text.strip():
        return default
    name = text.strip().lower().removeprefix("tlp:").strip()
    if name not in _TLP_NAMES:
        raise RowError(f"unknown TLP {text!r} (CLEAR, GREEN, AMBER, AMBER+STRICT or RED)")
    return _TLP_NAMES[name]


def parse_date(text: str, name: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise RowError(f"{name}: {text!r} is not a date (YYYY-MM-DD)") from None


def parse_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(CSV_LIST_SEPARATOR) if part.strip()]


def relationship_from_row(
    values: Mapping[str, str], *, options: ImportOptions
) -> tuple[RelationshipIn, list[Endpoint]]:
    """One CSV row as a relationship claim, and the entities it names by kind and name; raises RowError."""
    rel_type = parse_relationship_type(values.get("type", ""))
    ends: list[EntityRef] = []
    endpoints: list[Endpoint] = []
    kinds: list[EntityKind | None] = []
    for end in ("source", "target"):
        if values.get(f"{end}_id"):
            ends.append(EntityRef(id=values[f"{end}_id"]))
            kinds.append(None)
            continue
        name = values.get(end, "")
        if not name:
            raise RowError(f"{end}: empty (give a name, or an id in {end}_id)")
        kind = parse_kind(values.get(f"{end}_kind", ""))
        ends.append(EntityRef(kind=kind, name=name[:500]))
        kinds.append(kind)
        endpoints.append(Endpoint(kind=kind, name=name[:500], category=values.get(f"{end}_category") or None))
    source_kind, target_kind = kinds
    if source_kind and target_kind and (source_kind, target_kind) not in ALLOWED_KIND_PAIRS[rel_type]:
        raise RowError(f"{rel_type.value} does not allow {source_kind.value} -> {target_kind.value}")
    confidence_text = values.get("confidence", "")
    try:
        confidence = int(confidence_text) if confidence_text else options.default_confidence
    except ValueError:
        raise RowError(f"confidence: {confidence_text!r} is not a whole number 0..100") from None
    amount_text = values.get("amount", "")
    try:
        amount = float(amount_text) if amount_text else None
    except ValueError:
        raise RowError(f"amount: {amount_text!r} is not a number") from None
    try:
        relationship = RelationshipIn(
            type=rel_type,
            source=ends[0],
            target=ends[1],
            confidence=confidence,
            tlp=parse_tlp(values.get("tlp", ""), options.default_tlp),
            share_with=parse_list(values.get("share_with", "")),
            first_seen=parse_date(values.get("first_seen", ""), "first_seen"),
            last_seen=parse_date(values.get("last_seen", ""), "last_seen"),
            references=parse_list(values.get("reference", "")),
            description=values.get("description") or None,
            amount=amount,
            currency=values.get("currency") or None,
        )
    except ValidationError as error:
        raise RowError(_why(error)) from None
    return relationship, endpoints


@dataclass
class _EndpointClaim:
    kind: EntityKind
    name: str
    line: int
    aliases: dict[str, None] = field(default_factory=dict)
    category: str | None = None
    tlp: Tlp = Tlp.RED
    share_with: dict[str, None] = field(default_factory=dict)
    confidence: int = 0
    references: dict[str, None] = field(default_factory=dict)
    first_seen: date | None = None
    last_seen: date | None = None


class EndpointClaims:
    """The entity claims a CSV implies: one per (kind, name) however many rows name it.

    Each takes the most permissive TLP of the rows naming it (so that a GREEN edge's ends are not hidden by a RED
    row elsewhere, and an entity named only in RED rows stays RED, shared with whom those rows share), their best
    confidence, their references, and the widest dates; other spellings of the name become aliases.
    """

    def __init__(self) -> None:
        self._claims: dict[tuple[EntityKind, str], _EndpointClaim] = {}

    def __len__(self) -> int:
        return len(self._claims)

    def add(self, endpoint: Endpoint, relationship: RelationshipIn, line: int) -> None:
        key = (endpoint.kind, normalize_name(endpoint.name) or endpoint.name)
        claim = self._claims.get(key)
        if claim is None:
            claim = self._claims[key] = _EndpointClaim(kind=endpoint.kind, name=endpoint.name, line=line)
        elif endpoint.name != claim.name and len(claim.aliases) < 200:
            claim.aliases[endpoint.name] = None
        claim.category = endpoint.category or claim.category
        if TLP_ORDER.index(relationship.tlp) < TLP_ORDER.index(claim.tlp):
            claim.tlp = relationship.tlp
        if relationship.tlp not in COMMUNITY_TLPS:
            claim.share_with.update(dict.fromkeys(relationship.share_with))
        claim.confidence = max(claim.confidence, relationship.confidence)
        for reference in relationship.references:
            if len(claim.references) < 100:
                claim.references[reference] = None
        if relationship.first_seen and (claim.first_seen is None or relationship.first_seen < claim.first_seen):
            claim.first_seen = relationship.first_seen
        if relationship.last_seen and (claim.last_seen is None or relationship.last_seen > claim.last_seen):
            claim.last_seen = relationship.last_seen

    def entities(self) -> Iterator[tuple[EntityIn | str, int]]:
        """Each claim as an entity (or the reason it is invalid), with the line that first named it, in file order."""
        for claim in self._claims.values():
            try:
                entity: EntityIn | str = EntityIn(
                    kind=claim.kind,
                    name=claim.name,
                    aliases=list(claim.aliases),
                    category=claim.category,
                    confidence=claim.confidence,
                    tlp=claim.tlp,
                    share_with=[] if claim.tlp in COMMUNITY_TLPS else list(claim.share_with),
                    references=list(claim.references),
                    first_seen=_widest_dates(claim.first_seen, claim.last_seen)[0],
                    last_seen=claim.last_seen,
                )
            except ValidationError as error:
                entity = _why(error)
            yield entity, claim.line


def _widest_dates(first: date | None, last: date | None) -> tuple[date | None, date | None]:
    # Rows may give only a start or only an end; a start after the latest end would make no claim, so keep the end.
    if first is not None and last is not None and first > last:
        first = None
    return first, last


def _csv_delimiter(path: Path) -> str:
    return "\t" if path.suffix.lower() == ".tsv" else ","


class _Lines:
    """The lines of a binary file, decoded, with the byte offset after the last one handed out."""

    def __init__(self, handle: BinaryIO, offset: int) -> None:
        self._handle = handle
        self.offset = offset
        self.first = offset == 0

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        raw = self._handle.readline()
        if not raw:
            raise StopIteration
        self.offset += len(raw)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise InvalidInput([Problem((f"byte {self.offset - len(raw)}",), f"not UTF-8: {error.reason}")]) from None
        if self.first:
            self.first = False
            text = text.removeprefix("\ufeff")
        return text


@dataclass(frozen=True)
class CsvRow:
    line: int
    cells: list[str]
    end: int
    """The byte offset after the row."""
    next_line: int


def csv_rows(
    path: Path, *, offset: int = 0, line: int = 1, on_position: Callable[[int], None] | None = None
) -> tuple[list[str], Iterator[CsvRow]]:
    """The header, and the rows after byte `offset` (which starts line `line`)."""
    handle = path.open("rb")
    lines = _Lines(handle, 0)
    header_reader = csv.reader(lines, delimiter=_csv_delimiter(path))
    header = next(header_reader, None)
    if header is None:
        handle.close()
        raise InvalidInput([Problem((str(path),), "empty file: a CSV import needs a header row")])
    if offset:
        handle.seek(offset)
        lines.offset = offset
    else:
        line = header_reader.line_num + 1

    def rows() -> Iterator[CsvRow]:
        reader = csv.reader(lines, delimiter=_csv_delimiter(path))
        number = line
        try:
            for cells in reader:
                following = line + reader.line_num
                yield CsvRow(line=number, cells=cells, end=lines.offset, next_line=following)
                number = following
                if on_position is not None:
                    on_position(lines.offset)
        except csv.Error as error:
            raise InvalidInput([Problem((str(path), f"line {number}"), str(error))]) from None
        finally:
            handle.close()

    return header, rows()


def read_csv(
    path: Path,
    phase: Phase,
    *,
    options: ImportOptions,
    batch_size: int,
    skip: int,
    resume: Mapping[str, int],
    meter: ProgressMeter,
) -> Iterator[Batch]:
    """Entities: every (kind, name) the rows name, one claim each (EndpointClaims); relationships: one per row."""
    size = path.stat().st_size
    meter.start(phase, total=size, unit="bytes")
    if phase == "entities":
        header, rows = csv_rows(path, on_position=meter.advance)
        columns = CsvColumns.resolve(header, options.csv_mapping)
        claims = EndpointClaims()
        for row in rows:
            if not any(cell.strip() for cell in row.cells):
                continue
            try:
                relationship, endpoints = relationship_from_row(columns.values(row.cells), options=options)
            except RowError:
                continue  # reported once, in the relationships phase
            for endpoint in endpoints:
                claims.add(endpoint, relationship, row.line)
        meter.start(phase, total=len(claims), unit="items")
        meter.advance(min(skip, len(claims)))
        yield from _batched(_endpoint_items(claims, skip), batch_size)
        return
    header, rows = csv_rows(path, offset=resume.get("offset", 0), line=resume.get("line", 1), on_position=meter.advance)
    columns = CsvColumns.resolve(header, options.csv_mapping)
    yield from _batched(_row_items(rows, columns, options, skip=0 if resume.get("offset") else skip), batch_size)


def _endpoint_items(claims: EndpointClaims, skip: int) -> Iterator[Batch]:
    for position, (entity, line) in enumerate(claims.entities()):
        if position < skip:
            continue
        batch = Batch(items=1)
        if isinstance(entity, str):
            batch.issues.append(ImportIssue(f"line {line}", "invalid", entity))
        else:
            batch.add_entity(entity, f"line {line}")
        yield batch


def _row_items(rows: Iterator[CsvRow], columns: CsvColumns, options: ImportOptions, *, skip: int) -> Iterator[Batch]:
    for position, row in enumerate(rows):
        if position < skip:
            continue
        batch = Batch(items=1, resume={"offset": row.end, "line": row.next_line})
        if not any(cell.strip() for cell in row.cells):
            yield batch
            continue
        where = f"line {row.line}"
        try:
            relationship, _ = relationship_from_row(columns.values(row.cells), options=options)
        except RowError as error:
            batch.issues.append(ImportIssue(where, "invalid", str(error)))
        else:
            batch.add_relationship(relationship, where)
        yield batch


# --- MISP galaxies -----------------------------------------------------------------------------------------------

MISP_GALAXY_KINDS: dict[str, tuple[EntityKind, str]] = {
    "threat-actor": (EntityKind.ACTOR, "group"),
    "mitre-intrusion-set": (EntityKind.ACTOR, "group"),
    "mitre-enterprise-attack-intrusion-set": (EntityKind.ACTOR, "group"),
    "microsoft-activity-group": (EntityKind.ACTOR, "group"),
    "ransomware": (EntityKind.SERVICE_PROVIDER, ServiceKind.MALWARE.value),
    "malpedia": (EntityKind.SERVICE_PROVIDER, ServiceKind.MALWARE.value),
    "mitre-malware": (EntityKind.SERVICE_PROVIDER, ServiceKind.MALWARE.value),
    "mitre-enterprise-attack-malware": (EntityKind.SERVICE_PROVIDER, ServiceKind.MALWARE.value),
    "banker": (EntityKind.SERVICE_PROVIDER, ServiceKind.MALWARE.value),
    "stealer": (EntityKind.SERVICE_PROVIDER, ServiceKind.MALWARE.value),
    "rat": (EntityKind.SERVICE_PROVIDER, ServiceKind.MALWARE.value),
    "backdoor": (EntityKind.SERVICE_PROVIDER, ServiceKind.MALWARE.value),
    "android": (EntityKind.SERVICE_PROVIDER, ServiceKind.MALWARE.value),
    "exploit-kit": (EntityKind.SERVICE_PROVIDER, ServiceKind.MALWARE.value),
    "botnet": (EntityKind.SERVICE_PROVIDER, ServiceKind.BOTNET.value),
    "tds": (EntityKind.SERVICE_PROVIDER, ServiceKind.TRAFFIC_DISTRIBUTION.value),
    "tool": (EntityKind.SERVICE_PROVIDER, ServiceKind.TOOL.value),
    "mitre-tool": (EntityKind.SERVICE_PROVIDER, ServiceKind.TOOL.value),
    "mitre-enterprise-attack-tool": (EntityKind.SERVICE_PROVIDER, ServiceKind.TOOL.value),
}
"""Galaxy type -> the kind (and category) of its clusters."""

# MISP relation types (as in its "related" lists) -> (our type, whether source and target swap), like STIX's.
MISP_RELATIONS: dict[str, tuple[RelationshipType, bool]] = {
    "uses": (RelationshipType.USES, False),
    "used-by": (RelationshipType.USES, True),
    "attributed-to": (RelationshipType.AFFILIATED_WITH, False),
    "affiliated-with": (RelationshipType.AFFILIATED_WITH, False),
    "authored-by": (RelationshipType.OPERATES, True),
    "operates": (RelationshipType.OPERATES, False),
    "controls": (RelationshipType.OPERATES, False),
    "owns": (RelationshipType.OPERATES, False),
    "hosts": (RelationshipType.USES, True),
    "delivers": (RelationshipType.SUPPLIES, False),
    "drops": (RelationshipType.SUPPLIES, False),
    "downloads": (RelationshipType.SUPPLIES, False),
    "targets": (RelationshipType.TARGETS, False),
}
# MISP's estimative-language likelihoods, as the middle of the probability range each one names.
ESTIMATIVE_CONFIDENCE = {
    "almost-no-chance": 3,
    "very-unlikely": 12,
    "unlikely": 32,
    "roughly-even-chance": 50,
    "likely": 68,
    "very-likely": 88,
    "almost-certain": 97,
}
MISP_SECTOR_KEYS = ("cfr-target-category", "targeted-sector")
"""Meta keys whose values are sectors a threat actor targets: imported as victims (sector) and TARGETS."""
_ATTRIBUTE_KEY = re.compile(r"[^A-Za-z0-9_.-]")


def misp_cluster_id(cluster_uuid: str) -> str:
    return f"misp-galaxy-cluster--{cluster_uuid}"


def misp_entities(cluster: Mapping[str, Any], *, galaxy_type: str, options: ImportOptions) -> list[EntityIn]:
    """A cluster as its entity, and the sector victims its meta names; raises ValueError (incl. ValidationError)."""
    kind, category = MISP_GALAXY_KINDS[galaxy_type]
    meta = cluster.get("meta") if isinstance(cluster.get("meta"), Mapping) else {}
    assert isinstance(meta, Mapping)
    name = cluster.get("value")
    if not isinstance(name, str) or not name.strip():
        raise ValueError("no `value` (the cluster's name)")
    synonyms = [s[:500] for s in _strings(meta.get("synonyms")) if s.strip() and s != name]
    attributes: dict[str, Any] = {"misp_galaxy": galaxy_type}
    for key, value in meta.items():
        if key in ("synonyms", "refs", *MISP_SECTOR_KEYS) or len(attributes) >= 64:
            continue
        text = value if isinstance(value, str | int | float | bool) else ", ".join(_strings(value))
        if text == "":
            continue
        attribute = "country" if key == "country" else _ATTRIBUTE_KEY.sub("_", f"misp_{key}")[:64]
        attributes[attribute] = text[:4096] if isinstance(text, str) else text
    fields = _misp_claim_fields(options)
    entity = EntityIn(
        kind=kind,
        name=name[:500],
        id=misp_cluster_id(str(cluster.get("uuid"))) if cluster.get("uuid") else None,
        external_ids=misp_external_ids(cluster, galaxy_type=galaxy_type),
        aliases=list(dict.fromkeys(synonyms))[:200],
        category=category,
        attributes=attributes,
        description=str(cluster["description"])[:20_000] if cluster.get("description") else None,
        references=list(dict.fromkeys(r[:2048] for r in _strings(meta.get("refs")) if r.strip()))[:100],
        **fields,
    )
    sectors = misp_sectors(meta) if kind is EntityKind.ACTOR else []
    victims = [
        EntityIn(kind=EntityKind.VICTIM, name=sector, category=VictimKind.SECTOR.value, **fields) for sector in sectors
    ]
    return [entity, *victims]


_ATTACK_URL = re.compile(r"^https?://attack\.mitre\.org/(?:groups|software)/([GS]\d{4})/?$")


def misp_external_ids(cluster: Mapping[str, Any], *, galaxy_type: str) -> dict[str, str]:
    """The cluster's uuid in its galaxy, and its ATT&CK id (`meta.external_id`, or attack.mitre.org refs).

    Only one ATT&CK id counts: MISP's threat-actor clusters often cite two groups (Lazarus Group cites G0032 and
    APT38's G0082), and such a cluster is identified by neither.
    """
    meta = cluster.get("meta") if isinstance(cluster.get("meta"), Mapping) else {}
    assert isinstance(meta, Mapping)
    ids: dict[str, str] = {}
    if cluster.get("uuid"):
        ids[f"misp-galaxy:{galaxy_type}"] = str(cluster["uuid"])[:256]
    attack = {
        value.strip().upper()
        for value in _strings(meta.get("external_id"))
        if re.fullmatch(r"[GS]\d{4}", value.strip(), re.I)
    }
    attack.update(match.group(1) for ref in _strings(meta.get("refs")) if (match := _ATTACK_URL.match(ref.strip())))
    if len(attack) == 1:
        ids["mitre-attack"] = attack.pop()
    return ids


def misp_sectors(meta: Mapping[str, Any]) -> list[str]:
    sectors: dict[str, None] = {}
    for key in MISP_SECTOR_KEYS:
        sectors.update(dict.fromkeys(s.strip()[:500] for s in _strings(meta.get(key)) if s.strip()))
    return list(sectors)


def misp_relationships(
    cluster: Mapping[str, Any], *, index: int, galaxy_type: str, local: Mapping[str, EntityKind], options: ImportOptions
) -> tuple[list[tuple[RelationshipIn, str]], list[ImportIssue]]:
    """A cluster's `related` entries that name a relationship of the model, and TARGETS to the sectors it names.

    `local` gives the kind of every cluster of this file by uuid, so that kinds are checked before writing; a
    cluster of another galaxy is referred to by id and must have been imported already.
    """
    kind, _ = MISP_GALAXY_KINDS[galaxy_type]
    relationships: list[tuple[RelationshipIn, str]] = []
    issues: list[ImportIssue] = []
    if not cluster.get("uuid"):
        return relationships, issues
    own_id = misp_cluster_id(str(cluster["uuid"]))
    fields = _misp_claim_fields(options)
    related = cluster.get("related") if isinstance(cluster.get("related"), list) else []
    assert isinstance(related, list)
    for position, entry in enumerate(related):
        where = f"values[{index}].related[{position}]"
        if not isinstance(entry, Mapping) or not isinstance(entry.get("dest-uuid"), str):
            issues.append(ImportIssue(where, "invalid", "expected {'dest-uuid': ..., 'type': ...}"))
            continue
        relation = str(entry.get("type", ""))
        if relation not in MISP_RELATIONS:
            issues.append(
                ImportIssue(where, "unmapped", f"MISP relation {relation!r} is not a relationship of the model")
            )
            continue
        rel_type, swap = MISP_RELATIONS[relation]
        other_id = misp_cluster_id(entry["dest-uuid"])
        source, target = (other_id, own_id) if swap else (own_id, other_id)
        other_kind = local.get(entry["dest-uuid"])
        if other_kind is not None:
            kinds = (other_kind, kind) if swap else (kind, other_kind)
            if kinds not in ALLOWED_KIND_PAIRS[rel_type]:
                issues.append(
                    ImportIssue(
                        where, "unmapped", f"{relation!r}: {rel_type.value} does not allow {kinds[0]} -> {kinds[1]}"
                    )
                )
                continue
        confidence = _estimative_confidence(entry.get("tags"))
        claim = {**fields, **({"confidence": confidence} if confidence is not None else {})}
        try:
            relationships.append(
                (
                    RelationshipIn(type=rel_type, source=EntityRef(id=source), target=EntityRef(id=target), **claim),
                    where,
                )
            )
        except ValidationError as error:
            issues.append(ImportIssue(where, "invalid", _why(error)))
    if kind is EntityKind.ACTOR:
        meta = cluster.get("meta") if isinstance(cluster.get("meta"), Mapping) else {}
        assert isinstance(meta, Mapping)
        for sector in misp_sectors(meta):
            relationships.append(
                (
                    RelationshipIn(
                        type=RelationshipType.TARGETS,
                        source=EntityRef(id=own_id),
                        target=EntityRef(kind=EntityKind.VICTIM, name=sector),
                        **fields,
                    ),
                    f"values[{index}].meta",
                )
            )
    return relationships, issues


def _misp_claim_fields(options: ImportOptions) -> dict[str, Any]:
    return {"confidence": options.default_confidence, "tlp": options.default_tlp}


def _estimative_confidence(tags: Any) -> int | None:
    for tag in _strings(tags):
        if tag.startswith("estimative-language:likelihood-probability="):
            value = tag.split("=", 1)[1].strip('"')
            if value in ESTIMATIVE_CONFIDENCE:
                return ESTIMATIVE_CONFIDENCE[value]
    return None


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(item) for item in value if isinstance(item, str | int | float)]
    return []


def _misp_galaxy_type(path: Path) -> str | None:
    with path.open("rb") as handle:
        for key, value in JsonStream(handle, name=str(path)).members(streamed=("values",)):
            if key == "type":
                return str(value) if value is not None else None
    return None


def read_misp_galaxy(
    path: Path,
    phase: Phase,
    *,
    options: ImportOptions,
    batch_size: int,
    skip: int,
    resume: Mapping[str, int],
    meter: ProgressMeter,
) -> Iterator[Batch]:
    """The clusters of a galaxy (`values`) as entities, then their relations as relationships."""
    galaxy_type = _misp_galaxy_type(path)
    local: dict[str, EntityKind] = {}
    known = galaxy_type in MISP_GALAXY_KINDS
    if phase == "relationships" and known:
        assert galaxy_type is not None
        kind = MISP_GALAXY_KINDS[galaxy_type][0]
        with path.open("rb") as handle:
            for key, value in JsonStream(handle, name=str(path)).members(streamed=("values",)):
                if key == "values" and isinstance(value, Iterator):
                    local.update((str(c["uuid"]), kind) for c, _, _ in value if isinstance(c, dict) and c.get("uuid"))
    meter.start(phase, total=path.stat().st_size, unit="bytes")
    with path.open("rb") as handle:
        stream = JsonStream(handle, name=str(path), on_position=meter.advance)
        items = _misp_items(stream, phase, galaxy_type, local, options, skip)
        yield from _batched(items, batch_size)


def _misp_items(
    stream: JsonStream,
    phase: Phase,
    galaxy_type: str | None,
    local: Mapping[str, EntityKind],
    options: ImportOptions,
    skip: int,
) -> Iterator[Batch]:
    for key, value in stream.members(streamed=("values",)):
        if key != "values" or not isinstance(value, Iterator):
            continue
        for index, (cluster, _, _) in enumerate(value):
            if index < skip:
                continue
            where = f"values[{index}]"
            batch = Batch(items=1)
            if galaxy_type not in MISP_GALAXY_KINDS:
                if phase == "entities":
                    known = ", ".join(sorted(MISP_GALAXY_KINDS))
                    batch.issues.append(
                        ImportIssue(where, "unmapped", f"galaxy type {galaxy_type!r} has no mapping (known: {known})")
                    )
                yield batch
                continue
            assert galaxy_type is not None
            if not isinstance(cluster, dict):
                if phase == "entities":
                    batch.issues.append(ImportIssue(where, "invalid", "a cluster must be a JSON object"))
                yield batch
                continue
            if phase == "entities":
                try:
                    entities = misp_entities(cluster, galaxy_type=galaxy_type, options=options)
                except (ValueError, TypeError) as error:
                    batch.issues.append(ImportIssue(where, "invalid", _why(error), _item_id(cluster)))
                else:
                    for entity in entities:
                        batch.add_entity(entity, where)
            else:
                relationships, issues = misp_relationships(
                    cluster, index=index, galaxy_type=galaxy_type, local=local, options=options
                )
                for relationship, source in relationships:
                    batch.add_relationship(relationship, source)
                batch.issues += issues
            yield batch


# --- Detecting the format ----------------------------------------------------------------------------------------


def detect_format(path: Path) -> ImportFormat:
    """CSV by extension (.csv, .tsv); JSON by its first top-level keys: STIX `objects`, bundle `entities` or
    `relationships`, MISP galaxy `values`."""
    if path.suffix.lower() in (".csv", ".tsv"):
        return "csv"
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
        [Problem((str(path),), "cannot tell its format; pass --format (bundle, stix, csv or misp-galaxy)")]
    )


READERS: dict[ImportFormat, BatchReader] = {
    "bundle": read_bundle,
    "stix": read_stix,
    "csv": read_csv,
    "misp-galaxy": read_misp_galaxy,
}


# --- Running an import: checkpoints, reports, batches ------------------------------------------------------------


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


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _empty_counts() -> dict[str, dict[str, int]]:
    return {
        "entities": dict.fromkeys(ingestion.STATUSES, 0),
        "relationships": dict.fromkeys(ingestion.STATUSES, 0),
        "issues": dict.fromkeys(ISSUE_STATUSES, 0),
    }


class _FileImport:
    """One file's import: its checkpoint, its report, and running its phases batch by batch."""

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
    ) -> None:
        self.path = path
        self.format = file_format
        self.options = options
        self.meter = ProgressMeter(path.name, _STAGES[file_format], on_progress)
        self.started = time.monotonic()
        digest = file_digest(path, meter=self.meter)
        key = checkpoint_key(digest=digest, file_format=file_format, organization=organization, options=options)
        state_dir.mkdir(parents=True, exist_ok=True)
        self.checkpoint_path = state_dir / f"{key}.json"
        self.report_path = state_dir / f"{key}.report.jsonl"
        if restart:
            self.checkpoint_path.unlink(missing_ok=True)
            self.report_path.unlink(missing_ok=True)
        if self.checkpoint_path.exists():
            self.state: dict[str, Any] = json.loads(self.checkpoint_path.read_text(encoding="utf-8"))
        else:
            self.state = {
                "version": CHECKPOINT_VERSION,
                "input": str(path.resolve()),
                "sha256": digest,
                "format": file_format,
                "organization": organization,
                "options": options.describe(),
                "phases": {phase: {"items": 0, "batches": 0, "done": False, "resume": {}} for phase in PHASES},
                "counts": _empty_counts(),
                "report": str(self.report_path),
                "report_bytes": 0,
                "started_at": _now(),
                "updated_at": _now(),
                "finished_at": None,
            }
        self.already_done = self.state["finished_at"] is not None
        self.resumed_batches = sum(self.state["phases"][phase]["batches"] for phase in PHASES)
        # Issues of a batch whose checkpoint was never written are dropped: that batch runs again.
        with self.report_path.open("ab") as report:
            report.truncate(self.state["report_bytes"])
        self._report: TextIO = self.report_path.open("a", encoding="utf-8")
        self._stix_index: StixIndex | None = None

    def run_phase(self, store: GraphStore, *, caller: Caller, phase: Phase, batch_size: int, max_items: int) -> None:
        progress = self.state["phases"][phase]
        if progress["done"]:
            return
        extra: dict[str, Any] = {}
        if self.format == "stix":
            if self._stix_index is None:
                self._stix_index = index_stix(self.path, meter=self.meter)
            extra = {"organization": caller.organization, "index": self._stix_index}
        batches = READERS[self.format](
            self.path,
            phase,
            options=self.options,
            batch_size=batch_size,
            skip=progress["items"],
            resume=progress["resume"],
            meter=self.meter,
            **extra,
        )
        for batch in batches:
            result, issues = ingest_batch(
                store, caller=caller, batch=batch, max_items=max_items, action=f"import.{self.format}"
            )
            self._record(phase, batch, result, [*batch.issues, *issues])
        progress["done"] = True
        self._save()
        self.meter.finish()

    def _record(self, phase: Phase, batch: Batch, result: BundleResultOut | None, issues: list[ImportIssue]) -> None:
        counts = self.state["counts"]
        if result is not None:
            for status in ingestion.STATUSES:
                counts["entities"][status] += getattr(result.counts.entities, status)
                counts["relationships"][status] += getattr(result.counts.relationships, status)
        for issue in issues:
            counts["issues"][issue.status] += 1
            record = {"input": self.state["input"], "phase": phase, "where": issue.where, "status": issue.status}
            record.update({"id": issue.id, "reason": issue.reason} if issue.id else {"reason": issue.reason})
            self._report.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._report.flush()
        progress = self.state["phases"][phase]
        progress["items"] += batch.items
        progress["batches"] += 1
        if batch.resume is not None:
            progress["resume"] = batch.resume
        self.state["report_bytes"] = self.report_path.stat().st_size
        self._save()
        self.meter.imported(batch.size, covered=batch.items)

    def finish(self) -> None:
        if all(self.state["phases"][phase]["done"] for phase in PHASES) and self.state["finished_at"] is None:
            self.state["finished_at"] = _now()
            self._save()

    def close(self) -> None:
        self._report.close()

    def summary(self) -> ImportSummary:
        counts = self.state["counts"]
        return ImportSummary(
            input=str(self.path),
            format=self.format,
            checkpoint=self.checkpoint_path,
            report=self.report_path,
            entities=dict(counts["entities"]),
            relationships=dict(counts["relationships"]),
            issues={status: n for status, n in counts["issues"].items() if n},
            batches=sum(self.state["phases"][phase]["batches"] for phase in PHASES),
            resumed_batches=self.resumed_batches,
            already_done=self.already_done,
            completed=self.state["finished_at"] is not None,
            seconds=time.monotonic() - self.started,
        )

    def _save(self) -> None:
        self.state["updated_at"] = _now()
        partial = self.checkpoint_path.with_suffix(".json.partial")
        partial.write_text(json.dumps(self.state, indent=1, sort_keys=True), encoding="utf-8")
        partial.replace(self.checkpoint_path)  # atomic: a checkpoint is always whole


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


_WARNING_LOCATION = re.compile(r"^(entities|relationships)\[(\d+)\]: ")


def _locate_warning(warning: str, entity_sources: list[str], relationship_sources: list[str]) -> ImportIssue:
    match = _WARNING_LOCATION.match(warning)
    if match is None:
        return ImportIssue("batch", "warning", warning)
    sources = entity_sources if match.group(1) == "entities" else relationship_sources
    position = int(match.group(2))
    where = sources[position] if position < len(sources) else "batch"
    return ImportIssue(where, "warning", warning[match.end() :])
