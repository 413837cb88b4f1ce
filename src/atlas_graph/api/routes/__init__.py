"""The API's routers, in the order the app includes them."""

from fastapi import APIRouter

from atlas_graph.api.routes import (
    analysis,
    audit,
    bundles,
    entities,
    export,
    health,
    me,
    organizations,
    paths,
    resolution,
    stix,
    web,
)

ROUTERS: tuple[APIRouter, ...] = (
    health.router,
    me.router,
    organizations.router,
    bundles.router,
    entities.router,
    resolution.router,
    stix.router,
    paths.router,
    analysis.router,
    audit.router,
    export.router,
    web.router,
)
