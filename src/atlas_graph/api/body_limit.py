"""Refuses request bodies over the configured size with a JSON 413, before they are read into memory.

Starlette's own limiter answers in plain text; clients of this API parse one error shape (models/errors.py).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from atlas_graph.api.http_middleware import HttpMiddleware
from atlas_graph.taxii.errors import TAXII_PATH_PREFIX, error_resource
from atlas_graph.taxii.media import TAXII_MEDIA_TYPE


class BodySizeLimit(HttpMiddleware):
    """ASGI middleware: checks Content-Length up front and counts streamed (chunked) bodies as they arrive."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        super().__init__(app)
        self.max_bytes = max_bytes

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, send)
            return

        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except* _BodyTooLarge:
            if not started:
                await self._refuse(scope, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        message = f"request body over {self.max_bytes} bytes; split it into several requests"
        request_id = scope.get("state", {}).get("request_id")
        media_type = "application/json"
        document: dict[str, Any] = {
            "error": {"code": "payload_too_large", "message": message, "problems": []},
            "request_id": request_id,
        }
        if str(scope.get("path", "")).startswith(TAXII_PATH_PREFIX):
            # TAXII clients read TAXII's error resource (docs/taxii.md).
            media_type, document = TAXII_MEDIA_TYPE, error_resource(413, message, request_id=request_id)
        body = json.dumps(document).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", media_type.encode()), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})


class _BodyTooLarge(HTTPException):
    """An HTTPException, so that FastAPI's body parsing passes it on (it turns other errors into 400)."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"request body over {max_bytes} bytes; split it into several requests")
