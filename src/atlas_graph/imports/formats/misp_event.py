"""MISP events (the MISP core format): checked by pymisp, converted to STIX 2.1 by misp-stix, then read as STIX.

A file holds one event (`{"Event": {...}}`), a list of them, or a MISP search answer (`{"response": [...]}`).
Every event is loaded by pymisp and converted before anything is written, so a broken file is one error and stores
nothing. The STIX objects of all the events go to one temporary bundle that `StixReader` reads as any STIX file;
the report names each object by its event (`events[2] objects[7]`).

What comes out (docs/misp.md): threat-actor, tool, ransomware and other galaxies attached to an event become
actors and service providers (misp-stix writes them as STIX SDOs); IP, domain and URL attributes become
infrastructure (misp-stix writes them as cyber-observables). An event's `tlp:` tag, else its distribution level,
is the TLP of every object converted from it that has no marking of its own.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
import uuid
import weakref
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from atlas_graph.errors import InvalidInput, Problem
from atlas_graph.imports.batches import Batch, ImportIssue, Phase, ResumePoint
from atlas_graph.imports.formats.stix import StixReader
from atlas_graph.imports.options import ImportOptions
from atlas_graph.imports.progress import ProgressMeter
from atlas_graph.misp.vocabulary import TLP_STRICTNESS, event_tlp, most_permissive
from atlas_graph.models.vocabulary import Tlp
from atlas_graph.stix.reading import StoredKinds
from atlas_graph.stix.vocabulary import TLP_2_MARKINGS, TLP_MARKING_IDS
from atlas_graph.stix.writing import tlp_marking_definition

_SNIFF = re.compile(rb'^\s*(?:\[\s*)?\{\s*"(?:Event|response|Attribute|Orgc|info)"\s*:')
_TAG_NAMESPACE = uuid.UUID("5e0b3c43-5d69-4a8e-9e57-1f5c2d1e7a10")
_OBJECT_PLACE = re.compile(r"objects\[(\d+)\]")
_UNMARKED = {"marking-definition", "extension-definition", "language-content"}
"""STIX types that take no TLP from their event."""


_GALAXY_TAG = re.compile(r'^misp-galaxy:([a-z0-9-]+)="(.+)"$')
GALAXY_TAG_TYPES: dict[str, str] = {
    **dict.fromkeys(
        ("threat-actor", "microsoft-activity-group", "mitre-intrusion-set", "mitre-enterprise-attack-intrusion-set"),
        "",
    ),
    **dict.fromkeys(("ransomware", "malpedia", "mitre-malware", "banker", "stealer", "backdoor", "android"), ""),
    **dict.fromkeys(("tool", "mitre-tool", "botnet", "rat", "exploit-kit", "tds"), ""),
    # The generic names misp-stix gives STIX objects it turns into tags (as in atlas-graph's own MISP feed), as the
    # galaxy misp-stix converts back to the same STIX type.
    "intrusion-set": "mitre-intrusion-set",
    "malware": "malpedia",
}
"""Galaxy types whose tags (`misp-galaxy:TYPE="VALUE"`, how feeds carry galaxies) become galaxy clusters before
conversion, so that misp-stix converts them as it converts attached galaxies; a value maps a generic name to the
galaxy type misp-stix knows."""
SKIPPED_ATTRIBUTE_TYPES = {"link": "a link to a report: a reference, not infrastructure"}


def is_misp_event_file(path: Path) -> bool:
    """Whether a JSON file starts like MISP events: `{"Event": ...`, `[{"Event": ...`, `{"response": ...`, or a
    bare event as pymisp writes it (`{"Attribute": ...`, `{"info": ...`)."""
    with path.open("rb") as handle:
        head = handle.read(4096).removeprefix(b"\xef\xbb\xbf")
    return _SNIFF.match(head) is not None


class MispEventReader:
    """The events of a MISP file as one STIX bundle, read by `StixReader`: entities first, then relationships."""

    stages: ClassVar[tuple[str, ...]] = StixReader.stages

    def __init__(
        self, path: Path, *, options: ImportOptions, organization: str, stored_kinds: StoredKinds | None = None
    ) -> None:
        events = load_misp_events(path)
        try:
            converted = [misp_event_to_stix(event, where=f"events[{k}]") for k, event in enumerate(events)]
        except InvalidInput as error:
            located = [Problem((str(path),), f"{'.'.join(map(str, p.location))}: {p.message}") for p in error.problems]
            raise InvalidInput(located) from error
        objects, origins = _merge(converted)
        descriptor, name = tempfile.mkstemp(prefix="atlas-misp-", suffix=".stix.json")
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump({"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objects}, handle)
        self.bundle_path = Path(name)
        self._cleanup = weakref.finalize(self, self.bundle_path.unlink, missing_ok=True)
        self._origins = origins
        # Galaxies and attributes an event refers to may be stored already: its relationships reach them (deltas).
        self._stix = StixReader(self.bundle_path, options=options, organization=organization, stored_kinds=stored_kinds)
        # Objects misp-stix could not convert (an attribute it refuses) are listed with the first batch.
        self._pending = [issue for result in converted for issue in result.issues]

    def batches(
        self, phase: Phase, *, batch_size: int, skip: int, resume: ResumePoint | None, meter: ProgressMeter
    ) -> Iterator[Batch]:
        for batch in self._stix.batches(phase, batch_size=batch_size, skip=skip, resume=resume, meter=meter):
            batch.entity_sources = [self._locate(source) for source in batch.entity_sources]
            batch.relationship_sources = [self._locate(source) for source in batch.relationship_sources]
            batch.issues = [
                ImportIssue(self._locate(issue.where), issue.status, issue.reason, issue.id) for issue in batch.issues
            ]
            if self._pending and phase == "entities" and skip == 0:
                batch.issues = [*self._pending, *batch.issues]
                self._pending = []
            yield batch

    def _locate(self, where: str) -> str:
        return _OBJECT_PLACE.sub(lambda match: self._origins[int(match.group(1))], where)


@dataclass
class ConvertedEvent:
    """One MISP event as STIX 2.1 objects, each marked with a TLP, and what was left out before or by misp-stix."""

    where: str
    objects: list[dict[str, Any]]
    issues: list[ImportIssue]


def load_misp_events(path: Path) -> list[dict[str, Any]]:
    """The events of a MISP file, each `{"Event": {...}}` and loadable by pymisp; else InvalidInput, one line."""
    from pymisp import MISPEvent

    try:
        data = json.loads(path.read_bytes())
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise _broken(path, f"not JSON ({error})") from error
    if isinstance(data, dict) and "response" in data:
        data = data["response"]
    elif isinstance(data, dict) and "Event" not in data and ("info" in data or "Attribute" in data):
        data = {"Event": data}  # a bare event, as pymisp's to_json writes one
    items = data if isinstance(data, list) else [data]
    if not items:
        raise _broken(path, "no MISP event in it")
    events = []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("Event"), dict):
            raise _broken(path, f'events[{index}] is not a MISP event: expected {{"Event": {{...}}}}')
        try:
            with _quiet_pymisp():
                MISPEvent().load(json.loads(json.dumps(item)))
        except Exception as error:  # pymisp raises its own errors and plain TypeErrors alike on a broken event
            raise _broken(path, f"events[{index}] is not a valid MISP event: {_first_sentence(error)}") from error
        events.append(item)
    return events


def misp_event_to_stix(event: Mapping[str, Any], *, where: str) -> ConvertedEvent:
    """A MISP event as STIX 2.1 objects by misp-stix; objects without a marking take the event's TLP (an event that
    says none leaves them to the import's default)."""
    from misp_stix_converter import MISPtoSTIX21Parser

    prepared, skipped = prepare_event(event, where=where)
    parser = MISPtoSTIX21Parser()
    try:
        with _quiet_pymisp():
            parser.parse_misp_event(prepared)
            objects: list[dict[str, Any]] = json.loads(parser.bundle.serialize()).get("objects", [])
    except Exception as error:  # misp-stix raises whatever its parsing meets; the event cannot be converted
        raise InvalidInput([Problem((where,), f"misp-stix cannot convert it: {_first_sentence(error)}")]) from error
    issues = skipped + [
        ImportIssue(f"{where} {key}", "invalid", _first_sentence(message))
        for key, messages in dict(parser.errors).items()
        for message in messages
        if message != "Missing Orgc field."  # the creator organization is optional here: the importer is the maker
    ]
    # misp-stix marks an attribute's observed-data with the attribute's tlp tag, not the observables inside it,
    # which are what the import maps: they take the attribute's marking before the event's.
    by_id = {obj.get("id"): obj for obj in objects}
    for obj in objects:
        if obj.get("type") == "observed-data" and obj.get("object_marking_refs"):
            for ref in obj.get("object_refs", []):
                inner = by_id.get(ref)
                if inner is not None and not inner.get("object_marking_refs"):
                    inner["object_marking_refs"] = list(obj["object_marking_refs"])
    tlp = event_tlp(event["Event"])
    if tlp is not None:
        marking = TLP_2_MARKINGS[tlp]
        for obj in objects:
            if obj.get("type") not in _UNMARKED and not obj.get("object_marking_refs"):
                obj["object_marking_refs"] = [marking]
        if not any(obj.get("id") == marking for obj in objects):
            objects.append(tlp_marking_definition(tlp))
    return ConvertedEvent(where, objects, issues)


def prepare_event(event: Mapping[str, Any], *, where: str) -> tuple[dict[str, Any], list[ImportIssue]]:
    """A copy of an event ready for misp-stix: galaxy tags of known types added as galaxy clusters, and link
    attributes left out (with why)."""
    prepared: dict[str, Any] = json.loads(json.dumps(event))
    inner = prepared["Event"]
    skipped: list[ImportIssue] = []
    attributes = inner.get("Attribute") if isinstance(inner.get("Attribute"), list) else []
    kept = []
    for position, attribute in enumerate(attributes):
        reason = SKIPPED_ATTRIBUTE_TYPES.get(str(attribute.get("type"))) if isinstance(attribute, dict) else None
        if reason is None:
            kept.append(attribute)
        else:
            value = str(attribute.get("value"))
            skipped.append(ImportIssue(f"{where} Attribute[{position}]", "skipped", reason, value))
    if attributes:
        inner["Attribute"] = kept
    galaxies = inner.get("Galaxy") if isinstance(inner.get("Galaxy"), list) else []
    attached = {
        (cluster.get("type"), cluster.get("value"))
        for galaxy in galaxies
        if isinstance(galaxy, dict)
        for cluster in galaxy.get("GalaxyCluster") or []
        if isinstance(cluster, dict)
    }
    for tag in inner.get("Tag") or []:
        match = _GALAXY_TAG.match(str(tag.get("name", ""))) if isinstance(tag, dict) else None
        if match is None or match.group(1) not in GALAXY_TAG_TYPES:
            continue
        galaxy_type = GALAXY_TAG_TYPES[match.group(1)] or match.group(1)
        value = match.group(2)
        if (galaxy_type, value) in attached or (match.group(1), value) in attached:
            continue
        attached.add((galaxy_type, value))
        galaxies.append(_tag_galaxy(galaxy_type, value))
    if galaxies:
        inner["Galaxy"] = galaxies
    return prepared, skipped


def _tag_galaxy(galaxy_type: str, value: str) -> dict[str, Any]:
    # The cluster's uuid is not in the tag: one derived from the type and value is the same on every import.
    return {
        "uuid": str(uuid.uuid5(_TAG_NAMESPACE, galaxy_type)),
        "name": galaxy_type,
        "type": galaxy_type,
        "description": galaxy_type,
        "GalaxyCluster": [
            {
                "uuid": str(uuid.uuid5(_TAG_NAMESPACE, f"{galaxy_type}={value}")),
                "type": galaxy_type,
                "value": value,
                "description": value,
                "meta": {},
            }
        ],
    }


def _merge(converted: list[ConvertedEvent]) -> tuple[list[dict[str, Any]], list[str]]:
    """All events' objects in one list, each id once, and where each came from. An object several events hold
    (a galaxy cluster, the creator's identity) keeps the most permissive TLP they give it, as CSV rows do: it is
    visible wherever one of those events is."""
    objects: dict[str, dict[str, Any]] = {}
    origins: dict[str, str] = {}
    for result in converted:
        for position, obj in enumerate(result.objects):
            object_id = str(obj.get("id"))
            origin = f"{result.where} objects[{position}]"
            earlier = objects.get(object_id)
            if earlier is None:
                objects[object_id], origins[object_id] = obj, origin
                continue
            levels = [_marked_tlp(candidate) for candidate in (earlier, obj)]
            if all(level is not None for level in levels):
                earlier["object_marking_refs"] = [TLP_2_MARKINGS[most_permissive(level for level in levels if level)]]
    return list(objects.values()), list(origins.values())


def _marked_tlp(obj: Mapping[str, Any]) -> Tlp | None:
    levels = [TLP_MARKING_IDS[ref] for ref in obj.get("object_marking_refs", []) if ref in TLP_MARKING_IDS]
    return max(levels, key=TLP_STRICTNESS.index) if levels else None


def _broken(path: Path, message: str) -> InvalidInput:
    return InvalidInput([Problem((str(path),), message)])


def _first_sentence(error: object) -> str:
    text = " ".join(str(error).split())
    if ", type has to be in" in text:  # pymisp lists every attribute type it knows: hundreds of words
        text = text.split(", type has to be in")[0] + " (not a MISP attribute type)"
    return text[:300]


@contextmanager
def _quiet_pymisp() -> Iterator[None]:
    """pymisp logs each error it raises as well; the import reports it once, as its own error."""
    logger = logging.getLogger("pymisp")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)
