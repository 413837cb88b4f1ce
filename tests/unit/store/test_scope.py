"""GraphScope: one scope for one set of filters, and no scope of categories read without its kept entities."""

from __future__ import annotations

import pytest

from atlas_graph.models.vocabulary import EntityKind
from atlas_graph.store.scope import GraphScope


def test_the_same_categories_in_any_order_are_the_same_scope() -> None:
    # The projection cache keys on the scope: an order or a repeat must not make a second projection.
    assert GraphScope.of(categories=["tool", "mixer", "tool"]) == GraphScope.of(categories=["mixer", "tool"])
    assert GraphScope.of(categories=["mixer", "tool"]).categories == ("mixer", "tool")
    assert GraphScope.of(categories=[]) == GraphScope()


def test_only_the_entity_filters_narrow_entities() -> None:
    assert not GraphScope.of(kinds=[EntityKind.ACTOR], min_confidence=50).narrows_entities
    assert GraphScope.of(categories=["uncategorized"]).narrows_entities
    # only_mine is a condition on claims, which every read tests itself: no list of entities to read first.
    assert not GraphScope.of(only_mine=True).narrows_entities


def test_a_narrowing_scope_needs_its_kept_entities() -> None:
    with pytest.raises(ValueError, match="read_parameters"):
        GraphScope.of(categories=["tool"]).parameters("Org A")
    parameters = GraphScope.of(categories=["tool"], only_mine=True).parameters("Org A", kept_entities=["actor--1"])
    assert parameters["kept_entities"] == ["actor--1"] and parameters["only_mine"] is True
    plain = GraphScope().parameters("Org A")
    assert plain["kept_entities"] is None and plain["only_mine"] is False
    assert plain["organization_token"] == "|Org A|"
