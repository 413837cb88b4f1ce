"""Bundles in: validate, resolve against what is stored, write atomically, and say what happened to each item."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from atlas_graph import metrics
from atlas_graph.errors import PayloadTooLarge
from atlas_graph.models.bundles import (
    BundleCountsOut,
    BundleIn,
    BundleResultOut,
    EntityResultOut,
    RelationshipResultOut,
    StatusCountsOut,
)
from atlas_graph.models.vocabulary import RelationshipType
from atlas_graph.services import audit
from atlas_graph.services.caller import Caller
from atlas_graph.services.resolution import BundlePlan, Status, identity_lookup, plan_bundle
from atlas_graph.services.share_with import with_registered_share_with
from atlas_graph.store import ingestion as ingestion_store
from atlas_graph.store.graph import GraphStore

STATUSES: tuple[Status, ...] = ("created", "merged", "updated")


def check_bundle_size(bundle: BundleIn, *, max_items: int) -> None:
    items = len(bundle.entities) + len(bundle.relationships)
    if items > max_items:
        raise PayloadTooLarge(f"bundle has {items} items; the limit is {max_items}: split it into several bundles")


def ingest_bundle(
    store: GraphStore, *, caller: Caller, bundle: BundleIn, max_items: int, action: str = "bundle.post"
) -> BundleResultOut:
    """Store a bundle as the caller's claims, all or nothing; re-posting it changes only timestamps."""
    started = audit.entry(caller, action, entities=len(bundle.entities), relationships=len(bundle.relationships))

    def write() -> BundleResultOut:
        check_bundle_size(bundle, max_items=max_items)
        registered = with_registered_share_with(store, bundle)
        lookup = identity_lookup(registered.entities, registered.relationships)
        written = ingestion_store.write_bundle(
            store,
            organization=caller.organization,
            strong_keys=lookup.strong_keys,
            name_keys=lookup.name_keys,
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
