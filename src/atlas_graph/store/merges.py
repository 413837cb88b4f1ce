"""Merging one entity into another in one transaction: claims, keys and relationships move; the merge is recorded."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from neo4j import ManagedTransaction, Record

from atlas_graph.errors import Conflict
from atlas_graph.store import candidates as candidate_store
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
FOLD_RELATIONSHIPS = "write/relationships_fold"
FINISH_MERGE = "write/entity_merge_finish"
ENTITY_KEYS_OF = "read/entity_keys_of"
MERGE_TO_SPLIT = "read/merge_record_to_split"
ENTITY_CLAIMED_BY = "read/entity_claimed_by"
RESTORE_SPLIT_ENTITY = "write/entity_split_restore"
SPLIT_RELATIONSHIP_CLAIMS = "read/split_relationship_claims"
REPLACE_RELATIONSHIP_CLAIMS = "write/relationship_claims_replace"
QUERIES = (
    MERGE_INVENTORY,
    MOVE_ENTITY_CLAIMS,
    MOVE_ENTITY_KEYS,
    MOVE_RELATIONSHIPS,
    MOVE_RELATIONSHIP_CLAIMS,
    FOLD_RELATIONSHIPS,
    FINISH_MERGE,
    ENTITY_KEYS_OF,
    MERGE_TO_SPLIT,
    ENTITY_CLAIMED_BY,
    RESTORE_SPLIT_ENTITY,
    SPLIT_RELATIONSHIP_CLAIMS,
    REPLACE_RELATIONSHIP_CLAIMS,
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
    store: GraphStore,
    *,
    source: str,
    into: str,
    organization: str,
    key_id: str,
    now: datetime,
    audit: AuditEntry,
    accepting: str | None = None,
) -> MergeOutcome:
    """Move everything of `source` onto `into` and delete `source`; its id keeps resolving to `into`.

    `accepting` names the candidate this merge accepts: it is marked accepted in the same transaction, so that no
    failure can leave the two merged and the candidate open, or the candidate accepted and the two apart.
    """
    merge_id = f"merge--{uuid.uuid4()}"

    def work(tx: ManagedTransaction) -> MergeOutcome:
        version = bump_graph_version(tx, store.queries)  # first: the write lock (see store.ingestion.write_bundle)
        row = tx.run(
            store.queries[MERGE_INVENTORY],
            source=source,
            into=into,
            organization=organization,
            community_tlps=COMMUNITY_TLP_VALUES,
        ).single()
        inventory = _unless_overtaken(row, f"{source!r} or {into!r} was merged")
        claim_ids: list[str] = inventory["claim_ids"]
        relationships: list[MergeInventoryRelationship] = inventory["relationships"]
        moves, drops = _relationship_moves(relationships, source=source, into=into)
        # Counting others' hidden claims and relationships in the answer would reveal that they exist.
        visible = [r for r in relationships if r["visible"]]
        source_keys: list[str] = tx.run(store.queries[ENTITY_KEYS_OF], id=source).single(strict=True)["keys"]
        tx.run(store.queries[MOVE_ENTITY_CLAIMS], claim_ids=claim_ids, into=into).consume()
        tx.run(store.queries[MOVE_ENTITY_KEYS], source=source, into=into).consume()
        if drops:
            # Kept, not deleted: a relationship claim is never dropped, and a split brings it back.
            tx.run(store.queries[FOLD_RELATIONSHIPS], rows=drops, merge_id=merge_id, into=into).consume()
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
            source_keys=source_keys,
            moved_claims=len(claim_ids),
            moved_relationships=len(moves),
            folded_relationships=len(drops),
        ).single(strict=True)["merged_ids"]
        if accepting is not None:
            candidate_store.decide_in(
                tx,
                store,
                candidate_id=accepting,
                status="accepted",
                organization=organization,
                now=now,
                merge_id=merge_id,
            )
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


def _unless_overtaken(record: Record | None, what: str) -> Record:
    """The row a merge or split reads under the write lock; none means another request changed it since it was read.

    The service reads the entities (and the merge) before the write lock, so a merge or split that held the lock
    meanwhile can take them away: that is a 409, not the driver's "no records" (a 503 that blamed Neo4j). The
    caller saw what it names, so saying so reveals nothing, and it may read them again and decide.
    """
    if record is None:
        raise Conflict(f"{what} by another request meanwhile; read them again")
    return record


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


@dataclass(frozen=True)
class MergeToSplit:
    id: str
    source: str
    into: str
    source_kind: str


def merge_to_split(store: GraphStore, *, into: str, source: str) -> MergeToSplit | None:
    """The latest merge of `source` into `into` that is not undone yet."""
    records = store.read(MERGE_TO_SPLIT, {"into": into, "source": source})
    if not records:
        return None
    merge = records[0]["merge"]
    return MergeToSplit(id=merge["id"], source=merge["source"], into=merge["into"], source_kind=merge["source_kind"])


def has_claim_on(store: GraphStore, *, entity_id: str, organization: str) -> bool:
    records = store.read(ENTITY_CLAIMED_BY, {"id": entity_id, "organization": organization})
    return bool(records and records[0]["claimed"])


@dataclass(frozen=True)
class SplitOutcome:
    claim_ids: list[str]
    relationship_claims_moved: int
    graph_version: int


def split_entity(
    store: GraphStore,
    *,
    merge: MergeToSplit,
    label: str,
    organization: str,
    key_id: str,
    now: datetime,
    audit: AuditEntry,
) -> SplitOutcome:
    """Undo `merge` in one transaction: the merged entity comes back with its keys, claims and relationships."""

    def work(tx: ManagedTransaction) -> SplitOutcome:
        version = bump_graph_version(tx, store.queries)  # first: the write lock (see store.ingestion.write_bundle)
        row = tx.run(
            store.queries[RESTORE_SPLIT_ENTITY],
            merge_id=merge.id,
            label=label,
            now=now,
            organization=organization,
            key_id=key_id,
        ).single()
        what = f"the merge of {merge.source!r} into {merge.into!r} was split, or {merge.into!r} merged,"
        claim_ids: list[str] = _unless_overtaken(row, what)["claim_ids"]
        placed = list(tx.run(store.queries[SPLIT_RELATIONSHIP_CLAIMS], into=merge.into, merge_id=merge.id))
        moves = []
        refresh: dict[str, RelationshipEnds] = {}
        for claim in placed:
            new_key = f"{claim['type']}|{claim['new_source']}|{claim['new_target']}"
            if claim["new_source"] == claim["new_target"] or new_key == claim["old_key"]:
                continue
            moves.append(
                {
                    "id": claim["id"],
                    "type": claim["type"],
                    "new_key": new_key,
                    "new_source": claim["new_source"],
                    "new_target": claim["new_target"],
                }
            )
            refresh[new_key] = RelationshipEnds(key=new_key, source=claim["new_source"], target=claim["new_target"])
            if claim["old_key"] is not None:
                old_source, old_target = claim["old_key"].split("|")[1:3]
                refresh[claim["old_key"]] = RelationshipEnds(key=claim["old_key"], source=old_source, target=old_target)
        if moves:
            tx.run(store.queries[REPLACE_RELATIONSHIP_CLAIMS], moves=moves, now=now).consume()
            refresh_relationship_sharing(tx, store.queries, refresh.values())
        refresh_entity_sharing(tx, store.queries, [merge.into, merge.source])
        append_in(
            tx,
            store,
            audit.finished(
                outcome="succeeded",
                entity_ids=(merge.source, merge.into),
                merge_id=merge.id,
                restored_assertions=len(claim_ids),
                restored_relationship_claims=len(moves),
            ),
        )
        return SplitOutcome(claim_ids=claim_ids, relationship_claims_moved=len(moves), graph_version=version)

    return store.write_transaction(work)
