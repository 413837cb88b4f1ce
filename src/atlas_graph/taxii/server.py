"""What each TAXII 2.1 endpoint answers: discovery, the API root, collections, objects, manifest and statuses.

Reads come from the caller's index of a collection (`taxii.index`), so they hold exactly what the STIX export
would give the caller; writes go through the STIX import (`stix.importer`) as the caller's own claims, with the
same defaults as POST /v1/stix. Routes in `api/routes/taxii.py` only pass the request through.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from atlas_graph.errors import NotFound, PermissionDenied
from atlas_graph.models.assertions import DEFAULT_CONFIDENCE, DEFAULT_TLP
from atlas_graph.models.stix import StixImportOut
from atlas_graph.models.taxii import TaxiiEnvelopeIn
from atlas_graph.services.caller import Caller
from atlas_graph.stix.importer import import_stix_bundle
from atlas_graph.store.graph import GraphStore
from atlas_graph.taxii.collections import (
    API_ROOT,
    COLLECTIONS,
    CollectionInfo,
    can_read,
    can_write,
    collection_resource,
    find_collection,
)
from atlas_graph.taxii.errors import TaxiiError
from atlas_graph.taxii.index import CollectionIndex, IndexCache, stix_time
from atlas_graph.taxii.media import STIX_MEDIA_TYPE, TAXII_MEDIA_TYPE
from atlas_graph.taxii.query import ObjectFilter, Page, page_limit, select
from atlas_graph.taxii.statuses import StatusBook


@dataclass(frozen=True)
class Answer:
    """A TAXII resource and the X-TAXII-Date-Added-First/Last headers of what it lists."""

    body: dict[str, Any]
    headers: dict[str, str]


def discovery(base_url: str) -> dict[str, Any]:
    """The discovery resource (section 4.1.1): one API root, which is also the default."""
    root = f"{base_url.rstrip('/')}/taxii2/{API_ROOT}/"
    return {
        "title": "atlas-graph",
        "description": "The cybercrime ecosystem pooled by member organizations, under the sharing rule.",
        "default": root,
        "api_roots": [root],
    }


def api_root_information(*, max_content_length: int) -> dict[str, Any]:
    return {
        "title": "atlas-graph",
        "description": "Collections: `atlas` (everything your organization may see; writable by analyst, "
        "integration and admin keys) and `own` (your organization's own claims).",
        "versions": [TAXII_MEDIA_TYPE],
        "max_content_length": max_content_length,
    }


def collections(caller: Caller) -> dict[str, Any]:
    return {"collections": [collection_resource(caller, collection) for collection in COLLECTIONS]}


def collection(caller: Caller, key: str) -> dict[str, Any]:
    return collection_resource(caller, find_collection(key))


def _readable(caller: Caller, key: str) -> CollectionInfo:
    found = find_collection(key)
    if not can_read(caller):
        raise PermissionDenied(f"role {caller.role.value!r} may not read collection {found.name.value!r}")
    return found


def _index(store: GraphStore, cache: IndexCache, caller: Caller, found: CollectionInfo) -> CollectionIndex:
    return cache.index(store, organization=caller.organization, collection=found.name)


def _date_headers(page: Page) -> dict[str, str]:
    if not page.items:
        return {}
    return {"X-TAXII-Date-Added-First": str(page.first_added), "X-TAXII-Date-Added-Last": str(page.last_added)}


def _envelope(page: Page, listed: list[Any], name: str = "objects") -> dict[str, Any]:
    body: dict[str, Any] = {"more": page.more}
    if page.next is not None:
        body["next"] = page.next
    if listed:
        body[name] = listed
    return body


def get_objects(store: GraphStore, cache: IndexCache, *, caller: Caller, key: str, query: Mapping[str, str]) -> Answer:
    """Get Objects (section 5.3): a page of the collection, oldest added first."""
    found = _readable(caller, key)
    object_filter = ObjectFilter.from_query(query)
    limit = page_limit(query)
    page = select(_index(store, cache, caller, found), object_filter, limit=limit, after=query.get("next"))
    return Answer(_envelope(page, [item.stix() for item in page.items]), _date_headers(page))


def get_object(
    store: GraphStore, cache: IndexCache, *, caller: Caller, key: str, object_id: str, query: Mapping[str, str]
) -> Answer:
    """Get an Object (section 5.5): its versions that pass the filter; 404 when it is not in the collection."""
    found = _readable(caller, key)
    _refuse_match_id(query)
    object_filter = ObjectFilter.from_query({**query, "match[id]": object_id})
    page = select(_index(store, cache, caller, found), object_filter, limit=page_limit(query), after=query.get("next"))
    if not page.items and "next" not in query:
        raise NotFound(f"no object {object_id!r} in collection {found.name.value!r}")
    return Answer(_envelope(page, [item.stix() for item in page.items]), _date_headers(page))


def object_versions(
    store: GraphStore, cache: IndexCache, *, caller: Caller, key: str, object_id: str, query: Mapping[str, str]
) -> Answer:
    """Get Object Versions (section 5.8): this server keeps the current version of each object only."""
    found = _readable(caller, key)
    _refuse_match_id(query)
    object_filter = ObjectFilter.from_query({**query, "match[id]": object_id, "match[version]": "all"})
    page = select(_index(store, cache, caller, found), object_filter, limit=page_limit(query), after=query.get("next"))
    if not page.items and "next" not in query:
        raise NotFound(f"no object {object_id!r} in collection {found.name.value!r}")
    return Answer(_envelope(page, [item.version for item in page.items], "versions"), _date_headers(page))


def get_manifest(store: GraphStore, cache: IndexCache, *, caller: Caller, key: str, query: Mapping[str, str]) -> Answer:
    """Get Object Manifests (section 5.6): id, date added, version and media type of each object of a page."""
    found = _readable(caller, key)
    object_filter = ObjectFilter.from_query(query)
    page = select(_index(store, cache, caller, found), object_filter, limit=page_limit(query), after=query.get("next"))
    manifest = [
        {
            "id": item.id,
            "date_added": stix_time(item.date_added),
            "version": item.version,
            "media_type": STIX_MEDIA_TYPE,
        }
        for item in page.items
    ]
    return Answer(_envelope(page, manifest), _date_headers(page))


def _refuse_match_id(query: Mapping[str, str]) -> None:
    if "match[id]" in query:
        raise TaxiiError(400, "match[id] is not a filter of this endpoint: the object's id is in the path")


def add_objects(
    store: GraphStore, statuses: StatusBook, *, caller: Caller, key: str, envelope: TaxiiEnvelopeIn, max_items: int
) -> dict[str, Any]:
    """Add Objects (section 5.4): the envelope's objects become the caller's claims, as POST /v1/stix makes them."""
    found = find_collection(key)
    if not can_write(caller, found):
        raise PermissionDenied(f"role {caller.role.value!r} may not write to collection {found.name.value!r}")
    requested = datetime.now(UTC)
    bundle = {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": envelope.objects}
    result = import_stix_bundle(
        store,
        caller=caller,
        bundle=bundle,
        default_tlp=DEFAULT_TLP,
        default_confidence=DEFAULT_CONFIDENCE,
        on_invalid="skip",
        max_items=max_items,
    )
    return statuses.record(organization=caller.organization, status=status_of(envelope.objects, result, requested))


def status_of(objects: list[dict[str, Any]], result: StixImportOut, requested: datetime) -> dict[str, Any]:
    """A complete status: objects refused or without a place in the model fail, with the reason; the rest succeed."""
    failed = {issue.index: issue.reason for issue in [*result.invalid, *result.unmapped]}
    successes, failures = [], []
    for index, obj in enumerate(objects):
        detail: dict[str, Any] = {"id": str(obj.get("id", f"objects[{index}]"))}
        version = obj.get("modified") or obj.get("created")
        if isinstance(version, str):
            detail["version"] = version
        if index in failed:
            failures.append({**detail, "message": failed[index]})
        else:
            successes.append(detail)
    status: dict[str, Any] = {
        "status": "complete",
        "request_timestamp": stix_time(requested),
        "total_count": len(objects),
        "success_count": len(successes),
        "failure_count": len(failures),
        "pending_count": 0,
    }
    if successes:
        status["successes"] = successes
    if failures:
        status["failures"] = failures
    return status


def get_status(statuses: StatusBook, *, caller: Caller, status_id: str) -> dict[str, Any]:
    return statuses.find(status_id, organization=caller.organization)
