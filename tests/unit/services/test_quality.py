"""The quality report's pure parts: victims named alike, and the verdicts on layers."""

from __future__ import annotations

from atlas_graph.models.vocabulary import EntityKind
from atlas_graph.services.quality import quality_verdicts, victims_named_alike
from atlas_graph.store.quality import KindCounts, VictimNaming
from atlas_graph.store.records import EntityNaming


def victim(victim_id: str, *names: str) -> VictimNaming:
    claims: list[EntityNaming] = [{"name": name, "tlp": "GREEN"} for name in names]
    return VictimNaming(id=victim_id, claims=claims)


def test_victims_group_by_their_shown_name_folded() -> None:
    groups = victims_named_alike(
        [
            victim("victim--1", "Government"),
            victim("victim--2", "GOVERNMENT "),
            victim("victim--3", "govern-ment"),
            victim("victim--4", "Government of Ruritania"),  # a prefix is not alike
            victim("victim--5", "Bank", "Bank"),
            victim("victim--6", "bank"),
            victim("victim--7", "Clinic"),
        ]
    )
    assert [(group.name, group.victim_ids) for group in groups] == [
        ("Government", ["victim--1", "victim--2", "victim--3"]),
        ("Bank", ["victim--5", "victim--6"]),
    ]


def test_a_victim_is_grouped_by_the_name_most_claims_give() -> None:
    # Two claims call victim--8 "Hospital", one "Government": it is shown, and grouped, as "Hospital".
    groups = victims_named_alike(
        [victim("victim--8", "Government", "Hospital", "Hospital"), victim("victim--9", "Government")]
    )
    assert groups == []


def counts(**entities: tuple[int, int]) -> list[KindCounts]:
    return [KindCounts(kind=kind, entities=n, merged=0, isolated=isolated) for kind, (n, isolated) in entities.items()]


def test_actors_tied_to_a_dependency_are_fit_to_rank() -> None:
    layers, fit, verdict = quality_verdicts(
        counts(actor=(3, 0), service_provider=(2, 1), victim=(4, 4)), open_candidates=0, ambiguous=0
    )
    assert fit is True
    assert verdict == "fit to rank, without financiers, infrastructure, victims"
    assert [layer.verdict for layer in layers] == [
        "actors: 3 entities, 3 connected",
        "suppliers: 2 entities, 1 connected, 1 isolated",
        "financiers: no financier: money flows (laundering, cash-out) are not in the ranking",
        "infrastructure: no infrastructure: servers, domains and hosting are not in the ranking",
        "victims: 4 entities, none connected: they cannot change a ranking",
    ]
    assert [layer.kind for layer in layers] == [
        EntityKind.ACTOR,
        EntityKind.SERVICE_PROVIDER,
        EntityKind.FINANCIER,
        EntityKind.INFRASTRUCTURE,
        EntityKind.VICTIM,
    ]


def test_actors_alone_are_not_fit_to_rank() -> None:
    _, fit, verdict = quality_verdicts(counts(actor=(2, 0), victim=(1, 0)), open_candidates=3, ambiguous=2)
    assert fit is False
    assert verdict == (
        "not fit to rank: no supplier, financier or infrastructure is connected (3 open candidates to review; "
        "2 ambiguous names)"
    )
    _, fit, verdict = quality_verdicts(counts(actor=(2, 2), service_provider=(1, 0)), open_candidates=0, ambiguous=0)
    assert (fit, verdict) == (False, "not fit to rank: no connected actor")
