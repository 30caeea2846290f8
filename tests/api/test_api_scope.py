"""The holes the checked entry point closes, tried through the API: an officer off the case's team,
references to another county's institution, officers, evidence and cases, staff intake into another
county or back-dated, and a 整改通知书 after an inspection that found no violation. Each refusal
writes nothing (the case's version and event count do not move)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import func, select

from cases.enums import CaseStatus, Role
from cases.models import Case, CaseEvent, Complaint, Department, Institution, Officer, Region
from cases.passwords import hash_password
from flows.demo import data
from tests.api.support import Api

pytestmark = pytest.mark.api
NEIGHBOUR = "520123"  # 修文县, beside the demo county in the same city


@pytest.fixture
def neighbour(api: Api) -> dict[str, int]:
    """Another county of the same city: its bureau, one officer with a valid 执法证, one institution."""
    with api.county.session() as s:
        s.add(Region(code=NEIGHBOUR, name="修文县", parent_code=data.CITY[0], level="county"))
        s.add(Region(code=NEIGHBOUR + "100", name="龙场街道", parent_code=NEIGHBOUR, level="township"))
        s.flush()
        dept = Department(name="修文县教育局", kind="education", region_code=NEIGHBOUR, doc_code="修教")
        s.add(dept)
        s.flush()
        officer = Officer(username="xiuwen01", name="修文执法员", department_id=dept.id, roles=[Role.OFFICER],
                          badge_no="52012399001", badge_valid_until=date(2027, 12, 31),
                          password_hash=hash_password("demo-password-1"))
        inst = Institution(name="修文某培训中心", name_key="修文某培训中心", category="subject",
                           licence_status="unlicensed", region_code=NEIGHBOUR + "100", created_at=api.clock.now())
        s.add_all([officer, inst])
        s.commit()
        from cases.repository import clear_region_cache

        clear_region_cache()
        return {"department": dept.id, "officer": officer.id, "institution": inst.id}


def _trace(api: Api, case_id: int) -> tuple[int, int]:
    with api.county.session() as s:
        events = s.exec(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case_id)).one()
        return s.get(Case, case_id).version, events


def refused(api: Api, case_id: int, action: str, user: str, body: dict, status: int, code: str) -> None:
    before = _trace(api, case_id)
    answer = api.act(case_id, action, user, body)
    assert answer.status_code == status and answer.json()["code"] == code, answer.text
    assert _trace(api, case_id) == before  # nothing written


def test_an_officer_off_the_team_cannot_act(api: Api) -> None:
    case_id = api.assigned_case(0)  # team: education03, education04
    body = {"officer_ids": api.officer_ids("education05", "education06"), "findings": "检查"}
    refused(api, case_id, "record_inspection", "education05", body, 403, "not_on_team")
    inspected = api.inspected_case(1)
    refused(api, inspected, "issue_rectification", "education05", {}, 403, "not_on_team")
    with api.county.session() as s:  # the supervisor of the jurisdiction may still act for the team
        assert s.get(Case, inspected).status is CaseStatus.INSPECTED
    assert "issue_rectification" in [a["action"] for a in api.get(f"/api/v1/cases/{inspected}", "education01")
                                     .json()["allowed_actions"]]
    assert api.get(f"/api/v1/cases/{inspected}", "education05").json()["allowed_actions"] == []


def test_references_outside_the_jurisdiction_are_refused(api: Api, neighbour: dict[str, int]) -> None:
    case_id = api.assigned_case(0)
    team = api.officer_ids("education03", "education04")
    body = {"officer_ids": team, "findings": "检查", "institution_id": neighbour["institution"]}
    refused(api, case_id, "record_inspection", "education03", body, 422, "institution_out_of_scope")
    other = api.new_case(1)
    refused(api, other, "assign", "education01", {"officer_ids": [team[0], neighbour["officer"]]}, 422,
            "officer_out_of_scope")
    with api.county.session() as s:  # a case of the neighbouring county, to merge into
        foreign = Case(case_number="2026-520123-0001", region_code=NEIGHBOUR,
                       lead_department_id=neighbour["department"], received_at=api.clock.now(),
                       updated_at=api.clock.now())
        s.add(foreign)
        s.commit()
        foreign_id = foreign.id
    refused(api, other, "dismiss", "education01", {"reason": "duplicate", "merged_into_case_id": foreign_id}, 422,
            "case_out_of_scope")
    assert api.get(f"/api/v1/cases/{foreign_id}", "education01").status_code == 404


def test_rectification_needs_a_violation_found(api: Api) -> None:
    case_id = api.assigned_case(0)
    answer = api.act(case_id, "record_inspection", "education03", {
        "officer_ids": api.officer_ids("education03", "education04"), "findings": "现场未发现培训活动。",
        "institution_id": api.county.institution(0).id}, when="2026-03-07 10:00")
    assert answer.status_code == 200 and answer.json()["state"] == "inspected"
    assert [a["action"] for a in answer.json()["allowed_actions"]] == ["close_no_violation", "issue_rectification"]
    refused(api, case_id, "issue_rectification", "education03", {}, 422, "no_violation_found")


def test_staff_intake_stays_in_the_jurisdiction_and_is_not_back_dated(api: Api, neighbour: dict[str, int]) -> None:
    api.clock.set("2026-03-10 09:00")
    body = {"channel": "hotline_12345", "content": "周末有机构给小学生上英语课，约十人。",
            "region_code": NEIGHBOUR + "100"}
    with api.county.session() as s:
        before = s.exec(select(func.count()).select_from(Complaint)).one()
    foreign = api.post("/api/v1/complaints", "education01", json=body)
    assert foreign.status_code == 422 and foreign.json()["code"] == "region_out_of_scope"
    local = {**body, "region_code": api.county.institution(0).region_code}
    old = api.post("/api/v1/complaints", "education01", json={**local, "received_at": "2026-02-01T09:00:00+08:00"})
    assert old.status_code == 422 and old.json()["code"] == "received_backdated"
    with api.county.session() as s:
        assert s.exec(select(func.count()).select_from(Complaint)).one() == before
        assert s.exec(select(Institution).where(Institution.id == neighbour["institution"])).one()
    recent = api.post("/api/v1/complaints", "education01", json={**local, "received_at": "2026-03-09T18:00:00+08:00"})
    assert recent.status_code == 201, recent.text  # a work order handed over the next morning keeps its time
