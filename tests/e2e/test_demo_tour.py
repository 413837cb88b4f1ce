"""What a newcomer sees after `scripts/run`: the demo dataset in the explorer, signed in with the demo key.

The demo is loaded the way `serve --demo` loads it, then the tour of the README: search a real group, draw its
neighborhood, rank the providers and financiers, and follow the paths between two real groups.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from atlas_graph.services import demo
from atlas_graph.store.graph import GraphStore
from tests.e2e.conftest import screenshot
from tests.e2e.test_explorer import drawn, open_neighborhood, settle, sign_in

WIZARD_SPIDER = "intrusion-set--dd2d9ca6-505b-4860-a604-233685b802c7"


def test_a_newcomer_tours_the_demo(page: Page, live_server: str, graph: GraphStore) -> None:
    loaded = demo.load_demo(graph, max_items=10_000)
    sign_in(page, loaded.token)
    expect(page.locator("#caller-org")).to_have_text(demo.VIEWER_ORGANIZATION)

    open_neighborhood(page, "Wizard Spider", WIZARD_SPIDER)
    neighborhood = drawn(page)
    assert WIZARD_SPIDER in neighborhood["nodes"] and len(neighborhood["nodes"]) >= 4
    screenshot(page, "12-demo-neighborhood")

    page.click("#tab-button-chokepoints")
    for kind in ("service_provider", "financier"):
        page.check(f"input[name=cp-kind][value={kind}]")
    page.fill("#cp-top", "5")
    page.click("#cp-run")
    settle(page)
    ranking = page.evaluate("window.atlasExplorer.state.chokepoints.chokepoints")
    assert len(ranking) == 5
    assert {point["kind"] for point in ranking} <= {"service_provider", "financier"}
    items = page.locator("#cp-list > li")
    expect(items).to_have_count(5)
    expect(items.first.locator(".explanation")).to_have_text(ranking[0]["explanation"])
    page.click("#cp-draw")
    settle(page)
    assert sorted(drawn(page)["chokepoints"]) == sorted(point["id"] for point in ranking)
    screenshot(page, "13-demo-chokepoints")

    page.click("#tab-button-explore")
    for name, end in (("APT28", "from"), ("Wizard Spider", "to")):
        page.fill("#search-q", name)
        page.click("#search-form button[type=submit]")
        page.locator("#search-results li", has_text=name).first.locator(f"button.set-{end}").click()
    page.click("#tab-button-paths")
    expect(page.locator("#path-from")).to_have_text("APT28")
    expect(page.locator("#path-to")).to_have_text("Wizard Spider")
    page.click("#paths-run")
    settle(page)
    paths = page.locator("#paths-list > li")
    expect(paths.first).to_be_visible()
    expect(paths.first.locator(".chain")).to_contain_text("Wizard Spider")
    assert WIZARD_SPIDER in drawn(page)["nodes"]
    screenshot(page, "14-demo-paths")

    # The planner's first plan, with the demo's coalition and the default budget: each target ringed by its member.
    page.click("#tab-button-plans")
    settle(page)
    expect(page.locator("input[name=plan-member]")).to_have_count(len(demo.COALITION))
    page.click("#plan-run")
    settle(page)
    result = page.evaluate("window.atlasExplorer.plans.result")
    assert result["targets"] and result["objective"]["loss"] > 0
    assert all(baseline["loss"] <= result["objective"]["loss"] for baseline in result["baselines"])
    targets = page.locator("#plan-targets > li")
    expect(targets).to_have_count(len(result["targets"]))
    ringed = page.evaluate("() => window.atlasExplorer.graph.marked('plan-target')")
    assert sorted(ringed) == sorted(target["id"] for target in result["targets"])
    for index in range(len(result["targets"])):
        assert targets.nth(index).get_attribute("data-member"), "a target no member acts on"
    expect(page.locator("#plan-kpis #kpi-capability .kpi-value")).to_have_text(f"{result['objective']['loss']:g}")
    page.mouse.move(5, 5)
    screenshot(page, "plans")
