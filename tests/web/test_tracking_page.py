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


def test_public_decisions_on_a_phone_without_login(browse, site: Site) -> None:
    """一公开 (行政处罚法 art. 48) at 390 px, no login: a published decision on a person is listed with the name
    reduced to the surname and no address; a withdrawn decision is neither listed nor shown."""
    from datetime import date

    from tests.web.seed import own_institution, past_case

    person = own_institution(site.engine, "张晓明")
    _, shown = past_case(site.engine, person, "2026-520122-9101", received="2026-02-02 09:00",
                         decided_on=date(2026, 3, 10), published_on=date(2026, 3, 12), person=True)
    unit = own_institution(site.engine, "息烽县撤回公开测试培训中心")
    _, withdrawn = past_case(site.engine, unit, "2026-520122-9102", received="2026-02-03 09:00",
                             decided_on=date(2026, 3, 9), published_on=date(2026, 3, 11),
                             withdrawn_on=date(2026, 3, 13))
    page = browse(390).page()  # a fresh context: no session, no token
    page.goto(f"{site.url}/public/decisions")
    assert page.url.endswith("/public/decisions")  # not sent to the login page
    row = page.locator("tbody tr", has=page.locator(f"a[href='/public/decisions/{shown}']"))
    expect(row).to_contain_text("张某")
    expect(row).to_contain_text("罚款人民币30000元")
    expect(row).to_contain_text("2026年3月10日")
    text = page.locator("main").inner_text()
    assert "张晓明" not in text and "永靖镇阳光路18号" not in text
    expect(page.locator(f"a[href='/public/decisions/{withdrawn}']")).to_have_count(0)
    assert "撤回公开测试" not in text
    assert page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    row.locator("a").click()
    page.wait_for_load_state()
    expect(page.locator("h1")).to_have_text("行政处罚决定")
    detail = page.locator("main").inner_text()
    assert "张某" in detail and "张晓明" not in detail and "周明" not in detail and "阳光路" not in detail
    assert "《校外培训行政处罚暂行办法》第十八条" in detail
    gone = page.goto(f"{site.url}/public/decisions/{withdrawn}")
    assert gone.status == 404
    expect(page.locator("h1")).to_have_text("未找到该行政处罚决定")
