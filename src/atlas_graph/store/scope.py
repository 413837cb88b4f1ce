"""Which part of the graph a read covers: relationship types, entity kinds and categories, least confidence, a date,
and whether only the caller's own organization's assertions count."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from neo4j import ManagedTransaction

from atlas_graph.models.vocabulary import UNCATEGORIZED, EntityKind, RelationshipType
from atlas_graph.store.claims import COMMUNITY_TLP_VALUES
from atlas_graph.store.graph import GraphStore

SCOPE_ENTITIES = "read/scope_entities"
QUERIES = (SCOPE_ENTITIES,)


@dataclass(frozen=True)
class GraphScope:
    """The filters a path search, neighborhood or projection applies; None means no limit (hashable: a cache key).

    A relationship counts through the claims that pass: claims the caller may see, of at least `min_confidence`,
    that held on `as_of` when it is given, and made by the caller's organization with `only_mine`
    (cypher/fragments/visible_claim.cypher). An entity counts when it is of one of `kinds` and of one of
    `categories` as the caller sees it (UNCATEGORIZED for none), and, with `only_mine`, when the caller's
    organization asserted it (a claim about it, or on one of its relationships). Filters only narrow: nothing the
    caller may not see comes in through them.
    """

    types: tuple[RelationshipType, ...] | None = None
    kinds: tuple[EntityKind, ...] | None = None
    min_confidence: int = 0
    as_of: date | None = None
    categories: tuple[str, ...] | None = None
    only_mine: bool = False

    @classmethod
    def of(
        cls,
        *,
        types: Sequence[RelationshipType] | None = None,
        kinds: Sequence[EntityKind] | None = None,
        min_confidence: int = 0,
        as_of: date | None = None,
        categories: Sequence[str] | None = None,
        only_mine: bool = False,
    ) -> GraphScope:
        """The scope of these filters, an empty list of types, kinds or categories meaning no limit, as in the API."""
        return cls(
            types=tuple(types) if types else None,
            kinds=tuple(kinds) if kinds else None,
            min_confidence=min_confidence,
            as_of=as_of,
            # Sorted: the same categories in another order are the same scope, and the same projection cache key.
            categories=tuple(sorted(set(categories))) if categories else None,
            only_mine=only_mine,
        )

    @property
    def narrows_entities(self) -> bool:
        """Whether the reads need the list of the entities `categories` keeps (`read_parameters` finds it).

        `only_mine` needs none: a hop passes only through the caller's own claims, so every entity a path or a
        neighborhood reaches is tied by one of them; the projection's entity query tests the rest itself.
        """
        return self.categories is not None

    def parameters(self, organization: str, *, kept_entities: Sequence[str] | None = None) -> dict[str, Any]:
        """The Cypher parameters of this scope as `organization` sees it.

        `kept_entities` are the entities a scope that narrows entities keeps (`read_parameters` finds them); such a
        scope without them is a programming error, not "no limit".
        """
        if self.narrows_entities and kept_entities is None:
            raise ValueError("a scope with categories needs its kept entities: use read_parameters")
        return {
            "types": [t.value for t in self.types] if self.types is not None else None,
            "kinds": [k.value for k in self.kinds] if self.kinds is not None else None,
            "min_confidence": self.min_confidence,
            "as_of": self.as_of,
            "only_mine": self.only_mine,
            "kept_entities": list(kept_entities) if kept_entities is not None else None,
            "organization": organization,
            "organization_token": f"|{organization}|",
            "community_tlps": COMMUNITY_TLP_VALUES,
        }


def read_parameters(tx: ManagedTransaction, store: GraphStore, scope: GraphScope, organization: str) -> dict[str, Any]:
    """The scope's Cypher parameters, with the entities its categories keep read in `tx`."""
    if scope.categories is None:
        return scope.parameters(organization)
    records = tx.run(
        store.queries[SCOPE_ENTITIES],
        {
            "categories": [c for c in scope.categories if c != UNCATEGORIZED],
            "uncategorized": UNCATEGORIZED in scope.categories,
            "organization": organization,
            "community_tlps": COMMUNITY_TLP_VALUES,
        },
    )
    return scope.parameters(organization, kept_entities=sorted(record["id"] for record in records))
