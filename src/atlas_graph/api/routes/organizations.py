"""Administration: member organizations (the operator's) and API keys (the operator's, or a member admin's own)."""

from __future__ import annotations

from fastapi import APIRouter, status

from atlas_graph.api.deps import AdminDep, CallerDep, OperatorDep, StoreDep
from atlas_graph.models.organizations import (
    ApiKeyIn,
    ApiKeyIssuedOut,
    ApiKeyOut,
    OrganizationIn,
    OrganizationOut,
    ProfileIn,
    ProfileOut,
)
from atlas_graph.services import access, api_keys, organizations
from atlas_graph.store.organizations import StoredProfile

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


def _profile_out(profile: StoredProfile) -> ProfileOut:
    return ProfileOut.model_validate(
        {
            "name": profile.name,
            "jurisdictions": list(profile.jurisdictions),
            "actions": list(profile.actions),
            "updated_at": profile.updated_at,
        }
    )


@router.get(
    "/organizations/profiles",
    response_model=list[ProfileOut],
    summary="The coalition: every member's profile (where it may act, what it may do)",
    description="Any member's reader and up, and the operator, may read them: a coalition has to know who can "
    "act where. Only organizations that set a profile are listed. Disruption plans take their coalition from these.",
)
def list_profiles(store: StoreDep, caller: CallerDep) -> list[ProfileOut]:
    return [_profile_out(profile) for profile in organizations.list_profiles(store, caller=caller)]


@router.patch(
    "/organizations/{name}",
    response_model=ProfileOut,
    summary="Set an organization's profile",
    description="The operator for any organization; a member's admin for its own only (403 for any other name).",
)
def update_profile(name: str, body: ProfileIn, store: StoreDep, caller: AdminDep) -> ProfileOut:
    updated = organizations.update_profile(
        store,
        name=name,
        jurisdictions=[str(j) for j in body.jurisdictions] if body.jurisdictions is not None else None,
        actions=list(body.actions) if body.actions is not None else None,
        actor=caller,
    )
    return _profile_out(updated)


@router.get("/keys", response_model=list[ApiKeyOut], summary="List API keys (never their secrets)")
def list_keys(store: StoreDep, caller: AdminDep, organization: str | None = None) -> list[ApiKeyOut]:
    keys = api_keys.list_keys(store, organization=organization, caller=caller)
    return [ApiKeyOut.model_validate(key, from_attributes=True) for key in keys]


@router.post("/keys", response_model=ApiKeyIssuedOut, status_code=status.HTTP_201_CREATED, summary="Issue an API key")
def issue_key(body: ApiKeyIn, store: StoreDep, caller: AdminDep) -> ApiKeyIssuedOut:
    issued = access.issue_key(store, organization=body.organization, role=body.role, label=body.label, actor=caller)
    return ApiKeyIssuedOut(key_id=issued.key_id, token=issued.token, organization=issued.organization, role=issued.role)


@router.delete("/keys/{key_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Revoke an API key")
def revoke_key(key_id: str, store: StoreDep, caller: AdminDep) -> None:
    access.revoke_key(store, key_id=key_id, actor=caller)
