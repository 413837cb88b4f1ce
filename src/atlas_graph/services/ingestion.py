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
from atlas_graph.services.resolution import BundlePlan, Status, lookup_keys, plan_bundle
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
        written = ingestion_store.write_bundle(
            store,
            organization=caller.organization,
            keys=lookup_keys(registered.entities, registered.relationships),
            plan=lambda stored: plan_bundle(registered.entities, registered.relationships, stored),
            rows=lambda plan: (plan.entities, plan.relationships),
            now=datetime.now(UTC),
            audit=started,
        )
        return _result(written.plan, written.relationship_states)

    result = audit.audited(store, started, write)
    metrics.record_bundle(entities=len(result.entities), relationships=len(result.relationships))
    return result


def _result(plan: BundlePlan, states: dict[str, ingestion_store.ClaimState]) -> BundleResultOut:
    entity_results = [
        EntityResultOut(
            index=resolution.index,
            id=resolution.entity_id,
            status=plan.entity_status[resolution.entity_id],
            matched_by=resolution.matched_by,
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
    entity_counts = Counter(plan.entity_status.values())
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
