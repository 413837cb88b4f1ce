"""The graph scope that read and analysis routes take from the query string, built once by a dependency."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, TypeVar

from fastapi import Depends, Query

from atlas_graph.errors import InvalidInput, Problem
from atlas_graph.models.analysis import SCOPE_CATEGORIES
from atlas_graph.models.vocabulary import EntityKind, RelationshipType
from atlas_graph.store.scope import GraphScope

E = TypeVar("E", bound=StrEnum)

TypesQuery = Annotated[
    list[str] | None,
    Query(description="Relationship types a path may use: repeat the parameter or separate with commas."),
]
MinConfidence = Annotated[int, Query(ge=0, le=100, description="Ignore assertions below this confidence.")]
AsOf = Annotated[date | None, Query(description="Only relationships true on this date (first_seen..last_seen).")]
CategoriesQuery = Annotated[
    list[str] | None,
    Query(
        description="Keep only entities of these categories (repeat it or use commas); `uncategorized` keeps the "
        "entities no claim you may see gives a category, which are left out otherwise."
    ),
]
OnlyMine = Annotated[
    bool,
    Query(
        description="Keep only the entities and relationships your organization itself asserted (the evidence shown "
        "on them still includes what other organizations shared with you)."
    ),
]


def parse_enum_list(values: list[str] | None, enum: type[E], name: str) -> list[E] | None:
    """`?types=USES,TARGETS` or `?types=USES&types=TARGETS`; unknown values are a 422 naming them."""
    if not values:
        return None
    items = [item.strip() for value in values for item in value.split(",") if item.strip()]
    allowed = {member.value: member for member in enum}
    unknown = [item for item in items if item not in allowed]
    if unknown:
        raise InvalidInput(
            [Problem(("query", name), f"unknown value(s) {', '.join(unknown)}; allowed: {', '.join(allowed)}")]
        )
    return [allowed[item] for item in dict.fromkeys(items)] or None


def parse_categories(values: list[str] | None) -> list[str] | None:
    """`?categories=tool,mixer` or repeated; unknown values are a 422 naming the field and them."""
    if not values:
        return None
    items = [item.strip() for value in values for item in value.split(",") if item.strip()]
    unknown = sorted(set(items) - SCOPE_CATEGORIES)
    if unknown:
        raise InvalidInput(
            [
                Problem(
                    ("query", "categories"),
                    f"unknown category(ies) {', '.join(unknown)}; allowed: {', '.join(sorted(SCOPE_CATEGORIES))}",
                )
            ]
        )
    return items or None


def graph_scope(
    types: TypesQuery = None,
    min_confidence: MinConfidence = 0,
    as_of: AsOf = None,
    categories: CategoriesQuery = None,
    only_mine: OnlyMine = False,
) -> GraphScope:
    """`?types=&min_confidence=&as_of=&categories=&only_mine=`: the scope of an analysis (whose `kinds` are the
    kinds it ranks, not a filter of the graph)."""
    return GraphScope.of(
        types=parse_enum_list(types, RelationshipType, "types"),
        min_confidence=min_confidence,
        as_of=as_of,
        categories=parse_categories(categories),
        only_mine=only_mine,
    )


def path_scope(
    types: TypesQuery = None,
    kinds: Annotated[
        list[str] | None, Query(description="Entity kinds a path may pass through, or a neighbour may be")
    ] = None,
    min_confidence: MinConfidence = 0,
    as_of: AsOf = None,
    categories: CategoriesQuery = None,
    only_mine: OnlyMine = False,
) -> GraphScope:
    """The scope of a path search or a neighborhood, which may also name the entity kinds it passes through (its
    ends, or the neighborhood's centre, are kept whatever their kind or category)."""
    return GraphScope.of(
        types=parse_enum_list(types, RelationshipType, "types"),
        kinds=parse_enum_list(kinds, EntityKind, "kinds"),
        min_confidence=min_confidence,
        as_of=as_of,
        categories=parse_categories(categories),
        only_mine=only_mine,
    )


ScopeDep = Annotated[GraphScope, Depends(graph_scope)]
PathScopeDep = Annotated[GraphScope, Depends(path_scope)]
