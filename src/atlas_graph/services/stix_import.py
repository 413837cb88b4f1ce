"""STIX in: each object parsed and validated by the OASIS `stix2` library, then mapped onto the ecosystem model.

The mapping (docs/stix.md): threat-actor, intrusion-set and campaign become actors; malware and tool become
service providers (the capability a supplier provides); infrastructure, ipv4-addr, ipv6-addr, domain-name and url
become infrastructure; an identity that something `targets` becomes a victim. Relationship objects map by their
type: uses -> USES, targets -> TARGETS, attributed-to -> AFFILIATED_WITH, authored-by -> OPERATES (reversed),
delivers/drops/downloads -> SUPPLIES, hosts/controls -> USES/OPERATES (reversed), where the kinds allow it.

Every object that is not imported is listed with the reason: invalid (stix2 refused it), unmapped (no place in
the model), or skipped (revoked, or an identity used only as a creator). The policy `on_invalid` decides what an
invalid object does to the bundle: `skip` imports the rest; `reject` refuses the whole bundle, writing nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

import stix2
import stix2.exceptions
from pydantic import ValidationError

from atlas_graph.errors import InvalidInput, Problem
from atlas_graph.models.bundles import BundleIn, EntityIn, EntityRef, RelationshipIn
from atlas_graph.models.stix import StixImportOut, StixObjectIssueOut
from atlas_graph.models.vocabulary import (
    ALLOWED_KIND_PAIRS,
    ActorCategory,
    EntityKind,
    InfrastructureKind,
    RelationshipType,
    ServiceKind,
    Tlp,
    VictimKind,
)
from atlas_graph.services.caller import Caller
from atlas_graph.services.ingestion import ingest_bundle
from atlas_graph.store.graph import GraphStore

InvalidPolicy = Literal["skip", "reject"]

# TLP marking definitions have fixed ids: TLP 1.0 in the STIX 2.1 specification (section 7.2.1.4), TLP 2.0 in
# the OASIS TLP 2.0 extension (extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d).
TLP_MARKING_IDS: dict[str, Tlp] = {
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": Tlp.CLEAR,  # TLP:WHITE
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": Tlp.GREEN,
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": Tlp.AMBER,
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": Tlp.RED,
    "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487": Tlp.CLEAR,
    "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb": Tlp.GREEN,
    "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421": Tlp.AMBER,
    "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003": Tlp.AMBER_STRICT,
    "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1": Tlp.RED,
}
_TLP_NAMES = {
    "white": Tlp.CLEAR,
    "clear": Tlp.CLEAR,
    "green": Tlp.GREEN,
    "amber": Tlp.AMBER,
    "amber+strict": Tlp.AMBER_STRICT,
    "red": Tlp.RED,
}

_INFRASTRUCTURE_TYPES = {
    "hosting-malware": InfrastructureKind.HOSTING,
    "hosting-target-lists": InfrastructureKind.HOSTING,
    "command-and-control": InfrastructureKind.SERVER,
    "botnet": InfrastructureKind.SERVER,
    "exfiltration": InfrastructureKind.SERVER,
    "staging": InfrastructureKind.SERVER,
    "phishing": InfrastructureKind.DOMAIN,
    "anonymization": InfrastructureKind.SERVER,
}
_OBSERVABLE_KINDS = {
    "ipv4-addr": InfrastructureKind.IP_ADDRESS,
    "ipv6-addr": InfrastructureKind.IP_ADDRESS,
    "domain-name": InfrastructureKind.DOMAIN,
    "url": InfrastructureKind.URL,
}
_IDENTITY_CLASSES = {
    "individual": VictimKind.INDIVIDUAL,
    "organization": VictimKind.ORGANIZATION,
    "class": VictimKind.SECTOR,
    "group": VictimKind.ORGANIZATION,
    "system": VictimKind.ORGANIZATION,
}
# STIX relationship type -> (our type, whether source and target swap).
_RELATIONSHIP_TYPES: dict[str, list[tuple[RelationshipType, bool]]] = {
    "uses": [(RelationshipType.USES, False)],
    "targets": [(RelationshipType.TARGETS, False)],
    "attributed-to": [(RelationshipType.AFFILIATED_WITH, False)],
    "authored-by": [(RelationshipType.OPERATES, True)],
    "delivers": [(RelationshipType.SUPPLIES, False)],
    "drops": [(RelationshipType.SUPPLIES, False)],
    "downloads": [(RelationshipType.SUPPLIES, False)],
    "hosts": [(RelationshipType.USES, True)],
    "controls": [(RelationshipType.OPERATES, False), (RelationshipType.USES, True)],
    "owns": [(RelationshipType.OPERATES, False)],
}


@dataclass
class _Mapped:
    entities: list[EntityIn] = field(default_factory=list)
    relationships: list[RelationshipIn] = field(default_factory=list)
    entity_objects: list[int] = field(default_factory=list)
    relationship_objects: list[int] = field(default_factory=list)
    invalid: list[StixObjectIssueOut] = field(default_factory=list)
    unmapped: list[StixObjectIssueOut] = field(default_factory=list)
    skipped: list[StixObjectIssueOut] = field(default_factory=list)


def import_stix_bundle(
    store: GraphStore,
    *,
    caller: Caller,
    bundle: Mapping[str, Any],
    default_tlp: Tlp,
    default_confidence: int,
    on_invalid: InvalidPolicy,
    max_items: int,
) -> StixImportOut:
    """Validate, map and store a STIX bundle as the caller's claims, in one transaction."""
    mapped = map_stix_bundle(bundle, default_tlp=default_tlp, default_confidence=default_confidence)
    if mapped.invalid and on_invalid == "reject":
        raise InvalidInput(
            [Problem(("objects", issue.index), f"{issue.id or '?'}: {issue.reason}") for issue in mapped.invalid]
        )
    try:
        result = ingest_bundle(
            store,
            caller=caller,
            bundle=BundleIn(entities=mapped.entities, relationships=mapped.relationships),
            max_items=max_items,
            action="stix.post",
        )
    except InvalidInput as error:
        # Locations from the bundle model point into our mapped lists; point them back at the STIX objects.
        raise InvalidInput([_locate(problem, mapped) for problem in error.problems]) from error
    return StixImportOut(
        result=result,
        objects=len(bundle.get("objects", [])),
        imported_entities=len(mapped.entities),
        imported_relationships=len(mapped.relationships),
        invalid=mapped.invalid,
        unmapped=mapped.unmapped,
        skipped=mapped.skipped,
    )


def map_stix_bundle(bundle: Mapping[str, Any], *, default_tlp: Tlp, default_confidence: int) -> _Mapped:
    """Parse each object with stix2 and map what fits; pure, so that it is tested without a database."""
    objects = bundle.get("objects")
    if bundle.get("type") != "bundle" or not isinstance(objects, list):
        raise InvalidInput([Problem(("type",), "expected a STIX bundle: {'type': 'bundle', 'objects': [...]}")])
    mapped = _Mapped()
    parsed: dict[int, Any] = {}
    for index, raw in enumerate(objects):
        if not isinstance(raw, dict):
            mapped.invalid.append(StixObjectIssueOut(index=index, id=None, type=None, reason="not a JSON object"))
            continue
        try:
            parsed[index] = _parse_object(raw)
        except (stix2.exceptions.STIXError, ValueError, TypeError, KeyError) as error:
            mapped.invalid.append(
                StixObjectIssueOut(index=index, id=_str(raw.get("id")), type=_str(raw.get("type")), reason=_why(error))
            )

    markings = _marking_levels(parsed)
    identities = {obj["id"]: obj for obj in parsed.values() if obj["type"] == "identity"}
    targeted = {
        obj["target_ref"]
        for obj in parsed.values()
        if obj["type"] == "relationship" and obj["relationship_type"] == "targets"
    }
    provenance = _Provenance(markings, identities, default_tlp, default_confidence)

    kinds: dict[str, EntityKind] = {}
    for index, obj in parsed.items():
        if obj["type"] in ("relationship", "marking-definition"):
            continue
        if obj.get("revoked") or obj.get("x_mitre_deprecated"):
            mapped.skipped.append(_issue(index, obj, "revoked or deprecated by its producer"))
            continue
        if obj["type"] == "identity" and obj["id"] not in targeted:
            mapped.skipped.append(_issue(index, obj, "an identity that nothing targets (e.g. a report's author)"))
            continue
        try:
            entity = _map_entity(obj, provenance)
        except ValidationError as error:
            mapped.invalid.append(_issue(index, obj, _why(error)))
            continue
        if entity is None:
            mapped.unmapped.append(_issue(index, obj, f"STIX type {obj['type']!r} has no place in the ecosystem model"))
            continue
        kinds[obj["id"]] = entity.kind
        mapped.entities.append(entity)
        mapped.entity_objects.append(index)

    invalid_ids = {issue.id for issue in mapped.invalid}
    for index, obj in parsed.items():
        if obj["type"] != "relationship":
            continue
        try:
            relationship, reason = _map_relationship(obj, kinds, invalid_ids, provenance)
        except ValidationError as error:
            mapped.invalid.append(_issue(index, obj, _why(error)))
            continue
        if relationship is None:
            mapped.unmapped.append(_issue(index, obj, reason))
            continue
        mapped.relationships.append(relationship)
        mapped.relationship_objects.append(index)
    return mapped


def _parse_object(raw: dict[str, Any]) -> Any:
    # ATT&CK and other STIX 2.0 producers omit spec_version; parse those as 2.0 rather than refuse real data.
    version = "2.1" if "spec_version" in raw else "2.0"
    return stix2.parse(raw, allow_custom=True, version=version)


@dataclass(frozen=True)
class _Provenance:
    markings: dict[str, Tlp]
    identities: dict[str, Any]
    default_tlp: Tlp
    default_confidence: int

    def fields(self, obj: Any) -> dict[str, Any]:
        tlp = next((self.markings[ref] for ref in obj.get("object_marking_refs", []) if ref in self.markings), None)
        confidence = obj.get("confidence")
        return {
            "tlp": tlp or self.default_tlp,
            "confidence": confidence if isinstance(confidence, int) else self.default_confidence,
            "references": _references(obj),
            "description": _truncate(obj.get("description"), 20_000),
        }

    def created_by(self, obj: Any) -> dict[str, str]:
        ref = obj.get("created_by_ref")
        if not ref:
            return {}
        creator = self.identities.get(ref)
        attributes = {"stix_created_by_ref": str(ref)}
        if creator is not None and creator.get("name"):
            attributes["stix_created_by"] = _truncate(str(creator["name"]), 4096) or ""
        return attributes


def _map_entity(obj: Any, provenance: _Provenance) -> EntityIn | None:
    stix_type = obj["type"]
    kind: EntityKind
    category: str | None
    if stix_type in ("threat-actor", "intrusion-set", "campaign"):
        kind = EntityKind.ACTOR
        category = ActorCategory.CAMPAIGN.value if stix_type == "campaign" else _actor_category(obj)
    elif stix_type in ("malware", "tool"):
        kind = EntityKind.SERVICE_PROVIDER
        category = ServiceKind.MALWARE.value if stix_type == "malware" else ServiceKind.TOOL.value
    elif stix_type == "infrastructure":
        kind = EntityKind.INFRASTRUCTURE
        types = obj.get("infrastructure_types", [])
        category = next((_INFRASTRUCTURE_TYPES[t].value for t in types if t in _INFRASTRUCTURE_TYPES), "other")
    elif stix_type in _OBSERVABLE_KINDS:
        kind = EntityKind.INFRASTRUCTURE
        category = _OBSERVABLE_KINDS[stix_type].value
    elif stix_type == "identity":
        kind = EntityKind.VICTIM
        category = _IDENTITY_CLASSES.get(obj.get("identity_class", ""), VictimKind.ORGANIZATION).value
    else:
        return None
    name = obj.get("name") or obj.get("value")
    if not isinstance(name, str) or not name.strip():
        return None
    aliases = [
        alias
        for alias in [*obj.get("aliases", []), *obj.get("x_mitre_aliases", [])]
        if isinstance(alias, str) and alias.strip() and alias != name
    ]
    attributes: dict[str, Any] = {"stix_type": stix_type, **provenance.created_by(obj)}
    if stix_type == "identity" and obj.get("sectors"):
        attributes["sector"] = ",".join(obj["sectors"])
    return EntityIn(
        kind=kind,
        name=name[:500],
        id=obj["id"],
        external_ids=_external_ids(obj),
        aliases=list(dict.fromkeys(alias[:500] for alias in aliases))[:200],
        category=category,
        attributes=attributes,
        first_seen=_date(obj.get("first_seen")),
        last_seen=_date(obj.get("last_seen")),
        **provenance.fields(obj),
    )


def _map_relationship(
    obj: Any, kinds: Mapping[str, EntityKind], invalid_ids: set[str | None], provenance: _Provenance
) -> tuple[RelationshipIn | None, str]:
    stix_type = obj["relationship_type"]
    source, target = obj["source_ref"], obj["target_ref"]
    for end in (source, target):
        if end not in kinds:
            why = "is invalid" if end in invalid_ids else "is not imported"
            return None, f"{end} {why}, so this relationship cannot be"
    candidates = _RELATIONSHIP_TYPES.get(stix_type)
    if candidates is None:
        return None, f"relationship type {stix_type!r} has no counterpart in the model"
    for rel_type, swap in candidates:
        start, end = (target, source) if swap else (source, target)
        if (kinds[start], kinds[end]) in ALLOWED_KIND_PAIRS[rel_type]:
            first_seen, last_seen = _date(obj.get("start_time")), _date(obj.get("stop_time"))
            if first_seen and last_seen and first_seen > last_seen:
                first_seen, last_seen = last_seen, first_seen
            attributes = {"stix_id": obj["id"], "stix_relationship_type": stix_type, **provenance.created_by(obj)}
            return (
                RelationshipIn(
                    type=rel_type,
                    source=EntityRef(id=start),
                    target=EntityRef(id=end),
                    attributes=attributes,
                    first_seen=first_seen,
                    last_seen=last_seen,
                    **provenance.fields(obj),
                ),
                "",
            )
    return None, (
        f"{stix_type!r} from a {kinds[source].value} to a {kinds[target].value} fits no relationship type of the model"
    )


def _marking_levels(parsed: Mapping[int, Any]) -> dict[str, Tlp]:
    levels = dict(TLP_MARKING_IDS)
    for obj in parsed.values():
        if obj["type"] != "marking-definition":
            continue
        definition = obj.get("definition") or {}
        level = definition.get("tlp") if obj.get("definition_type") == "tlp" else None
        name = str(obj.get("name", ""))
        if level is None and name.upper().startswith("TLP:"):
            level = name[4:]
        if isinstance(level, str) and level.lower() in _TLP_NAMES:
            levels[obj["id"]] = _TLP_NAMES[level.lower()]
    return levels


def _actor_category(obj: Any) -> str:
    types = set(obj.get("threat_actor_types", [])) | {obj.get("resource_level")}
    return ActorCategory.INDIVIDUAL.value if "individual" in types else ActorCategory.GROUP.value


def _references(obj: Any) -> list[str]:
    references = []
    for reference in obj.get("external_references", []):
        if reference.get("url"):
            references.append(str(reference["url"]))
        elif reference.get("external_id"):
            references.append(f"{reference['source_name']}:{reference['external_id']}")
    return list(dict.fromkeys(r[:2048] for r in references))[:100]


def _external_ids(obj: Any) -> dict[str, str]:
    """ATT&CK's ids (G0007, S0029) from `external_references`: what MISP's ATT&CK-twin clusters meet them by."""
    ids = {
        str(reference["external_id"]).strip()
        for reference in obj.get("external_references", [])
        if reference.get("source_name") == "mitre-attack" and reference.get("external_id")
    }
    # Several ids of one scheme on one object identify none of them.
    return {"mitre-attack": ids.pop()[:256]} if len(ids) == 1 else {}


def _date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    return None


def _truncate(text: Any, limit: int) -> str | None:
    return str(text)[:limit] if text is not None else None


def _issue(index: int, obj: Any, reason: str) -> StixObjectIssueOut:
    return StixObjectIssueOut(index=index, id=str(obj["id"]), type=str(obj["type"]), reason=reason)


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _why(error: Exception) -> str:
    return " ".join(str(error).split())[:500]


def _locate(problem: Problem, mapped: _Mapped) -> Problem:
    where: dict[str, Callable[[int], int]] = {
        "entities": lambda i: mapped.entity_objects[i],
        "relationships": lambda i: mapped.relationship_objects[i],
    }
    if len(problem.location) >= 2 and problem.location[0] in where and isinstance(problem.location[1], int):
        index = where[str(problem.location[0])](problem.location[1])
        return Problem(("objects", index, *problem.location[2:]), problem.message)
    return problem
