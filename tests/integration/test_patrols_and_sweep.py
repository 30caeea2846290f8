"""Stored patrol plans, task sheets once, the draw replay, joint enforcement, the sweep, the report."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from cases import reports
from cases import service as case_service
from cases.enums import DocumentType, DueState
from cases.models import Alert, CaseEvent, Deadline, Document
from cases.patrols import joint
from cases.patrols import service as patrol_service
from cases.patrols.models import PatrolMember, PatrolTeam, PatrolVisit, WhistleAnswer
from cases.patrols.sheets import issue_patrol_sheets
from cases.pupil_calendar import load_pupil_calendar
from cases.settings import FixedClock, get_calendar
from tests.integration.conftest import County, at
from tests.integration.test_case_service import _inspected, _receive

pytestmark = pytest.mark.integration
SAT = date(2026, 3, 14)


def _pupils():  # noqa: ANN202
    return load_pupil_calendar(get_calendar(), "520122")


def _plan(county: County, seed: int = 7) -> patrol_service.PlannedWindow:
    with county.session() as s:
        return patrol_service.plan_patrols(s, region_code="520122", start=SAT, days=2, pupils=_pupils(),
                                           clock=FixedClock(at("2026-03-11 09:00")), seed=seed, solver="greedy")


def test_plan_is_stored_once_and_sheets_are_issued_once(county: County) -> None:
    _receive(county)  # a complaint makes a hotspot
    window = _plan(county)
    assert window.plan_row is not None and [d.date for d in window.plan.days] == [SAT, date(2026, 3, 15)]
    assert _plan(county).plan_row is None  # the window's rest days are planned already
    with county.session() as s:
        members = s.exec(select(PatrolMember)).all()
        assert len({(m.officer_id, m.day) for m in members}) == len(members)
        assert s.exec(select(PatrolVisit)).all()
    ctx = county.ctx(county.actor("education01"), at("2026-03-11 10:00"))
    sequential = lambda items: [ctx.renderer(t, snap) for t, snap in items]  # noqa: E731
    with county.session() as s:
        first = issue_patrol_sheets(s, ctx, plan_id=window.plan_row.id, pupils=_pupils(), render_many=sequential)
    with county.session() as s:
        again = issue_patrol_sheets(s, ctx, plan_id=window.plan_row.id, pupils=_pupils(), render_many=sequential)
        teams = s.exec(select(PatrolTeam)).all()
        sheets = s.exec(select(Document).where(Document.doc_type == DocumentType.PATROL_SHEET)).all()
    assert len(first) == len(teams) == len(sheets) and again == []
    assert all(d.addressee.startswith("巡查组") for d in sheets)  # 四不两直: never to the institution


def test_draw_replays_from_the_stored_plan(county: County) -> None:
    window = _plan(county, seed=11)
    with county.session() as s:
        ok, recorded, replayed = patrol_service.verify_draw(s, window.plan_row.id)
    assert ok and recorded == replayed and recorded


def test_joint_enforcement_slot_team_and_escalation(county: County) -> None:
    case = _inspected(county)  # rest-day training: the slot must be a pupil rest day
    ctx = county.ctx(county.actor("education03"), at("2026-03-09 10:00"))
    with county.session() as s:
        whistle = joint.raise_whistle(s, ctx, case_id=case.id, reason="联合检查", departments=["education", "market"])
    assert whistle.answer_by == date(2026, 3, 11) and whistle.rest_day_only
    with county.session() as s:
        scheduled = joint.schedule_whistle(s, whistle_id=whistle.id, pupils=_pupils(), calendar=get_calendar(),
                                           clock=FixedClock(at("2026-03-09 10:00")))
        members = s.exec(select(PatrolMember)).all()
    assert scheduled.slot_date == SAT and {m.department_kind for m in members} == {"education", "market"}
    with county.session() as s:
        joint.record_report(s, ctx, whistle_id=whistle.id, department_kind="education")
    with county.session() as s:
        assert joint.escalate_unanswered(s, clock=FixedClock(at("2026-03-12 08:00"))) == 1
        assert joint.escalate_unanswered(s, clock=FixedClock(at("2026-03-13 08:00"))) == 0
        statuses = {a.department_kind: a.state for a in s.exec(select(WhistleAnswer)).all()}
    assert statuses == {"education": "reported", "market": "escalated"}


def test_sweep_is_idempotent_and_escalates_up_the_tree(county: County) -> None:
    case = _receive(county)  # received 2026-03-02: assignment due 03-05, inspection due 03-23
    clock = FixedClock(at("2026-03-31 08:00"))
    with county.session() as s:
        first = case_service.sweep_deadlines(s, calendar=get_calendar(), clock=clock)
    with county.session() as s:
        second = case_service.sweep_deadlines(s, calendar=get_calendar(), clock=clock)
        alerts = s.exec(select(Alert)).all()
        events = s.exec(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.event_type == "escalate")).all()
        states = {d.step: d.state for d in s.exec(select(Deadline)).all()}
    assert first.escalations > 0 and (second.states_changed, second.reminders, second.escalations) == (0, 0, 0)
    assert states == {"assignment": DueState.OVERDUE, "inspection": DueState.OVERDUE}
    assert {a.level for a in alerts} == {1, 2, 3} and len(events) == len(alerts)
    city = [a for a in alerts if a.level >= 2]
    with county.session() as s:
        from cases.models import Department

        assert {s.get(Department, a.department_id).name for a in city} == {"贵阳市教育局"}


def test_fortnightly_report_once_per_period(county: County) -> None:
    _inspected(county)
    ctx = county.ctx(county.actor("education01"), at("2026-03-16 08:30"))
    start, end = reports.period_for(date(2026, 3, 16))
    assert (start, end) == (date(2026, 3, 1), date(2026, 3, 15))
    assert reports.period_for(date(2026, 3, 1)) == (date(2026, 2, 16), date(2026, 2, 28))
    with county.session() as s:
        doc, table = reports.issue_fortnightly_report(s, ctx, start=start, end=end)
    with county.session() as s:
        again, _ = reports.issue_fortnightly_report(s, ctx, start=start, end=end)
    assert again.id == doc.id and doc.number == "息教通报〔2026〕1号"
    lines = table.splitlines()
    assert lines[0].startswith("单位,出动人次") and any(line.startswith("息烽县教育局,2,1,1,") for line in lines)
