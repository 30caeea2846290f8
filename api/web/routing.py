"""How the pages answer: every failure becomes a Chinese HTML page (never the API's JSON, never a bare 500).

`WebRoute` wraps each page handler: a missing session redirects to the login form, a case
outside the caller's jurisdiction is the 404 page, a refused role the 403 page, anything
unexpected is logged and shown as a polite error page. `HtmlFallback` answers unknown
addresses outside /api/ with the 404 page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Route
from starlette.types import Scope

from api.errors import STATUS_MESSAGES, status_of
from api.web.deps import CsrfFailed, LoginRequired
from api.web.templating import page
from cases.errors import DomainError, NotAuthorised, NotFound

log = logging.getLogger("api.web")

TITLES = {400: "请求有误", 401: "请先登录", 403: "无权访问", 404: "页面不存在", 405: "页面不存在", 409: "内容已变化",
          413: "上传内容过大", 415: "文件类型不支持", 422: "填写有误", 429: "操作过于频繁", 500: "系统出错了",
          503: "系统繁忙"}


def login_redirect(request: Request, message: str = "") -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    url = f"/login?next={quote(target, safe='')}"
    if message and message != "请先登录":
        url += f"&reason={quote(message, safe='')}"
    return RedirectResponse(url, status_code=303)


def error_page(request: Request, status: int, message: str) -> Response:
    return page(request, "error.html", {"status": status, "title": TITLES.get(status, "出错了"),
                                        "message": message}, status=status,
                user=getattr(request.state, "web_user", None))


def web_error(request: Request, exc: Exception) -> Response:
    """The page for an exception a page handler let through."""
    if isinstance(exc, LoginRequired):
        return login_redirect(request, exc.message)
    if isinstance(exc, CsrfFailed):
        return error_page(request, 403, exc.message)
    if isinstance(exc, NotFound):
        return error_page(request, 404, exc.message or "页面不存在或不在您的辖区内")
    if isinstance(exc, NotAuthorised):
        return error_page(request, 403, exc.message)
    if isinstance(exc, DomainError):
        status = status_of(exc)
        if status >= 500:
            log.error("page failed on %s: %s", request.url.path, exc, exc_info=exc)
        return error_page(request, status, exc.message)
    if isinstance(exc, RequestValidationError):
        if any(err.get("loc", ("",))[0] == "path" for err in exc.errors()):
            return error_page(request, 404, "页面不存在或不在您的辖区内")
        return error_page(request, 422, "请求参数不合法，请检查后重试")
    if isinstance(exc, StarletteHTTPException):
        status = 404 if exc.status_code == 405 else exc.status_code
        return error_page(request, status, STATUS_MESSAGES.get(status, "请求无法处理"))
    if isinstance(exc, OperationalError):
        log.error("database error on %s: %s", request.url.path, exc)
        return error_page(request, 503, "数据库繁忙，请稍后重试")
    log.exception("page failed on %s %s", request.method, request.url.path, exc_info=exc)
    return error_page(request, 500, "页面处理出错，已记录。请稍后重试，或返回上一页。")


class WebRoute(APIRoute):
    """A page route: exceptions become HTML pages instead of the API's JSON."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as exc:  # noqa: BLE001 — every failure gets a page
                return web_error(request, exc)

        return route


class HtmlFallback(Route):
    """Any GET outside /api/ that no route answered: the Chinese 404 page."""

    def __init__(self) -> None:
        super().__init__("/{path:path}", self._not_found, methods=["GET"], include_in_schema=False)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        path = scope.get("path", "")
        if (scope.get("type") != "http" or scope.get("method") not in ("GET", "HEAD")
                or path.startswith(("/api/", "/static/")) or path == "/api"):
            return Match.NONE, {}
        return super().matches(scope)

    @staticmethod
    async def _not_found(request: Request) -> Response:
        return error_page(request, 404, "您访问的页面不存在。")
