"""Entity resolution rules, without a database."""

from __future__ import annotations

import pytest

from atlas_graph.errors import InvalidInput
from atlas_graph.models.bundles import EntityIn, EntityRef, RelationshipIn
from atlas_graph.models.vocabulary import EntityKind, RelationshipType
from atlas_graph.services.resolution import (
    derived_entity_id,
    entity_keys,
    lookup_keys,
    name_key,
    normalize_name,
    plan_bundle,
)
from atlas_graph.store.ingestion import KeyMatch

ACTOR = EntityKind.ACTOR


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("Wizard Spider", "wizardspider"),
        ("  WIZARD-SPIDER ", "wizardspider"),
        ("Threat Group-4127", "threatgroup4127"),
        ("ＡＰＴ２８", "apt28"),  # full-width letters fold by NFKC
        ("BlackEnergy (Group)", "blackenergygroup"),
        ("Straße", "strasse"),
        ("!!!", ""),
    ],
)
def test_normalize_name(raw: str, folded: str) -> None:
    assert normalize_name(raw) == folded


def test_infrastructure_keeps_punctuation() -> None:
    infra = EntityKind.INFRASTRUCTURE
    assert normalize_name(" Evil-Corp.Example ", infra) == "evil-corp.example"
    assert normalize_name("1.11.1.1", infra) != normalize_name("11.1.1.1", infra)
    assert normalize_name("1.11.1.1", ACTOR) == normalize_name("11.1.1.1", ACTOR)


def test_keys_are_kind_scoped_and_id_first() -> None:
    entity = EntityIn(kind=ACTOR, name="APT28", id="intrusion-set--x", aliases=["Fancy Bear", "fancy-bear", "APT 28"])
    assert entity_keys(entity) == ["id:intrusion-set--x", "name:actor:apt28", "name:actor:fancybear"]
    provider = EntityIn(kind=EntityKind.SERVICE_PROVIDER, name="APT28")
    assert entity_keys(provider) == ["name:service_provider:apt28"]


def test_derived_ids_are_stable_and_kind_specific() -> None:
    assert derived_entity_id(ACTOR, "Wizard Spider") == derived_entity_id(ACTOR, "wizard-spider")
    assert derived_entity_id(ACTOR, "Wizard Spider") != derived_entity_id(EntityKind.VICTIM, "Wizard Spider")
    assert derived_entity_id(ACTOR, "Wizard Spider").startswith("actor--")


def test_new_entities_sharing_keys_in_one_bundle_are_one() -> None:
    entities = [
        EntityIn(kind=ACTOR, name="A", aliases=["B"]),
        EntityIn(kind=ACTOR, name="C", aliases=["D"]),
        EntityIn(kind=ACTOR, name="b", aliases=["c"]),  # links the first two
    ]
    plan = plan_bundle(entities, [], {})
    assert len(plan.entities) == 1
    assert len({r.entity_id for r in plan.resolutions}) == 1
    assert [r.matched_by for r in plan.resolutions] == ["new", "bundle", "bundle"]
    assert plan.entities[0].claim["aliases"] == ["B", "C", "D", "b", "c"]


def test_stored_match_by_alias_and_status_by_visibility() -> None:
    entities = [EntityIn(kind=ACTOR, name="Grim Spider")]
    stored = {"name:actor:grimspider": KeyMatch("actor--1", ACTOR, visible=True, own_claim=False)}
    plan = plan_bundle(entities, [], stored)
    assert plan.resolutions[0].entity_id == "actor--1"
    assert plan.entity_status["actor--1"] == "merged"
    hidden = {"name:actor:grimspider": KeyMatch("actor--1", ACTOR, visible=False, own_claim=False)}
    # Matching an entity the caller cannot see still dedupes, but reads as "created" to the caller.
    assert plan_bundle(entities, [], hidden).entity_status["actor--1"] == "created"


def test_an_entity_the_caller_cannot_see_reads_as_new_and_is_never_warned_about() -> None:
    """Regression: `matched_by` and the warnings used to reveal that a hidden entity had the name or alias."""
    entities = [EntityIn(kind=ACTOR, name="Gamma", aliases=["Beta"])]
    hidden_only = {"name:actor:gamma": KeyMatch("actor--hidden", ACTOR, visible=False, own_claim=False)}
    plan = plan_bundle(entities, [], hidden_only)
    assert (plan.resolutions[0].matched_by, plan.entity_status["actor--hidden"]) == ("new", "created")
    beside_a_hidden_one = {
        "name:actor:gamma": KeyMatch("actor--1", ACTOR, visible=True, own_claim=True),
        "name:actor:beta": KeyMatch("actor--hidden", ACTOR, visible=False, own_claim=False),
    }
    plan = plan_bundle(entities, [], beside_a_hidden_one)
    assert plan.resolutions[0].matched_by == "name" and plan.warnings == []
    assert "name:actor:beta" not in plan.entities[0].keys


def test_a_name_folding_to_nothing_finds_the_entity_it_named_before() -> None:
    """Regression: "???" has no name key, so a second post of it was "created" though it landed on the first's node."""
    entity = EntityIn(kind=ACTOR, name="???")
    derived = derived_entity_id(ACTOR, "???")
    assert entity_keys(entity) == [f"id:{derived}"]
    assert entity_keys(EntityIn(kind=ACTOR, name="???", aliases=["Crew"])) == ["name:actor:crew", f"id:{derived}"]
    stored = {f"id:{derived}": KeyMatch(derived, ACTOR, visible=True, own_claim=True)}
    plan = plan_bundle([entity], [], stored)
    assert (plan.resolutions[0].matched_by, plan.entity_status[derived]) == ("name", "updated")


def test_names_folding_to_more_than_the_index_takes_are_keyed_by_digest() -> None:
    """Regression: U+FDFA folds (NFKC) to 18 characters; 500 of them made a key Neo4j's index refused (a 500)."""
    long_name = "\ufdfa" * 500
    key = name_key(ACTOR, long_name)
    assert key is not None and key.startswith("name:actor:sha256:") and len(key.encode()) < 100
    assert key == name_key(ACTOR, long_name + " ") != name_key(ACTOR, "\ufdfa" * 499)
    assert name_key(ACTOR, "Wizard Spider") == "name:actor:wizardspider"


def test_conflicting_key_is_not_moved_and_warned() -> None:
    entities = [EntityIn(kind=ACTOR, name="Alpha", aliases=["Beta"])]
    stored = {
        "name:actor:alpha": KeyMatch("actor--1", ACTOR, visible=True, own_claim=True),
        "name:actor:beta": KeyMatch("actor--2", ACTOR, visible=True, own_claim=False),
    }
    plan = plan_bundle(entities, [], stored)
    assert plan.resolutions[0].entity_id == "actor--1" and plan.resolutions[0].matched_by == "name"
    assert "name:actor:beta" not in plan.entities[0].keys
    assert len(plan.warnings) == 2


def test_relationship_rules_list_every_problem() -> None:
    entities = [EntityIn(kind=EntityKind.VICTIM, name="Clinic"), EntityIn(kind=ACTOR, name="Crew")]
    relationships = [
        RelationshipIn(
            type=RelationshipType.USES,
            source=EntityRef(kind=EntityKind.VICTIM, name="Clinic"),
            target=EntityRef(kind=ACTOR, name="Crew"),
        ),
        RelationshipIn(
            type=RelationshipType.TARGETS,
            source=EntityRef(kind=ACTOR, name="Crew"),
            target=EntityRef(kind=ACTOR, name="crew"),
        ),
        RelationshipIn(
            type=RelationshipType.TARGETS,
            source=EntityRef(id="actor--hidden"),
            target=EntityRef(kind=EntityKind.VICTIM, name="Clinic"),
        ),
    ]
    stored = {"id:actor--hidden": KeyMatch("actor--hidden", ACTOR, visible=False, own_claim=False)}
    assert "id:actor--hidden" in lookup_keys(entities, relationships)
    with pytest.raises(InvalidInput) as raised:
        plan_bundle(entities, relationships, stored)
    locations = [problem.location for problem in raised.value.problems]
    assert locations == [
        ("relationships", 0, "type"),
        ("relationships", 1, "type"),
        ("relationships", 1, "target"),
        ("relationships", 2, "source"),
    ]


def test_duplicate_relationship_in_a_bundle_is_one_claim_last_wins() -> None:
    entities = [EntityIn(kind=ACTOR, name="A"), EntityIn(kind=ACTOR, name="B")]
    rel = {
        "type": RelationshipType.AFFILIATED_WITH,
        "source": EntityRef(kind=ACTOR, name="A"),
        "target": EntityRef(kind=ACTOR, name="B"),
    }
    plan = plan_bundle(entities, [RelationshipIn(**rel, confidence=10), RelationshipIn(**rel, confidence=90)], {})
    assert len(plan.relationships) == 1 and plan.relationships[0].claim["confidence"] == 90
    assert plan.relationship_order[0] == plan.relationship_order[1]
