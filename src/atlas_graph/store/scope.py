"""Which part of the graph a read covers: relationship types, entity kinds, least confidence, and a date."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from atlas_graph.models.vocabulary import EntityKind, RelationshipType
from atlas_graph.store.claims import COMMUNITY_TLP_VALUES


@dataclass(frozen=True)
class GraphScope:
    """The filters a path search, neighborhood or projection applies; None means no limit (hashable: a cache key).

    A relationship counts through the claims that pass: claims the caller may see, of at least `min_confidence`,
    that held on `as_of` when it is given (cypher/fragments/visible_claim.cypher).
    """

    types: tuple[RelationshipType, ...] | None = None
    kinds: tuple[EntityKind, ...] | None = None
    min_confidence: int = 0
    as_of: date | None = None

    @classmethod
    def of(
        cls,
        *,
        types: Sequence[RelationshipType] | None = None,
        kinds: Sequence[EntityKind] | None = None,
        min_confidence: int = 0,
        as_of: date | None = None,
    ) -> GraphScope:
        """The scope of these filters, an empty list of types or kinds meaning no limit, as in the API."""
        return cls(
            types=tuple(types) if types else None,
            kinds=tuple(kinds) if kinds else None,
            min_confidence=min_confidence,
            as_of=as_of,
        )

    def parameters(self, organization: str) -> dict[str, Any]:
        """The Cypher parameters of this scope as `organization` sees it."""
        return {
            "types": [t.value for t in self.types] if self.types is not None else None,
            "kinds": [k.value for k in self.kinds] if self.kinds is not None else None,
            "min_confidence": self.min_confidence,
            "as_of": self.as_of,
            "organization": organization,
            "organization_token": f"|{organization}|",
            "community_tlps": COMMUNITY_TLP_VALUES,
        }
