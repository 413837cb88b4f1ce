"""Pages, filters and cursors of a TAXII collection, on a hand-made index: no database."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from atlas_graph.errors import NotFound
from atlas_graph.taxii.errors import TaxiiError
from atlas_graph.taxii.index import CollectionIndex, IndexedObject
from atlas_graph.taxii.media import require_taxii_accept, require_taxii_content_type
from atlas_graph.taxii.query import ObjectFilter, decode_cursor, encode_cursor, page_limit, parse_timestamp, select
from atlas_graph.taxii.statuses import StatusBook

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _item(second: int, object_id: str, object_type: str = "intrusion-set") -> IndexedObject:
    added = T0.replace(second=second)
    version = added.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    text = json.dumps({"id": object_id, "type": object_type, "modified": version})
    return IndexedObject(date_added=added, id=object_id, type=object_type, version=version, text=text)


# Two objects share second 2, so that a page boundary falls inside one instant.
INDEX = CollectionIndex(
    objects=sorted(
        [
            _item(1, "a--1"),
            _item(2, "b--2", "malware"),
            _item(2, "c--3"),
            _item(3, "d--4", "malware"),
            _item(4, "e--5"),
        ],
        key=lambda item: item.sort_key,
    )
)


def _all_pages(object_filter: ObjectFilter, limit: int) -> list[list[str]]:
    pages, after = [], None
    while True:
        page = select(INDEX, object_filter, limit=limit, after=after)
        pages.append([item.id for item in page.items])
        if not page.more:
            assert page.next is None
            return pages
        after = page.next


def test_pages_cover_the_collection_once_in_date_added_order() -> None:
    assert _all_pages(ObjectFilter(), 2) == [["a--1", "b--2"], ["c--3", "d--4"], ["e--5"]]
    assert _all_pages(ObjectFilter(), 5) == [["a--1", "b--2", "c--3", "d--4", "e--5"]]
    # A full last page says `more` only if another object follows.
    assert _all_pages(ObjectFilter(), 1)[-1] == ["e--5"] and len(_all_pages(ObjectFilter(), 1)) == 5


def test_the_first_and_last_dates_added_of_a_page() -> None:
    page = select(INDEX, ObjectFilter(), limit=2, after=None)
    assert (page.first_added, page.last_added) == ("2026-01-01T00:00:01.000000Z", "2026-01-01T00:00:02.000000Z")
    empty = select(INDEX, ObjectFilter(ids=frozenset({"nope--0"})), limit=2, after=None)
    assert (empty.items, empty.more, empty.first_added) == ([], False, None)


def test_filters() -> None:
    def ids(query: dict[str, str]) -> list[str]:
        return [item.id for item in select(INDEX, ObjectFilter.from_query(query), limit=10, after=None).items]

    assert ids({"added_after": "2026-01-01T00:00:02Z"}) == ["d--4", "e--5"]
    assert ids({"added_after": "2026-01-01T00:00:01.999999Z"}) == ["b--2", "c--3", "d--4", "e--5"]
    assert ids({"match[type]": "malware"}) == ["b--2", "d--4"]
    assert ids({"match[id]": "e--5,a--1"}) == ["a--1", "e--5"]
    assert ids({"match[version]": "2026-01-01T00:00:03.000Z", "match[type]": "malware"}) == ["d--4"]
    assert ids({"match[version]": "2026-01-01T00:00:03Z"}) == ["d--4"]  # any precision
    assert ids({"match[version]": "all"}) == ids({}) == ids({"match[version]": "first"})
    assert ids({"match[spec_version]": "2.0"}) == [] and len(ids({"match[spec_version]": "2.0,2.1"})) == 5


def test_a_cursor_survives_the_removal_of_its_object() -> None:
    after = encode_cursor(_item(2, "b--2", "malware"))
    smaller = CollectionIndex(objects=[item for item in INDEX.objects if item.id != "b--2"])
    assert [item.id for item in select(smaller, ObjectFilter(), limit=10, after=after).items] == [
        "c--3",
        "d--4",
        "e--5",
    ]
    assert decode_cursor(after) == (T0.replace(second=2), "b--2")


@pytest.mark.parametrize(
    "query",
    [
        {"added_after": "yesterday"},
        {"added_after": "2026-13-01T00:00:00Z"},
        {"match[version]": "latest"},
        {"match[type]": ""},
        {"match[created_by_ref]": "identity--1"},
    ],
)
def test_unreadable_filters_are_400(query: dict[str, str]) -> None:
    with pytest.raises(TaxiiError) as refused:
        ObjectFilter.from_query(query)
    assert refused.value.http_status == 400


@pytest.mark.parametrize("limit", ["0", "-1", "ten", "1.5"])
def test_limits(limit: str) -> None:
    with pytest.raises(TaxiiError):
        page_limit({"limit": limit})
    assert page_limit({}) == 1000 and page_limit({"limit": "5000"}) == 1000 and page_limit({"limit": "7"}) == 7


@pytest.mark.parametrize("token", ["!!", "bm90IGpzb24", "WzEsMl0", "WyJ4IiwieSJd"])
def test_foreign_cursors_are_400(token: str) -> None:
    with pytest.raises(TaxiiError):
        decode_cursor(token)


def test_timestamps_keep_microseconds() -> None:
    assert parse_timestamp("2026-01-01T00:00:00.1234567Z", parameter="x").microsecond == 123456
    assert parse_timestamp("2026-01-01T00:00:00Z", parameter="x") == T0


@pytest.mark.parametrize(
    "accept",
    [
        None,
        "",
        "*/*",
        "application/*",
        "application/taxii+json",
        "application/taxii+json;version=2.1",
        "text/html, application/taxii+json; version=2.1;q=0.9",
    ],
)
def test_accepted(accept: str | None) -> None:
    require_taxii_accept(accept)


@pytest.mark.parametrize(
    "accept",
    [
        "application/json",
        "application/taxii+json;version=2.0",
        "application/stix+json;version=2.1",
        "application/taxii+json;q=0",
    ],
)
def test_not_acceptable(accept: str) -> None:
    with pytest.raises(TaxiiError) as refused:
        require_taxii_accept(accept)
    assert refused.value.http_status == 406


def test_content_types() -> None:
    require_taxii_content_type("application/taxii+json;version=2.1")
    require_taxii_content_type("application/taxii+json")
    for wrong in (None, "application/json", "application/taxii+json;version=2.0", "application/stix+json;version=2.1"):
        with pytest.raises(TaxiiError) as refused:
            require_taxii_content_type(wrong)
        assert refused.value.http_status == 415


def test_a_status_is_its_organizations_only() -> None:
    book = StatusBook(capacity=2)
    first = book.record(organization="Org A", status={"status": "complete"})
    assert book.find(first["id"], organization="Org A")["status"] == "complete"
    with pytest.raises(NotFound):
        book.find(first["id"], organization="Org B")
    book.record(organization="Org A", status={})
    book.record(organization="Org A", status={})
    with pytest.raises(NotFound):  # the oldest is forgotten past the capacity
        book.find(first["id"], organization="Org A")
