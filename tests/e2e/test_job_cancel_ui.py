"""The explorer's Cancel on a job's progress bar: a planner who started a long ranking by mistake stops it from the
page, and the service cancels it. Driven in headless Chromium against the real service, workers and Neo4j."""

from __future__ import annotations

import re

from playwright.sync_api import Page, Route, expect

from atlas_graph.synthetic import generate_ecosystem
from tests.conftest import KeyFactory
from tests.e2e.conftest import call_api
from tests.e2e.test_explorer import settle, sign_in


def test_a_running_job_is_cancelled_from_its_progress_bar(
    page: Page, live_server: str, auth_headers: KeyFactory
) -> None:
    org_a = auth_headers("Org A", "analyst")
    call_api(
        live_server,
        "POST",
        "/v1/bundles",
        org_a,
        generate_ecosystem(entities=200, relationships=1000, seed=3).as_bundle(),
    )

    def long_ranking(route: Route) -> None:
        # The page asks for 50 resampled graphs; 500 of this ecosystem take tens of seconds, time enough to cancel.
        route.continue_(url=route.request.url + "&samples=500")

    page.route(re.compile(r"/v1/analysis/chokepoints\?"), long_ranking)
    sign_in(page, org_a["Authorization"].removeprefix("Bearer "))
    page.click("#tab-button-chokepoints")
    settle(page)
    page.check("#cp-stability")
    page.click("#cp-run")
    expect(page.locator("#cp-cancel")).to_be_visible()
    with page.expect_response(lambda response: response.request.method == "DELETE") as deleted:
        page.click("#cp-cancel")
    assert deleted.value.status == 200
    job_id = deleted.value.url.rsplit("/", 1)[-1]
    expect(page.locator("#error-message")).to_contain_text(f"The analysis job {job_id} was cancelled.")
    expect(page.locator("#cp-cancel")).to_be_hidden()
    settle(page)
    assert call_api(live_server, "GET", f"/v1/analysis/jobs/{job_id}", org_a)["status"] == "cancelled"
    polls = page.evaluate("window.atlasExplorer.state.jobs.filter((poll) => poll.analysis === 'chokepoints')")
    assert polls[-1]["status"] == "cancelled" and "succeeded" not in [poll["status"] for poll in polls]
