"""`GET /v1/export/...`: everything the caller may see, as STIX 2.1, GraphML, or CSV nodes and edges in a zip."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from atlas_graph.api.deps import ReaderDep, StoreDep
from atlas_graph.models.errors import ErrorOut
from atlas_graph.services import graph_exports
from atlas_graph.stix import exporter as stix_exporter
from atlas_graph.stix.vocabulary import STIX_MEDIA_TYPE

router = APIRouter(prefix="/v1/export", tags=["export"])


def _file(description: str, media_type: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"description": description, "content": {media_type: {}}}, 503: {"model": ErrorOut}}


def _attachment(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


@router.get(
    "/stix",
    response_class=StreamingResponse,
    response_model=None,
    summary="Everything you may see, as a STIX 2.1 bundle",
    description="Entities as SDOs, relationship assertions as SROs, organizations as identities, TLP 2.0 markings, "
    "and the atlas-graph extension (docs/import-export.md). Streamed.",
    responses=_file("A STIX 2.1 bundle", STIX_MEDIA_TYPE),
)
def export_stix(store: StoreDep, caller: ReaderDep) -> StreamingResponse:
    return StreamingResponse(
        stix_exporter.stix_bundle(store, caller=caller),
        media_type=STIX_MEDIA_TYPE,
        headers=_attachment("atlas-graph.stix.json"),
    )


@router.get(
    "/graphml",
    response_class=StreamingResponse,
    response_model=None,
    summary="Everything you may see, as a GraphML graph (Gephi, NetworkX, yEd)",
    responses=_file("A directed GraphML graph", "application/graphml+xml"),
)
def export_graphml(store: StoreDep, caller: ReaderDep) -> StreamingResponse:
    return StreamingResponse(
        graph_exports.graphml(store, caller=caller),
        media_type="application/graphml+xml",
        headers=_attachment("atlas-graph.graphml"),
    )


@router.get(
    "/csv",
    response_class=StreamingResponse,
    response_model=None,
    summary="Everything you may see, as nodes.csv and edges.csv in a zip",
    responses=_file("A zip of nodes.csv and edges.csv", "application/zip"),
)
def export_csv(store: StoreDep, caller: ReaderDep) -> StreamingResponse:
    return StreamingResponse(
        graph_exports.csv_zip(store, caller=caller),
        media_type="application/zip",
        headers=_attachment("atlas-graph-csv.zip"),
    )
