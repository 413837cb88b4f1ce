"""STIX locations both ways, without a database: `location` + `located-at` read as an entity claim's countries, and
an entity's countries written as one location per country and a located-at per country, under the giving claim."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from typing import Any

import pytest
from stix2validator import ValidationOptions, validate_string

from atlas_graph.models.vocabulary import EntityKind, Tlp
from atlas_graph.stix.reading import MappedBundle, entity_from_stix, map_stix_bundle
from atlas_graph.stix.vocabulary import ATLAS_EXTENSION_ID, TLP_2_MARKINGS
from atlas_graph.stix.writing import (
    entity_object,
    located_at_objects,
    location_id,
    location_object,
    organization_identity_id,
)
from atlas_graph.store.export import ExportedEntity

from .objects import located_at, stix_object

FIN7 = "intrusion-set--3753cc21-2dae-4dfb-8481-d004e74502cc"
HOST = "infrastructure--0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
GERMANY = "location--6f0e1d2c-3b4a-4958-8776-a5b4c3d2e1f0"
NOWHERE = "location--1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"


def _map(*objects: dict[str, Any], stored: Mapping[str, EntityKind] | None = None) -> MappedBundle:
    def stored_kinds(ids: Collection[str]) -> Mapping[str, EntityKind]:
        return {stix_id: kind for stix_id, kind in (stored or {}).items() if stix_id in ids}

    bundle = {"type": "bundle", "objects": list(objects)}
    return map_stix_bundle(bundle, default_tlp=Tlp.GREEN, default_confidence=50, stored_kinds=stored_kinds)


def test_a_located_at_gives_the_entity_claim_its_location_country() -> None:
    mapped = _map(
        stix_object("intrusion-set", FIN7, name="FIN7"),
        stix_object("location", GERMANY, country="de"),  # STIX asks for upper case; lower case is read as meant
        stix_object("location", NOWHERE, country="NL", name="Netherlands"),
        located_at(FIN7, GERMANY),
        located_at(FIN7, NOWHERE, 2),
    )
    (entity,) = mapped.entities
    assert entity.countries == ["DE", "NL"]
    assert mapped.located == [3, 4] and mapped.relationships == []
    assert mapped.unmapped == [] and mapped.invalid == []


def test_a_country_that_is_no_iso_code_is_refused_naming_the_property() -> None:
    mapped = _map(
        stix_object("intrusion-set", FIN7, name="FIN7"),
        stix_object("location", GERMANY, country="Germany"),
        stix_object("location", NOWHERE, region="europe"),
        located_at(FIN7, GERMANY),
    )
    (entity,) = mapped.entities
    assert entity.countries == []
    (invalid,) = mapped.invalid
    assert (invalid.index, invalid.id) == (1, GERMANY)
    assert invalid.reason == "country 'Germany' is not an ISO 3166-1 alpha-2 country code"
    assert mapped.invalid_properties[1] == ["country"]
    region_only, relationship = mapped.unmapped
    assert region_only.id == NOWHERE and "without a country" in region_only.reason
    assert relationship.index == 3 and relationship.reason.startswith(f"{GERMANY} is invalid or gives no country")


def test_a_country_never_joins_a_claim_shared_more_widely_than_it_is_marked() -> None:
    red = TLP_2_MARKINGS[Tlp.RED]
    mapped = _map(
        stix_object("intrusion-set", FIN7, name="FIN7", object_marking_refs=[TLP_2_MARKINGS[Tlp.GREEN]]),
        stix_object("infrastructure", HOST, name="Rack 7", object_marking_refs=[red]),
        stix_object("location", GERMANY, country="DE"),
        stix_object("location", NOWHERE, country="FR", object_marking_refs=[TLP_2_MARKINGS[Tlp.AMBER]]),
        located_at(FIN7, GERMANY, 1, object_marking_refs=[red]),  # stricter than the claim: refused
        located_at(FIN7, NOWHERE, 2),  # the location itself is AMBER: refused too
        located_at(HOST, GERMANY, 3, object_marking_refs=[red]),  # as strict as the RED claim: joins
    )
    fin7, host = mapped.entities
    assert fin7.countries == [] and host.countries == ["DE"]
    assert [issue.index for issue in mapped.unmapped] == [4, 5]
    assert mapped.unmapped[0].reason.startswith("marked TLP:RED, stricter than the TLP:GREEN claim")
    assert mapped.unmapped[1].reason.startswith("marked TLP:AMBER, stricter than the TLP:GREEN claim")


def test_a_located_at_to_a_stored_entity_is_a_delta_and_to_a_hidden_one_answers_as_to_nothing() -> None:
    location = stix_object("location", GERMANY, country="DE")
    delta = _map(location, located_at(FIN7, GERMANY), stored={FIN7: EntityKind.ACTOR})
    (located,) = delta.located_deltas
    assert (located.entity, located.kind, located.country, located.marked) == (FIN7, EntityKind.ACTOR, "DE", None)
    assert delta.unmapped == [] and delta.entities == []

    hidden = _map(location, located_at(FIN7, GERMANY), stored={})
    (issue,) = hidden.unmapped
    assert issue.reason == f"{FIN7} is neither imported from this bundle nor stored, so this relationship cannot be"
    assert hidden.located_deltas == []


def _claim(organization: str, tlp: Tlp, countries: list[str], minute: int) -> dict[str, Any]:
    moment = datetime(2026, 1, 5, 10, minute, tzinfo=UTC)
    return {
        "organization": organization,
        "name": "Host East",
        "category": "hosting",
        "tlp": tlp.value,
        "confidence": 60,
        "countries": countries,
        "recorded_at": moment,
        "updated_at": moment,
    }


def test_each_country_is_written_under_the_most_openly_shared_claim_that_gives_it() -> None:
    entity = ExportedEntity(
        id="host-east",
        kind=EntityKind.INFRASTRUCTURE.value,
        claims=[
            _claim("Org A", Tlp.AMBER, ["DE"], 0),
            _claim("Org B", Tlp.GREEN, ["DE", "NL"], 1),
            _claim("Org C", Tlp.RED, ["RU"], 2),
        ],
    )
    sdo = entity_object(entity, organization="Org C")
    located = located_at_objects(entity, entity_ref=sdo["id"])
    assert [country for country, _, _ in located] == ["DE", "NL", "RU"]
    by_country = {country: (sro, claim["organization"]) for country, sro, claim in located}
    assert by_country["DE"][1] == by_country["NL"][1] == "Org B" and by_country["RU"][1] == "Org C"
    de, _ = by_country["DE"]
    assert de["source_ref"] == sdo["id"] and de["target_ref"] == location_id("DE")
    assert de["created_by_ref"] == organization_identity_id("Org B")
    assert de["object_marking_refs"] == [TLP_2_MARKINGS[Tlp.GREEN]]
    assert by_country["RU"][0]["object_marking_refs"] == [TLP_2_MARKINGS[Tlp.RED]]
    # Ids are the same on every run and installation; a location's id depends on its country only.
    assert located_at_objects(entity, entity_ref=sdo["id"])[0][1]["id"] == de["id"]
    assert location_object("DE")["id"] == location_id("DE") != location_id("NL")
    assert location_object("DE")["country"] == "DE"
    # The extension keeps each assertion's own countries, and reads them back.
    assertions = sdo["extensions"][ATLAS_EXTENSION_ID]["assertions"]
    assert [a["countries"] for a in assertions] == [["DE"], ["DE", "NL"], ["RU"]]
    assert entity_from_stix(sdo, organization="Org C").countries == ["RU"]


@pytest.mark.parametrize("country", ["DE", "NL"])
def test_written_locations_and_located_at_are_valid_stix(country: str) -> None:
    entity = ExportedEntity(id="e", kind="infrastructure", claims=[_claim("Org A", Tlp.GREEN, [country], 0)])
    sdo = entity_object(entity, organization="Org A")
    ((_, sro, _),) = located_at_objects(entity, entity_ref=sdo["id"])
    for obj in (location_object(country), sro):
        results = validate_string(json.dumps(obj), ValidationOptions(version="2.1"))
        assert results.is_valid, [str(error) for error in results.errors]
    # And they read back as the country of the entity.
    mapped = _map({k: v for k, v in sdo.items() if k != "extensions"}, location_object(country), sro)
    assert mapped.entities[0].countries == [country]
