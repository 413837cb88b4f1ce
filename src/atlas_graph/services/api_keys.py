"""Listing API keys for administrators (issuing and checking them is in services/access.py)."""

from __future__ import annotations

from atlas_graph.store import organizations as organization_store
from atlas_graph.store.graph import GraphStore
from atlas_graph.store.organizations import StoredApiKey


def list_keys(store: GraphStore, *, organization: str | None = None) -> list[StoredApiKey]:
    """Every key's id, role and state (never a secret or its hash), optionally of one organization."""
    return organization_store.list_api_keys(store, organization=organization)
