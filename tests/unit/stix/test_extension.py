"""The atlas-graph STIX extension, both ways: what an export writes, an import reads back as the same claim."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from atlas_graph.models.vocabulary import RelationshipType, Tlp
from atlas_graph.stix import reading, writing
from atlas_graph.stix.vocabulary import ATLAS_EXTENSION_ID, TLP_2_MARKINGS
from atlas_graph.store.export import ExportedEntity, ExportedRelationship

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def claim(organization: str, **fields: Any) -> dict[str, Any]:
    base = {
        "organization": organization,
        "confidence": 50,
        "tlp": "GREEN",
        "recorded_at": NOW,
        "updated_at": NOW,
        "name": "Tumbler",
        "aliases": [],
        "category": None,
        "attributes": None,
        "share_with": [],
        "references": [],
        "first_seen": None,
        "last_seen": None,
        "description": None,
    }
    return base | fields


@pytest.mark.parametrize(
    ("kind", "category", "stix_type"),
    [
        ("actor", None, "intrusion-set"),
        ("actor", "individual", "threat-actor"),
        ("actor", "campaign", "campaign"),
        ("service_provider", "ransomware_as_a_service", "malware"),
        ("service_provider", "phishing_kit", "tool"),
        ("service_provider", "forum", "identity"),
        ("financier", "otc_broker", "identity"),
        ("infrastructure", "onion_service", "infrastructure"),
        ("victim", "sector", "identity"),
    ],
)
def test_an_exported_entity_reads_back_as_the_same_claim(kind: str, category: str | None, stix_type: str) -> None:
    fields = {
        "category": category,
        "aliases": ["T1", "T2"],
        "confidence": 77,
        "tlp": "AMBER",
        "attributes": json.dumps({"chain": "BTC", "n": 3}),
        "references": ["https://example.invalid/x", "vendor:42", "a note"],
        "first_seen": date(2023, 1, 1),
        "last_seen": date(2023, 1, 1),
        "description": "what it is",
        "share_with": ["Org C"],
    }
    entity = ExportedEntity(id=f"{kind}--x", kind=kind, claims=[claim("Org A", **fields)])
    sdo = writing.entity_object(entity, organization="Org A")
    assert sdo["type"] == stix_type and sdo["id"].startswith(f"{stix_type}--")
    read_back = reading.entity_from_stix(sdo, organization="Org A")
    assert read_back.kind.value == kind and read_back.id == sdo["id"] and read_back.name == "Tumbler"
    assert read_back.aliases == ["T1", "T2"] and read_back.category == category
    assert read_back.attributes == {"chain": "BTC", "n": 3} and read_back.share_with == ["Org C"]
    assert read_back.references == fields["references"] and read_back.first_seen == date(2023, 1, 1)
    assert (read_back.tlp, read_back.confidence, read_back.description) == (Tlp.AMBER, 77, "what it is")
    # Another organization importing the same object claims the primary assertion, without its share_with.
    assert reading.entity_from_stix(sdo, organization="Org B").share_with == []


def test_the_primary_assertion_is_the_oldest_community_visible_one() -> None:
    later = datetime(2024, 6, 1, tzinfo=UTC)
    entity = ExportedEntity(
        id="intrusion-set--0ffc4a0a-aaf6-4f6e-818f-246a7795b082",
        kind="actor",
        claims=[claim("Org A", tlp="RED", name="Crew (internal)"), claim("Org B", name="Crew", recorded_at=later)],
    )
    sdo = writing.entity_object(entity, organization="Org A")
    assert sdo["id"] == entity.id  # already a STIX id of the right type: kept
    assert sdo["name"] == "Crew" and sdo["created_by_ref"] == writing.organization_identity_id("Org B")
    extension = sdo["extensions"][ATLAS_EXTENSION_ID]
    assert extension["primary"] == 1 and [a["name"] for a in extension["assertions"]] == ["Crew (internal)", "Crew"]
    assert sdo["granular_markings"] == [
        {
            "marking_ref": TLP_2_MARKINGS[Tlp.RED],
            "selectors": [f"extensions.{ATLAS_EXTENSION_ID}.assertions.[0]"],
        }
    ]
    # Org A re-importing its own export gets its own claim back, not Org B's.
    assert reading.entity_from_stix(sdo, organization="Org A").name == "Crew (internal)"


def test_an_exported_relationship_assertion_reads_back_as_the_same_claim() -> None:
    relationship = ExportedRelationship(
        key="PAYS|a|b",
        type="PAYS",
        source="a",
        target="b",
        claims=[claim("Org A", amount=12.5, currency="BTC", first_seen=date(2024, 2, 2), references=["x:1"])],
    )
    (sro,) = writing.relationship_objects(
        relationship, source_ref="identity--1", target_ref="intrusion-set--2", organization="Org A"
    )
    assert sro["relationship_type"] == "pays" and sro["start_time"] == "2024-02-02T00:00:00.000Z"
    read_back = reading.relationship_from_stix(sro, organization="Org A")
    assert read_back.type is RelationshipType.PAYS and (read_back.amount, read_back.currency) == (12.5, "BTC")
    assert read_back.source.id == "identity--1" and read_back.references == ["x:1"]
