"""`POST /v1/bundles`: entities and relationships, stored as the caller's claims in one transaction."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from atlas_graph.api.deps import StoreDep, WriterDep
from atlas_graph.api.json_body import documented_body
from atlas_graph.models.bundles import BundleIn, BundleResultOut
from atlas_graph.models.errors import ErrorOut
from atlas_graph.services.ingestion import ingest_bundle_json

router = APIRouter(prefix="/v1", tags=["ingestion"])


async def raw_body(request: Request) -> bytes:
    # Validated by the service, not here: a refused bundle's 422 lists the store's problems beside the model's.
    return await request.body()


@router.post(
    "/bundles",
    response_model=BundleResultOut,
    summary="Store entities and relationships, all or nothing",
    responses={413: {"model": ErrorOut}, 422: {"model": ErrorOut}},
    openapi_extra=documented_body(BundleIn),
)
def post_bundle(
    body: Annotated[bytes, Depends(raw_body)], request: Request, store: StoreDep, caller: WriterDep
) -> BundleResultOut:
    return ingest_bundle_json(store, caller=caller, body=body, max_items=request.app.state.settings.max_bundle_items)
