"""Bulk query parameters: lists to the driver, a length in any log line."""

from __future__ import annotations

from atlas_graph.store.values import BulkParameter


def test_a_bulk_parameter_is_the_list_it_was_made_from() -> None:
    rows = BulkParameter({"key": f"k{i}"} for i in range(3))
    assert rows == [{"key": "k0"}, {"key": "k1"}, {"key": "k2"}]
    assert isinstance(rows, list)


def test_its_repr_gives_the_length_not_the_rows() -> None:
    parameters = {"rows": BulkParameter({"secret": "x" * 100} for _ in range(10_000)), "organization": "Org"}
    assert repr(parameters) == "{'rows': <10000 items>, 'organization': 'Org'}"
