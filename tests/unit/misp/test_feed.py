"""The MISP feed's events: how a graph is cut into events, and each event as pymisp reads it back."""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pymisp import MISPEvent

from atlas_graph.imports.formats.misp_event import MispEventReader
from atlas_graph.imports.options import ImportOptions
from atlas_graph.imports.progress import ProgressMeter
from atlas_graph.misp.feed import (
    ConvertedEvents,
    EventGroup,
    group_digest,
    group_events,
    hashes_csv,
    manifest,
    misp_feed_event,
)
from atlas_graph.models.vocabulary import Tlp
from atlas_graph.store.export import ExportedEntity, ExportedRelationship


def claim(organization: str, name: str = "", *, tlp: str = "GREEN", category: str | None = None) -> dict[str, Any]:
    return {
        "organization": organization,
        "name": name,
        "aliases": [],
        "tlp": tlp,
        "confidence": 80,
        "category": category,
        "recorded_at": datetime(2024, 1, 2, tzinfo=UTC),
        "updated_at": datetime(2024, 3, 4, tzinfo=UTC),
        "first_seen": None,
        "last_seen": None,
        "references": [],
        "description": None,
        "attributes": {},
    }


ENTITIES = [
    ExportedEntity("actor--fin7", "actor", [claim("Org A", "FIN7", category="group")]),
    ExportedEntity("actor--lone", "actor", [claim("Org A", "Lone Wolf", category="individual")]),
    ExportedEntity("sp--cs", "service_provider", [claim("Org A", "Cobalt Strike", category="tool")]),
    ExportedEntity("sp--lb", "service_provider", [claim("Org B", "LockBit", tlp="AMBER", category="malware")]),
    ExportedEntity("inf--ip", "infrastructure", [claim("Org A", "203.0.113.7", category="ip_address")]),
    ExportedEntity("inf--dom", "infrastructure", [claim("Org A", "evil.example", category="domain")]),
    ExportedEntity("inf--alone", "infrastructure", [claim("Org A", "alone.example", category="domain")]),
    ExportedEntity("inf--srv", "infrastructure", [claim("Org A", "Some server", category="server")]),
    ExportedEntity("v--bank", "victim", [claim("Org A", "Bank of Foo", category="organization")]),
]
RELATIONSHIPS = [
    ExportedRelationship("r1", "USES", "actor--fin7", "sp--cs", [claim("Org A")]),
    ExportedRelationship("r2", "USES", "actor--fin7", "inf--ip", [claim("Org A"), claim("Org B", tlp="AMBER")]),
    ExportedRelationship("r3", "TARGETS", "actor--fin7", "v--bank", [claim("Org B")]),
    ExportedRelationship("r4", "USES", "sp--lb", "inf--dom", [claim("Org B")]),
    ExportedRelationship("r5", "AFFILIATED_WITH", "actor--lone", "actor--fin7", [claim("Org A")]),
    ExportedRelationship("r6", "USES", "actor--fin7", "actor--hidden", [claim("Org A")]),
]


def by_title(groups: list[EventGroup]) -> dict[str, tuple[list[str], list[str]]]:
    return {g.title: ([e.id for e in g.entities], [r.key for r in g.relationships]) for g in groups}


def test_a_graph_is_cut_into_one_event_per_actor_per_other_hub_and_per_kind_left() -> None:
    groups = group_events(ENTITIES, RELATIONSHIPS)
    assert by_title(groups) == {
        "FIN7 (actor) and its relationships": (
            ["actor--fin7", "sp--cs", "inf--ip", "v--bank", "actor--lone"],
            ["r1", "r2", "r3", "r5"],
        ),
        "Lone Wolf (actor) and its relationships": (["actor--lone", "actor--fin7"], ["r5"]),
        "LockBit (service provider) and its relationships": (["sp--lb", "inf--dom"], ["r4"]),
        "Infrastructure without relationships": (["inf--alone", "inf--srv"], []),
    }
    # The same uuids on every call, whatever the order the store gave.
    again = group_events(list(reversed(ENTITIES)), list(reversed(RELATIONSHIPS)))
    assert [g.uuid for g in groups] == [g.uuid for g in again]


def test_each_event_loads_in_pymisp_with_tags_attributes_and_the_claims_report() -> None:
    groups = {g.title: g for g in group_events(ENTITIES, RELATIONSHIPS)}
    fin7 = misp_feed_event(groups["FIN7 (actor) and its relationships"])
    loaded = MISPEvent()
    loaded.load(copy.deepcopy(fin7.event))  # load() consumes the dict it is given
    assert loaded.uuid == fin7.uuid
    assert loaded.info == "atlas-graph: FIN7 (actor) and its relationships"
    assert loaded.Orgc.name == "atlas-graph"
    tags = {tag.name for tag in loaded.tags}
    assert {'misp-galaxy:intrusion-set="FIN7"', 'misp-galaxy:tool="Cobalt Strike"', "tlp:amber"} <= tags
    assert {'misp-galaxy:threat-actor="Lone Wolf"'} <= tags
    assert [(a.type, a.value) for a in loaded.attributes] == [("ip-dst", "203.0.113.7")]
    assert [o.name for o in loaded.objects] == ["organization"]  # the victim
    (report,) = loaded.event_reports
    assert "- **FIN7** USES **203.0.113.7**: Org B, TLP:AMBER, confidence 80" in report.content
    assert "- **FIN7** TARGETS **Bank of Foo**: Org B, TLP:GREEN, confidence 80" in report.content
    # The manifest entry and the hashes are those pymisp's feed generator writes for the event.
    newest = int(datetime(2024, 3, 4, tzinfo=UTC).timestamp())
    assert fin7.manifest == loaded.manifest[fin7.uuid] | {"timestamp": newest}
    assert hashlib.md5(b"203.0.113.7").hexdigest() in fin7.hashes
    assert misp_feed_event(groups["FIN7 (actor) and its relationships"]) == fin7


def test_an_ip_address_two_actors_use_is_an_attribute_of_each_with_its_own_uuid() -> None:
    shared = [*RELATIONSHIPS, ExportedRelationship("r7", "USES", "actor--lone", "inf--ip", [claim("Org A")])]
    groups = {g.title: g for g in group_events(ENTITIES, shared)}
    events = [misp_feed_event(groups[f"{name} (actor) and its relationships"]) for name in ("FIN7", "Lone Wolf")]
    attributes = [next(a for a in event.event["Event"]["Attribute"] if a["value"] == "203.0.113.7") for event in events]
    assert attributes[0]["uuid"] != attributes[1]["uuid"]
    lines = hashes_csv(events).splitlines()
    digest = hashlib.md5(b"203.0.113.7").hexdigest()
    assert {f"{digest},{events[0].uuid}", f"{digest},{events[1].uuid}"} <= set(lines)
    assert set(manifest(events)) == {event.uuid for event in events}


def test_the_import_reads_a_feed_event_back_into_the_same_entities(tmp_path: Path) -> None:
    groups = {g.title: g for g in group_events(ENTITIES, RELATIONSHIPS)}
    served = misp_feed_event(groups["FIN7 (actor) and its relationships"])
    path = tmp_path / f"{served.uuid}.json"
    path.write_text(json.dumps(served.event))
    reader = MispEventReader(path, options=ImportOptions(default_tlp=Tlp.RED), organization="Org C")
    meter = ProgressMeter(path.name, ("checksum", *reader.stages), None)
    entities = [
        (entity.kind.value, entity.name, entity.category, entity.tlp.value if entity.tlp else None)
        for batch in reader.batches("entities", batch_size=100, skip=0, resume=None, meter=meter)
        for entity in batch.entities
    ]
    assert sorted(entities) == [
        ("actor", "FIN7", "group", "AMBER"),
        ("actor", "Lone Wolf", "group", "AMBER"),  # a threat-actor galaxy's clusters are groups
        ("infrastructure", "203.0.113.7", "ip_address", "GREEN"),  # the attribute's own tlp tag
        ("service_provider", "Cobalt Strike", "tool", "AMBER"),
    ]


def test_converted_events_are_kept_by_the_content_of_their_group() -> None:
    converted = ConvertedEvents(capacity=1)
    group = next(g for g in group_events(ENTITIES, RELATIONSHIPS) if g.title.startswith("LockBit"))
    first = converted.event(group)
    assert converted.event(group) is first
    # Another claim (here a stricter TLP on the domain) is another group: converted anew, never the kept event.
    red = claim("Org A", "evil.example", tlp="RED", category="domain")
    stricter = ExportedEntity("inf--dom", "infrastructure", [red])
    changed = EventGroup(group.uuid, group.title, [group.entities[0], stricter], group.relationships)
    assert group_digest(changed) != group_digest(group)
    other = converted.event(changed)
    assert other is not first and "tlp:red" in json.dumps(other.event)
    assert converted.event(group) is not first  # capacity 1: the first was let go
