"""STIX out: entities as SDOs and relationship assertions as SROs, with the fixed objects they refer to.

An entity is one SDO whose top-level properties are those of its *primary* assertion, the one that gives its name
(the oldest community-visible one, else the oldest the caller may see): name, aliases, description, confidence,
dates, references, creator (`created_by_ref`, an identity per organization) and TLP 2.0 marking. The atlas-graph
property extension carries the kind and category and every assertion the caller may see, each under a granular
marking when its TLP is not the object's. A relationship assertion is one relationship SRO, created by its
organization, with its own confidence, marking and dates (docs/import-export.md). `stix.reading` reads the
extension back.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

from atlas_graph.models.uris import claims_to_be_a_web_link, is_web_link
from atlas_graph.models.vocabulary import COMMUNITY_TLPS, EntityKind, RelationshipType, Tlp
from atlas_graph.stix.vocabulary import (
    ATLAS_EXTENSION_ID,
    ATLAS_EXTENSION_VERSION,
    ATLAS_IDENTITY_ID,
    LOCATED_AT,
    MALWARE_TYPES,
    STIX_RELATIONSHIP_TYPES,
    TLP_2_EXTENSION_ID,
    TLP_2_MARKINGS,
    TLP_STRICTNESS,
    VICTIM_IDENTITY_CLASSES,
    stix_type_for,
)
from atlas_graph.store.export import ExportedEntity, ExportedRelationship

_EPOCH = "2025-01-01T00:00:00.000Z"
_COMMUNITY = {tlp.value for tlp in COMMUNITY_TLPS}
_STIX_TYPES_WITH_ALIASES = {"intrusion-set", "threat-actor", "campaign", "malware", "tool", "infrastructure"}
_STIX_TYPES_WITH_SEEN = {"intrusion-set", "threat-actor", "campaign", "malware", "infrastructure"}


# --- Identifiers and fixed objects -------------------------------------------------------------------------


def stable_uuid(*parts: str) -> str:
    """A UUID (version 4 in form, as STIX 2.1 asks of SDOs) derived from `parts`: the same on every installation."""
    digest = hashlib.sha256("\x1f".join(("atlas-graph", *parts)).encode("utf-8")).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def organization_identity_id(name: str) -> str:
    return f"identity--{stable_uuid('organization', name)}"


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


def location_id(country: str) -> str:
    """The STIX id of a country's location object: derived from the code, so the same on every installation."""
    return f"location--{stable_uuid('location', country)}"


def location_object(country: str) -> dict[str, Any]:
    """The `location` object of an ISO 3166-1 alpha-2 country code (reference data: no marking, atlas-graph's)."""
    return {
        "type": "location",
        "spec_version": "2.1",
        "id": location_id(country),
        "created_by_ref": ATLAS_IDENTITY_ID,
        "created": _EPOCH,
        "modified": _EPOCH,
        "name": country,
        "country": country,
    }


# --- Entities and relationships ----------------------------------------------------------------------------


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
    seen = ("first_seen", "last_seen") if stix_type in _STIX_TYPES_WITH_SEEN else None
    sdo.update(_assertion_properties(primary, seen=seen))
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
        sro.update(_assertion_properties(claim, seen=("start_time", "stop_time")))
        sro["extensions"] = {
            ATLAS_EXTENSION_ID: {
                "extension_type": "property-extension",
                "type": rel_type.value,
                "assertion": _assertion(claim, organization, entity=False),
            }
        }
        objects.append(sro)
    return objects


def located_at_objects(entity: ExportedEntity, *, entity_ref: str) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(country, `located-at` SRO, the claim it is made under) for each country the entity's claims give.

    Of the claims that give a country, the most openly shared one (the oldest of those) creates and marks the SRO:
    the country is shown exactly as widely as that claim. Its target is `location_object(country)`.
    """
    giving: dict[str, dict[str, Any]] = {}
    for claim in entity.claims:
        for country in claim.get("countries") or ():
            known = giving.get(country)
            if known is None or TLP_STRICTNESS.index(Tlp(claim["tlp"])) < TLP_STRICTNESS.index(Tlp(known["tlp"])):
                giving[country] = claim
    objects = []
    for country, claim in sorted(giving.items()):
        sro = {
            "type": "relationship",
            "spec_version": "2.1",
            "id": "relationship--" + stable_uuid(LOCATED_AT, entity_ref, country, claim["organization"]),
            "created_by_ref": organization_identity_id(claim["organization"]),
            "created": stix_timestamp(claim["recorded_at"]),
            "modified": stix_timestamp(claim["updated_at"]),
            "relationship_type": LOCATED_AT,
            "source_ref": entity_ref,
            "target_ref": location_id(country),
            "confidence": claim["confidence"],
            "object_marking_refs": [TLP_2_MARKINGS[Tlp(claim["tlp"])]],
        }
        objects.append((country, sro, claim))
    return objects


def _assertion_properties(claim: dict[str, Any], *, seen: tuple[str, str] | None) -> dict[str, Any]:
    """The properties an SDO and an SRO both take from their assertion: dates, confidence, references, marking.

    `seen` names the STIX properties the first and last seen days go to (an SRO's are start_time and stop_time),
    or is None for an SDO type that has none.
    """
    properties: dict[str, Any] = {}
    if seen is not None:
        first_seen, last_seen = seen
        if claim.get("first_seen"):
            properties[first_seen] = _day_start(claim["first_seen"])
        if claim.get("last_seen"):
            properties[last_seen] = _day_end(claim["last_seen"])
    properties["confidence"] = claim["confidence"]
    if claim.get("references"):
        properties["external_references"] = [external_reference(reference) for reference in claim["references"]]
    properties["object_marking_refs"] = [TLP_2_MARKINGS[Tlp(claim["tlp"])]]
    return properties


def external_reference(reference: str) -> dict[str, str]:
    """A URL keeps its URL; `source:id` becomes source_name and external_id, which stix.reading joins back."""
    if is_web_link(reference):
        return {"source_name": urlsplit(reference).hostname or "reference", "url": reference}
    if claims_to_be_a_web_link(reference):
        # Stored before links were checked (models/uris.py): text, so that the bundle stays valid STIX.
        return {"source_name": "atlas-graph", "description": reference}
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
        malware_type = MALWARE_TYPES.get(category or "")
        return {"is_family": True, **({"malware_types": [malware_type]} if malware_type else {})}
    if stix_type == "threat-actor":
        return {"threat_actor_types": ["criminal"], "resource_level": "individual"}
    if stix_type == "infrastructure":
        return {"infrastructure_types": ["hosting-malware" if category == "hosting" else "unknown"]}
    if stix_type == "identity":
        if kind is EntityKind.VICTIM:
            return {"identity_class": VICTIM_IDENTITY_CLASSES.get(category or "", "organization")}
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
        entry["countries"] = list(claim.get("countries") or [])
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
    return [{"marking_ref": TLP_2_MARKINGS[tlp], "selectors": selectors[tlp]} for tlp in Tlp if tlp in selectors]
