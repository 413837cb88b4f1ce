"""The data quality report: is the graph, as the caller may see it, fit to rank?

Counts entities per kind, merges, isolated entities, open candidates, names that several entities carry, and
victims named alike (the same sector arriving as several victims), then gives each layer of the ecosystem a one-line
verdict. Everything is computed from the claims the caller may see, so no number reveals a hidden claim; the
operator at the command line (`atlas-graph quality`) counts every claim.
"""

from __future__ import annotations

from atlas_graph.models.quality import (
    AlikeVictimsOut,
    KindQualityOut,
    Layer,
    LayerVerdictOut,
    QualityReportOut,
    SharedNameOut,
)
from atlas_graph.models.vocabulary import EntityKind
from atlas_graph.services.caller import Caller
from atlas_graph.services.entities import describe
from atlas_graph.services.resolution import name_key, normalize_name
from atlas_graph.store import quality as quality_store
from atlas_graph.store.graph import GraphStore

EXAMPLES = 20
"""How many ambiguous names and groups of alike victims the report lists (the counts cover them all)."""

LAYERS: tuple[tuple[Layer, EntityKind, str], ...] = (
    (
        "actors",
        EntityKind.ACTOR,
        "no actor: a ranking measures what a takedown cuts actors off from, so there is nothing to rank",
    ),
    (
        "suppliers",
        EntityKind.SERVICE_PROVIDER,
        "no crime-as-a-service provider: the usual chokepoints (hosting, malware, access brokers) are missing",
    ),
    ("financiers", EntityKind.FINANCIER, "no financier: money flows (laundering, cash-out) are not in the ranking"),
    (
        "infrastructure",
        EntityKind.INFRASTRUCTURE,
        "no infrastructure: servers, domains and hosting are not in the ranking",
    ),
    ("victims", EntityKind.VICTIM, "no victim: the impact of a takedown on who is attacked cannot be measured"),
)
DEPENDENCIES: tuple[Layer, ...] = ("suppliers", "financiers", "infrastructure")
"""The layers actors depend on: a ranking needs actors tied to at least one of them."""


def report_for(store: GraphStore, *, caller: Caller) -> QualityReportOut:
    """The report over the claims the caller may see."""
    return quality_report(store, organization=caller.organization)


def quality_report(store: GraphStore, *, organization: str | None) -> QualityReportOut:
    """The report over the claims `organization` may see; every claim when None (the operator at the command line)."""
    facts = quality_store.read_quality_facts(store, organization=organization)
    kinds = _kind_counts(facts.kinds)
    layers, fit, verdict = quality_verdicts(
        facts.kinds, open_candidates=facts.open_candidates, ambiguous=len(facts.shared_names)
    )
    alike = victims_named_alike(facts.victims)
    return QualityReportOut(
        entities=sum(row.entities for row in kinds),
        kinds=kinds,
        merged_entities=sum(row.merged for row in kinds),
        isolated_entities=sum(row.isolated for row in kinds),
        open_candidates=facts.open_candidates,
        ambiguous_names=len(facts.shared_names),
        ambiguous_name_examples=[
            SharedNameOut(
                name=_spelling(shared),
                kind=EntityKind(shared.kind),
                entities=len(shared.entity_ids),
                entity_ids=sorted(shared.entity_ids)[:EXAMPLES],
            )
            for shared in facts.shared_names[:EXAMPLES]
        ],
        victims_named_alike=len(alike),
        alike_victim_groups=alike[:EXAMPLES],
        layers=layers,
        fit_to_rank=fit,
        verdict=verdict,
    )


def quality_verdicts(
    counts: list[quality_store.KindCounts], *, open_candidates: int, ambiguous: int
) -> tuple[list[LayerVerdictOut], bool, str]:
    """A verdict per layer, whether the graph is fit to rank, and the one-line verdict on the whole."""
    by_kind = {row.kind: row for row in _kind_counts(counts)}
    layers = [_layer_verdict(layer, by_kind[kind], missing) for layer, kind, missing in LAYERS]
    ready = {verdict.layer for verdict in layers if verdict.ready}
    fit = "actors" in ready and any(layer in ready for layer in DEPENDENCIES)
    return layers, fit, _verdict(fit, layers, open_candidates=open_candidates, ambiguous=ambiguous)


def _kind_counts(counts: list[quality_store.KindCounts]) -> list[KindQualityOut]:
    """Every kind, in the vocabulary's order, those with no entity included."""
    counted = {row.kind: row for row in counts}
    return [
        KindQualityOut(kind=kind, entities=row.entities, merged=row.merged, isolated=row.isolated)
        if (row := counted.get(kind.value)) is not None
        else KindQualityOut(kind=kind, entities=0, merged=0, isolated=0)
        for kind in EntityKind
    ]


def victims_named_alike(victims: list[quality_store.VictimNaming]) -> list[AlikeVictimsOut]:
    """Groups of two or more victims whose shown names fold to one name (case, width, spaces and punctuation), the
    largest first. A group is shown by the name of its smallest id, so the report does not change with the order the
    store returns victims in.

    Only equal folded names group: a prefix rule would put "Bank" with "Bank of America", which are not alike.
    """
    groups: dict[str, list[tuple[str, str]]] = {}
    for victim in victims:
        if not victim.claims:
            continue
        name = describe(victim.claims)[0]
        groups.setdefault(normalize_name(name, EntityKind.VICTIM) or name.casefold().strip(), []).append(
            (victim.id, name)
        )
    alike = [
        AlikeVictimsOut(name=min(members)[1], victim_ids=sorted(victim_id for victim_id, _ in members))
        for members in groups.values()
        if len(members) > 1
    ]
    return sorted(alike, key=lambda group: (-len(group.victim_ids), group.name))


def _spelling(shared: quality_store.SharedName) -> str:
    kind = EntityKind(shared.kind)
    spelled = next((name for name in shared.spellings if name_key(kind, name) == shared.key), None)
    return spelled if spelled is not None else shared.key.split(":", 2)[2]


def _layer_verdict(layer: Layer, counts: KindQualityOut, missing: str) -> LayerVerdictOut:
    connected = counts.entities - counts.isolated
    if counts.entities == 0:
        verdict = missing
    elif connected == 0:
        verdict = f"{counts.entities} entities, none connected: they cannot change a ranking"
    else:
        isolated = f", {counts.isolated} isolated" if counts.isolated else ""
        verdict = f"{counts.entities} entities, {connected} connected{isolated}"
    return LayerVerdictOut(
        layer=layer,
        kind=counts.kind,
        entities=counts.entities,
        connected=connected,
        ready=connected > 0,
        verdict=f"{layer}: {verdict}",
    )


def _verdict(fit: bool, layers: list[LayerVerdictOut], *, open_candidates: int, ambiguous: int) -> str:
    missing = [verdict.layer for verdict in layers if not verdict.ready]
    if fit:
        text = "fit to rank" + (f", without {', '.join(missing)}" if missing else "")
    elif "actors" in missing:
        text = "not fit to rank: no connected actor"
    else:
        text = "not fit to rank: no supplier, financier or infrastructure is connected"
    doubts = []
    if open_candidates:
        doubts.append(f"{open_candidates} open candidates to review")
    if ambiguous:
        doubts.append(f"{ambiguous} ambiguous names")
    return text + (f" ({'; '.join(doubts)})" if doubts else "")
