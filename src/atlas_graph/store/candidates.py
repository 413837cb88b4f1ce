"""Same-as candidates as one organization may see them, and analysts' decisions on them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from neo4j import ManagedTransaction

from atlas_graph.errors import Conflict
from atlas_graph.store.claims import COMMUNITY_TLP_VALUES, bump_graph_version
from atlas_graph.store.graph import GraphStore
from atlas_graph.store.records import present

CANDIDATE_PAGE = "read/candidate_page"
CANDIDATE_BY_ID = "read/candidate_by_id"
DECIDE_CANDIDATE = "write/candidate_decide"
SUGGEST_CANDIDATE = "write/candidate_suggest"
QUERIES = (CANDIDATE_PAGE, CANDIDATE_BY_ID, DECIDE_CANDIDATE, SUGGEST_CANDIDATE)


@dataclass(frozen=True)
class CandidatePage:
    total: int
    rows: list[dict[str, Any]]


@dataclass(frozen=True)
class VisibleCandidate:
    id: str
    status: str
    a: str
    b: str


def list_candidates(
    store: GraphStore, *, status: str, kind: str | None, entity: str | None, skip: int, limit: int, organization: str
) -> CandidatePage:
    record = store.read(
        CANDIDATE_PAGE,
        {
            "status": status,
            "kind": kind,
            "entity": entity,
            "skip": skip,
            "limit": limit,
            "organization": organization,
            "community_tlps": COMMUNITY_TLP_VALUES,
        },
    )[0]
    rows = []
    for raw in record["page"]:
        row = dict(raw)
        row["a_claims"], row["b_claims"] = present(row["a_claims"]), present(row["b_claims"])
        # A side whose last visible claim a committed retraction or merge took meanwhile has no name to show: the
        # candidate is left out, as it would be for a read a moment later.
        if row["a_claims"] and row["b_claims"]:
            rows.append(row)
    return CandidatePage(total=record["total"], rows=rows)


def find_candidate(store: GraphStore, *, candidate_id: str, organization: str) -> VisibleCandidate | None:
    records = store.read(
        CANDIDATE_BY_ID, {"id": candidate_id, "organization": organization, "community_tlps": COMMUNITY_TLP_VALUES}
    )
    if not records:
        return None
    record = records[0]
    return VisibleCandidate(id=record["id"], status=record["status"], a=record["a"], b=record["b"])


def decide_candidate(
    store: GraphStore, *, candidate_id: str, status: str, organization: str, now: datetime, merge_id: str | None
) -> None:
    def work(tx: ManagedTransaction) -> None:
        bump_graph_version(tx, store.queries)
        decide_in(
            tx, store, candidate_id=candidate_id, status=status, organization=organization, now=now, merge_id=merge_id
        )

    store.write_transaction(work)


def decide_in(
    tx: ManagedTransaction,
    store: GraphStore,
    *,
    candidate_id: str,
    status: str,
    organization: str,
    now: datetime,
    merge_id: str | None,
) -> None:
    """Record a decision inside a caller's transaction (an accepted candidate's, with the merge that joined them).

    Raises Conflict, undoing the whole transaction, when another request decided the candidate meanwhile.
    """
    decided = tx.run(
        store.queries[DECIDE_CANDIDATE],
        id=candidate_id,
        status=status,
        organization=organization,
        now=now,
        merge_id=merge_id,
    ).single()
    if decided is None:
        raise Conflict(f"candidate {candidate_id!r} was decided by another request meanwhile; read it again")


def suggest_candidate(
    store: GraphStore, *, a: str, b: str, kind: str, note: str, organization: str, now: datetime
) -> VisibleCandidate:
    first, second = sorted((a, b))

    def work(tx: ManagedTransaction) -> VisibleCandidate:
        bump_graph_version(tx, store.queries)
        record = tx.run(
            store.queries[SUGGEST_CANDIDATE],
            pair=f"{first}|{second}",
            a=first,
            b=second,
            kind=kind,
            id=f"candidate--{uuid.uuid4()}",
            value=note,
            organization=organization,
            now=now,
        ).single(strict=True)
        return VisibleCandidate(id=record["id"], status=record["status"], a=first, b=second)

    return store.write_transaction(work)
