"""STIX 2.1 bundles, read in batches: each batch mapped by `atlas_graph.stix.reading` with what it refers to."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, ClassVar, TypeVar

from atlas_graph.errors import InvalidInput, Problem
from atlas_graph.imports.batches import Batch, ImportIssue, IssueStatus, Phase, ResumePoint, item_id, why
from atlas_graph.imports.jsonstream import JsonStream, read_span
from atlas_graph.imports.options import ImportOptions
from atlas_graph.imports.progress import ProgressMeter
from atlas_graph.models.stix import StixObjectIssueOut
from atlas_graph.stix import reading as stix_reading
from atlas_graph.stix.reading import (
    LocatedAt,
    Revoked,
    StoredKinds,
    entity_from_stix,
    is_atlas_object,
    relationship_from_stix,
)
from atlas_graph.stix.vocabulary import LOCATED_AT

_Waiting = TypeVar("_Waiting", LocatedAt, Revoked)


@dataclass
class StixIndex:
    """What a STIX bundle's relationships and creators need of the rest of the file, found in one streamed pass."""

    objects: int = 0
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Byte span of every object that is not a relationship, by id (to read a relationship's ends back)."""
    markings: list[dict[str, Any]] = field(default_factory=list)
    targeted_by: dict[str, tuple[int, int]] = field(default_factory=dict)
    """For each object that something `targets`, the span of one such relationship (identities become victims)."""
    located_at: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    """For each object, the spans of the `located-at` relationships from it (its countries join its claim)."""


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
                    if obj.get("relationship_type") == LOCATED_AT and isinstance(obj.get("source_ref"), str):
                        index.located_at.setdefault(obj["source_ref"], []).append((start, end))
                    continue
                index.spans[obj["id"]] = (start, end)
                if obj.get("type") == "marking-definition":
                    index.markings.append(obj)
        if not found:
            raise InvalidInput([Problem((str(path),), "not a STIX bundle: no `objects` list")])
    if meter is not None:
        meter.finish()
    return index


class StixReader:
    """Objects other than relationships first, then relationships; each batch is mapped by `stix.reading` together
    with the objects it refers to (markings, creators, a relationship's ends), read back from the file by offset.

    Objects an atlas-graph export wrote (they carry its extension) are read back exactly instead. The index of the
    file is made once, in its own stage, and serves both phases.
    """

    stages: ClassVar[tuple[str, ...]] = ("index", "entities", "relationships")

    def __init__(
        self,
        path: Path,
        *,
        options: ImportOptions,
        organization: str,
        stored_kinds: StoredKinds | None = None,
        index: StixIndex | None = None,
    ) -> None:
        self.path = path
        self.options = options
        self.organization = organization
        self.stored_kinds = stored_kinds
        self.index = index

    def batches(
        self, phase: Phase, *, batch_size: int, skip: int, resume: ResumePoint | None, meter: ProgressMeter
    ) -> Iterator[Batch]:
        if self.index is None:
            self.index = index_stix(self.path, meter=meter)
        index, options, organization, stored = self.index, self.options, self.organization, self.stored_kinds
        meter.start(phase, total=self.path.stat().st_size, unit="bytes")
        with self.path.open("rb") as handle, self.path.open("rb") as lookup:
            # Progress is the end of the last object handed on, not the bytes read ahead: a file smaller than the
            # stream's 1 MB chunk would otherwise show 100% from its first batch to its last.
            stream = JsonStream(handle, name=str(self.path))
            chunk: list[tuple[int, Any]] = []
            position = -1
            for key, value in stream.members(streamed=("objects",)):
                if key != "objects" or not isinstance(value, Iterator):
                    continue
                for file_index, (obj, _, end) in enumerate(value):
                    meter.advance(end)
                    is_relationship = isinstance(obj, dict) and obj.get("type") == "relationship"
                    if is_relationship != (phase == "relationships"):
                        continue
                    position += 1
                    if position < skip:
                        continue
                    chunk.append((file_index, obj))
                    if len(chunk) >= batch_size:
                        yield map_stix_chunk(
                            chunk, index, lookup, options=options, organization=organization, stored_kinds=stored
                        )
                        chunk = []
            if chunk:
                yield map_stix_chunk(
                    chunk, index, lookup, options=options, organization=organization, stored_kinds=stored
                )


def map_stix_chunk(
    chunk: Sequence[tuple[int, Any]],
    index: StixIndex,
    lookup: BinaryIO,
    *,
    options: ImportOptions,
    organization: str,
    stored_kinds: StoredKinds | None = None,
) -> Batch:
    """Map some objects of a STIX bundle (by their position in it) as `stix.reading` would map the whole bundle.

    With `stored_kinds`, a relationship whose ends are not in the file maps to the entities stored under their ids
    (a delta), and revoked objects are handed on to be retracted, as `POST /v1/stix` does.
    """
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
                batch.issues.append(ImportIssue(where, "invalid", why(error), item_id(obj)))
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
    # An entity's countries come from its `located-at` relationships and their locations: bring those along too.
    located = [
        read_span(lookup, *span)
        for _, obj in foreign
        if isinstance(obj, dict) and obj.get("type") != "relationship"
        for span in index.located_at.get(str(obj.get("id")), [])
    ]
    locations = dict.fromkeys(
        str(relationship.get("target_ref")) for relationship in located if isinstance(relationship, dict)
    )
    context += located + [read_span(lookup, *index.spans[ref]) for ref in locations if ref in index.spans]
    # An export's entity brings its countries in the atlas-graph extension, read exactly: its located-at say it again.
    extended = {obj["id"] for obj in context if isinstance(obj, dict) and is_atlas_object(obj)}
    said_again = [(i, obj) for i, obj in foreign if _located_at_from(obj, extended)]
    for file_index, obj in said_again:
        reason = "its entity's countries come from the atlas-graph extension of the entity's own object"
        batch.issues.append(ImportIssue(f"objects[{file_index}]", "skipped", reason, item_id(obj)))
    if said_again:
        foreign = [(i, obj) for i, obj in foreign if not _located_at_from(obj, extended)]
        if not foreign:
            return batch
    offset = len(context)
    mapped = stix_reading.map_stix_bundle(
        {"type": "bundle", "objects": [*context, *(obj for _, obj in foreign)]},
        default_tlp=options.default_tlp,
        default_confidence=options.default_confidence,
        **({"stored_kinds": stored_kinds} if stored_kinds is not None else {}),
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

    def after_storing(items: Sequence[_Waiting], kept: list[tuple[str, _Waiting]], reason: str) -> None:
        """Hand on what needs the store once the batch is in, or say why it is skipped without a store."""
        for item in items:
            if item.index < offset:
                continue
            if stored_kinds is None:
                batch.issues.append(ImportIssue(source(item.index), "skipped", reason, item.id))
            else:
                kept.append((source(item.index), item))

    after_storing(
        mapped.located_deltas,
        batch.located,
        "located-at an entity not in this file (an import that reads the store adds the country)",
    )
    after_storing(
        mapped.revoked,
        batch.revoked,
        "revoked by its producer (an import that reads the store retracts your claim on it)",
    )
    return batch


def _located_at_from(obj: Any, sources: set[str]) -> bool:
    """Whether `obj` is a `located-at` relationship from one of `sources`."""
    return isinstance(obj, dict) and obj.get("relationship_type") == LOCATED_AT and obj.get("source_ref") in sources
