"""Reading entities as one organization may see them: by id, by full-text search, or page by page."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from neo4j import ManagedTransaction

from atlas_graph.models.vocabulary import EntityKind
from atlas_graph.store.claims import COMMUNITY_TLP_VALUES
from atlas_graph.store.graph import GraphStore
from atlas_graph.store.records import (
    EntityClaim,
    EntityClaimStamp,
    EntityNaming,
    MergeStamp,
    RelationshipClaimStamp,
    entity_claim,
    entity_claim_stamp,
    entity_naming,
    merge_stamp,
    present,
    relationship_claim_stamp,
)

ENTITY_BY_ID = "read/entity_by_id"
ENTITY_SEARCH = "read/entity_search"
ENTITY_COUNT = "read/entity_count"
ENTITY_PAGE = "read/entity_page"
ENTITY_SUMMARIES = "read/entity_summaries"
ENTITY_HISTORY = "read/entity_history"
ENTITY_COUNT_ALL = "read/entity_count_all"
QUERIES = (ENTITY_BY_ID, ENTITY_SEARCH, ENTITY_COUNT, ENTITY_PAGE, ENTITY_SUMMARIES, ENTITY_HISTORY, ENTITY_COUNT_ALL)


@dataclass(frozen=True)
class StoredEntity:
    id: str
    kind: str
    merged_ids: list[str]
    claims: list[EntityClaim]
    relationship_counts: dict[str, int]


@dataclass(frozen=True)
class EntitySummaryRow:
    id: str
    kind: str
    claims: list[EntityNaming]
    score: float | None
    relationship_count: int


@dataclass(frozen=True)
class EntityPage:
    total: int
    rows: list[EntitySummaryRow]
    kinds: dict[str, int]
    """Hits per kind before the kind filter, when searching; empty when listing."""


def get_entity(store: GraphStore, *, entity_id: str, organization: str) -> StoredEntity | None:
    records = store.read(
        ENTITY_BY_ID,
        {
            "id": entity_id,
            "kinds": [kind.value for kind in EntityKind],
            "organization": organization,
            "community_tlps": COMMUNITY_TLP_VALUES,
        },
    )
    # No kind: the node was deleted (merged away) while the query read it.
    if not records or records[0]["kind"] is None:
        return None
    record = records[0]
    return StoredEntity(
        id=record["id"],
        kind=record["kind"],
        merged_ids=list(record["merged_ids"]),
        claims=[entity_claim(claim) for claim in present(record["claims"])],
        relationship_counts={row["type"]: row["count"] for row in record["relationship_counts"]},
    )


def search_entities(
    store: GraphStore,
    *,
    lucene_query: str,
    phrase: str,
    words: str,
    separators: list[str],
    kind: str | None,
    skip: int,
    limit: int,
    organization: str,
) -> EntityPage:
    def work(tx: ManagedTransaction) -> EntityPage:
        parameters = {
            "query": lucene_query,
            "phrase": phrase,
            "words": words,
            "separators": separators,
            "kind": kind,
            "skip": skip,
            "limit": limit,
            "organization": organization,
            "community_tlps": COMMUNITY_TLP_VALUES,
        }
        record = tx.run(store.queries[ENTITY_SEARCH], parameters).single(strict=True)
        scores = {hit["id"]: hit["score"] for hit in record["page"]}
        return EntityPage(
            total=record["total"],
            rows=_summaries(tx, store, list(scores), scores, organization),
            # An entity deleted while the facets were counted has no kind any more (see records.present).
            kinds=dict(Counter(kind for kind in record["kinds"] if kind is not None)),
        )

    return store.read_transaction(work)


def list_entities(store: GraphStore, *, kind: str | None, skip: int, limit: int, organization: str) -> EntityPage:
    def work(tx: ManagedTransaction) -> EntityPage:
        total = tx.run(store.queries[ENTITY_COUNT], kind=kind, organization=organization).single(strict=True)["total"]
        ids = [
            record["id"]
            for record in tx.run(
                store.queries[ENTITY_PAGE], kind=kind, skip=skip, limit=limit, organization=organization
            )
        ]
        return EntityPage(total=total, rows=_summaries(tx, store, ids, {}, organization), kinds={})

    return store.read_transaction(work)


def _summaries(
    tx: ManagedTransaction, store: GraphStore, ids: list[str], scores: dict[str, float], organization: str
) -> list[EntitySummaryRow]:
    if not ids:
        return []
    # An entity merged away or stripped of its last visible claim since the page was read is left out (see
    # store.paths._nodes): the page may then hold one row fewer than `total` says.
    return [
        EntitySummaryRow(
            id=record["id"],
            kind=record["kind"],
            claims=[entity_naming(claim) for claim in present(record["claims"])],
            score=scores.get(record["id"]),
            relationship_count=record["relationship_count"],
        )
        for record in tx.run(
            store.queries[ENTITY_SUMMARIES], ids=ids, organization=organization, community_tlps=COMMUNITY_TLP_VALUES
        )
        if record["kind"] is not None and present(record["claims"])
    ]


@dataclass(frozen=True)
class EntityHistoryRows:
    entity_claims: list[EntityClaimStamp]
    relationship_claims: list[RelationshipClaimStamp]
    merges: list[MergeStamp]


def entity_history(store: GraphStore, *, entity_id: str, organization: str) -> EntityHistoryRows:
    records = store.read(
        ENTITY_HISTORY, {"id": entity_id, "organization": organization, "community_tlps": COMMUNITY_TLP_VALUES}
    )
    if not records:
        return EntityHistoryRows([], [], [])
    record = records[0]
    return EntityHistoryRows(
        entity_claims=[entity_claim_stamp(row) for row in present(record["entity_claims"])],
        relationship_claims=[relationship_claim_stamp(row) for row in present(record["relationship_claims"])],
        merges=[merge_stamp(row) for row in record["merges"]],
    )


def count_all_entities(store: GraphStore) -> int:
    total: int = store.read(ENTITY_COUNT_ALL)[0]["total"]
    return total
