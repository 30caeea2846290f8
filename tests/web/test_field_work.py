"""Field work on a 390 px phone in Debian's Chromium: a patrol visit turned into a case (我的小组今日),
and a whistle (吹哨) raised on a case, answered (报到) by the other department's supervisor and the
unanswered department escalated — each visible on the case page. Screenshots go to docs/screenshots/."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from cases.enums import CaseEventType, CaseStatus
from cases.models import Case, CaseEvent, CaseEvidence, Department, Officer
from cases.patrols import joint
from cases.patrols.models import PatrolMember, PatrolTeam, PatrolVisit, Whistle, WhistleAnswer
from cases.settings import FixedClock
from tests.integration.conftest import at
from tests.web.conftest import Site
from tests.web.seed import NOW
from tests.web.test_pages import photo
from tests.web.test_screenshots import check, save

pytestmark = pytest.mark.integration
PATROL_DAY = "2026-03-21 10:00"  # a Saturday of the seeded plan (a pupil rest day)


def _team_and_visit(site: Site) -> tuple[str, int, int]:
    """(an education officer's username, their team, a target of it with no open case) on the patrol day."""
    day = at(PATROL_DAY).date()
    with site.session() as s:
        busy = set(s.exec(select(Case.institution_id).where(Case.status != CaseStatus.CLOSED)).all())
        for team in s.exec(select(PatrolTeam).where(PatrolTeam.day == day).order_by(PatrolTeam.id)).all():
            rows = s.exec(select(Officer, Department).join(PatrolMember, PatrolMember.officer_id == Officer.id)
                          .join(Department, Department.id == Officer.department_id)
                          .where(PatrolMember.team_id == team.id)).all()
            educators = [o for o, d in rows if d.kind == "education" and "officer" in o.roles and o.certified_on(day)]
            visits = s.exec(select(PatrolVisit).where(PatrolVisit.team_id == team.id, PatrolVisit.result.is_(None))
                            .order_by(PatrolVisit.id)).all()
            free = [v for v in visits if v.institution_id not in busy]
            if len(educators) >= 2 and free:
                return educators[0].username, team.id, free[0].id
    raise AssertionError("the seeded plan has no patrol team of two education officers on the patrol day")


def test_a_patrol_visit_becomes_a_case_without_retyping(browse, site: Site) -> None:
    username, team_id, visit_id = _team_and_visit(site)
    site.clock.set(PATROL_DAY)
    try:
        page = browse(390).login(username)
        page.goto(site.url + "/patrols")
        expect(page.locator("h2.section-title")).to_contain_text("我的巡查组")
        expect(page.locator("article.team")).to_have_count(1)  # my team only, not all the day's teams
        expect(page.locator(".team-count")).to_contain_text("查看全部")
        check(page, 390)
        save(page, "patrols-mine-390")
        page.click("a:text('我的小组今日：登记巡查结果')")
        expect(page.locator("h1")).to_have_text("我的小组今日")
        card = page.locator(f"#visit-{visit_id}")
        expect(card.locator(".reasons .badge").first).to_be_visible()  # why this target was chosen
        expect(page.locator(".progress-line")).to_contain_text("已检查 0 家")
        check(page, 390)
        save(page, "patrol-today-390")
        details = card.locator("details.visit-form")
        if details.get_attribute("open") is None:
            details.locator("summary").click()
        form = card.locator("form")
        form.locator("input[name=result][value=violation]").check()
        form.locator("textarea[name=findings]").fill("周六上午二楼教室内有18名初中生在上数学课，现场查看了课表和收费收据。")
        form.locator("input[name=violation_codes][value=rest_day_training]").check()
        form.locator("input[name=party_present]").fill("李某（负责人）")
        form.locator("input[type=file]").set_input_files([photo((200, 40, 40), "教室.jpg")])
        form.locator("button[type=submit]").click()
        page.wait_for_load_state()
        done = page.locator(f"#visit-{visit_id} .alert-ok")
        expect(done).to_contain_text("已转为案件")
        expect(page.locator(".progress-line")).to_contain_text("已检查 1 家")
        done.locator("a").click()
        expect(page).to_have_url(re.compile(r"/cases/\d+"))
        expect(page.locator("main")).to_contain_text("18名初中生")  # the inspection record, from the visit
        expect(page.locator("main")).to_contain_text("日常巡查")
        check(page, 390)
        save(page, "patrol-case-390")
    finally:
        site.clock.set(NOW)
    with site.session() as s:
        visit = s.get(PatrolVisit, visit_id)
        case = s.get(Case, visit.case_id)
        evidence = s.exec(select(CaseEvidence).where(CaseEvidence.case_id == case.id)).all()
    assert case.status is CaseStatus.INSPECTED and case.institution_id == visit.institution_id
    assert case.violation_codes == ["rest_day_training"] and len(evidence) == 1 and visit.result == "violation"


def test_a_whistle_is_raised_on_a_case_answered_and_escalated(browse, site: Site) -> None:
    case_id = site.seeded.cases["refuse"]  # assigned to education03 and education04
    officer = browse(390).login("education03")
    officer.goto(f"{site.url}/cases/{case_id}#whistles")
    section = officer.locator("#whistles")
    section.locator("summary:text('吹哨')").click()
    section.locator("input[name=departments][value=market]").check()
    section.locator("input[name=departments][value=education]").check()
    section.locator("textarea[name=reason]").fill("以托管名义开展学科类培训，收费无监管，需市场监管部门共同查处。")
    section.locator("form button[type=submit]").click()
    officer.wait_for_load_state()
    expect(officer.locator("#whistles .alert-ok")).to_contain_text("已吹哨")
    expect(officer.locator("#whistles .answers")).to_contain_text("待报到")
    expect(officer.locator("#whistles")).to_contain_text("联合执法日期")
    check(officer, 390)
    with site.session() as s:
        whistle = s.exec(select(Whistle).where(Whistle.case_id == case_id).order_by(Whistle.id.desc())).first()
        assert whistle.slot_date is not None and whistle.state == "scheduled"

    boss = browse(390).login("market01")  # the market department's supervisor
    boss.goto(site.url + "/patrols")
    expect(boss.locator(".page-links")).to_contain_text("待本部门报到")
    boss.goto(site.url + "/whistles")
    card = boss.locator(f"#whistle-{whistle.id}")
    expect(card).to_contain_text("以托管名义开展学科类培训")
    checked = card.locator("input[name=officer_ids]:checked")
    expect(checked).to_have_count(1)  # the officer the slot search reserved for the department
    check(boss, 390)
    save(boss, "whistles-390")
    card.locator("button[type=submit]").click()
    boss.wait_for_load_state()
    expect(boss.locator("[role=status]")).to_contain_text(f"第{whistle.id}号吹哨")

    with site.session() as s:  # the daily sweep, after the deadline: education has not answered
        day_after = at(f"{whistle.answer_by.isoformat()} 08:00") + timedelta(days=1)
        escalated = joint.escalate_unanswered(s, clock=FixedClock(day_after))
        answers = {a.department_kind: a for a in s.exec(select(WhistleAnswer).where(
            WhistleAnswer.whistle_id == whistle.id)).all()}
    assert escalated >= 1 and answers["market"].state == "reported" and answers["education"].state == "escalated"
    officer.goto(f"{site.url}/cases/{case_id}#whistles")
    answers_box = officer.locator(f"#whistle-{whistle.id} .answers")
    expect(answers_box).to_contain_text("已报到")
    expect(answers_box).to_contain_text("逾期未报到")
    expect(officer.locator(".timeline")).to_contain_text("部门报到")
    expect(officer.locator(".timeline")).to_contain_text("吹哨")
    check(officer, 390)
    save(officer, "whistle-case-390")
    with site.session() as s:
        kinds = [e.event_type for e in s.exec(select(CaseEvent).where(CaseEvent.case_id == case_id)).all()]
    assert {CaseEventType.RAISE_WHISTLE, CaseEventType.ANSWER_WHISTLE, CaseEventType.ESCALATE} <= set(kinds)
