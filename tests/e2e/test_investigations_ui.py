"""The explorer an analyst can keep (issue 18): ranked search with one-click kind filters, and investigations that
are saved, reopened by deep link, annotated, shared and exported. Driven in headless Chromium against the real
service on the real Neo4j; screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import json

from playwright.sync_api import Browser, Page, expect

from tests.conftest import KeyFactory
from tests.e2e.conftest import CREWS, Ecosystem, browser_page, call_api, screenshot
from tests.e2e.test_explorer import click_on_graph, open_neighborhood, settle, sign_in


def test_search_ranks_exact_names_first_and_filters_kinds_in_one_click(page: Page, ecosystem: Ecosystem) -> None:
    ids = ecosystem.ids
    sign_in(page, ecosystem.key)
    page.fill("#search-q", "haven")
    page.click("#search-form button[type=submit]")
    settle(page)
    results = page.locator("#search-results li.result")
    expect(results).to_have_count(2)
    # The exact name first, then the domain whose name starts with the word; each hit says what it is and how
    # connected it is.
    expect(results.nth(0)).to_have_attribute("data-entity-id", ids["Haven"])
    expect(results.nth(0).locator(".rel-count")).to_have_text("7 rel.")
    expect(results.nth(0).locator(".result-kind")).to_contain_text("bulletproof hosting")
    expect(results.nth(1)).to_have_attribute("data-entity-id", ids["haven-c2.example"])
    expect(results.nth(1).locator(".rel-count")).to_have_text("1 rel.")
    chips = page.locator("#search-kinds button.chip")
    expect(chips).to_have_count(3)
    expect(chips.nth(0)).to_have_text("all 2")
    screenshot(page, "20-search-ranked")

    page.click("#search-kinds button.chip[data-kind='infrastructure']")
    settle(page)
    expect(results).to_have_count(1)
    expect(results.nth(0)).to_have_attribute("data-entity-id", ids["haven-c2.example"])
    expect(page.locator("#search-kind")).to_have_value("infrastructure")
    expect(page.locator("#search-kinds button.chip.active")).to_have_attribute("data-kind", "infrastructure")
    page.click("#search-kinds button.chip[data-kind='']")  # back to every kind, in one click
    settle(page)
    expect(results).to_have_count(2)


def drawn_ids(page: Page) -> list[str]:
    ids: list[str] = page.evaluate("() => [...window.atlasExplorer.graph.entityIds()].sort()")
    return ids


def shown_ids(page: Page) -> list[str]:
    """The entities drawn and not hidden by a filter."""
    ids: list[str] = page.evaluate(
        """() => {
          const view = window.atlasExplorer.graph;
          return view.entityIds().filter((id) => !view.look(id).hidden).sort();
        }"""
    )
    return ids


def drawn_positions(page: Page) -> dict[str, list[int]]:
    """Each drawn entity's position, in thousandths."""
    positions: dict[str, list[int]] = page.evaluate(
        """() => Object.fromEntries(window.atlasExplorer.graph.entityIds().map((id) => {
             const { x, y } = window.atlasExplorer.graph.graph.getNodeAttributes(id);
             return [id, [Math.round(x * 1000), Math.round(y * 1000)]];
           }))"""
    )
    return positions


def download(page: Page, button: str) -> tuple[str, bytes]:
    with page.expect_download() as info:
        page.click(button)
    saved = info.value
    path = saved.path()
    assert path is not None
    with open(path, "rb") as file:
        return saved.suggested_filename, file.read()


def test_an_investigation_is_filtered_saved_reopened_annotated_shared_and_exported(
    page: Page, browser: Browser, ecosystem: Ecosystem, auth_headers: KeyFactory
) -> None:
    ids = ecosystem.ids
    crews = sorted(ids[crew] for crew in CREWS)
    sign_in(page, ecosystem.key)
    page.uncheck("#expand-on-click")
    open_neighborhood(page, "Haven", ids["Haven"])
    assert drawn_ids(page) == sorted([ids["Haven"], ids["haven-c2.example"], *crews])

    # Filter: the API drops the domain (OPERATES at 80), the view hides the victims and anything but actors and
    # services; both are in the URL.
    page.click("#filters summary")
    page.fill("#f-min-confidence", "85")
    page.check("#f-types input[value='USES']")
    page.click("#filters-apply")
    settle(page)
    assert drawn_ids(page) == sorted([ids["Haven"], *crews])
    assert "min_confidence=85" in page.url and "types=USES" in page.url
    expect(page.locator("#filters-summary")).to_have_text("confidence ≥ 85 · USES")
    page.check("#f-kinds input[value='actor']")
    page.click("#filters-apply")
    settle(page)
    assert shown_ids(page) == crews, "only actors shown"
    page.uncheck("#f-kinds input[value='actor']")
    page.click("#filters-apply")
    settle(page)
    screenshot(page, "21-filters")

    # Save.
    page.click("#tab-button-investigations")
    page.fill("#inv-name", "Haven crews")
    page.click("#inv-save")
    settle(page)
    investigation = page.evaluate("() => window.atlasExplorer.state.investigation")
    assert investigation["name"] == "Haven crews" and investigation["entity_count"] == 7
    assert investigation["filters"]["min_confidence"] == 85 and investigation["filters"]["types"] == ["USES"]
    assert f"investigation={investigation['id']}" in page.url
    expect(page.locator("#inv-list li[data-investigation-id]")).to_have_count(1)
    positions = drawn_positions(page)

    # Reload by deep link, in a fresh tab that signs in: the same entities, positions and filters.
    with browser_page(browser, ecosystem.base_url) as fresh:
        fresh.goto(f"/#investigation={investigation['id']}")
        fresh.fill("#api-key", ecosystem.key)
        fresh.click("#signin-form button[type=submit]")
        settle(fresh)
        expect(fresh.locator("#inv-current")).to_contain_text("Haven crews")
        assert drawn_ids(fresh) == sorted([ids["Haven"], *crews])
        reopened = drawn_positions(fresh)
        assert reopened == positions
        expect(fresh.locator("#f-min-confidence")).to_have_value("85")
        assert fresh.evaluate("() => window.atlasExplorer.graph.edgeCount") == 6

    # Annotate.
    page.reload()  # the deep link in this tab's URL opens it again, on its Saved tab
    settle(page)
    expect(page.locator("#inv-current")).to_contain_text("Haven crews")
    page.evaluate("() => { document.querySelector('#expand-on-click').checked = false; }")
    click_on_graph(page, ids["Haven"])
    settle(page)
    page.fill("#details-note", "Bulletproof host for all six crews; takedown candidate.")
    page.click("#tab-button-investigations")
    page.click("#inv-save")
    settle(page)
    note = page.evaluate("() => window.atlasExplorer.state.investigation.notes")
    assert note == {ids["Haven"]: "Bulletproof host for all six crews; takedown candidate."}
    click_on_graph(page, ids["Haven"])
    expect(page.locator("#details-note")).to_have_value("Bulletproof host for all six crews; takedown candidate.")
    screenshot(page, "22-investigation-note")

    # Share with a second organization, which reads it (never changes it) through the same link.
    page.click("#tab-button-investigations")
    page.fill("#inv-share", "org b")
    page.click("#inv-share-button")
    settle(page)
    expect(page.locator("#inv-current")).to_contain_text("shared with Org B")
    screenshot(page, "23-investigation-saved")
    org_b_key = auth_headers("Org B", "reader")["Authorization"].removeprefix("Bearer ")
    with browser_page(browser, ecosystem.base_url) as partner:
        partner.goto(f"/#investigation={investigation['id']}")
        partner.fill("#api-key", org_b_key)
        partner.click("#signin-form button[type=submit]")
        settle(partner)
        expect(partner.locator("#inv-current")).to_contain_text("shared by Org A (read only)")
        expect(partner.locator("#inv-save")).to_be_disabled()
        assert drawn_ids(partner) == sorted([ids["Haven"], *crews])
        partner.click("#tab-button-investigations")
        settle(partner)
        expect(partner.locator(f"#inv-list li[data-investigation-id='{investigation['id']}']")).to_contain_text(
            "from Org A"
        )
        screenshot(partner, "24-investigation-shared-with-org-b")

    # Export: PNG and SVG of what is drawn, JSON of the investigation, STIX of its entities and relationships.
    page.click("#tab-button-investigations")
    name, png = download(page, "#export-png")
    assert name == "Haven-crews.png" and png.startswith(b"\x89PNG")
    inked = page.evaluate(
        """() => {
          const canvas = window.atlasExplorer.pngCanvas();
          const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
          let inked = 0;
          for (let i = 0; i < pixels.length; i += 4) if (pixels[i] < 200 || pixels[i + 1] < 200) inked += 1;
          return inked;
        }"""
    )
    assert inked > 2000, "the PNG holds the drawing, not a blank canvas"
    name, svg = download(page, "#export-svg")
    assert name == "Haven-crews.svg" and svg.startswith(b"<?xml") and b"<svg" in svg
    assert svg.count(b"<circle") == 7 and svg.count(b"<line") == 6 and b">Haven</text>" in svg
    name, raw = download(page, "#export-json")
    saved = json.loads(raw)
    assert name == "Haven-crews.json" and saved["id"] == investigation["id"] and saved["share_with"] == ["Org B"]
    assert saved["notes"] == note and sorted(saved["entities"]) == sorted([ids["Haven"], *crews])
    name, raw = download(page, "#export-stix")
    bundle = json.loads(raw)
    assert name == "Haven-crews.stix.json" and bundle["type"] == "bundle"
    names = {obj.get("name") for obj in bundle["objects"]}
    assert {"Haven", "Crew 1", "Crew 6"} <= names and "haven-c2.example" not in names
    assert sum(obj["type"] == "relationship" for obj in bundle["objects"]) >= 6


def test_not_through_this_finds_the_paths_again_avoiding_the_entity(page: Page, ecosystem: Ecosystem) -> None:
    ids = ecosystem.ids
    sign_in(page, ecosystem.key)
    page.uncheck("#expand-on-click")
    for name, end in (("Crew 1", "from"), ("Crew 4", "to")):
        page.fill("#search-q", name)
        page.click("#search-form button[type=submit]")
        page.locator(f"#search-results li[data-entity-id='{ids[name]}'] button.set-{end}").click()
    page.click("#tab-button-paths")
    page.click("#paths-run")
    settle(page)
    expect(page.locator("#paths-list > li").nth(0).locator(".chain")).to_have_text("Crew 1 → Haven → Crew 4")
    click_on_graph(page, ids["Haven"])
    settle(page)
    page.click("#details-avoid")
    settle(page)
    expect(page.locator("#paths-avoid")).to_contain_text("Haven ×")
    on_paths = page.evaluate(
        "() => [...new Set(window.atlasExplorer.state.paths.paths.flatMap((p) => p.nodes.map((n) => n.id)))]"
    )
    assert on_paths and ids["Haven"] not in on_paths
    expect(page.locator("#paths-list > li").nth(0).locator(".chain")).to_have_text("Crew 1 → Lockbit-like → Crew 4")


def test_what_if_leads_with_what_moved_and_labels_a_flat_metric(
    page: Page, ecosystem: Ecosystem, auth_headers: KeyFactory
) -> None:
    ids = ecosystem.ids
    # 400 isolated entities, as in the pooled public data (84% isolated): nearly every pair is disconnected already.
    isolated = {"entities": [{"kind": "victim", "name": f"Isolated {i}"} for i in range(400)]}
    call_api(ecosystem.base_url, "POST", "/v1/bundles", auth_headers("Org A"), isolated)
    sign_in(page, ecosystem.key)
    page.fill("#search-q", "Haven")
    page.click("#search-form button[type=submit]")
    page.locator(f"#search-results li[data-entity-id='{ids['Haven']}'] button.add-takedown").click()
    page.click("#tab-button-whatif")
    page.click("#disruption-run")
    settle(page)

    # 12 connected entities (66 pairs) lose Haven: 10 stay connected (45 pairs), the domain is cut off.
    expect(page.locator("#kpi-pairs .kpi-value")).to_have_text("−31.8%")
    expect(page.locator("#kpi-pairs .kpi-detail")).to_have_text("66 → 45")
    expect(page.locator("#kpi-cut-off .kpi-value")).to_have_text("6")
    # Each crew (harm 2: one clinic) loses bulletproof hosting and, through Haven, its domain: 6 x 2 x 2.
    expect(page.locator("#kpi-capability .kpi-value")).to_have_text("24")
    expect(page.locator("#disruption-kpis .kpi").first).to_have_attribute("data-moved", "true")
    expect(page.locator("#kpi-pairs .kpi-note")).to_have_text(
        "fragmentation stays at 99.9% only because most entities were isolated already"
    )
    crew_1 = page.locator(f"#capability-losses li[data-entity-id='{ids['Crew 1']}'] .badge")
    expect(crew_1).to_have_count(2)
    assert sorted(crew_1.all_inner_texts()) == ["bulletproof hosting", "domain"]
    # Fragmentation moves by 0.02 points: flat, and the row says why.
    row = page.locator("#disruption-metrics tr.flat")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("fragmentation")
    expect(row).to_contain_text("of pairs were already disconnected")
    expect(row).to_contain_text("read connected pairs instead")
    first_row = page.locator("#disruption-metrics tbody tr").first
    expect(first_row).to_contain_text("connected pairs")
    page.mouse.move(5, 5)
    screenshot(page, "25-what-if-kpis")


def open_entity_page(page: Page, ecosystem: Ecosystem, name: str) -> None:
    """Signs in, draws the entity's neighborhood and opens its page."""
    sign_in(page, ecosystem.key)
    open_neighborhood(page, name, ecosystem.ids[name])
    page.click("#details-page")
    settle(page)


def test_entity_page_lists_neighbours_sortably_exports_csv_and_shows_history(page: Page, ecosystem: Ecosystem) -> None:
    ids = ecosystem.ids
    open_entity_page(page, ecosystem, "Crew 1")
    table = page.locator("#neighbours tbody tr")
    # Crew 1: Haven, Tumble, Lockbit-like and Clinic North, one relationship each.
    expect(table).to_have_count(4)
    haven = page.locator(f"#neighbours tbody tr[data-entity-id='{ids['Haven']}']")
    expect(haven).to_contain_text("USES→")
    expect(haven.locator("td").nth(0)).to_contain_text("service provider · bulletproof hosting")
    expect(haven.locator("td").nth(3)).to_have_text("90")
    expect(haven.locator("td").nth(4)).to_have_text("2")  # Org A and Org B both say so
    page.click("#neighbours th[data-key='confidence']")
    expect(table.first).to_have_attribute("data-entity-id", ids["Haven"])
    expect(page.locator("#neighbours th[data-key='confidence']")).to_have_attribute("aria-sort", "descending")
    page.click("#neighbours th[data-key='confidence']")
    expect(table.first).to_have_attribute("data-entity-id", ids["Lockbit-like"])  # 55, the least sure
    page.click("#neighbours th[data-key='name']")
    expect(table.first).to_contain_text("Clinic North")
    expect(page.locator("#entity-history li").first).to_contain_text("asserted")
    expect(page.locator("#entity-history")).to_contain_text("USES Crew 1 -> Haven")
    screenshot(page, "26-entity-page")

    name, raw = download(page, "#neighbours-csv")
    lines = raw.decode().splitlines()
    assert name == "Crew-1-neighbours.csv" and len(lines) == 5
    assert lines[0] == '"neighbour","kind","category","relationships","count","best confidence","organizations"'
    assert lines[1].startswith('"Clinic North","victim","organization","TARGETS→","1","70"')


def test_entity_page_merges_rejects_and_splits_with_history(
    page: Page, ecosystem: Ecosystem, auth_headers: KeyFactory
) -> None:
    ids = ecosystem.ids
    org_a = auth_headers("Org A")
    twin = call_api(
        ecosystem.base_url,
        "POST",
        "/v1/bundles",
        org_a,
        {
            "entities": [{"kind": "service_provider", "name": "Haven Hosting Ltd", "category": "bulletproof_hosting"}],
            "relationships": [
                {
                    "type": "USES",
                    "source": {"kind": "actor", "name": "Crew 6"},
                    "target": {"kind": "service_provider", "name": "Haven Hosting Ltd"},
                    "confidence": 65,
                }
            ],
        },
    )["entities"][0]["id"]
    for other, note in ((twin, "same panel and abuse contact"), (ids["Lockbit-like"], "same operators?")):
        call_api(
            ecosystem.base_url,
            "POST",
            "/v1/resolution/candidates",
            org_a,
            {"a": ids["Haven"], "b": other, "note": note},
        )
    open_entity_page(page, ecosystem, "Haven")
    candidates = page.locator("#entity-candidates li.candidate")
    expect(candidates).to_have_count(2)
    expect(page.locator(f"#entity-candidates li[data-other='{twin}']")).to_contain_text(
        "an analyst suggests it: same panel and abuse contact"
    )

    page.locator(f"#entity-candidates li[data-other='{ids['Lockbit-like']}'] button.reject").click()
    settle(page)
    expect(candidates).to_have_count(1)
    rejected = call_api(
        ecosystem.base_url, "GET", f"/v1/resolution/candidates?status=rejected&entity={ids['Haven']}", org_a
    )
    assert [{item["a"], item["b"]} for item in rejected["items"]] == [{ids["Haven"], ids["Lockbit-like"]}]

    page.locator(f"#entity-candidates li[data-other='{twin}'] button.accept").click()
    settle(page)
    expect(page.locator("#entity-candidates")).to_contain_text("No open candidate")
    expect(page.locator(f"#entity-merged li[data-merged-id='{twin}']")).to_be_visible()
    expect(page.locator("#entity-history")).to_contain_text(f"merged ({twin})")
    survivor = call_api(ecosystem.base_url, "GET", f"/v1/entities/{ids['Haven']}", org_a)
    assert survivor["merged_ids"] == [twin]
    screenshot(page, "27-entity-merged")

    page.locator(f"#entity-merged li[data-merged-id='{twin}'] button.split").click()
    settle(page)
    expect(page.locator("#entity-merged")).to_have_count(0)
    expect(page.locator("#entity-history")).to_contain_text(f"split ({twin})")
    restored = call_api(ecosystem.base_url, "GET", f"/v1/entities/{twin}", org_a)
    assert restored["id"] == twin and restored["name"] == "Haven Hosting Ltd"
    assert call_api(ecosystem.base_url, "GET", f"/v1/entities/{ids['Haven']}", org_a)["merged_ids"] == []
