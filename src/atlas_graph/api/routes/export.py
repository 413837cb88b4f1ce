"""`GET /v1/export/...`: everything the caller may see, as STIX 2.1, GraphML, or CSV nodes and edges in a zip."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from atlas_graph.api.deps import ReaderDep, StoreDep
from atlas_graph.models.errors import ErrorOut
from atlas_graph.services import graph_exports
from atlas_graph.stix import exporter as stix_exporter
from atlas_graph.stix.vocabulary import STIX_MEDIA_TYPE

router = APIRouter(prefix="/v1/export", tags=["export"])


@dataclass(frozen=True)
class _Download:
    """One export format: what its OpenAPI entry documents is what its response sends, from one declaration."""

    description: str
    media_type: str
    filename: str

    def route(self) -> dict[str, Any]:
        return {
            "response_class": StreamingResponse,
            "response_model": None,
            "responses": {
                200: {"description": self.description, "content": {self.media_type: {}}},
                503: {"model": ErrorOut},
            },
        }

    def response(self, chunks: Iterator[bytes]) -> StreamingResponse:
        headers = {"Content-Disposition": f'attachment; filename="{self.filename}"'}
        return StreamingResponse(chunks, media_type=self.media_type, headers=headers)


_STIX = _Download("A STIX 2.1 bundle", STIX_MEDIA_TYPE, "atlas-graph.stix.json")
_GRAPHML = _Download("A directed GraphML graph", "application/graphml+xml", "atlas-graph.graphml")
_CSV = _Download("A zip of nodes.csv and edges.csv", "application/zip", "atlas-graph-csv.zip")


@router.get(
    "/stix",
    summary="Everything you may see, as a STIX 2.1 bundle",
    description="Entities as SDOs, relationship assertions as SROs, organizations as identities, TLP 2.0 markings, "
    "and the atlas-graph extension (docs/import-export.md). Streamed.",
    **_STIX.route(),
)
def export_stix(store: StoreDep, caller: ReaderDep) -> StreamingResponse:
    return _STIX.response(stix_exporter.stix_bundle(store, caller=caller))


@router.get("/graphml", summary="Everything you may see, as a GraphML graph (Gephi, NetworkX, yEd)", **_GRAPHML.route())
def export_graphml(store: StoreDep, caller: ReaderDep) -> StreamingResponse:
    return _GRAPHML.response(graph_exports.graphml(store, caller=caller))


@router.get("/csv", summary="Everything you may see, as nodes.csv and edges.csv in a zip", **_CSV.route())
def export_csv(store: StoreDep, caller: ReaderDep) -> StreamingResponse:
    return _CSV.response(graph_exports.csv_zip(store, caller=caller))
