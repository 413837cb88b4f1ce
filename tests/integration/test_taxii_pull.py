"""`atlas-graph import --taxii` from medallion, the OASIS reference TAXII 2.1 server (memory backend, started here on
loopback), loaded with the ATT&CK subset: every page, a resumed pull, polling for what is new, and CLI errors."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from atlas_graph.cli.commands import main
from atlas_graph.config import Settings
from atlas_graph.models.vocabulary import Role, Tlp
from atlas_graph.services import organizations
from atlas_graph.services.caller import Caller
from atlas_graph.stix.importer import import_stix_bundle
from atlas_graph.store.export import export_reader
from atlas_graph.store.graph import GraphStore
from atlas_graph.taxii.pull import PullProgress, PullSummary, TaxiiPullError, TaxiiSource, pull
from tests.integration.taxii_peers import Medallion, medallion

ATTACK = Path(__file__).parents[2] / "src/atlas_graph/demo/attack_subset.stix.json"
PAGE_SIZE = 10


def _attack_objects() -> list[dict[str, Any]]:
    objects: list[dict[str, Any]] = json.loads(ATTACK.read_text())["objects"]
    return objects


@pytest.fixture(scope="module")
def feed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Medallion]:
    with medallion(tmp_path_factory.mktemp("medallion"), page_size=PAGE_SIZE) as server:
        # Three POSTs, so that the collection has three dates added, as a feed that grew over time.
        objects = _attack_objects()
        for start in range(0, len(objects), 40):
            status = server.add(objects[start : start + 40])
            assert status["status"] == "complete"
        yield server


def _graph_of(store: GraphStore, organization: str) -> tuple[set[tuple[str, str]], set[tuple[str, str, str]]]:
    """(kind, name) of each entity and (type, source, target) names of each relationship the organization claims."""
    with export_reader(store, organization=organization) as reader:
        names: dict[str, tuple[str, str]] = {}
        for entity in reader.entities():
            own = [claim for claim in entity.claims if claim["organization"] == organization]
            if own:
                names[entity.id] = (entity.kind, own[0]["name"])
        relationships = {
            (relationship.type, names[relationship.source][1], names[relationship.target][1])
            for relationship in reader.relationships()
            if any(claim["organization"] == organization for claim in relationship.claims)
        }
    return set(names.values()), relationships


def _caller(store: GraphStore, organization: str) -> Caller:
    organizations.create_organization(store, name=organization)
    return Caller(organization=organization, role=Role.INTEGRATION, key_id="test")


def _source(feed: Medallion, **changes: str) -> TaxiiSource:
    return TaxiiSource(
        url=changes.get("url", feed.url),
        collection=changes.get("collection", feed.collection_id),
        user=feed.user,
        password=changes.get("password", feed.password),
    )


PullFeed = Callable[..., PullSummary]


@pytest.fixture
def pull_feed(feed: Medallion, graph: GraphStore, tmp_path: Path) -> PullFeed:
    """`pull_feed(caller, **options)`: a pull of the feed into `graph`, state in `tmp_path`, with this file's
    settings (TLP green, confidence 50, pages of PAGE_SIZE); `options` add to them or replace them."""

    def run(caller: Caller, **options: Any) -> PullSummary:
        settings: dict[str, Any] = {
            "source": _source(feed),
            "state_dir": tmp_path,
            "default_tlp": Tlp.GREEN,
            "default_confidence": 50,
            "max_items": 1000,
            "page_size": PAGE_SIZE,
        }
        return pull(graph, caller=caller, **{**settings, **options})

    return run


def test_a_pull_imports_every_page_as_the_bundle_would(feed: Medallion, graph: GraphStore, pull_feed: PullFeed) -> None:
    direct = _caller(graph, "Org Direct")
    bundle = {"type": "bundle", "id": "bundle--8e0c8d3e-2c4a-4f7e-bb87-6f4b3fb0e0a1", "objects": _attack_objects()}
    straight = import_stix_bundle(
        graph,
        caller=direct,
        bundle=bundle,
        default_tlp=Tlp.GREEN,
        default_confidence=50,
        on_invalid="skip",
        max_items=1000,
    )
    puller = _caller(graph, "Org Pull")
    pages: list[PullProgress] = []
    summary = pull_feed(puller, on_page=pages.append)
    total = len(_attack_objects())
    assert summary.objects == total and summary.pages == len(pages) == -(-total // PAGE_SIZE)
    assert [progress.objects for progress in pages] == sorted(progress.objects for progress in pages)
    entities, relationships = _graph_of(graph, "Org Pull")
    assert (entities, relationships) == _graph_of(graph, "Org Direct")
    assert ("actor", "FIN7") in entities and len(relationships) > 20
    # Attack patterns, indicators, sightings, files... are counted by type, as the STIX import lists them.
    assert summary.unmapped == Counter(issue.type for issue in straight.unmapped)
    assert summary.unmapped["attack-pattern"] == 2 and summary.invalid == len(straight.invalid)
    assert summary.cursor is not None and sum(summary.entities.values()) == len(entities)

    # The next run asks only for what was added since: nothing, then one new object.
    again = pull_feed(puller)
    assert again.objects == 0 and again.started_after == summary.cursor
    newcomer = {
        "type": "intrusion-set",
        "spec_version": "2.1",
        "id": "intrusion-set--4d3c2b1a-0f9e-4d8c-8b7a-6f5e4d3c2b1a",
        "created": "2026-02-01T00:00:00.000Z",
        "modified": "2026-02-01T00:00:00.000Z",
        "name": "Late Crew",
    }
    feed.add([newcomer])
    latest = pull_feed(puller)
    assert latest.objects == 1 and latest.entities["created"] == 1
    assert ("actor", "Late Crew") in _graph_of(graph, "Org Pull")[0]


def test_an_interrupted_pull_resumes_where_it_stopped(graph: GraphStore, pull_feed: PullFeed) -> None:
    puller = _caller(graph, "Org Resume")
    complete = _caller(graph, "Org Complete")
    pull_feed(complete)

    def stop_after_five(progress: PullProgress) -> None:
        if progress.page == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        pull_feed(puller, on_page=stop_after_five)
    resumed = pull_feed(puller)
    total = len(_attack_objects()) + 1  # the newcomer of the test before, if it ran: medallion is shared
    assert resumed.started_after is not None
    # Resumed from the cursor: at most the objects of the interrupted instant again, not the whole feed.
    assert 0 < resumed.objects <= total - 40  # the first POST (40 objects, one instant) is not asked for again
    assert _graph_of(graph, "Org Resume") == _graph_of(graph, "Org Complete")


def test_cli_pull_and_its_one_line_errors(
    feed: Medallion,
    graph: GraphStore,
    settings: Settings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    pull_feed: PullFeed,
) -> None:
    organizations.create_organization(graph, name="Org Cli")
    monkeypatch.setattr("atlas_graph.cli.commands.Settings", lambda: settings)
    base = ["import", "--org", "Org Cli", "--checkpoint-dir", str(tmp_path), "--taxii", feed.url]
    assert main([*base, "--collection", feed.collection_id, "--user", feed.user, "--password", feed.password]) == 0
    out, err = capsys.readouterr()
    assert "object(s) from the start" in out and "unmapped:" in out and "attack-pattern 2" in out
    assert "taxii: page 1," in err

    # --every: a pull, a wait, another pull (only what is new: nothing), until stopped.
    waits: list[float] = []

    def wait(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr("time.sleep", wait)
    every = [*base, "--collection", feed.collection_id, "--user", feed.user, "--password", feed.password]
    assert main([*every, "--every", "15m"]) == 130
    out, err = capsys.readouterr()
    assert waits == [900, 900] and out.count("0 object(s) added after") == 2 and "interrupted" in err
    monkeypatch.undo()
    monkeypatch.setattr("atlas_graph.cli.commands.Settings", lambda: settings)

    assert main([*base, "--collection", feed.collection_id, "--user", feed.user, "--password", "wrong"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "refused the credentials (401)" in err

    assert main([*base, "--collection", "no-such-collection", "--user", feed.user, "--password", feed.password]) == 1
    err = capsys.readouterr().err.strip()
    assert "no collection 'no-such-collection'" in err and feed.collection_id in err

    unreachable = [
        "import",
        "--org",
        "Org Cli",
        "--checkpoint-dir",
        str(tmp_path),
        "--taxii",
        "http://127.0.0.1:9/taxii2/",
    ]
    assert main([*unreachable, "--collection", "x", "--user", "u", "--password", "p"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith(
        "atlas-graph: error: cannot reach the TAXII server at http://127.0.0.1:9/"
    )

    with pytest.raises(TaxiiPullError, match="refused"):
        pull_feed(
            Caller(organization="Org Cli", role=Role.INTEGRATION, key_id="t"), source=_source(feed, password="wrong")
        )
