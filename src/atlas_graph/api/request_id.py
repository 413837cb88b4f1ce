"""Tags every request with an id (the caller's X-Request-ID when sane, else a new one) and echoes it back.

Pure ASGI (api/http_middleware.py says why).
"""

from __future__ import annotations

import uuid

from starlette.types import Message, Receive, Scope, Send

from atlas_graph.api.http_middleware import HttpMiddleware
from atlas_graph.logs import CURRENT_REQUEST_ID
from atlas_graph.store.graph import fail_fast_after_outage

REQUEST_ID_HEADER = "X-Request-ID"


class RequestId(HttpMiddleware):
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        supplied = dict(scope["headers"]).get(REQUEST_ID_HEADER.lower().encode(), b"").decode("latin-1")
        # Honour an id from a proxy so that its logs and our audit trail line up.
        request_id = supplied if 0 < len(supplied) <= 128 and supplied.isprintable() else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        # For the log lines written while it is handled, uvicorn's access line included (logs.py).
        token = CURRENT_REQUEST_ID.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode("latin-1"))]
            await send(message)

        try:
            # One outage per request: the request's later calls to Neo4j fail at once (store.graph).
            with fail_fast_after_outage():
                await self.app(scope, receive, send_with_id)
        finally:
            CURRENT_REQUEST_ID.reset(token)
