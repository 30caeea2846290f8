"""The sweep on a frozen clock across holidays: 督办 only on working days, one per level per step."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from cases import service as case_service
from cases.enums import DueState
from cases.models import Alert, CaseEvent, Deadline
from cases.service import sweep
from cases.settings import FixedClock, get_calendar
from tests.integration.conftest import County, at
from tests.integration.test_case_service import _receive

pytestmark = pytest.mark.integration


def _case_due(county: County, due: date) -> int:
    case = _receive(county)
    with county.session() as s:
        s.execute(update(Deadline).where(Deadline.case_id == case.id, col(Deadline.open)).values(due_date=due))
        s.commit()
    return case.id


def _sweep_days(county: County, first: date, last: date) -> None:
    day = first
    while day <= last:
        with county.session() as s:
            case_service.sweep_deadlines(s, calendar=get_calendar(), clock=FixedClock(at(f"{day} 08:00")))
        day += timedelta(days=1)


def _escalations(county: County) -> list[tuple[int, int, date]]:
    with county.session() as s:
        return sorted((a.deadline_id, a.level, a.on_date)
                      for a in s.exec(select(Alert).where(Alert.kind == "escalation")).all())


def test_national_day_holds_the_first_escalation_to_the_first_working_day(county: County) -> None:
    case_id = _case_due(county, date(2026, 9, 30))  # a Wednesday; 10-01..07 国庆, 10-10 (Sat) 调休 working
    _sweep_days(county, date(2026, 10, 1), date(2026, 10, 7))
    with county.session() as s:
        steps = s.exec(select(Deadline).where(Deadline.case_id == case_id)).all()
    assert steps and all(d.state is DueState.OVERDUE and d.escalation_level == 0 for d in steps)
    assert _escalations(county) == []  # overdue since the holiday began, but no 督办 on a holiday morning
    _sweep_days(county, date(2026, 10, 8), date(2026, 10, 13))
    got = _escalations(county)
    per_step = {d.id: [(lv, on) for dl, lv, on in got if dl == d.id] for d in steps}
    # 1st overdue working day 10-08; 5th 10-13 (10-08, 09, 10 调休, 12, 13)
    assert all(v == [(1, date(2026, 10, 8)), (2, date(2026, 10, 13))] for v in per_step.values())
    with county.session() as s:
        events = s.exec(select(CaseEvent).where(CaseEvent.case_id == case_id,
                                                CaseEvent.event_type == "escalate")).all()
    assert len(events) == len(got)


def test_new_year_first_escalation_on_the_makeup_sunday(county: County) -> None:
    _case_due(county, date(2025, 12, 31))  # 2026-01-01..03 元旦, 01-04 (Sun) 调休 working
    _sweep_days(county, date(2026, 1, 1), date(2026, 1, 3))
    assert _escalations(county) == []
    _sweep_days(county, date(2026, 1, 4), date(2026, 1, 5))
    assert {(lv, on) for _, lv, on in _escalations(county)} == {(1, date(2026, 1, 4))}


def test_a_stale_read_cannot_send_a_level_or_reminder_twice(county: County) -> None:
    case_id = _case_due(county, date(2026, 3, 10))
    with county.session() as s:  # one step overdue (督办), the other due tomorrow (reminder)
        s.execute(update(Deadline).where(Deadline.case_id == case_id, Deadline.step == "inspection")
                  .values(due_date=date(2026, 4, 1)))
        s.commit()
    clock = FixedClock(at("2026-03-31 08:00"))
    with county.session() as s:  # what a second sweep read before the first one committed
        stale = s.execute(select(Deadline.id, Deadline.case_id, Deadline.label, Deadline.due_date,
                                 Deadline.paused_since, Deadline.state, Deadline.reminded_on,
                                 Deadline.escalation_level, Deadline.step, sweep.Case.case_number,
                                 sweep.Case.lead_department_id, sweep.Case.assignee_id)
                          .join(sweep.Case, sweep.Case.id == Deadline.case_id)).all()
        s.rollback()
    with county.session() as s:
        first = case_service.sweep_deadlines(s, calendar=get_calendar(), clock=clock)
    assert first.escalations > 0 and first.reminders == 1
    before = _escalations(county)
    with county.session() as s:
        ladder, heads = sweep.load_ladder(), sweep._department_heads(s)
        late = sweep._escalate(s, list(stale), clock.today(), get_calendar(), ladder, heads, {}, clock)
        late += sweep._remind(s, [row for row in stale if row.due_date > clock.today()], clock.today())
        s.commit()
    with county.session() as s:
        reminders = s.exec(select(Alert).where(Alert.kind == "reminder")).all()
    assert late == 0 and _escalations(county) == before and len(reminders) == 1


def test_concurrent_sweeps_send_each_level_once(county: County) -> None:
    for i in range(3):
        _receive(county, index=i)
    clock = FixedClock(at("2026-03-31 08:00"))
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with county.session() as s:
                case_service.sweep_deadlines(s, calendar=get_calendar(), clock=clock, batch_size=1)
        except BaseException as exc:  # noqa: BLE001 — reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    got = [(dl, lv) for dl, lv, _ in _escalations(county)]
    assert got and len(got) == len(set(got))
