"""TAXII's error resource: every error under /taxii2/ is answered with a JSON `title` and `description`.

`TaxiiError` is raised for what only TAXII refuses (a media type it cannot serve, a filter it cannot read); the
domain errors of the rest of atlas-graph (401, 403, 404, 413, 422, 429, 503) are turned into the same resource by
`api/exception_handlers.py` for paths under /taxii2/.
"""

from __future__ import annotations

from typing import Any

from atlas_graph.errors import AtlasGraphError

TAXII_PATH_PREFIX = "/taxii2"

_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    413: "Request entity too large",
    415: "Unsupported media type",
    422: "Unprocessable entity",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}


class TaxiiError(AtlasGraphError):
    """A request TAXII refuses with `http_status` (400 bad filter, 406 Accept, 415 Content-Type)."""

    def __init__(self, http_status: int, description: str) -> None:
        super().__init__(description)
        self.http_status = http_status
        self.description = description


def error_resource(
    http_status: int, description: str, *, request_id: str | None = None, details: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The TAXII 2.1 error message (section 3.6.1): `title` and `http_status` always, the rest when known."""
    resource: dict[str, Any] = {
        "title": _TITLES.get(http_status, "Error"),
        "description": description,
        "http_status": str(http_status),
    }
    if request_id:
        resource["error_id"] = request_id
    if details:
        resource["details"] = details
    return resource
