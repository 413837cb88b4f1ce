"""Entity resolution: when a submission is an entity already known, and how a bundle becomes rows to write.

The rule (docs/model.md) never merges on doubt. An item of a bundle is, in this order:

1. the entity one of its **strong keys** identifies: an id it was ever given, or an external id by scheme
   (`mitre-attack` G0007). Its own id wins over its external ids; when its keys name several entities and none is
   its own id's, it is a new entity and the others become candidates;
2. else the one entity of its kind whose visible claims give the same **primary name**;
3. else the one entity its **aliases** reach, through names that identify exactly one entity; an alias that several
   entities hold is ambiguous and resolves nothing.

Names count only through claims the caller may see, and an entity whose visible claims carry a different value of
a scheme the item carries (APT28's G0007 against APT29's G0016) is never reached by a name: it becomes a
candidate. No transitive union: an item joins at most one earlier item of its bundle or one stored entity, and two
items of a bundle with different ids are never one entity. Node ids never derive from names (see `node_id`).

Everything here is pure: the store looks keys and names up inside the write transaction and hands the answers to
`plan_bundle`, which raises InvalidInput (listing every problem) or returns the rows to write.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from atlas_graph.errors import InvalidInput, Problem
from atlas_graph.models.assertions import AssertionFields
from atlas_graph.models.bundles import DISRUPTION_COST, EntityIn, EntityRef, RelationshipIn
from atlas_graph.models.vocabulary import ALLOWED_KIND_PAIRS, EntityKind, RelationshipType
from atlas_graph.stix.vocabulary import ENTITY_KINDS
from atlas_graph.store.ingestion import (
    CandidateReasonWrite,
    CandidateWrite,
    EntityWrite,
    RelationshipWrite,
    StoredIdentity,
)

# Keys live in a uniqueness index, which refuses values over about 8 kB; NFKC folding can make a 500-character name
# eighteen times longer (U+FDFA), so a longer folded name is keyed by its digest (equal names, equal keys).
MAX_NAME_KEY_BYTES = 4096

# A fixed namespace makes ids derived from external ids the same on every installation, so that exports agree.
ENTITY_ID_NAMESPACE = uuid.UUID("6f1c2a4e-9b3d-5e7f-8a1b-2c3d4e5f6a7b")

# STIX types whose ids already say the kind: such an id is kept as the node id. `identity` says no kind (financiers
# and victims are both identities), so its ids are hashed with the kind like any other id.
STIX_TYPE_KINDS: dict[str, EntityKind] = {
    stix_type: kind for stix_type, kind in ENTITY_KINDS.items() if stix_type != "identity"
}

MatchedBy = Literal["new", "id", "name", "alias", "bundle"]
Status = Literal["created", "merged", "updated"]


def normalize_name(name: str, kind: EntityKind | None = None) -> str:
    """Fold case, width, whitespace and punctuation: "Wizard-Spider ", "WIZARD SPIDER" -> "wizardspider".

    Infrastructure keeps its punctuation (only case, width and surrounding space fold): "1.11.1.1" and
    "11.1.1.1", or "evil-corp.example" and "evilcorp.example", are different hosts.
    """
    folded = unicodedata.normalize("NFKC", name).casefold()
    if kind is EntityKind.INFRASTRUCTURE:
        return folded.strip()
    return "".join(char for char in folded if char.isalnum())


# A bundle keys each name several times (look-up, resolution, near misses, the claim's names), and folding is most
# of resolution's time: cProfile on scripts/bench_ingest.py's bundles.
@lru_cache(maxsize=1 << 14)
def name_key(kind: EntityKind, name: str) -> str:
    """The key of a name within a kind; a name that folds to nothing ("???") is keyed by its trimmed, folded text."""
    normalized = normalize_name(name, kind)
    if not normalized:
        normalized = "raw:" + unicodedata.normalize("NFKC", name).casefold().strip()
    if len(normalized.encode()) > MAX_NAME_KEY_BYTES:
        normalized = "sha256:" + hashlib.sha256(normalized.encode()).hexdigest()
    return f"name:{kind.value}:{normalized}"


def id_key(kind: EntityKind, entity_id: str) -> str:
    """Ids are keyed within a kind: an id given to an actor says nothing to someone posting a victim."""
    return f"id:{kind.value}:{entity_id}"


@lru_cache(maxsize=1 << 14)
def reference_keys(entity_id: str) -> tuple[str, ...]:
    """The keys a relationship end given by id may hold: the id within every kind (an end says no kind)."""
    return tuple(id_key(kind, entity_id) for kind in EntityKind)


def xid_key(kind: EntityKind, scheme: str, value: str) -> str:
    return f"xid:{kind.value}:{scheme}={value.casefold()}"


def xid_scheme(key: str) -> str:
    """The scheme of an `xid:` key (schemes hold no `=`)."""
    return key.split(":", 2)[2].split("=", 1)[0]


def node_id(kind: EntityKind, given_id: str | None) -> str:
    """The id of a new entity: never from a name, so that no id tells anything of a claim the caller cannot see.

    A given id that already says its kind (`actor--...`, a STIX intrusion-set id for an actor) is kept; any other
    given id is hashed with the kind (so the same id given to an actor and to a victim makes two ids, and no answer
    reveals the kind of an entity behind an id); no id gets a random one.
    """
    if given_id is None:
        return f"{kind.value}--{uuid.uuid4()}"
    prefix = given_id.split("--", 1)[0] if "--" in given_id else None
    if prefix == kind.value or STIX_TYPE_KINDS.get(prefix or "") is kind:
        return given_id
    return f"{kind.value}--{uuid.uuid5(ENTITY_ID_NAMESPACE, f'{kind.value}|{given_id}')}"


def strong_keys(entity: EntityIn) -> list[str]:
    """The keys that identify an entity whoever gave them: its id, then its external ids."""
    keys = [id_key(entity.kind, entity.id)] if entity.id is not None else []
    keys.extend(xid_key(entity.kind, scheme, value) for scheme, value in sorted(entity.external_ids.items()))
    return keys


def conflated_keys(entity: EntityIn) -> dict[str, list[str]]:
    """Scheme -> the keys of the several ids of that scheme the item cites (`conflated_ids`): never its keys."""
    return {
        scheme: list(dict.fromkeys(xid_key(entity.kind, scheme, value) for value in values))
        for scheme, values in sorted(entity.conflated_ids.items())
    }


def item_names(entity: EntityIn) -> list[str]:
    """The name keys of an item: its primary name first."""
    return list(dict.fromkeys(name_key(entity.kind, name) for name in (entity.name, *entity.aliases)))


@dataclass(frozen=True)
class IdentityLookup:
    """What the store must look up before `plan_bundle` can resolve a bundle."""

    strong_keys: list[str]
    name_keys: list[str]
    item_keys: list[str]
    """The strong keys of the bundle's entity items (the rest are relationship ends'): only the entities these and
    the names reach are resolved against, so only theirs need identity facts."""


def identity_lookup(entities: Sequence[EntityIn], relationships: Sequence[RelationshipIn]) -> IdentityLookup:
    strong: dict[str, None] = {}
    names: dict[str, None] = {}
    for entity in entities:
        strong.update(dict.fromkeys(strong_keys(entity)))
        for keys in conflated_keys(entity).values():
            strong.update(dict.fromkeys(keys))
        names.update(dict.fromkeys(item_names(entity)))
    items = list(strong)
    for relationship in relationships:
        for ref in (relationship.source, relationship.target):
            if ref.id is not None:
                strong.update(dict.fromkeys(reference_keys(ref.id)))
            else:
                assert ref.kind is not None and ref.name is not None
                names[name_key(ref.kind, ref.name)] = None
    return IdentityLookup(strong_keys=list(strong), name_keys=list(names), item_keys=items)


@dataclass(frozen=True)
class EntityResolution:
    index: int
    entity_id: str
    matched_by: MatchedBy


@dataclass
class BundlePlan:
    """What to write, and what to answer: each item's entity and how it was found, in bundle order."""

    entities: list[EntityWrite]
    visible_match: dict[str, bool]
    resolutions: list[EntityResolution]
    relationships: list[RelationshipWrite]
    relationship_order: list[str]
    candidates: list[CandidateWrite]
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


def entity_claim_key(kind: EntityKind, anchor: str, organization: str) -> str:
    """A claim is keyed by the id it was made against (its anchor), which no merge or split changes."""
    return f"{kind.value}:{anchor}|{organization}"


@dataclass
class _Known:
    """An entity as this bundle's resolution sees it: stored (as far as the caller may see it) or new here."""

    id: str
    kind: EntityKind
    stored: bool
    visible: bool
    given_id: str | None = None  # new here: the id its items gave
    xids: dict[str, set[str]] = field(default_factory=dict)
    primary_names: set[str] = field(default_factory=set)


@dataclass
class _Claim:
    entity_id: str
    kind: EntityKind
    anchor: str
    members: list[int]


class _Resolver:
    """Resolves the items of one bundle in order against the store's answers and the items before them."""

    def __init__(self, entities: Sequence[EntityIn], found: StoredIdentity, organization: str) -> None:
        self.items = entities
        self.found = found
        self.organization = organization
        self.known: dict[str, _Known] = {}
        for facts in found.entities.values():
            self.known[facts.id] = _Known(
                id=facts.id,
                kind=facts.kind,
                stored=True,
                visible=facts.visible,
                xids={scheme: set(values) for scheme, values in facts.xids.items()},
            )
        for key, holders in found.names.items():
            for holder in holders:
                if holder.primary and holder.entity_id in self.known:
                    self.known[holder.entity_id].primary_names.add(key)
        self.key_holders = {holder.entity_id for holder in found.keys.values()}
        self.bundle_keys: dict[str, str] = {}
        self.bundle_names: dict[str, dict[str, str | None]] = {}  # name key -> entity id -> claim key (None: new)
        self.registered: dict[str, list[str]] = {}
        self.names_of: dict[str, list[tuple[str, bool]]] = {}
        self.claims: dict[str, _Claim] = {}
        self.claim_of_item: dict[int, str] = {}
        self.resolutions: list[EntityResolution] = []
        self.targeted: set[str] = set()
        self.visible_match: dict[str, bool] = {}
        self.candidates: dict[tuple[str, str], dict[tuple[str, str], set[str]]] = {}
        # The current item's: entities its strong keys name besides the one it joins, with the reason and its value.
        self.conflicts: list[tuple[str, str, str]] = []
        self.warnings: list[str] = []
        self.new_ids: set[str] = set()

    # --- what the caller may see of names ---------------------------------------------------------------------

    def holders(self, key: str) -> dict[str, list[str]]:
        """Entity id -> claim keys of the claims (visible stored ones, or this bundle's) that give the name."""
        held: dict[str, list[str]] = {}
        for holder in self.found.names.get(key, []):
            held.setdefault(holder.entity_id, []).append(holder.claim_key)
        for entity_id, claim_key in self.bundle_names.get(key, {}).items():
            held.setdefault(entity_id, [])
            if claim_key is not None:
                held[entity_id].append(claim_key)
        return held

    def contradicts(self, entity: EntityIn, other: _Known) -> bool:
        """The other carries a value of a scheme the item carries, besides the item's own; or two ids of one bundle.

        An entity a conflated claim made carries each id that claim cites (FIN7's G0046 and Carbanak's G0008), so an
        item holding either one is held apart from it.
        """
        if not other.stored and other.given_id is not None and entity.id is not None and other.given_id != entity.id:
            return True
        for scheme, value in entity.external_ids.items():
            if other.xids.get(scheme, set()) - {value.casefold()}:
                return True
        return False

    # --- resolution -------------------------------------------------------------------------------------------

    def resolve(self, index: int) -> None:
        entity = self.items[index]
        kind = entity.kind
        target, matched_by, visible = self._match(index, entity)
        if target is None:
            # An id some entity holds by a claim the caller cannot see: not reused, so that the new entity is its own.
            held = entity.id is not None and id_key(kind, entity.id) in self.found.keys
            target = node_id(kind, None if held else entity.id)
            # A given id hashed onto an entity of this bundle's or one the look-up met: cannot, but never join.
            while target in self.known or target in self.key_holders:
                target = node_id(kind, None)
            self.known[target] = _Known(id=target, kind=kind, stored=False, visible=True, given_id=entity.id)
            self.new_ids.add(target)
            self.registered[target] = [id_key(kind, target)]
            self.bundle_keys[id_key(kind, target)] = target
            matched_by, visible = "new", False
        elif target in self.targeted or target in self.new_ids:
            matched_by = "bundle"
        known = self.known[target]
        if known.stored and target not in self.visible_match:
            self.visible_match[target] = visible
        elif known.stored and visible:
            self.visible_match[target] = True
        if not known.stored and entity.id is not None and known.given_id is None:
            known.given_id = entity.id
        self.targeted.add(target)
        self.resolutions.append(EntityResolution(index=index, entity_id=target, matched_by=matched_by))

        anchor = entity.id if entity.id is not None else target
        claim_key = entity_claim_key(kind, anchor, self.organization)
        claim = self.claims.setdefault(claim_key, _Claim(entity_id=target, kind=kind, anchor=anchor, members=[]))
        claim.members.append(index)
        self.claim_of_item[index] = claim_key

        for key in strong_keys(entity):
            owner = self.found.keys.get(key)
            if owner is None and key not in self.bundle_keys:
                self.registered.setdefault(target, []).append(key)
            if owner is None or owner.entity_id == target:
                self.bundle_keys.setdefault(key, target)
        for scheme, value in entity.external_ids.items():
            known.xids.setdefault(scheme, set()).add(value.casefold())
        for scheme, values in entity.conflated_ids.items():
            known.xids.setdefault(scheme, set()).update(value.casefold() for value in values)
        for position, key in enumerate(item_names(entity)):
            self.bundle_names.setdefault(key, {})[target] = claim_key
            if position == 0:
                known.primary_names.add(key)
        for other, reason, value, claim_keys in self._near_misses(entity, target):
            self._candidate(target, other, reason, value, [claim_key, *claim_keys], index)

    def _key_holder(self, entity: EntityIn, key: str) -> tuple[str, bool] | None:
        """The entity a strong key identifies for this item, and whether the caller sees the key there."""
        if key in self.bundle_keys:
            holder = self.bundle_keys[key]
            key_visible = holder in self.new_ids or self.visible_match.get(holder, False)
        elif key in self.found.keys and self.found.keys[key].kind is entity.kind:
            holder, key_visible = self.found.keys[key].entity_id, self.found.keys[key].visible
            if not key_visible and (stored := self.known.get(holder)) is not None and stored.visible:
                # Only a hidden claim gave this key to an entity the caller sees: joining would show the caller,
                # at its next read, which entity the hidden claim identifies (docs/sharing.md, "Identity").
                return None
        else:
            return None
        known = self.known.get(holder)
        if known is not None and not known.stored and known.given_id not in (None, entity.id) and entity.id:
            return None  # two items of one bundle with different ids are never one entity
        return holder, key_visible

    def _match(self, index: int, entity: EntityIn) -> tuple[str | None, MatchedBy, bool]:
        kind = entity.kind
        self.conflicts = []
        own_key = id_key(kind, entity.id) if entity.id is not None else None
        hits: dict[str, bool] = {}  # entity id -> whether the caller sees the key there
        own: str | None = None
        for key in strong_keys(entity):
            found = self._key_holder(entity, key)
            if found is None:
                continue
            holder, key_visible = found
            hits[holder] = hits.get(holder, False) or key_visible
            if key == own_key:
                own = holder
        # Ids of one scheme cited together (a conflated claim) identify an entity only when each of them does.
        conflated: list[tuple[str, str, str]] = []
        for scheme, keys in conflated_keys(entity).items():
            holders = [self._key_holder(entity, key) for key in keys]
            identified = {found[0] for found in holders if found is not None}
            if len(identified) == 1 and all(found is not None for found in holders):
                (holder,) = identified
                hits[holder] = hits.get(holder, False) or all(found[1] for found in holders if found is not None)
            else:
                value = f"{scheme}: {', '.join(sorted(entity.conflated_ids[scheme]))}"
                conflated += [(holder, "conflated ids", value) for holder in identified]
        if own is not None:
            self.conflicts = [(holder, "conflicting ids", "") for holder in hits if holder != own] + conflated
            return own, "id", hits[own]
        if len(hits) == 1:
            (holder, key_visible), *_ = hits.items()
            self.conflicts = conflated
            return holder, "id", key_visible
        self.conflicts = [(holder, "conflicting ids", "") for holder in hits] + conflated
        if hits or entity.conflated_ids:
            # A conflated item stands for several objects: no name of its may decide which one it is.
            return None, "new", False

        primary = name_key(kind, entity.name)
        named = [e for e in self.holders(primary) if self._is(e, kind) and primary in self.known[e].primary_names]
        fitting = [e for e in named if not self.contradicts(entity, self.known[e])]
        if len(fitting) == 1:
            return fitting[0], "name", True
        if len(fitting) > 1:
            self._warn_ambiguous(index, entity.name, fitting)
            return None, "new", False

        reached: dict[str, None] = {}
        for key, name in zip(item_names(entity), self._names(entity), strict=True):
            held = [e for e in self.holders(key) if self._is(e, kind)]
            if len(held) == 1:
                reached[held[0]] = None
            elif len(held) > 1:
                self._warn_ambiguous(index, name, held)
        fitting = [e for e in reached if not self.contradicts(entity, self.known[e])]
        if len(fitting) == 1:
            return fitting[0], "alias", True
        return None, "new", False

    def _names(self, entity: EntityIn) -> list[str]:
        seen: dict[str, str] = {}
        for name in (entity.name, *entity.aliases):
            seen.setdefault(name_key(entity.kind, name), name)
        return list(seen.values())

    def _is(self, entity_id: str, kind: EntityKind) -> bool:
        known = self.known.get(entity_id)
        return known is not None and known.kind is kind

    def _warn_ambiguous(self, index: int, name: str, entity_ids: Sequence[str]) -> None:
        self.warnings.append(
            f"entities[{index}]: {name!r} names {len(entity_ids)} entities you can see "
            f"({', '.join(sorted(entity_ids))}); it resolved nothing"
        )

    def _near_misses(self, entity: EntityIn, target: str) -> list[tuple[str, str, str, list[str]]]:
        """Entities the item's names reach but that it did not join: each becomes a candidate with the reason."""
        misses: list[tuple[str, str, str, list[str]]] = [
            (other, reason, value, []) for other, reason, value in self.conflicts if other != target
        ]
        for key, name in zip(item_names(entity), self._names(entity), strict=True):
            held = {e: keys for e, keys in self.holders(key).items() if self._is(e, entity.kind) and e != target}
            for other, claim_keys in held.items():
                reason = (
                    "held apart by conflated ids"
                    if entity.conflated_ids
                    else "held apart by a contradicting id"
                    if self.contradicts(entity, self.known[other])
                    else "ambiguous alias"
                    if len(held) > 1
                    else "shared name"
                )
                misses.append((other, reason, name, claim_keys))
        return misses

    def _candidate(
        self, entity_a: str, entity_b: str, reason: str, value: str, claim_keys: list[str], index: int
    ) -> None:
        if entity_a == entity_b or frozenset((entity_a, entity_b)) in self.found.rejected:
            return
        pair = (min(entity_a, entity_b), max(entity_a, entity_b))
        reasons = self.candidates.setdefault(pair, {})
        reasons.setdefault((reason, value), set()).update(claim_keys)
        other = entity_b
        if other in self.new_ids or self.known[other].visible:
            self.warnings.append(f"entities[{index}]: candidate recorded: {entity_a} may be {other} ({reason})")


def plan_bundle(
    entities: Sequence[EntityIn],
    relationships: Sequence[RelationshipIn],
    found: StoredIdentity,
    *,
    organization: str,
) -> BundlePlan:
    """Resolve every item of a bundle against what the store found; raise InvalidInput listing every problem."""
    problems: list[Problem] = []
    resolver = _Resolver(entities, found, organization)
    for index in range(len(entities)):
        resolver.resolve(index)

    rows = []
    for claim_key, made in resolver.claims.items():
        members = [entities[m] for m in made.members]
        rows.append(
            EntityWrite(
                id=made.entity_id,
                kind=made.kind,
                name=members[0].name,
                keys=resolver.registered.pop(made.entity_id, []),
                claim_key=claim_key,
                anchor=made.anchor,
                names=_claim_names(members),
                claim=_entity_claim(members, made.anchor),
                new=not resolver.known[made.entity_id].stored,
            )
        )

    relationship_rows: dict[str, RelationshipWrite] = {}
    order: list[str] = []
    # Every entity is resolved by now, so an end resolves the same wherever it recurs: hubs recur thousands of times.
    references: dict[tuple[str | None, EntityKind | None, str | None], tuple[tuple[str, EntityKind] | None, str]] = {}
    for index, relationship in enumerate(relationships):
        ends = []
        for side, ref in (("source", relationship.source), ("target", relationship.target)):
            reference = (ref.id, ref.kind, ref.name)
            if reference not in references:
                references[reference] = _resolve_reference(ref, resolver)
            resolved, problem = references[reference]
            if resolved is None:
                problems.append(Problem(("relationships", index, side), problem))
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
        visible_match=resolver.visible_match,
        resolutions=resolver.resolutions,
        relationships=list(relationship_rows.values()),
        relationship_order=order,
        candidates=_candidate_rows(resolver),
        warnings=list(dict.fromkeys(resolver.warnings)),
    )


def _claim_names(members: Sequence[EntityIn]) -> list[tuple[str, bool]]:
    primary = name_key(members[0].kind, members[0].name)
    names = {primary: True}
    for member in members:
        for name in (member.name, *member.aliases):
            names.setdefault(name_key(member.kind, name), False)
    return list(names.items())


def _entity_claim(members: Sequence[EntityIn], anchor: str) -> dict[str, Any]:
    # Several items of one bundle made against one id are one claim: the last item's provenance, every name kept.
    last = members[-1]
    kind = last.kind
    name = members[0].name
    aliases = list(dict.fromkeys(n for m in members for n in (m.name, *m.aliases) if n != name))
    attributes: dict[str, Any] = {}
    external_ids: dict[str, str] = {}
    conflated_ids: dict[str, list[str]] = {}
    countries: set[str] = set()
    category = None
    for member in members:
        attributes.update(member.attributes)
        external_ids.update(member.external_ids)
        conflated_ids.update({scheme: sorted(set(values)) for scheme, values in member.conflated_ids.items()})
        countries.update(member.countries)
        category = member.category or category
    # Countries and the cost are also plain properties, so that Cypher can take the union and the largest over
    # the claims a caller may see without parsing the attributes' JSON.
    cost = attributes.get(DISRUPTION_COST)
    claim = claim_properties(last)
    claim.update(
        name=name,
        aliases=aliases,
        names=[name, *aliases],
        category=category,
        attributes=json.dumps(attributes, sort_keys=True, ensure_ascii=False) if attributes else None,
        external_ids=json.dumps(external_ids, sort_keys=True, ensure_ascii=False) if external_ids else None,
        countries=sorted(countries) or None,
        disruption_cost=float(cost) if cost is not None else None,
        xid_keys=[xid_key(kind, scheme, value) for scheme, value in sorted(external_ids.items())],
        # The ids a conflated claim cites hold entities that carry one of them apart (read/entity_identity_facts),
        # but identify nothing: they are neither strong keys nor ids that name the object.
        conflated_ids=json.dumps(conflated_ids, sort_keys=True, ensure_ascii=False) if conflated_ids else None,
        conflated_xid_keys=[
            xid_key(kind, scheme, value) for scheme, values in sorted(conflated_ids.items()) for value in values
        ]
        or None,
        strong_keys=[
            id_key(kind, anchor),
            *(xid_key(kind, scheme, value) for scheme, value in sorted(external_ids.items())),
        ],
    )
    return claim


def _candidate_rows(resolver: _Resolver) -> list[CandidateWrite]:
    rows = []
    for (entity_a, entity_b), reasons in resolver.candidates.items():
        rows.append(
            CandidateWrite(
                pair=f"{entity_a}|{entity_b}",
                a=entity_a,
                b=entity_b,
                kind=resolver.known[entity_a].kind,
                reasons=[
                    CandidateReasonWrite(type=reason, value=value, claim_keys=sorted(claim_keys))
                    for (reason, value), claim_keys in reasons.items()
                ],
            )
        )
    return rows


def _resolve_reference(ref: EntityRef, resolver: _Resolver) -> tuple[tuple[str, EntityKind] | None, str]:
    """The entity a relationship end names, in the bundle or among those the caller may see."""
    if ref.id is not None:
        keys = reference_keys(ref.id)
        bundle = {resolver.bundle_keys[key] for key in keys if key in resolver.bundle_keys}
        # A stored end's kind is its key holder's: an entity reached only as an end has no identity facts.
        stored = {
            match.entity_id: match.kind
            for key in keys
            if (match := resolver.found.keys.get(key)) is not None and match.visible
        }
        if bundle:
            found = sorted(bundle)
            if len(found) == 1:
                return (found[0], resolver.known[found[0]].kind), ""
        else:
            found = sorted(stored)
            if len(found) == 1:
                return (found[0], stored[found[0]]), ""
        if len(found) > 1:
            return None, f"id {ref.id!r} names entities of several kinds ({', '.join(found)}); refer to one by its id"
        return None, f"no entity with id {ref.id!r} in this bundle or visible to you"
    assert ref.kind is not None and ref.name is not None
    key = name_key(ref.kind, ref.name)
    in_bundle = list(resolver.bundle_names.get(key, {}))
    held = in_bundle or [e for e in resolver.holders(key) if resolver._is(e, ref.kind)]
    held = [e for e in held if resolver._is(e, ref.kind)]
    if len(held) == 1:
        return (held[0], ref.kind), ""
    if len(held) > 1:
        return None, f"{ref.name!r} names {len(held)} {ref.kind.value} entities you can see; refer to one by its id"
    return None, f"no {ref.kind.value} named {ref.name!r} in this bundle or visible to you"


def entity_ids(resolutions: Iterable[EntityResolution]) -> list[str]:
    return list(dict.fromkeys(resolution.entity_id for resolution in resolutions))
