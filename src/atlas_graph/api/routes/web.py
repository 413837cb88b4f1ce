"""The web explorer: `/` serves its page and `/static/...` its files, or a 503 page until scripts/setup_web ran."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

import atlas_graph

WEB_DIR = Path(atlas_graph.__file__).resolve().parent / "web"
VENDOR_FILES = ("vendor/graph-libs.js", "vendor/forceatlas2.js")
"""Files that scripts/setup_web bundles from npm packages into WEB_DIR; the page cannot work without them."""

# The page loads everything from this service: no CDN, no inline script, API calls to the same origin only; the
# layout worker is a script of the same origin too. Inline styles are allowed because Sigma.js sets `style` attributes
# on the canvases it draws into; data: images are the kinds' pictograms, drawn by the page and handed to WebGL.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}

NOT_INSTALLED_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>atlas-graph explorer: not installed</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto">
<h1>The explorer is not installed</h1>
<p>Its graph-drawing libraries are missing from this installation: {missing}.</p>
<p>Run <code>scripts/setup_web</code> (it runs <code>npm ci</code> in <code>web/</code> and bundles the libraries into
the package), then reload this page. The API itself works: see <a href="/docs">/docs</a>.</p>
</body></html>
"""

router = APIRouter(include_in_schema=False)


def missing_vendor_files() -> list[str]:
    """Vendor files the explorer needs that are not installed."""
    return [name for name in VENDOR_FILES if not (WEB_DIR / name).is_file()]


@router.get("/", response_class=HTMLResponse)
def explorer() -> Response:
    missing = missing_vendor_files()
    if missing:
        page = NOT_INSTALLED_PAGE.format(missing=", ".join(f"static/{name}" for name in missing))
        return HTMLResponse(page, status_code=503, headers={"Cache-Control": "no-store", "Retry-After": "60"})
    return FileResponse(WEB_DIR / "index.html", media_type="text/html", headers=SECURITY_HEADERS)


router.mount("/static", StaticFiles(directory=WEB_DIR, check_dir=False), name="static")
