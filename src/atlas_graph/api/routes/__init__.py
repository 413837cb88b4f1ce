"""The API's routers, in the order the app includes them."""

from fastapi import APIRouter

from atlas_graph.api.routes import bundles, entities, health, me, organizations, paths, stix

ROUTERS: tuple[APIRouter, ...] = (
    health.router,
    me.router,
    organizations.router,
    bundles.router,
    entities.router,
    stix.router,
    paths.router,
)
