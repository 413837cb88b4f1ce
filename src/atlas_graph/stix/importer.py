"""`POST /v1/stix` (and the demo's ATT&CK layer): a STIX bundle mapped by `stix.reading`, stored in one transaction.

The policy `on_invalid` decides what an invalid object does to the bundle: `skip` imports the rest; `reject`
refuses the whole bundle, writing nothing.

Deltas: a relationship whose ends are not in the bundle is imported when each end is an entity already stored
under that STIX id (its `id:<kind>:<id>` key) and the caller may see it there. An end the caller may not see is
answered exactly as an end that does not exist (`unmapped`, same reason), so a delta reveals nothing of hidden
claims; the entity import is where a strong key may reach an invisible entity, answered as new (docs/model.md).

Locations: a `located-at` relationship adds its location's country to the entity's claim in the bundle
(`stix.reading`), or, for an entity stored earlier (a delta, visible to the caller as above), to the caller's own
claim that gave the entity that STIX id, if that claim is marked at least as strictly as the relationship and the
location; otherwise it is `unmapped`, saying so.

Retraction: an object with `revoked: true` deletes the caller's own claims on it, after the rest of the bundle is
stored: for an entity, the claims that gave it that STIX id; for a relationship, the caller's claim on the
relationship its ends and type map to. Each deletion is one audited `assertion.retract`, as by
`DELETE /v1/assertions/{id}`; nobody else's claim is touched, and a revoked object the caller never claimed (or
cannot see) is listed as `skipped`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from atlas_graph.errors import InvalidInput, NotFound, Problem
from atlas_graph.models.bundles import BundleIn
from atlas_graph.models.stix import StixImportOut, StixObjectIssueOut, StixRetractedOut
from atlas_graph.models.vocabulary import EntityKind, Tlp
from atlas_graph.services import audit
from atlas_graph.services.caller import Caller
from atlas_graph.services.entities import retract_assertion
from atlas_graph.services.ingestion import bundle_problems, ingest_bundle, sorted_problems
from atlas_graph.services.resolution import id_key, relationship_key
from atlas_graph.stix.reading import LocatedAt, MappedBundle, Revoked, map_stix_bundle
from atlas_graph.stix.vocabulary import TLP_STRICTNESS
from atlas_graph.store import claims as claim_store
from atlas_graph.store.claims import CountriesAdded
from atlas_graph.store.graph import GraphStore
from atlas_graph.store.ingestion import KeyHolder, visible_key_holders

InvalidPolicy = Literal["skip", "reject"]


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
    mapped = map_stix_bundle(
        bundle,
        default_tlp=default_tlp,
        default_confidence=default_confidence,
        stored_kinds=lambda ids: stored_kinds(store, caller, ids),
    )
    if mapped.invalid and on_invalid == "reject":
        # One round: the store's checks on the valid objects too, so that the 422 lists every problem at once.
        found = bundle_problems(
            store,
            caller=caller,
            entities=list(enumerate(mapped.entities)),
            relationships=list(enumerate(mapped.relationships)),
        )
        raise InvalidInput(
            sorted_problems([*_invalid_problems(mapped), *(_locate(problem, mapped) for problem in found)])
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
    located, not_located = locate_deltas(store, caller, mapped.located_deltas)
    retracted, not_claimed = retract_revoked(store, caller, mapped.revoked)
    return StixImportOut(
        result=result,
        objects=len(bundle.get("objects", [])),
        imported_entities=len(mapped.entities),
        imported_relationships=len(mapped.relationships),
        imported_locations=len(mapped.located) + len(located),
        invalid=mapped.invalid,
        unmapped=sorted([*mapped.unmapped, *not_located], key=lambda issue: issue.index),
        skipped=sorted([*mapped.skipped, *not_claimed], key=lambda issue: issue.index),
        retracted=retracted,
    )


def import_stix_objects(
    store: GraphStore,
    *,
    caller: Caller,
    objects: list[Any],
    default_tlp: Tlp,
    default_confidence: int,
    max_items: int,
) -> StixImportOut:
    """Objects that came without a bundle (a TAXII envelope or page) imported as one bundle; invalid ones skipped."""
    bundle = {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objects}
    return import_stix_bundle(
        store,
        caller=caller,
        bundle=bundle,
        default_tlp=default_tlp,
        default_confidence=default_confidence,
        on_invalid="skip",
        max_items=max_items,
    )


def _visible(store: GraphStore, caller: Caller, ids: Collection[str]) -> dict[str, KeyHolder]:
    """STIX id -> the one stored entity the caller sees under it; an id that names none, or several, is left out."""
    keys = [id_key(kind, stix_id) for stix_id in ids for kind in EntityKind]
    holders = visible_key_holders(store, keys=keys, organization=caller.organization)
    found: dict[str, KeyHolder] = {}
    for stix_id in ids:
        seen = {holder.entity_id: holder for kind in EntityKind if (holder := holders.get(id_key(kind, stix_id)))}
        if len(seen) == 1:
            found[stix_id] = next(iter(seen.values()))
    return found


def stored_kinds(store: GraphStore, caller: Caller, ids: Collection[str]) -> dict[str, EntityKind]:
    """STIX ids -> the kind of the one stored entity the caller sees under each (`stix.reading.StoredKinds`)."""
    return {stix_id: holder.kind for stix_id, holder in _visible(store, caller, ids).items()}


def locate_deltas(
    store: GraphStore, caller: Caller, deltas: list[LocatedAt]
) -> tuple[list[CountriesAdded], list[StixObjectIssueOut]]:
    """Add the countries of `located-at` deltas to the caller's own claims; say which found no claim to join."""
    if not deltas:
        return [], []
    entities = _visible(store, caller, {delta.entity for delta in deltas})
    rows = [
        {
            "index": delta.index,
            "id": entities[delta.entity].entity_id,
            "key": id_key(delta.kind, delta.entity),
            "countries": [delta.country],
            "tlps": [tlp.value for tlp in TLP_STRICTNESS[TLP_STRICTNESS.index(delta.marked or TLP_STRICTNESS[0]) :]],
        }
        for delta in deltas
        if delta.entity in entities
    ]
    started = audit.entry(caller, "stix.locate")
    added = (
        claim_store.add_claim_countries(
            store, rows=rows, organization=caller.organization, audit=started, now=datetime.now(UTC)
        )
        if rows
        else []
    )
    done = {item.index for item in added}
    refused = [
        delta.issue(
            f"{delta.entity} is stored, but your organization made no claim on it by this id"
            + (f" marked at least TLP:{delta.marked.value}" if delta.marked else "")
            + " for its country to join; send the entity object with it"
        )
        for delta in deltas
        if delta.index not in done
    ]
    return added, refused


def retract_revoked(
    store: GraphStore, caller: Caller, revoked: list[Revoked]
) -> tuple[list[StixRetractedOut], list[StixObjectIssueOut]]:
    """Delete the caller's own claims on the revoked objects; say which were deleted and which it had none on."""
    if not revoked:
        return [], []
    ends = {
        ref.id for item in revoked if item.relationship for ref in (item.relationship.source, item.relationship.target)
    }
    entities = _visible(store, caller, {item.id for item in revoked if item.kind} | {e for e in ends if e})
    about: dict[int, str] = {}
    for item in revoked:
        if item.kind is not None and item.id in entities:
            about[item.index] = id_key(item.kind, item.id)
        elif item.relationship is not None:
            source, target = (
                entities.get(str(item.relationship.source.id)),
                entities.get(str(item.relationship.target.id)),
            )
            if source is not None and target is not None:
                about[item.index] = relationship_key(item.relationship.type, source.entity_id, target.entity_id)
    entity_rows = [
        (entities[item.id].entity_id, about[item.index]) for item in revoked if item.kind and item.index in about
    ]
    own = claim_store.own_claims_of(
        store,
        entities=entity_rows,
        rel_keys=[about[item.index] for item in revoked if item.relationship and item.index in about],
        organization=caller.organization,
    )
    retracted: list[StixRetractedOut] = []
    not_claimed: list[StixObjectIssueOut] = []
    for item in revoked:
        deleted = []
        for assertion_id in own.get(about.get(item.index, ""), []):
            try:
                retract_assertion(store, caller=caller, assertion_id=assertion_id)
            except NotFound:
                continue  # retracted meanwhile by another request of the same organization
            deleted.append(assertion_id)
        if deleted:
            retracted.append(StixRetractedOut(index=item.index, id=item.id, type=item.type, assertions=deleted))
        else:
            reason = "revoked by its producer; your organization has no claim on it to retract"
            not_claimed.append(StixObjectIssueOut(index=item.index, id=item.id, type=item.type, reason=reason))
    return retracted, not_claimed


def _invalid_problems(mapped: MappedBundle) -> list[Problem]:
    """An invalid object's problem per property stix2 named (`["objects", 5, "relationship_type"]`), else one."""
    problems: list[Problem] = []
    for issue in mapped.invalid:
        message = f"{issue.id or '?'}: {issue.reason}"
        properties = mapped.invalid_properties.get(issue.index, [])
        problems.extend(Problem(("objects", issue.index, name), message) for name in properties)
        if not properties:
            problems.append(Problem(("objects", issue.index), message))
    return problems


def _locate(problem: Problem, mapped: MappedBundle) -> Problem:
    where: dict[str, Callable[[int], int]] = {
        "entities": lambda i: mapped.entity_objects[i],
        "relationships": lambda i: mapped.relationship_objects[i],
    }
    if len(problem.location) >= 2 and problem.location[0] in where and isinstance(problem.location[1], int):
        index = where[str(problem.location[0])](problem.location[1])
        return Problem(("objects", index, *problem.location[2:]), problem.message)
    return problem
