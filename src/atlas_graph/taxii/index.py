"""What a collection holds for one caller: every STIX object with its date added, in date-added order.

The objects are those of the STIX export (`stix.writing`), read from the claims the caller may see, so the
sharing rule decides what is in a collection exactly as it decides what is in an export. An object's *date added*
is when the newest claim it shows was recorded or last updated: an entity's SDO, the latest `updated_at` of its
visible claims; a relationship's SRO (a `located-at` too), its claim's `updated_at`; an organization's identity, the
first of its claims the caller sees; a country's `location`, its first `located-at`. So a client polling with
`added_after` gets what changed for it, and a claim it cannot see moves no date. The fixed objects (atlas-graph's
identity, its extension definition, the five TLP 2.0 markings) are added at their own `created` time, so that a
first poll gets them.

An index is built in one read transaction and kept, per organization and collection, until the graph changes
(`store.ingestion.graph_version`); pages are then cut from it without reading Neo4j again.
"""

from __future__ import annotations

import bisect
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from atlas_graph.models.vocabulary import Tlp
from atlas_graph.stix.writing import (
    entity_object,
    extension_definition,
    located_at_objects,
    location_object,
    organization_identity,
    producer_identity,
    relationship_objects,
    tlp_marking_definition,
)
from atlas_graph.store import export as export_store
from atlas_graph.store.export import ExportedEntity, ExportedRelationship
from atlas_graph.store.graph import GraphStore
from atlas_graph.store.ingestion import graph_version
from atlas_graph.taxii.collections import CollectionName


@dataclass(frozen=True, slots=True)
class IndexedObject:
    """One STIX object of a collection, serialized once, with what filters and manifests need."""

    date_added: datetime
    id: str
    type: str
    version: str
    text: str

    @property
    def sort_key(self) -> tuple[datetime, str]:
        return (self.date_added, self.id)

    def stix(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.text)
        return loaded


@dataclass(frozen=True)
class CollectionIndex:
    """A collection's objects for one caller, ordered by (date added, id)."""

    objects: list[IndexedObject]
    by_id: dict[str, IndexedObject] = field(init=False)
    keys: list[tuple[datetime, str]] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", {item.id: item for item in self.objects})
        object.__setattr__(self, "keys", [item.sort_key for item in self.objects])

    def after(self, key: tuple[datetime, str] | None) -> int:
        """The position of the first object after `key` in (date added, id) order."""
        return 0 if key is None else bisect.bisect_right(self.keys, key)


def stix_time(moment: datetime) -> str:
    """A TAXII timestamp to the microsecond, so that `added_after` of a date added excludes exactly that object."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_STIX_EPOCH = datetime(2025, 1, 1, tzinfo=UTC)  # the `created` of atlas-graph's identity and extension definition
_TLP_2_CREATED = datetime(2022, 10, 1, tzinfo=UTC)


def build_index(store: GraphStore, *, organization: str, collection: CollectionName) -> CollectionIndex:
    """Read, in one transaction, every object of `collection` that `organization` may see."""
    items: list[IndexedObject] = []

    def add(obj: dict[str, Any], date_added: datetime) -> None:
        version = obj.get("modified") or obj["created"]
        text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
        items.append(IndexedObject(date_added=date_added, id=obj["id"], type=obj["type"], version=version, text=text))

    add(producer_identity(), _STIX_EPOCH)
    add(extension_definition(), _STIX_EPOCH)
    for level in Tlp:
        add(tlp_marking_definition(level), _TLP_2_CREATED)
    mine: Callable[[list[dict[str, Any]]], list[dict[str, Any]]] = (
        (lambda claims: [claim for claim in claims if claim["organization"] == organization])
        if collection is CollectionName.OWN
        else (lambda claims: claims)
    )
    first_claim: dict[str, datetime] = {}
    first_location: dict[str, datetime] = {}  # by country: added with the first located-at that points to it
    with export_store.export_reader(store, organization=organization) as reader:
        stix_ids: dict[str, str] = {}
        for entity in reader.entities():
            claims = mine(entity.claims)
            if not claims:
                # Not in `own`, but the relationships of ours that end there still point at its usual STIX id.
                stix_ids[entity.id] = entity_object(entity, organization=organization)["id"]
                continue
            shown_entity = ExportedEntity(id=entity.id, kind=entity.kind, claims=claims)
            sdo = entity_object(shown_entity, organization=organization)
            stix_ids[entity.id] = sdo["id"]
            add(sdo, max(claim["updated_at"] for claim in claims))
            for country, sro, claim in located_at_objects(shown_entity, entity_ref=sdo["id"]):
                add(sro, claim["updated_at"])
                known = first_location.get(country)
                first_location[country] = claim["updated_at"] if known is None else min(known, claim["updated_at"])
            _note_first(first_claim, claims)
        for relationship in reader.relationships():
            claims = mine(relationship.claims)
            source_ref, target_ref = stix_ids.get(relationship.source), stix_ids.get(relationship.target)
            if not claims or source_ref is None or target_ref is None:
                continue
            shown = ExportedRelationship(
                key=relationship.key,
                type=relationship.type,
                source=relationship.source,
                target=relationship.target,
                claims=claims,
            )
            objects = relationship_objects(
                shown, source_ref=source_ref, target_ref=target_ref, organization=organization
            )
            for sro, claim in zip(objects, claims, strict=True):
                add(sro, claim["updated_at"])
            _note_first(first_claim, claims)
        for name, first in first_claim.items():
            add(organization_identity(name, reader.registered.get(name)), first)
        for country, first in first_location.items():
            add(location_object(country), first)
    items.sort(key=lambda item: item.sort_key)
    return CollectionIndex(objects=items)


def _note_first(first_claim: dict[str, datetime], claims: list[dict[str, Any]]) -> None:
    for claim in claims:
        known = first_claim.get(claim["organization"])
        if known is None or claim["recorded_at"] < known:
            first_claim[claim["organization"]] = claim["recorded_at"]


class IndexCache:
    """Built indexes by (organization, collection), valid while the graph version is the one they were built at.

    Holds a few (`capacity`): an index keeps every object of a collection as JSON text. Concurrent requests for the
    same index wait for one build instead of each reading the whole graph.
    """

    def __init__(self, capacity: int = 4) -> None:
        self._capacity = capacity
        self._entries: OrderedDict[tuple[str, CollectionName], tuple[str, CollectionIndex]] = OrderedDict()
        self._lock = threading.Lock()
        self._building: dict[tuple[str, CollectionName], threading.Lock] = {}

    def index(self, store: GraphStore, *, organization: str, collection: CollectionName) -> CollectionIndex:
        key = (organization, collection)
        # The version is read before the objects: a write in between makes the next request build again.
        version = graph_version(store)
        with self._lock:
            build_lock = self._building.setdefault(key, threading.Lock())
        with build_lock:
            with self._lock:
                cached = self._entries.get(key)
                if cached is not None and cached[0] == version:
                    self._entries.move_to_end(key)
                    return cached[1]
            built = build_index(store, organization=organization, collection=collection)
            with self._lock:
                self._entries[key] = (version, built)
                self._entries.move_to_end(key)
                while len(self._entries) > self._capacity:
                    self._entries.popitem(last=False)
            return built
