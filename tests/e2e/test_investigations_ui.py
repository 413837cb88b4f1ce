"""The explorer an analyst can keep (issue 18): ranked search with one-click kind filters, and investigations that
are saved, reopened by deep link, annotated, shared and exported. Driven in headless Chromium against the real
service on the real Neo4j; screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.conftest import Ecosystem, screenshot
from tests.e2e.test_explorer import settle, sign_in


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
