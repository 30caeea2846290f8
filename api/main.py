"""The FastAPI application: `create_app()` (tests pass their engine and fakes) and `app` for uvicorn.

`enforce serve` runs `uvicorn api.main:app`; `app` is built on first access (module
`__getattr__`), so importing this module reads no settings.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from sqlalchemy import Engine, text
from starlette.routing import BaseRoute

from api import web
from api.adapters import LazyDocumentStore, LazyRenderer
from api.errors import install_error_handlers
from api.evidence import EvidenceStore, Uploader, UploadQuota
from api.limits import BodyLimit, PreBodyCheck
from api.ratelimit import LoginThrottle, TokenBucket
from api.routes import api_router
from api.security import ActorCache, ProxyHeaders, SecurityHeaders, token_subject
from api.settings import ApiSettings, get_api_settings
from api.tus import tus_router
from cases.actions import ROUTED
from cases.caches import register_cache
from cases.ports import Clock, DocumentRenderer, DocumentStore

TITLE = "双减执法办案系统 API"
DESCRIPTION = """校外培训（“双减”）执法办案：举报受理、分派、现场检查、责令整改、行政处罚、期限督办与统计。

* 登录：`POST /api/v1/auth/token` 取得令牌，之后在请求头带 `Authorization: Bearer <令牌>`；
  `POST /api/v1/auth/logout` 退出（令牌随即失效）。
* 所有查询和操作限于您所在部门的辖区（行政区划及其下级）；辖区外的案件返回404。
* 办案操作：`POST /api/v1/cases/{id}/actions/{操作}`，须带 `If-Match: <版本号>`；缺少返回428，版本过期返回409。
* 错误统一为 `{code, message, detail}`：`code` 稳定可供程序判断，`message` 为中文说明。
"""
TAGS = [
    {"name": "登录", "description": "用户名密码登录，取得访问令牌"},
    {"name": "举报投诉（公众）", "description": "公众提交举报、查询办理状态（无需登录）"},
    {"name": "案件", "description": "案件列表、详情、文书和证据"},
    {"name": "办案操作", "description": "状态转换和办案环节，每个操作一个接口"},
    {"name": "文书", "description": "文书信息和 PDF 原件"},
    {"name": "机构名录", "description": "校外培训机构登记与批量导入"},
    {"name": "部门与人员", "description": "部门、执法人员和账号（管理员维护）"},
    {"name": "督办与统计", "description": "期限看板和统计"},
    {"name": "基础数据", "description": "违法行为目录和行政区划"},
    {"name": "系统", "description": "运行状态"},
]


def create_app(*, engine: Engine | None = None, settings: ApiSettings | None = None,
               renderer: DocumentRenderer | None = None, document_store: DocumentStore | None = None,
               evidence_store: EvidenceStore | None = None, clock: Clock | None = None) -> FastAPI:
    """The app on `engine` (default: the configured database) with the given ports; `clock` replaces
    the bureau's wall clock (tests move it). Everything a route needs of its app is read from
    `app.state`, so the routes themselves are shared by every app of the process (`_route_tables`)."""
    from cases.db import get_engine, read_engine_for
    from cases.settings import get_settings

    settings = settings or get_api_settings()
    app = FastAPI(title=TITLE, description=DESCRIPTION, version="1.0.0", openapi_tags=TAGS,
                  docs_url=None, redoc_url=None, lifespan=warm_up)
    app.state.settings = settings
    app.state.clock = clock
    app.state.engine = engine or get_engine()
    app.state.read_engine = read_engine_for(app.state.engine)
    app.state.secret = settings.secret()
    app.state.actor_cache = ActorCache(settings.auth_cache_seconds)
    app.state.renderer = renderer or LazyRenderer()
    app.state.document_store = document_store or LazyDocumentStore(get_settings().documents_dir)
    app.state.evidence_store = evidence_store or EvidenceStore(settings.evidence_dir)
    app.state.complaint_bucket = TokenBucket(settings.complaint_burst, settings.complaint_rate_per_minute)
    app.state.status_bucket = TokenBucket(settings.status_burst, settings.status_rate_per_minute)
    app.state.login_throttle = LoginThrottle(settings.login_max_failures, settings.login_client_max_failures,
                                             settings.login_delay_seconds, settings.login_lock_minutes * 60.0)
    app.state.upload_quota = UploadQuota()
    from api.messaging import Deliverer

    app.state.deliver_messages = Deliverer(app.state.engine)
    install_error_handlers(app)
    api_routes, page_routes = _route_tables()
    app.router.routes.extend(api_routes)
    app.include_router(tus_router(settings, app.state.evidence_store))  # resumable video uploads (api/tus.py)
    app.add_api_route("/api/v1/health", health, methods=["GET"], tags=["系统"], summary="运行状态",
                      description="数据库可连接时返回 ok。")
    largest = max(settings.evidence_max_bytes, settings.import_max_bytes) + 2**20  # + the multipart framing
    complaint_check = _anonymous_rate_check(app, "complaint_bucket")
    app.add_middleware(BodyLimit, max_bytes=largest, body_max=settings.body_max_bytes,
                       stream_max=settings.upload_chunk_max_bytes,
                       pre_body=(PreBodyCheck("POST", "/api/v1/complaints", complaint_check),
                                 PreBodyCheck("POST", "/report", complaint_check)),
                       uploader=_uploader(app))
    app.add_middleware(SecurityHeaders, hsts_seconds=settings.hsts_seconds)
    app.add_middleware(ProxyHeaders, networks=settings.proxy_networks())  # outermost: the real client first
    app.openapi = lambda: openapi(app)  # type: ignore[method-assign]
    if settings.show_docs:
        app.add_api_route("/docs", swagger_ui, methods=["GET"], include_in_schema=False)
    web.install(app, page_routes)  # the web pages (api/web): same app, same rules
    return app


@lru_cache(maxsize=1)
def _route_tables() -> tuple[tuple[BaseRoute, ...], tuple[BaseRoute, ...]]:
    """The API's routes and the pages', built once per process and shared by every app `create_app`
    makes. FastAPI builds each route's dependency tree and parameter validators again for every
    router that includes it (0.4–0.7 s for this app: most of an API test's set-up, and the tests
    make hundreds of apps). The routes read everything app-specific from `request.app.state`, so
    one table serves every app; for the same reason an app's `dependency_overrides` do not reach
    them — inject through `create_app`'s parameters instead."""
    from api.web.pages import web_router

    tables = []
    for router in (api_router(), web_router()):
        holder = APIRouter()
        holder.include_router(router)
        tables.append(tuple(holder.routes))
    return tables[0], tables[1]


def _signed_in(app: FastAPI, scope: dict[str, Any]) -> int | None:
    """The officer id of a genuinely signed token in the request (bearer or session cookie), else None.
    Only the signature is checked (no database, no expiry): enough to tell staff from the public
    for the limits; the routes still check the token in full."""
    from http.cookies import SimpleCookie

    from api.web.session import SESSION_COOKIE

    headers = dict(scope.get("headers") or [])
    auth = headers.get(b"authorization", b"").decode("latin-1")
    token = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
    if not token and b"cookie" in headers:
        try:
            cookie = SimpleCookie(headers[b"cookie"].decode("latin-1")).get(SESSION_COOKIE)
        except Exception:  # noqa: BLE001 — a malformed cookie header is simply no session
            cookie = None
        token = cookie.value if cookie else ""
    if not token:
        return None
    return token_subject(app.state.secret, token)


def _client_of(scope: dict[str, Any]) -> str:
    client = scope.get("client")
    return client[0] if client else "unknown"


def _anonymous_rate_check(app: FastAPI, bucket: str):  # noqa: ANN202
    def check(scope: dict[str, Any]) -> None:
        if _signed_in(app, scope) is None:
            getattr(app.state, bucket).ready(_client_of(scope))

    return check


def _uploader(app: FastAPI):  # noqa: ANN202
    def who(scope: dict[str, Any]) -> Uploader:
        settings = app.state.settings
        officer = _signed_in(app, scope)
        if officer is not None:
            return Uploader(app.state.upload_quota, f"user:{officer}", settings.upload_user_bytes_per_day)
        return Uploader(app.state.upload_quota, f"client:{_client_of(scope)}", settings.upload_client_bytes_per_day)

    return who


@asynccontextmanager
async def warm_up(_app: FastAPI) -> AsyncIterator[None]:
    """Load the calendar and the violation catalogue before the first request (about a second), then
    take what startup built out of the cyclic collector's generations while the app serves: a full
    collection then walks only what requests made. At province scale a board request allocates
    enough to trigger one every other request, which walked every module, route and schema
    (100–160 ms each; docs/scale.md "The board and the work list without an aggregate per
    request"). Unfrozen at shutdown, so an app made and dropped (the tests make hundreds) leaves
    nothing behind."""
    from cases.catalogue import load_catalogue
    from cases.settings import get_calendar

    get_calendar()
    load_catalogue()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def health(request: Request) -> dict[str, str]:
    with request.app.state.engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return {"status": "ok"}


SWAGGER = "/static/vendor/swagger-ui"  # swagger-ui-dist from npm, shipped in api/web/static/vendor (no CDN)


def swagger_ui(request: Request) -> HTMLResponse:
    """`/docs`: Swagger UI from the bundled assets, Chinese title, the operations collapsed."""
    return get_swagger_ui_html(openapi_url=request.app.openapi_url or "/openapi.json", title=TITLE,
                               swagger_js_url=f"{SWAGGER}/swagger-ui-bundle.js",
                               swagger_css_url=f"{SWAGGER}/swagger-ui.css",
                               swagger_favicon_url=f"{SWAGGER}/favicon-32x32.png",
                               swagger_ui_parameters={"docExpansion": "none", "defaultModelsExpandDepth": -1})


def openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's schema plus the action bodies, which the routes parse themselves (after If-Match)."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes,
                         tags=app.openapi_tags)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for spec in ROUTED:
        body = spec.body.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, definition in body.pop("$defs", {}).items():
            components.setdefault(name, definition)
        components[spec.body.__name__] = body
    app.openapi_schema = schema
    return schema


@lru_cache
def _default_app() -> FastAPI:
    return create_app()


register_cache("api.main._default_app", _default_app.cache_clear)
register_cache("api.main._route_tables", _route_tables.cache_clear)


def __getattr__(name: str) -> FastAPI:
    if name == "app":
        return _default_app()
    raise AttributeError(name)
