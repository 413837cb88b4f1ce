"""Merging two entities that an analyst finds to be one."""

from __future__ import annotations

from datetime import UTC, datetime

from atlas_graph.errors import InvalidInput, NotFound, PermissionDenied, Problem
from atlas_graph.models.merges import MergeOut, SplitOut
from atlas_graph.models.vocabulary import EntityKind
from atlas_graph.services import audit
from atlas_graph.services.caller import Caller
from atlas_graph.services.entities import get_entity
from atlas_graph.store import merges as merge_store
from atlas_graph.store.audit import AuditEntry
from atlas_graph.store.graph import GraphStore


def merge_entities(
    store: GraphStore, *, caller: Caller, entity_id: str, into_id: str, accepting: str | None = None
) -> MergeOut:
    """Merge `entity_id` into `into_id`: both must exist for the caller, be of one kind, and be different.

    `accepting` names the same-as candidate the merge accepts, recorded in the merge's own transaction.
    """
    started = audit.entry(caller, "entity.merge", source=entity_id, into=into_id)
    return audit.audited(
        store,
        started,
        lambda: _merge(
            store, caller=caller, entity_id=entity_id, into_id=into_id, started=started, accepting=accepting
        ),
    )


def _merge(
    store: GraphStore, *, caller: Caller, entity_id: str, into_id: str, started: AuditEntry, accepting: str | None
) -> MergeOut:
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
        accepting=accepting,
    )
    return MergeOut(
        merge_id=outcome.merge_id,
        merged=source.id,
        into=into.id,
        # Only what the caller could see: an id merged earlier that no visible claim was made against stays unsaid.
        merged_ids=list(dict.fromkeys([*into.merged_ids, source.id, *source.merged_ids])),
        moved_assertions=outcome.moved_claims,
        moved_relationships=outcome.moved_relationships,
        dropped_relationships=outcome.dropped_relationships,
    )


def split_entity(store: GraphStore, *, caller: Caller, entity_id: str, merged_id: str) -> SplitOut:
    """Undo the merge of `merged_id` into `entity_id`; any organization with a claim on the entity may."""
    started = audit.entry(caller, "entity.split", entity=entity_id, merged=merged_id)
    return audit.audited(
        store, started, lambda: _split(store, caller=caller, entity_id=entity_id, merged_id=merged_id, started=started)
    )


def _split(store: GraphStore, *, caller: Caller, entity_id: str, merged_id: str, started: AuditEntry) -> SplitOut:
    entity = get_entity(store, caller=caller, entity_id=entity_id)
    # Only a merged id the caller may see (a visible claim was made against it): any other answers as unknown.
    merge = (
        merge_store.merge_to_split(store, into=entity.id, source=merged_id) if merged_id in entity.merged_ids else None
    )
    if merge is None:
        raise NotFound(f"no merge of {merged_id!r} into {entity.id!r} visible to you")
    if not merge_store.has_claim_on(store, entity_id=entity.id, organization=caller.organization):
        raise PermissionDenied("only an organization with a claim on the entity may split it")
    outcome = merge_store.split_entity(
        store,
        merge=merge,
        label=EntityKind(merge.source_kind).label,
        organization=caller.organization,
        key_id=caller.key_id,
        now=datetime.now(UTC),
        audit=started,
    )
    visible = {assertion.id for assertion in entity.assertions}
    return SplitOut(
        merge_id=merge.id,
        entity=entity.id,
        restored=merge.source,
        restored_assertions=sum(claim_id in visible for claim_id in outcome.claim_ids),
    )
