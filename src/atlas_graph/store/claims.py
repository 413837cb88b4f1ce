"""Claims (assertions): refreshing the sharing summaries they feed, finding one by id, retracting it, and adding
countries to one (a STIX `located-at` delta)."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from neo4j import ManagedTransaction, Record

from atlas_graph.metrics import WRITE_LOCK_WAIT
from atlas_graph.models.countries import COUNTRY_CODES
from atlas_graph.models.vocabulary import COMMUNITY_TLPS, NAMING_ID_SCHEMES
from atlas_graph.store.audit import AuditEntry, append_in
from atlas_graph.store.cypher import CypherLibrary
from atlas_graph.store.graph import GraphStore
from atlas_graph.store.values import BulkParameter

REFRESH_ENTITY_SHARING = "write/entity_sharing_refresh"
REFRESH_RELATIONSHIP_SHARING = "write/relationship_sharing_refresh"
CLAIM_BY_ID = "read/claim_by_id"
DELETE_CLAIM = "write/claim_delete"
BUMP_GRAPH_VERSION = "write/graph_version_bump"
OWN_CLAIMS_OF = "read/own_claims_of"
ADD_CLAIM_COUNTRIES = "write/claim_countries_add"
QUERIES = (
    REFRESH_ENTITY_SHARING,
    REFRESH_RELATIONSHIP_SHARING,
    CLAIM_BY_ID,
    DELETE_CLAIM,
    BUMP_GRAPH_VERSION,
    OWN_CLAIMS_OF,
    ADD_CLAIM_COUNTRIES,
)

COMMUNITY_TLP_VALUES = sorted(tlp.value for tlp in COMMUNITY_TLPS)


@dataclass(frozen=True)
class RelationshipEnds:
    key: str
    source: str
    target: str


@dataclass(frozen=True)
class StoredClaim:
    id: str
    organization: str
    visible: bool
    entity_id: str | None
    relationship: RelationshipEnds | None


def refresh_entity_sharing(tx: ManagedTransaction, queries: CypherLibrary, entity_ids: Iterable[str]) -> None:
    tx.run(
        queries[REFRESH_ENTITY_SHARING],
        ids=BulkParameter(entity_ids),
        community_tlps=COMMUNITY_TLP_VALUES,
        naming_schemes=list(NAMING_ID_SCHEMES),
    ).consume()


def refresh_relationship_sharing(
    tx: ManagedTransaction, queries: CypherLibrary, relationships: Iterable[RelationshipEnds]
) -> None:
    rows = BulkParameter({"key": r.key, "source": r.source, "target": r.target} for r in relationships)
    tx.run(queries[REFRESH_RELATIONSHIP_SHARING], rows=rows, community_tlps=COMMUNITY_TLP_VALUES).consume()


def bump_graph_version(tx: ManagedTransaction, queries: CypherLibrary) -> int:
    """Count a write, taking the write lock on the counter's node: writes run one at a time from here on."""
    return bump_graph_version_stamped(tx, queries)[0]


def bump_graph_version_stamped(tx: ManagedTransaction, queries: CypherLibrary) -> tuple[int, str]:
    """`bump_graph_version`, with the new version as read/graph_version gives it (`<epoch>:<count>`)."""
    started = time.perf_counter()
    record = tx.run(queries[BUMP_GRAPH_VERSION]).single(strict=True)
    # The query itself is one node's update: what it takes beyond that is waiting for the writes ahead.
    WRITE_LOCK_WAIT.observe(time.perf_counter() - started)
    return record["version"], record["stamp"]


def find_claim(store: GraphStore, *, claim_id: str, organization: str) -> StoredClaim | None:
    records = store.read(
        CLAIM_BY_ID, {"id": claim_id, "organization": organization, "community_tlps": COMMUNITY_TLP_VALUES}
    )
    return _stored_claim(records[0]) if records else None


def own_claims_of(
    store: GraphStore, *, entities: Iterable[tuple[str, str]], rel_keys: Iterable[str], organization: str
) -> dict[str, list[str]]:
    """The organization's own claim ids, by what they are about: an entity's strong key (of `(entity id, key)`
    pairs, so that a claim reached through another of the entity's keys is left alone), or a relationship key."""
    records = store.read(
        OWN_CLAIMS_OF,
        {
            "entities": [{"id": entity_id, "key": key} for entity_id, key in entities],
            "rel_keys": list(rel_keys),
            "organization": organization,
        },
    )
    found: dict[str, list[str]] = {}
    for record in records:
        found.setdefault(record["about"], []).append(record["id"])
    return found


def retract_claim(store: GraphStore, *, claim_id: str, organization: str, audit: AuditEntry) -> int | None:
    """Delete the organization's own claim and refresh what it supported; None when it has no such claim."""

    def work(tx: ManagedTransaction) -> int | None:
        version = bump_graph_version(tx, store.queries)  # first: the write lock (see store.ingestion.write_bundle)
        record = tx.run(store.queries[DELETE_CLAIM], id=claim_id, organization=organization).single()
        if record is None:
            return None
        if record["entity_id"] is not None:
            touched: tuple[str, ...] = (record["entity_id"],)
            refresh_entity_sharing(tx, store.queries, touched)
        else:
            ends = RelationshipEnds(key=record["rel_key"], source=record["source"], target=record["target"])
            refresh_relationship_sharing(tx, store.queries, [ends])
            touched = (ends.source, ends.target)
        # Who could see the claim goes into the trail, so that histories show its retraction to them only.
        append_in(
            tx,
            store,
            audit.finished(
                outcome="succeeded",
                entity_ids=touched,
                assertion_id=claim_id,
                tlp=record["tlp"],
                share_with=list(record["share_with"]),
                subject="entity" if record["entity_id"] is not None else "relationship",
            ),
        )
        return version

    return store.write_transaction(work)


@dataclass(frozen=True)
class CountriesAdded:
    """A claim that took the countries of a row of `add_claim_countries`."""

    index: int
    entity_id: str
    assertion_id: str


def add_claim_countries(
    store: GraphStore, *, rows: list[dict[str, Any]], organization: str, audit: AuditEntry, now: datetime
) -> list[CountriesAdded]:
    """Add countries to the organization's own claims (rows {index, id, key, countries, tlps}: the entity, the
    strong key the claim gave it, and the TLP levels the claim may have), refresh the entities, audit each claim."""

    def work(tx: ManagedTransaction) -> list[CountriesAdded]:
        bump_graph_version(tx, store.queries)  # first: the write lock (see store.ingestion.write_bundle)
        records = list(
            tx.run(
                store.queries[ADD_CLAIM_COUNTRIES],
                rows=rows,
                organization=organization,
                codes=sorted(COUNTRY_CODES),
                now=now,
            )
        )
        if not records:
            return []
        refresh_entity_sharing(tx, store.queries, {record["entity_id"] for record in records})
        for record in records:
            # Who could see the claim goes into the trail, as for a retraction.
            append_in(
                tx,
                store,
                audit.finished(
                    outcome="succeeded",
                    entity_ids=(record["entity_id"],),
                    assertion_id=record["assertion_id"],
                    tlp=record["tlp"],
                    share_with=list(record["share_with"]),
                    subject="entity",
                ),
            )
        return [
            CountriesAdded(index=record["index"], entity_id=record["entity_id"], assertion_id=record["assertion_id"])
            for record in records
        ]

    return store.write_transaction(work)


def _stored_claim(record: Record) -> StoredClaim:
    relationship = (
        RelationshipEnds(key=record["rel_key"], source=record["source"], target=record["target"])
        if record["rel_key"] is not None
        else None
    )
    return StoredClaim(
        id=record["id"],
        organization=record["organization"],
        visible=record["visible"],
        entity_id=record["entity_id"],
        relationship=relationship,
    )
