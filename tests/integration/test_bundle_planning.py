"""A bundle is planned before it takes the write lock, and the plan is checked under the lock.

store.ingestion.write_bundle resolves a bundle in a read transaction first, so that its Python and look-ups overlap
the write ahead of it. Under the lock it keeps that plan only when nothing was written since, or when the look-ups
find the same answers again; otherwise it plans again. These tests write between the two, as a concurrent bundle
would, and check that the answer reflects what was committed first.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from atlas_graph.models.bundles import BundleIn
from atlas_graph.models.vocabulary import Role
from atlas_graph.services import audit
from atlas_graph.services.caller import Caller
from atlas_graph.services.ingestion import ingest_bundle
from atlas_graph.services.resolution import BundlePlan, identity_lookup, plan_bundle
from atlas_graph.store.graph import GraphStore
from atlas_graph.store.ingestion import BundleRows, BundleWriteResult, StoredIdentity, write_bundle

ORG_A = Caller(organization="Org A", role=Role.ANALYST, key_id="key-a")
ORG_B = Caller(organization="Org B", role=Role.ANALYST, key_id="key-b")


def post(graph: GraphStore, caller: Caller, entities: list[dict[str, Any]], relationships: list[Any]) -> None:
    bundle = BundleIn.model_validate({"entities": entities, "relationships": relationships})
    ingest_bundle(graph, caller=caller, bundle=bundle, max_items=100)


def write_with(
    graph: GraphStore, bundle: BundleIn, *, meanwhile: list[dict[str, Any]] | None
) -> tuple[BundleWriteResult[BundlePlan], list[StoredIdentity]]:
    """Write `bundle` as Org B; if `meanwhile` is given, Org A posts those entities right after the first plan."""
    lookup = identity_lookup(bundle.entities, bundle.relationships)
    seen: list[StoredIdentity] = []

    def plan(found: StoredIdentity) -> BundlePlan:
        seen.append(found)
        if len(seen) == 1 and meanwhile is not None:
            post(graph, ORG_A, meanwhile, [])  # commits before Org B's bundle takes the lock
        return plan_bundle(bundle.entities, bundle.relationships, found, organization=ORG_B.organization)

    written = write_bundle(
        graph,
        organization=ORG_B.organization,
        strong_keys=lookup.strong_keys,
        name_keys=lookup.name_keys,
        item_keys=lookup.item_keys,
        plan=plan,
        rows=lambda decided: BundleRows(decided.entities, decided.relationships, decided.candidates),
        now=datetime.now(UTC),
        audit=audit.entry(ORG_B, "bundle.post"),
    )
    return written, seen


def test_a_plan_made_before_the_lock_is_kept_when_nothing_was_written_meanwhile(graph: GraphStore) -> None:
    post(graph, ORG_A, [{"kind": "actor", "name": "Alpha Crew", "tlp": "GREEN"}], [])
    bundle = BundleIn.model_validate({"entities": [{"kind": "actor", "name": "Alpha Crew"}], "relationships": []})
    written, seen = write_with(graph, bundle, meanwhile=None)
    assert len(seen) == 1, "planned once, outside the lock"
    assert [resolution.matched_by for resolution in written.plan.resolutions] == ["name"]


def test_an_entity_written_between_the_plan_and_the_lock_is_joined(graph: GraphStore) -> None:
    bundle = BundleIn.model_validate({"entities": [{"kind": "actor", "name": "Alpha Crew"}], "relationships": []})
    written, seen = write_with(graph, bundle, meanwhile=[{"kind": "actor", "name": "Alpha Crew", "tlp": "GREEN"}])
    assert len(seen) == 2, "planned again under the lock"
    assert seen[0].names == {} and seen[1].names != {}
    assert [resolution.matched_by for resolution in written.plan.resolutions] == ["name"]
    entities = graph.driver.execute_query("MATCH (entity:Entity) RETURN count(entity) AS n", database_=graph.database)
    assert entities.records[0]["n"] == 1, "one entity, not a second Alpha Crew"


def test_an_unrelated_write_meanwhile_keeps_the_plan_after_the_same_look_ups(graph: GraphStore) -> None:
    bundle = BundleIn.model_validate({"entities": [{"kind": "actor", "name": "Alpha Crew"}], "relationships": []})
    written, seen = write_with(graph, bundle, meanwhile=[{"kind": "victim", "name": "Bravo Bank", "tlp": "GREEN"}])
    assert len(seen) == 1, "the look-ups under the lock found what the plan was made from"
    assert [resolution.matched_by for resolution in written.plan.resolutions] == ["new"]


def test_a_reference_refused_before_the_lock_resolves_once_the_bundle_ahead_is_stored(graph: GraphStore) -> None:
    """A bundle posted while the one that stores its ends is still being written is not refused for it."""
    bundle = BundleIn.model_validate(
        {
            "entities": [{"kind": "actor", "name": "Alpha Crew"}],
            "relationships": [
                {"type": "TARGETS", "source": {"kind": "actor", "name": "Alpha Crew"}, "target": {"id": "bank-1"}}
            ],
        }
    )
    written, seen = write_with(
        graph, bundle, meanwhile=[{"id": "bank-1", "kind": "victim", "name": "Bravo Bank", "tlp": "GREEN"}]
    )
    assert len(seen) == 2
    assert len(written.plan.relationships) == 1
