"""The only package that imports neo4j: the driver, the Cypher loader, reads, writes and the NetworkX projection."""

from atlas_graph.store import (
    audit,
    backup,
    claims,
    entities,
    export,
    ingestion,
    maintenance,
    merges,
    organization_names,
    organizations,
    paths,
    projection,
    schema,
)

# Importing a store module declares the queries it runs; the app imports this tuple so that all are declared
# before CypherLibrary.load checks that every one has a file.
STORE_MODULES = (
    audit,
    backup,
    claims,
    entities,
    export,
    ingestion,
    maintenance,
    merges,
    organization_names,
    organizations,
    paths,
    projection,
    schema,
)
