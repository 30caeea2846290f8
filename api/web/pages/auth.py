"""登录 / 退出, and the front door `/` (the login page, or the user's first page when signed in)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse

from api.deps import CalendarDep, ClockDep, SessionDep, SettingsDep, WriteSessionDep, client_key
from api.errors import LoginLocked, NotAuthenticated
from api.security import end_session, login, start_session
from api.web import session as web_session
from api.web.deps import FormDep, LoginRequired, WebUser, web_user
from api.web.routing import WebRoute
from api.web.templating import page
from cases.enums import Role

router = APIRouter(route_class=WebRoute)


def landing(user: WebUser) -> str:
    """The page a user starts on: supervisors watch the board, admins keep the register."""
    if user.has(Role.SUPERVISOR):
        return "/board"
    if user.has(Role.OFFICER, Role.LEGAL):
        return "/cases"
    return "/institutions"


def safe_next(value: str | None) -> str | None:
    """Only a path on this site (no scheme, no host, no //evil.example)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value or "\n" in value:
        return None
    return value[:512]


@router.get("/", summary="首页")
def home(request: Request, session: SessionDep, clock: ClockDep, calendar: CalendarDep) -> Response:
    try:
        user = web_user(request, session, clock, calendar)
    except LoginRequired:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse(landing(user), status_code=303)


@router.get("/login", summary="登录")
def login_form(request: Request, next: Annotated[str | None, Query(max_length=512)] = None,  # noqa: A002
               reason: Annotated[str | None, Query(max_length=80)] = None,
               out: Annotated[int | None, Query()] = None) -> Response:
    notice = "您已安全退出。" if out else (reason or "")
    return page(request, "login.html", {"next": safe_next(next) or "", "error": "", "notice": notice,
                                        "username": ""})


@router.post("/login", summary="登录")
def login_submit(request: Request, form: FormDep, session: WriteSessionDep, clock: ClockDep,
                 settings: SettingsDep) -> Response:
    username = str(form.get("username") or "").strip()[:64]
    password = str(form.get("password") or "")[:256]
    target = safe_next(str(form.get("next") or ""))
    ctx = {"next": target or "", "notice": "", "username": username}
    if not username or not password:
        return page(request, "login.html", {**ctx, "error": "请输入用户名和密码。"}, status=422)
    now = clock.now()
    client = client_key(request, settings)
    try:
        officer = login(session, username, password, client, request.app.state.login_throttle)
    except LoginLocked as exc:
        return page(request, "login.html", {**ctx, "error": exc.message}, status=429)
    except NotAuthenticated:
        return page(request, "login.html", {**ctx, "error": "用户名或密码错误，请重新输入。"
                                            f"连续输错{settings.login_max_failures}次后须等待片刻才能再试。"},
                    status=401)
    ttl = timedelta(minutes=settings.token_ttl_minutes)
    old = web_session.session_token(request)
    if old:  # a new sign-in ends the session this browser had
        end_session(session, request.app.state.secret, old, now, "replaced")
    token = start_session(session, request.app.state.secret, officer, now, ttl, client)
    roles = frozenset(Role(r) for r in officer.roles if r in Role._value2member_map_)
    start = target or landing(WebUser(_actor_roles(roles), officer.username, ""))
    response = RedirectResponse(start, status_code=303)
    web_session.set_session(response, request, token, int(ttl.total_seconds()))
    return response


def _actor_roles(roles: frozenset[Role]):  # noqa: ANN202
    from cases.authority import Actor

    return Actor(None, roles, None, "")


@router.post("/logout", summary="退出")
def logout(request: Request, form: FormDep, session: WriteSessionDep, clock: ClockDep) -> Response:
    token = web_session.session_token(request)
    if token:  # the session ends on the server, not only in this browser
        end_session(session, request.app.state.secret, token, clock.now())
        request.app.state.actor_cache.discard(token)
    response = RedirectResponse("/login?out=1", status_code=303)
    web_session.clear_session(response, request)
    return response
