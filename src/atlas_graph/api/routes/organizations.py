"""Administration: member organizations (the operator's) and API keys (the operator's, or a member admin's own)."""

from __future__ import annotations

from fastapi import APIRouter, status

from atlas_graph.api.deps import AdminDep, OperatorDep, StoreDep
from atlas_graph.models.organizations import (
    ApiKeyIn,
    ApiKeyIssuedOut,
    ApiKeyOut,
    OrganizationIn,
    OrganizationOut,
)
from atlas_graph.models.vocabulary import Role
from atlas_graph.services import access, api_keys, organizations

router = APIRouter(prefix="/v1", tags=["administration"])


@router.get("/organizations", response_model=list[OrganizationOut], summary="List member organizations")
def list_organizations(store: StoreDep, caller: OperatorDep) -> list[OrganizationOut]:
    return [
        OrganizationOut(name=o.name, created_at=o.created_at, active_keys=o.active_keys)
        for o in organizations.list_organizations(store)
    ]


@router.post(
    "/organizations",
    response_model=OrganizationOut,
    status_code=status.HTTP_201_CREATED,
    summary="Register a member organization",
)
def create_organization(body: OrganizationIn, store: StoreDep, caller: OperatorDep) -> OrganizationOut:
    created = organizations.create_organization(store, name=body.name, actor=caller)
    return OrganizationOut(name=created.name, created_at=created.created_at)


@router.get("/keys", response_model=list[ApiKeyOut], summary="List API keys (never their secrets)")
def list_keys(store: StoreDep, caller: AdminDep, organization: str | None = None) -> list[ApiKeyOut]:
    return [
        ApiKeyOut(
            key_id=k.key_id,
            organization=k.organization,
            role=Role(k.role),
            label=k.label,
            created_at=k.created_at,
            revoked_at=k.revoked_at,
        )
        for k in api_keys.list_keys(store, organization=organization, caller=caller)
    ]


@router.post("/keys", response_model=ApiKeyIssuedOut, status_code=status.HTTP_201_CREATED, summary="Issue an API key")
def issue_key(body: ApiKeyIn, store: StoreDep, caller: AdminDep) -> ApiKeyIssuedOut:
    issued = access.issue_key(store, organization=body.organization, role=body.role, label=body.label, actor=caller)
    return ApiKeyIssuedOut(key_id=issued.key_id, token=issued.token, organization=issued.organization, role=issued.role)


@router.delete("/keys/{key_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Revoke an API key")
def revoke_key(key_id: str, store: StoreDep, caller: AdminDep) -> None:
    access.revoke_key(store, key_id=key_id, actor=caller)
