"""A pure ASGI middleware refusing a request body over a size limit before anything parses it.

It trusts Content-Length (uvicorn refuses a body longer than its Content-Length); the routes that
take files still count the bytes they read.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from api.errors import error_body

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[MutableMapping[str, Any], Receive, Send], Awaitable[None]]


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            length = dict(scope.get("headers") or []).get(b"content-length")
            if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
                await _refuse(send, self.max_bytes)
                return
        await self.app(scope, receive, send)


async def _refuse(send: Send, max_bytes: int) -> None:
    megabytes = max_bytes // (1024 * 1024)
    body = json.dumps(error_body("payload_too_large", f"请求内容过大（上限约{megabytes}MB）",
                                 {"max_bytes": max_bytes}), ensure_ascii=False).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
               (b"connection", b"close")]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})
