"""The relationship vocabulary's kind pairs, as the ingestion issue defines them."""

from __future__ import annotations

from atlas_graph.models.vocabulary import ALLOWED_KIND_PAIRS, CATEGORIES, EntityKind, RelationshipType

A, S, F, INFRA, V = (
    EntityKind.ACTOR,
    EntityKind.SERVICE_PROVIDER,
    EntityKind.FINANCIER,
    EntityKind.INFRASTRUCTURE,
    EntityKind.VICTIM,
)


def test_every_type_has_pairs_and_every_kind_has_categories() -> None:
    assert set(ALLOWED_KIND_PAIRS) == set(RelationshipType)
    assert set(CATEGORIES) == set(EntityKind)


def test_examples_from_the_issue() -> None:
    assert (A, S) in ALLOWED_KIND_PAIRS[RelationshipType.USES]
    assert (V, S) not in ALLOWED_KIND_PAIRS[RelationshipType.USES]
    assert (S, A) in ALLOWED_KIND_PAIRS[RelationshipType.SUPPLIES]
    assert (A, S) not in ALLOWED_KIND_PAIRS[RelationshipType.SUPPLIES]
    assert ALLOWED_KIND_PAIRS[RelationshipType.AFFILIATED_WITH] == {(A, A)}
    assert (F, A) in ALLOWED_KIND_PAIRS[RelationshipType.LAUNDERS_FOR]
    assert (A, F) not in ALLOWED_KIND_PAIRS[RelationshipType.LAUNDERS_FOR]
    assert len(ALLOWED_KIND_PAIRS[RelationshipType.PAYS]) == 25
    assert ALLOWED_KIND_PAIRS[RelationshipType.TARGETS] == {(A, V), (S, V)}
    assert (INFRA, V) not in ALLOWED_KIND_PAIRS[RelationshipType.TARGETS]
