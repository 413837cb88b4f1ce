"""`POST /v1/bundles`: entities and relationships, stored as the caller's claims in one transaction."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from atlas_graph.api.deps import StoreDep, WriterDep
from atlas_graph.api.json_body import documented_body, json_body
from atlas_graph.models.bundles import BundleIn, BundleResultOut
from atlas_graph.models.errors import ErrorOut
from atlas_graph.services.ingestion import ingest_bundle

router = APIRouter(prefix="/v1", tags=["ingestion"])


@router.post(
    "/bundles",
    response_model=BundleResultOut,
    summary="Store entities and relationships, all or nothing",
    responses={413: {"model": ErrorOut}, 422: {"model": ErrorOut}},
    openapi_extra=documented_body(BundleIn),
)
def post_bundle(
    bundle: Annotated[BundleIn, Depends(json_body(BundleIn))], request: Request, store: StoreDep, caller: WriterDep
) -> BundleResultOut:
    return ingest_bundle(store, caller=caller, bundle=bundle, max_items=request.app.state.settings.max_bundle_items)
