"""JSON bundle files: items validated one by one."""

from __future__ import annotations

from tests.unit.imports.reading import IMPORT_FIXTURES, read


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
