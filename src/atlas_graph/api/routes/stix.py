"""`POST /v1/stix`: a STIX 2.1 bundle, validated by stix2, mapped onto the model, stored in one transaction."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request

from atlas_graph.api.deps import StoreDep, WriterDep
from atlas_graph.api.json_body import documented_body, json_body
from atlas_graph.models.assertions import DEFAULT_CONFIDENCE, DEFAULT_TLP
from atlas_graph.models.errors import ErrorOut
from atlas_graph.models.stix import StixBundleIn, StixImportOut
from atlas_graph.models.vocabulary import Tlp
from atlas_graph.stix.importer import import_stix_bundle

router = APIRouter(prefix="/v1", tags=["ingestion"])


@router.post(
    "/stix",
    response_model=StixImportOut,
    summary="Import a STIX 2.1 bundle",
    responses={413: {"model": ErrorOut}, 422: {"model": ErrorOut}},
    openapi_extra=documented_body(StixBundleIn),
)
def post_stix(
    bundle: Annotated[StixBundleIn, Depends(json_body(StixBundleIn))],
    request: Request,
    store: StoreDep,
    caller: WriterDep,
    tlp: Annotated[Tlp, Query(description="For objects without a TLP marking")] = DEFAULT_TLP,
    confidence: Annotated[
        int, Query(ge=0, le=100, description="For objects without a confidence")
    ] = DEFAULT_CONFIDENCE,
    on_invalid: Annotated[
        Literal["skip", "reject"],
        Query(description="skip: import the valid objects and list the invalid ones; reject: refuse the bundle"),
    ] = "skip",
) -> StixImportOut:
    return import_stix_bundle(
        store,
        caller=caller,
        bundle=bundle.model_dump(),
        default_tlp=tlp,
        default_confidence=confidence,
        on_invalid=on_invalid,
        max_items=request.app.state.settings.max_bundle_items,
    )
