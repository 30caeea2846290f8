"""Writes to the institution register and the staff tables, one transaction per function.

These belong in `cases.service` (a `register` group) and are kept here, small and commit-last,
until the domain has them; the routes call one function each.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from api.errors import Conflict
from api.schemas_admin import DepartmentIn, InstitutionIn, OfficerIn
from cases import authority, repository
from cases.authority import Actor
from cases.errors import NotAuthorised, ValidationFailed
from cases.models import Case, Complaint, Department, Institution, Officer, Region
from cases.passwords import hash_password
from cases.uscc import normalise_name, validate_uscc


def check_region(session: Session, actor: Actor, code: str) -> None:
    if session.get(Region, code) is None:
        raise ValidationFailed("行政区划代码不存在", code="unknown_region", region=code)
    if not authority.within(code, actor.region_code, repository.region_parents(session)):
        raise ValidationFailed("该地区不在您的辖区内", code="region_out_of_jurisdiction", region=code)


def institution_values(session: Session, actor: Actor, values: dict[str, Any]) -> dict[str, Any]:
    """Normalised column values (USCC checked, name key derived); ValidationFailed names the field."""
    out = dict(values)
    if "uscc" in out:
        out["uscc"] = validate_uscc(out["uscc"]) if out["uscc"] and out["uscc"].strip() else None
    if "name" in out:
        out["name"] = out["name"].strip()
        if not out["name"]:
            raise ValidationFailed("机构名称不能为空", code="name_required")
        out["name_key"] = normalise_name(out["name"])[:128] or out["name"][:128]
    if "region_code" in out:
        check_region(session, actor, out["region_code"])
    return out


def _uscc_taken(session: Session, uscc: str | None, other_than: int | None = None) -> bool:
    if not uscc:
        return False
    found = session.exec(select(Institution.id).where(Institution.uscc == uscc)).first()
    return found is not None and found != other_than


def _commit(session: Session, message: str, code: str) -> None:
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(message, code=code) from None


def create_institution(session: Session, actor: Actor, data: InstitutionIn, now: datetime) -> Institution:
    values = institution_values(session, actor, data.model_dump())
    if _uscc_taken(session, values["uscc"]):
        raise Conflict("该统一社会信用代码已登记", code="uscc_exists", uscc=values["uscc"])
    inst = Institution(**values, created_at=now)
    session.add(inst)
    _commit(session, "该统一社会信用代码已登记", "uscc_exists")
    return inst


def update_institution(session: Session, actor: Actor, inst: Institution,
                       changes: dict[str, Any]) -> Institution:
    values = institution_values(session, actor, changes)
    if _uscc_taken(session, values.get("uscc"), other_than=inst.id):
        raise Conflict("该统一社会信用代码已登记", code="uscc_exists", uscc=values["uscc"])
    for key, value in values.items():
        setattr(inst, key, value)
    session.add(inst)
    _commit(session, "该统一社会信用代码已登记", "uscc_exists")
    return inst


def delete_institution(session: Session, inst: Institution) -> None:
    used = session.exec(select(Case.id).where(Case.institution_id == inst.id).limit(1)).first() or \
        session.exec(select(Complaint.id).where(Complaint.institution_id == inst.id).limit(1)).first()
    if used:
        raise Conflict("该机构已有案件或举报记录，不能删除（可改为更新其状态）", code="institution_in_use")
    session.delete(inst)
    _commit(session, "该机构已被引用，不能删除", "institution_in_use")


def import_rows(session: Session, rows: list[dict[str, Any]], now: datetime) -> list[int]:
    """Insert already validated rows in one transaction; the ids in row order."""
    insts = [Institution(**values, created_at=now) for values in rows]
    session.add_all(insts)
    _commit(session, "导入时统一社会信用代码与已登记机构重复，请重试", "uscc_exists")
    return [i.id for i in insts]


# --- staff ----------------------------------------------------------------------------------------


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
