"""`/v1/me`: which organization and role a key stands for."""

from __future__ import annotations

from fastapi import APIRouter

from atlas_graph.api.deps import CallerDep
from atlas_graph.models.me import MeOut
from atlas_graph.models.vocabulary import ROLE_PERMISSIONS

router = APIRouter(prefix="/v1", tags=["access"])


@router.get("/me", response_model=MeOut, summary="The caller's organization and role")
def me(caller: CallerDep) -> MeOut:
    return MeOut(
        organization=caller.organization,
        role=caller.role,
        key_id=caller.key_id,
        permissions=sorted(ROLE_PERMISSIONS[caller.role]),
    )
