"""File imports without a database: streaming JSON, format detection, the CSV, MISP and STIX mappings, batching."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from atlas_graph.errors import InvalidInput
from atlas_graph.models.bundles import EntityIn, RelationshipIn
from atlas_graph.models.vocabulary import EntityKind, RelationshipType, Tlp
from atlas_graph.services import imports
from atlas_graph.services.imports import (
    Batch,
    CsvColumns,
    CsvMapping,
    EndpointClaims,
    ImportOptions,
    JsonStream,
    ProgressMeter,
    RowError,
)
from atlas_graph.stix import reading as stix_reading

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
IMPORT_FIXTURES = FIXTURES / "import"
ATTACK = FIXTURES / "attack_subset_small.stix.json"
OPTIONS = ImportOptions()


def meter() -> ProgressMeter:
    return ProgressMeter("test", ["entities", "relationships"], None)


def read(path: Path, phase: imports.Phase, *, batch_size: int = 1000, skip: int = 0, **extra: Any) -> list[Batch]:
    reader = imports.READERS[imports.detect_format(path)]
    return list(
        reader(path, phase, options=OPTIONS, batch_size=batch_size, skip=skip, resume={}, meter=meter(), **extra)
    )


# --- Streaming JSON ----------------------------------------------------------------------------------------------


def stream(text: str, **kwargs: Any) -> JsonStream:
    return JsonStream(io.BytesIO(text.encode("utf-8")), name="test.json", **kwargs)


@pytest.mark.parametrize("chunk_size", [1, 2, 3, 7, 64, 1 << 20])
def test_stream_yields_members_and_array_items_with_their_byte_spans(chunk_size: int) -> None:
    document = {
        "type": "bundle",
        "objects": [{"id": "a", "name": "Zoë ✓"}, 12345678901234, [1, {"x": "y"}], 'tail \\ " string', None, -1.5e3],
        "after": {"nested": [1, 2, 3]},
    }
    raw = json.dumps(document, ensure_ascii=False, indent=1)
    data = raw.encode("utf-8")
    found: dict[str, Any] = {}
    for key, value in stream(raw, chunk_size=chunk_size).members(streamed=("objects",)):
        if key == "objects":
            items = list(value)
            found[key] = [item for item, _, _ in items]
            # Each span holds exactly its item, so that it can be read back from the file by offset.
            assert [json.loads(data[start:end]) for _, start, end in items] == document["objects"]
        else:
            found[key] = value
    assert found == document


def test_stream_reads_past_arrays_the_caller_does_not_consume() -> None:
    raw = '\ufeff{"entities": [{"n": 1}, {"n": 2}], "relationships": [{"r": 1}], "x": 1}'
    keys = [key for key, _ in stream(raw, chunk_size=4).members(streamed=("entities", "relationships"))]
    assert keys == ["entities", "relationships", "x"]


def test_a_number_cut_by_a_chunk_boundary_is_read_whole() -> None:
    raw = '{"values": [1234567, 89]}'
    for chunk_size in range(1, len(raw) + 1):
        _, items = next(stream(raw, chunk_size=chunk_size).members(streamed=("values",)))
        assert [item for item, _, _ in items] == [1234567, 89]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("[1, 2]", "expected '{'"),
        ('{"a": [1, 2,, 3]}', "Expecting value"),
        ('{"a": 1 "b": 2}', "expected ',' or '}'"),
        ('{"a": "unterminated', "Unterminated string"),
    ],
)
def test_broken_json_is_one_invalid_input_naming_where(raw: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as raised:
        for _, value in stream(raw, chunk_size=3).members(streamed=("a",)):
            list(value) if not isinstance(value, int) else None
    assert "test.json" in str(raised.value) and "near byte" in str(raised.value)


def test_an_item_over_the_size_limit_is_refused_rather_than_buffered() -> None:
    raw = '{"a": ["' + "x" * 5000 + '"]}'
    with pytest.raises(InvalidInput, match="larger than"):
        for _, value in stream(raw, chunk_size=16, max_item_bytes=1024).members(streamed=("a",)):
            list(value)


# --- Formats -----------------------------------------------------------------------------------------------------


def test_formats_are_told_apart(tmp_path: Path) -> None:
    assert imports.detect_format(IMPORT_FIXTURES / "edges.csv") == "csv"
    assert imports.detect_format(IMPORT_FIXTURES / "bundle.json") == "bundle"
    assert imports.detect_format(IMPORT_FIXTURES / "threat-actor-galaxy.json") == "misp-galaxy"
    assert imports.detect_format(ATTACK) == "stix"
    unknown = tmp_path / "x.json"
    unknown.write_text('{"something": 1}')
    with pytest.raises(InvalidInput, match="--format"):
        imports.detect_format(unknown)


def test_batches_hold_at_most_batch_size_items() -> None:
    singles = [Batch(items=1) for _ in range(5)]
    for single, n in zip(singles, range(5), strict=True):
        single.add_entity(EntityIn(kind=EntityKind.ACTOR, name=f"A{n}"), f"entities[{n}]")
    batches = list(imports._batched(singles, 2))
    assert [batch.size for batch in batches] == [2, 2, 1]
    assert [batch.entity_sources for batch in batches][2] == ["entities[4]"]


def test_checkpoints_are_named_by_content_organization_and_options() -> None:
    key = imports.checkpoint_key(digest="abc", file_format="csv", organization="Org A", options=OPTIONS)
    assert key == imports.checkpoint_key(digest="abc", file_format="csv", organization="Org A", options=OPTIONS)
    assert key != imports.checkpoint_key(digest="abc", file_format="csv", organization="Org B", options=OPTIONS)
    other = ImportOptions(default_tlp=Tlp.RED)
    assert key != imports.checkpoint_key(digest="abc", file_format="csv", organization="Org A", options=other)


# --- JSON bundles ------------------------------------------------------------------------------------------------


def test_bundle_items_are_validated_one_by_one() -> None:
    (entities,) = read(IMPORT_FIXTURES / "bundle.json", "entities")
    assert [entity.name for entity in entities.entities] == ["Ransom Crew", "Bulletproof One", "Tumbler", "Clinic"]
    assert entities.entity_sources[3] == "entities[4]"
    (issue,) = entities.issues
    assert issue.where == "entities[3]" and issue.status == "invalid" and "bank" in issue.reason
    (relationships,) = read(IMPORT_FIXTURES / "bundle.json", "relationships")
    assert len(relationships.relationships) == 3 and relationships.items == 4
    assert [i.where for i in relationships.issues] == ["relationships[3]"]
    assert "colour" in relationships.issues[0].reason
    skipped = read(IMPORT_FIXTURES / "bundle.json", "entities", skip=2, batch_size=1)
    assert [b.entity_sources for b in skipped] == [["entities[2]"], [], ["entities[4]"]]


# --- STIX --------------------------------------------------------------------------------------------------------


def _signature(entity: EntityIn | RelationshipIn) -> str:
    return entity.model_dump_json()


@pytest.mark.parametrize("batch_size", [1, 7, 1000])
def test_stix_in_batches_maps_like_the_whole_bundle(batch_size: int) -> None:
    whole = stix_reading.map_stix_bundle(json.loads(ATTACK.read_text()), default_tlp=Tlp.GREEN, default_confidence=50)
    index = imports.index_stix(ATTACK)
    batches = [
        batch
        for phase in imports.PHASES
        for batch in read(ATTACK, phase, batch_size=batch_size, organization="Org A", index=index)
    ]
    assert sorted(_signature(e) for b in batches for e in b.entities) == sorted(map(_signature, whole.entities))
    assert sorted(_signature(r) for b in batches for r in b.relationships) == sorted(
        map(_signature, whole.relationships)
    )
    issues = sorted((issue.where, issue.status, issue.reason) for b in batches for issue in b.issues)
    expected = sorted(
        (f"objects[{issue.index}]", status, issue.reason)
        for status, listed in (("invalid", whole.invalid), ("unmapped", whole.unmapped), ("skipped", whole.skipped))
        for issue in listed
    )
    assert issues == expected
    assert sum(b.items for b in batches) == index.objects


# --- CSV ---------------------------------------------------------------------------------------------------------


def test_csv_mapping_is_columns_and_constants() -> None:
    mapping = CsvMapping.parse("source=from, target=to,type==USES,source_kind==actor")
    assert dict(mapping.columns) == {"source": "from", "target": "to"}
    assert dict(mapping.constants) == {"type": "USES", "source_kind": "actor"}
    with pytest.raises(InvalidInput, match="FIELD=COLUMN"):
        CsvMapping.parse("colour=paint")
    columns = CsvColumns.resolve(["from", "to", "target_kind"], mapping)
    assert columns.values(["A", "B", "service_provider"]) == {
        "source": "A",
        "target": "B",
        "target_kind": "service_provider",
        "type": "USES",
        "source_kind": "actor",
    }
    with pytest.raises(InvalidInput, match="target_kind"):
        CsvColumns.resolve(["from", "to"], mapping)
    with pytest.raises(InvalidInput, match="no column 'origin'"):
        CsvColumns.resolve(["source", "target"], CsvMapping.parse("source=origin"))


def row(**values: str) -> dict[str, str]:
    return (
        {"source": "Crew", "source_kind": "actor", "target": "Host", "target_kind": "service_provider"}
        | {"type": "USES"}
        | values
    )


def test_a_row_is_a_relationship_claim_and_the_entities_it_names() -> None:
    relationship, ends = imports.relationship_from_row(
        row(
            tlp="tlp:amber+strict",
            confidence="75",
            reference="https://a.invalid/1 | vendor:X-1",
            share_with="Org B",
            first_seen="2024-01-02T10:00:00Z",
            target_category="bulletproof_hosting",
            type="uses",
        ),
        options=OPTIONS,
    )
    assert relationship.type is RelationshipType.USES and relationship.tlp is Tlp.AMBER_STRICT
    assert relationship.confidence == 75 and relationship.first_seen == date(2024, 1, 2)
    assert relationship.references == ["https://a.invalid/1", "vendor:X-1"] and relationship.share_with == ["Org B"]
    assert [(e.kind, e.name, e.category) for e in ends] == [
        (EntityKind.ACTOR, "Crew", None),
        (EntityKind.SERVICE_PROVIDER, "Host", "bulletproof_hosting"),
    ]
    by_id, ends = imports.relationship_from_row(row(source_id="actor--1"), options=OPTIONS)
    assert by_id.source.id == "actor--1" and [e.name for e in ends] == ["Host"]
    defaults = ImportOptions(default_tlp=Tlp.RED, default_confidence=20)
    relationship, _ = imports.relationship_from_row(row(), options=defaults)
    assert relationship.tlp is Tlp.RED and relationship.confidence == 20


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({"source_kind": "pirate"}, "unknown kind 'pirate'"),
        ({"type": "LOVES"}, "unknown relationship type"),
        ({"source_kind": "victim"}, "USES does not allow victim -> service_provider"),
        ({"confidence": "high"}, "not a whole number"),
        ({"confidence": "101"}, "confidence"),
        ({"tlp": "purple"}, "unknown TLP"),
        ({"first_seen": "yesterday"}, "not a date"),
        ({"first_seen": "2024-05-01", "last_seen": "2024-01-01"}, "first_seen must not be after last_seen"),
        ({"amount": "12"}, "belong to PAYS relationships only"),
        ({"target": ""}, "target: empty"),
    ],
)
def test_a_bad_row_says_why(values: dict[str, str], reason: str) -> None:
    with pytest.raises(RowError, match=reason):
        imports.relationship_from_row(row(**values), options=OPTIONS)


def test_entities_named_by_rows_take_the_most_permissive_tlp_and_every_spelling() -> None:
    claims = EndpointClaims()
    rel = RelationshipIn.model_validate
    ends = imports.Endpoint(EntityKind.ACTOR, "Crew", None)
    claims.add(ends, rel({**_rel(), "tlp": "RED", "share_with": ["Org B"], "confidence": 90}), 2)
    claims.add(imports.Endpoint(EntityKind.ACTOR, "CREW", "group"), rel({**_rel(), "tlp": "AMBER"}), 3)
    claims.add(
        imports.Endpoint(EntityKind.ACTOR, "Secret", None), rel({**_rel(), "tlp": "RED", "share_with": ["Org C"]}), 4
    )
    (crew, line), (secret, _) = claims.entities()
    assert isinstance(crew, EntityIn) and isinstance(secret, EntityIn) and line == 2
    assert crew.name == "Crew" and crew.aliases == ["CREW"] and crew.category == "group"
    assert crew.tlp is Tlp.AMBER and crew.share_with == [] and crew.confidence == 90
    assert secret.tlp is Tlp.RED and secret.share_with == ["Org C"]


def _rel() -> dict[str, Any]:
    return {"type": "USES", "source": {"id": "a"}, "target": {"id": "b"}}


def test_csv_fixture_in_both_phases() -> None:
    path = IMPORT_FIXTURES / "edges.csv"
    (entities,) = read(path, "entities")
    names = {(e.kind.value, e.name): e for e in entities.entities}
    assert set(names) == {
        ("actor", "Ransom Crew"),
        ("service_provider", "Bulletproof One"),
        ("infrastructure", "bp1.example"),
        ("service_provider", "LockStar"),
        ("financier", "Tumbler"),
        ("victim", "Clinic"),
        ("victim", "Healthcare"),
    }
    crew = names[("actor", "Ransom Crew")]
    assert crew.tlp is Tlp.CLEAR and crew.aliases == ["RANSOM-CREW"] and crew.confidence == 90
    assert names[("financier", "Tumbler")].tlp is Tlp.RED
    assert names[("service_provider", "Bulletproof One")].category == "bulletproof_hosting"
    (relationships,) = read(path, "relationships")
    assert relationships.items == 9 and len(relationships.relationships) == 6
    assert relationships.relationships[2].description == "Affiliate program;\npays 80% of ransoms"
    assert relationships.relationship_sources == ["line 2", "line 3", "line 4", "line 6", "line 7", "line 8"]
    assert [(i.where, i.status) for i in relationships.issues] == [
        ("line 9", "invalid"),
        ("line 10", "invalid"),
        ("line 11", "invalid"),
    ]


def test_csv_resumes_from_a_byte_offset_as_from_a_count() -> None:
    path = IMPORT_FIXTURES / "edges.csv"
    batches = read(path, "relationships", batch_size=3)
    assert [b.items for b in batches] == [3, 3, 3]
    resumed = list(
        imports.read_csv(
            path, "relationships", options=OPTIONS, batch_size=3, skip=3, resume=batches[0].resume or {}, meter=meter()
        )
    )
    skipped = read(path, "relationships", batch_size=3, skip=3)
    assert [(b.relationship_sources, b.issues) for b in resumed] == [
        (b.relationship_sources, b.issues) for b in skipped
    ]
    assert resumed[0].relationship_sources == ["line 6", "line 7", "line 8"]


# --- MISP galaxies -----------------------------------------------------------------------------------------------


def test_misp_clusters_become_entities_with_aliases_references_and_sectors() -> None:
    galaxy = json.loads((IMPORT_FIXTURES / "threat-actor-galaxy.json").read_text())
    wizard = galaxy["values"][0]
    entity, *victims = imports.misp_entities(wizard, galaxy_type="threat-actor", options=OPTIONS)
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
    (lockbit,) = imports.misp_entities(ransomware, galaxy_type="ransomware", options=OPTIONS)
    assert lockbit.kind is EntityKind.SERVICE_PROVIDER and lockbit.category == "malware"
    assert lockbit.aliases == ["LockBit 3.0"]


def test_misp_relations_map_where_the_model_has_them() -> None:
    galaxy = json.loads((IMPORT_FIXTURES / "threat-actor-galaxy.json").read_text())
    local = {cluster["uuid"]: EntityKind.ACTOR for cluster in galaxy["values"]}
    relationships, issues = imports.misp_relationships(
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
    assert [(i.where, i.status) for i in issues] == [("values[0].related[1]", "unmapped")]
    assert "'similar'" in issues[0].reason
    fin7, fin7_issues = imports.misp_relationships(
        galaxy["values"][2], index=2, galaxy_type="threat-actor", local=local, options=OPTIONS
    )
    # FIN7 "uses" Wizard Spider: both actors, and USES goes to services, infrastructure or financiers.
    assert (
        len(fin7) == 1 and fin7_issues[0].where == "values[2].related[1]" and "does not allow" in fin7_issues[0].reason
    )
    used_by = {"uuid": "t-1", "related": [{"dest-uuid": "a-1", "type": "used-by"}]}
    ((reversed_uses, _),), _ = imports.misp_relationships(
        used_by, index=0, galaxy_type="tool", local={}, options=OPTIONS
    )
    assert (
        reversed_uses.source.id == "misp-galaxy-cluster--a-1" and reversed_uses.target.id == "misp-galaxy-cluster--t-1"
    )


def test_an_unknown_galaxy_type_is_listed_not_guessed(tmp_path: Path) -> None:
    path = tmp_path / "galaxy.json"
    path.write_text(json.dumps({"type": "sector", "values": [{"value": "Banking", "uuid": "s-1"}]}))
    (batch,) = read(path, "entities")
    assert not batch.entities and batch.issues[0].status == "unmapped" and "'sector'" in batch.issues[0].reason
