"""Liveness (`/healthz`) and readiness (`/readyz`), outside `/v1` and without a key, for orchestrators."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from atlas_graph.api.deps import StoreDep
from atlas_graph.errors import StoreUnavailable
from atlas_graph.models.health import HealthOut, Neo4jInfoOut, ReadinessOut
from atlas_graph.services.health import check_neo4j

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=HealthOut, summary="The process is up")
def healthz() -> HealthOut:
    return HealthOut()


@router.get(
    "/readyz",
    response_model=ReadinessOut,
    summary="Neo4j answers: its version and edition, or 503 with the reason",
    responses={503: {"model": ReadinessOut}},
)
def readyz(store: StoreDep) -> ReadinessOut | JSONResponse:
    try:
        info = check_neo4j(store)
    except StoreUnavailable as error:
        body = ReadinessOut(status="unavailable", reason=str(error))
        return JSONResponse(body.model_dump(mode="json"), status_code=503)
    return ReadinessOut(
        status="ready",
        neo4j=Neo4jInfoOut(address=info.address, version=info.version, edition=info.edition, database=info.database),
    )
