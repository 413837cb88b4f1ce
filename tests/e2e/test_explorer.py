"""The web explorer, driven in headless Chromium against the real service on the real Neo4j.

Each test signs in, works through one of the analyst's views, checks what the page shows and what the graph holds
(read from `window.atlasExplorer`), and saves a screenshot under test-artifacts/screenshots/.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect

from atlas_graph.api.routes import web
from tests.conftest import KeyFactory
from tests.e2e.conftest import CREWS, ORG_B_REPORT, Ecosystem, screenshot


def sign_in(page: Page, key: str) -> None:
    page.goto("/")
    page.fill("#api-key", key)
    page.click("#signin-form button[type=submit]")


def settle(page: Page) -> None:
    """Waits until no request of the page is in flight."""
    page.wait_for_function("() => document.body.dataset.ready === 'true' && document.body.dataset.pending === '0'")


def drawn(page: Page) -> dict[str, Any]:
    """What the graph holds: node ids by mark, and edge ids."""
    result: dict[str, Any] = page.evaluate(
        """() => {
          const graph = window.atlasExplorer.graph;
          const sorted = (ids) => [...ids].sort();
          return {
            nodes: sorted(graph.entityIds()), edges: sorted(graph.graph.edges()),
            chokepoints: sorted(graph.marked('chokepoint')), removed: sorted(graph.marked('removed')),
            removedEdges: sorted(graph.marked('removed', { edges: true })), lost: sorted(graph.marked('lost-service')),
            highlighted: sorted(
              [...graph.marked('path-highlight'), ...graph.marked('path-highlight', { edges: true })],
            ),
            expanded: sorted(graph.marked('expanded')),
          };
        }"""
    )
    return result


def click_on_graph(
    page: Page, element_id: str, *, hover_only: bool = False, modifiers: list[str] | None = None
) -> None:
    """Moves the real mouse onto a node (its centre) or an edge (its midpoint) of the canvas, and clicks."""
    # Rendered first: a pending frame would move nodes between reading the point and Sigma's hit test of the click.
    point = page.evaluate(
        "(id) => { const view = window.atlasExplorer.graph; view.sigma.refresh(); return view.screenPoint(id); }",
        element_id,
    )
    assert point is not None, f"{element_id} is not drawn"
    # In steps, as a hand moves it: Sigma.js handles leaving a node and entering an edge on separate mouse moves.
    page.mouse.move(point["x"], point["y"], steps=4)
    if hover_only:
        return
    for key in modifiers or []:
        page.keyboard.down(key)
    page.mouse.click(point["x"], point["y"])
    for key in modifiers or []:
        page.keyboard.up(key)
    if modifiers and page.evaluate("(id) => window.atlasExplorer.graph.graph.hasNode(id)", element_id):
        # A modified click selects without expanding: check it landed, so a later count says what went wrong.
        selected = page.evaluate("() => window.atlasExplorer.graph.marked('selected')")
        assert element_id in selected, f"shift-click at {point} selected {selected}, not {element_id}"


def open_neighborhood(page: Page, name: str, entity_id: str) -> None:
    page.fill("#search-q", name)
    page.click("#search-form button[type=submit]")
    result = page.locator(f"#search-results li[data-entity-id='{entity_id}']")
    expect(result).to_contain_text(name)
    result.locator("button.open-neighborhood").click()
    settle(page)


def test_the_service_serves_the_page_and_its_library(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200, "is atlas_graph.api.routes.web.router in ROUTERS?"
    assert page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert '<script type="module" src="/static/app.js">' in page.text
    for path in (
        "/static/app.js",
        "/static/api.js",
        "/static/graph.js",
        "/static/layouts.js",
        "/static/layout-worker.js",
        "/static/vendor/graph-libs.js",
        "/static/vendor/forceatlas2.js",
    ):
        answer = client.get(path)
        assert answer.status_code == 200 and "javascript" in answer.headers["content-type"], path
    assert client.get("/static/styles.css").headers["content-type"].startswith("text/css")
    assert client.get("/static/nothing-here.js").status_code == 404


def test_without_the_library_the_page_says_how_to_install_it(client: TestClient, monkeypatch: Any) -> None:
    monkeypatch.setattr(web, "VENDOR_FILES", ("vendor/not-installed.js",))
    answer = client.get("/")
    assert answer.status_code == 503
    assert "scripts/setup_web" in answer.text and "static/vendor/not-installed.js" in answer.text


def test_sign_in_shows_the_caller_and_keeps_the_key_in_the_tab_only(page: Page, ecosystem: Ecosystem) -> None:
    sign_in(page, "atlas_not-a-real-key")
    expect(page.locator("#error-title")).to_have_text("401 unauthenticated:")
    expect(page.locator("#error-message")).to_contain_text("API key")
    expect(page.locator("#workspace")).to_be_hidden()
    assert page.evaluate("sessionStorage.length") == 0
    screenshot(page, "01-sign-in-refused")

    sign_in(page, ecosystem.key)
    expect(page.locator("#caller-org")).to_have_text("Org A")
    expect(page.locator("#caller-role")).to_have_text("analyst")
    expect(page.locator("#error")).to_be_hidden()
    expect(page.locator("#workspace")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('atlas-graph.api-key')") == ecosystem.key
    assert page.evaluate("localStorage.length") == 0 and page.evaluate("document.cookie") == ""
    screenshot(page, "02-signed-in")

    # How a member points OpenCTI (TAXII) and MISP (a feed) at this service, with its own address filled in.
    page.click("#connect summary")
    origin = page.evaluate("window.location.origin")
    expect(page.locator("#connect")).to_contain_text(f"{origin}/taxii2/api/")
    expect(page.locator("#connect")).to_contain_text(f"{origin}/misp/feed")
    page.click("#connect summary")

    page.reload()  # the key survives a reload of the tab, and is sent again
    expect(page.locator("#caller-org")).to_have_text("Org A")
    page.click("#signout")
    expect(page.locator("#welcome")).to_be_visible()
    assert page.evaluate("sessionStorage.length") == 0


def test_search_draw_expand_and_read_the_evidence(page: Page, ecosystem: Ecosystem) -> None:
    ids = ecosystem.ids
    sign_in(page, ecosystem.key)
    open_neighborhood(page, "Haven", ids["Haven"])

    graph = drawn(page)
    assert graph["nodes"] == sorted([ids["Haven"], ids["haven-c2.example"], *(ids[crew] for crew in CREWS)])
    assert len(graph["edges"]) == 7 and graph["expanded"] == [ids["Haven"]]
    expect(page.locator("#graph-stats")).to_contain_text("8 entities · 7 relationships")
    # The centre is selected and its details come from GET /v1/entities/{id}.
    expect(page.locator("#details-entity h3")).to_have_text("Haven")
    expect(page.locator("#details-entity")).to_contain_text("bulletproof hosting")
    expect(page.locator("#details-entity")).to_contain_text("also known as Haven Hosting")
    styles = page.evaluate(
        """(ids) => {
          const look = (id) => window.atlasExplorer.graph.look(id);
          const style = (id) => [look(id).color, look(id).shape];
          return { haven: style(ids.haven), crew: style(ids.crew), c2: style(ids.c2) };
        }""",
        {"haven": ids["Haven"], "crew": ids["Crew 1"], "c2": ids["haven-c2.example"]},
    )
    assert styles["haven"][1] == "square" and styles["crew"][1] == "circle" and styles["c2"][1] == "hexagon"
    assert len({styles["haven"][0], styles["crew"][0], styles["c2"][0]}) == 3, "kinds share a colour"
    screenshot(page, "03-neighborhood")

    click_on_graph(page, ids["Crew 1"])  # a click expands the neighborhood of the node
    settle(page)
    graph = drawn(page)
    for name in ("Tumble", "Lockbit-like", "Clinic North"):
        assert ids[name] in graph["nodes"], name
    assert len(graph["nodes"]) == 11 and len(graph["edges"]) == 10
    assert set(graph["expanded"]) == {ids["Haven"], ids["Crew 1"]}
    expect(page.locator("#details-entity h3")).to_have_text("Crew 1")
    expect(page.locator("#details-entity .assertion")).to_have_count(1)
    expect(page.locator("#details-entity .assertion")).to_contain_text("Org A")
    screenshot(page, "04-expanded")

    uses = f"USES|{ids['Crew 1']}|{ids['Haven']}"
    widths = page.evaluate(
        """(ids) => ids.map((id) => window.atlasExplorer.graph.look(id).size)""",
        [uses, f"USES|{ids['Crew 1']}|{ids['Lockbit-like']}"],
    )
    assert widths[0] > widths[1], "a surer relationship is drawn thicker"

    click_on_graph(page, uses, hover_only=True)
    expect(page.locator("#tooltip")).to_be_visible()
    expect(page.locator("#tooltip")).to_contain_text("Crew 1 —USES→ Haven")
    expect(page.locator("#tooltip")).to_contain_text("2 organizations")
    click_on_graph(page, uses)
    edge = page.locator("#details-edge")
    expect(edge.locator(".assertion")).to_have_count(2)
    expect(edge).to_contain_text("2 organizations say so")
    expect(edge.locator(".assertion").nth(0)).to_contain_text("Org A")
    expect(edge.locator(".assertion").nth(0)).to_contain_text("90")
    expect(edge.locator(".assertion").nth(1)).to_contain_text("Org B")
    expect(edge.locator(".assertion").nth(1)).to_contain_text("TLP:AMBER")
    expect(edge.locator(f"a[href='{ORG_B_REPORT}']")).to_be_visible()
    expect(edge).to_contain_text("Seen in one incident response.")
    screenshot(page, "05-edge-evidence")


def test_paths_between_two_entities_with_per_hop_evidence(page: Page, ecosystem: Ecosystem) -> None:
    ids = ecosystem.ids
    sign_in(page, ecosystem.key)
    for name, end in (("Crew 1", "from"), ("Crew 4", "to")):
        page.fill("#search-q", name)
        page.click("#search-form button[type=submit]")
        page.locator(f"#search-results li[data-entity-id='{ids[name]}'] button.set-{end}").click()
    page.click("#tab-button-paths")
    expect(page.locator("#path-from")).to_have_text("Crew 1")
    expect(page.locator("#path-to")).to_have_text("Crew 4")
    page.click("#paths-run")
    settle(page)

    paths = page.locator("#paths-list > li")
    expect(paths.first).to_be_visible()
    assert paths.count() >= 2
    # Shortest first, then surest: through the host (90% x 90%), then through the RaaS (55% x 75%).
    expect(paths.nth(0).locator(".path-head")).to_have_text("Path 1 · 2 hops · confidence 81%")
    expect(paths.nth(0).locator(".chain")).to_have_text("Crew 1 → Haven → Crew 4")
    expect(paths.nth(1).locator(".chain")).to_have_text("Crew 1 → Lockbit-like → Crew 4")
    first_hop, second_hop = paths.nth(0).locator(".hop").nth(0), paths.nth(0).locator(".hop").nth(1)
    expect(first_hop).to_contain_text("Crew 1 —USES→ Haven")
    expect(first_hop.locator(".evidence li")).to_have_count(2)
    expect(first_hop.locator(f"a[href='{ORG_B_REPORT}']")).to_be_visible()
    expect(second_hop).to_contain_text("Haven ←USES— Crew 4")

    on_paths = page.evaluate(
        "() => [...new Set(window.atlasExplorer.state.paths.paths.flatMap((p) => p.nodes.map((n) => n.id)))]"
    )
    graph = drawn(page)
    assert graph["nodes"] == sorted(on_paths)
    assert {ids["Crew 1"], ids["Haven"], ids["Lockbit-like"], ids["Crew 4"]} <= set(graph["nodes"])

    paths.nth(1).locator(".path-head").click()
    graph = drawn(page)
    assert set(graph["highlighted"]) == {
        ids["Crew 1"],
        ids["Lockbit-like"],
        ids["Crew 4"],
        f"USES|{ids['Crew 1']}|{ids['Lockbit-like']}",
        f"SUPPLIES|{ids['Lockbit-like']}|{ids['Crew 4']}",
    }
    screenshot(page, "06-paths")


def test_chokepoints_are_ranked_explained_and_ringed_on_the_graph(page: Page, ecosystem: Ecosystem) -> None:
    ids = ecosystem.ids
    sign_in(page, ecosystem.key)
    page.select_option("#nb-depth", "2")  # two hops from Haven reach the whole ecosystem
    open_neighborhood(page, "Haven", ids["Haven"])
    assert len(drawn(page)["nodes"]) == 12
    page.click("#tab-button-chokepoints")
    page.click("#cp-run")
    settle(page)

    # The page shows the API's ranking as it is: in order, each with its explanation, each ringed on the graph.
    ranking = page.evaluate("window.atlasExplorer.state.chokepoints.chokepoints")
    assert ids["Haven"] in [point["id"] for point in ranking]
    items = page.locator("#cp-list > li")
    expect(items).to_have_count(len(ranking))
    for index, point in enumerate(ranking):
        expect(items.nth(index)).to_have_attribute("data-entity-id", point["id"])
        expect(items.nth(index).locator(".rank")).to_have_text(f"#{index + 1}")
        expect(items.nth(index).locator(".explanation")).to_have_text(point["explanation"])
    expect(page.locator("#cp-summary")).to_contain_text("on the 12 entities and 18 relationships you may see")
    expect(page.locator("#cp-progress")).to_be_hidden()  # a small graph is answered at once, not as a job
    graph = drawn(page)
    assert sorted(graph["chokepoints"]) == sorted(point["id"] for point in ranking)
    label = page.evaluate("(id) => window.atlasExplorer.graph.look(id).label", ranking[0]["id"])
    assert label == f"#1 {ranking[0]['name']}"
    expect(page.locator("#graph-stats")).to_contain_text(f"{len(ranking)} chokepoints highlighted")
    screenshot(page, "07-chokepoints")

    # With stability the API answers 202 and a job; the page polls it and shows its progress.
    page.check("#cp-stability")
    page.fill("#cp-top", "3")
    page.click("#cp-run")
    settle(page)
    expect(page.locator("#cp-progress")).to_be_visible()
    expect(page.locator("#cp-progress-text")).to_have_text("job succeeded · 100%")
    assert page.evaluate("document.querySelector('#cp-progress-bar').value") == 1
    polls = page.evaluate("window.atlasExplorer.state.jobs.filter((poll) => poll.analysis === 'chokepoints')")
    assert polls[0]["status"] in ("queued", "running") and polls[-1]["status"] == "succeeded"
    expect(items).to_have_count(3)
    expect(items.first).to_contain_text("of resampled graphs")
    expect(page.locator("#cp-summary")).to_contain_text("stability over 50 resampled graphs")

    ranked = page.evaluate("window.atlasExplorer.state.chokepoints.chokepoints.map((point) => point.id)")
    page.click("#graph-clear")
    page.click("#cp-draw")  # draws the neighborhoods of the ranked entities, ringed
    settle(page)
    graph = drawn(page)
    assert sorted(graph["chokepoints"]) == sorted(ranked) and sorted(graph["expanded"]) == sorted(ranked)
    screenshot(page, "08-chokepoints-job")

    # The filter panel's "only mine" goes to the API (which answers on Org A's own graph) and stays in the URL.
    page.uncheck("#cp-stability")
    page.click("#filters summary")
    page.check("#f-own-only")
    with page.expect_request(lambda request: "/v1/analysis/chokepoints" in request.url) as sent:
        page.click("#filters-apply")
        settle(page)
        page.click("#cp-run")
        settle(page)
    assert "only_mine=true" in sent.value.url
    assert "own_only=true" in page.evaluate("window.location.hash")
    assert page.evaluate("window.atlasExplorer.state.chokepoints.scope.only_mine") is True

    # The API's default method, capability, can be chosen too: losses after criminals move to their substitutes.
    page.select_option("#cp-method", "capability")
    with page.expect_request(lambda request: "/v1/analysis/chokepoints" in request.url) as sent:
        page.click("#cp-run")
        settle(page)
    assert "method=capability" in sent.value.url
    assert page.evaluate("window.atlasExplorer.state.chokepoints.method") == "capability"
    expect(page.locator("#cp-summary")).to_contain_text("ranked by capability")
    expect(page.locator("#cp-summary")).to_contain_text("losses after substitution by")
    screenshot(page, "08b-chokepoints-capability")


def test_what_if_takedown_shows_before_after_and_who_lost_what(page: Page, ecosystem: Ecosystem) -> None:
    ids = ecosystem.ids
    sign_in(page, ecosystem.key)
    open_neighborhood(page, "Haven", ids["Haven"])
    page.click("#details-takedown")  # Haven, selected as the centre of its neighborhood
    click_on_graph(page, ids["Crew 2"], modifiers=["Shift"])  # shift-click: select without expanding
    page.click("#tab-button-whatif")
    page.click("#takedown-add-selected")
    expect(page.locator("#takedown-list > li")).to_have_count(2)
    page.locator(f"#takedown-list li[data-entity-id='{ids['Crew 2']}'] button").click()
    expect(page.locator("#takedown-list > li")).to_have_count(1)
    expect(page.locator("#takedown-list")).to_contain_text("Haven")
    page.click("#disruption-run")
    settle(page)

    metrics = page.locator("#disruption-metrics")
    # Rows read: metric, before, after, change.
    expect(metrics.get_by_role("row", name="entities 12 11 -1", exact=True)).to_be_visible()
    expect(metrics.get_by_role("row", name="actors reaching bulletproof hosting 6 0 -6", exact=True)).to_be_visible()
    # haven-c2.example hangs on Haven alone: it becomes a fragment of its own.
    expect(metrics.get_by_role("row", name="fragments (components) 1 2 +1", exact=True)).to_be_visible()
    # Issue 18 item 7: the numbers that moved lead, as cards, in place of the line of impacts.
    expect(page.locator("#kpi-cut-off")).to_contain_text("6actors cut off from a capability")
    lost = page.locator("#lost-services > li")
    expect(lost).to_have_count(6)
    for crew in CREWS:
        expect(page.locator(f"#lost-services li[data-entity-id='{ids[crew]}']")).to_contain_text(
            f"{crew} lost bulletproof hosting"
        )
    graph = drawn(page)
    assert graph["removed"] == [ids["Haven"]]
    assert len(graph["removedEdges"]) == 7  # every relationship of Haven's is greyed out with it
    assert set(graph["lost"]) == {ids[crew] for crew in CREWS}
    grey = page.evaluate("(id) => window.atlasExplorer.graph.look(id).color", ids["Haven"])
    assert grey == "#c3c7cc"
    page.mouse.move(5, 5)  # no tooltip over the picture
    screenshot(page, "09-what-if")


def test_api_errors_are_shown_with_their_code_message_and_problems(
    page: Page, ecosystem: Ecosystem, auth_headers: KeyFactory
) -> None:
    sign_in(page, ecosystem.key)
    page.fill("#search-q", "Crew 1")
    page.click("#search-form button[type=submit]")
    page.locator(f"#search-results li[data-entity-id='{ecosystem.ids['Crew 1']}'] button.set-from").click()
    page.fill("#search-q", "Clinic South")
    page.click("#search-form button[type=submit]")
    page.locator(f"#search-results li[data-entity-id='{ecosystem.ids['Clinic South']}'] button.set-to").click()
    page.click("#tab-button-paths")
    page.fill("#path-max-hops", "11")  # the API, not the page, says what is allowed
    page.click("#paths-run")
    settle(page)
    expect(page.locator("#error-title")).to_have_text("422 invalid_input:")
    expect(page.locator("#error-problems li")).to_have_count(1)
    expect(page.locator("#error-problems li")).to_contain_text("query → max_hops")
    expect(page.locator("#error-problems li")).to_contain_text("less than or equal to 10")
    expect(page.locator("#error-request")).to_contain_text("request id")
    screenshot(page, "10-validation-error")

    page.click("#signout")
    writer = auth_headers("Org A", "integration")["Authorization"].removeprefix("Bearer ")
    sign_in(page, writer)
    expect(page.locator("#caller-role")).to_have_text("integration")
    expect(page.locator("#error-message")).to_contain_text("may not read")
    page.fill("#search-q", "Haven")
    page.click("#search-form button[type=submit]")
    settle(page)
    expect(page.locator("#error-title")).to_have_text("403 forbidden:")
    expect(page.locator("#search-results > li")).to_have_count(0)
    screenshot(page, "11-forbidden-error")
