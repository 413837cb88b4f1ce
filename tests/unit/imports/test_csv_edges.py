"""CSV edge lists: the column mapping, rows as claims, the entities they name, resuming."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from atlas_graph.errors import InvalidInput
from atlas_graph.imports.formats.csv_edges import (
    CsvColumns,
    CsvReader,
    Endpoint,
    EndpointClaims,
    RowError,
    relationship_from_row,
)
from atlas_graph.imports.options import CsvMapping, ImportOptions
from atlas_graph.models.bundles import EntityIn, RelationshipIn
from atlas_graph.models.vocabulary import EntityKind, RelationshipType, Tlp
from tests.unit.imports.reading import IMPORT_FIXTURES, OPTIONS, meter, read


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
    relationship, ends = relationship_from_row(
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
    by_id, ends = relationship_from_row(row(source_id="actor--1"), options=OPTIONS)
    assert by_id.source.id == "actor--1" and [e.name for e in ends] == ["Host"]
    defaults = ImportOptions(default_tlp=Tlp.RED, default_confidence=20)
    relationship, _ = relationship_from_row(row(), options=defaults)
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
        relationship_from_row(row(**values), options=OPTIONS)


def test_entities_named_by_rows_take_the_most_permissive_tlp_and_every_spelling() -> None:
    claims = EndpointClaims()
    rel = RelationshipIn.model_validate
    ends = Endpoint(EntityKind.ACTOR, "Crew", None)
    claims.add(ends, rel({**_rel(), "tlp": "RED", "share_with": ["Org B"], "confidence": 90}), 2)
    claims.add(Endpoint(EntityKind.ACTOR, "CREW", "group"), rel({**_rel(), "tlp": "AMBER"}), 3)
    claims.add(Endpoint(EntityKind.ACTOR, "Secret", None), rel({**_rel(), "tlp": "RED", "share_with": ["Org C"]}), 4)
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
        CsvReader(path, options=OPTIONS, organization="Org A").batches(
            "relationships", batch_size=3, skip=3, resume=batches[0].resume, meter=meter()
        )
    )
    skipped = read(path, "relationships", batch_size=3, skip=3)
    assert [(b.relationship_sources, b.issues) for b in resumed] == [
        (b.relationship_sources, b.issues) for b in skipped
    ]
    assert resumed[0].relationship_sources == ["line 6", "line 7", "line 8"]
