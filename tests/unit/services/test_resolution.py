"""Entity resolution rules, without a database: the store's answers are written out by hand."""

from __future__ import annotations

import uuid

import pytest

from atlas_graph.errors import InvalidInput
from atlas_graph.models.bundles import EntityIn, EntityRef, RelationshipIn
from atlas_graph.models.vocabulary import EntityKind, RelationshipType
from atlas_graph.services.resolution import (
    BundlePlan,
    id_key,
    identity_lookup,
    name_key,
    node_id,
    normalize_name,
    plan_bundle,
    xid_key,
)
from atlas_graph.store.ingestion import EntityFacts, KeyHolder, NameHolder, StoredIdentity

ACTOR = EntityKind.ACTOR
ORG = "Org A"


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("Wizard Spider", "wizardspider"),
        ("  WIZARD-SPIDER ", "wizardspider"),
        ("Threat Group-4127", "threatgroup4127"),
        ("ＡＰＴ２８", "apt28"),  # full-width letters fold by NFKC
        ("BlackEnergy (Group)", "blackenergygroup"),
    ],
)
def test_normalize_name(raw: str, folded: str) -> None:
    assert normalize_name(raw) == folded


def test_infrastructure_names_keep_their_punctuation() -> None:
    infra = EntityKind.INFRASTRUCTURE
    assert normalize_name(" Evil-Corp.Example ", infra) == "evil-corp.example"
    assert normalize_name("1.11.1.1", infra) != normalize_name("11.1.1.1", infra)
    assert normalize_name("1.11.1.1", ACTOR) == normalize_name("11.1.1.1", ACTOR)


def test_names_folding_to_more_than_the_index_takes_are_keyed_by_digest() -> None:
    """Regression: U+FDFA folds (NFKC) to 18 characters; 500 of them made a key Neo4j's index refused (a 500)."""
    long_name = "\ufdfa" * 500
    key = name_key(ACTOR, long_name)
    assert key.startswith("name:actor:sha256:") and len(key.encode()) < 100
    assert key == name_key(ACTOR, long_name + " ") != name_key(ACTOR, "\ufdfa" * 499)
    assert name_key(ACTOR, "Wizard Spider") == "name:actor:wizardspider"
    # A name that folds to nothing is still a name, keyed by its trimmed text: a second post finds the first.
    assert name_key(ACTOR, "???") == name_key(ACTOR, " ??? ") == "name:actor:raw:???"


def test_node_ids_never_derive_from_names() -> None:
    """Issue 13: an id derived from a name let anyone test, offline, which hidden name an entity had."""
    assert node_id(ACTOR, None) != node_id(ACTOR, None)
    assert node_id(ACTOR, None).startswith("actor--")
    # An id that says its kind is kept; a STIX id of a type that maps to the kind too.
    assert node_id(ACTOR, "actor--1") == "actor--1"
    assert node_id(ACTOR, "intrusion-set--x") == "intrusion-set--x"
    # Any other id is hashed with the kind: the same id given to two kinds makes two ids, so no answer can tell
    # the kind of an entity behind an id.
    victim = node_id(EntityKind.VICTIM, "intrusion-set--x")
    assert victim.startswith("victim--") and victim == node_id(EntityKind.VICTIM, "intrusion-set--x")
    assert node_id(ACTOR, "misp-galaxy-cluster--u") != node_id(EntityKind.VICTIM, "misp-galaxy-cluster--u")
    assert uuid.UUID(node_id(ACTOR, "misp-galaxy-cluster--u").split("--", 1)[1]).version == 5


def plan(entities: list[EntityIn], found: StoredIdentity | None = None, **kwargs: object) -> BundlePlan:
    relationships = kwargs.get("relationships", [])
    assert isinstance(relationships, list)
    return plan_bundle(entities, relationships, found or StoredIdentity(), organization=ORG)


def stored(
    *entities: tuple[str, dict[str, frozenset[str]]],
    names: dict[str, list[NameHolder]] | None = None,
    keys: dict[str, KeyHolder] | None = None,
    visible: bool = True,
    rejected: frozenset[frozenset[str]] = frozenset(),
) -> StoredIdentity:
    return StoredIdentity(
        keys=keys or {},
        names=names or {},
        entities={e: EntityFacts(id=e, kind=ACTOR, visible=visible, xids=x) for e, x in entities},
        rejected=rejected,
    )


def holder(entity_id: str, *, primary: bool = True, claim: str = "c") -> NameHolder:
    return NameHolder(entity_id=entity_id, primary=primary, claim_key=f"{claim}-{entity_id}")


def test_no_transitive_union_inside_a_bundle() -> None:
    """The third item names both earlier ones: it joins neither, and they stay two (the old union-find made one)."""
    entities = [
        EntityIn(kind=ACTOR, name="A", aliases=["B"]),
        EntityIn(kind=ACTOR, name="C", aliases=["D"]),
        EntityIn(kind=ACTOR, name="x", aliases=["b", "c"]),
    ]
    answer = plan(entities)
    ids = [r.entity_id for r in answer.resolutions]
    assert len(set(ids)) == 3
    assert [r.matched_by for r in answer.resolutions] == ["new", "new", "new"]
    assert {frozenset((c.a, c.b)) for c in answer.candidates} == {
        frozenset((ids[2], ids[0])),
        frozenset((ids[2], ids[1])),
    }


def test_an_alias_joins_one_earlier_item_and_the_claims_stay_apart() -> None:
    entities = [EntityIn(kind=ACTOR, name="Gold Blackburn", aliases=["ITG23"]), EntityIn(kind=ACTOR, name="itg-23")]
    answer = plan(entities)
    first, second = answer.resolutions
    assert first.entity_id == second.entity_id and second.matched_by == "bundle"
    # One claim per id it was made against: both items were made against the one new entity, so one claim.
    assert len(answer.entities) == 1 and answer.entities[0].claim["aliases"] == ["ITG23", "itg-23"]


def test_two_items_with_different_ids_are_never_one_entity() -> None:
    entities = [
        EntityIn(kind=ACTOR, name="Same", id="intrusion-set--1"),
        EntityIn(kind=ACTOR, name="Same", id="intrusion-set--2"),
    ]
    assert [r.entity_id for r in plan(entities).resolutions] == ["intrusion-set--1", "intrusion-set--2"]


def test_primary_name_and_alias_match_only_through_visible_claims() -> None:
    found = stored(
        ("actor--1", {}),
        names={name_key(ACTOR, "Grim Spider"): [holder("actor--1")]},
    )
    answer = plan([EntityIn(kind=ACTOR, name="grim-spider")], found)
    assert (answer.resolutions[0].entity_id, answer.resolutions[0].matched_by) == ("actor--1", "name")
    assert answer.visible_match == {"actor--1": True}
    # With no visible claim naming it (the store never answers with hidden ones), the item is new.
    fresh = plan([EntityIn(kind=ACTOR, name="grim-spider")], StoredIdentity())
    assert fresh.resolutions[0].matched_by == "new" and fresh.resolutions[0].entity_id != "actor--1"


def test_an_ambiguous_alias_resolves_nothing_and_records_candidates() -> None:
    found = stored(
        ("actor--apt28", {}),
        ("actor--apt29", {}),
        names={
            name_key(ACTOR, "Grizzly Steppe"): [
                holder("actor--apt28", primary=False),
                holder("actor--apt29", primary=False),
            ]
        },
    )
    answer = plan([EntityIn(kind=ACTOR, name="Unknown Crew", aliases=["Grizzly Steppe"])], found)
    (resolution,) = answer.resolutions
    assert resolution.matched_by == "new" and resolution.entity_id not in ("actor--apt28", "actor--apt29")
    assert {frozenset((c.a, c.b)) - {resolution.entity_id} for c in answer.candidates} == {
        frozenset({"actor--apt28"}),
        frozenset({"actor--apt29"}),
    }
    assert any("'Grizzly Steppe' names 2 entities you can see" in w for w in answer.warnings)
    reasons = {r.type for c in answer.candidates for r in c.reasons}
    assert reasons == {"ambiguous alias"}


def test_a_contradicting_external_id_keeps_an_alias_match_apart() -> None:
    """MISP's APT29 shares "Grizzly Steppe" with APT28 alone; their ATT&CK ids differ, so they stay two."""
    found = stored(
        ("actor--apt28", {"mitre-attack": frozenset({"g0007"})}),
        names={name_key(ACTOR, "Grizzly Steppe"): [holder("actor--apt28", primary=False)]},
    )
    apt29 = EntityIn(kind=ACTOR, name="APT29", aliases=["Grizzly Steppe"], external_ids={"mitre-attack": "G0016"})
    answer = plan([apt29], found)
    (resolution,) = answer.resolutions
    assert resolution.matched_by == "new"
    (candidate,) = answer.candidates
    assert {candidate.a, candidate.b} == {resolution.entity_id, "actor--apt28"}
    assert [(r.type, r.value) for r in candidate.reasons] == [("held apart by a contradicting id", "Grizzly Steppe")]
    # The same alias with the same ATT&CK id, or none, joins.
    same = EntityIn(kind=ACTOR, name="Sofacy", aliases=["Grizzly Steppe"], external_ids={"mitre-attack": "g0007"})
    assert plan([same], found).resolutions[0].entity_id == "actor--apt28"
    assert plan([EntityIn(kind=ACTOR, name="x", aliases=["Grizzly Steppe"])], found).resolutions[0].matched_by == (
        "alias"
    )


def test_strong_keys_come_first_and_own_id_wins_over_external_ids() -> None:
    keys = {
        id_key(ACTOR, "intrusion-set--a"): KeyHolder("intrusion-set--a", ACTOR, visible=True),
        xid_key(ACTOR, "mitre-attack", "G0007"): KeyHolder("actor--misp", ACTOR, visible=True),
    }
    found = stored(("intrusion-set--a", {}), ("actor--misp", {}), keys=keys)
    item = EntityIn(kind=ACTOR, name="APT28", id="intrusion-set--a", external_ids={"mitre-attack": "G0007"})
    answer = plan([item], found)
    assert (answer.resolutions[0].entity_id, answer.resolutions[0].matched_by) == ("intrusion-set--a", "id")
    assert [(c.a, c.b) for c in answer.candidates] == [("actor--misp", "intrusion-set--a")]
    # An ATT&CK object whose STIX id is new meets the MISP twin by its ATT&CK id.
    twin = EntityIn(kind=ACTOR, name="APT28", id="intrusion-set--new", external_ids={"mitre-attack": "G0007"})
    meets = plan([twin], found)
    assert meets.resolutions[0].entity_id == "actor--misp"
    assert id_key(ACTOR, "intrusion-set--new") in meets.entities[0].keys


def test_keys_naming_several_entities_without_the_items_own_id_resolve_nothing() -> None:
    keys = {
        xid_key(ACTOR, "mitre-attack", "G0007"): KeyHolder("actor--1", ACTOR, visible=True),
        xid_key(ACTOR, "misp-galaxy:threat-actor", "u"): KeyHolder("actor--2", ACTOR, visible=True),
    }
    found = stored(("actor--1", {}), ("actor--2", {}), keys=keys)
    item = EntityIn(kind=ACTOR, name="x", external_ids={"mitre-attack": "G0007", "misp-galaxy:threat-actor": "u"})
    answer = plan([item], found)
    assert answer.resolutions[0].matched_by == "new"
    assert len(answer.candidates) == 2


def test_a_strong_key_match_into_what_the_caller_cannot_see_reads_as_new() -> None:
    keys = {id_key(ACTOR, "intrusion-set--h"): KeyHolder("intrusion-set--h", ACTOR, visible=False)}
    found = stored(("intrusion-set--h", {}), keys=keys, visible=False)
    answer = plan([EntityIn(kind=ACTOR, name="whatever", id="intrusion-set--h")], found)
    assert answer.resolutions[0].entity_id == "intrusion-set--h"
    # The id is what a new entity would get, and the service answers "created"/"new" for an invisible match.
    assert answer.visible_match == {"intrusion-set--h": False}
    assert answer.warnings == []


def test_a_rejected_pair_is_never_proposed_again() -> None:
    found = stored(
        ("actor--1", {}),
        ("actor--2", {}),
        names={
            name_key(ACTOR, "One"): [holder("actor--1")],
            name_key(ACTOR, "Shared"): [holder("actor--2", primary=False)],
        },
        rejected=frozenset({frozenset(("actor--1", "actor--2"))}),
    )
    answer = plan([EntityIn(kind=ACTOR, name="One", aliases=["Shared"])], found)
    assert answer.resolutions[0].entity_id == "actor--1" and answer.candidates == []


def test_lookup_covers_ids_of_every_kind_for_references() -> None:
    relationships = [
        RelationshipIn(type=RelationshipType.USES, source=EntityRef(id="x"), target=EntityRef(kind=ACTOR, name="Y"))
    ]
    lookup = identity_lookup([], relationships)
    assert {id_key(kind, "x") for kind in EntityKind} <= set(lookup.strong_keys)
    assert lookup.name_keys == [name_key(ACTOR, "Y")]


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
    keys = {id_key(ACTOR, "actor--hidden"): KeyHolder("actor--hidden", ACTOR, visible=False)}
    with pytest.raises(InvalidInput) as raised:
        plan_bundle(entities, relationships, stored(("actor--hidden", {}), keys=keys, visible=False), organization=ORG)
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
    answer = plan(entities, relationships=[RelationshipIn(**rel, confidence=10), RelationshipIn(**rel, confidence=90)])
    assert len(answer.relationships) == 1 and answer.relationships[0].claim["confidence"] == 90
    assert answer.relationship_order[0] == answer.relationship_order[1]


FIN7_CONFLATED = {"mitre-attack": ["G0046", "G0008"]}


def test_a_conflated_item_joins_nothing_by_a_name_and_is_a_candidate_of_each_entity_its_ids_reach() -> None:
    """MISP's threat-actor "FIN7" cites FIN7's G0046 and Carbanak's G0008: it may be either, so it is neither."""
    keys = {
        xid_key(ACTOR, "mitre-attack", "G0046"): KeyHolder("actor--fin7", ACTOR, visible=True),
        xid_key(ACTOR, "mitre-attack", "G0008"): KeyHolder("actor--carbanak", ACTOR, visible=True),
    }
    found = stored(
        ("actor--fin7", {"mitre-attack": frozenset({"g0046"})}),
        ("actor--carbanak", {"mitre-attack": frozenset({"g0008"})}),
        keys=keys,
        names={
            name_key(ACTOR, "FIN7"): [holder("actor--fin7")],
            name_key(ACTOR, "Carbanak"): [holder("actor--carbanak")],
        },
    )
    item = EntityIn(kind=ACTOR, name="FIN7", aliases=["Carbanak"], conflated_ids=FIN7_CONFLATED)
    answer = plan([item], found)
    (resolution,) = answer.resolutions
    assert resolution.matched_by == "new" and resolution.entity_id not in ("actor--fin7", "actor--carbanak")
    reasons = {
        (c.a if c.b == resolution.entity_id else c.b): {(r.type, r.value) for r in c.reasons} for c in answer.candidates
    }
    assert reasons == {
        "actor--fin7": {("conflated ids", "mitre-attack: G0008, G0046"), ("held apart by conflated ids", "FIN7")},
        "actor--carbanak": {
            ("conflated ids", "mitre-attack: G0008, G0046"),
            ("held apart by conflated ids", "Carbanak"),
        },
    }
    # The ids it cites are no keys of the entity it makes, but its claim keeps them.
    (row,) = answer.entities
    assert not any(key.startswith("xid:actor:mitre-attack=") for key in row.keys)
    assert row.claim["conflated_xid_keys"] == [
        xid_key(ACTOR, "mitre-attack", "G0008"),
        xid_key(ACTOR, "mitre-attack", "G0046"),
    ]
    assert row.claim["external_ids"] is None and row.claim["conflated_ids"] == '{"mitre-attack": ["G0008", "G0046"]}'


def test_a_conflated_item_is_not_joined_by_a_lone_alias_when_nothing_holds_its_ids_yet() -> None:
    """MISP first: the "Carbanak - G0008" cluster is stored without ATT&CK's objects; FIN7's alias "Carbanak" would
    have joined it, making one entity of two ATT&CK groups once ATT&CK's FIN7 met the cluster by name."""
    found = stored(
        ("actor--carbanak-misp", {"mitre-attack": frozenset({"g0008"})}),
        names={name_key(ACTOR, "Carbanak"): [holder("actor--carbanak-misp", primary=False)]},
    )
    item = EntityIn(kind=ACTOR, name="FIN7", aliases=["Carbanak"], conflated_ids=FIN7_CONFLATED)
    answer = plan([item], found)
    assert answer.resolutions[0].matched_by == "new"
    assert [(r.type, r.value) for c in answer.candidates for r in c.reasons] == [
        ("held apart by conflated ids", "Carbanak")
    ]


def test_an_item_holding_one_of_the_conflated_ids_is_held_apart_from_the_conflated_entity() -> None:
    """The other load order inside one file: the conflated cluster first, then ATT&CK's twin by an alias."""
    found = stored(
        ("actor--fin7-misp", {"mitre-attack": frozenset({"g0046", "g0008"})}),
        names={name_key(ACTOR, "Carbanak"): [holder("actor--fin7-misp", primary=False)]},
    )
    twin = EntityIn(kind=ACTOR, name="Carbanak - G0008", aliases=["Carbanak"], external_ids={"mitre-attack": "G0008"})
    answer = plan([twin], found)
    assert answer.resolutions[0].matched_by == "new"
    assert [(r.type, r.value) for c in answer.candidates for r in c.reasons] == [
        ("held apart by a contradicting id", "Carbanak")
    ]
    # In one bundle too.
    bundle = plan([EntityIn(kind=ACTOR, name="FIN7", aliases=["Carbanak"], conflated_ids=FIN7_CONFLATED), twin])
    first, second = bundle.resolutions
    assert first.entity_id != second.entity_id and second.matched_by == "new"
    # An item with no ATT&CK id still joins it by an alias that reaches it alone.
    plain = plan([EntityIn(kind=ACTOR, name="x", aliases=["Carbanak"])], found)
    assert (plain.resolutions[0].entity_id, plain.resolutions[0].matched_by) == ("actor--fin7-misp", "alias")


def test_a_conflated_item_joins_by_its_ids_only_when_all_of_them_identify_one_entity() -> None:
    both = {
        xid_key(ACTOR, "mitre-attack", "G0046"): KeyHolder("actor--merged", ACTOR, visible=True),
        xid_key(ACTOR, "mitre-attack", "G0008"): KeyHolder("actor--merged", ACTOR, visible=True),
    }
    found = stored(("actor--merged", {"mitre-attack": frozenset({"g0046", "g0008"})}), keys=both)
    item = EntityIn(kind=ACTOR, name="FIN7", conflated_ids=FIN7_CONFLATED)
    answer = plan([item], found)
    assert (answer.resolutions[0].entity_id, answer.resolutions[0].matched_by) == ("actor--merged", "id")
    assert answer.candidates == []
    one = {xid_key(ACTOR, "mitre-attack", "G0046"): KeyHolder("actor--fin7", ACTOR, visible=True)}
    partly = plan([item], stored(("actor--fin7", {"mitre-attack": frozenset({"g0046"})}), keys=one))
    assert partly.resolutions[0].matched_by == "new"
    assert [(c.a, c.b) for c in partly.candidates] and all("actor--fin7" in (c.a, c.b) for c in partly.candidates)
    # Its own id still finds the entity it made before (a re-import).
    own = {id_key(ACTOR, "misp-galaxy-cluster--u"): KeyHolder("actor--fin7-misp", ACTOR, visible=True), **one}
    again = EntityIn(kind=ACTOR, name="FIN7", id="misp-galaxy-cluster--u", conflated_ids=FIN7_CONFLATED)
    found = stored(("actor--fin7-misp", {}), ("actor--fin7", {"mitre-attack": frozenset({"g0046"})}), keys=own)
    assert plan([again], found).resolutions[0].entity_id == "actor--fin7-misp"


def test_conflated_ids_name_several_ids_of_a_scheme_not_also_given_as_one() -> None:
    with pytest.raises(ValueError, match="at least two different ids"):
        EntityIn(kind=ACTOR, name="x", conflated_ids={"mitre-attack": ["G0046", "g0046"]})
    with pytest.raises(ValueError, match="give one value, or several"):
        EntityIn(kind=ACTOR, name="x", external_ids={"mitre-attack": "G0046"}, conflated_ids=FIN7_CONFLATED)
