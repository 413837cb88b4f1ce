"""The MISP feed of what a caller may see: events converted from STIX by misp-stix, one per actor (docs/misp.md).

A MISP instance subscribes to a feed folder: `manifest.json` (every event's uuid with its title, tags, date and
timestamp), one `{uuid}.json` per event, and `hashes.csv` (the MD5 of each attribute value, with its event). The
feed is computed per request from the claims the caller may see (the store reads nothing else), so another
organization's RED claim is in no manifest, event or hash of yours.

The graph is cut into events so that the feed stays browsable (`group_events`):

- one event per actor: the actor, its relationships (either way) and their other ends;
- one event per other entity that is the source of a relationship with no actor end: it, those relationships and
  their targets;
- one event per kind for the entities in no event so far ("infrastructure without relationships").

Each event's STIX objects are written as `GET /v1/export/stix` writes them, except that IP addresses, domains
and URLs are cyber-observables (which misp-stix turns into attributes), and converted by misp-stix's STIX 2.1
importer with galaxies as tags (`misp-galaxy:intrusion-set="FIN7"`): a feed carries no galaxy clusters, only
tags. The relationships, which MISP events have no field for, are listed in an event report. pymisp's `to_feed`
writes the event, its manifest entry and its hashes, as PyMISP's feed generator does.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from atlas_graph.errors import NotFound
from atlas_graph.misp.vocabulary import TAG_FROM_TLP, strictest
from atlas_graph.models.vocabulary import EntityKind, InfrastructureKind, Tlp
from atlas_graph.services.caller import Caller
from atlas_graph.services.entities import describe
from atlas_graph.stix.vocabulary import TLP_2_MARKINGS
from atlas_graph.stix.writing import (
    entity_object,
    relationship_objects,
    tlp_marking_definition,
)
from atlas_graph.store import export as export_store
from atlas_graph.store.export import ExportedEntity, ExportedRelationship
from atlas_graph.store.graph import GraphStore

FEED_NAMESPACE = uuid.UUID("0b8e6f0a-3c1d-5e7a-9f42-6d1c8a2b4e90")
"""Event and attribute uuids are uuid5 names in this namespace: the same on every call and every installation."""
FEED_ORGANIZATION = {"name": "atlas-graph", "uuid": str(uuid.uuid5(FEED_NAMESPACE, "organization atlas-graph"))}
"""The creator organization (`Orgc`) of every event: the feed speaks for the pool, its members are named inside."""

_OBSERVABLE_TYPES: dict[str, str] = {
    InfrastructureKind.DOMAIN.value: "domain-name",
    InfrastructureKind.ONION_SERVICE.value: "domain-name",
    InfrastructureKind.URL.value: "url",
}
_KIND_WORDS = {
    EntityKind.ACTOR: "actor",
    EntityKind.SERVICE_PROVIDER: "service provider",
    EntityKind.FINANCIER: "financier",
    EntityKind.INFRASTRUCTURE: "infrastructure",
    EntityKind.VICTIM: "victim",
}


@dataclass(frozen=True)
class EventGroup:
    """The entities and relationships that one MISP event of the feed holds."""

    uuid: str
    title: str
    entities: list[ExportedEntity]
    relationships: list[ExportedRelationship]


@dataclass(frozen=True)
class FeedEvent:
    """One event of the feed: as its `{uuid}.json` holds it, its manifest entry, and its attributes' MD5 hashes."""

    uuid: str
    event: dict[str, Any]
    manifest: dict[str, Any]
    hashes: list[str]


def feed_events(store: GraphStore, *, caller: Caller) -> list[FeedEvent]:
    """Every event of the caller's feed, in a stable order."""
    groups = _visible_groups(store, caller)
    return [_CONVERTED.event(group) for group in groups]


def feed_event(store: GraphStore, *, caller: Caller, event_uuid: str) -> FeedEvent:
    """One event of the caller's feed; NotFound when the caller's feed has no such event."""
    for group in _visible_groups(store, caller):
        if group.uuid == event_uuid:
            return _CONVERTED.event(group)
    raise NotFound(f"no event {event_uuid} in your MISP feed")


class ConvertedEvents:
    """The events converted lately, by a digest of everything their group holds.

    misp-stix takes about 0.1 s an event, and a MISP pull asks for the manifest, every event and the hashes, each of
    which needs every event; unchanged events are not converted again. An event is a function of its group alone
    (the claims it holds, as one caller sees them), so callers who see the same group share it, and a caller who
    sees more has another group, another digest and another event: nothing crosses the sharing rule.
    """

    def __init__(self, capacity: int = 4096) -> None:
        self.capacity = capacity
        self._events: OrderedDict[str, FeedEvent] = OrderedDict()
        self._lock = threading.Lock()

    def event(self, group: EventGroup) -> FeedEvent:
        key = group_digest(group)
        with self._lock:
            cached = self._events.get(key)
            if cached is not None:
                self._events.move_to_end(key)
                return cached
        converted = misp_feed_event(group)
        with self._lock:
            self._events[key] = converted
            while len(self._events) > self.capacity:
                self._events.popitem(last=False)
        return converted


def group_digest(group: EventGroup) -> str:
    """A digest of everything an event is made from: its uuid, title, entities and relationships with their claims."""
    content = {
        "uuid": group.uuid,
        "title": group.title,
        "entities": [[entity.id, entity.kind, entity.claims] for entity in group.entities],
        "relationships": [[rel.key, rel.type, rel.source, rel.target, rel.claims] for rel in group.relationships],
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()


_CONVERTED = ConvertedEvents()


def manifest(events: Iterable[FeedEvent]) -> dict[str, Any]:
    """`manifest.json`: each event's uuid with its manifest entry."""
    return {event.uuid: event.manifest for event in events}


def hashes_csv(events: Iterable[FeedEvent]) -> str:
    """`hashes.csv`: one `md5,event uuid` line per attribute value, as PyMISP's feed generator writes it."""
    return "".join(f"{digest},{event.uuid}\n" for event in events for digest in event.hashes)


def _visible_groups(store: GraphStore, caller: Caller) -> list[EventGroup]:
    with export_store.export_reader(store, organization=caller.organization) as reader:
        entities = list(reader.entities())
        relationships = list(reader.relationships())
    return group_events(entities, relationships)


def group_events(entities: Sequence[ExportedEntity], relationships: Sequence[ExportedRelationship]) -> list[EventGroup]:
    """Cut a graph into feed events: one per actor, one per other source of relationships without an actor end,
    one per kind for the rest; relationships whose ends are not both among `entities` are left out."""
    by_id = {entity.id: entity for entity in entities}
    relationships = [rel for rel in relationships if rel.source in by_id and rel.target in by_id]
    members: dict[str, dict[str, None]] = {}
    held: dict[str, list[ExportedRelationship]] = {}

    def hold(hub: str, relationship: ExportedRelationship) -> None:
        members.setdefault(hub, {hub: None}).update({relationship.source: None, relationship.target: None})
        held.setdefault(hub, []).append(relationship)

    for entity in entities:
        if entity.kind == EntityKind.ACTOR.value:
            members.setdefault(entity.id, {entity.id: None})
    for relationship in relationships:
        actor_ends = [end for end in (relationship.source, relationship.target) if by_id[end].kind == "actor"]
        for end in dict.fromkeys(actor_ends):
            hold(end, relationship)
        if not actor_ends:
            hold(relationship.source, relationship)
    groups = [
        EventGroup(
            uuid=event_uuid(f"entity {hub}"),
            title=f"{_name(by_id[hub])} ({_KIND_WORDS[EntityKind(by_id[hub].kind)]}) and its relationships",
            entities=[by_id[member] for member in ids],
            relationships=held.get(hub, []),
        )
        for hub, ids in members.items()
    ]
    placed = {member for ids in members.values() for member in ids}
    for kind in EntityKind:
        alone = [entity for entity in entities if entity.kind == kind.value and entity.id not in placed]
        if alone:
            groups.append(
                EventGroup(
                    uuid=event_uuid(f"unrelated {kind.value}"),
                    title=f"{_KIND_WORDS[kind]} without relationships".capitalize(),
                    entities=alone,
                    relationships=[],
                )
            )
    return sorted(groups, key=lambda group: group.uuid)


def event_uuid(name: str) -> str:
    return str(uuid.uuid5(FEED_NAMESPACE, name))


def misp_feed_event(group: EventGroup) -> FeedEvent:
    """One group as a MISP feed event: its STIX objects converted by misp-stix, completed and written by pymisp."""
    from misp_stix_converter import ExternalSTIX2toMISPParser
    from misp_stix_converter.tools.stix2_loading_helpers import load_stix2_content
    from pymisp import MISPOrganisation
    from pymisp.abstract import pymisp_json_default

    bundle = {"type": "bundle", "id": f"bundle--{group.uuid}", "objects": stix_objects(group)}
    parser = ExternalSTIX2toMISPParser()
    with _quiet_converters():
        parser.load_stix_bundle(load_stix2_content(bundle))
        parser.parse_stix_bundle(single_event=True, title=f"atlas-graph: {group.title}", galaxies_as_tags=True)
    event = parser.misp_event
    claims = [claim for entity in group.entities for claim in entity.claims]
    claims += [claim for relationship in group.relationships for claim in relationship.claims]
    event.uuid = group.uuid
    event.info = f"atlas-graph: {group.title}"
    organization = MISPOrganisation()
    organization.from_dict(**FEED_ORGANIZATION)
    event.Orgc = organization
    event.date = min(claim["recorded_at"] for claim in claims).date()
    # MISP pulls an event again when its timestamp grows: the newest visible claim's last update.
    event.timestamp = max(claim["updated_at"] for claim in claims)
    event.publish_timestamp = event.timestamp
    event.published = True
    event.analysis = 2
    event.threat_level_id = 4
    event.add_tag(TAG_FROM_TLP[strictest(Tlp(claim["tlp"]) for claim in claims)])
    # Converted objects carry the time of conversion; the time of the claims keeps each call's answer the same.
    for attribute in event.attributes:
        attribute.timestamp = event.timestamp
    for misp_object in event.objects:
        misp_object.timestamp = event.timestamp
        for attribute in misp_object.attributes:
            attribute.timestamp = event.timestamp
    report = event.add_event_report(name="atlas-graph claims", content=claims_report(group))
    report.uuid = event_uuid(f"report {group.uuid}")
    report.timestamp = event.timestamp
    # pymisp's own JSON encoding (uuids, dates) makes the feed plain JSON, as its feed generator writes it.
    feed = json.loads(json.dumps(event.to_feed(with_meta=True), default=pymisp_json_default))["Event"]
    hashes: list[str] = feed.pop("_hashes")
    entry: dict[str, Any] = feed.pop("_manifest")[group.uuid]
    return FeedEvent(uuid=group.uuid, event={"Event": feed}, manifest=entry, hashes=hashes)


def stix_objects(group: EventGroup) -> list[dict[str, Any]]:
    """A group's STIX 2.1 objects for misp-stix: SDOs and SROs as the STIX export writes them, observables for IP
    addresses, domains and URLs. Without the atlas-graph extension, which MISP does not read, and without the
    members' identities, which misp-stix would turn into organization objects as if they were victims: the claims
    report names who claimed what.

    Every id is made anew for this event (a uuid5 of the event and the object), because MISP keeps one attribute or
    object per uuid across all its events: an IP address that two actors use is an attribute of each actor's event.
    """
    objects: dict[str, dict[str, Any]] = {}
    stix_ids: dict[str, str] = {}
    for entity in group.entities:
        sdo = _entity_stix(entity, group.uuid)
        if sdo is None:
            continue
        stix_ids[entity.id] = sdo["id"]
        _add_markings(objects, entity.claims)
        objects[sdo["id"]] = sdo
    for relationship in group.relationships:
        source_ref, target_ref = stix_ids.get(relationship.source), stix_ids.get(relationship.target)
        if source_ref is None or target_ref is None:
            continue  # an end misp-stix cannot hold (infrastructure other than an address, domain or URL)
        sros = relationship_objects(relationship, source_ref=source_ref, target_ref=target_ref, organization="")
        _add_markings(objects, relationship.claims)
        for sro in sros:
            objects[sro["id"]] = _without_extensions(sro)
    return list(objects.values())


def _entity_stix(entity: ExportedEntity, event: str) -> dict[str, Any] | None:
    _, _, category, _ = describe(entity.claims)
    sdo = _without_extensions(entity_object(entity, organization=""))
    local_id = str(uuid.uuid5(FEED_NAMESPACE, f"{event} {entity.id}"))
    if entity.kind == EntityKind.INFRASTRUCTURE.value:
        observable = _observable_type(category, sdo["name"])
        if observable is None:
            return None
        return {
            "type": observable,
            "spec_version": "2.1",
            "id": f"{observable}--{local_id}",
            "value": sdo["name"],
            "object_marking_refs": sdo["object_marking_refs"],
        }
    sdo["id"] = f"{sdo['type']}--{local_id}"
    return sdo


def _observable_type(category: str | None, value: str) -> str | None:
    if category == InfrastructureKind.IP_ADDRESS.value:
        return "ipv6-addr" if ":" in value else "ipv4-addr"
    return _OBSERVABLE_TYPES.get(category or "")


_DROPPED_PROPERTIES = ("extensions", "granular_markings", "created_by_ref")
"""The atlas-graph extension and the granular markings that point into it mean nothing to MISP; the creator is a
member identity that the event does not hold (the claims report names it)."""


def _without_extensions(obj: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in obj.items() if key not in _DROPPED_PROPERTIES}


def _add_markings(objects: dict[str, dict[str, Any]], claims: Iterable[dict[str, Any]]) -> None:
    for claim in claims:
        marking = TLP_2_MARKINGS[Tlp(claim["tlp"])]
        if marking not in objects:
            objects[marking] = tlp_marking_definition(Tlp(claim["tlp"]))


def claims_report(group: EventGroup) -> str:
    """The event's entities and relationships as Markdown, one line per visible claim with its organization, TLP,
    confidence and dates: the provenance a MISP event has no field for, and the relationships between what its tags
    name."""
    names = {entity.id: _name(entity) for entity in group.entities}
    lines = [f"# {group.title}", "", "## Entities", ""]
    for entity in group.entities:
        kind = _KIND_WORDS[EntityKind(entity.kind)]
        lines += [f"- **{names[entity.id]}** ({kind}): {_claim_details(claim)}" for claim in entity.claims]
    if group.relationships:
        lines += ["", "## Relationships", ""]
    for relationship in group.relationships:
        source, target = names[relationship.source], names[relationship.target]
        lines += [
            f"- **{source}** {relationship.type} **{target}**: {_claim_details(claim)}" for claim in relationship.claims
        ]
    return "\n".join(lines) + "\n"


def _claim_details(claim: dict[str, Any]) -> str:
    details = [claim["organization"], f"TLP:{claim['tlp']}", f"confidence {claim['confidence']}"]
    seen = " to ".join(str(day) for day in (claim.get("first_seen"), claim.get("last_seen")) if day)
    if seen:
        details.append(f"seen {seen}")
    return ", ".join(details)


def _name(entity: ExportedEntity) -> str:
    name, _, _, _ = describe(entity.claims)
    return name


@contextmanager
def _quiet_converters() -> Iterator[None]:
    """misp-stix and pymisp log what they skip; the feed documents what it leaves out instead (docs/misp.md)."""
    loggers = [logging.getLogger(name) for name in ("pymisp", "misp_stix_converter")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
