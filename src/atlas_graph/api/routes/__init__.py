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
    operations,
    organizations,
    paths,
    stix,
    web,
)

ROUTERS: tuple[APIRouter, ...] = (
    health.router,
    me.router,
    organizations.router,
    bundles.router,
    entities.router,
    stix.router,
    paths.router,
    analysis.router,
    audit.router,
    export.router,
    operations.router,
    web.router,
)
