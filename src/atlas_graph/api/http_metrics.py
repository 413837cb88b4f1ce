"""Counts and times every HTTP request by method, route template and status, for `GET /metrics`.

Pure ASGI (api/http_middleware.py says why). The route is the template the router matched
(`/v1/entities/{entity_id}`), never the path itself, so that ids do not reach the metrics and their number stays
bounded; a path no route matched is `unmatched`.
"""

from __future__ import annotations

import time

from starlette.types import Message, Receive, Scope, Send

from atlas_graph.api.http_middleware import HttpMiddleware
from atlas_graph.metrics import HTTP_LATENCY, HTTP_REQUESTS

UNMATCHED = "unmatched"


class RequestMetrics(HttpMiddleware):
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        status = [500]  # what the client gets if the app fails before answering

        async def send_and_note(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            route = getattr(scope.get("route"), "path", None) or UNMATCHED
            method = scope["method"]
            HTTP_REQUESTS.labels(method=method, route=route, status=str(status[0])).inc()
            HTTP_LATENCY.labels(method=method, route=route).observe(time.perf_counter() - started)
