"""Every Cypher query the store runs, by name: the app checks at start-up that each one has a file.

Each store module lists the queries it runs as `QUERIES`; this module gathers those lists. A new store module adds
its `QUERIES` here (tests/unit/store/test_cypher.py fails until it does, and while a query file is unused).
"""

from __future__ import annotations

from atlas_graph.store import (
    audit,
    backup,
    candidates,
    claims,
    entities,
    export,
    graph,
    ingestion,
    investigations,
    maintenance,
    merges,
    organization_names,
    organizations,
    paths,
    projection,
    quality,
    schema,
    scope,
    statistics,
)

QUERY_NAMES: frozenset[str] = frozenset(
    (
        *audit.QUERIES,
        *backup.QUERIES,
        *candidates.QUERIES,
        *claims.QUERIES,
        *entities.QUERIES,
        *export.QUERIES,
        *graph.QUERIES,
        *ingestion.QUERIES,
        *investigations.QUERIES,
        *maintenance.QUERIES,
        *merges.QUERIES,
        *organization_names.QUERIES,
        *organizations.QUERIES,
        *paths.QUERIES,
        *projection.QUERIES,
        *quality.QUERIES,
        *schema.QUERIES,
        *scope.QUERIES,
        *statistics.QUERIES,
    )
)
