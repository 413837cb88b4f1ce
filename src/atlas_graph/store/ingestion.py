"""Writes a bundle in one transaction: look keys up, let the caller's plan resolve them, then UNWIND the rows."""

from __future__ import annotations

import os
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from neo4j import ManagedTransaction

from atlas_graph.errors import InvalidInput
from atlas_graph.models.vocabulary import EntityKind
from atlas_graph.store.audit import AuditEntry, append_in
from atlas_graph.store.claims import (
    COMMUNITY_TLP_VALUES,
    RelationshipEnds,
    bump_graph_version,
    bump_graph_version_stamped,
    refresh_entity_sharing,
    refresh_relationship_sharing,
)
from atlas_graph.store.graph import GraphStore
from atlas_graph.store.values import BulkParameter

ENTITY_KEYS_LOOKUP = "read/entity_keys_lookup"
ENTITY_NAMES_LOOKUP = "read/entity_names_lookup"
ENTITY_IDENTITY_FACTS = "read/entity_identity_facts"
RECORD_CANDIDATES = "write/candidates_record"
UPSERT_ENTITIES = "write/entities_upsert"
UPSERT_RELATIONSHIPS = "write/relationships_upsert"
CREATE_RELATIONSHIPS = "write/relationships_create"
RELATIONSHIP_KEYS_LOOKUP = "read/relationship_keys_lookup"
GRAPH_VERSION = "read/graph_version"
QUERIES = (
    ENTITY_KEYS_LOOKUP,
    ENTITY_NAMES_LOOKUP,
    ENTITY_IDENTITY_FACTS,
    RECORD_CANDIDATES,
    UPSERT_ENTITIES,
    UPSERT_RELATIONSHIPS,
    CREATE_RELATIONSHIPS,
    RELATIONSHIP_KEYS_LOOKUP,
    GRAPH_VERSION,
)

# Open ends of a claim's validity, as the path filters compare them (write/relationship_sharing_refresh agrees).
OPEN_START = date(1, 1, 1)
OPEN_END = date(9999, 12, 31)

Plan = TypeVar("Plan")


@dataclass(frozen=True)
class KeyHolder:
    """The entity a strong key identifies, and whether the caller sees that key there."""

    entity_id: str
    kind: EntityKind
    visible: bool


@dataclass(frozen=True)
class NameHolder:
    """A claim the caller may see that gives a name: the entity it is about, and whether the name is its primary."""

    entity_id: str
    primary: bool
    claim_key: str


@dataclass(frozen=True)
class EntityFacts:
    id: str
    kind: EntityKind
    visible: bool
    xids: dict[str, frozenset[str]]
    """Scheme -> the values the caller's visible claims give the entity."""


@dataclass(frozen=True)
class StoredIdentity:
    """What the store knows of a bundle's keys and names, as far as the submitting organization may see."""

    keys: dict[str, KeyHolder] = field(default_factory=dict)
    names: dict[str, list[NameHolder]] = field(default_factory=dict)
    entities: dict[str, EntityFacts] = field(default_factory=dict)
    rejected: frozenset[frozenset[str]] = frozenset()


@dataclass(frozen=True)
class EntityWrite:
    """One claim of the caller's about one entity, and the entity's new keys."""

    id: str
    kind: EntityKind
    name: str
    keys: list[str]
    claim_key: str
    anchor: str
    names: list[tuple[str, bool]]
    claim: dict[str, Any]
    new: bool


@dataclass(frozen=True)
class CandidateReasonWrite:
    type: str
    value: str
    claim_keys: list[str]


@dataclass(frozen=True)
class CandidateWrite:
    pair: str
    a: str
    b: str
    kind: EntityKind
    reasons: list[CandidateReasonWrite]


@dataclass(frozen=True)
class RelationshipWrite:
    key: str
    type: str
    source: str
    target: str
    claim: dict[str, Any]


@dataclass(frozen=True)
class ClaimState:
    own_claim: bool
    visible: bool


@dataclass(frozen=True)
class BundleWriteResult(Generic[Plan]):
    plan: Plan
    existing_claims: frozenset[str]
    """Keys of the caller's entity claims that existed before this write."""
    relationship_states: dict[str, ClaimState]
    graph_version: int


@dataclass(frozen=True)
class BundleRows:
    entities: list[EntityWrite]
    relationships: list[RelationshipWrite]
    candidates: list[CandidateWrite]


def write_bundle(
    store: GraphStore,
    *,
    organization: str,
    strong_keys: list[str],
    name_keys: list[str],
    item_keys: list[str],
    plan: Callable[[StoredIdentity], Plan],
    rows: Callable[[Plan], BundleRows],
    now: datetime,
    audit: AuditEntry,
) -> BundleWriteResult[Plan]:
    """Resolve and write one bundle atomically.

    `plan` turns what the look-ups found into the caller's plan (raising InvalidInput to abort with nothing written)
    and `rows` says what to write for it. Both run first outside the transaction, so that one bundle's Python and
    look-ups overlap the write of the bundle ahead of it; then, holding the write lock, the plan is kept only if
    nothing was written since its look-up (the graph version moved by one: ours), or if the same look-ups, run again,
    find the same answers; else it is made again from those, so a concurrent bundle cannot slip in between the
    look-up and the write. The driver may run the transaction again on a transient error, which is safe because
    every write MERGEs on a constrained key.
    """
    sharing: dict[str, Any] = {"organization": organization, "community_tlps": COMMUNITY_TLP_VALUES}

    def look_up(tx: ManagedTransaction) -> StoredIdentity:
        return look_up_identity(
            tx, store, strong_keys=strong_keys, name_keys=name_keys, item_keys=item_keys, sharing=sharing
        )

    def planned(found: StoredIdentity) -> _Planned[Plan]:
        decided = plan(found)
        return _Planned(found=found, plan=decided, rows=rows(decided))

    def ahead(tx: ManagedTransaction) -> tuple[str, StoredIdentity]:
        # The version first: a write that commits before the look-ups end has moved it by the time ours takes it.
        stamp: str = tx.run(store.queries[GRAPH_VERSION]).single(strict=True)["version"]
        return stamp, look_up(tx)

    stamp, found = store.read_transaction(ahead)
    early: _Planned[Plan] | None
    try:
        early = planned(found)
    except InvalidInput:
        early = None  # a bundle ahead of this one may yet store what it refers to: planned again under the lock

    def work(tx: ManagedTransaction) -> BundleWriteResult[Plan]:
        # First, not last: bumping the counter takes the write lock on its one node, so writes run one at a time.
        # Measured by scripts/load_test.py (3 writers on shared hubs): no deadlocks instead of 15-20 a minute, each
        # retried after about a second, so write p99 0.7-0.9 s instead of 1.8 s at the same throughput; and the
        # look-ups made or checked below see every bundle committed before it, so its answer's statuses are exact.
        version, current = bump_graph_version_stamped(tx, store.queries)
        if early is not None and current == _next_stamp(stamp):
            chosen = early
        else:
            now_found = look_up(tx)
            chosen = early if early is not None and early.found == now_found else planned(now_found)
        decided, written = chosen.plan, chosen.rows
        entity_rows, relationship_rows = written.entities, written.relationships
        existing: set[str] = set()
        if entity_rows:
            claims_on = Counter(row.id for row in entity_rows)
            summaries = [
                new_entity_summary(row, organization) if row.new and claims_on[row.id] == 1 else None
                for row in entity_rows
            ]
            records = tx.run(
                store.queries[UPSERT_ENTITIES],
                rows=BulkParameter(
                    {
                        "id": row.id,
                        "label": row.kind.label,
                        "kind": row.kind.value,
                        "name": row.name,
                        "keys": row.keys,
                        "claim_key": row.claim_key,
                        "anchor": row.anchor,
                        "assertion_id": assertion_id,
                        "claim": row.claim,
                        "names": [{"key": key, "primary": primary} for key, primary in row.names],
                        "summary": summary,
                    }
                    for row, assertion_id, summary in zip(
                        entity_rows, new_assertion_ids(len(entity_rows)), summaries, strict=True
                    )
                ),
                now=now,
                organization=organization,
            )
            existing = {record["claim_key"] for record in records if record["existed"]}
            refreshed = dict.fromkeys(
                row.id for row, summary in zip(entity_rows, summaries, strict=True) if summary is None
            )
            if refreshed:
                refresh_entity_sharing(tx, store.queries, refreshed)
        if written.candidates:
            record_candidates(tx, store, written.candidates, now=now)
        states = _write_relationships(tx, store, relationship_rows, organization=organization, now=now)
        touched = {row.id: None for row in entity_rows}
        touched.update({end: None for row in relationship_rows for end in (row.source, row.target)})
        append_in(
            tx,
            store,
            audit.finished(
                outcome="succeeded",
                entity_ids=tuple(touched),
                entities=len(entity_rows),
                relationships=len(relationship_rows),
            ),
        )
        return BundleWriteResult(
            plan=decided, existing_claims=frozenset(existing), relationship_states=states, graph_version=version
        )

    return store.write_transaction(work)


@dataclass(frozen=True)
class _Planned(Generic[Plan]):
    found: StoredIdentity
    plan: Plan
    rows: BundleRows


def _next_stamp(stamp: str) -> str:
    """The graph version one write after `stamp` (`<epoch>:<count>`); no epoch yet: one no bump can give."""
    epoch, _, count = stamp.rpartition(":")
    return f"{epoch}:{int(count) + 1}" if epoch else ""


def read_identity(
    store: GraphStore, *, organization: str, strong_keys: list[str], name_keys: list[str], item_keys: list[str]
) -> StoredIdentity:
    """What `write_bundle` would find for these keys, read without writing: to check a bundle that will be refused."""
    sharing: dict[str, Any] = {"organization": organization, "community_tlps": COMMUNITY_TLP_VALUES}
    return store.read_transaction(
        lambda tx: look_up_identity(
            tx, store, strong_keys=strong_keys, name_keys=name_keys, item_keys=item_keys, sharing=sharing
        )
    )


def visible_key_holders(store: GraphStore, *, keys: list[str], organization: str) -> dict[str, KeyHolder]:
    """The entities strong keys identify, only where the organization sees the key there (outside a bundle's write)."""
    records = store.read(
        ENTITY_KEYS_LOOKUP, {"keys": keys, "organization": organization, "community_tlps": COMMUNITY_TLP_VALUES}
    )
    return {
        record["key"]: KeyHolder(entity_id=record["id"], kind=EntityKind(record["kind"]), visible=True)
        for record in records
        if record["visible"]
    }


def look_up_identity(
    tx: ManagedTransaction,
    store: GraphStore,
    *,
    strong_keys: list[str],
    name_keys: list[str],
    item_keys: list[str],
    sharing: dict[str, Any],
) -> StoredIdentity:
    """Strong keys and the names of visible claims, then what resolution needs of every entity that the items'
    keys (`item_keys`, among `strong_keys`) and the names reach."""
    keys = {
        record["key"]: KeyHolder(entity_id=record["id"], kind=EntityKind(record["kind"]), visible=record["visible"])
        for record in tx.run(store.queries[ENTITY_KEYS_LOOKUP], keys=BulkParameter(strong_keys), **sharing)
    }
    names: dict[str, list[NameHolder]] = {}
    if name_keys:
        for record in tx.run(store.queries[ENTITY_NAMES_LOOKUP], keys=BulkParameter(name_keys), **sharing):
            names.setdefault(record["key"], []).append(
                NameHolder(entity_id=record["entity_id"], primary=record["primary"], claim_key=record["claim_key"])
            )
    # An entity reached only as a relationship end by id needs nothing beyond its key holder's kind; the facts are
    # for the entities items may join or be held apart from (in a bulk load, most keys are ends').
    ids = {keys[key].entity_id: None for key in item_keys if key in keys}
    ids.update({holder.entity_id: None for holders in names.values() for holder in holders})
    entities: dict[str, EntityFacts] = {}
    rejected: set[frozenset[str]] = set()
    if ids:
        for record in tx.run(store.queries[ENTITY_IDENTITY_FACTS], ids=BulkParameter(ids), **sharing):
            xids: dict[str, set[str]] = {}
            for key in record["xid_keys"]:
                scheme, _, value = key.split(":", 2)[2].partition("=")
                xids.setdefault(scheme, set()).add(value)
            entities[record["id"]] = EntityFacts(
                id=record["id"],
                kind=EntityKind(record["kind"]),
                visible=record["visible"],
                xids={scheme: frozenset(values) for scheme, values in xids.items()},
            )
            rejected.update(frozenset((record["id"], other)) for other in record["rejected"])
    return StoredIdentity(keys=keys, names=names, entities=entities, rejected=frozenset(rejected))


def new_entity_summary(row: EntityWrite, organization: str) -> dict[str, Any]:
    """The sharing summary write/entity_sharing_refresh computes for an entity whose one claim is `row`'s.

    Computed here once per row instead of by a query that collects, sorts and reduces each entity's claims: in a
    bulk load nearly every entity is new (scripts/bench_ingest.py measures the difference).
    """
    claim = row.claim
    if claim["tlp"] not in COMMUNITY_TLP_VALUES:
        return {
            "vis_all": False,
            "vis_orgs": list(dict.fromkeys([organization, *claim["share_with"]])),
            "public_countries": [],
        }
    return {
        "vis_all": True,
        "vis_orgs": [],
        "public_name": claim["name"],
        "public_category": claim["category"],
        "public_countries": list(dict.fromkeys(claim["countries"] or [])),
        "public_cost": claim["disruption_cost"],
    }


def record_candidates(tx: ManagedTransaction, store: GraphStore, rows: list[CandidateWrite], *, now: datetime) -> None:
    tx.run(
        store.queries[RECORD_CANDIDATES],
        rows=BulkParameter(
            {
                "pair": row.pair,
                "a": row.a,
                "b": row.b,
                "kind": row.kind.value,
                "id": f"candidate--{uuid.uuid4()}",
                "reasons": [
                    {
                        "key": f"{reason.type}|{reason.value}|{','.join(reason.claim_keys)}",
                        "type": reason.type,
                        "value": reason.value,
                        "claim_keys": reason.claim_keys,
                    }
                    for reason in row.reasons
                ],
            }
            for row in rows
        ),
        now=now,
    ).consume()


def write_candidates(store: GraphStore, rows: list[CandidateWrite], *, now: datetime, audit: AuditEntry) -> None:
    """Record same-as candidates on their own (a source's statement that two stored entities may be one)."""

    def work(tx: ManagedTransaction) -> None:
        bump_graph_version(tx, store.queries)
        record_candidates(tx, store, rows, now=now)
        entity_ids = tuple(dict.fromkeys(entity for row in rows for entity in (row.a, row.b)))
        append_in(tx, store, audit.finished(outcome="succeeded", entity_ids=entity_ids, candidates=len(rows)))

    store.write_transaction(work)


def _write_relationships(
    tx: ManagedTransaction,
    store: GraphStore,
    rows: list[RelationshipWrite],
    *,
    organization: str,
    now: datetime,
) -> dict[str, ClaimState]:
    """Create the relationships not stored yet in one pass and upsert claims on the stored ones in another.

    Most rows of a bulk load are new: creating them outright skips, per row, a MERGE through the type's key index,
    a MERGE of the claim node and the rewrite of the per-claim arrays (scripts/bench_ingest.py measures the gain).
    """
    if not rows:
        return {}
    stored = {
        record["key"]
        for record in tx.run(store.queries[RELATIONSHIP_KEYS_LOOKUP], keys=BulkParameter(row.key for row in rows))
    }
    created = [row for row in rows if row.key not in stored]
    states = {row.key: ClaimState(own_claim=False, visible=False) for row in created}
    if created:
        tx.run(
            store.queries[CREATE_RELATIONSHIPS],
            rows=_with_assertion_ids(created, organization, created_relationship_row),
            organization=organization,
            now=now,
        ).consume()
    existing = [row for row in rows if row.key in stored]
    if existing:
        records = tx.run(
            store.queries[UPSERT_RELATIONSHIPS],
            rows=_with_assertion_ids(existing, organization, relationship_row),
            now=now,
            organization=organization,
            organization_token=sharing_token(organization, []),
        )
        several_own = []
        for record in records:
            states[record["key"]] = ClaimState(own_claim=record["own_claim"], visible=record["visible"])
            if record["several_own"]:
                several_own.append(record["key"])
        if several_own:
            # The incremental array update above assumes one claim per organization; recompute these in full.
            by_key = {row.key: row for row in existing}
            refresh_relationship_sharing(
                tx,
                store.queries,
                (
                    RelationshipEnds(key=key, source=by_key[key].source, target=by_key[key].target)
                    for key in several_own
                ),
            )
    return states


def sharing_token(organization: str, share_with: list[str]) -> str:
    """The visibility token of a restricted claim, as write/relationship_sharing_refresh also builds it."""
    return "|" + "|".join([organization, *share_with]) + "|"


def claim_token(claim: Mapping[str, Any], organization: str) -> str:
    """A claim's entry in its relationship's a_vis: '*' if the community may see it, else its sharing token."""
    if claim["tlp"] in COMMUNITY_TLP_VALUES:
        return "*"
    return sharing_token(organization, list(claim["share_with"]))


def _with_assertion_ids(
    rows: list[RelationshipWrite],
    organization: str,
    row_of: Callable[[RelationshipWrite, str, str], dict[str, Any]],
) -> BulkParameter[dict[str, Any]]:
    """The query rows of `rows`, each given a new claim id (`row_of` decides whether it is used)."""
    return BulkParameter(
        row_of(row, organization, assertion_id)
        for row, assertion_id in zip(rows, new_assertion_ids(len(rows)), strict=True)
    )


def relationship_row(row: RelationshipWrite, organization: str, assertion_id: str) -> dict[str, Any]:
    """A row of write/relationships_upsert; `assertion_id` is used only if the caller's claim is new."""
    claim = row.claim
    return {
        "key": row.key,
        "type": row.type,
        "source": row.source,
        "target": row.target,
        "assertion_id": assertion_id,
        "claim": claim,
        "token": claim_token(claim, organization),
        "first": claim["first_seen"] or OPEN_START,
        "last": claim["last_seen"] or OPEN_END,
    }


def created_relationship_row(row: RelationshipWrite, organization: str, assertion_id: str) -> dict[str, Any]:
    """A new relationship and its first claim, with the arrays and summary write/relationships_upsert would set.

    The validity arrays come from the claim's own dates in Cypher: dates are the costliest values to send.
    """
    claim = row.claim
    token = claim_token(claim, organization)
    community = token == "*"
    return {
        "type": row.type,
        "source": row.source,
        "target": row.target,
        "relationship": {
            "key": row.key,
            "a_org": [organization],
            "a_vis": [token],
            "a_conf": [claim["confidence"]],
            "vis_all": community,
            "vis_orgs": [] if community else list(dict.fromkeys([organization, *claim["share_with"]])),
            "claim_count": 1,
        },
        # A new node has no property to remove: absent values (most optional fields, in bulk) are not sent at all.
        "claim": {
            **{name: value for name, value in claim.items() if value is not None},
            "key": f"{row.key}|{organization}",
            "id": assertion_id,
            "rel_key": row.key,
            "type": row.type,
            "source": row.source,
            "target": row.target,
            "made_source": row.source,
            "made_target": row.target,
        },
    }


def graph_version(store: GraphStore) -> str:
    """`<epoch>:<write counter>`: changes with every write, and never repeats across a reset of the database."""
    version: str = store.read(GRAPH_VERSION)[0]["version"]
    return version


def new_assertion_ids(count: int) -> list[str]:
    """`count` new claim ids, `assertion--<random version-4 UUID>`, from one draw of the system's randomness.

    uuid.uuid4() per row was 6% of the service's CPU time in a bulk load (py-spy on scripts/bench_ingest.py).
    """
    raw = bytearray(os.urandom(16 * count))
    for start in range(0, len(raw), 16):
        raw[start + 6] = (raw[start + 6] & 0x0F) | 0x40  # version 4
        raw[start + 8] = (raw[start + 8] & 0x3F) | 0x80  # RFC 4122 variant
    text = raw.hex()
    return [
        f"assertion--{text[i : i + 8]}-{text[i + 8 : i + 12]}-{text[i + 12 : i + 16]}-{text[i + 16 : i + 20]}-"
        f"{text[i + 20 : i + 32]}"
        for i in range(0, len(text), 32)
    ]
