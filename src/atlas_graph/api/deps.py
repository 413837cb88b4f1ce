"""Dependencies that routes declare by type: the store, the authenticated caller, and role checks."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from atlas_graph.errors import AuthenticationFailed, PermissionDenied
from atlas_graph.models.vocabulary import Permission
from atlas_graph.services.access import authenticate
from atlas_graph.services.analysis import AnalysisRuntime
from atlas_graph.services.caller import Caller
from atlas_graph.services.jobs import JobRunner
from atlas_graph.services.rate_limit import FailedAuthLimiter, RateLimiter
from atlas_graph.store.graph import GraphStore

_bearer = HTTPBearer(auto_error=False, description="An atlas-graph API key: `Authorization: Bearer atlas_...`")
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def get_store(request: Request) -> GraphStore:
    store: GraphStore = request.app.state.store
    return store


StoreDep = Annotated[GraphStore, Depends(get_store)]


def get_jobs(request: Request) -> JobRunner:
    jobs: JobRunner = request.app.state.jobs
    return jobs


JobsDep = Annotated[JobRunner, Depends(get_jobs)]


def get_analysis_runtime(request: Request) -> AnalysisRuntime:
    state = request.app.state
    return AnalysisRuntime(
        store=state.store,
        cache=state.projection_cache,
        jobs=state.jobs,
        workers=state.workers,
        max_elements=state.settings.max_analysis_elements,
    )


AnalysisDep = Annotated[AnalysisRuntime, Depends(get_analysis_runtime)]


def get_caller(request: Request, store: StoreDep, credentials: BearerDep) -> Caller:
    if credentials is None:
        raise AuthenticationFailed("missing API key: send `Authorization: Bearer <key>`")
    return authenticated_caller(request, store, credentials.credentials)


def authenticated_caller(request: Request, store: GraphStore, token: str) -> Caller:
    """The caller behind a presented key, counting failures per address and requests per key."""
    failures: FailedAuthLimiter = request.app.state.failed_auth_limiter
    # The peer's address, not X-Forwarded-For, which any client can write: behind a proxy, run uvicorn with
    # --proxy-headers and --forwarded-allow-ips so that the address is the proxy's client (docs/operations.md).
    address = request.client.host if request.client is not None else "unknown"
    failures.check(address)
    try:
        caller = authenticate(store, token=token, request_id=getattr(request.state, "request_id", None))
    except AuthenticationFailed:
        failures.failed(address)
        raise
    limiter: RateLimiter = request.app.state.rate_limiter
    limiter.check(caller.key_id)
    request.state.caller = caller
    return caller


CallerDep = Annotated[Caller, Depends(get_caller)]


def authorize_metrics(request: Request, store: StoreDep, credentials: BearerDep) -> None:
    """`/metrics` for the operator's key, or for any loopback client with ATLAS_METRICS_ACCESS=loopback."""
    if request.app.state.settings.metrics_access == "loopback":
        try:
            loopback = request.client is not None and ipaddress.ip_address(request.client.host).is_loopback
        except ValueError:  # not an address (a test client's name)
            loopback = False
        if not loopback:
            raise PermissionDenied("/metrics answers loopback clients only (ATLAS_METRICS_ACCESS=loopback)")
        return
    get_caller(request, store, credentials).require(Permission.OPERATE)


def requires(permission: Permission) -> Callable[[Caller], Caller]:
    def check(caller: CallerDep) -> Caller:
        caller.require(permission)
        return caller

    return check


ReaderDep = Annotated[Caller, Depends(requires(Permission.READ))]
WriterDep = Annotated[Caller, Depends(requires(Permission.WRITE))]
CuratorDep = Annotated[Caller, Depends(requires(Permission.CURATE))]
RetractorDep = Annotated[Caller, Depends(requires(Permission.RETRACT))]
AdminDep = Annotated[Caller, Depends(requires(Permission.ADMINISTER))]
OperatorDep = Annotated[Caller, Depends(requires(Permission.OPERATE))]
