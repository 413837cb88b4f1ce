"""TAXII 2.1 under /taxii2/: discovery, the API root, collections `atlas` and `own`, objects, manifest, statuses.

Each route checks the Accept (and for POST the Content-Type) media type, authenticates with the same API keys as
/v1/ (Bearer, or HTTP Basic with the key as the password) and passes the request to `taxii.server`. Errors are
answered with TAXII's error resource by `api/exception_handlers.py`. docs/taxii.md says what is implemented.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from atlas_graph.api.deps import StoreDep, authenticated_caller
from atlas_graph.errors import AuthenticationFailed
from atlas_graph.models.taxii import TaxiiEnvelopeIn
from atlas_graph.services.caller import Caller
from atlas_graph.taxii import server
from atlas_graph.taxii.collections import API_ROOT
from atlas_graph.taxii.index import IndexCache
from atlas_graph.taxii.media import TAXII_MEDIA_TYPE, require_taxii_accept, require_taxii_content_type
from atlas_graph.taxii.statuses import StatusBook


class TaxiiResponse(JSONResponse):
    media_type = TAXII_MEDIA_TYPE


def _accepts_taxii(request: Request) -> None:
    require_taxii_accept(request.headers.get("accept"))


def _taxii_caller(request: Request, store: StoreDep) -> Caller:
    """Bearer, or HTTP Basic whose password is the key (many TAXII clients can only send Basic)."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    token = value.strip()
    if scheme.lower() == "basic":
        try:
            user, _, password = base64.b64decode(token, validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            user, password = "", ""
        token = password or user
    elif scheme.lower() != "bearer":
        token = ""
    if not token:
        raise AuthenticationFailed(
            "missing API key: send `Authorization: Bearer <key>`, or Basic with the key as password"
        )
    return authenticated_caller(request, store, token)


TaxiiCallerDep = Annotated[Caller, Depends(_taxii_caller)]
CollectionKey = Annotated[str, Path(description="The collection's id or alias (`atlas`, `own`)", max_length=256)]
ObjectId = Annotated[str, Path(description="A STIX id", max_length=512)]


def _index_cache(request: Request) -> IndexCache:
    cache: IndexCache = request.app.state.taxii_index
    return cache


def _status_book(request: Request) -> StatusBook:
    book: StatusBook = request.app.state.taxii_statuses
    return book


IndexCacheDep = Annotated[IndexCache, Depends(_index_cache)]
StatusBookDep = Annotated[StatusBook, Depends(_status_book)]

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"description": "A TAXII error resource", "content": {TAXII_MEDIA_TYPE: {}}}
    for status in (400, 401, 403, 404, 406, 413, 415, 422, 429, 503)
}

router = APIRouter(
    prefix="/taxii2",
    tags=["taxii"],
    dependencies=[Depends(_accepts_taxii)],
    default_response_class=TaxiiResponse,
    responses=_ERRORS,
)


class _Filters:
    """The query parameters of the listing endpoints, declared so that the OpenAPI schema shows them; `query` keeps
    them all as sent, so that `taxii.query` can refuse a `match[...]` field it does not know."""

    def __init__(
        self,
        request: Request,
        added_after: Annotated[str | None, Query(description="Only objects added after this timestamp")] = None,
        limit: Annotated[str | None, Query(description="At most this many objects (1..1000, default 1000)")] = None,
        next: Annotated[str | None, Query(description="The `next` of the previous page")] = None,
        match_id: Annotated[str | None, Query(alias="match[id]", description="STIX ids, comma-separated")] = None,
        match_type: Annotated[str | None, Query(alias="match[type]", description="STIX types, comma-separated")] = None,
        match_version: Annotated[
            str | None, Query(alias="match[version]", description="last (default), first, all, or timestamps")
        ] = None,
        match_spec_version: Annotated[str | None, Query(alias="match[spec_version]", description="2.1")] = None,
    ) -> None:
        self.query = dict(request.query_params)


FiltersDep = Annotated[_Filters, Depends()]


def _collection_read(
    collection_id: CollectionKey, filters: FiltersDep, store: StoreDep, cache: IndexCacheDep, caller: TaxiiCallerDep
) -> server.CollectionRead:
    return server.CollectionRead(store=store, cache=cache, caller=caller, key=collection_id, query=filters.query)


CollectionReadDep = Annotated[server.CollectionRead, Depends(_collection_read)]


@router.get("/", summary="TAXII discovery")
def taxii_discovery(request: Request, caller: TaxiiCallerDep) -> TaxiiResponse:
    return TaxiiResponse(server.discovery(str(request.base_url)))


@router.get(f"/{API_ROOT}/", summary="TAXII API root information")
def taxii_api_root(request: Request, caller: TaxiiCallerDep) -> TaxiiResponse:
    return TaxiiResponse(server.api_root_information(max_content_length=request.app.state.settings.max_body_bytes))


@router.get(f"/{API_ROOT}/status/{{status_id}}/", summary="The status of a POST of objects")
def taxii_status(
    status_id: Annotated[str, Path(max_length=64)], statuses: StatusBookDep, caller: TaxiiCallerDep
) -> TaxiiResponse:
    return TaxiiResponse(server.get_status(statuses, caller=caller, status_id=status_id))


@router.get(f"/{API_ROOT}/collections/", summary="TAXII collections")
def taxii_collections(caller: TaxiiCallerDep) -> TaxiiResponse:
    return TaxiiResponse(server.collections(caller))


@router.get(f"/{API_ROOT}/collections/{{collection_id}}/", summary="One TAXII collection")
def taxii_collection(collection_id: CollectionKey, caller: TaxiiCallerDep) -> TaxiiResponse:
    return TaxiiResponse(server.collection(caller, collection_id))


def _answer(answer: server.Answer) -> TaxiiResponse:
    return TaxiiResponse(answer.body, headers=answer.headers)


@router.get(f"/{API_ROOT}/collections/{{collection_id}}/objects/", summary="A page of a collection's objects")
def taxii_objects(read: CollectionReadDep) -> TaxiiResponse:
    return _answer(server.get_objects(read))


@router.post(
    f"/{API_ROOT}/collections/{{collection_id}}/objects/",
    status_code=202,
    summary="Add objects: they become your organization's claims, as POST /v1/stix makes them",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {TAXII_MEDIA_TYPE: {"schema": TaxiiEnvelopeIn.model_json_schema()}},
        }
    },
)
async def taxii_add_objects(
    request: Request,
    collection_id: CollectionKey,
    store: StoreDep,
    statuses: StatusBookDep,
    caller: TaxiiCallerDep,
) -> TaxiiResponse:
    require_taxii_content_type(request.headers.get("content-type"))
    raw = await request.body()
    try:
        envelope = TaxiiEnvelopeIn.model_validate_json(raw)
    except ValidationError as error:
        issues = [{**issue, "loc": ("body", *issue["loc"])} for issue in error.errors(include_url=False)]
        raise RequestValidationError(issues, body=None) from None
    max_items = request.app.state.settings.max_bundle_items
    status = await run_in_threadpool(
        server.add_objects, store, statuses, caller=caller, key=collection_id, envelope=envelope, max_items=max_items
    )
    return TaxiiResponse(status, status_code=202)


@router.get(f"/{API_ROOT}/collections/{{collection_id}}/objects/{{object_id}}/", summary="One object")
def taxii_object(object_id: ObjectId, read: CollectionReadDep) -> TaxiiResponse:
    return _answer(server.get_object(read, object_id=object_id))


@router.get(f"/{API_ROOT}/collections/{{collection_id}}/objects/{{object_id}}/versions/", summary="Its versions")
def taxii_object_versions(object_id: ObjectId, read: CollectionReadDep) -> TaxiiResponse:
    return _answer(server.object_versions(read, object_id=object_id))


@router.get(f"/{API_ROOT}/collections/{{collection_id}}/manifest/", summary="A page of the collection's manifest")
def taxii_manifest(read: CollectionReadDep) -> TaxiiResponse:
    return _answer(server.get_manifest(read))
