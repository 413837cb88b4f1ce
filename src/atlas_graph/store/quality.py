"""What the data quality report reads: counts per kind, shared names, open candidates and victims' names.

Every query takes the caller's organization and counts only what it may see; `organization=None` is the operator at
the command line, who runs the database and counts every claim.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from neo4j import ManagedTransaction

from atlas_graph.store.claims import COMMUNITY_TLP_VALUES
from atlas_graph.store.graph import GraphStore
from atlas_graph.store.records import EntityNaming, entity_naming, present

QUALITY_ENTITIES = "read/quality_entities"
QUALITY_SHARED_NAMES = "read/quality_shared_names"
QUALITY_OPEN_CANDIDATES = "read/quality_open_candidates"
QUALITY_VICTIM_NAMES = "read/quality_victim_names"
QUERIES = (QUALITY_ENTITIES, QUALITY_SHARED_NAMES, QUALITY_OPEN_CANDIDATES, QUALITY_VICTIM_NAMES)


@dataclass(frozen=True)
class KindCounts:
    kind: str
    entities: int
    merged: int
    isolated: int


@dataclass(frozen=True)
class SharedName:
    key: str
    kind: str
    entity_ids: list[str]
    spellings: list[str]
    """The names one of the claims that give it gives (its name and aliases), to find the name's spelling in."""


@dataclass(frozen=True)
class VictimNaming:
    id: str
    claims: list[EntityNaming]


@dataclass(frozen=True)
class QualityFacts:
    kinds: list[KindCounts]
    shared_names: list[SharedName]
    open_candidates: int
    victims: list[VictimNaming]


def read_quality_facts(store: GraphStore, *, organization: str | None) -> QualityFacts:
    """Everything the report needs, read in one transaction so that its counts agree with each other."""
    parameters: dict[str, Any] = {"organization": organization, "community_tlps": COMMUNITY_TLP_VALUES}

    def work(tx: ManagedTransaction) -> QualityFacts:
        kinds = [
            KindCounts(
                kind=record["kind"],
                entities=record["entities"],
                merged=record["merged"],
                isolated=record["isolated"],
            )
            for record in tx.run(store.queries[QUALITY_ENTITIES], parameters)
        ]
        shared = [
            SharedName(
                key=record["key"],
                kind=record["kind"],
                entity_ids=list(record["entities"]),
                spellings=list(record["spellings"] or []),
            )
            for record in tx.run(store.queries[QUALITY_SHARED_NAMES], parameters)
        ]
        open_candidates = tx.run(store.queries[QUALITY_OPEN_CANDIDATES], parameters).single(strict=True)["open"]
        victims = [
            VictimNaming(id=record["id"], claims=[entity_naming(claim) for claim in present(record["claims"])])
            for record in tx.run(store.queries[QUALITY_VICTIM_NAMES], parameters)
        ]
        return QualityFacts(kinds=kinds, shared_names=shared, open_candidates=open_candidates, victims=victims)

    return store.read_transaction(work)
