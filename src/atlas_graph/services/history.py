"""An entity's history as the caller may see it: visible assertions, retractions of visible ones, merges."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from atlas_graph.models.history import EntityHistoryOut, HistoryEventOut
from atlas_graph.models.vocabulary import COMMUNITY_TLPS
from atlas_graph.services.caller import Caller
from atlas_graph.services.entities import get_entity
from atlas_graph.store import audit as audit_store
from atlas_graph.store import entities as entity_store
from atlas_graph.store.graph import GraphStore
from atlas_graph.store.records import ClaimStamp

_COMMUNITY = {tlp.value for tlp in COMMUNITY_TLPS}
RETRACTIONS_READ = 10_000


def could_see(organization: str, *, maker: str, tlp: str | None, share_with: list[str]) -> bool:
    """The sharing rule (docs/sharing.md) for a claim that no longer exists, from what the audit trail kept."""
    return tlp in _COMMUNITY or maker == organization or organization in share_with


def entity_history(store: GraphStore, *, caller: Caller, entity_id: str) -> EntityHistoryOut:
    """How an entity and its relationships came to be: 404 unless the caller may see the entity."""
    entity = get_entity(store, caller=caller, entity_id=entity_id)
    rows = entity_store.entity_history(store, entity_id=entity.id, organization=caller.organization)
    events: list[HistoryEventOut] = []
    for claim in rows.entity_claims:
        events.extend(_claim_events(claim, subject="entity", relationship=None))
    for relationship_claim in rows.relationship_claims:
        label = f"{relationship_claim['type']} {relationship_claim['source']} -> {relationship_claim['target']}"
        events.extend(_claim_events(relationship_claim, subject="relationship", relationship=label))
    for merge in rows.merges:
        events.append(
            HistoryEventOut(
                at=merge["at"],
                event="merged",
                organization=merge["organization"],
                subject="entity",
                merged_id=merge["source"],
            )
        )
        split_at, split_by = merge.get("split_at"), merge.get("split_by")
        if split_at is not None and split_by is not None:
            events.append(
                HistoryEventOut(
                    at=split_at,
                    event="split",
                    organization=split_by,
                    subject="entity",
                    merged_id=merge["source"],
                )
            )
    retractions = audit_store.list_events(
        store, organization=None, since=None, until=None, entity_id=entity.id, skip=0, limit=RETRACTIONS_READ
    )
    for event in retractions:
        detail = event.detail
        if event.action != "assertion.retract" or event.outcome != "succeeded":
            continue
        if not could_see(
            caller.organization,
            maker=event.organization,
            tlp=detail.get("tlp"),
            share_with=list(detail.get("share_with") or []),
        ):
            continue
        events.append(
            HistoryEventOut(
                at=event.at,
                event="retracted",
                organization=event.organization,
                subject="relationship" if detail.get("subject") == "relationship" else "entity",
                assertion_id=detail.get("assertion_id"),
            )
        )
    events.sort(key=lambda item: (item.at, item.event))
    return EntityHistoryOut(id=entity.id, events=events)


def _claim_events(
    claim: ClaimStamp, *, subject: Literal["entity", "relationship"], relationship: str | None
) -> list[HistoryEventOut]:
    recorded, updated = claim["recorded_at"], claim["updated_at"]
    moments: list[tuple[datetime, Literal["asserted", "updated"]]] = [(recorded, "asserted")]
    if updated > recorded:
        moments.append((updated, "updated"))
    return [
        HistoryEventOut(
            at=at,
            event=event,
            organization=claim["organization"],
            subject=subject,
            assertion_id=claim["id"],
            relationship=relationship,
        )
        for at, event in moments
    ]
