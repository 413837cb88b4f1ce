"""What the operator watches the service by: `GET /metrics` (Prometheus) and `GET /v1/storage`."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from atlas_graph.api.deps import OperatorDep, StoreDep, authorize_metrics
from atlas_graph.metrics import REGISTRY
from atlas_graph.models.operations import StorageOut
from atlas_graph.services.storage import storage_report

router = APIRouter(tags=["operations"])


@router.get("/metrics", include_in_schema=False, dependencies=[Depends(authorize_metrics)])
def metrics() -> Response:
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


@router.get("/v1/storage", response_model=StorageOut, summary="Graph size, Neo4j's files and the disk left")
def storage(request: Request, store: StoreDep, caller: OperatorDep) -> StorageOut:
    settings = request.app.state.settings
    home = settings.local_neo4j_dir.resolve() if settings.uses_local_neo4j else None
    report = storage_report(store, local_home=home, database=settings.neo4j_database)
    disk = report.disk
    return StorageOut(
        neo4j="local" if disk is not None else "external",
        nodes=report.graph.nodes,
        relationships=report.graph.relationships,
        nodes_by_label=report.graph.nodes_by_label,
        relationships_by_type=report.graph.relationships_by_type,
        store_bytes=disk.store_bytes if disk else None,
        transaction_log_bytes=disk.transaction_log_bytes if disk else None,
        disk_free_bytes=disk.free_bytes if disk else None,
        disk_total_bytes=disk.total_bytes if disk else None,
        note=report.note,
    )
