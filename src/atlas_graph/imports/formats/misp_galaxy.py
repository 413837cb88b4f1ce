"""MISP galaxies: clusters as entities, their `related` entries (and the sectors they name) as relationships."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from itertools import islice
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from atlas_graph.errors import InvalidInput, Problem
from atlas_graph.imports.batches import Batch, ImportIssue, Phase, ResumePoint, SameAs, batched, item_id, why
from atlas_graph.imports.formats.reader import TwoPhaseReader
from atlas_graph.imports.jsonstream import JsonStream
from atlas_graph.imports.options import ImportOptions
from atlas_graph.imports.progress import ProgressMeter
from atlas_graph.models.bundles import EntityIn, EntityRef, RelationshipIn
from atlas_graph.models.countries import COUNTRY_CODES
from atlas_graph.models.vocabulary import ALLOWED_KIND_PAIRS, EntityKind, RelationshipType, ServiceKind, VictimKind
from atlas_graph.stix.reading import StoredKinds

MISP_GALAXY_KINDS: dict[str, tuple[EntityKind, str]] = {
    "threat-actor": (EntityKind.ACTOR, "group"),
    "mitre-intrusion-set": (EntityKind.ACTOR, "group"),
    "mitre-enterprise-attack-intrusion-set": (EntityKind.ACTOR, "group"),
    "microsoft-activity-group": (EntityKind.ACTOR, "group"),
    "ransomware": (EntityKind.SERVICE_PROVIDER, ServiceKind.MALWARE.value),
    "malpedia": (EntityKind.SERVICE_PROVIDER, ServiceKind.MALWARE.value),
    "mitre-malware": (EntityKind.SERVICE_PROVIDER, ServiceKind.MALWARE.value),
    "mitre-enterprise-attack-malware": (EntityKind.SERVICE_PROVIDER, ServiceKind.MALWARE.value),
    "banker": (EntityKind.SERVICE_PROVIDER, ServiceKind.MALWARE.value),
    "stealer": (EntityKind.SERVICE_PROVIDER, ServiceKind.MALWARE.value),
    "rat": (EntityKind.SERVICE_PROVIDER, ServiceKind.MALWARE.value),
    "backdoor": (EntityKind.SERVICE_PROVIDER, ServiceKind.MALWARE.value),
    "android": (EntityKind.SERVICE_PROVIDER, ServiceKind.MALWARE.value),
    "exploit-kit": (EntityKind.SERVICE_PROVIDER, ServiceKind.MALWARE.value),
    "botnet": (EntityKind.SERVICE_PROVIDER, ServiceKind.BOTNET.value),
    "tds": (EntityKind.SERVICE_PROVIDER, ServiceKind.TRAFFIC_DISTRIBUTION.value),
    "tool": (EntityKind.SERVICE_PROVIDER, ServiceKind.TOOL.value),
    "mitre-tool": (EntityKind.SERVICE_PROVIDER, ServiceKind.TOOL.value),
    "mitre-enterprise-attack-tool": (EntityKind.SERVICE_PROVIDER, ServiceKind.TOOL.value),
}
"""Galaxy type -> the kind (and category) of its clusters."""

# MISP relation types (as in its "related" lists) -> (our type, whether source and target swap), like STIX's.
MISP_RELATIONS: dict[str, tuple[RelationshipType, bool]] = {
    "uses": (RelationshipType.USES, False),
    "used-by": (RelationshipType.USES, True),
    "attributed-to": (RelationshipType.AFFILIATED_WITH, False),
    "affiliated-with": (RelationshipType.AFFILIATED_WITH, False),
    "authored-by": (RelationshipType.OPERATES, True),
    "operates": (RelationshipType.OPERATES, False),
    "controls": (RelationshipType.OPERATES, False),
    "owns": (RelationshipType.OPERATES, False),
    "hosts": (RelationshipType.USES, True),
    "delivers": (RelationshipType.SUPPLIES, False),
    "drops": (RelationshipType.SUPPLIES, False),
    "downloads": (RelationshipType.SUPPLIES, False),
    "targets": (RelationshipType.TARGETS, False),
}
# MISP's estimative-language likelihoods, as the middle of the probability range each one names.
ESTIMATIVE_CONFIDENCE = {
    "almost-no-chance": 3,
    "very-unlikely": 12,
    "unlikely": 32,
    "roughly-even-chance": 50,
    "likely": 68,
    "very-likely": 88,
    "almost-certain": 97,
}
MISP_SAME_AS = "similar"
"""The MISP relation that says two clusters may be one (a threat-actor cluster and its mitre-intrusion-set twin):
recorded as a same-as candidate with the reason `misp similar`, for review; never a merge."""
MISP_SAME_AS_REASON = "misp similar"
MISP_SECTOR_KEYS = ("cfr-target-category", "targeted-sector")
"""Meta keys whose values are sectors a threat actor targets: imported as victims (sector) and TARGETS."""
_ATTRIBUTE_KEY = re.compile(r"[^A-Za-z0-9_.-]")


def misp_cluster_id(cluster_uuid: str) -> str:
    return f"misp-galaxy-cluster--{cluster_uuid}"


def misp_entities(cluster: Mapping[str, Any], *, galaxy_type: str, options: ImportOptions) -> list[EntityIn]:
    """A cluster as its entity, and the sector victims its meta names; raises ValueError (incl. ValidationError)."""
    kind, category = MISP_GALAXY_KINDS[galaxy_type]
    meta = cluster.get("meta") if isinstance(cluster.get("meta"), Mapping) else {}
    assert isinstance(meta, Mapping)
    name = cluster.get("value")
    if not isinstance(name, str) or not name.strip():
        raise ValueError("no `value` (the cluster's name)")
    synonyms = [s[:500] for s in _strings(meta.get("synonyms")) if s.strip() and s != name]
    attributes: dict[str, Any] = {"misp_galaxy": galaxy_type}
    for key, value in meta.items():
        if key in ("synonyms", "refs", *MISP_SECTOR_KEYS) or len(attributes) >= 64:
            continue
        text = value if isinstance(value, str | int | float | bool) else ", ".join(_strings(value))
        if text == "":
            continue
        attribute = "country" if key == "country" else _ATTRIBUTE_KEY.sub("_", f"misp_{key}")[:64]
        attributes[attribute] = text[:4096] if isinstance(text, str) else text
    fields = _misp_claim_fields(options)
    # MISP's `country` is an ISO 3166-1 alpha-2 code (the attributed state for actors): where the planner can act.
    country = str(meta.get("country", "")).strip().upper()
    entity = EntityIn(
        kind=kind,
        name=name[:500],
        id=misp_cluster_id(str(cluster.get("uuid"))) if cluster.get("uuid") else None,
        external_ids=misp_external_ids(cluster, galaxy_type=galaxy_type),
        conflated_ids=misp_conflated_ids(cluster),
        aliases=list(dict.fromkeys(synonyms))[:200],
        category=category,
        attributes=attributes,
        countries=[country] if country in COUNTRY_CODES else [],
        description=str(cluster["description"])[:20_000] if cluster.get("description") else None,
        references=list(dict.fromkeys(r[:2048] for r in _strings(meta.get("refs")) if r.strip()))[:100],
        **fields,
    )
    sectors = misp_sectors(meta) if kind is EntityKind.ACTOR else []
    victims = [
        EntityIn(kind=EntityKind.VICTIM, name=sector, category=VictimKind.SECTOR.value, **fields) for sector in sectors
    ]
    return [entity, *victims]


_ATTACK_URL = re.compile(r"^https?://attack\.mitre\.org/(?:groups|software)/([GS]\d{4})/?$")


def misp_external_ids(cluster: Mapping[str, Any], *, galaxy_type: str) -> dict[str, str]:
    """The cluster's uuid in its galaxy, and its ATT&CK id (`meta.external_id`, or attack.mitre.org refs).

    Only one ATT&CK id identifies: MISP's threat-actor clusters often cite two groups (Lazarus Group cites G0032 and
    APT38's G0082), and such a cluster is identified by neither (`misp_conflated_ids` says which it cites).
    """
    meta = cluster.get("meta") if isinstance(cluster.get("meta"), Mapping) else {}
    assert isinstance(meta, Mapping)
    ids: dict[str, str] = {}
    if cluster.get("uuid"):
        ids[f"misp-galaxy:{galaxy_type}"] = str(cluster["uuid"])[:256]
    attack = _attack_ids(meta)
    if len(attack) == 1:
        ids["mitre-attack"] = attack[0]
    return ids


def misp_conflated_ids(cluster: Mapping[str, Any]) -> dict[str, list[str]]:
    """The ATT&CK ids of a cluster that cites several groups (FIN7's G0046 and Carbanak's G0008): it stands for
    several objects, so resolution lets none of its names decide which (docs/model.md)."""
    meta = cluster.get("meta") if isinstance(cluster.get("meta"), Mapping) else {}
    assert isinstance(meta, Mapping)
    attack = _attack_ids(meta)
    return {"mitre-attack": attack[:20]} if len(attack) > 1 else {}


def _attack_ids(meta: Mapping[str, Any]) -> list[str]:
    """ATT&CK ids in `meta.external_id` and attack.mitre.org refs, each once, sorted."""
    attack = {
        value.strip().upper()
        for value in _strings(meta.get("external_id"))
        if re.fullmatch(r"[GS]\d{4}", value.strip(), re.I)
    }
    attack.update(match.group(1) for ref in _strings(meta.get("refs")) if (match := _ATTACK_URL.match(ref.strip())))
    return sorted(attack)


def misp_sectors(meta: Mapping[str, Any]) -> list[str]:
    sectors: dict[str, None] = {}
    for key in MISP_SECTOR_KEYS:
        sectors.update(dict.fromkeys(s.strip()[:500] for s in _strings(meta.get(key)) if s.strip()))
    return list(sectors)


def misp_relationships(
    cluster: Mapping[str, Any], *, index: int, galaxy_type: str, local: Mapping[str, EntityKind], options: ImportOptions
) -> tuple[list[tuple[RelationshipIn, str]], list[ImportIssue]]:
    """A cluster's `related` entries that name a relationship of the model, and TARGETS to the sectors it names.

    `local` gives the kind of every cluster of this file by uuid, so that kinds are checked before writing; a
    cluster of another galaxy is referred to by id and must have been imported already.
    """
    kind, _ = MISP_GALAXY_KINDS[galaxy_type]
    relationships: list[tuple[RelationshipIn, str]] = []
    issues: list[ImportIssue] = []
    if not cluster.get("uuid"):
        return relationships, issues
    own_id = misp_cluster_id(str(cluster["uuid"]))
    fields = _misp_claim_fields(options)
    related = cluster.get("related") if isinstance(cluster.get("related"), list) else []
    assert isinstance(related, list)
    for position, entry in enumerate(related):
        where = f"values[{index}].related[{position}]"
        if not isinstance(entry, Mapping) or not isinstance(entry.get("dest-uuid"), str):
            issues.append(ImportIssue(where, "invalid", "expected {'dest-uuid': ..., 'type': ...}"))
            continue
        relation = str(entry.get("type", ""))
        if relation == MISP_SAME_AS:
            continue  # a candidate, not a relationship: misp_same_as
        if relation not in MISP_RELATIONS:
            issues.append(
                ImportIssue(where, "unmapped", f"MISP relation {relation!r} is not a relationship of the model")
            )
            continue
        rel_type, swap = MISP_RELATIONS[relation]
        other_id = misp_cluster_id(entry["dest-uuid"])
        source, target = (other_id, own_id) if swap else (own_id, other_id)
        other_kind = local.get(entry["dest-uuid"])
        if other_kind is not None:
            kinds = (other_kind, kind) if swap else (kind, other_kind)
            if kinds not in ALLOWED_KIND_PAIRS[rel_type]:
                issues.append(
                    ImportIssue(
                        where, "unmapped", f"{relation!r}: {rel_type.value} does not allow {kinds[0]} -> {kinds[1]}"
                    )
                )
                continue
        confidence = _estimative_confidence(entry.get("tags"))
        claim = {**fields, **({"confidence": confidence} if confidence is not None else {})}
        try:
            relationships.append(
                (
                    RelationshipIn(type=rel_type, source=EntityRef(id=source), target=EntityRef(id=target), **claim),
                    where,
                )
            )
        except ValidationError as error:
            issues.append(ImportIssue(where, "invalid", why(error)))
    if kind is EntityKind.ACTOR:
        meta = cluster.get("meta") if isinstance(cluster.get("meta"), Mapping) else {}
        assert isinstance(meta, Mapping)
        for sector in misp_sectors(meta):
            relationships.append(
                (
                    RelationshipIn(
                        type=RelationshipType.TARGETS,
                        source=EntityRef(id=own_id),
                        target=EntityRef(kind=EntityKind.VICTIM, name=sector),
                        **fields,
                    ),
                    f"values[{index}].meta",
                )
            )
    return relationships, issues


def misp_same_as(
    cluster: Mapping[str, Any], *, index: int, galaxy_type: str, local: Mapping[str, EntityKind]
) -> tuple[list[SameAs], list[ImportIssue]]:
    """A cluster's `similar` entries: pairs to propose as one entity, supported by this cluster's claim.

    A cluster of another galaxy is taken to be of this cluster's kind; if it is stored as another kind, the pair is
    refused when it is recorded (the entity is not found), as a relationship to it would be.
    """
    kind, _ = MISP_GALAXY_KINDS[galaxy_type]
    pairs: list[SameAs] = []
    issues: list[ImportIssue] = []
    related = cluster.get("related") if isinstance(cluster.get("related"), list) else []
    assert isinstance(related, list)
    if not cluster.get("uuid"):
        return pairs, issues
    for position, entry in enumerate(related):
        if not isinstance(entry, Mapping) or entry.get("type") != MISP_SAME_AS:
            continue
        where = f"values[{index}].related[{position}]"
        if not isinstance(entry.get("dest-uuid"), str):
            continue  # misp_relationships lists it as invalid
        other_kind = local.get(entry["dest-uuid"], kind)
        if other_kind is not kind:
            issues.append(ImportIssue(where, "unmapped", f"'similar': a {kind} cannot be one with a {other_kind}"))
            continue
        pairs.append(
            SameAs(
                source=misp_cluster_id(str(cluster["uuid"])),
                target=misp_cluster_id(entry["dest-uuid"]),
                kind=kind,
                reason=MISP_SAME_AS_REASON,
                where=where,
            )
        )
    return pairs, issues


def _misp_claim_fields(options: ImportOptions) -> dict[str, Any]:
    return {"confidence": options.default_confidence, "tlp": options.default_tlp}


def _estimative_confidence(tags: Any) -> int | None:
    for tag in _strings(tags):
        if tag.startswith("estimative-language:likelihood-probability="):
            value = tag.split("=", 1)[1].strip('"')
            if value in ESTIMATIVE_CONFIDENCE:
                return ESTIMATIVE_CONFIDENCE[value]
    return None


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(item) for item in value if isinstance(item, str | int | float)]
    return []


def _misp_galaxy_type(path: Path) -> str | None:
    with path.open("rb") as handle:
        for key, value in JsonStream(handle, name=str(path)).members(streamed=("values",)):
            if key == "type":
                return str(value) if value is not None else None
    return None


class MispGalaxyReader(TwoPhaseReader):
    """The clusters of a galaxy (`values`) as entities, then their relations as relationships."""

    def batches(
        self, phase: Phase, *, batch_size: int, skip: int, resume: ResumePoint | None, meter: ProgressMeter
    ) -> Iterator[Batch]:
        path = self.path
        galaxy_type = _misp_galaxy_type(path)
        local: dict[str, EntityKind] = {}
        if phase == "relationships" and galaxy_type in MISP_GALAXY_KINDS:
            kind = MISP_GALAXY_KINDS[galaxy_type][0]
            with path.open("rb") as handle:
                for key, value in JsonStream(handle, name=str(path)).members(streamed=("values",)):
                    if key == "values" and isinstance(value, Iterator):
                        local.update(
                            (str(c["uuid"]), kind) for c, _, _ in value if isinstance(c, dict) and c.get("uuid")
                        )
        meter.start(phase, total=path.stat().st_size, unit="bytes")
        with path.open("rb") as handle:
            stream = JsonStream(handle, name=str(path), on_position=meter.advance)
            items = _misp_items(stream, phase, galaxy_type, local, self.options, skip)
            for batch in batched(items, batch_size):
                yield _without_unloaded(batch, local, self.stored_kinds) if self.stored_kinds else batch


def _without_unloaded(batch: Batch, local: Mapping[str, EntityKind], stored_kinds: StoredKinds) -> Batch:
    """Take out the relations (and `similar` pairs) to clusters neither in this file nor stored where the importer
    may see them, and list each as `unloaded`: they point into a galaxy the import did not include (mitre-intrusion-set
    `uses` mitre-attack-pattern's techniques), which is no fault of the item."""
    own = {misp_cluster_id(cluster_uuid) for cluster_uuid in local}
    ends = {ref.id for r in batch.relationships for ref in (r.source, r.target) if ref.id and ref.id not in own}
    ends |= {pair.target for pair in batch.same_as if pair.target not in own}
    if not ends:
        return batch
    unloaded = set(ends) - set(stored_kinds(ends))
    if not unloaded:
        return batch
    reason = "to {} ({}), not loaded: import its galaxy in the same command or before".format
    kept = Batch(issues=batch.issues, revoked=batch.revoked, items=batch.items, resume=batch.resume)
    kept.entities, kept.entity_sources = batch.entities, batch.entity_sources
    for relationship, where in zip(batch.relationships, batch.relationship_sources, strict=True):
        missing = [ref.id for ref in (relationship.source, relationship.target) if ref.id in unloaded]
        if missing:
            kept.issues.append(ImportIssue(where, "unloaded", reason(missing[0], relationship.type.value), missing[0]))
        else:
            kept.add_relationship(relationship, where)
    for pair in batch.same_as:
        if pair.target in unloaded:
            kept.issues.append(ImportIssue(pair.where, "unloaded", reason(pair.target, MISP_SAME_AS), pair.target))
        else:
            kept.same_as.append(pair)
    return kept


def _misp_items(
    stream: JsonStream,
    phase: Phase,
    galaxy_type: str | None,
    local: Mapping[str, EntityKind],
    options: ImportOptions,
    skip: int,
) -> Iterator[Batch]:
    for key, value in stream.members(streamed=("values",)):
        if key == "values" and not isinstance(value, Iterator):
            raise InvalidInput([Problem(("values",), f"must be a list of clusters, not {value!r:.50}")])
        if key != "values":
            continue
        for index, (cluster, _, _) in islice(enumerate(value), skip, None):
            where = f"values[{index}]"
            batch = Batch(items=1)
            if galaxy_type not in MISP_GALAXY_KINDS:
                if phase == "entities":
                    known = ", ".join(sorted(MISP_GALAXY_KINDS))
                    batch.issues.append(
                        ImportIssue(where, "unmapped", f"galaxy type {galaxy_type!r} has no mapping (known: {known})")
                    )
                yield batch
                continue
            assert galaxy_type is not None
            if not isinstance(cluster, dict):
                if phase == "entities":
                    batch.issues.append(ImportIssue(where, "invalid", "a cluster must be a JSON object"))
                yield batch
                continue
            if phase == "entities":
                try:
                    entities = misp_entities(cluster, galaxy_type=galaxy_type, options=options)
                except (ValueError, TypeError) as error:
                    batch.issues.append(ImportIssue(where, "invalid", why(error), item_id(cluster)))
                else:
                    for entity in entities:
                        batch.add_entity(entity, where)
            else:
                relationships, issues = misp_relationships(
                    cluster, index=index, galaxy_type=galaxy_type, local=local, options=options
                )
                for relationship, source in relationships:
                    batch.add_relationship(relationship, source)
                batch.same_as, same_as_issues = misp_same_as(cluster, index=index, galaxy_type=galaxy_type, local=local)
                batch.issues += [*issues, *same_as_issues]
            yield batch
