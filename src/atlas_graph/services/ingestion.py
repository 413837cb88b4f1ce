"""Bundles in: validate, resolve against what is stored, write atomically, and say what happened to each item.

Validation is one round: a refused bundle is answered with every problem of every item at once, located as
`("entities", 2, "kind")`. The model's checks (pydantic) and the store's (unknown `share_with` organizations,
references that resolve to nothing, kinds a type does not allow) run on every item that passes the ones before, and
nothing is written when any of them finds a problem.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ValidationError

from atlas_graph import metrics
from atlas_graph.errors import InvalidInput, PayloadTooLarge, Problem
from atlas_graph.models.bundles import (
    BundleCountsOut,
    BundleIn,
    BundleResultOut,
    EntityIn,
    EntityResultOut,
    RelationshipIn,
    RelationshipResultOut,
    StatusCountsOut,
)
from atlas_graph.models.vocabulary import EntityKind, RelationshipType
from atlas_graph.services import audit
from atlas_graph.services.caller import Caller
from atlas_graph.services.resolution import (
    BundlePlan,
    Status,
    entity_claim_key,
    id_key,
    identity_lookup,
    normalize_name,
    plan_bundle,
)
from atlas_graph.services.share_with import with_registered_share_with
from atlas_graph.store import ingestion as ingestion_store
from atlas_graph.store.graph import GraphStore

Item = TypeVar("Item", bound=BaseModel)

STATUSES: tuple[Status, ...] = ("created", "merged", "updated")


def check_bundle_size(bundle: BundleIn, *, max_items: int) -> None:
    items = len(bundle.entities) + len(bundle.relationships)
    if items > max_items:
        raise PayloadTooLarge(f"bundle has {items} items; the limit is {max_items}: split it into several bundles")


def ingest_bundle_json(store: GraphStore, *, caller: Caller, body: bytes, max_items: int) -> BundleResultOut:
    """A bundle as posted, in JSON: stored as `ingest_bundle` stores it, or refused with every problem at once."""
    try:
        bundle = BundleIn.model_validate_json(body)
    except ValidationError as error:
        problems = [Problem(tuple(issue["loc"]), issue["msg"]) for issue in error.errors(include_url=False)]
        found = _problems_of_valid_items(store, caller, body, max_items)
        raise InvalidInput(sorted_problems([*problems, *found])) from None
    return ingest_bundle(store, caller=caller, bundle=bundle, max_items=max_items)


def ingest_bundle(
    store: GraphStore, *, caller: Caller, bundle: BundleIn, max_items: int, action: str = "bundle.post"
) -> BundleResultOut:
    """Store a bundle as the caller's claims, all or nothing; re-posting it changes only timestamps."""
    started = audit.entry(caller, action, entities=len(bundle.entities), relationships=len(bundle.relationships))

    def write() -> BundleResultOut:
        check_bundle_size(bundle, max_items=max_items)
        try:
            registered = with_registered_share_with(store, bundle)
        except InvalidInput as error:
            # Resolution does not depend on share_with: check it too, so that the answer lists every problem.
            indexed = (list(enumerate(bundle.entities)), list(enumerate(bundle.relationships)))
            raise InvalidInput(sorted_problems([*error.problems, *_plan_problems(store, caller, *indexed)])) from None
        lookup = identity_lookup(registered.entities, registered.relationships)
        written = ingestion_store.write_bundle(
            store,
            organization=caller.organization,
            strong_keys=lookup.strong_keys,
            name_keys=lookup.name_keys,
            item_keys=lookup.item_keys,
            plan=lambda found: plan_bundle(
                registered.entities, registered.relationships, found, organization=caller.organization
            ),
            rows=lambda plan: ingestion_store.BundleRows(plan.entities, plan.relationships, plan.candidates),
            now=datetime.now(UTC),
            audit=started,
        )
        return _result(written.plan, written.existing_claims, written.relationship_states)

    result = audit.audited(store, started, write)
    metrics.record_bundle(entities=len(result.entities), relationships=len(result.relationships))
    return result


@dataclass(frozen=True)
class SameAsClaim:
    """A source's statement that two entities, named by ids it gave them, may be one; its claim on `source` says so."""

    source: str
    target: str
    kind: EntityKind
    reason: str


@dataclass(frozen=True)
class SameAsOutcome:
    status: Literal["recorded", "one entity", "not found"]
    message: str


def record_same_as(
    store: GraphStore, *, caller: Caller, claims: Sequence[SameAsClaim], action: str
) -> list[SameAsOutcome]:
    """Record each pair as a same-as candidate for review, never a merge; say per pair what became of it.

    Both ends must be entities the caller may see under those ids (an end it may not see is answered as one that
    does not exist). The caller's claim on the source, keyed by the id it was made against, supports the reason, so
    that the reason is shown to whom may see that claim (docs/sharing.md).
    """
    keys = list(dict.fromkeys(id_key(claim.kind, end) for claim in claims for end in (claim.source, claim.target)))
    holders = ingestion_store.visible_key_holders(store, keys=keys, organization=caller.organization)
    outcomes: list[SameAsOutcome] = []
    rows: dict[str, ingestion_store.CandidateWrite] = {}
    for claim in claims:
        source, target = holders.get(id_key(claim.kind, claim.source)), holders.get(id_key(claim.kind, claim.target))
        missing = [end for end, holder in ((claim.source, source), (claim.target, target)) if holder is None]
        if missing or source is None or target is None:
            outcomes.append(SameAsOutcome("not found", f"no {claim.kind.value} with id {missing[0]!r} visible to you"))
            continue
        if source.entity_id == target.entity_id:
            outcomes.append(SameAsOutcome("one entity", f"already one entity ({source.entity_id}); nothing to propose"))
            continue
        a, b = sorted((source.entity_id, target.entity_id))
        supporting = [entity_claim_key(claim.kind, claim.source, caller.organization)]
        row = rows.setdefault(
            f"{a}|{b}", ingestion_store.CandidateWrite(pair=f"{a}|{b}", a=a, b=b, kind=claim.kind, reasons=[])
        )
        row.reasons.append(ingestion_store.CandidateReasonWrite(type=claim.reason, value="", claim_keys=supporting))
        outcomes.append(
            SameAsOutcome(
                "recorded", f"candidate recorded: {source.entity_id} may be {target.entity_id} ({claim.reason})"
            )
        )
    if rows:
        started = audit.entry(caller, action, candidates=len(rows))
        audit.audited(
            store,
            started,
            lambda: ingestion_store.write_candidates(store, list(rows.values()), now=datetime.now(UTC), audit=started),
        )
    return outcomes


def bundle_problems(
    store: GraphStore,
    *,
    caller: Caller,
    entities: Sequence[tuple[int, EntityIn]],
    relationships: Sequence[tuple[int, RelationshipIn]],
) -> list[Problem]:
    """What the store's checks find in these items (each with its position in its bundle); nothing is written."""
    bundle = BundleIn(entities=[item for _, item in entities], relationships=[item for _, item in relationships])
    try:
        with_registered_share_with(store, bundle)
        share_problems: list[Problem] = []
    except InvalidInput as error:
        share_problems = _relocated(error.problems, entities, relationships)
    return [*share_problems, *_plan_problems(store, caller, entities, relationships)]


def sorted_problems(problems: Sequence[Problem]) -> list[Problem]:
    """In the order of the request: by section, then position, then field."""

    def order(problem: Problem) -> tuple[tuple[int, int, str], ...]:
        return tuple((1, part, "") if isinstance(part, int) else (0, 0, part) for part in problem.location)

    return sorted(dict.fromkeys(problems), key=order)


def _plan_problems(
    store: GraphStore,
    caller: Caller,
    entities: Sequence[tuple[int, EntityIn]],
    relationships: Sequence[tuple[int, RelationshipIn]],
) -> list[Problem]:
    """Resolution's problems (references, kinds a type does not allow) as a write would find them, read-only."""
    entity_items = [item for _, item in entities]
    relationship_items = [item for _, item in relationships]
    lookup = identity_lookup(entity_items, relationship_items)
    found = ingestion_store.read_identity(
        store,
        organization=caller.organization,
        strong_keys=lookup.strong_keys,
        name_keys=lookup.name_keys,
        item_keys=lookup.item_keys,
    )
    try:
        plan_bundle(entity_items, relationship_items, found, organization=caller.organization)
    except InvalidInput as error:
        return _relocated(error.problems, entities, relationships)
    return []


def _relocated(
    problems: Sequence[Problem],
    entities: Sequence[tuple[int, object]],
    relationships: Sequence[tuple[int, object]],
) -> list[Problem]:
    """Problems located in a list of some of a bundle's items, located in the bundle instead."""
    positions = {"entities": [index for index, _ in entities], "relationships": [index for index, _ in relationships]}
    moved = []
    for problem in problems:
        location = problem.location
        if len(location) >= 2 and location[0] in positions and isinstance(location[1], int):
            section = str(location[0])
            location = (section, positions[section][location[1]], *location[2:])
        moved.append(Problem(location, problem.message))
    return moved


def _problems_of_valid_items(store: GraphStore, caller: Caller, body: bytes, max_items: int) -> list[Problem]:
    """The store's checks on the items of a refused bundle that pass the model's own.

    A relationship naming an entity item that failed is left out: "no such entity" would only echo that failure.
    """
    try:
        raw = json.loads(body)
    except (ValueError, RecursionError):  # not JSON, or nested past the decoder's depth: the model said so
        return []
    if not isinstance(raw, Mapping):
        return []
    raw_entities, raw_relationships = _items(raw, "entities"), _items(raw, "relationships")
    if len(raw_entities) + len(raw_relationships) > max_items:
        return []  # the size is refused anyway once the items are fixed; no store work for an oversized body
    entities = _valid(raw_entities, EntityIn)
    relationships = _valid(raw_relationships, RelationshipIn)
    valid_entities = {index for index, _ in entities}
    failed_ids: set[object] = set()
    failed_names: set[str] = set()
    for index, item in enumerate(raw_entities):
        if index in valid_entities or not isinstance(item, Mapping):
            continue
        failed_ids.add(item.get("id"))
        aliases = item.get("aliases")
        names = [item.get("name"), *(aliases if isinstance(aliases, list) else [])]
        failed_names.update(normalize_name(name) for name in names if isinstance(name, str))
    relationships = [
        (index, relationship)
        for index, relationship in relationships
        if not any(
            ref.id in failed_ids if ref.id is not None else normalize_name(str(ref.name)) in failed_names
            for ref in (relationship.source, relationship.target)
        )
    ]
    if not entities and not relationships:
        return []
    return bundle_problems(store, caller=caller, entities=entities, relationships=relationships)


def _items(raw: Mapping[str, Any], section: str) -> list[Any]:
    items = raw.get(section)
    return items if isinstance(items, list) else []


def _valid(items: list[Any], model: type[Item]) -> list[tuple[int, Item]]:
    valid: list[tuple[int, Item]] = []
    for index, item in enumerate(items):
        try:
            valid.append((index, model.model_validate(item)))
        except ValidationError:
            continue
    return valid


def _entity_statuses(plan: BundlePlan, existing_claims: frozenset[str]) -> dict[str, Status]:
    """Per entity, from the caller's point of view: its claim existed (updated), it could see the entity (merged)."""
    statuses: dict[str, Status] = {}
    for row in plan.entities:
        if row.claim_key in existing_claims:
            statuses[row.id] = "updated"
        elif statuses.get(row.id) != "updated":
            statuses[row.id] = "merged" if plan.visible_match.get(row.id, False) else "created"
    return statuses


def _result(
    plan: BundlePlan, existing_claims: frozenset[str], states: dict[str, ingestion_store.ClaimState]
) -> BundleResultOut:
    entity_status = _entity_statuses(plan, existing_claims)
    entity_results = [
        EntityResultOut(
            index=resolution.index,
            id=resolution.entity_id,
            status=entity_status[resolution.entity_id],
            # An entity the caller may not see does not exist for it: the answer reads as for a new one.
            matched_by=resolution.matched_by
            if entity_status[resolution.entity_id] != "created" or resolution.matched_by == "bundle"
            else "new",
        )
        for resolution in plan.resolutions
    ]
    by_key = {row.key: row for row in plan.relationships}
    relationship_status: dict[str, Status] = {
        key: "updated" if state.own_claim else "merged" if state.visible else "created" for key, state in states.items()
    }
    relationship_results = [
        RelationshipResultOut(
            index=index,
            type=RelationshipType(by_key[key].type),
            source=by_key[key].source,
            target=by_key[key].target,
            status=relationship_status.get(key, "created"),
        )
        for index, key in enumerate(plan.relationship_order)
    ]
    entity_counts = Counter(entity_status.values())
    relationship_counts = Counter(relationship_status.get(row.key, "created") for row in plan.relationships)
    return BundleResultOut(
        counts=BundleCountsOut(
            entities=StatusCountsOut(**{status: entity_counts[status] for status in STATUSES}),
            relationships=StatusCountsOut(**{status: relationship_counts[status] for status in STATUSES}),
        ),
        entities=entity_results,
        relationships=relationship_results,
        warnings=plan.warnings,
    )
