"""The explorer at scale: a generated ecosystem of 5,000 entities and 10,000 relationships, posted through the API,
drawn at 500, 2,000 and 5,000 nodes in headless Chromium.

Each size is gathered from the API as the explorer would (a neighborhood; the entity list and neighborhoods of the
hubs), handed to the page, and drawn by the explorer's own code, radially and with ForceAtlas2 in its worker; the page
reports the time to its first painted frame and to a settled layout. After each, Fit must show every node, and at
5,000 nodes the hubs' leaves are folded into "+N" groups. The figures are printed at the end of the run (with their
ratio to a fixed piece of work timed in the same page, and kept in test-artifacts/explorer-timings.json); they are
not asserted, because this machine is shared and a timed assertion would be flaky.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from atlas_graph.config import Settings
from atlas_graph.main import create_app
from atlas_graph.models.vocabulary import Role
from atlas_graph.services import access, organizations
from atlas_graph.store.graph import GraphStore
from atlas_graph.store.maintenance import delete_everything
from atlas_graph.synthetic import generate_ecosystem
from tests.conftest import REPO
from tests.e2e.conftest import TIMINGS, browser_page, call_api, screenshot
from tests.integration.live_service import serving

ENTITIES, RELATIONSHIPS, SEED = 5_000, 10_000, 18
SIZES = (500, 2_000, 5_000)
SCREENSHOT_NUMBER = {500: 15, 2_000: 16, 5_000: 17}
HUBS = 12
"""Neighborhoods (depth 2, at most 1,000 entities) of this many hubs give the relationships among all entities."""


@dataclass(frozen=True)
class Scale:
    base_url: str
    key: str
    drawings: dict[int, dict[str, Any]]
    """For each size, what the page is given: {"nodes", "edges", "center"} in the neighborhood answer's shape."""


def _neighborhood(base_url: str, headers: dict[str, str], entity_id: str, depth: int, limit: int) -> Any:
    return call_api(base_url, "GET", f"/v1/entities/{entity_id}/neighborhood?depth={depth}&limit={limit}", headers)


def _restricted(nodes: list[dict[str, Any]], edges: dict[str, dict[str, Any]], center: str) -> dict[str, Any]:
    kept = {node["id"] for node in nodes}
    return {
        "nodes": nodes,
        "edges": [edge for edge in edges.values() if edge["source"] in kept and edge["target"] in kept],
        "center": center,
    }


@pytest.fixture(scope="module")
def scale(settings: Settings, store: GraphStore) -> Iterator[Scale]:
    """The ecosystem posted once for the module by an analyst of Org A, and the drawings gathered from the API."""
    delete_everything(store)
    organizations.create_organization(store, name="Org A")
    key = access.issue_key(store, organization="Org A", role=Role.ANALYST).token
    headers = {"Authorization": f"Bearer {key}"}
    ecosystem = generate_ecosystem(entities=ENTITIES, relationships=RELATIONSHIPS, seed=SEED)
    degree: dict[str, int] = {}
    for relationship in ecosystem.relationships:
        for end in (relationship["source"]["id"], relationship["target"]["id"]):
            degree[end] = degree.get(end, 0) + 1
    hubs = sorted(degree, key=lambda entity_id: (-degree[entity_id], entity_id))[:HUBS]
    with serving(create_app(settings, store=store)) as base_url:
        for bundle in ecosystem.batches(5_000):
            call_api(base_url, "POST", "/v1/bundles", headers, bundle)

        # 500: what "Neighborhood" draws for the biggest hub at depth 2, at most 500 entities.
        first = _neighborhood(base_url, headers, hubs[0], 2, 500)
        drawings = {500: {"nodes": first["nodes"], "edges": first["edges"], "center": first["center"]}}

        everyone: list[dict[str, Any]] = []
        while len(everyone) < ENTITIES:
            page = call_api(base_url, "GET", f"/v1/entities?offset={len(everyone)}&limit=500", headers)
            everyone += [{key: item[key] for key in ("id", "kind", "name", "category")} for item in page["items"]]
            assert page["items"], "the entity list ended early"
        order: dict[str, dict[str, Any]] = {}  # in the order the hubs' neighborhoods reach them
        edges: dict[str, dict[str, Any]] = {}
        for hub in hubs:
            answer = _neighborhood(base_url, headers, hub, 2, 1_000)
            for node in answer["nodes"]:
                order.setdefault(node["id"], node)
            for edge in answer["edges"]:
                edges[edge["key"]] = edge
        assert len(order) >= 2_000
        drawings[2_000] = _restricted(list(order.values())[:2_000], edges, hubs[0])
        drawings[5_000] = _restricted(everyone, edges, hubs[0])
        yield Scale(base_url=base_url, key=key, drawings=drawings)


BASELINE_JS = """() => {
  // A fixed piece of work (sorting a million numbers), timed in the same page: the figures are printed as ratios
  // to it too, because this machine is shared and its speed varies from run to run.
  let seed = 1;
  const numbers = Float64Array.from({ length: 1_000_000 }, () => (seed = (seed * 16807) % 2147483647));
  const start = performance.now();
  numbers.sort();
  return performance.now() - start;
}"""

OFF_SCREEN_JS = """() => {
  // The visible nodes whose centre is outside the graph's canvas, as the page's own coordinates place them.
  const graph = window.atlasExplorer.graph;
  const box = document.querySelector('#cy').getBoundingClientRect();
  const visible = graph.graph.filterNodes((node, attributes) => !attributes.hidden);
  const outside = visible.filter((node) => {
    const { x, y } = graph.screenPoint(node);
    return !(x >= box.left && x <= box.right && y >= box.top && y <= box.bottom);
  });
  return { visible: visible.length, outside: outside.slice(0, 5), outsideCount: outside.length };
}"""


def assert_fit_shows_every_node(page: Page) -> int:
    """Clicks Fit, then checks that every visible node is inside the canvas; returns how many are visible."""
    page.mouse.wheel(0, -600)  # zoomed in first, so that Fit has something to undo
    page.click("#graph-fit")
    page.wait_for_timeout(50)
    placed = page.evaluate(OFF_SCREEN_JS)
    assert placed["visible"] > 0
    assert placed["outsideCount"] == 0, f"after Fit, {placed['outsideCount']} nodes are off screen: {placed['outside']}"
    return int(placed["visible"])


def test_large_graphs_are_drawn_fitted_and_timed(browser: Browser, scale: Scale) -> None:
    with browser_page(browser, scale.base_url) as page:
        page.goto("/")
        page.fill("#api-key", scale.key)
        page.click("#signin-form button[type=submit]")
        page.wait_for_function("() => document.body.dataset.signedIn === 'true'")
        page.evaluate("(drawings) => { window.scaleDrawings = drawings; }", scale.drawings)
        baseline = page.evaluate(BASELINE_JS)
        TIMINGS.append(f"baseline: sorting 1,000,000 numbers in the page took {baseline:.0f} ms (ratios: x baseline)")
        results: list[dict[str, Any]] = [{"baseline_ms": baseline}]
        for size in SIZES:
            drawing = scale.drawings[size]
            for layout in page.evaluate("() => window.atlasExplorer.measuredLayouts"):
                measured = page.evaluate(
                    "([size, layout]) => window.atlasExplorer.measureDraw(window.scaleDrawings[size], layout)",
                    [size, layout],
                )
                assert measured["nodes"] == len(drawing["nodes"]), "not every node was drawn"
                assert measured["outcome"] in ("done", "settled", "budget spent"), measured
                results.append({"size": size, "edges": len(drawing["edges"]), "layout": layout, **measured})
                TIMINGS.append(
                    f"{len(drawing['nodes']):>5} nodes {len(drawing['edges']):>6} edges  {layout:<7} "
                    f"first draw {measured['firstDraw'] / 1000:5.2f} s ({measured['firstDraw'] / baseline:5.1f}x)   "
                    f"settled {measured['settled'] / 1000:6.2f} s ({measured['settled'] / baseline:6.1f}x, "
                    f"{measured['outcome']}, {measured['iterations']} iterations)"
                )
            # The last layout measured is ForceAtlas2: Fit must show all of its nodes, however far they spread.
            assert assert_fit_shows_every_node(page) == len(drawing["nodes"])
            page.mouse.move(5, 5)
            screenshot(page, f"{SCREENSHOT_NUMBER[size]}-scale-{size}-force")

        # Hubs' leaves folded into "+N category" nodes: fewer nodes drawn, all of them still fitted.
        before = page.evaluate("() => window.atlasExplorer.graph.graph.filterNodes((n, a) => !a.hidden).length")
        page.click("#graph-collapse")
        groups = page.evaluate("() => window.atlasExplorer.graph.groups()")
        assert groups, "no hub had leaves to fold"
        for group in groups:
            assert re.fullmatch(rf"\+{len(group['members'])} \S.*", group["label"]), group["label"]
        folded = sum(len(group["members"]) for group in groups)
        visible = assert_fit_shows_every_node(page)
        assert visible == before - folded + len(groups)
        expect(page.locator("#graph-stats")).to_contain_text(f"{folded} folded into {len(groups)} hub group")
        page.mouse.move(5, 5)
        screenshot(page, "18-scale-5000-hubs-folded")
        TIMINGS.append(f"hubs folded: {folded} entities into {len(groups)} groups, {visible} nodes drawn")

        # Labels by zoom and importance: zoomed in, more names are written than on the whole picture.
        labels = "() => window.atlasExplorer.graph.sigma.getNodeDisplayedLabels().size"
        fitted = page.evaluate(labels)
        box = page.locator("#cy").bounding_box()
        assert box is not None
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        for _ in range(4):
            page.mouse.wheel(0, -300)
            page.wait_for_timeout(250)
        page.mouse.move(5, 5)
        page.wait_for_timeout(300)
        zoomed = page.evaluate(labels)
        assert zoomed > fitted, f"zooming in wrote {zoomed} names, the whole picture {fitted}"
        screenshot(page, "19-scale-5000-zoomed-in")
        (REPO / "test-artifacts").mkdir(exist_ok=True)
        (REPO / "test-artifacts" / "explorer-timings.json").write_text(json.dumps(results, indent=2) + "\n")
