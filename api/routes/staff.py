"""Departments and officers: readable by staff (to form teams), managed by administrators.

Every change an administrator makes here is written to the append-only staff audit
(`cases.staff_audit`) in the same transaction. An administrator cannot change their own roles
(another administrator must), new passwords meet `cases.passwords`' policy, and a deactivation,
a re-activation or a new password ends every session of that officer.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from sqlmodel import select

from api import register, views
from api.deps import Admin, ClockDep, ScopeDep, SessionDep, Staff, WriteSessionDep, in_scope
from api.errors import error_responses
from api.routes.institutions import changes_of
from api.schemas_admin import (
    DepartmentIn,
    DepartmentOut,
    DepartmentPatch,
    OfficerBrief,
    OfficerIn,
    OfficerOut,
    OfficerPatch,
    PasswordIn,
)
from api.security import end_sessions_of
from cases import queries, staff_audit
from cases.authority import Actor
from cases.enums import Role
from cases.errors import NotAuthorised, NotFound
from cases.fields import MAX_INT
from cases.models import Department, Officer
from cases.passwords import check_password

router = APIRouter(tags=["部门与人员"])
DepartmentId = Annotated[int, Path(ge=1, le=MAX_INT, description="部门编号")]
OfficerId = Annotated[int, Path(ge=1, le=MAX_INT, description="人员编号")]
ADMIN_ERRORS = error_responses(401, 403, 404, 409, 422)


def _audit(session, actor: Actor, clock, action: str, kind: str, target_id: int | None,  # noqa: ANN001
           label: str, changes: dict) -> None:
    staff_audit.record(session, at=clock.now(), actor_id=actor.officer_id, actor_name=actor.name, action=action,
                       target_kind=kind, target_id=target_id, target_label=label, changes=changes)


def valid_department(department_id: DepartmentId, session: SessionDep, actor: Staff) -> Department:
    dept = session.get(Department, department_id)
    if dept is None or not in_scope(session, actor, dept.region_code):
        raise NotFound("部门不存在或不在您的辖区内", department_id=department_id)
    return dept


def valid_officer(officer_id: OfficerId, session: SessionDep, actor: Staff) -> tuple[Officer, Department]:
    row = session.exec(select(Officer, Department).join(Department, Department.id == Officer.department_id)
                       .where(Officer.id == officer_id)).first()
    if row is None or not in_scope(session, actor, row[1].region_code):
        raise NotFound("人员不存在或不在您的辖区内", officer_id=officer_id)
    return row


ValidDepartment = Annotated[Department, Depends(valid_department)]
ValidOfficer = Annotated[tuple[Officer, Department], Depends(valid_officer)]


def officer_out(officer: Officer, dept: Department, today, full: bool) -> OfficerBrief:  # noqa: ANN001
    base = dict(id=officer.id, username=officer.username, name=officer.name, department_id=dept.id,
                department=dept.name, roles=list(officer.roles), certified=officer.certified_on(today),
                active=officer.active)
    if not full:
        return OfficerBrief(**base)
    return OfficerOut(**base, badge_no=officer.badge_no, badge_valid_until=officer.badge_valid_until,
                      phone=officer.phone, locked_until=officer.locked_until,
                      failed_logins=officer.failed_logins)


@router.get("/departments", response_model=list[DepartmentOut], summary="部门列表",
            responses=error_responses(401, 403))
def list_departments(actor: Staff, session: SessionDep, regions: ScopeDep) -> list[DepartmentOut]:
    return [DepartmentOut(**d.model_dump()) for d in queries.departments(session, regions)]


@router.post("/departments", status_code=201, response_model=DepartmentOut, summary="新增部门（管理员）",
             responses=ADMIN_ERRORS)
def create_department(body: DepartmentIn, actor: Admin, session: WriteSessionDep,
                      clock: ClockDep) -> DepartmentOut:
    _audit(session, actor, clock, "department_created", "department", None, body.name, body.model_dump())
    return DepartmentOut(**register.create_department(session, actor, body).model_dump())


@router.patch("/departments/{department_id}", response_model=DepartmentOut, summary="修改部门（管理员）",
              responses=ADMIN_ERRORS)
def update_department(actor: Admin, dept: ValidDepartment, body: DepartmentPatch,
                      session: WriteSessionDep, clock: ClockDep) -> DepartmentOut:
    dept = session.get(Department, dept.id)
    views.clear_names()
    _audit(session, actor, clock, "department_updated", "department", dept.id, dept.name, changes_of(body))
    return DepartmentOut(**register.update_department(session, dept, changes_of(body)).model_dump())


@router.get("/officers", response_model=list[OfficerOut] | list[OfficerBrief], summary="人员列表",
            description="辖区内的工作人员。管理员可见执法证、电话和锁定状态；其他角色只见姓名、部门、角色和是否持证。",
            responses=error_responses(401, 403, 422))
def list_officers(actor: Staff, session: SessionDep, regions: ScopeDep, clock: ClockDep,
                  department: Annotated[int | None, Query(ge=1, le=MAX_INT)] = None,
                  active: bool | None = None) -> list[OfficerBrief]:
    full = Role.ADMIN in actor.roles
    today = clock.now().date()
    rows = queries.officers(session, regions, department_id=department, active=active)
    return [officer_out(o, d, today, full) for o, d in rows]


@router.post("/officers", status_code=201, response_model=OfficerOut, summary="新增人员（管理员）",
             responses=ADMIN_ERRORS)
def create_officer(body: OfficerIn, actor: Admin, session: WriteSessionDep, clock: ClockDep) -> OfficerBrief:
    check_password(body.password, body.username)
    _audit(session, actor, clock, "officer_created", "officer", None, body.username,
           body.model_dump(exclude={"password"}))
    officer = register.create_officer(session, actor, body)
    return officer_out(officer, session.get(Department, officer.department_id), clock.now().date(), True)


@router.get("/officers/{officer_id}", response_model=OfficerOut, summary="人员详情（管理员）", responses=ADMIN_ERRORS)
def read_officer(actor: Admin, row: ValidOfficer, clock: ClockDep) -> OfficerBrief:
    return officer_out(*row, clock.now().date(), True)


@router.patch("/officers/{officer_id}", response_model=OfficerOut, summary="修改人员（管理员）",
              description="角色、部门、执法证、电话、启用/停用。", responses=ADMIN_ERRORS)
def update_officer(actor: Admin, row: ValidOfficer, body: OfficerPatch, session: WriteSessionDep,
                   clock: ClockDep, request: Request) -> OfficerBrief:
    changes = changes_of(body, nullable=frozenset({"badge_no", "badge_valid_until"}))
    target = session.get(Officer, row[0].id)
    if target.id == actor.officer_id and changes.get("roles") is not None \
            and sorted(str(r) for r in changes["roles"]) != sorted(target.roles):
        raise NotAuthorised("不能修改自己的角色，请由另一位管理员办理", code="cannot_change_own_roles")
    before = {k: getattr(target, k) for k in changes}
    if "active" in changes and changes["active"] is not None and changes["active"] != target.active:
        # deactivating ends the sessions; re-activating starts clean (no old token comes back)
        end_sessions_of(session, target.id, clock.now(), "reactivated" if changes["active"] else "deactivated")
    _audit(session, actor, clock, "officer_updated", "officer", target.id, target.username,
           {"before": before, "after": changes})
    officer = register.update_officer(session, actor, target, changes)
    request.app.state.actor_cache.clear()  # roles, department or active may have changed
    return officer_out(officer, session.get(Department, officer.department_id), clock.now().date(), True)


@router.post("/officers/{officer_id}/password", response_model=OfficerOut, summary="重置密码（管理员）",
             description="设置新密码并解除锁定；该人员此前的登录令牌全部失效。", responses=ADMIN_ERRORS)
def reset_password(actor: Admin, row: ValidOfficer, body: PasswordIn, session: WriteSessionDep,
                   clock: ClockDep, request: Request) -> OfficerBrief:
    target = session.get(Officer, row[0].id)
    check_password(body.password, target.username)
    end_sessions_of(session, target.id, clock.now(), "password")
    _audit(session, actor, clock, "password_reset", "officer", target.id, target.username, {})
    officer = register.set_password(session, target, body.password)
    request.app.state.login_throttle.forget(officer.username)
    request.app.state.actor_cache.clear()  # the old tokens are revoked
    return officer_out(officer, row[1], clock.now().date(), True)


@router.post("/officers/{officer_id}/unlock", response_model=OfficerOut, summary="解除登录限制（管理员）",
             description="清除各客户端对该用户名的失败计数。",
             responses=ADMIN_ERRORS)
def unlock_officer(actor: Admin, row: ValidOfficer, session: WriteSessionDep,
                   clock: ClockDep, request: Request) -> OfficerBrief:
    _audit(session, actor, clock, "login_unlocked", "officer", row[0].id, row[0].username, {})
    officer = register.unlock(session, session.get(Officer, row[0].id))
    request.app.state.login_throttle.forget(officer.username)
    return officer_out(officer, row[1], clock.now().date(), True)
