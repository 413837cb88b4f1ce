"""`GET /v1/export/stix`: the STIX 2.1 bundle of everything the caller may see, streamed as it is read.

The sharing rule decides what is exported (docs/sharing.md): the store reads only the claims the caller may see,
so another organization's RED claim is in no export of yours. Objects are written as they are read, so that a
large export streams; `stix.writing` builds each of them.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from atlas_graph.services.caller import Caller
from atlas_graph.services.streaming import CHUNK_BYTES, started
from atlas_graph.stix.vocabulary import TLP_MARKING_IDS
from atlas_graph.stix.writing import (
    entity_object,
    extension_definition,
    located_at_objects,
    location_object,
    organization_identity,
    organization_identity_id,
    producer_identity,
    relationship_objects,
    tlp_marking_definition,
)
from atlas_graph.store import export as export_store
from atlas_graph.store.graph import GraphStore


def stix_bundle(store: GraphStore, *, caller: Caller, entity_ids: list[str] | None = None) -> Iterator[bytes]:
    """The STIX 2.1 bundle of everything the caller may see (of `entity_ids` and the relationships among them, when
    given), as chunks of UTF-8 JSON."""
    return started(_stix_chunks(store, caller.organization, entity_ids))


def _stix_chunks(store: GraphStore, organization: str, entity_ids: list[str] | None) -> Iterator[bytes]:
    with export_store.export_reader(store, organization=organization, entity_ids=entity_ids) as reader:
        registered = reader.registered
        out = _JsonArrayWriter(f'{{"type":"bundle","id":"bundle--{uuid.uuid4()}","objects":[')
        out.add(producer_identity())
        out.add(extension_definition())
        yield out.take()
        written: set[str] = set()
        stix_ids: dict[str, str] = {}

        def add(obj: dict[str, Any], claims: Iterable[Mapping[str, Any]]) -> None:
            # The identities of the organizations whose assertions an object carries, and its markings, go out
            # just before the first object that needs them.
            for name in dict.fromkeys(claim["organization"] for claim in claims):
                identity = organization_identity_id(name)
                if identity not in written:
                    written.add(identity)
                    out.add(organization_identity(name, registered.get(name)))
            for marking in _marking_refs(obj):
                if marking not in written:
                    written.add(marking)
                    out.add(tlp_marking_definition(TLP_MARKING_IDS[marking]))
            out.add(obj)

        for entity in reader.entities():
            sdo = entity_object(entity, organization=organization)
            stix_ids[entity.id] = sdo["id"]
            add(sdo, entity.claims)
            for country, sro, claim in located_at_objects(entity, entity_ref=sdo["id"]):
                if sro["target_ref"] not in written:
                    written.add(sro["target_ref"])
                    out.add(location_object(country))
                add(sro, [claim])
            if out.size >= CHUNK_BYTES:
                yield out.take()
        for relationship in reader.relationships():
            source_ref, target_ref = stix_ids.get(relationship.source), stix_ids.get(relationship.target)
            if source_ref is None or target_ref is None:
                continue
            objects = relationship_objects(
                relationship, source_ref=source_ref, target_ref=target_ref, organization=organization
            )
            for sro, claim in zip(objects, relationship.claims, strict=True):
                add(sro, [claim])
            if out.size >= CHUNK_BYTES:
                yield out.take()
        yield out.take() + b"]}"


def _marking_refs(obj: Mapping[str, Any]) -> list[str]:
    refs = list(obj.get("object_marking_refs", []))
    refs.extend(marking["marking_ref"] for marking in obj.get("granular_markings", []))
    return refs


class _JsonArrayWriter:
    """Collects JSON array items as text, with commas between them, until taken as bytes."""

    def __init__(self, opening: str) -> None:
        self._parts: list[str] = [opening]
        self._first = True
        self.size = len(opening)

    def add(self, item: Mapping[str, Any]) -> None:
        text = json.dumps(item, ensure_ascii=False, separators=(",", ":"))
        if not self._first:
            text = "," + text
        self._first = False
        self._parts.append(text)
        self.size += len(text)

    def take(self) -> bytes:
        data = "".join(self._parts).encode("utf-8")
        self._parts.clear()
        self.size = 0
        return data
