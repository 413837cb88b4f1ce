"""`GET /misp/feed/...`: the caller's visible graph as a MISP feed (manifest, events, hashes) for MISP to subscribe."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, PlainTextResponse

from atlas_graph.api.deps import ReaderDep, StoreDep
from atlas_graph.misp import feed
from atlas_graph.models.errors import ErrorOut

router = APIRouter(prefix="/misp/feed", tags=["misp"])

_ERRORS: dict[int | str, dict[str, Any]] = {status: {"model": ErrorOut} for status in (401, 403, 503)}


@router.get(
    "/manifest.json",
    response_class=JSONResponse,
    summary="The MISP feed's manifest: every event you may see, by uuid",
    description="Each event's title (`info`), tags, date and timestamp, as MISP's feed layout has them "
    '(docs/misp.md). A MISP instance subscribes with this folder\'s URL and source format "MISP Feed".',
    responses=_ERRORS,
)
def misp_manifest(store: StoreDep, caller: ReaderDep) -> JSONResponse:
    return JSONResponse(feed.manifest(feed.feed_events(store, caller=caller)))


@router.get(
    "/hashes.csv",
    response_class=PlainTextResponse,
    summary="The MISP feed's hashes: the MD5 of every attribute value, with its event's uuid",
    responses={**_ERRORS, 200: {"description": "`md5,event uuid` lines", "content": {"text/csv": {}}}},
)
def misp_hashes(store: StoreDep, caller: ReaderDep) -> PlainTextResponse:
    return PlainTextResponse(feed.hashes_csv(feed.feed_events(store, caller=caller)), media_type="text/csv")


@router.get(
    "/{event_uuid}.json",
    response_class=JSONResponse,
    summary="One event of the MISP feed, in the MISP core format",
    responses={**_ERRORS, 404: {"model": ErrorOut}, 422: {"model": ErrorOut}},
)
def misp_event(event_uuid: uuid.UUID, store: StoreDep, caller: ReaderDep) -> JSONResponse:
    return JSONResponse(feed.feed_event(store, caller=caller, event_uuid=str(event_uuid)).event)
