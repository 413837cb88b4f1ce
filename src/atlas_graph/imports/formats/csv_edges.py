"""CSV edge lists: one relationship claim per row, and one entity claim per (kind, name) the rows name."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import BinaryIO

from pydantic import ValidationError

from atlas_graph.errors import InvalidInput, Problem
from atlas_graph.imports.batches import Batch, ImportIssue, Phase, ResumePoint, batched, why
from atlas_graph.imports.formats.reader import TwoPhaseReader
from atlas_graph.imports.options import CsvMapping, ImportOptions
from atlas_graph.imports.progress import ProgressMeter
from atlas_graph.models.bundles import EntityIn, EntityRef, RelationshipIn
from atlas_graph.models.export import CSV_FIELDS, CSV_LIST_SEPARATOR
from atlas_graph.models.vocabulary import ALLOWED_KIND_PAIRS, COMMUNITY_TLPS, EntityKind, RelationshipType, Tlp
from atlas_graph.services.resolution import normalize_name
from atlas_graph.stix.vocabulary import TLP_NAMES


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
    if name not in TLP_NAMES:
        raise RowError(f"unknown TLP {text!r} (CLEAR, GREEN, AMBER, AMBER+STRICT or RED)")
    return TLP_NAMES[name]


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
        raise RowError(why(error)) from None
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
        if list(Tlp).index(relationship.tlp) < list(Tlp).index(claim.tlp):
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
                entity = why(error)
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


class CsvReader(TwoPhaseReader):
    """Entities: every (kind, name) the rows name, one claim each (EndpointClaims); relationships: one per row.

    The relationships phase can seek: each batch says the byte offset (and line) after its last row.
    """

    def batches(
        self, phase: Phase, *, batch_size: int, skip: int, resume: ResumePoint | None, meter: ProgressMeter
    ) -> Iterator[Batch]:
        path, options = self.path, self.options
        meter.start(phase, total=path.stat().st_size, unit="bytes")
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
            yield from batched(_endpoint_items(claims, skip), batch_size)
            return
        start = resume or ResumePoint(offset=0, line=1)
        header, rows = csv_rows(path, offset=start.offset, line=start.line, on_position=meter.advance)
        columns = CsvColumns.resolve(header, options.csv_mapping)
        yield from batched(_row_items(rows, columns, options, skip=0 if start.offset else skip), batch_size)


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
        batch = Batch(items=1, resume=ResumePoint(offset=row.end, line=row.next_line))
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
