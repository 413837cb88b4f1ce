"""Listing API keys for administrators (issuing and checking them is in services/access.py)."""

from __future__ import annotations

from atlas_graph.services.caller import LOCAL_ADMINISTRATOR, Caller
from atlas_graph.store import organizations as organization_store
from atlas_graph.store.graph import GraphStore
from atlas_graph.store.organizations import StoredApiKey


def list_keys(
    store: GraphStore, *, organization: str | None = None, caller: Caller = LOCAL_ADMINISTRATOR
) -> list[StoredApiKey]:
    """Keys (never a secret or its hash): the caller's organization's, or any the operator asks for."""
    return organization_store.list_api_keys(store, organization=caller.administered(organization))
