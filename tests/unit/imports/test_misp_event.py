"""MISP events read through misp-stix: real events from pymisp's and misp-stix's test data, and broken files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from atlas_graph.errors import InvalidInput
from atlas_graph.imports.batches import Batch, ImportIssue
from atlas_graph.imports.detection import detect_format
from atlas_graph.imports.formats.misp_event import MispEventReader
from atlas_graph.imports.options import ImportOptions
from atlas_graph.imports.progress import ProgressMeter
from atlas_graph.models.bundles import EntityIn
from atlas_graph.models.vocabulary import Tlp

MISP = Path(__file__).resolve().parents[2] / "fixtures" / "misp"


def read(path: Path, options: ImportOptions | None = None) -> tuple[list[EntityIn], list[str], list[ImportIssue]]:
    reader = MispEventReader(path, options=options or ImportOptions(), organization="Org A")
    meter = ProgressMeter(path.name, ("checksum", *reader.stages), None)
    batches: list[Batch] = []
    for phase in ("entities", "relationships"):
        batches += reader.batches(phase, batch_size=100, skip=0, resume=None, meter=meter)
    entities = [entity for batch in batches for entity in batch.entities]
    sources = [source for batch in batches for source in batch.entity_sources]
    return entities, sources, [issue for batch in batches for issue in batch.issues]


def described(entities: list[EntityIn]) -> set[tuple[str, str, str | None, str | None]]:
    return {(e.kind.value, e.name, e.category, e.tlp.value if e.tlp else None) for e in entities}


def test_misp_event_files_are_told_apart() -> None:
    for path in MISP.glob("*.json"):
        assert detect_format(path) == "misp-event", path.name


def test_galaxies_attached_to_events_become_actors_and_providers() -> None:
    actors, sources, _ = read(MISP / "misp-stix-event_with_threat_actor_galaxy.json")
    assert described(actors) == {("actor", "Cutting Kitten", "group", "GREEN")}
    assert actors[0].aliases == ["Ghambar"]
    assert sources == ["events[0] objects[2]"]
    tools, _, _ = read(MISP / "misp-stix-event_with_tool_galaxy.json")
    assert described(tools) == {("service_provider", "cmd", "tool", "GREEN")}
    assert tools[0].external_ids == {"mitre-attack": "S0106"}
    malware, _, _ = read(MISP / "misp-stix-event_with_malware_galaxy.json")
    assert described(malware) == {("service_provider", "BISCUIT", "malware", "GREEN")}


def test_galaxy_tags_become_entities_and_the_tlp_tag_their_tlp() -> None:
    # A feed carries galaxies as tags only: misp-galaxy:ransomware="Samas-Samsam", under tlp:white.
    entities, _, _ = read(MISP / "pymisp-samsam-ransomware-event.json", ImportOptions(default_tlp=Tlp.RED))
    assert described(entities) == {
        ("service_provider", "Samas-Samsam", "malware", "CLEAR"),
        ("service_provider", "SamSam", "malware", "CLEAR"),
    }


def test_attributes_become_infrastructure_and_links_are_left_out() -> None:
    entities, _, issues = read(MISP / "misp-stix-test_events_collection_1.json")
    assert described(entities) == {("infrastructure", "circl.lu", "domain", "GREEN")}
    assert any(issue.reason.startswith("STIX type 'autonomous-system'") for issue in issues)
    # Distribution 0 ("your organisation only") and no tlp tag: AMBER+STRICT, whatever --tlp says.
    url, _, _ = read(MISP / "pymisp-misp_event.json", ImportOptions(default_tlp=Tlp.CLEAR))
    assert described(url) == {("infrastructure", "http://fake.website.com/malware/is/here", "url", "AMBER+STRICT")}
    links, _, issues = read(MISP / "pymisp-57c4445b-c548-4654-af0b-4be3950d210f.json")
    assert links == []
    skipped = [issue for issue in issues if issue.status == "skipped" and "Attribute[" in issue.where]
    assert [issue.where for issue in skipped] == ["events[0] Attribute[0]", "events[0] Attribute[1]"]
    assert all("a reference, not infrastructure" in issue.reason for issue in skipped)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"Event": {"info": "cut', "not JSON"),
        ("[]", "no MISP event in it"),
        ('[{"Event": {"info": "ok"}}, {"Attribute": []}]', "events[1] is not a MISP event"),
        ('{"Event": {"uuid": "a6ef17d6-91cb-4a05-b10b-2f045daf874c"}}', "info field of the new event is required"),
        (
            '{"Event": {"info": "x", "Attribute": [{"type": "nonsense", "value": "1.2.3.4"}]}}',
            "nonsense is invalid (not a MISP attribute type)",
        ),
        ('{"Event": {"info": "x", "uuid": "not-a-uuid"}}', "events[0]: misp-stix cannot convert it"),
    ],
)
def test_a_broken_file_is_one_clear_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "broken.json"
    path.write_text(content)
    with pytest.raises(InvalidInput) as raised:
        MispEventReader(path, options=ImportOptions(), organization="Org A")
    assert str(raised.value).startswith(f"{path}: ") and message in str(raised.value)
    assert "\n" not in str(raised.value) and len(str(raised.value)) < 500


def test_several_events_share_an_entity_at_its_most_permissive_tlp(tmp_path: Path) -> None:
    event = json.loads((MISP / "misp-stix-event_with_threat_actor_galaxy.json").read_text())
    red = json.loads(json.dumps(event))
    red["Event"]["Tag"] = [{"name": "tlp:red"}]
    green = json.loads(json.dumps(event))
    green["Event"]["Tag"] = [{"name": "tlp:green"}, {"name": "tlp:clear"}]  # several tags: the strictest
    path = tmp_path / "two.json"
    path.write_text(json.dumps([red, green]))
    entities, _, _ = read(path)
    assert described(entities) == {("actor", "Cutting Kitten", "group", "GREEN")}
