"""The app factory: `create_app(settings)` wires routes, error handlers and the one Neo4j driver of the process."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response

from atlas_graph.api.exception_handlers import register_exception_handlers
from atlas_graph.api.routes import health, me, organizations
from atlas_graph.config import Settings
from atlas_graph.services.connection import connection_for
from atlas_graph.store import STORE_MODULES  # noqa: F401  (declares every query before the library loads)
from atlas_graph.store.cypher import CypherLibrary
from atlas_graph.store.graph import GraphStore
from atlas_graph.store.schema import apply_schema

REQUEST_ID_HEADER = "X-Request-ID"


def open_store(settings: Settings) -> GraphStore:
    """Open the driver for the configured (or local) Neo4j and bring its schema up to date."""
    store = GraphStore.open(connection_for(settings), queries=CypherLibrary.load())
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
        try:
            yield
        finally:
            if owned:
                app.state.store.close()

    app = FastAPI(
        title="atlas-graph",
        version="0.1.0",
        summary="Maps the cybercrime ecosystem: pooled intelligence in Neo4j, chokepoint analysis in NetworkX.",
        lifespan=lifespan,
    )
    app.state.settings = settings

    @app.middleware("http")
    async def tag_request(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        # Honour an id from a proxy so that its logs and our audit trail line up; otherwise make one.
        supplied = request.headers.get(REQUEST_ID_HEADER, "")
        request.state.request_id = supplied if 0 < len(supplied) <= 128 and supplied.isprintable() else uuid.uuid4().hex
        response = await call_next(request)
        response.headers[REQUEST_ID_HEADER] = request.state.request_id
        return response

    register_exception_handlers(app)
    app.include_router(health.router)
    app.include_router(me.router)
    app.include_router(organizations.router)
    return app
