"""`POST /v1/bundles`: entities and relationships, stored as the caller's claims in one transaction."""

from __future__ import annotations

from fastapi import APIRouter, Request

from atlas_graph.api.deps import StoreDep, WriterDep
from atlas_graph.models.bundles import BundleIn, BundleResultOut
from atlas_graph.models.errors import ErrorOut
from atlas_graph.services.ingestion import ingest_bundle

router = APIRouter(prefix="/v1", tags=["ingestion"])


@router.post(
    "/bundles",
    response_model=BundleResultOut,
    summary="Store entities and relationships, all or nothing",
    responses={413: {"model": ErrorOut}, 422: {"model": ErrorOut}},
)
def post_bundle(bundle: BundleIn, request: Request, store: StoreDep, caller: WriterDep) -> BundleResultOut:
    return ingest_bundle(store, caller=caller, bundle=bundle, max_items=request.app.state.settings.max_bundle_items)
