"""The caller, as its API key identifies it."""

from __future__ import annotations

from pydantic import BaseModel

from atlas_graph.models.vocabulary import Permission, Role


class MeOut(BaseModel):
    organization: str
    role: Role
    key_id: str
    permissions: list[Permission]
