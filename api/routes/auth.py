"""Login (OAuth2 password form → bearer token) and the current user."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm

from api import schemas
from api.deps import ClockDep, CurrentActor, SessionDep, SettingsDep, WriteSessionDep
from api.errors import error_responses
from api.security import LoginPolicy, issue_token, login
from cases.models import Department, Officer

router = APIRouter(prefix="/auth", tags=["登录"])


def user_out(officer: Officer, department: Department, certified: bool) -> schemas.UserOut:
    return schemas.UserOut(id=officer.id, username=officer.username, name=officer.name,
                           roles=list(officer.roles),
                           department_id=officer.department_id, department=department.name,
                           region_code=department.region_code, certified=certified)


@router.post("/token", response_model=schemas.TokenOut, summary="登录，取得访问令牌",
             description="用户名和密码（application/x-www-form-urlencoded）。连续失败5次锁定15分钟（可配置）。",
             responses=error_responses(401, 422, 429))
def token(form: Annotated[OAuth2PasswordRequestForm, Depends()], request: Request, session: WriteSessionDep,
          clock: ClockDep, settings: SettingsDep) -> schemas.TokenOut:
    now = clock.now()
    policy = LoginPolicy(settings.login_max_failures, timedelta(minutes=settings.login_lock_minutes))
    officer = login(session, form.username[:64], form.password[:256], now, policy)
    ttl = timedelta(minutes=settings.token_ttl_minutes)
    department = session.get(Department, officer.department_id)
    return schemas.TokenOut(access_token=issue_token(request.app.state.secret, officer, now, ttl),
                            expires_in=int(ttl.total_seconds()),
                            user=user_out(officer, department, officer.certified_on(now.date())))


@router.get("/me", response_model=schemas.UserOut, summary="当前登录用户", responses=error_responses(401))
def me(actor: CurrentActor, session: SessionDep) -> schemas.UserOut:
    officer = session.get(Officer, actor.officer_id)
    return user_out(officer, session.get(Department, officer.department_id), actor.certified)
