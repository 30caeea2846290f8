"""Passwords meet the policy wherever they are set; an administrator cannot grant itself roles; staff
changes are audit rows the database will not delete or change.

Attacks (before): `12345678`, `password` and eight spaces were accepted; an administrator gave
itself the supervisor and legal roles; staff changes left no record.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from cases.errors import ValidationFailed
from cases.models import StaffAudit
from cases.passwords import hash_password, password_problem
from cases.staff_audit import verify_staff_chain
from tests.api.support import Api

pytestmark = pytest.mark.api
WEAK = ["12345678", "password", " " * 8, "1234567890", "Password123!", "aaaaaaaaaaaa", "qwertyuiop", "ababababab"]


@pytest.mark.parametrize("weak", WEAK)
def test_weak_passwords_are_refused_everywhere(api: Api, weak: str) -> None:
    officer_id = api.officer_ids("education08")[0]
    reset = api.post(f"/api/v1/officers/{officer_id}/password", "admin", json={"password": weak})
    assert reset.status_code == 422, reset.text
    created = api.post("/api/v1/officers", "admin", json={
        "username": "newcomer01", "name": "新同事", "department_id": 1, "roles": ["officer"], "password": weak})
    assert created.status_code == 422, created.text
    with pytest.raises(ValidationFailed):
        hash_password(weak)  # the command line and the demo make their hashes here too


def test_the_username_is_not_a_password(api: Api) -> None:
    created = api.post("/api/v1/officers", "admin", json={
        "username": "inspector2026", "name": "新同事", "department_id": 1, "roles": ["officer"],
        "password": "inspector2026"})
    assert created.status_code == 422 and created.json()["code"] == "weak_password"
    assert password_problem("demo-password-1") is None  # the fixtures' and the demo's kind still pass


def test_admin_cannot_grant_itself_roles(api: Api) -> None:
    admin_id = api.officer_ids("admin")[0]
    grab = api.client.patch(f"/api/v1/officers/{admin_id}", headers=api.auth("admin"),
                            json={"roles": ["admin", "supervisor", "legal"]})
    assert grab.status_code == 403 and grab.json()["code"] == "cannot_change_own_roles"
    me = api.get(f"/api/v1/officers/{admin_id}", "admin").json()
    assert me["roles"] == ["admin"]
    other = api.officer_ids("education09")[0]
    granted = api.client.patch(f"/api/v1/officers/{other}", headers=api.auth("admin"),
                               json={"roles": ["officer", "legal"]})
    assert granted.status_code == 200, granted.text  # another account: allowed, and recorded


def test_staff_changes_are_recorded_and_cannot_be_deleted(api: Api) -> None:
    other = api.officer_ids("education09")[0]
    assert api.client.patch(f"/api/v1/officers/{other}", headers=api.auth("admin"),
                            json={"roles": ["officer", "legal"]}).status_code == 200
    assert api.post(f"/api/v1/officers/{other}/password", "admin",
                    json={"password": "fresh-start-2026"}).status_code == 200
    department = api.get("/api/v1/departments", "admin").json()[0]["id"]
    assert api.client.patch(f"/api/v1/departments/{department}", headers=api.auth("admin"),
                            json={"phone": "0851-87712345"}).status_code == 200
    with api.county.session() as s:
        rows = s.exec(select(StaffAudit).order_by(StaffAudit.id)).all()
        assert [r.action for r in rows] == ["officer_updated", "password_reset", "department_updated"]
        assert rows[0].changes["after"]["roles"] == ["officer", "legal"] and rows[0].actor_name
        assert "password" not in str(rows[1].changes)
        assert verify_staff_chain(s) is None
    for statement in ("DELETE FROM staff_audit", "UPDATE staff_audit SET action = 'nothing'"):
        with api.county.engine.connect() as conn, pytest.raises(DBAPIError):
            conn.execute(text(statement))
            conn.commit()
    with api.county.session() as s:
        assert len(s.exec(select(StaffAudit)).all()) == 3
    paths = [p for p, item in api.app.openapi()["paths"].items() if "audit" in p and "delete" in item]
    assert paths == []
