"""Pure ASGI middleware guarding request bodies before anything parses them.

* Every body is counted as it streams in, chunked or not: a multipart body (files) may carry up
  to `upload_max` bytes, any other body `body_max`. A declared Content-Length over the limit is
  refused before the first byte is read; a body that grows past the limit is cut off at the
  chunk that crosses it, and the answer is 413 whatever the route was doing with it. One chunk of a
  resumable upload (`application/offset+octet-stream`, api/tus.py) may carry `stream_max` bytes:
  a whole video arrives as many such requests, each appended to disk as it streams.
* Public routes named in `pre_body` (the anonymous complaint intake) check their client's token
  bucket before the body is read, so a client over its rate costs one header parse, not a body.
  The route itself still takes the token (`TokenBucket.ready` only looks).
* The uploader (signed-in user, else client address) is put in `api.evidence.UPLOADER` for the
  upload quotas the evidence store enforces.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from api.errors import RateLimited, error_body

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[MutableMapping[str, Any], Receive, Send], Awaitable[None]]


class BodyTooLarge(Exception):
    """Raised into the app from `receive` once the body passed its limit."""


@dataclass(frozen=True)
class PreBodyCheck:
    method: str
    path: str
    check: Callable[[MutableMapping[str, Any]], None]  # raises RateLimited


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int, body_max: int | None = None,
                 pre_body: tuple[PreBodyCheck, ...] = (),
                 uploader: Callable[[MutableMapping[str, Any]], Any] | None = None,
                 stream_max: int | None = None) -> None:
        self.app, self.upload_max = app, max_bytes
        self.body_max = min(body_max or max_bytes, max_bytes)
        self.stream_max = stream_max or self.body_max
        self.pre_body = {(c.method, c.path): c for c in pre_body}
        self.uploader = uploader

    def limit_for(self, headers: dict[bytes, bytes]) -> int:
        kind = headers.get(b"content-type", b"").split(b";", 1)[0].strip().lower()
        if kind == b"application/offset+octet-stream":  # one chunk of a resumable upload (api/tus.py)
            return self.stream_max
        return self.upload_max if kind == b"multipart/form-data" else self.body_max

    async def __call__(self, scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        limit = self.limit_for(headers)
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await _refuse(scope, send, limit)
            return
        check = self.pre_body.get((scope["method"], scope["path"].rstrip("/") or "/"))
        if check is not None:
            try:
                check.check(scope)
            except RateLimited as exc:
                await _rate_limited(scope, send, exc)
                return
        if self.uploader is not None:
            from api.evidence import UPLOADER

            token = UPLOADER.set(self.uploader(scope))
            try:
                await self._guarded(scope, receive, send, limit)
            finally:
                UPLOADER.reset(token)
            return
        await self._guarded(scope, receive, send, limit)

    async def _guarded(self, scope: MutableMapping[str, Any], receive: Receive, send: Send, limit: int) -> None:
        state = {"read": 0, "exceeded": False, "started": False}

        async def counted() -> Message:
            if state["exceeded"]:
                raise BodyTooLarge
            message = await receive()
            if message["type"] == "http.request":
                state["read"] += len(message.get("body", b""))
                if state["read"] > limit:
                    state["exceeded"] = True
                    raise BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            if state["exceeded"]:
                return  # the app's answer to a cut-off body is replaced by the 413
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        try:
            await self.app(scope, counted, guarded_send)
        except BodyTooLarge:
            state["exceeded"] = True
        if state["exceeded"] and not state["started"]:
            await _refuse(scope, send, limit)


def _wants_html(scope: MutableMapping[str, Any]) -> bool:
    accept = dict(scope.get("headers") or []).get(b"accept", b"")
    return not scope["path"].startswith("/api/") and b"text/html" in accept


async def _answer(scope: MutableMapping[str, Any], send: Send, status: int, payload: dict[str, Any],
                  extra: list[tuple[bytes, bytes]] = ()) -> None:
    if _wants_html(scope):
        body = ("<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>请求未受理</title>"
                f"<p>{payload['message']}</p><p><a href=\"/\">返回首页</a></p></html>").encode()
        kind = b"text/html; charset=utf-8"
    else:
        body, kind = json.dumps(payload, ensure_ascii=False).encode(), b"application/json"
    headers = [(b"content-type", kind), (b"content-length", str(len(body)).encode()), (b"connection", b"close"),
               *extra]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _refuse(scope: MutableMapping[str, Any], send: Send, max_bytes: int) -> None:
    if max_bytes >= 1024 * 1024:
        size = f"约{max_bytes // (1024 * 1024)}MB"
    else:
        size = f"约{max(1, max_bytes // 1024)}KB"
    await _answer(scope, send, 413, error_body("payload_too_large", f"请求内容过大（上限{size}）",
                                               {"max_bytes": max_bytes}))


async def _rate_limited(scope: MutableMapping[str, Any], send: Send, exc: RateLimited) -> None:
    retry = str(exc.detail.get("retry_after", 1)).encode()
    await _answer(scope, send, 429, error_body(exc.code, exc.message, exc.detail), [(b"retry-after", retry)])
