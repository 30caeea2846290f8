"""Dependencies of the pages: the signed-in user (from the session cookie), role checks, CSRF-checked forms.

The API's own dependencies provide the sessions, the clock and the calendar, so the clock a test
gives `create_app` moves the pages too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData

from api.deps import CalendarDep, ClockDep, SessionDep
from api.errors import NotAuthenticated
from api.security import actor_from_token
from api.web import session as web_session
from cases.authority import Actor
from cases.enums import Role
from cases.errors import DomainError, NotAuthorised
from cases.models import Department, Officer
from cases.service import Ctx

MAX_FILES = 12
MAX_FIELDS = 400


class LoginRequired(DomainError):
    """No valid session: the page sends the browser to the login form."""

    code = "login_required"


class CsrfFailed(DomainError):
    code = "csrf_failed"


@dataclass(frozen=True)
class WebUser:
    actor: Actor
    username: str
    department: str
    todo: int | None = None  # 待办 in the header (cases.desk.inbox)

    def has(self, *roles: Role) -> bool:
        return bool(self.actor.roles & set(roles))

    @property
    def role_label(self) -> str:
        return "、".join(r.label for r in Role if r in self.actor.roles) or "—"


def web_user(request: Request, session: SessionDep, clock: ClockDep, calendar: CalendarDep) -> WebUser:
    token = web_session.session_token(request)
    if not token:
        raise LoginRequired("请先登录")
    try:
        actor = actor_from_token(session, request.app.state.secret, token, clock.now(),
                                 getattr(request.app.state, "actor_cache", None))
    except NotAuthenticated as exc:
        raise LoginRequired(exc.message) from None
    officer = session.get(Officer, actor.officer_id)
    department = session.get(Department, actor.department_id) if actor.department_id else None
    user = WebUser(actor, officer.username if officer else "", department.name if department else "",
                   _todo(session, actor, clock.now().date(), calendar))
    request.state.web_user = user  # for the error page's header
    return user


def _todo(session: SessionDep, actor: Actor, today: date, calendar: CalendarDep) -> int | None:
    from cases import desk, repository

    if actor.officer_id is None or not actor.roles - {Role.ADMIN}:
        return None
    regions = repository.subtree_codes(session, actor.region_code)
    return desk.todo_count(session, regions, today, calendar, officer_id=actor.officer_id,
                           department_id=actor.department_id, roles=frozenset(str(r) for r in actor.roles))


UserDep = Annotated[WebUser, Depends(web_user)]


def require(user: WebUser, *roles: Role) -> None:
    if not user.has(*roles):
        labels = "、".join(r.label for r in roles)
        raise NotAuthorised(f"此页面仅限{labels}使用", roles=sorted(roles))


async def posted_form(request: Request) -> FormData:
    """The submitted form, after its CSRF token was checked."""
    form = await request.form(max_files=MAX_FILES, max_fields=MAX_FIELDS)
    sent = form.get(web_session.CSRF_FIELD)
    if not web_session.csrf_valid(request, sent if isinstance(sent, str) else None):
        raise CsrfFailed("页面已过期或来源不明（安全校验未通过），请返回刷新页面后重新提交")
    return form


FormDep = Annotated[FormData, Depends(posted_form)]


def make_ctx(request: Request, actor: Actor, clock: ClockDep, calendar: CalendarDep) -> Ctx:
    return Ctx(actor=actor, clock=clock, calendar=calendar, renderer=request.app.state.renderer,
               store=request.app.state.document_store)
