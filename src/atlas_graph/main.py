"""The app factory: `create_app(settings)` wires routes, error handlers and the one Neo4j driver of the process.

`serving_app` is the app as it is served, by `atlas-graph serve` and by `atlas_graph.asgi:app` alike.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.openapi.utils import get_openapi

from atlas_graph.api.body_limit import BodySizeLimit
from atlas_graph.api.exception_handlers import register_exception_handlers
from atlas_graph.api.http_metrics import RequestMetrics
from atlas_graph.api.json_body import add_body_schemas
from atlas_graph.api.json_guard import refuse_duplicate_keys
from atlas_graph.api.request_id import RequestId
from atlas_graph.api.routes import RAW_BODY_MODELS, ROUTERS
from atlas_graph.config import Settings
from atlas_graph.services.connection import connection_for
from atlas_graph.services.jobs import JobRunner
from atlas_graph.services.rate_limit import FailedAuthLimiter, RateLimiter
from atlas_graph.services.workers import AnalysisWorkers
from atlas_graph.store.cypher import CypherLibrary
from atlas_graph.store.graph import GraphStore
from atlas_graph.store.projection import ProjectionCache
from atlas_graph.store.queries import QUERY_NAMES
from atlas_graph.store.schema import apply_schema
from atlas_graph.taxii.index import IndexCache
from atlas_graph.taxii.statuses import StatusBook


def open_store(settings: Settings) -> GraphStore:
    """Open the driver for the configured (or local) Neo4j and bring its schema up to date.

    Raises ConfigurationError when a query the store runs has no file under `cypher/`.
    """
    store = GraphStore.open(connection_for(settings), queries=CypherLibrary.load(required=QUERY_NAMES))
    try:
        store.verify()
        apply_schema(store)
    except BaseException:
        store.close()
        raise
    return store


def create_app(settings: Settings, *, store: GraphStore | None = None) -> FastAPI:
    """Build the service. Pass `store` to share one driver across apps (tests); otherwise the lifespan opens one."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = store is None
        app.state.store = open_store(settings) if owned else store
        app.state.projection_cache = ProjectionCache()
        app.state.jobs = JobRunner(workers=settings.analysis_workers)
        app.state.workers = AnalysisWorkers(background=settings.analysis_workers, processes=settings.analysis_processes)
        try:
            yield
        finally:
            app.state.jobs.shutdown()
            app.state.workers.shutdown()
            if owned:
                app.state.store.close()

    app = FastAPI(
        title="atlas-graph",
        version="0.1.0",
        summary="Maps the cybercrime ecosystem: pooled intelligence in Neo4j, chokepoint analysis in NetworkX.",
        lifespan=lifespan,
        dependencies=[Depends(refuse_duplicate_keys)],
    )
    app.state.settings = settings
    app.state.rate_limiter = RateLimiter(per_minute=settings.rate_limit_per_minute, burst=settings.rate_limit_burst)
    app.state.failed_auth_limiter = FailedAuthLimiter(
        per_minute=settings.failed_auth_per_minute, burst=settings.failed_auth_burst
    )
    app.state.taxii_index = IndexCache()
    app.state.taxii_statuses = StatusBook()

    register_exception_handlers(app)
    for router in ROUTERS:
        app.include_router(router)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = add_body_schemas(
                get_openapi(title=app.title, version=app.version, summary=app.summary, routes=app.routes),
                RAW_BODY_MODELS,
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    # Added last = outermost: the request id first, then the metrics (which time and count every answer, refusals
    # of the size limit included), then the size limit before any layer reads the body.
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestMetrics)
    app.add_middleware(RequestId)
    return app


def serving_app(settings: Settings, *, store: GraphStore | None = None) -> FastAPI:
    """The app as the service runs it (`atlas-graph serve`, `atlas_graph.asgi:app`): `create_app`, and the garbage
    collector tuned for large bundles. Call it once per process, last before serving: it freezes what exists."""
    app = create_app(settings, store=store)
    # A 10,000-item bundle keeps about a million objects alive while it is parsed, planned and written, and with the
    # default thresholds the collector walks them again and again (docs/performance.md). Start-up's objects are
    # frozen out of every walk, and young collections run a hundred times less often; request garbage is mostly
    # acyclic and freed by reference counting anyway.
    gc.freeze()
    gc.set_threshold(70_000, 10, 10)
    return app
