"""The two collections of the one API root: `atlas` (everything the caller may see) and `own` (its own claims)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from atlas_graph.errors import NotFound
from atlas_graph.models.vocabulary import Permission
from atlas_graph.services.caller import Caller
from atlas_graph.taxii.media import STIX_MEDIA_TYPE

API_ROOT = "api"
"""The API root's path segment: /taxii2/api/."""


class CollectionName(StrEnum):
    ATLAS = "atlas"
    OWN = "own"


@dataclass(frozen=True)
class CollectionInfo:
    name: CollectionName
    id: str
    title: str
    description: str
    writable_by: Permission | None


def _collection_id(name: CollectionName) -> str:
    # A fixed UUID per collection, the same on every installation, so that a client's configuration carries over.
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://atlas-graph/taxii2/{name.value}"))


COLLECTIONS: tuple[CollectionInfo, ...] = (
    CollectionInfo(
        name=CollectionName.ATLAS,
        id=_collection_id(CollectionName.ATLAS),
        title="atlas-graph: everything you may see",
        description="Every entity and relationship claim your organization may see under the sharing rule, as the "
        "STIX export writes them. Objects posted here become your organization's claims (POST /v1/stix).",
        writable_by=Permission.WRITE,
    ),
    CollectionInfo(
        name=CollectionName.OWN,
        id=_collection_id(CollectionName.OWN),
        title="atlas-graph: your organization's own claims",
        description="Only the claims your organization made.",
        writable_by=None,
    ),
)


def find_collection(key: str) -> CollectionInfo:
    """A collection by its id or its alias; 404 for any other."""
    for collection in COLLECTIONS:
        if key in {collection.id, collection.name.value}:
            return collection
    raise NotFound(f"no collection {key!r} in this API root")


def can_read(caller: Caller) -> bool:
    return caller.can(Permission.READ)


def can_write(caller: Caller, collection: CollectionInfo) -> bool:
    return collection.writable_by is not None and caller.can(collection.writable_by)


def collection_resource(caller: Caller, collection: CollectionInfo) -> dict[str, Any]:
    """The collection resource (section 5.2.1), with what this caller's role may do there."""
    return {
        "id": collection.id,
        "title": collection.title,
        "description": collection.description,
        "alias": collection.name.value,
        "can_read": can_read(caller),
        "can_write": can_write(caller, collection),
        "media_types": [STIX_MEDIA_TYPE],
    }
