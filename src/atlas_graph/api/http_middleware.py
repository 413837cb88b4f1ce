"""The base of atlas-graph's pure ASGI middlewares: each acts on HTTP requests and lets every other scope pass.

Pure ASGI rather than `@app.middleware("http")`: Starlette's BaseHTTPMiddleware wraps the body stream in a task
group, which turns errors raised while reading the body (such as the size limit) into opaque 400s.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from starlette.types import ASGIApp, Receive, Scope, Send


class HttpMiddleware(ABC):
    """Calls `handle` for HTTP requests; lifespan and websocket scopes go straight to the app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    @abstractmethod
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one HTTP request, calling `self.app` to pass it on."""
