"""Reading a collection page by page: `added_after`, the `match[...]` filters, `limit`, and the `next` cursor.

The cursor is the (date added, id) of the last object of a page, so the next page starts right after it whatever
was written meanwhile: nothing is skipped or repeated, and nothing about other pages (let alone about objects the
caller may not see) is in it. It is opaque to clients (base64url of JSON) and checked when read back.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from atlas_graph.taxii.errors import TaxiiError
from atlas_graph.taxii.index import CollectionIndex, IndexedObject, stix_time

DEFAULT_PAGE_SIZE = 1000
MAX_PAGE_SIZE = 1000
SPEC_VERSIONS = ("2.1",)

_MATCHES = ("match[id]", "match[type]", "match[version]", "match[spec_version]")
_TIMESTAMP = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?Z$")


def parse_timestamp(text: str, *, parameter: str) -> datetime:
    """A STIX/TAXII timestamp (`YYYY-MM-DDTHH:MM:SS[.s+]Z`), kept to the microsecond."""
    found = _TIMESTAMP.match(text.strip())
    if found is None:
        raise TaxiiError(400, f"{parameter}: {text!r} is not a timestamp like 2026-01-31T12:00:00.000Z")
    fraction = (found.group(2) or ".0")[1:7].ljust(6, "0")
    try:
        moment = datetime.strptime(found.group(1), "%Y-%m-%dT%H:%M:%S")
    except ValueError as error:
        raise TaxiiError(400, f"{parameter}: {text!r} is not a valid date and time") from error
    return moment.replace(microsecond=int(fraction), tzinfo=UTC)


@dataclass(frozen=True)
class ObjectFilter:
    """`added_after` and `match[id|type|version|spec_version]` (sections 3.4 and 3.5)."""

    added_after: datetime | None = None
    ids: frozenset[str] | None = None
    types: frozenset[str] | None = None
    versions: frozenset[str] = frozenset({"last"})
    spec_versions: frozenset[str] | None = None

    def admits(self, item: IndexedObject) -> bool:
        if self.added_after is not None and item.date_added <= self.added_after:
            return False
        if self.ids is not None and item.id not in self.ids:
            return False
        if self.types is not None and item.type not in self.types:
            return False
        if self.spec_versions is not None and not self.spec_versions.intersection(SPEC_VERSIONS):
            return False
        # A collection keeps one version of each object, its current one: it is the first, the last and all.
        return bool(self.versions & {"last", "first", "all", item.version})

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> ObjectFilter:
        # Other match fields are optional in the spec; one this server cannot apply is refused rather than ignored,
        # so that a client never mistakes an unfiltered page for a filtered one.
        unknown = sorted(name for name in query if name.startswith("match[") and name not in _MATCHES)
        if unknown:
            raise TaxiiError(400, f"unsupported filter(s): {', '.join(unknown)}; this server takes {list(_MATCHES)}")
        versions = _values(query, "match[version]")
        for version in versions or ():
            if version not in {"last", "first", "all"}:
                parse_timestamp(version, parameter="match[version]")
        return cls(
            added_after=(
                parse_timestamp(query["added_after"], parameter="added_after") if "added_after" in query else None
            ),
            ids=_values(query, "match[id]"),
            types=_values(query, "match[type]"),
            versions=frozenset(_canonical_version(v) for v in versions) if versions else frozenset({"last"}),
            spec_versions=_values(query, "match[spec_version]"),
        )


def _canonical_version(text: str) -> str:
    # Versions are compared as the objects write them (milliseconds); a client may send any precision.
    if text in {"last", "first", "all"}:
        return text
    moment = parse_timestamp(text, parameter="match[version]")
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _values(query: Mapping[str, str], name: str) -> frozenset[str] | None:
    if name not in query:
        return None
    values = frozenset(value.strip() for value in query[name].split(",") if value.strip())
    if not values:
        raise TaxiiError(400, f"{name} is empty")
    return values


def page_limit(query: Mapping[str, str]) -> int:
    text = query.get("limit")
    if text is None:
        return DEFAULT_PAGE_SIZE
    if not text.isdigit() or int(text) < 1:
        raise TaxiiError(400, f"limit must be a positive integer, not {text!r}")
    return min(int(text), MAX_PAGE_SIZE)


def encode_cursor(item: IndexedObject) -> str:
    raw = json.dumps([stix_time(item.date_added), item.id], separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(token: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        moment, object_id = json.loads(raw)
        if not isinstance(object_id, str) or not isinstance(moment, str):
            raise ValueError("not a cursor")
    except (binascii.Error, ValueError, TypeError) as error:
        raise TaxiiError(400, "next: not a cursor this server gave") from error
    return parse_timestamp(moment, parameter="next"), object_id


@dataclass(frozen=True)
class Page:
    items: list[IndexedObject]
    more: bool
    next: str | None

    @property
    def first_added(self) -> str | None:
        return stix_time(self.items[0].date_added) if self.items else None

    @property
    def last_added(self) -> str | None:
        return stix_time(self.items[-1].date_added) if self.items else None


def select(index: CollectionIndex, object_filter: ObjectFilter, *, limit: int, after: str | None) -> Page:
    """Up to `limit` admitted objects after the cursor, oldest added first; `more` when another one follows."""
    cursor = decode_cursor(after) if after else None
    chosen: list[IndexedObject] = []
    for item in _admitted(index, object_filter, cursor):
        if len(chosen) == limit:
            return Page(items=chosen, more=True, next=encode_cursor(chosen[-1]))
        chosen.append(item)
    return Page(items=chosen, more=False, next=None)


def _admitted(
    index: CollectionIndex, object_filter: ObjectFilter, cursor: tuple[datetime, str] | None
) -> Iterator[IndexedObject]:
    if object_filter.ids is not None:
        # A look-up by id instead of a scan of the whole collection.
        found = sorted(
            (item for object_id in object_filter.ids if (item := index.by_id.get(object_id)) is not None),
            key=lambda item: item.sort_key,
        )
        yield from (item for item in found if (cursor is None or item.sort_key > cursor) and object_filter.admits(item))
        return
    for position in range(index.after(cursor), len(index.objects)):
        item = index.objects[position]
        if object_filter.admits(item):
            yield item
