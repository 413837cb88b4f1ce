"""End-to-end fixtures: the real service on a free loopback port, a small ecosystem posted through its API, and
the explorer in headless Debian Chromium driven by Playwright."""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, ConsoleMessage, Page, ViewportSize, expect, sync_playwright

from atlas_graph.api.routes.web import missing_vendor_files
from tests.conftest import REPO, KeyFactory
from tests.integration.live_service import serving

CHROMIUM = Path(os.environ.get("ATLAS_CHROMIUM", "/usr/bin/chromium"))
# Without the background-networking flags Chromium keeps dialling Google's hosts, which this closed network refuses.
# The graph is drawn with WebGL: without a GPU, Chromium's software rasterizer (SwiftShader, through ANGLE) runs it.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
VIEWPORT: ViewportSize = {"width": 1440, "height": 900}
PAGE_TIMEOUT_MS = 20_000
"""How long a page action or expectation may wait: generous, because the 2-core machine is shared with other test
runs (load averages of 20 were seen, under which a search on a cold service took longer than Playwright's 5 s)."""
expect.set_options(timeout=PAGE_TIMEOUT_MS)


@pytest.fixture
def live_server(app: FastAPI) -> Iterator[str]:
    """The app (on the test Neo4j, emptied) served on a loopback port."""
    with serving(app) as base_url:
        yield base_url


def call_api(base_url: str, method: str, path: str, headers: dict[str, str], body: Any = None) -> Any:
    """One JSON request to the live service (the standard library's client: nothing shared with the app)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        base_url + path, data=data, method=method, headers={**headers, "Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read())


def entity(kind: str, name: str, **extra: Any) -> dict[str, Any]:
    return {"kind": kind, "name": name, **extra}


def ref(kind: str, name: str) -> dict[str, str]:
    return {"kind": kind, "name": name}


CREWS = [f"Crew {i}" for i in range(1, 7)]
HAVEN = ref("service_provider", "Haven")
TUMBLE = ref("financier", "Tumble")
RAAS = ref("service_provider", "Lockbit-like")
C2 = ref("infrastructure", "haven-c2.example")
CLINICS = [ref("victim", "Clinic North"), ref("victim", "Clinic South")]
HAVEN_REPORT = "https://reports.example.org/haven-bulletproof-hosting"
ORG_B_REPORT = "https://intel.example.net/ir/2026-114"


def org_a_bundle() -> dict[str, Any]:
    """Six crews on one bulletproof host (the chokepoint), three of them paid through a mixer, one on a RaaS."""
    relationships: list[dict[str, Any]] = []
    for index, name in enumerate(CREWS):
        crew = ref("actor", name)
        relationships.append({"type": "USES", "source": crew, "target": HAVEN, "confidence": 90})
        relationships.append({"type": "TARGETS", "source": crew, "target": CLINICS[index % 2], "confidence": 70})
        if index < 3:
            relationships.append({"type": "LAUNDERS_FOR", "source": TUMBLE, "target": crew, "confidence": 60})
    relationships += [
        {
            "type": "OPERATES",
            "source": HAVEN,
            "target": C2,
            "confidence": 80,
            "references": [HAVEN_REPORT],
            "description": "Haven's panel is served from this domain.",
        },
        {"type": "SUPPLIES", "source": RAAS, "target": ref("actor", "Crew 4"), "confidence": 75},
        {"type": "USES", "source": ref("actor", "Crew 1"), "target": RAAS, "confidence": 55},
    ]
    return {
        "entities": [
            *[entity("actor", name, category="group") for name in CREWS],
            entity("service_provider", "Haven", category="bulletproof_hosting", aliases=["Haven Hosting"]),
            entity("service_provider", "Lockbit-like", category="ransomware_as_a_service"),
            entity("financier", "Tumble", category="mixer"),
            entity("infrastructure", "haven-c2.example", category="domain"),
            *[entity("victim", clinic["name"], category="organization") for clinic in CLINICS],
        ],
        "relationships": relationships,
    }


def org_b_bundle() -> dict[str, Any]:
    """A second organization backs one hop with its own, less sure, AMBER claim and a source."""
    return {
        "entities": [],
        "relationships": [
            {
                "type": "USES",
                "source": ref("actor", "Crew 1"),
                "target": HAVEN,
                "confidence": 40,
                "tlp": "AMBER",
                "references": [ORG_B_REPORT],
                "description": "Seen in one incident response.",
            }
        ],
    }


@dataclass(frozen=True)
class Ecosystem:
    base_url: str
    ids: dict[str, str]
    key: str
    """An analyst key of Org A, the organization that posted most of the ecosystem."""


@pytest.fixture
def ecosystem(live_server: str, auth_headers: KeyFactory) -> Ecosystem:
    org_a, org_b = auth_headers("Org A", "analyst"), auth_headers("Org B", "analyst")
    bundle = org_a_bundle()
    answer = call_api(live_server, "POST", "/v1/bundles", org_a, bundle)
    ids = {item["name"]: answer["entities"][index]["id"] for index, item in enumerate(bundle["entities"])}
    call_api(live_server, "POST", "/v1/bundles", org_b, org_b_bundle())
    return Ecosystem(base_url=live_server, ids=ids, key=org_a["Authorization"].removeprefix("Bearer "))


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless; Playwright's own browser download cannot work on this network."""
    if not CHROMIUM.is_file():
        pytest.fail(
            f"Chromium is missing at {CHROMIUM}: run scripts/setup_web (as root it installs Debian's chromium), "
            "or point ATLAS_CHROMIUM at a Chromium binary",
            pytrace=False,
        )
    missing = missing_vendor_files()
    if missing:
        pytest.fail(f"the explorer's files are missing ({', '.join(missing)}): run scripts/setup_web", pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@contextmanager
def browser_page(browser: Browser, base_url: str) -> Iterator[Page]:
    """A fresh browser context (so a fresh session storage) on `base_url`; fails on any script error."""
    context = browser.new_context(viewport=VIEWPORT, base_url=base_url)
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    page = context.new_page()
    script_errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        # Chromium logs every non-2xx fetch as a console error; those are the API's answers, shown on the page.
        if message.type == "error" and "Failed to load resource" not in message.text:
            script_errors.append(message.text)

    page.on("pageerror", lambda error: script_errors.append(f"uncaught: {error}"))
    page.on("console", on_console)
    yield page
    context.close()
    assert not script_errors, f"the explorer reported script errors: {script_errors}"


@pytest.fixture
def page(browser: Browser, live_server: str) -> Iterator[Page]:
    with browser_page(browser, live_server) as page:
        yield page


def screenshot(page: Page, name: str) -> Path:
    """Saves the whole window as test-artifacts/screenshots/<name>.png, for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


TIMINGS: list[str] = []
"""Lines of figures that end-to-end tests measured, printed at the end of the run."""


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if TIMINGS:
        terminalreporter.section("explorer timings (a shared machine: figures, not limits)")
        for line in TIMINGS:
            terminalreporter.write_line(line)
