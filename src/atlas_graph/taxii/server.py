"""What each TAXII 2.1 endpoint answers: discovery, the API root, collections, objects, manifest and statuses.

Reads come from the caller's index of a collection (`taxii.index`), so they hold exactly what the STIX export
would give the caller; writes go through the STIX import (`stix.importer`) as the caller's own claims, with the
same defaults as POST /v1/stix. Routes in `api/routes/taxii.py` only pass the request through.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from atlas_graph.errors import NotFound, PermissionDenied
from atlas_graph.models.assertions import DEFAULT_CONFIDENCE, DEFAULT_TLP
from atlas_graph.models.stix import StixImportOut
from atlas_graph.models.taxii import TaxiiEnvelopeIn
from atlas_graph.services.caller import Caller
from atlas_graph.stix.importer import import_stix_objects
from atlas_graph.store.graph import GraphStore
from atlas_graph.taxii.collections import (
    API_ROOT,
    COLLECTIONS,
    can_read,
    can_write,
    collection_resource,
    find_collection,
)
from atlas_graph.taxii.errors import TaxiiError
from atlas_graph.taxii.index import IndexCache, stix_time
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


@dataclass(frozen=True)
class CollectionRead:
    """One read of a collection: the caller, the collection's id or alias, and the query parameters as sent."""

    store: GraphStore
    cache: IndexCache
    caller: Caller
    key: str
    query: Mapping[str, str]


def _page(read: CollectionRead, *, object_id: str | None = None, all_versions: bool = False) -> Page:
    """The page of the caller's index of the collection that the query (and the object's id, if one) selects.

    With an object id: `match[id]` is refused (the id is in the path), and no version on a first page is 404.
    """
    found = find_collection(read.key)
    if not can_read(read.caller):
        raise PermissionDenied(f"role {read.caller.role.value!r} may not read collection {found.name.value!r}")
    query = dict(read.query)
    if object_id is not None:
        if "match[id]" in query:
            raise TaxiiError(400, "match[id] is not a filter of this endpoint: the object's id is in the path")
        query["match[id]"] = object_id
    if all_versions:
        query["match[version]"] = "all"
    object_filter = ObjectFilter.from_query(query)
    limit = page_limit(query)
    index = read.cache.index(read.store, organization=read.caller.organization, collection=found.name)
    page = select(index, object_filter, limit=limit, after=query.get("next"))
    if object_id is not None and not page.items and "next" not in query:
        raise NotFound(f"no object {object_id!r} in collection {found.name.value!r}")
    return page


def _answer(page: Page, listed: list[Any], name: str = "objects") -> Answer:
    """The envelope of a page (`more`, `next`, what it lists under `name`) and its date-added headers."""
    body: dict[str, Any] = {"more": page.more}
    if page.next is not None:
        body["next"] = page.next
    if listed:
        body[name] = listed
    if not page.items:
        return Answer(body, {})
    return Answer(
        body, {"X-TAXII-Date-Added-First": str(page.first_added), "X-TAXII-Date-Added-Last": str(page.last_added)}
    )


def get_objects(read: CollectionRead) -> Answer:
    """Get Objects (section 5.3): a page of the collection, oldest added first."""
    page = _page(read)
    return _answer(page, [item.stix() for item in page.items])


def get_object(read: CollectionRead, *, object_id: str) -> Answer:
    """Get an Object (section 5.5): its versions that pass the filter; 404 when it is not in the collection."""
    page = _page(read, object_id=object_id)
    return _answer(page, [item.stix() for item in page.items])


def object_versions(read: CollectionRead, *, object_id: str) -> Answer:
    """Get Object Versions (section 5.8): this server keeps the current version of each object only."""
    page = _page(read, object_id=object_id, all_versions=True)
    return _answer(page, [item.version for item in page.items], "versions")


def get_manifest(read: CollectionRead) -> Answer:
    """Get Object Manifests (section 5.6): id, date added, version and media type of each object of a page."""
    page = _page(read)
    manifest = [
        {
            "id": item.id,
            "date_added": stix_time(item.date_added),
            "version": item.version,
            "media_type": STIX_MEDIA_TYPE,
        }
        for item in page.items
    ]
    return _answer(page, manifest)


def add_objects(
    store: GraphStore, statuses: StatusBook, *, caller: Caller, key: str, envelope: TaxiiEnvelopeIn, max_items: int
) -> dict[str, Any]:
    """Add Objects (section 5.4): the envelope's objects become the caller's claims, as POST /v1/stix makes them."""
    found = find_collection(key)
    if not can_write(caller, found):
        raise PermissionDenied(f"role {caller.role.value!r} may not write to collection {found.name.value!r}")
    requested = datetime.now(UTC)
    result = import_stix_objects(
        store,
        caller=caller,
        objects=envelope.objects,
        default_tlp=DEFAULT_TLP,
        default_confidence=DEFAULT_CONFIDENCE,
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
