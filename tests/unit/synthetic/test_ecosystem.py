"""Tests of the synthetic ecosystem generator: exact sizes, allowed edges, determinism, shape, batching."""

from __future__ import annotations

import hashlib
import json
import os
import statistics
import subprocess
import sys
from collections import Counter
from datetime import date
from ipaddress import IPv4Address, ip_address, ip_network
from typing import Any

import pytest

from atlas_graph.models.vocabulary import (
    ALLOWED_KIND_PAIRS,
    CATEGORIES,
    EntityKind,
    RelationshipType,
    ServiceKind,
    Tlp,
)
from atlas_graph.synthetic import Activity, Ecosystem, generate_ecosystem

HUB_KINDS = {EntityKind.SERVICE_PROVIDER.value, EntityKind.FINANCIER.value}


@pytest.fixture(scope="module")
def ecosystem() -> Ecosystem:
    """Big enough for degree statistics, small enough to build in a fraction of a second."""
    return generate_ecosystem(entities=5000, relationships=25000, seed=2024)


def kinds_by_id(ecosystem: Ecosystem) -> dict[str, str]:
    return {entity["id"]: entity["kind"] for entity in ecosystem.entities}


def degrees(ecosystem: Ecosystem) -> Counter[str]:
    degree: Counter[str] = Counter()
    for relationship in ecosystem.relationships:
        degree[relationship["source"]["id"]] += 1
        degree[relationship["target"]["id"]] += 1
    return degree


def top_percent_share(ecosystem: Ecosystem, kinds: set[str]) -> float:
    """Share of the relationship ends of `kinds` held by the top 1% of those entities by degree."""
    degree = degrees(ecosystem)
    ranked = sorted((degree[i] for i, kind in kinds_by_id(ecosystem).items() if kind in kinds), reverse=True)
    return sum(ranked[: max(1, len(ranked) // 100)]) / sum(ranked)


def as_json(ecosystem: Ecosystem) -> str:
    return json.dumps(ecosystem.as_bundle(), sort_keys=False, separators=(",", ":"))


# ------------------------------------------------------------------------------------------- determinism


def test_the_same_seed_gives_the_same_ecosystem_byte_for_byte() -> None:
    first = generate_ecosystem(entities=300, relationships=1500, seed=7)
    second = generate_ecosystem(entities=300, relationships=1500, seed=7)
    assert as_json(first) == as_json(second)
    assert first.seed == second.seed == 7


def test_different_seeds_give_different_ecosystems() -> None:
    first = generate_ecosystem(entities=300, relationships=1500, seed=7)
    second = generate_ecosystem(entities=300, relationships=1500, seed=8)
    assert first.entities != second.entities
    assert first.relationships != second.relationships


def test_the_same_seed_gives_the_same_bytes_in_another_process_with_another_hash_seed() -> None:
    # String hashing is randomised per process: any iteration over a set of strings would show up here.
    program = (
        "import hashlib, json; from atlas_graph.synthetic import generate_ecosystem; "
        "bundle = generate_ecosystem(entities=300, relationships=1500, seed=7).as_bundle(); "
        "print(hashlib.sha256(json.dumps(bundle, separators=(',', ':')).encode()).hexdigest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", program],
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for hash_seed in ("1", "2")
    }
    here = hashlib.sha256(as_json(generate_ecosystem(entities=300, relationships=1500, seed=7)).encode()).hexdigest()
    assert digests == {here}


def test_no_seed_draws_one_that_reproduces_the_ecosystem() -> None:
    drawn = generate_ecosystem(entities=100, relationships=300)
    assert drawn.seed is not None
    assert generate_ecosystem(entities=100, relationships=300, seed=drawn.seed) == drawn


def test_entities_do_not_depend_on_the_number_of_relationships() -> None:
    fewer = generate_ecosystem(entities=300, relationships=600, seed=5)
    more = generate_ecosystem(entities=300, relationships=3000, seed=5)
    assert fewer.entities == more.entities


# ------------------------------------------------------------------------------------------------- sizes


@pytest.mark.parametrize(
    ("entities", "relationships"),
    [(1000, 5000), (5, 0), (12, 40), (50, 1000), (1000, 1000), (300, 9000), (2000, 500)],
)
def test_sizes_are_exactly_the_ones_asked_for(entities: int, relationships: int) -> None:
    generated = generate_ecosystem(entities=entities, relationships=relationships, seed=1)
    assert len(generated.entities) == entities
    assert len(generated.relationships) == relationships


def test_the_defaults_are_1000_entities_and_5000_relationships() -> None:
    generated = generate_ecosystem(seed=1)
    assert (len(generated.entities), len(generated.relationships)) == (1000, 5000)


def test_a_complete_graph_is_filled_exactly_and_one_more_relationship_is_refused() -> None:
    # With one entity per kind, every allowed (type, source kind, target kind) is one triple, except the
    # same-kind ones, which would be self-loops.
    same_kind = sum(1 for pairs in ALLOWED_KIND_PAIRS.values() for source, target in pairs if source == target)
    capacity = sum(len(pairs) for pairs in ALLOWED_KIND_PAIRS.values()) - same_kind
    complete = generate_ecosystem(entities=5, relationships=capacity, seed=3)
    assert len(complete.relationships) == capacity
    assert_every_relationship_is_allowed(complete)
    with pytest.raises(ValueError, match="at most"):
        generate_ecosystem(entities=5, relationships=capacity + 1, seed=3)


@pytest.mark.parametrize(
    "arguments",
    [
        {"entities": 4},
        {"relationships": -1},
        {"hub_attachment": 1.5},
        {"affiliate_share": -0.1},
        {"kind_shares": {EntityKind.ACTOR: 0.0}},
        {"relationship_mix": {Activity.PAYMENTS: -1.0}},
        {"observed_from": date(2024, 1, 1), "observed_until": date(2023, 1, 1)},
    ],
)
def test_impossible_arguments_are_refused(arguments: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        generate_ecosystem(seed=1, **arguments)


def test_kind_shares_and_the_relationship_mix_are_followed() -> None:
    generated = generate_ecosystem(
        entities=200,
        relationships=400,
        seed=1,
        kind_shares={EntityKind.ACTOR: 1, EntityKind.VICTIM: 1},
        relationship_mix={Activity.TARGETING: 1},
    )
    assert Counter(entity["kind"] for entity in generated.entities) == {"actor": 100, "victim": 100}
    assert {relationship["type"] for relationship in generated.relationships} == {"TARGETS"}


# ------------------------------------------------------------------------------------------- validity


def assert_every_relationship_is_allowed(generated: Ecosystem) -> None:
    kind_of = kinds_by_id(generated)
    for relationship in generated.relationships:
        pair = (EntityKind(kind_of[relationship["source"]["id"]]), EntityKind(kind_of[relationship["target"]["id"]]))
        assert pair in ALLOWED_KIND_PAIRS[RelationshipType(relationship["type"])], relationship


def test_every_relationship_respects_the_allowed_kind_pairs(ecosystem: Ecosystem) -> None:
    assert_every_relationship_is_allowed(ecosystem)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_relationship_is_allowed_in_small_crowded_graphs_too(seed: int) -> None:
    # Small graphs saturate the activities and reach the fallbacks, which must obey the vocabulary as well.
    assert_every_relationship_is_allowed(generate_ecosystem(entities=15, relationships=150, seed=seed))


def test_there_are_no_duplicate_triples_and_no_self_loops(ecosystem: Ecosystem) -> None:
    triples = [(r["type"], r["source"]["id"], r["target"]["id"]) for r in ecosystem.relationships]
    assert len(set(triples)) == len(triples)
    assert all(source != target for _, source, target in triples)


def test_every_relationship_type_occurs(ecosystem: Ecosystem) -> None:
    assert {relationship["type"] for relationship in ecosystem.relationships} == set(RelationshipType)


def test_entities_are_well_formed(ecosystem: Ecosystem) -> None:
    ids = [entity["id"] for entity in ecosystem.entities]
    assert len(set(ids)) == len(ids)
    for entity in ecosystem.entities:
        kind = EntityKind(entity["kind"])
        assert entity["id"].startswith(f"syn-{kind.value.replace('_', '-')}-")
        assert entity["category"] in {category.value for category in CATEGORIES[kind]}
        assert entity["name"] and isinstance(entity["aliases"], list)
        assert 40 <= entity["confidence"] <= 95
        assert all(isinstance(value, str | int | float | bool) for value in entity["attributes"].values())
        assert entity["references"] and all(url.startswith("https://example.invalid/") for url in entity["references"])
        first = date.fromisoformat(entity["first_seen"])
        assert date(2019, 1, 1) <= first <= date(2025, 12, 31)
        if "last_seen" in entity:
            assert first <= date.fromisoformat(entity["last_seen"]) <= date(2025, 12, 31)


def test_relationships_are_well_formed(ecosystem: Ecosystem) -> None:
    first_seen = {entity["id"]: entity["first_seen"] for entity in ecosystem.entities}
    for relationship in ecosystem.relationships:
        assert set(relationship["source"]) == set(relationship["target"]) == {"id"}
        assert 40 <= relationship["confidence"] <= 95
        later_endpoint = max(first_seen[relationship["source"]["id"]], first_seen[relationship["target"]["id"]])
        assert relationship["first_seen"] >= later_endpoint  # ISO dates compare as text
        assert relationship.get("last_seen", relationship["first_seen"]) >= relationship["first_seen"]
        if relationship["type"] == "PAYS":
            attributes = relationship["attributes"]
            assert set(attributes) == {"amount", "currency"}
            assert attributes["amount"] > 0 and isinstance(attributes["amount"], float)
        else:
            assert "attributes" not in relationship


def test_the_bundle_is_plain_json(ecosystem: Ecosystem) -> None:
    # Enum members are str subclasses that json.dumps would let through; the round trip insists on str.
    bundle = ecosystem.as_bundle()
    assert json.loads(json.dumps(bundle)) == bundle
    sample = ecosystem.entities[:50] + ecosystem.relationships[:50]
    assert all(type(item[key]) is str for item in sample for key in ("tlp",))
    assert all(type(entity["kind"]) is str and type(entity["category"]) is str for entity in ecosystem.entities)
    assert all(type(relationship["type"]) is str for relationship in ecosystem.relationships)


def test_tlp_and_confidence_vary_realistically(ecosystem: Ecosystem) -> None:
    items = ecosystem.entities + ecosystem.relationships
    tlps = Counter(item["tlp"] for item in items)
    assert set(tlps) <= {tlp.value for tlp in Tlp}
    assert (tlps["GREEN"] + tlps["AMBER"]) / len(items) > 0.7
    assert 0.05 < tlps["CLEAR"] / len(items) < 0.2
    assert 0 < tlps["RED"] / len(items) < 0.1
    confidences = [item["confidence"] for item in items]
    assert 65 < statistics.mean(confidences) < 85
    assert min(confidences) < 45 and max(confidences) > 90


def test_victims_have_an_iso_country_and_a_sector(ecosystem: Ecosystem) -> None:
    victims = [entity for entity in ecosystem.entities if entity["kind"] == "victim"]
    assert {victim["category"] for victim in victims} == {"organization", "individual", "sector"}
    for victim in victims:
        country = victim["attributes"]["country"]
        assert len(country) == 2 and country.isascii() and country.isupper()
        assert victim["attributes"]["sector"]
    sectors = Counter(victim["attributes"]["sector"] for victim in victims if victim["category"] == "organization")
    assert 10 <= len(sectors) <= 20
    sector_victims = [
        (v["attributes"]["sector"], v["attributes"]["country"]) for v in victims if v["category"] == "sector"
    ]
    assert len(set(sector_victims)) == len(sector_victims)


def test_names_are_synthetic(ecosystem: Ecosystem) -> None:
    documentation = [ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "240.0.0.0/4")]
    addresses = []
    for entity in ecosystem.entities:
        if entity["category"] == "domain":
            assert entity["name"].endswith(".invalid")
        if entity["category"] == "ip_address":
            address = ip_address(entity["name"])
            assert isinstance(address, IPv4Address) and any(address in network for network in documentation)
            addresses.append(address)
        if entity["kind"] in {"actor", "service_provider", "financier"}:
            assert any(character.isdigit() for character in entity["name"])  # numbered, never a real name
    assert len(set(addresses)) == len(addresses)


# ------------------------------------------------------------------------------------------------- shape


def test_a_few_providers_and_financiers_hold_a_large_share_of_their_relationships(ecosystem: Ecosystem) -> None:
    share = top_percent_share(ecosystem, HUB_KINDS)
    degree = degrees(ecosystem)
    hub_degrees = [degree[i] for i, kind in kinds_by_id(ecosystem).items() if kind in HUB_KINDS]
    assert share > 0.07  # seven times what an even spread would give them
    assert max(hub_degrees) > 10 * statistics.median(hub_degrees)


def test_hub_attachment_is_what_makes_the_tail_heavy() -> None:
    flat = generate_ecosystem(entities=2000, relationships=10000, seed=2024, hub_attachment=0.0)
    steep = generate_ecosystem(entities=2000, relationships=10000, seed=2024, hub_attachment=0.95)
    assert top_percent_share(steep, HUB_KINDS) > 2.5 * top_percent_share(flat, HUB_KINDS)


def test_affiliates_work_for_ransomware_programs_run_by_a_core(ecosystem: Ecosystem) -> None:
    by_id = {entity["id"]: entity for entity in ecosystem.entities}
    operators: dict[str, set[str]] = {}
    for relationship in ecosystem.relationships:
        target = by_id[relationship["target"]["id"]]
        if relationship["type"] == "OPERATES" and target["category"] == ServiceKind.RANSOMWARE_AS_A_SERVICE:
            operators.setdefault(target["id"], set()).add(relationship["source"]["id"])
    cores = set().union(*operators.values())
    assert all(by_id[core]["attributes"]["role"] == "ransomware_core" for core in cores)

    affiliates_of: Counter[str] = Counter()
    for relationship in ecosystem.relationships:
        if relationship["type"] == "AFFILIATED_WITH":
            assert relationship["target"]["id"] in cores
            assert by_id[relationship["source"]["id"]]["attributes"]["role"] == "ransomware_affiliate"
            affiliates_of[relationship["target"]["id"]] += 1
    sizes = sorted(affiliates_of.values(), reverse=True)
    assert sizes[0] > 5 * statistics.median(sizes)  # a few programs are far bigger than the rest


def test_money_follows_the_ecosystem(ecosystem: Ecosystem) -> None:
    kind_of = kinds_by_id(ecosystem)
    flows = Counter(
        (kind_of[r["source"]["id"]], kind_of[r["target"]["id"]]) for r in ecosystem.relationships if r["type"] == "PAYS"
    )
    for flow in [("victim", "actor"), ("actor", "service_provider"), ("actor", "financier"), ("financier", "actor")]:
        assert flows[flow] > 0, flow
    assert flows[("financier", "financier")] > 0  # layering


# ------------------------------------------------------------------------------------------------ batches


@pytest.mark.parametrize("size", [1, 7, 1000, 10**6])
def test_batches_post_every_item_once_and_never_before_its_endpoints(size: int) -> None:
    generated = generate_ecosystem(entities=200, relationships=800, seed=4)
    batches = list(generated.batches(size))
    known: set[str] = set()
    posted_relationships = []
    for number, batch in enumerate(batches):
        items = len(batch["entities"]) + len(batch["relationships"])
        assert items == size or (number == len(batches) - 1 and 0 < items <= size)
        known.update(entity["id"] for entity in batch["entities"])
        for relationship in batch["relationships"]:
            assert relationship["source"]["id"] in known and relationship["target"]["id"] in known
        posted_relationships.extend(batch["relationships"])
    assert [entity for batch in batches for entity in batch["entities"]] == generated.entities
    assert sorted(map(json.dumps, posted_relationships)) == sorted(map(json.dumps, generated.relationships))


def test_batches_of_a_hand_made_ecosystem_in_any_order_still_respect_endpoints() -> None:
    entities = [{"id": name, "kind": "actor", "name": name} for name in "abc"]
    relationships = [
        {"type": "AFFILIATED_WITH", "source": {"id": "c"}, "target": {"id": "a"}, "confidence": 50},
        {"type": "AFFILIATED_WITH", "source": {"id": "a"}, "target": {"id": "b"}, "confidence": 50},
    ]
    batches = list(Ecosystem(entities=entities, relationships=relationships).batches(2))
    # a->b goes out as soon as a and b are known, ahead of c; c->a has to wait for c.
    assert [[e["id"] for e in b["entities"]] for b in batches] == [["a", "b"], ["c"], []]
    assert [[r["source"]["id"] for r in b["relationships"]] for b in batches] == [[], ["a"], ["c"]]


def test_batches_refuse_a_size_below_one_and_unknown_endpoints() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        next(generate_ecosystem(entities=10, relationships=10, seed=1).batches(0))
    orphan = Ecosystem(
        entities=[{"id": "a", "kind": "actor", "name": "a"}],
        relationships=[{"type": "USES", "source": {"id": "a"}, "target": {"id": "nowhere"}, "confidence": 1}],
    )
    with pytest.raises(ValueError, match="nowhere"):
        next(orphan.batches(10))


def test_relationships_are_listed_in_postable_order(ecosystem: Ecosystem) -> None:
    position = {entity["id"]: index for index, entity in enumerate(ecosystem.entities)}
    ready = [max(position[r["source"]["id"]], position[r["target"]["id"]]) for r in ecosystem.relationships]
    assert ready == sorted(ready)


# ----------------------------------------------------------------------------------------------- networkx


def test_to_networkx_follows_the_analysis_contract() -> None:
    generated = generate_ecosystem(entities=300, relationships=1200, seed=9)
    graph = generated.to_networkx()
    assert graph.is_directed() and graph.is_multigraph()
    assert graph.number_of_nodes() == 300 and graph.number_of_edges() == 1200
    entity = generated.entities[0]
    assert graph.nodes[entity["id"]] == {"kind": entity["kind"], "name": entity["name"], "category": entity["category"]}
    for relationship in generated.relationships[:100]:
        source, target, key = relationship["source"]["id"], relationship["target"]["id"], relationship["type"]
        assert graph.edges[source, target, key] == {
            "type": key,
            "confidence": relationship["confidence"],
            "organizations": 1,
        }


# --------------------------------------------------------------------------------------------- planning


def test_planning_adds_countries_costs_and_a_coalition_and_changes_nothing_else() -> None:
    plain = generate_ecosystem(entities=600, relationships=3000, seed=7)
    planned = generate_ecosystem(entities=600, relationships=3000, seed=7, planning=True)
    assert as_json(planned) == as_json(generate_ecosystem(entities=600, relationships=3000, seed=7, planning=True))
    assert planned.relationships == plain.relationships
    assert plain.coalition == []
    assert [member["name"] for member in planned.coalition] == [
        "nl-police",
        "de-police",
        "us-doj",
        "uk-nca",
        "eu-fiu",
        "registrar-alliance",
    ]
    planned_kinds = {"actor", "service_provider", "financier", "infrastructure"}
    located = 0
    for before, after in zip(plain.entities, planned.entities, strict=True):
        extra_attributes = {key: value for key, value in after["attributes"].items() if key != "disruption_cost"}
        assert {key: value for key, value in after.items() if key not in ("countries", "attributes")} == {
            key: value for key, value in before.items() if key != "attributes"
        }
        assert extra_attributes == before["attributes"]
        assert "countries" not in before
        if after["kind"] not in planned_kinds:
            assert "countries" not in after and "disruption_cost" not in after["attributes"]
            continue
        countries = after["countries"]
        assert countries == sorted(set(countries)) and len(countries) <= 3
        assert all(len(code) == 2 and code.isupper() for code in countries)
        located += bool(countries)
        assert isinstance(after["attributes"]["disruption_cost"], int) and after["attributes"]["disruption_cost"] >= 1
    assert located > 0
    graph = planned.to_networkx()
    assert any(countries for _, countries in graph.nodes(data="countries", default=frozenset()))
    assert all(cost >= 1 for _, cost in graph.nodes(data="cost", default=1.0))
