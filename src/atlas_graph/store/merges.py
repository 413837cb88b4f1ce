"""Merging one entity into another in one transaction: claims, keys and relationships move; the merge is recorded."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from neo4j import ManagedTransaction

from atlas_graph.store.audit import AuditEntry, append_in
from atlas_graph.store.claims import (
    COMMUNITY_TLP_VALUES,
    RelationshipEnds,
    bump_graph_version,
    refresh_entity_sharing,
    refresh_relationship_sharing,
)
from atlas_graph.store.graph import GraphStore
from atlas_graph.store.records import MergeInventoryRelationship

MERGE_INVENTORY = "read/entity_merge_inventory"
MOVE_ENTITY_CLAIMS = "write/entity_claims_move"
MOVE_ENTITY_KEYS = "write/entity_keys_move"
MOVE_RELATIONSHIPS = "write/relationships_move"
MOVE_RELATIONSHIP_CLAIMS = "write/relationship_claims_move"
DROP_RELATIONSHIPS = "write/relationships_drop"
FINISH_MERGE = "write/entity_merge_finish"
QUERIES = (
    MERGE_INVENTORY,
    MOVE_ENTITY_CLAIMS,
    MOVE_ENTITY_KEYS,
    MOVE_RELATIONSHIPS,
    MOVE_RELATIONSHIP_CLAIMS,
    DROP_RELATIONSHIPS,
    FINISH_MERGE,
)


@dataclass(frozen=True)
class MergeOutcome:
    """The merge, counted as the merging organization may see it (the merge record and the audit keep the totals)."""

    merge_id: str
    merged_ids: list[str]
    moved_claims: int
    moved_relationships: int
    dropped_relationships: int
    graph_version: int


def merge_entities(
    store: GraphStore, *, source: str, into: str, organization: str, key_id: str, now: datetime, audit: AuditEntry
) -> MergeOutcome:
    """Move everything of `source` onto `into` and delete `source`; its id keeps resolving to `into`."""
    merge_id = f"merge--{uuid.uuid4()}"

    def work(tx: ManagedTransaction) -> MergeOutcome:
        version = bump_graph_version(tx, store.queries)  # first: the write lock (see store.ingestion.write_bundle)
        inventory = tx.run(
            store.queries[MERGE_INVENTORY],
            source=source,
            into=into,
            organization=organization,
            community_tlps=COMMUNITY_TLP_VALUES,
        ).single(strict=True)
        claim_ids: list[str] = inventory["claim_ids"]
        relationships: list[MergeInventoryRelationship] = inventory["relationships"]
        moves, drops = _relationship_moves(relationships, source=source, into=into)
        # Counting others' hidden claims and relationships in the answer would reveal that they exist.
        visible = [r for r in relationships if r["visible"]]
        tx.run(store.queries[MOVE_ENTITY_CLAIMS], claim_ids=claim_ids, into=into).consume()
        tx.run(store.queries[MOVE_ENTITY_KEYS], source=source, into=into).consume()
        if drops:
            tx.run(store.queries[DROP_RELATIONSHIPS], rows=drops).consume()
        if moves:
            tx.run(store.queries[MOVE_RELATIONSHIPS], moves=moves, now=now).consume()
            tx.run(store.queries[MOVE_RELATIONSHIP_CLAIMS], moves=moves).consume()
            refresh_relationship_sharing(
                tx,
                store.queries,
                {
                    move["new_key"]: RelationshipEnds(
                        key=move["new_key"], source=move["new_source"], target=move["new_target"]
                    )
                    for move in moves
                }.values(),
            )
        refresh_entity_sharing(tx, store.queries, [into])
        merged_ids = tx.run(
            store.queries[FINISH_MERGE],
            source=source,
            into=into,
            merge_id=merge_id,
            organization=organization,
            key_id=key_id,
            now=now,
            moved_claims=len(claim_ids),
            moved_relationships=len(moves),
            dropped_relationships=len(drops),
        ).single(strict=True)["merged_ids"]
        append_in(
            tx,
            store,
            audit.finished(
                outcome="succeeded",
                entity_ids=(source, into),
                merge_id=merge_id,
                moved_assertions=len(claim_ids),
                moved_relationships=len(moves),
                dropped_relationships=len(drops),
            ),
        )
        return MergeOutcome(
            merge_id=merge_id,
            merged_ids=list(merged_ids),
            moved_claims=inventory["visible_claims"],
            moved_relationships=sum(r["other"] != into for r in visible),
            dropped_relationships=sum(r["other"] == into for r in visible),
            graph_version=version,
        )

    return store.write_transaction(work)


def _relationship_moves(
    relationships: list[MergeInventoryRelationship], *, source: str, into: str
) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    moves: list[dict[str, str]] = []
    drops: list[dict[str, str]] = []
    for relationship in relationships:
        ends = {"key": relationship["key"], "source": relationship["source"], "target": relationship["target"]}
        if relationship["other"] == into:
            drops.append(ends)
            continue
        new_source = into if relationship["source"] == source else relationship["source"]
        new_target = into if relationship["target"] == source else relationship["target"]
        moves.append(
            {
                "old_key": relationship["key"],
                "old_source": relationship["source"],
                "old_target": relationship["target"],
                "type": relationship["type"],
                "new_key": f"{relationship['type']}|{new_source}|{new_target}",
                "new_source": new_source,
                "new_target": new_target,
            }
        )
    return moves, drops
