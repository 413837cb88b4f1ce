"""Whether the service can do its job right now."""

from __future__ import annotations

from atlas_graph.store.graph import GraphStore, ServerInfo


def check_neo4j(store: GraphStore) -> ServerInfo:
    """Version and edition of the Neo4j behind the store; raises StoreUnavailable when it does not answer."""
    return store.server_info()
