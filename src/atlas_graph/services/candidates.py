"""Same-as candidates for review: list them as the caller may see them, accept (a merge), reject, suggest."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from atlas_graph.errors import InvalidInput, NotFound, Problem
from atlas_graph.models.candidates import (
    CandidateDecisionOut,
    CandidateOut,
    CandidatePageOut,
    CandidateReasonOut,
    CandidateStatus,
)
from atlas_graph.models.vocabulary import EntityKind
from atlas_graph.services import audit
from atlas_graph.services.caller import Caller
from atlas_graph.services.entities import describe, get_entity
from atlas_graph.services.merges import merge_entities
from atlas_graph.store import audit as audit_store
from atlas_graph.store import candidates as candidate_store
from atlas_graph.store.graph import GraphStore
from atlas_graph.store.records import entity_naming
from atlas_graph.store.values import native_datetime


def distinct_reasons(reasons: Iterable[Mapping[str, Any]]) -> list[CandidateReasonOut]:
    """Each (type, value) once, in the order first given.

    Several claims can support one reason (MISP's cluster and ATT&CK's object both giving the alias "FIN12"); each
    is stored with its own supporting claims, so that hiding one claim hides only its support, but the reviewer
    reads the reason once.
    """
    seen: dict[tuple[str, str], CandidateReasonOut] = {}
    for reason in reasons:
        seen.setdefault(
            (reason["type"], reason["value"]), CandidateReasonOut(type=reason["type"], value=reason["value"])
        )
    return list(seen.values())


def list_candidates(
    store: GraphStore,
    *,
    caller: Caller,
    status: CandidateStatus,
    kind: EntityKind | None,
    entity_id: str | None,
    offset: int,
    limit: int,
) -> CandidatePageOut:
    """Candidates whose entities the caller may see, with the reasons it may see; none that only hidden ones support."""
    entity = get_entity(store, caller=caller, entity_id=entity_id).id if entity_id is not None else None
    page = candidate_store.list_candidates(
        store,
        status=status,
        kind=kind.value if kind is not None else None,
        entity=entity,
        skip=offset,
        limit=limit,
        organization=caller.organization,
    )
    items = [
        CandidateOut(
            id=row["id"],
            kind=EntityKind(row["kind"]),
            a=row["a"],
            a_name=describe([entity_naming(claim) for claim in row["a_claims"]])[0],
            b=row["b"],
            b_name=describe([entity_naming(claim) for claim in row["b_claims"]])[0],
            status=row["status"],
            origin=row.get("origin") or "resolution",
            reasons=distinct_reasons(row["reasons"]),
            created_at=native_datetime(row["created_at"]),
            decided_by=row.get("decided_by"),
            decided_at=native_datetime(row["decided_at"]) if row.get("decided_at") is not None else None,
        )
        for row in page.rows
    ]
    return CandidatePageOut(total=page.total, offset=offset, limit=limit, items=items)


def accept_candidate(
    store: GraphStore, *, caller: Caller, candidate_id: str, into: Literal["a", "b"]
) -> CandidateDecisionOut:
    """Accept a candidate: merge its two entities (as `POST /v1/entities/{id}/merge` would) and record it, in one
    transaction."""
    candidate = _open_candidate(store, caller=caller, candidate_id=candidate_id)
    survivor, merged = (candidate.a, candidate.b) if into == "a" else (candidate.b, candidate.a)
    outcome = merge_entities(store, caller=caller, entity_id=merged, into_id=survivor, accepting=candidate.id)
    return CandidateDecisionOut(id=candidate.id, status="accepted", merge_id=outcome.merge_id)


def reject_candidate(store: GraphStore, *, caller: Caller, candidate_id: str) -> CandidateDecisionOut:
    """Keep the two apart: the pair is never proposed again, nor joined by an alias."""
    started = audit.entry(caller, "candidate.reject", candidate_id=candidate_id)

    def reject() -> CandidateDecisionOut:
        candidate = _open_candidate(store, caller=caller, candidate_id=candidate_id)
        candidate_store.decide_candidate(
            store,
            candidate_id=candidate.id,
            status="rejected",
            organization=caller.organization,
            now=datetime.now(UTC),
            merge_id=None,
        )
        audit_store.append(store, started.finished(outcome="succeeded", entity_ids=(candidate.a, candidate.b)))
        return CandidateDecisionOut(id=candidate.id, status="rejected")

    return audit.audited(store, started, reject)


def suggest_candidate(store: GraphStore, *, caller: Caller, a: str, b: str, note: str) -> CandidateDecisionOut:
    """An analyst's suggestion that two entities it may see are one."""
    started = audit.entry(caller, "candidate.suggest", a=a, b=b)

    def suggest() -> CandidateDecisionOut:
        first = get_entity(store, caller=caller, entity_id=a)
        second = get_entity(store, caller=caller, entity_id=b)
        if first.id == second.id:
            raise InvalidInput([Problem(("body", "b"), "the two ids name one entity")])
        if first.kind != second.kind:
            raise InvalidInput([Problem(("body", "b"), "a candidate pairs two entities of one kind")])
        candidate = candidate_store.suggest_candidate(
            store,
            a=first.id,
            b=second.id,
            kind=first.kind.value,
            note=note,
            organization=caller.organization,
            now=datetime.now(UTC),
        )
        audit_store.append(store, started.finished(outcome="succeeded", entity_ids=(first.id, second.id)))
        return CandidateDecisionOut(id=candidate.id, status="open" if candidate.status == "open" else "rejected")

    return audit.audited(store, started, suggest)


def _open_candidate(store: GraphStore, *, caller: Caller, candidate_id: str) -> candidate_store.VisibleCandidate:
    candidate = candidate_store.find_candidate(store, candidate_id=candidate_id, organization=caller.organization)
    # A candidate the caller may not see answers like one that does not exist.
    if candidate is None:
        raise NotFound(f"no candidate {candidate_id!r}")
    if candidate.status != "open":
        raise InvalidInput([Problem(("candidate_id",), f"this candidate is already {candidate.status}")])
    return candidate
