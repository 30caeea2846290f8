"""A clock carries its case's region, lead department and assignee (cases.clock_units), and no clock
runs on a closed case: the board counts the running clocks without joining their cases."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import col, select

from cases import queries, repository
from cases.actions import Action
from cases.models import Case, Deadline, Department, Region
from cases.settings import get_calendar
from tests.integration.conftest import County
from tests.integration.test_case_service import _case, _inspected, _receive, _run

pytestmark = pytest.mark.integration


def _clocks(county: County, case_id: int) -> dict[str, tuple]:
    with county.session() as s:
        rows = s.exec(select(Deadline).where(Deadline.case_id == case_id).order_by(col(Deadline.id))).all()
        return {d.step: (d.open, d.region_code, d.department_id, d.assignee_id) for d in rows}


def test_a_clock_carries_its_cases_units_while_it_runs(county: County) -> None:
    case = _receive(county)
    unassigned = (True, case.region_code, case.lead_department_id, None)
    assert _clocks(county, case.id) == {"assignment": unassigned, "inspection": unassigned}
    lead = county.team("education03")[0]
    _run(county, Action.ASSIGN, "education01", "2026-03-03 10:00", case.id,
         officer_ids=county.team("education03", "education04"))
    clocks = _clocks(county, case.id)
    # stopped by the assignment itself, in the same flush: it shows who took the case
    assert clocks["assignment"] == (False, case.region_code, case.lead_department_id, lead)
    assert clocks["inspection"] == (True, case.region_code, case.lead_department_id, lead)

    with county.session() as s:
        regions = repository.subtree_codes(s, "520122")
        board = queries.board_page(s, regions, date(2026, 3, 20), get_calendar())
        assert [(g.department_id, g.assignee_id, [i.case_id for i in g.items]) for g in board.groups] == [
            (case.lead_department_id, lead, [case.id])]
        # the case changes unit: its running clocks follow in the same flush, its stopped ones do not
        moved = s.get(Case, case.id)
        other_region = s.exec(select(Region.code).where(col(Region.code) != case.region_code,
                                                        col(Region.code).in_(regions))).first()
        other_dept = s.exec(select(Department.id).where(col(Department.id) != case.lead_department_id)).first()
        moved.region_code, moved.lead_department_id = other_region, other_dept
        s.commit()
    clocks = _clocks(county, case.id)
    assert clocks["inspection"] == (True, other_region, other_dept, lead)
    assert clocks["assignment"] == (False, case.region_code, case.lead_department_id, lead)  # as it stopped


def test_closing_a_case_stops_every_clock(county: County) -> None:
    case = _inspected(county)
    _run(county, Action.ISSUE_RECTIFICATION, "education03", "2026-03-09 10:00", case.id)
    with county.session() as s:
        assert repository.open_deadlines(s, case.id)
    _run(county, Action.RECORD_REINSPECTION, "education03", "2026-03-25 10:00", case.id,
         officer_ids=county.team("education03", "education04"), findings="已整改", rectified=True)
    closed = _case(county, case.id)
    assert closed.closed_at is not None and closed.close_reason == "rectified"
    with county.session() as s:
        assert list(repository.open_deadlines(s, case.id)) == []


def _running_dues(county: County, case_id: int) -> list[date]:
    with county.session() as s:
        return sorted(d.due_date for d in repository.open_deadlines(s, case_id) if d.paused_since is None)


def test_a_case_carries_the_next_due_date_of_its_running_clocks(county: County) -> None:
    case = _receive(county)
    assert _case(county, case.id).next_due == _running_dues(county, case.id)[0]
    _run(county, Action.ASSIGN, "education01", "2026-03-03 10:00", case.id,
         officer_ids=county.team("education03", "education04"))  # stops the assignment clock
    dues = _running_dues(county, case.id)
    assert len(dues) == 1 and _case(county, case.id).next_due == dues[0]
    with county.session() as s:  # a loaded case reads the new value without a refresh
        clock = repository.open_deadline(s, case.id, "inspection")
        loaded = s.get(Case, case.id)
        clock.due_date = date(2026, 6, 30)
        s.commit()
        assert loaded.next_due == date(2026, 6, 30)
        clock.paused_since = date(2026, 3, 10)
        s.flush()
        assert loaded.next_due is None  # nothing runs while it is paused
        s.rollback()
    _run(county, Action.RECORD_INSPECTION, "education03", "2026-03-07 10:00", case.id,
         officer_ids=county.team("education03", "education04"), findings="未发现违规。", violation_codes=[])
    _run(county, Action.CLOSE_NO_VIOLATION, "education01", "2026-03-08 10:00", case.id)
    assert _case(county, case.id).next_due is None
