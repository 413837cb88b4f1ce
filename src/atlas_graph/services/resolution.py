"""Entity resolution: when two submissions name the same thing, and how a bundle becomes rows to write.

The rule (docs/model.md): a submitted entity is the stored one whose external id it carries; failing that, the one
of the same kind whose normalized name or alias equals its normalized name or one of its aliases (Unicode NFKC,
case-folded, everything but letters and digits removed; infrastructure keeps its punctuation). Never across kinds.
Entities of one bundle that share a key are one entity. A new entity without an external id gets an id derived
from its kind and normalized name, so that two organizations posting the same new name at the same moment still
meet on one node.

Everything here is pure: the store looks keys up inside the write transaction and hands the answers to
`plan_bundle`, which raises InvalidInput (listing every problem) or returns the rows to write.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from atlas_graph.errors import InvalidInput, Problem
from atlas_graph.models.assertions import AssertionFields
from atlas_graph.models.bundles import EntityIn, EntityRef, RelationshipIn
from atlas_graph.models.vocabulary import ALLOWED_KIND_PAIRS, EntityKind, RelationshipType
from atlas_graph.store.ingestion import EntityWrite, KeyMatch, RelationshipWrite

# Keys live in a uniqueness index, which refuses values over about 8 kB; NFKC folding can make a 500-character name
# eighteen times longer (U+FDFA), so a longer folded name is keyed by its digest (equal names, equal keys).
MAX_NAME_KEY_BYTES = 4096

# A fixed namespace makes derived ids the same on every installation, so that exports and re-imports agree.
ENTITY_ID_NAMESPACE = uuid.UUID("6f1c2a4e-9b3d-5e7f-8a1b-2c3d4e5f6a7b")

MatchedBy = Literal["new", "id", "name", "alias", "bundle"]


def normalize_name(name: str, kind: EntityKind | None = None) -> str:
    """Fold case, width, whitespace and punctuation: "Wizard-Spider ", "WIZARD SPIDER" -> "wizardspider".

    Infrastructure keeps its punctuation (only case, width and surrounding space fold): "1.11.1.1" and
    "11.1.1.1", or "evil-corp.example" and "evilcorp.example", are different hosts.
    """
    folded = unicodedata.normalize("NFKC", name).casefold()
    if kind is EntityKind.INFRASTRUCTURE:
        return folded.strip()
    return "".join(char for char in folded if char.isalnum())


def id_key(entity_id: str) -> str:
    return f"id:{entity_id}"


def name_key(kind: EntityKind, name: str) -> str | None:
    normalized = normalize_name(name, kind)
    if not normalized:
        return None
    if len(normalized.encode()) > MAX_NAME_KEY_BYTES:
        normalized = "sha256:" + hashlib.sha256(normalized.encode()).hexdigest()
    return f"name:{kind.value}:{normalized}"


def derived_entity_id(kind: EntityKind, name: str) -> str:
    basis = name_key(kind, name) or f"raw:{kind.value}:{name}"
    return f"{kind.value}--{uuid.uuid5(ENTITY_ID_NAMESPACE, basis)}"


def entity_keys(entity: EntityIn) -> list[str]:
    """The keys an entity can be found by, strongest first: external id, name, aliases."""
    keys = [id_key(entity.id)] if entity.id is not None else []
    for name in (entity.name, *entity.aliases):
        key = name_key(entity.kind, name)
        if key is not None and key not in keys:
            keys.append(key)
    if entity.id is None and name_key(entity.kind, entity.name) is None:
        # A name that folds to nothing ("???", an emoji) has no name key, but the id derived from it is the same at
        # every post: looking it up finds the entity an earlier post made, which would otherwise be taken for new.
        keys.append(id_key(derived_entity_id(entity.kind, entity.name)))
    return keys


def reference_key(ref: EntityRef) -> str | None:
    if ref.id is not None:
        return id_key(ref.id)
    assert ref.kind is not None and ref.name is not None
    return name_key(ref.kind, ref.name)


def lookup_keys(entities: Sequence[EntityIn], relationships: Sequence[RelationshipIn]) -> list[str]:
    """Every key the store must look up before `plan_bundle` can resolve the bundle."""
    keys: dict[str, None] = {}
    for entity in entities:
        keys.update(dict.fromkeys(entity_keys(entity)))
    for relationship in relationships:
        for ref in (relationship.source, relationship.target):
            key = reference_key(ref)
            if key is not None:
                keys[key] = None
    return list(keys)


@dataclass(frozen=True)
class EntityResolution:
    index: int
    entity_id: str
    matched_by: MatchedBy


Status = Literal["created", "merged", "updated"]


@dataclass
class BundlePlan:
    """What to write, and what to answer: each item's entity and status, in bundle order."""

    entities: list[EntityWrite]
    entity_status: dict[str, Status]
    resolutions: list[EntityResolution]
    relationships: list[RelationshipWrite]
    relationship_order: list[str]
    warnings: list[str]


def relationship_key(rel_type: RelationshipType, source: str, target: str) -> str:
    return f"{rel_type.value}|{source}|{target}"


def claim_properties(fields: AssertionFields) -> dict[str, Any]:
    """The assertion fields as Neo4j properties (dates stay dates; absent values remove a stored one)."""
    return {
        "confidence": fields.confidence,
        "tlp": fields.tlp.value,
        "share_with": sorted(set(fields.share_with)),
        "first_seen": fields.first_seen,
        "last_seen": fields.last_seen,
        "references": list(dict.fromkeys(fields.references)),
        "description": fields.description,
    }


def _entity_claim(members: Sequence[EntityIn]) -> dict[str, Any]:
    # Several items of one bundle for one entity are one claim: the last item's provenance, every name kept.
    last = members[-1]
    name = members[0].name
    aliases = list(dict.fromkeys(n for m in members for n in (m.name, *m.aliases) if n != name))
    attributes: dict[str, Any] = {}
    category = None
    for member in members:
        attributes.update(member.attributes)
        category = member.category or category
    claim = claim_properties(last)
    claim.update(
        name=name,
        aliases=aliases,
        names=[name, *aliases],
        category=category,
        attributes=json.dumps(attributes, sort_keys=True, ensure_ascii=False) if attributes else None,
    )
    return claim


class _Groups:
    """Union-find over bundle items, so that items sharing any key become one entity."""

    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, item: int) -> int:
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def union(self, a: int, b: int) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a != root_b:
            self.parent[max(root_a, root_b)] = min(root_a, root_b)


def plan_bundle(
    entities: Sequence[EntityIn], relationships: Sequence[RelationshipIn], stored: Mapping[str, KeyMatch]
) -> BundlePlan:
    """Resolve every item of a bundle against the stored keys; raise InvalidInput listing every problem."""
    problems: list[Problem] = []
    warnings: list[str] = []
    keys_of = [entity_keys(entity) for entity in entities]

    groups = _Groups(len(entities))
    first_item_with_key: dict[str, int] = {}
    for index, keys in enumerate(keys_of):
        for key in keys:
            if key in first_item_with_key:
                groups.union(first_item_with_key[key], index)
            else:
                first_item_with_key[key] = index

    members_of: dict[int, list[int]] = {}
    for index in range(len(entities)):
        members_of.setdefault(groups.find(index), []).append(index)

    resolutions: dict[int, EntityResolution] = {}
    rows: list[EntityWrite] = []
    statuses: dict[str, Status] = {}
    entity_id_of_group: dict[int, str] = {}
    for root, members in members_of.items():
        match, matched_by = _match_group(entities, keys_of, members, stored, problems, warnings)
        kind = entities[root].kind
        if match is not None:
            entity_id = match.entity_id
            status: Status = "updated" if match.own_claim else "merged" if match.visible else "created"
            if not match.visible:
                # An entity the caller may not see does not exist for it: the answer reads as for a new one.
                matched_by = "new"
        else:
            first = entities[root]
            entity_id = first.id if first.id is not None else derived_entity_id(kind, first.name)
            status = "created"
        entity_id_of_group[root] = entity_id
        group_keys = list(dict.fromkeys([id_key(entity_id), *(k for m in members for k in keys_of[m])]))
        keys_to_register = []
        for key in group_keys:
            owner = stored.get(key)
            if owner is None or owner.entity_id == entity_id:
                keys_to_register.append(key)
            elif owner.visible:
                # Not for an entity the caller may not see: the warning would reveal that it exists.
                warnings.append(
                    f"entities[{members[0]}]: {key.split(':', 2)[-1]!r} already identifies another entity; "
                    "not moved (merge the two if they are one)"
                )
        rows.append(
            EntityWrite(
                id=entity_id,
                kind=kind,
                name=entities[root].name,
                keys=keys_to_register,
                claim=_entity_claim([entities[m] for m in members]),
            )
        )
        statuses[entity_id] = status
        for position, member in enumerate(members):
            resolutions[member] = EntityResolution(
                index=member, entity_id=entity_id, matched_by=matched_by if position == 0 else "bundle"
            )

    bundle_ids = {key: entity_id_of_group[groups.find(index)] for key, index in first_item_with_key.items()}
    kind_of_id = {row.id: row.kind for row in rows}
    relationship_rows: dict[str, RelationshipWrite] = {}
    order: list[str] = []
    for index, relationship in enumerate(relationships):
        ends = []
        for side, ref in (("source", relationship.source), ("target", relationship.target)):
            resolved = _resolve_reference(ref, bundle_ids, kind_of_id, stored)
            if resolved is None:
                problems.append(Problem(("relationships", index, side), _unknown_reference(ref)))
            ends.append(resolved)
        source, target = ends
        if source is None or target is None:
            order.append("")
            continue
        (source_id, source_kind), (target_id, target_kind) = source, target
        if (source_kind, target_kind) not in ALLOWED_KIND_PAIRS[relationship.type]:
            problems.append(
                Problem(
                    ("relationships", index, "type"),
                    f"{relationship.type.value} does not allow {source_kind.value} -> {target_kind.value}",
                )
            )
        if source_id == target_id:
            problems.append(Problem(("relationships", index, "target"), "a relationship needs two different entities"))
        key = relationship_key(relationship.type, source_id, target_id)
        claim = claim_properties(relationship)
        claim.update(
            amount=relationship.amount,
            currency=relationship.currency,
            attributes=json.dumps(relationship.attributes, sort_keys=True, ensure_ascii=False)
            if relationship.attributes
            else None,
        )
        # The same claim twice in one bundle: the later item wins, as a repeated post would.
        relationship_rows[key] = RelationshipWrite(
            key=key, type=relationship.type.value, source=source_id, target=target_id, claim=claim
        )
        order.append(key)

    if problems:
        raise InvalidInput(problems)
    return BundlePlan(
        entities=rows,
        entity_status=statuses,
        resolutions=[resolutions[index] for index in range(len(entities))],
        relationships=list(relationship_rows.values()),
        relationship_order=order,
        warnings=warnings,
    )


def _match_group(
    entities: Sequence[EntityIn],
    keys_of: Sequence[list[str]],
    members: Sequence[int],
    stored: Mapping[str, KeyMatch],
    problems: list[Problem],
    warnings: list[str],
) -> tuple[KeyMatch | None, MatchedBy]:
    """The stored entity a group of bundle items is, by the strongest key any of them carries."""
    candidates: list[tuple[int, KeyMatch, MatchedBy]] = []
    for member in members:
        entity = entities[member]
        for position, key in enumerate(keys_of[member]):
            found = stored.get(key)
            if found is None:
                continue
            if entity.id is None and key.startswith("id:"):
                candidates.append((1, found, "name"))  # the id derived from a name that folds to nothing
            elif key.startswith("id:"):
                if found.kind != entity.kind:
                    problems.append(
                        Problem(("entities", member, "id"), f"this id belongs to an entity of kind {found.kind.value}")
                    )
                    continue
                candidates.append((0, found, "id"))
            elif position == (1 if entity.id is not None else 0):
                candidates.append((1, found, "name"))
            else:
                candidates.append((2, found, "alias"))
    if not candidates:
        return None, "new"
    candidates.sort(key=lambda candidate: candidate[0])
    best = candidates[0]
    others = {c[1].entity_id for c in candidates if c[1].visible} - {best[1].entity_id}
    if others:
        warnings.append(
            f"entities[{members[0]}]: also matches {len(others)} other stored entit{'y' if len(others) == 1 else 'ies'}"
            f"; resolved by {best[2]}"
        )
    return best[1], best[2]


def _resolve_reference(
    ref: EntityRef,
    bundle_ids: Mapping[str, str],
    kind_of_id: Mapping[str, EntityKind],
    stored: Mapping[str, KeyMatch],
) -> tuple[str, EntityKind] | None:
    key = reference_key(ref)
    if key is None:
        return None
    if key in bundle_ids:
        entity_id = bundle_ids[key]
        return entity_id, kind_of_id[entity_id]
    found = stored.get(key)
    # An entity the caller may not see does not exist for the caller, here as everywhere.
    if found is None or not (found.visible or found.own_claim):
        return None
    return found.entity_id, found.kind


def _unknown_reference(ref: EntityRef) -> str:
    if ref.id is not None:
        return f"no entity with id {ref.id!r} in this bundle or visible to you"
    assert ref.kind is not None
    return f"no {ref.kind.value} named {ref.name!r} in this bundle or visible to you"
