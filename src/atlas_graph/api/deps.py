"""Dependencies that routes declare by type: the store, the authenticated caller, and role checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from atlas_graph.errors import AuthenticationFailed
from atlas_graph.models.vocabulary import Permission
from atlas_graph.services.access import Caller, authenticate
from atlas_graph.store.graph import GraphStore

_bearer = HTTPBearer(auto_error=False, description="An atlas-graph API key: `Authorization: Bearer atlas_...`")


def get_store(request: Request) -> GraphStore:
    store: GraphStore = request.app.state.store
    return store


StoreDep = Annotated[GraphStore, Depends(get_store)]


def get_caller(
    store: StoreDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Caller:
    if credentials is None:
        raise AuthenticationFailed("missing API key: send `Authorization: Bearer <key>`")
    return authenticate(store, token=credentials.credentials)


CallerDep = Annotated[Caller, Depends(get_caller)]


def requires(permission: Permission) -> Callable[[Caller], Caller]:
    def check(caller: CallerDep) -> Caller:
        caller.require(permission)
        return caller

    return check


ReaderDep = Annotated[Caller, Depends(requires(Permission.READ))]
WriterDep = Annotated[Caller, Depends(requires(Permission.WRITE))]
CuratorDep = Annotated[Caller, Depends(requires(Permission.CURATE))]
AdminDep = Annotated[Caller, Depends(requires(Permission.ADMINISTER))]
