"""Writes to the staff tables (departments, officers), one transaction per function.

The institution register's writes are use cases in `cases.service.register`; these staff writes
are still here, small and commit-last, and use its region check.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from api.schemas_admin import DepartmentIn, OfficerIn
from cases import authority, repository
from cases.authority import Actor
from cases.errors import Conflict, NotAuthorised, ValidationFailed
from cases.models import Department, Officer
from cases.passwords import hash_password
from cases.service.register import check_region


def _commit(session: Session, message: str, code: str) -> None:
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(message, code=code) from None


def create_department(session: Session, actor: Actor, data: DepartmentIn) -> Department:
    check_region(session, actor, data.region_code)
    if session.exec(select(Department.id).where(Department.name == data.name)).first():
        raise Conflict("部门名称已存在", code="department_exists")
    dept = Department(**data.model_dump())
    session.add(dept)
    _commit(session, "部门名称已存在", "department_exists")
    return dept


def update_department(session: Session, dept: Department, changes: dict[str, Any]) -> Department:
    if changes.get("name") and session.exec(select(Department.id).where(
            Department.name == changes["name"], Department.id != dept.id)).first():
        raise Conflict("部门名称已存在", code="department_exists")
    for key, value in changes.items():
        setattr(dept, key, value)
    session.add(dept)
    _commit(session, "部门名称已存在", "department_exists")
    return dept


def _department_in_scope(session: Session, actor: Actor, department_id: int) -> Department:
    dept = session.get(Department, department_id)
    parents = repository.region_parents(session)
    if dept is None or not authority.within(dept.region_code, actor.region_code, parents):
        raise ValidationFailed("部门不存在或不在您的辖区内", code="unknown_department", department_id=department_id)
    return dept


def create_officer(session: Session, actor: Actor, data: OfficerIn) -> Officer:
    _department_in_scope(session, actor, data.department_id)
    same_badge = Officer.badge_no == data.badge_no if data.badge_no else False
    clash = session.exec(select(Officer.id).where(or_(Officer.username == data.username, same_badge))).first()
    if clash:
        raise Conflict("用户名或执法证号已存在", code="officer_exists")
    values = data.model_dump(exclude={"password"})
    officer = Officer(**{**values, "roles": [str(r) for r in data.roles], "badge_no": data.badge_no or None},
                      password_hash=hash_password(data.password))
    session.add(officer)
    _commit(session, "用户名或执法证号已存在", "officer_exists")
    return officer


def update_officer(session: Session, actor: Actor, officer: Officer, changes: dict[str, Any]) -> Officer:
    if changes.get("department_id") is not None:
        _department_in_scope(session, actor, changes["department_id"])
    if changes.get("active") is False and officer.id == actor.officer_id:
        raise NotAuthorised("不能停用自己的账号", code="cannot_deactivate_self")
    if changes.get("badge_no") and session.exec(select(Officer.id).where(
            Officer.badge_no == changes["badge_no"], Officer.id != officer.id)).first():
        raise Conflict("执法证号已存在", code="officer_exists")
    if "roles" in changes and changes["roles"] is not None:
        changes["roles"] = [str(r) for r in changes["roles"]]
    for key, value in changes.items():
        setattr(officer, key, value)
    session.add(officer)
    _commit(session, "执法证号已存在", "officer_exists")
    return officer


def set_password(session: Session, officer: Officer, password: str) -> Officer:
    """A new password (revokes the officer's tokens) and the lock lifted."""
    officer.password_hash, officer.failed_logins, officer.locked_until = hash_password(password), 0, None
    session.add(officer)
    session.commit()
    return officer


def unlock(session: Session, officer: Officer) -> Officer:
    officer.failed_logins, officer.locked_until = 0, None
    session.add(officer)
    session.commit()
    return officer
