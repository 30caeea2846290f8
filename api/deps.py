"""The composition root for HTTP: session, clock, calendar, renderer, stores, the caller, the case.

Dependencies validate (against the database where needed) and raise domain errors; `api/errors.py`
turns those into statuses. Tests build the app with their engine, clock and fakes through
`create_app`; the routes are shared by every app of a process, so FastAPI's `dependency_overrides`
do not reach them (`api.main._route_tables`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import OAuth2PasswordBearer
from sqlmodel import Session

from api.errors import NotAuthenticated
from api.evidence import EvidenceStore
from api.security import actor_from_token, verify_token
from api.settings import ApiSettings
from cases import authority, repository
from cases.authority import Actor
from cases.calendar import WorkCalendar
from cases.db import new_session
from cases.enums import Role
from cases.errors import NotAuthorised, NotFound
from cases.fields import MAX_INT
from cases.models import Case
from cases.ports import Clock, DocumentRenderer, DocumentStore
from cases.service import Ctx
from cases.settings import get_calendar as _calendar
from cases.settings import get_clock as _clock


async def get_write_session(request: Request) -> AsyncIterator[Session]:
    """The session a use case commits (one per request); rolled back when the request fails.

    An async generator only to save two thread hops per request: creating a Session does no
    I/O, and closing one after its use case committed returns an idle connection. On a SQLite
    file its transaction queues on the process-wide writer lock (`cases.db`), with the CLI's and
    the flows' sessions."""
    with new_session(request.app.state.engine) as session:
        try:
            yield session
        except BaseException:
            session.rollback()
            raise


WriteSessionDep = Annotated[Session, Depends(get_write_session)]


async def get_session(request: Request, write: WriteSessionDep) -> AsyncIterator[Session]:
    """The session for reads. On PostgreSQL it is the write session itself (MVCC: reading locks
    nothing). On SQLite it is a separate autocommit session on the same file, so that the checks
    before a use case (caller, case, scope) and the answer after it do not hold SQLite's single
    write lock, which the write session takes at its first statement (BEGIN IMMEDIATE)."""
    reader = request.app.state.read_engine
    if reader is None:
        yield write
        return
    with Session(reader, expire_on_commit=False) as session:
        yield session


async def get_clock(request: Request) -> Clock:
    """The clock `create_app` was given (tests move one), else the bureau's wall clock."""
    return request.app.state.clock or _clock()


async def get_calendar() -> WorkCalendar:
    return _calendar()


async def get_settings(request: Request) -> ApiSettings:
    return request.app.state.settings


async def get_renderer(request: Request) -> DocumentRenderer:
    return request.app.state.renderer


async def get_document_store(request: Request) -> DocumentStore:
    return request.app.state.document_store


async def get_evidence_store(request: Request) -> EvidenceStore:
    return request.app.state.evidence_store


SessionDep = Annotated[Session, Depends(get_session)]
ClockDep = Annotated[Clock, Depends(get_clock)]
CalendarDep = Annotated[WorkCalendar, Depends(get_calendar)]
SettingsDep = Annotated[ApiSettings, Depends(get_settings)]
DocumentStoreDep = Annotated[DocumentStore, Depends(get_document_store)]
EvidenceStoreDep = Annotated[EvidenceStore, Depends(get_evidence_store)]

oauth2 = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False, scheme_name="令牌",
                              description="用 POST /api/v1/auth/token 登录取得令牌")


async def current_actor(request: Request, session: SessionDep, clock: ClockDep,
                        token: Annotated[str | None, Depends(oauth2)]) -> Actor:
    """The caller. Async so that a cached caller costs no thread hop; a lookup goes to a thread."""
    if not token:
        raise NotAuthenticated("请先登录", code="not_authenticated")
    cache = request.app.state.actor_cache
    actor = cache.get(token) if verify_token(request.app.state.secret, token, clock.now()) else None
    if actor is not None:
        return actor
    secret = request.app.state.secret
    return await run_in_threadpool(actor_from_token, session, secret, token, clock.now(), cache)


def optional_actor(request: Request, session: SessionDep, clock: ClockDep,
                   token: Annotated[str | None, Depends(oauth2)]) -> Actor | None:
    """The caller when a token is sent (staff), None for the public."""
    if not token:
        return None
    state = request.app.state
    return actor_from_token(session, state.secret, token, clock.now(), state.actor_cache)


CurrentActor = Annotated[Actor, Depends(current_actor)]


def require_roles(*roles: Role) -> Callable[[Actor], Awaitable[Actor]]:
    allowed = frozenset(roles)
    labels = "、".join(r.label for r in roles)

    async def check(actor: CurrentActor) -> Actor:
        if not actor.roles & allowed:
            raise NotAuthorised(f"此功能仅限{labels}使用", roles=sorted(allowed))
        return actor

    return check


def require_permission(permission: str) -> Callable[[Actor], Awaitable[Actor]]:
    """The caller, when `cases.authority.PERMISSIONS` gives their role `permission`."""

    async def check(actor: CurrentActor) -> Actor:
        authority.require(actor, permission)
        return actor

    return check


CaseWorker = Annotated[Actor, Depends(require_roles(Role.OFFICER, Role.SUPERVISOR, Role.LEGAL))]
Supervisor = Annotated[Actor, Depends(require_roles(Role.SUPERVISOR))]
StatsReader = Annotated[Actor, Depends(require_roles(Role.SUPERVISOR, Role.LEGAL, Role.ADMIN))]
Staff = Annotated[Actor, Depends(require_roles(*Role))]
RegisterManager = Annotated[Actor, Depends(require_permission("manage_register"))]
Admin = Annotated[Actor, Depends(require_permission("manage_staff"))]


async def get_ctx(actor: CurrentActor, clock: ClockDep, calendar: CalendarDep, request: Request) -> Ctx:
    return Ctx(actor=actor, clock=clock, calendar=calendar, renderer=request.app.state.renderer,
               store=request.app.state.document_store)


CtxDep = Annotated[Ctx, Depends(get_ctx)]


def scope(session: SessionDep, actor: CurrentActor) -> list[str]:
    """The region codes of the caller's jurisdiction subtree."""
    return repository.subtree_codes(session, actor.region_code)


ScopeDep = Annotated[list[str], Depends(scope)]


def in_scope(session: Session, actor: Actor, region_code: str) -> bool:
    return authority.within(region_code, actor.region_code, repository.region_parents(session))


CaseId = Annotated[int, Path(ge=1, le=MAX_INT, description="案件编号")]


def scoped_case(session: Session, actor: Actor, case_id: int) -> Case:
    """The case, when it lies in the caller's jurisdiction; 404 otherwise (its existence is not revealed)."""
    case = session.get(Case, case_id)
    if case is None or not in_scope(session, actor, case.region_code):
        raise NotFound("案件不存在或不在您的辖区内", case_id=case_id)
    return case


def valid_case(case_id: CaseId, session: SessionDep, actor: CaseWorker) -> Case:
    return scoped_case(session, actor, case_id)


ValidCase = Annotated[Case, Depends(valid_case)]


def client_key(request: Request, settings: ApiSettings) -> str:
    """The client's address: behind a trusted proxy, the last hop before it (`api.security.ProxyHeaders`
    has already put it in the request's client; forwarded headers from anyone else are ignored)."""
    return request.client.host if request.client else "unknown"
