"""Exports of everything the caller may see: a STIX 2.1 bundle, GraphML, and CSV nodes and edges in a zip.

The sharing rule decides what is exported (docs/sharing.md): the store reads only the claims the caller may see,
so another organization's RED claim is in no export of yours.

STIX (docs/import-export.md): an entity is one SDO whose top-level properties are those of its *primary*
assertion, the one that gives its name (the oldest community-visible one, else the oldest the caller may see):
name, aliases, description, confidence, dates, references, creator (`created_by_ref`, an identity per
organization) and TLP 2.0 marking. The atlas-graph property extension carries the kind and category and every
assertion the caller may see, each under a granular marking when its TLP is not the object's. A relationship
assertion is one relationship SRO, created by its organization, with its own confidence, marking and dates.
Objects are written as they are read, so that a large export streams.

This module also reads the extension back (`entity_from_stix`, `relationship_from_stix`), so that an export
imported into an empty graph gives the same export again.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import uuid
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import chain
from typing import Any
from urllib.parse import urlsplit
from xml.sax.saxutils import escape, quoteattr

from atlas_graph.models.bundles import EntityIn, EntityRef, RelationshipIn
from atlas_graph.models.export import CSV_LIST_SEPARATOR
from atlas_graph.models.vocabulary import (
    COMMUNITY_TLPS,
    ActorCategory,
    EntityKind,
    RelationshipType,
    ServiceKind,
    Tlp,
)
from atlas_graph.services.caller import Caller
from atlas_graph.services.entities import describe
from atlas_graph.store import export as export_store
from atlas_graph.store.export import ExportedEntity, ExportedRelationship
from atlas_graph.store.graph import GraphStore

STIX_MEDIA_TYPE = "application/stix+json;version=2.1"

ATLAS_EXTENSION_ID = "extension-definition--8f3f0b9e-5d6c-4d8e-9a53-3c2f1e7b6a41"
"""The atlas-graph property extension (schema: docs/atlas-stix-extension.schema.json)."""
ATLAS_EXTENSION_VERSION = "1.0.0"
ATLAS_IDENTITY_ID = "identity--2b7a1c54-9e0d-4f3a-8c6b-5d4e3f2a1b0c"
"""atlas-graph itself, the creator of the extension definition."""
_EPOCH = "2025-01-01T00:00:00.000Z"

TLP_2_EXTENSION_ID = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP_2_MARKINGS: dict[Tlp, str] = {
    Tlp.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    Tlp.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    Tlp.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    Tlp.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    Tlp.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
"""The OASIS TLP 2.0 marking definitions, by their fixed ids (as services/stix_import.py reads them)."""

TLP_ORDER: tuple[Tlp, ...] = (Tlp.CLEAR, Tlp.GREEN, Tlp.AMBER, Tlp.AMBER_STRICT, Tlp.RED)
"""From the least to the most restrictive."""

_COMMUNITY = {tlp.value for tlp in COMMUNITY_TLPS}

# Our relationship types as STIX relationship types: standard ones that services/stix_import.py maps back to the
# same type where one fits, custom ones (allowed by STIX 2.1, with a validator warning) where none does.
STIX_RELATIONSHIP_TYPES: dict[RelationshipType, str] = {
    RelationshipType.USES: "uses",
    RelationshipType.TARGETS: "targets",
    RelationshipType.AFFILIATED_WITH: "attributed-to",
    RelationshipType.OPERATES: "controls",
    RelationshipType.SUPPLIES: "delivers",
    RelationshipType.LAUNDERS_FOR: "launders-for",
    RelationshipType.PAYS: "pays",
}

_SOFTWARE_MALWARE = {
    ServiceKind.MALWARE.value: None,
    ServiceKind.MALWARE_AS_A_SERVICE.value: None,
    ServiceKind.RANSOMWARE_AS_A_SERVICE.value: "ransomware",
    ServiceKind.BOTNET.value: "bot",
}
_SOFTWARE_TOOLS = {ServiceKind.TOOL.value, ServiceKind.PHISHING_KIT.value, ServiceKind.CRYPTING.value}
_VICTIM_CLASSES = {"organization": "organization", "sector": "class", "individual": "individual"}
_STIX_TYPES_WITH_ALIASES = {"intrusion-set", "threat-actor", "campaign", "malware", "tool", "infrastructure"}
_STIX_TYPES_WITH_SEEN = {"intrusion-set", "threat-actor", "campaign", "malware", "infrastructure"}
_URL = re.compile(r"^https?://", re.IGNORECASE)
_CHUNK = 64 * 1024


# --- STIX: identifiers and fixed objects -------------------------------------------------------------------------


def stable_uuid(*parts: str) -> str:
    """A UUID (version 4 in form, as STIX 2.1 asks of SDOs) derived from `parts`: the same on every installation."""
    digest = hashlib.sha256("\x1f".join(("atlas-graph", *parts)).encode("utf-8")).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def organization_identity_id(name: str) -> str:
    return f"identity--{stable_uuid('organization', name)}"


def stix_type_for(kind: EntityKind, category: str | None) -> str:
    """The STIX object type an entity is written as (docs/import-export.md, "Entities")."""
    if kind is EntityKind.ACTOR:
        if category == ActorCategory.CAMPAIGN.value:
            return "campaign"
        return "threat-actor" if category == ActorCategory.INDIVIDUAL.value else "intrusion-set"
    if kind is EntityKind.SERVICE_PROVIDER:
        if category in _SOFTWARE_MALWARE:
            return "malware"
        return "tool" if category in _SOFTWARE_TOOLS else "identity"
    if kind is EntityKind.INFRASTRUCTURE:
        return "infrastructure"
    return "identity"  # financiers, victims


def entity_stix_id(entity_id: str, stix_type: str, given_ids: Sequence[str] = ()) -> str:
    """The entity's own id when it is already a STIX id of that type (e.g. from ATT&CK), else the first such id a
    visible claim was made against (so that an imported export keeps its ids: node ids of kinds that STIX's
    `identity` does not tell apart are derived from the id given), else one derived from the entity's id."""
    for candidate in (entity_id, *given_ids):
        prefix, _, rest = candidate.partition("--")
        if prefix == stix_type:
            try:
                parsed = uuid.UUID(rest)
            except ValueError:
                parsed = None
            if parsed is not None and str(parsed) == rest and parsed.variant == uuid.RFC_4122:
                return candidate
    return f"{stix_type}--{stable_uuid('entity', entity_id)}"


def tlp_marking_definition(tlp: Tlp) -> dict[str, Any]:
    """The OASIS TLP 2.0 marking definition object of a level."""
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": TLP_2_MARKINGS[tlp],
        "created": "2022-10-01T00:00:00.000Z",
        "name": f"TLP:{tlp.value}",
        "extensions": {TLP_2_EXTENSION_ID: {"extension_type": "property-extension", "tlp_2_0": tlp.value.lower()}},
    }


def producer_identity() -> dict[str, Any]:
    return {
        "type": "identity",
        "spec_version": "2.1",
        "id": ATLAS_IDENTITY_ID,
        "created": _EPOCH,
        "modified": _EPOCH,
        "name": "atlas-graph",
        "description": "The atlas-graph service, which defines the atlas-graph STIX extension.",
        "identity_class": "system",
    }


def extension_definition() -> dict[str, Any]:
    return {
        "type": "extension-definition",
        "spec_version": "2.1",
        "id": ATLAS_EXTENSION_ID,
        "created_by_ref": ATLAS_IDENTITY_ID,
        "created": _EPOCH,
        "modified": _EPOCH,
        "name": "atlas-graph ecosystem model",
        "description": "The kind and category of an atlas-graph entity (actor, service provider, financier, "
        "infrastructure, victim), its assertions by member organizations with their provenance, and the "
        "atlas-graph type of a relationship.",
        "schema": "JSON Schema: docs/atlas-stix-extension.schema.json in the atlas-graph repository "
        "(described in docs/import-export.md)",
        "version": ATLAS_EXTENSION_VERSION,
        "extension_types": ["property-extension"],
    }


def organization_identity(name: str, registered: datetime | None) -> dict[str, Any]:
    created = stix_timestamp(registered) if registered is not None else _EPOCH
    return {
        "type": "identity",
        "spec_version": "2.1",
        "id": organization_identity_id(name),
        "created": created,
        "modified": created,
        "name": name,
        "identity_class": "organization",
        "roles": ["atlas-graph member"],
    }


# --- STIX: entities and relationships ----------------------------------------------------------------------------


def primary_claim_index(claims: list[dict[str, Any]]) -> int:
    """The claim that names the entity: the oldest community-visible one, else the oldest (docs/sharing.md)."""
    return next((index for index, claim in enumerate(claims) if claim["tlp"] in _COMMUNITY), 0)


def entity_object(entity: ExportedEntity, *, organization: str) -> dict[str, Any]:
    """One entity as a STIX SDO: its primary assertion, with every visible assertion in the extension."""
    claims = entity.claims
    kind = EntityKind(entity.kind)
    primary_index = primary_claim_index(claims)
    primary = claims[primary_index]
    stix_type = stix_type_for(kind, primary.get("category"))
    sdo: dict[str, Any] = {
        "type": stix_type,
        "spec_version": "2.1",
        "id": entity_stix_id(entity.id, stix_type, [str(claim["anchor"]) for claim in claims if claim.get("anchor")]),
        "created_by_ref": organization_identity_id(primary["organization"]),
        "created": stix_timestamp(min(claim["recorded_at"] for claim in claims)),
        "modified": stix_timestamp(max(claim["updated_at"] for claim in claims)),
        "name": primary["name"],
    }
    aliases = list(primary.get("aliases") or [])
    if aliases and stix_type in _STIX_TYPES_WITH_ALIASES:
        sdo["aliases"] = aliases
    if primary.get("description"):
        sdo["description"] = primary["description"]
    sdo.update(_type_properties(stix_type, kind, primary.get("category")))
    if stix_type in _STIX_TYPES_WITH_SEEN:
        if primary.get("first_seen"):
            sdo["first_seen"] = _day_start(primary["first_seen"])
        if primary.get("last_seen"):
            sdo["last_seen"] = _day_end(primary["last_seen"])
    sdo["confidence"] = primary["confidence"]
    if primary.get("references"):
        sdo["external_references"] = [external_reference(reference) for reference in primary["references"]]
    sdo["object_marking_refs"] = [TLP_2_MARKINGS[Tlp(primary["tlp"])]]
    extension: dict[str, Any] = {"extension_type": "property-extension", "kind": kind.value}
    if primary.get("category"):
        extension["category"] = primary["category"]
    attributes = _attributes(primary)
    if attributes:
        extension["attributes"] = attributes
    extension["primary"] = primary_index
    extension["assertions"] = [_assertion(claim, organization, entity=True) for claim in claims]
    sdo["extensions"] = {ATLAS_EXTENSION_ID: extension}
    granular = _granular_markings(claims, Tlp(primary["tlp"]))
    if granular:
        sdo["granular_markings"] = granular
    return sdo


def relationship_objects(
    relationship: ExportedRelationship, *, source_ref: str, target_ref: str, organization: str
) -> list[dict[str, Any]]:
    """One relationship SRO per visible assertion, each created by its organization and under its own marking."""
    rel_type = RelationshipType(relationship.type)
    objects = []
    for claim in relationship.claims:
        sro: dict[str, Any] = {
            "type": "relationship",
            "spec_version": "2.1",
            "id": "relationship--"
            + stable_uuid("relationship", source_ref, rel_type.value, target_ref, claim["organization"]),
            "created_by_ref": organization_identity_id(claim["organization"]),
            "created": stix_timestamp(claim["recorded_at"]),
            "modified": stix_timestamp(claim["updated_at"]),
            "relationship_type": STIX_RELATIONSHIP_TYPES[rel_type],
            "source_ref": source_ref,
            "target_ref": target_ref,
        }
        if claim.get("description"):
            sro["description"] = claim["description"]
        if claim.get("first_seen"):
            sro["start_time"] = _day_start(claim["first_seen"])
        if claim.get("last_seen"):
            sro["stop_time"] = _day_end(claim["last_seen"])
        sro["confidence"] = claim["confidence"]
        if claim.get("references"):
            sro["external_references"] = [external_reference(reference) for reference in claim["references"]]
        sro["object_marking_refs"] = [TLP_2_MARKINGS[Tlp(claim["tlp"])]]
        sro["extensions"] = {
            ATLAS_EXTENSION_ID: {
                "extension_type": "property-extension",
                "type": rel_type.value,
                "assertion": _assertion(claim, organization, entity=False),
            }
        }
        objects.append(sro)
    return objects


def external_reference(reference: str) -> dict[str, str]:
    """A URL keeps its URL; `source:id` becomes source_name and external_id, which stix_import joins back."""
    if _URL.match(reference):
        return {"source_name": urlsplit(reference).hostname or "reference", "url": reference}
    source, separator, identifier = reference.partition(":")
    if separator and source.strip() and identifier.strip():
        return {"source_name": source, "external_id": identifier}
    return {"source_name": "atlas-graph", "description": reference}


def stix_timestamp(moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _day_start(day: date) -> str:
    return f"{day.isoformat()}T00:00:00.000Z"


def _day_end(day: date) -> str:
    # The end of the day, so that a claim seen on one day only still has stop_time after start_time.
    return f"{day.isoformat()}T23:59:59.999Z"


def _type_properties(stix_type: str, kind: EntityKind, category: str | None) -> dict[str, Any]:
    if stix_type == "malware":
        malware_type = _SOFTWARE_MALWARE.get(category or "")
        return {"is_family": True, **({"malware_types": [malware_type]} if malware_type else {})}
    if stix_type == "threat-actor":
        return {"threat_actor_types": ["criminal"], "resource_level": "individual"}
    if stix_type == "infrastructure":
        return {"infrastructure_types": ["hosting-malware" if category == "hosting" else "unknown"]}
    if stix_type == "identity":
        if kind is EntityKind.VICTIM:
            return {"identity_class": _VICTIM_CLASSES.get(category or "", "organization")}
        return {"identity_class": "group" if category == "mule_network" else "organization"}
    return {}


def _attributes(claim: Mapping[str, Any]) -> dict[str, Any]:
    raw = claim.get("attributes")
    return dict(json.loads(raw)) if raw else {}


def _assertion(claim: Mapping[str, Any], organization: str, *, entity: bool) -> dict[str, Any]:
    """One assertion in the extension; STIX allows neither nulls nor empty lists, so absent values are left out."""
    entry: dict[str, Any] = {
        "organization": claim["organization"],
        "confidence": claim["confidence"],
        "tlp": claim["tlp"],
    }
    if entity:
        entry["name"] = claim["name"]
        entry["aliases"] = list(claim.get("aliases") or [])
        entry["category"] = claim.get("category")
    else:
        entry["amount"] = claim.get("amount")
        entry["currency"] = claim.get("currency")
    entry["attributes"] = _attributes(claim)
    entry["first_seen"] = claim["first_seen"].isoformat() if claim.get("first_seen") else None
    entry["last_seen"] = claim["last_seen"].isoformat() if claim.get("last_seen") else None
    entry["references"] = list(claim.get("references") or [])
    entry["description"] = claim.get("description")
    # share_with is shown only to the organization that wrote it (docs/sharing.md).
    entry["share_with"] = list(claim.get("share_with") or []) if claim["organization"] == organization else []
    entry["recorded_at"] = stix_timestamp(claim["recorded_at"])
    entry["updated_at"] = stix_timestamp(claim["updated_at"])
    return {name: value for name, value in entry.items() if value is not None and value != [] and value != {}}


def _granular_markings(claims: list[dict[str, Any]], object_tlp: Tlp) -> list[dict[str, Any]]:
    selectors: dict[Tlp, list[str]] = {}
    for index, claim in enumerate(claims):
        tlp = Tlp(claim["tlp"])
        if tlp is not object_tlp:
            selectors.setdefault(tlp, []).append(f"extensions.{ATLAS_EXTENSION_ID}.assertions.[{index}]")
    return [{"marking_ref": TLP_2_MARKINGS[tlp], "selectors": selectors[tlp]} for tlp in TLP_ORDER if tlp in selectors]


# --- STIX: reading the extension back ----------------------------------------------------------------------------


def is_atlas_object(obj: Mapping[str, Any]) -> bool:
    """Whether an object carries the atlas-graph extension (an export of atlas-graph)."""
    extensions = obj.get("extensions")
    return isinstance(extensions, Mapping) and isinstance(extensions.get(ATLAS_EXTENSION_ID), Mapping)


def entity_from_stix(obj: Mapping[str, Any], *, organization: str) -> EntityIn:
    """The claim to make of an exported entity: the importer's own assertion if it is listed, else the primary.

    Raises ValueError (pydantic's ValidationError is one) when the object does not follow the extension.
    """
    extension = obj["extensions"][ATLAS_EXTENSION_ID]
    assertions = extension.get("assertions")
    if not isinstance(assertions, list) or not assertions:
        raise ValueError("the atlas-graph extension lists no assertion")
    own = next((a for a in assertions if isinstance(a, Mapping) and a.get("organization") == organization), None)
    primary = extension.get("primary", 0)
    if own is None and not (isinstance(primary, int) and 0 <= primary < len(assertions)):
        raise ValueError("the atlas-graph extension's `primary` is not an index of its assertions")
    chosen = own if own is not None else assertions[primary]
    if not isinstance(chosen, Mapping):
        raise ValueError("an assertion of the atlas-graph extension is not an object")
    return EntityIn.model_validate(
        {
            "kind": extension.get("kind"),
            "id": obj["id"],
            "name": chosen.get("name"),
            "aliases": chosen.get("aliases", []),
            "category": chosen.get("category"),
            "attributes": chosen.get("attributes", {}),
            **_claim_fields(chosen, own=own is not None),
        }
    )


def relationship_from_stix(obj: Mapping[str, Any], *, organization: str) -> RelationshipIn:
    """The claim to make of an exported relationship assertion, between the entities its refs name."""
    extension = obj["extensions"][ATLAS_EXTENSION_ID]
    assertion = extension.get("assertion")
    if not isinstance(assertion, Mapping):
        raise ValueError("the atlas-graph extension has no assertion")
    return RelationshipIn.model_validate(
        {
            "type": extension.get("type"),
            "source": EntityRef(id=obj["source_ref"]),
            "target": EntityRef(id=obj["target_ref"]),
            "amount": assertion.get("amount"),
            "currency": assertion.get("currency"),
            "attributes": assertion.get("attributes", {}),
            **_claim_fields(assertion, own=assertion.get("organization") == organization),
        }
    )


def _claim_fields(assertion: Mapping[str, Any], *, own: bool) -> dict[str, Any]:
    return {
        "confidence": assertion.get("confidence"),
        "tlp": assertion.get("tlp"),
        "share_with": assertion.get("share_with", []) if own else [],
        "first_seen": assertion.get("first_seen"),
        "last_seen": assertion.get("last_seen"),
        "references": assertion.get("references", []),
        "description": assertion.get("description"),
    }


# --- Streaming the STIX bundle -----------------------------------------------------------------------------------


def stix_bundle(store: GraphStore, *, caller: Caller) -> Iterator[bytes]:
    """The STIX 2.1 bundle of everything the caller may see, as chunks of UTF-8 JSON."""
    return _started(_stix_chunks(store, caller.organization))


def _stix_chunks(store: GraphStore, organization: str) -> Iterator[bytes]:
    with export_store.export_reader(store, organization=organization) as reader:
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
                    out.add(tlp_marking_definition(_TLP_OF_MARKING[marking]))
            out.add(obj)

        for entity in reader.entities():
            sdo = entity_object(entity, organization=organization)
            stix_ids[entity.id] = sdo["id"]
            add(sdo, entity.claims)
            if out.size >= _CHUNK:
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
            if out.size >= _CHUNK:
                yield out.take()
        yield out.take() + b"]}"


_TLP_OF_MARKING = {marking: tlp for tlp, marking in TLP_2_MARKINGS.items()}


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


def _started(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Run the export up to its first chunk now, so that a failure (Neo4j down) is an error answer, not a cut body."""
    first = next(chunks, b"")
    return chain([first], chunks)


# --- GraphML and CSV ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NodeRow:
    """An entity as a node of a flat graph: what the caller would see of it."""

    id: str
    kind: str
    name: str
    category: str | None
    aliases: list[str]
    organizations: list[str]
    confidence: int
    tlp: str


@dataclass(frozen=True)
class EdgeRow:
    """A relationship as an edge of a flat graph, summarizing the assertions the caller may see."""

    key: str
    type: str
    source: str
    target: str
    confidence: int
    organizations: list[str]
    claims: int
    tlp: str
    first_seen: date | None
    last_seen: date | None


def node_row(entity: ExportedEntity) -> NodeRow:
    """Name, aliases and category as `GET /v1/entities/{id}` shows them; the best confidence; the strictest TLP."""
    name, aliases, category, _ = describe(entity.claims)
    return NodeRow(
        id=entity.id,
        kind=entity.kind,
        name=name,
        category=category,
        aliases=aliases,
        organizations=list(dict.fromkeys(claim["organization"] for claim in entity.claims)),
        confidence=max(claim["confidence"] for claim in entity.claims),
        tlp=strictest_tlp(claim["tlp"] for claim in entity.claims),
    )


def edge_row(relationship: ExportedRelationship) -> EdgeRow:
    """The best confidence, the organizations, the strictest TLP and the widest dates of the visible assertions."""
    claims = relationship.claims
    firsts = [claim["first_seen"] for claim in claims if claim.get("first_seen")]
    lasts = [claim["last_seen"] for claim in claims if claim.get("last_seen")]
    return EdgeRow(
        key=relationship.key,
        type=relationship.type,
        source=relationship.source,
        target=relationship.target,
        confidence=max(claim["confidence"] for claim in claims),
        organizations=list(dict.fromkeys(claim["organization"] for claim in claims)),
        claims=len(claims),
        tlp=strictest_tlp(claim["tlp"] for claim in claims),
        first_seen=min(firsts) if firsts else None,
        last_seen=max(lasts) if lasts else None,
    )


def strictest_tlp(levels: Iterable[str]) -> str:
    """The most restrictive of some TLP levels: what a row summarizing those claims must be handled as."""
    return max((Tlp(level) for level in levels), key=TLP_ORDER.index).value


NODE_COLUMNS = ("id", "label", "kind", "category", "aliases", "organizations", "confidence", "tlp")
EDGE_COLUMNS = (
    "source",
    "target",
    "relationship",
    "key",
    "confidence",
    "organizations",
    "claims",
    "tlp",
    "first_seen",
    "last_seen",
)
LIST_SEPARATOR = CSV_LIST_SEPARATOR


def node_values(row: NodeRow) -> list[str | int]:
    return [
        row.id,
        row.name,
        row.kind,
        row.category or "",
        LIST_SEPARATOR.join(row.aliases),
        LIST_SEPARATOR.join(row.organizations),
        row.confidence,
        row.tlp,
    ]


def edge_values(row: EdgeRow) -> list[str | int]:
    return [
        row.source,
        row.target,
        row.type,
        row.key,
        row.confidence,
        LIST_SEPARATOR.join(row.organizations),
        row.claims,
        row.tlp,
        row.first_seen.isoformat() if row.first_seen else "",
        row.last_seen.isoformat() if row.last_seen else "",
    ]


def csv_zip(store: GraphStore, *, caller: Caller) -> Iterator[bytes]:
    """A zip of nodes.csv and edges.csv (UTF-8, header row, lists joined by `|`), streamed as it is written."""
    return _started(_csv_zip_chunks(store, caller.organization))


def _csv_zip_chunks(store: GraphStore, organization: str) -> Iterator[bytes]:
    with export_store.export_reader(store, organization=organization) as reader:
        sink = _Sink()
        with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_DEFLATED) as archive:
            yield from _csv_entry(
                archive, sink, "nodes.csv", NODE_COLUMNS, (node_values(node_row(e)) for e in reader.entities())
            )
            yield from _csv_entry(
                archive, sink, "edges.csv", EDGE_COLUMNS, (edge_values(edge_row(r)) for r in reader.relationships())
            )
        yield sink.take()


def _csv_entry(
    archive: zipfile.ZipFile, sink: _Sink, name: str, columns: tuple[str, ...], rows: Iterable[list[str | int]]
) -> Iterator[bytes]:
    with archive.open(name, mode="w", force_zip64=True) as entry:
        text = io.TextIOWrapper(entry, encoding="utf-8", newline="", write_through=True)
        writer = csv.writer(text)
        writer.writerow(columns)
        for row in rows:
            writer.writerow(row)
            if sink.size >= _CHUNK:
                yield sink.take()
        text.flush()
        text.detach()
    yield sink.take()


class _Sink(io.RawIOBase):
    """A write-only, unseekable file that zipfile writes into and the response drains."""

    def __init__(self) -> None:
        super().__init__()
        self._parts: list[bytes] = []
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._parts.append(chunk)
        self.size += len(chunk)
        return len(chunk)

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        self.size = 0
        return data


_GRAPHML_NODE_KEYS = (
    ("n_kind", "kind", "string"),
    ("n_name", "name", "string"),
    ("n_category", "category", "string"),
    ("n_aliases", "aliases", "string"),
    ("n_organizations", "organizations", "string"),
    ("n_confidence", "confidence", "int"),
    ("n_tlp", "tlp", "string"),
)
_GRAPHML_EDGE_KEYS = (
    ("e_type", "type", "string"),
    ("e_confidence", "confidence", "int"),
    ("e_organizations", "organizations", "string"),
    ("e_claims", "claims", "int"),
    ("e_tlp", "tlp", "string"),
    ("e_first_seen", "first_seen", "string"),
    ("e_last_seen", "last_seen", "string"),
)
# Characters XML 1.0 cannot carry at all, even escaped.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def graphml(store: GraphStore, *, caller: Caller) -> Iterator[bytes]:
    """A directed GraphML graph (parallel edges of different types allowed), streamed as it is written."""
    return _started(_graphml_chunks(store, caller.organization))


def _graphml_chunks(store: GraphStore, organization: str) -> Iterator[bytes]:
    with export_store.export_reader(store, organization=organization) as reader:
        parts = [
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
            'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n'
        ]
        for keys, domain in ((_GRAPHML_NODE_KEYS, "node"), (_GRAPHML_EDGE_KEYS, "edge")):
            parts.extend(
                f'<key id="{key}" for="{domain}" attr.name="{name}" attr.type="{kind}"/>\n' for key, name, kind in keys
            )
        parts.append('<graph id="atlas-graph" edgedefault="directed">\n')
        size = 0
        for entity in reader.entities():
            text = _graphml_node(node_row(entity))
            parts.append(text)
            size += len(text)
            if size >= _CHUNK:
                yield "".join(parts).encode("utf-8")
                parts, size = [], 0
        for relationship in reader.relationships():
            text = _graphml_edge(edge_row(relationship))
            parts.append(text)
            size += len(text)
            if size >= _CHUNK:
                yield "".join(parts).encode("utf-8")
                parts, size = [], 0
        parts.append("</graph>\n</graphml>\n")
        yield "".join(parts).encode("utf-8")


def _graphml_node(row: NodeRow) -> str:
    values: list[str | int | None] = [row.kind, row.name, row.category, LIST_SEPARATOR.join(row.aliases)]
    values += [LIST_SEPARATOR.join(row.organizations), row.confidence, row.tlp]
    return f"<node id={_xml_attribute(row.id)}>{_graphml_data(_GRAPHML_NODE_KEYS, values)}</node>\n"


def _graphml_edge(row: EdgeRow) -> str:
    values: list[str | int | None] = [row.type, row.confidence, LIST_SEPARATOR.join(row.organizations), row.claims]
    values += [row.tlp, row.first_seen.isoformat() if row.first_seen else None]
    values += [row.last_seen.isoformat() if row.last_seen else None]
    return (
        f"<edge id={_xml_attribute(row.key)} source={_xml_attribute(row.source)} "
        f"target={_xml_attribute(row.target)}>{_graphml_data(_GRAPHML_EDGE_KEYS, values)}</edge>\n"
    )


def _graphml_data(keys: tuple[tuple[str, str, str], ...], values: list[str | int | None]) -> str:
    return "".join(
        f'<data key="{key}">{escape(_XML_ILLEGAL.sub("", str(value)))}</data>'
        for (key, _, _), value in zip(keys, values, strict=True)
        if value is not None and value != ""
    )


def _xml_attribute(value: str) -> str:
    return quoteattr(_XML_ILLEGAL.sub("", value))
