"""MISP galaxies: clusters as entities, relations as relationships."""

from __future__ import annotations

import json
from pathlib import Path

from atlas_graph.imports.batches import Batch, SameAs
from atlas_graph.imports.formats.misp_galaxy import (
    _without_unloaded,
    misp_cluster_id,
    misp_entities,
    misp_relationships,
    misp_same_as,
)
from atlas_graph.models.vocabulary import EntityKind, RelationshipType
from tests.unit.imports.reading import IMPORT_FIXTURES, OPTIONS, read


def test_misp_clusters_become_entities_with_aliases_references_and_sectors() -> None:
    galaxy = json.loads((IMPORT_FIXTURES / "threat-actor-galaxy.json").read_text())
    wizard = galaxy["values"][0]
    entity, *victims = misp_entities(wizard, galaxy_type="threat-actor", options=OPTIONS)
    assert entity.kind is EntityKind.ACTOR and entity.category == "group" and entity.name == "Wizard Spider"
    assert entity.id == "misp-galaxy-cluster--801b73a7-460d-45c3-8638-4449d712fe8a"
    assert entity.aliases == ["Grim Spider", "UNC1878", "TEMP.MixMaster"]
    assert entity.references[0] == "https://attack.mitre.org/groups/G0102/"
    assert entity.attributes == {
        "misp_galaxy": "threat-actor",
        "country": "RU",
        "misp_cfr-type-of-incident": "Ransomware",
    }
    assert [(v.kind, v.name, v.category) for v in victims] == [
        (EntityKind.VICTIM, "Healthcare", "sector"),
        (EntityKind.VICTIM, "Government", "sector"),
    ]
    ransomware = {"value": "LockBit", "uuid": "u-1", "meta": {"synonyms": ["LockBit 3.0", "LockBit"]}}
    (lockbit,) = misp_entities(ransomware, galaxy_type="ransomware", options=OPTIONS)
    assert lockbit.kind is EntityKind.SERVICE_PROVIDER and lockbit.category == "malware"
    assert lockbit.aliases == ["LockBit 3.0"]


def test_misp_relations_map_where_the_model_has_them() -> None:
    galaxy = json.loads((IMPORT_FIXTURES / "threat-actor-galaxy.json").read_text())
    local = {cluster["uuid"]: EntityKind.ACTOR for cluster in galaxy["values"]}
    relationships, issues = misp_relationships(
        galaxy["values"][0], index=0, galaxy_type="threat-actor", local=local, options=OPTIONS
    )
    uses, *targets = relationships
    assert uses[0].type is RelationshipType.USES and uses[0].confidence == 88  # "very-likely"
    assert (
        uses[0].target.id == "misp-galaxy-cluster--cc7af200-21cb-4058-abf5-76a9503bcbac"
        and uses[1] == "values[0].related[0]"
    )
    assert [(r.type, r.target.name) for r, _ in targets] == [
        (RelationshipType.TARGETS, "Healthcare"),
        (RelationshipType.TARGETS, "Government"),
    ]
    # `similar` is no relationship: misp_same_as makes it a candidate.
    assert issues == []
    fin7, fin7_issues = misp_relationships(
        galaxy["values"][2], index=2, galaxy_type="threat-actor", local=local, options=OPTIONS
    )
    # FIN7 "uses" Wizard Spider: both actors, and USES goes to services, infrastructure or financiers.
    assert (
        len(fin7) == 1 and fin7_issues[0].where == "values[2].related[1]" and "does not allow" in fin7_issues[0].reason
    )
    used_by = {"uuid": "t-1", "related": [{"dest-uuid": "a-1", "type": "used-by"}]}
    ((reversed_uses, _),), _ = misp_relationships(used_by, index=0, galaxy_type="tool", local={}, options=OPTIONS)
    assert (
        reversed_uses.source.id == "misp-galaxy-cluster--a-1" and reversed_uses.target.id == "misp-galaxy-cluster--t-1"
    )


def test_an_unknown_galaxy_type_is_listed_not_guessed(tmp_path: Path) -> None:
    path = tmp_path / "galaxy.json"
    path.write_text(json.dumps({"type": "sector", "values": [{"value": "Banking", "uuid": "s-1"}]}))
    (batch,) = read(path, "entities")
    assert not batch.entities and batch.issues[0].status == "unmapped" and "'sector'" in batch.issues[0].reason


def test_misp_similar_clusters_become_same_as_pairs_of_one_kind() -> None:
    galaxy = json.loads((IMPORT_FIXTURES / "threat-actor-galaxy.json").read_text())
    pairs, issues = misp_same_as(galaxy["values"][0], index=0, galaxy_type="threat-actor", local={})
    assert pairs == [
        SameAs(
            source="misp-galaxy-cluster--801b73a7-460d-45c3-8638-4449d712fe8a",
            target="misp-galaxy-cluster--b66afccc-87d8-42b0-b4b1-bca87d40dc2a",
            kind=EntityKind.ACTOR,
            reason="misp similar",
            where="values[0].related[1]",
        )
    ]
    assert issues == []
    # A tool "similar" to an actor of the same file cannot be the same entity: listed, not proposed.
    tool = {"uuid": "t-1", "value": "Tool", "related": [{"dest-uuid": "a-1", "type": "similar"}]}
    pairs, issues = misp_same_as(tool, index=4, galaxy_type="tool", local={"a-1": EntityKind.ACTOR})
    assert pairs == [] and [(i.where, i.status) for i in issues] == [("values[4].related[0]", "unmapped")]


def test_a_misp_country_code_becomes_the_entity_countries_and_anything_else_stays_an_attribute() -> None:
    galaxy = json.loads((IMPORT_FIXTURES / "threat-actor-galaxy.json").read_text())
    entity, *_ = misp_entities(galaxy["values"][0], galaxy_type="threat-actor", options=OPTIONS)
    assert entity.countries == ["RU"]  # what the planner's jurisdictions are matched against
    cluster = {"value": "Some Crew", "uuid": "u-2", "meta": {"country": "Russia"}}
    (crew,) = misp_entities(cluster, galaxy_type="threat-actor", options=OPTIONS)
    assert crew.countries == [] and crew.attributes["country"] == "Russia"
    lower = {"value": "Other Crew", "uuid": "u-3", "meta": {"country": " kp"}}
    assert misp_entities(lower, galaxy_type="threat-actor", options=OPTIONS)[0].countries == ["KP"]


def test_a_cluster_citing_several_attack_ids_carries_them_as_conflated_not_as_its_id() -> None:
    """MISP's threat-actor "FIN7" links both FIN7's and Carbanak's ATT&CK pages: it is identified by neither."""
    refs = ["https://attack.mitre.org/groups/G0046/", "https://attack.mitre.org/groups/G0008/", "https://x.example"]
    fin7 = {"value": "FIN7", "uuid": "u-fin7", "meta": {"refs": refs, "synonyms": ["Carbanak"]}}
    (entity,) = misp_entities(fin7, galaxy_type="threat-actor", options=OPTIONS)
    assert entity.external_ids == {"misp-galaxy:threat-actor": "u-fin7"}
    assert entity.conflated_ids == {"mitre-attack": ["G0008", "G0046"]}
    twin = {"value": "FIN7 - G0046", "uuid": "u-twin", "meta": {"external_id": "G0046", "refs": refs[:1]}}
    (entity,) = misp_entities(twin, galaxy_type="mitre-intrusion-set", options=OPTIONS)
    assert entity.external_ids["mitre-attack"] == "G0046" and entity.conflated_ids == {}


def test_relations_to_clusters_of_galaxies_not_loaded_are_unloaded_not_refused() -> None:
    """Regression: mitre-intrusion-set's 5,159 `uses` of techniques (a galaxy not imported) were "rejected"."""
    cluster = {
        "value": "Crew",
        "uuid": "u-crew",
        "related": [
            {"dest-uuid": "u-tool", "type": "uses"},
            {"dest-uuid": "u-technique", "type": "uses"},
            {"dest-uuid": "u-twin", "type": "similar"},
        ],
    }
    local = {"u-crew": EntityKind.ACTOR}
    batch = Batch(items=1)
    relationships, _ = misp_relationships(cluster, index=0, galaxy_type="threat-actor", local=local, options=OPTIONS)
    for relationship, where in relationships:
        batch.add_relationship(relationship, where)
    batch.same_as, _ = misp_same_as(cluster, index=0, galaxy_type="threat-actor", local=local)
    stored = {misp_cluster_id("u-tool"): EntityKind.SERVICE_PROVIDER}
    kept = _without_unloaded(batch, local, lambda ids: {i: stored[i] for i in ids if i in stored})
    assert [r.target.id for r in kept.relationships] == [misp_cluster_id("u-tool")]
    assert kept.same_as == []
    assert [(i.where, i.status, i.id) for i in kept.issues] == [
        ("values[0].related[1]", "unloaded", misp_cluster_id("u-technique")),
        ("values[0].related[2]", "unloaded", misp_cluster_id("u-twin")),
    ]
