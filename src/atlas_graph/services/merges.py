"""Merging two entities that an analyst finds to be one."""

from __future__ import annotations

from datetime import UTC, datetime

from atlas_graph.errors import InvalidInput, Problem
from atlas_graph.models.merges import MergeOut
from atlas_graph.services import audit
from atlas_graph.services.caller import Caller
from atlas_graph.services.entities import get_entity
from atlas_graph.store import merges as merge_store
from atlas_graph.store.audit import AuditEntry
from atlas_graph.store.graph import GraphStore


def merge_entities(store: GraphStore, *, caller: Caller, entity_id: str, into_id: str) -> MergeOut:
    """Merge `entity_id` into `into_id`: both must exist for the caller, be of one kind, and be different."""
    started = audit.entry(caller, "entity.merge", source=entity_id, into=into_id)
    return audit.audited(
        store, started, lambda: _merge(store, caller=caller, entity_id=entity_id, into_id=into_id, started=started)
    )


def _merge(store: GraphStore, *, caller: Caller, entity_id: str, into_id: str, started: AuditEntry) -> MergeOut:
    source = get_entity(store, caller=caller, entity_id=entity_id)
    into = get_entity(store, caller=caller, entity_id=into_id)
    if source.id == into.id:
        raise InvalidInput([Problem(("body", "into"), "an entity cannot be merged into itself")])
    if source.kind != into.kind:
        raise InvalidInput(
            [
                Problem(
                    ("body", "into"), f"cannot merge a {source.kind.value} into a {into.kind.value}: never across kinds"
                )
            ]
        )
    outcome = merge_store.merge_entities(
        store,
        source=source.id,
        into=into.id,
        organization=caller.organization,
        key_id=caller.key_id,
        now=datetime.now(UTC),
        audit=started,
    )
    return MergeOut(
        merge_id=outcome.merge_id,
        merged=source.id,
        into=into.id,
        merged_ids=outcome.merged_ids,
        moved_assertions=outcome.moved_claims,
        moved_relationships=outcome.moved_relationships,
        dropped_relationships=outcome.dropped_relationships,
    )
