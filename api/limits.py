"""A pure ASGI middleware refusing request bodies over a size limit before anything parses them."""

from __future__ import annotations

import json

from api.errors import error_body

Scope = dict
Receive = Send = object


class BodyLimit:
    def __init__(self, app, max_bytes: int) -> None:  # noqa: ANN001
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive, send) -> None:  # noqa: ANN001
        if scope["type"] == "http":
            length = dict(scope.get("headers") or []).get(b"content-length")
            if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
                await _refuse(send, self.max_bytes)
                return
        await self.app(scope, receive, send)


async def _refuse(send, max_bytes: int) -> None:  # noqa: ANN001
    megabytes = max_bytes // (1024 * 1024)
    body = json.dumps(error_body("payload_too_large", f"请求内容过大（上限约{megabytes}MB）",
                                 {"max_bytes": max_bytes}), ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
