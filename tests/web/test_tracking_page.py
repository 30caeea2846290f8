"""The public tracking page (issue 12, item 8): the stage, the date the next step is due, the outcome in
plain words once closed, nothing about the complainant; the 一公开 page linked."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from cases.models import Case, Complaint, Deadline, Institution, Officer
from tests.web.conftest import Site

pytestmark = pytest.mark.integration


def code_of(site: Site, key: str) -> str:
    with site.session() as s:
        return s.exec(select(Complaint.tracking_code).where(Complaint.case_id == site.seeded.cases[key])).first()


def private_words(site: Site, key: str) -> list[str]:
    """What the page must never show: the complainant, the institution, the officers, the case number."""
    with site.session() as s:
        case = s.get(Case, site.seeded.cases[key])
        complaint = s.exec(select(Complaint).where(Complaint.case_id == case.id)).first()
        inst = s.get(Institution, case.institution_id) if case.institution_id else None
        officers = [o.name for o in s.exec(select(Officer).where(Officer.id.in_(case.team_officer_ids or [0])))]
    return [w for w in (complaint.complainant_name, complaint.complainant_phone, inst and inst.name,
                        case.case_number, *officers) if w]


@pytest.mark.parametrize("width", (390, 1280))
def test_open_case_shows_its_stage_and_expected_date(browse, site: Site, width: int) -> None:
    page = browse(width).page()
    page.goto(f"{site.url}/track/{code_of(site, 'notice')}")
    expect(page.locator(".status-steps li")).to_have_count(4)
    expect(page.locator(".status-steps li.current")).to_contain_text("核查处理")
    expect(page.locator(".status-steps li.current")).to_contain_text("已责令被举报方限期整改，期满后复查")
    with site.session() as s:
        due = min(d.due_date for d in s.exec(select(Deadline).where(Deadline.case_id == site.seeded.cases["notice"],
                                                                   Deadline.open)))
    expect(page.locator("#expected")).to_contain_text(f"预计 {due.year}年{due.month}月{due.day}日前完成")
    expect(page.locator("#outcome")).to_have_count(0)
    expect(page.locator("a[href='/public/decisions']")).to_have_text("处罚决定公开")
    text = page.locator("main").inner_text()
    assert not [w for w in private_words(site, "notice") if w in text]
    assert page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0


def test_closed_case_shows_the_outcome_in_plain_words(browse, site: Site) -> None:
    page = browse(390).page()
    page.goto(f"{site.url}/track/{code_of(site, 'closed')}")
    expect(page.locator(".status-steps li.done")).to_have_count(4)
    expect(page.locator("#outcome")).to_contain_text("经核查存在违规行为，已责令整改；复查确认已整改到位。")
    expect(page.locator("#expected")).to_have_count(0)
    text = page.locator("main").inner_text()
    assert not [w for w in private_words(site, "closed") if w in text]


def test_received_and_assigned_stages(browse, site: Site) -> None:
    import httpx

    answer = httpx.post(f"{site.url}/api/v1/complaints", json={
        "channel": "web", "content": "小区会所每周六上午有初中数学班，约二十人。", "region_code": "520122104",
        "anonymous": True})
    assert answer.status_code == 201, answer.text
    page = browse().page()
    page.goto(f"{site.url}/track/{answer.json()['tracking_code']}")
    expect(page.locator(".status-steps li.current")).to_contain_text("已受理")
    expect(page.locator("#expected")).to_contain_text("预计")
    page.goto(f"{site.url}/track/{code_of(site, 'reveal')}")
    expect(page.locator(".status-steps li.current")).to_contain_text("已指派核查")


def test_status_api_gives_the_same_progress(site: Site) -> None:
    import httpx

    answer = httpx.get(f"{site.url}/api/v1/complaints/{code_of(site, 'closed')}/status")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["stage"], body["stage_label"], body["expected_by"]) == ("closed", "已办结", None)
    assert body["outcome"] == "经核查存在违规行为，已责令整改；复查确认已整改到位。"
    assert "complainant" not in answer.text and "张三丰" not in answer.text
