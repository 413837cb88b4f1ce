"""STIX in: objects parsed and validated by the OASIS `stix2` library, then mapped onto the ecosystem model.

The mapping (docs/stix.md): threat-actor, intrusion-set and campaign become actors; malware and tool become
service providers (the capability a supplier provides); infrastructure, ipv4-addr, ipv6-addr, domain-name and url
become infrastructure; an identity that something `targets` becomes a victim. Relationship objects map by their
type: uses -> USES, targets -> TARGETS, attributed-to -> AFFILIATED_WITH, authored-by -> OPERATES (reversed),
delivers/drops/downloads -> SUPPLIES, hosts/controls -> USES/OPERATES (reversed), where the kinds allow it.

Every object that is not mapped is listed with the reason: invalid (stix2 refused it), unmapped (no place in the
model), or skipped (deprecated, or an identity used only as a creator). A `revoked` object is a retraction: it is
collected in `revoked`, for the importer to delete the caller's own claim on it.

A relationship whose ends are not in the bundle (a delta) is mapped when `stored_kinds` knows its ends: the
importer looks them up among the entities the caller may see, so that a hidden end reads as a missing one.

Locations: a `location` object gives a country (ISO 3166-1 alpha-2, checked), and each `located-at` relationship from
an entity to it adds that country to the entity's claim (the model keeps countries on entity claims, not as nodes).
A located-at to a stored entity (a delta) is collected in `located_deltas`, for the importer to add the country to
the caller's own claim there. A country never joins a claim shared more widely than its relationship or location is
marked.

Objects an atlas-graph export wrote carry its extension, which holds every assertion exactly:
`entity_from_stix` and `relationship_from_stix` read them back, so that an export imported into an empty graph
gives the same export again.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import stix2
import stix2.exceptions
from pydantic import ValidationError

from atlas_graph.errors import InvalidInput, Problem
from atlas_graph.models.bundles import EntityIn, EntityRef, RelationshipIn
from atlas_graph.models.countries import COUNTRY_CODES
from atlas_graph.models.stix import StixObjectIssueOut
from atlas_graph.models.vocabulary import ALLOWED_KIND_PAIRS, ActorCategory, EntityKind, ServiceKind, Tlp, VictimKind
from atlas_graph.stix.vocabulary import (
    ATLAS_EXTENSION_ID,
    ENTITY_KINDS,
    IDENTITY_CLASSES,
    INFRASTRUCTURE_TYPES,
    LOCATED_AT,
    OBSERVABLE_KINDS,
    RELATIONSHIP_TYPES_FROM_STIX,
    TLP_MARKING_IDS,
    TLP_NAMES,
    TLP_STRICTNESS,
)


@dataclass
class MappedBundle:
    """What a bundle maps to, with the position in `objects` of each claim's object, and what was left out."""

    entities: list[EntityIn] = field(default_factory=list)
    relationships: list[RelationshipIn] = field(default_factory=list)
    entity_objects: list[int] = field(default_factory=list)
    relationship_objects: list[int] = field(default_factory=list)
    invalid: list[StixObjectIssueOut] = field(default_factory=list)
    invalid_properties: dict[int, list[str]] = field(default_factory=dict)
    """Object position -> the properties stix2 named as wrong, where it named any (to locate the problems)."""
    unmapped: list[StixObjectIssueOut] = field(default_factory=list)
    skipped: list[StixObjectIssueOut] = field(default_factory=list)
    revoked: list[Revoked] = field(default_factory=list)
    located: list[int] = field(default_factory=list)
    """Positions of the `located-at` relationships whose country joined the claim of an entity of the bundle."""
    located_deltas: list[LocatedAt] = field(default_factory=list)
    """`located-at` relationships from entities stored earlier: their countries join the caller's claims there."""


@dataclass(frozen=True)
class LocatedAt:
    """A `located-at` relationship from a stored entity (by its STIX id and kind) to a location with a country."""

    index: int
    id: str
    entity: str
    kind: EntityKind
    country: str
    marked: Tlp | None
    """The strictest TLP the relationship and its location are marked with, if either is: the claim the country
    joins must be at least as strict."""

    def issue(self, reason: str) -> StixObjectIssueOut:
        return StixObjectIssueOut(index=self.index, id=self.id, type="relationship", reason=reason)


@dataclass(frozen=True)
class Revoked:
    """A revoked object of the bundle: an entity (by its STIX id and kind) or a relationship, as it maps."""

    index: int
    id: str
    type: str
    kind: EntityKind | None = None
    relationship: RelationshipIn | None = None

    def issue(self, reason: str) -> StixObjectIssueOut:
        return StixObjectIssueOut(index=self.index, id=self.id, type=self.type, reason=reason)


StoredKinds = Callable[[Collection[str]], Mapping[str, EntityKind]]
"""STIX ids -> the kind of the stored entity each identifies, for those the caller may see (others are left out)."""


def _nothing_stored(ids: Collection[str]) -> Mapping[str, EntityKind]:
    return {}


def map_stix_bundle(
    bundle: Mapping[str, Any],
    *,
    default_tlp: Tlp,
    default_confidence: int,
    stored_kinds: StoredKinds = _nothing_stored,
) -> MappedBundle:
    """Parse each object with stix2 and map what fits; pure (the store is reached only through `stored_kinds`)."""
    objects = bundle.get("objects")
    if bundle.get("type") != "bundle" or not isinstance(objects, list):
        raise InvalidInput([Problem(("type",), "expected a STIX bundle: {'type': 'bundle', 'objects': [...]}")])
    mapped = MappedBundle()
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
            if properties := _properties(error):
                mapped.invalid_properties[index] = properties

    markings = _marking_levels(parsed)
    identities = {obj["id"]: obj for obj in parsed.values() if obj["type"] == "identity"}
    targeted = {
        obj["target_ref"]
        for obj in parsed.values()
        if obj["type"] == "relationship" and obj["relationship_type"] == "targets"
    }
    provenance = _Provenance(markings, identities, default_tlp, default_confidence)

    kinds: dict[str, EntityKind] = {}
    locations: dict[str, tuple[str, Tlp | None]] = {}
    for index, obj in parsed.items():
        if obj["type"] in ("relationship", "marking-definition"):
            continue
        if obj.get("revoked"):
            kind = ENTITY_KINDS.get(obj["type"])
            if kind is None:
                mapped.skipped.append(_issue(index, obj, "revoked by its producer, and no place in the model"))
            else:
                mapped.revoked.append(Revoked(index=index, id=str(obj["id"]), type=str(obj["type"]), kind=kind))
            continue
        if obj.get("x_mitre_deprecated"):
            mapped.skipped.append(_issue(index, obj, "deprecated by its producer"))
            continue
        if obj["type"] == "location":
            _read_location(index, obj, provenance, mapped, locations)
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
    revoked_ids = {revoked.id for revoked in mapped.revoked}
    outside = {
        str(end)
        for obj in parsed.values()
        if obj["type"] == "relationship"
        for end in (obj["source_ref"], obj["target_ref"])
        if end not in kinds and end not in invalid_ids and end not in locations
    }
    stored = dict(stored_kinds(sorted(outside))) if outside else {}
    positions = {entity.id: position for position, entity in enumerate(mapped.entities) if entity.id}
    for index, obj in parsed.items():
        if obj["type"] != "relationship":
            continue
        revoked = bool(obj.get("revoked"))
        if obj["relationship_type"] == LOCATED_AT:
            ends = {k: v for k, v in stored.items() if k not in revoked_ids}
            _read_located_at(
                index,
                obj,
                mapped,
                provenance,
                locations=locations,
                stored=ends,
                positions=positions,
                invalid_ids=invalid_ids,
            )
            continue
        # An entity this bundle revokes is no end for a new claim; a revoked relationship may still name it.
        ends = (
            {**stored, **kinds} if revoked else {k: v for k, v in {**stored, **kinds}.items() if k not in revoked_ids}
        )
        try:
            relationship, reason = _map_relationship(obj, ends, invalid_ids, provenance)
        except ValidationError as error:
            mapped.invalid.append(_issue(index, obj, _why(error)))
            continue
        if revoked:
            if relationship is None:
                mapped.skipped.append(_issue(index, obj, f"revoked by its producer; {reason}"))
            else:
                mapped.revoked.append(
                    Revoked(index=index, id=str(obj["id"]), type="relationship", relationship=relationship)
                )
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


def _read_location(
    index: int, obj: Any, provenance: _Provenance, mapped: MappedBundle, locations: dict[str, tuple[str, Tlp | None]]
) -> None:
    """Keep a location's country, checked, for the `located-at` relationships to it; say why one is refused."""
    country = obj.get("country")
    if not isinstance(country, str) or not country.strip():
        reason = "a location without a country (a region, city or coordinates only): the model keeps countries only"
        mapped.unmapped.append(_issue(index, obj, reason))
        return
    code = country.strip().upper()
    if code not in COUNTRY_CODES:
        mapped.invalid.append(_issue(index, obj, f"country {country!r} is not an ISO 3166-1 alpha-2 country code"))
        mapped.invalid_properties[index] = ["country"]
        return
    locations[str(obj["id"])] = (code, provenance.marking(obj))


def _read_located_at(
    index: int,
    obj: Any,
    mapped: MappedBundle,
    provenance: _Provenance,
    *,
    locations: Mapping[str, tuple[str, Tlp | None]],
    stored: Mapping[str, EntityKind],
    positions: Mapping[str, int],
    invalid_ids: set[str | None],
) -> None:
    """Add the country of a `located-at` to its entity's claim in the bundle, or collect it as a delta."""
    source, target = str(obj["source_ref"]), str(obj["target_ref"])
    if obj.get("revoked"):
        reason = "revoked by its producer; a country is withdrawn by sending the entity's claim again without it"
        mapped.skipped.append(_issue(index, obj, reason))
        return
    if target not in locations:
        why = "is invalid or gives no country" if target in invalid_ids else "is no location with a country here"
        mapped.unmapped.append(_issue(index, obj, f"{target} {why}, so this relationship cannot be"))
        return
    country, location_tlp = locations[target]
    markings = [tlp for tlp in (provenance.marking(obj), location_tlp) if tlp is not None]
    marked = max(markings, key=TLP_STRICTNESS.index) if markings else None
    position = positions.get(source)
    if position is not None:
        entity = mapped.entities[position]
        if marked is not None and TLP_STRICTNESS.index(marked) > TLP_STRICTNESS.index(entity.tlp):
            mapped.unmapped.append(_issue(index, obj, _too_open(marked, entity.tlp)))
            return
        if country not in entity.countries:
            mapped.entities[position] = entity.model_copy(update={"countries": [*entity.countries, country]})
        mapped.located.append(index)
    elif source in stored:
        delta = LocatedAt(
            index=index, id=str(obj["id"]), entity=source, kind=stored[source], country=country, marked=marked
        )
        mapped.located_deltas.append(delta)
    else:
        # The same words as for any relationship whose end is neither here nor visible (no oracle).
        why = "is invalid" if source in invalid_ids else "is neither imported from this bundle nor stored"
        mapped.unmapped.append(_issue(index, obj, f"{source} {why}, so this relationship cannot be"))


def _too_open(marked: Tlp, claim: Tlp) -> str:
    return (
        f"marked TLP:{marked.value}, stricter than the TLP:{claim.value} claim its country would join: "
        "a country is never shared more widely than its source marks it"
    )


@dataclass(frozen=True)
class _Provenance:
    markings: dict[str, Tlp]
    identities: dict[str, Any]
    default_tlp: Tlp
    default_confidence: int

    def fields(self, obj: Any) -> dict[str, Any]:
        tlp = self.marking(obj)
        confidence = obj.get("confidence")
        return {
            "tlp": tlp or self.default_tlp,
            "confidence": confidence if isinstance(confidence, int) else self.default_confidence,
            "references": _references(obj),
            "description": _truncate(obj.get("description"), 20_000),
        }

    def marking(self, obj: Any) -> Tlp | None:
        """The TLP an object is marked with, if it is."""
        return next((self.markings[ref] for ref in obj.get("object_marking_refs", []) if ref in self.markings), None)

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
    kind = ENTITY_KINDS.get(stix_type)
    category: str
    if kind is None:
        return None
    if kind is EntityKind.ACTOR:
        category = ActorCategory.CAMPAIGN.value if stix_type == "campaign" else _actor_category(obj)
    elif kind is EntityKind.SERVICE_PROVIDER:
        category = ServiceKind.MALWARE.value if stix_type == "malware" else ServiceKind.TOOL.value
    elif stix_type in OBSERVABLE_KINDS:
        category = OBSERVABLE_KINDS[stix_type].value
    elif kind is EntityKind.INFRASTRUCTURE:
        types = obj.get("infrastructure_types", [])
        category = next((INFRASTRUCTURE_TYPES[t].value for t in types if t in INFRASTRUCTURE_TYPES), "other")
    else:
        category = IDENTITY_CLASSES.get(obj.get("identity_class", ""), VictimKind.ORGANIZATION).value
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
        conflated_ids=_conflated_ids(obj),
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
            # Not in the bundle and not stored where the caller can see it: the same words either way (no oracle).
            why = "is invalid" if end in invalid_ids else "is neither imported from this bundle nor stored"
            return None, f"{end} {why}, so this relationship cannot be"
    candidates = RELATIONSHIP_TYPES_FROM_STIX.get(stix_type)
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
        if isinstance(level, str) and level.lower() in TLP_NAMES:
            levels[obj["id"]] = TLP_NAMES[level.lower()]
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
    ids = _attack_ids(obj)
    # Several ids of one scheme on one object identify none of them (`_conflated_ids`).
    return {"mitre-attack": ids[0]} if len(ids) == 1 else {}


def _conflated_ids(obj: Any) -> dict[str, list[str]]:
    ids = _attack_ids(obj)
    return {"mitre-attack": ids[:20]} if len(ids) > 1 else {}


def _attack_ids(obj: Any) -> list[str]:
    ids: dict[str, str] = {}
    for reference in obj.get("external_references", []):
        if reference.get("source_name") == "mitre-attack" and (value := str(reference.get("external_id") or "")):
            ids.setdefault(value.strip().casefold(), value.strip()[:256])
    return sorted(value for value in ids.values() if value)


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


def _properties(error: Exception) -> list[str]:
    """The properties a stix2 error names: the one with a bad value, or those missing, extra or exclusive."""
    named = getattr(error, "prop_name", None)
    if isinstance(named, str):
        return [named]
    properties = getattr(error, "properties", None)
    if isinstance(properties, list | tuple) and all(isinstance(p, str) for p in properties):
        return list(properties)
    return []


def _why(error: Exception) -> str:
    return " ".join(str(error).split())[:500]


# --- The atlas-graph extension, read back ------------------------------------------------------------------------


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
            "countries": chosen.get("countries", []),
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
