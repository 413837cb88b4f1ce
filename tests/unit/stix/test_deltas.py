"""The mapping of deltas and revoked objects (issue 13, item 6), without a database: the store is a lookup table."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from atlas_graph.models.vocabulary import EntityKind, RelationshipType, Tlp
from atlas_graph.stix.reading import map_stix_bundle

FIN7 = "intrusion-set--3753cc21-2dae-4dfb-8481-d004e74502cc"
SLIVER = "tool--7dd1e1b4-4d59-4b15-8e41-b2e1d07da5a0"
STAMP = "2026-01-05T10:00:00.000Z"


def _object(stix_type: str, stix_id: str, **fields: Any) -> dict[str, Any]:
    return {"type": stix_type, "spec_version": "2.1", "id": stix_id, "created": STAMP, "modified": STAMP, **fields}


def _uses(**fields: Any) -> dict[str, Any]:
    return _object(
        "relationship",
        "relationship--2c9f3f0e-6c2b-4a4d-9b8e-5f0a1d2c3b4a",
        relationship_type="uses",
        source_ref=FIN7,
        target_ref=SLIVER,
        **fields,
    )


def _map(*objects: dict[str, Any], stored: Mapping[str, EntityKind]) -> Any:
    asked: list[Collection[str]] = []

    def stored_kinds(ids: Collection[str]) -> Mapping[str, EntityKind]:
        asked.append(ids)
        return {stix_id: stored[stix_id] for stix_id in ids if stix_id in stored}

    bundle = {"type": "bundle", "objects": list(objects)}
    return map_stix_bundle(bundle, default_tlp=Tlp.GREEN, default_confidence=50, stored_kinds=stored_kinds), asked


def test_a_relationship_between_stored_ends_maps_by_their_stored_kinds() -> None:
    stored = {FIN7: EntityKind.ACTOR, SLIVER: EntityKind.SERVICE_PROVIDER}
    mapped, asked = _map(_uses(), stored=stored)
    assert asked == [[FIN7, SLIVER]]
    (relationship,) = mapped.relationships
    assert relationship.type is RelationshipType.USES
    assert (relationship.source.id, relationship.target.id) == (FIN7, SLIVER)
    assert mapped.unmapped == []


def test_an_end_the_store_does_not_give_is_unmapped_and_ends_in_the_bundle_are_not_asked_for() -> None:
    mapped, asked = _map(_object("intrusion-set", FIN7, name="FIN7"), _uses(), stored={})
    assert asked == [[SLIVER]]
    assert mapped.relationships == []
    (issue,) = mapped.unmapped
    assert issue.reason == f"{SLIVER} is neither imported from this bundle nor stored, so this relationship cannot be"


def test_revoked_objects_are_collected_for_retraction_not_imported() -> None:
    stored = {FIN7: EntityKind.ACTOR, SLIVER: EntityKind.SERVICE_PROVIDER}
    mapped, _ = _map(
        _object("intrusion-set", FIN7, name="FIN7", revoked=True),
        _uses(revoked=True),
        _object("attack-pattern", "attack-pattern--0c4f1e5b-9a3d-4b2e-8f1a-6d5c4b3a2918", name="T1", revoked=True),
        stored=stored,
    )
    assert mapped.entities == [] and mapped.relationships == []
    entity, relationship = mapped.revoked
    assert (entity.index, entity.id, entity.kind) == (0, FIN7, EntityKind.ACTOR)
    assert relationship.index == 1 and relationship.relationship is not None
    assert relationship.relationship.type is RelationshipType.USES
    # No place in the model: nothing of the caller's can be on it.
    assert [issue.index for issue in mapped.skipped] == [2]


def test_an_entity_revoked_in_the_bundle_is_no_end_for_a_new_relationship() -> None:
    stored = {FIN7: EntityKind.ACTOR, SLIVER: EntityKind.SERVICE_PROVIDER}
    mapped, _ = _map(_object("intrusion-set", FIN7, name="FIN7", revoked=True), _uses(), stored=stored)
    assert mapped.relationships == [] and [issue.index for issue in mapped.unmapped] == [1]
