"""The API's routers, in the order the app includes them, and the bodies they read straight from JSON bytes."""

from fastapi import APIRouter
from pydantic import BaseModel

from atlas_graph.api.routes import (
    analysis,
    audit,
    bundles,
    entities,
    export,
    health,
    investigations,
    me,
    misp,
    operations,
    organizations,
    paths,
    resolution,
    stix,
    taxii,
    web,
)
from atlas_graph.models.bundles import BundleIn
from atlas_graph.models.stix import StixBundleIn

ROUTERS: tuple[APIRouter, ...] = (
    health.router,
    me.router,
    organizations.router,
    bundles.router,
    entities.router,
    resolution.router,
    stix.router,
    paths.router,
    investigations.router,
    analysis.router,
    audit.router,
    export.router,
    misp.router,
    operations.router,
    taxii.router,
    web.router,
)

RAW_BODY_MODELS: tuple[type[BaseModel], ...] = (BundleIn, StixBundleIn)
"""The bodies routes read themselves (with `api.json_body.json_body`, or as bytes the service validates, as
`/v1/bundles` does to list every problem in one answer): FastAPI does not see them as bodies, so the app
adds their schemas to the OpenAPI components, and scripts/generate_schemas.py writes them under schemas/request/."""
