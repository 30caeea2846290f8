"""Login (OAuth2 password form → bearer token), logout and the current user."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import OAuth2PasswordRequestForm

from api import schemas
from api.deps import ClockDep, CurrentActor, SessionDep, SettingsDep, WriteSessionDep, client_key, oauth2
from api.errors import error_responses
from api.security import end_session, login, start_session
from cases.models import Department, Officer

router = APIRouter(prefix="/auth", tags=["登录"])


def user_out(officer: Officer, department: Department, certified: bool) -> schemas.UserOut:
    return schemas.UserOut(id=officer.id, username=officer.username, name=officer.name,
                           roles=list(officer.roles),
                           department_id=officer.department_id, department=department.name,
                           region_code=department.region_code, certified=certified)


@router.post("/token", response_model=schemas.TokenOut, summary="登录，取得访问令牌",
             description="用户名和密码（application/x-www-form-urlencoded）。同一客户端对同一用户名连续失败5次后须等待，"
                         "等待时间随失败次数增加（最长15分钟，可配置）；不影响本人从其他客户端登录。",
             responses=error_responses(401, 422, 429))
def token(form: Annotated[OAuth2PasswordRequestForm, Depends()], request: Request, session: WriteSessionDep,
          clock: ClockDep, settings: SettingsDep) -> schemas.TokenOut:
    now = clock.now()
    client = client_key(request, settings)
    officer = login(session, form.username[:64], form.password[:256], client, request.app.state.login_throttle)
    ttl = timedelta(minutes=settings.token_ttl_minutes)
    department = session.get(Department, officer.department_id)
    access = start_session(session, request.app.state.secret, officer, now, ttl, client)
    return schemas.TokenOut(access_token=access, expires_in=int(ttl.total_seconds()),
                            user=user_out(officer, department, officer.certified_on(now.date())))


@router.post("/logout", status_code=204, response_class=Response, summary="退出登录",
             description="结束本令牌对应的会话：此后该令牌不能再使用。", responses=error_responses(401))
def logout(actor: CurrentActor, request: Request, session: WriteSessionDep, clock: ClockDep,
           bearer: Annotated[str | None, Depends(oauth2)]) -> Response:
    end_session(session, request.app.state.secret, bearer or "", clock.now())
    request.app.state.actor_cache.discard(bearer or "")
    return Response(status_code=204)


@router.get("/me", response_model=schemas.UserOut, summary="当前登录用户", responses=error_responses(401))
def me(actor: CurrentActor, session: SessionDep) -> schemas.UserOut:
    officer = session.get(Officer, actor.officer_id)
    return user_out(officer, session.get(Department, officer.department_id), actor.certified)
