"""Deadlines: the golden table (hand-computed from the State Council notices), pauses, states."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import chinese_calendar
import pytest

from cases.calendar import WorkCalendar, load_calendar
from cases.deadlines import (
    COURT_ENFORCEMENT,
    DECISION,
    RECTIFICATION,
    STATEMENT,
    Period,
    add_months,
    compute_due,
    due_after_pause,
    due_state,
    load_periods,
    working_days_left,
)
from cases.enums import DeadlineKind, DueState
from cases.errors import CalendarUnknown, ValidationFailed

WORKING, NATURAL = DeadlineKind.WORKING, DeadlineKind.NATURAL
GOLDEN = Path(__file__).resolve().parents[1] / "data" / "deadlines_golden.csv"
ROWS = list(csv.DictReader(GOLDEN.open(encoding="utf-8")))
D = date.fromisoformat


def period_for(row: dict[str, str]) -> Period:
    n = int(row["days"])
    common = {"key": row["label"], "start_event": "test", "legal_basis": "测试", "label_zh": "测试"}
    if row["kind"] == "months":
        return Period(days=0, months=n, kind=DeadlineKind.NATURAL, **common)
    return Period(days=n, kind=DeadlineKind(row["kind"]), **common)


def test_golden_table_is_large_enough() -> None:
    assert len(ROWS) >= 45
    assert len({row["label"] for row in ROWS}) == len(ROWS)


@pytest.mark.parametrize("row", ROWS, ids=[row["label"] for row in ROWS])
def test_golden_due_dates(row: dict[str, str], work_calendar: WorkCalendar) -> None:
    provisional = row["provisional"] == "true"
    if row["expected_due"] == "CalendarUnknown":
        with pytest.raises(CalendarUnknown):
            compute_due(D(row["start"]), period_for(row), work_calendar, provisional=provisional)
        return
    due = compute_due(D(row["start"]), period_for(row), work_calendar, provisional=provisional)
    assert due.date == D(row["expected_due"]), row["note"]
    assert due.provisional is (row["expected_provisional"] == "true")


def _cc_working_days(start: date, n: int) -> date:
    day = start
    while n:
        day += timedelta(days=1)
        n -= chinese_calendar.is_workday(day)
    return day


def _cc_roll(day: date) -> date:
    while not chinese_calendar.is_workday(day):
        day += timedelta(days=1)
    return day


OFFICIAL_ROWS = [r for r in ROWS if r["expected_provisional"] == "false" and r["start"] >= "2024-01-01"]


@pytest.mark.parametrize("row", OFFICIAL_ROWS, ids=[row["label"] for row in OFFICIAL_ROWS])
def test_golden_values_agree_with_chinese_calendar(row: dict[str, str]) -> None:
    """A second opinion on the hand-computed values, independent of the code under test."""
    start, n = D(row["start"]), int(row["days"])
    if row["kind"] == "working":
        expected = _cc_working_days(start, n)
    elif row["kind"] == "natural":
        expected = _cc_roll(start + timedelta(days=n))
    else:
        expected = _cc_roll(add_months(start, n))
    assert expected == D(row["expected_due"])


# --- periods --------------------------------------------------------------------------------------


def test_default_periods_carry_kind_and_legal_basis() -> None:
    periods = load_periods()
    assert periods[STATEMENT].days == 5 and periods[STATEMENT].kind is DeadlineKind.WORKING
    assert periods[DECISION].days == 90 and periods[DECISION].kind is DeadlineKind.NATURAL
    assert periods[COURT_ENFORCEMENT].months == 3
    assert "第六十条" in periods[DECISION].legal_basis
    assert not periods["assignment"].confirmed
    assert all(p.legal_basis and p.label_zh for p in periods.values())
    assert periods[STATEMENT].length_zh == "5个工作日"


def test_jurisdiction_overrides_and_local_periods() -> None:
    local = {"start_event": "x", "legal_basis": "本地规定", "label_zh": "回复举报人", "days": 5, "kind": "working"}
    periods = load_periods(overrides={RECTIFICATION: {"days": 30}, "reply": local})
    assert periods[RECTIFICATION].days == 30
    assert periods["reply"].kind is DeadlineKind.WORKING


@pytest.mark.parametrize(
    "override",
    [{"kind": "weekly"}, {"days": -1}, {"dayz": 3}, {"months": 2}, {"legal_basis": ""}],
)
def test_bad_overrides_are_refused(override: dict[str, object]) -> None:
    with pytest.raises(ValidationFailed):
        load_periods(overrides={STATEMENT: override})


def test_rectification_term_set_per_notice(work_calendar: WorkCalendar) -> None:
    term = load_periods()[RECTIFICATION].with_days(30)
    # served Sep 1 2026 + 30 days = Oct 1 (国庆) → Oct 8
    assert compute_due(D("2026-09-01"), term, work_calendar).date == D("2026-10-08")


def test_makeup_day_setting_changes_roll_over_only() -> None:
    folder = GOLDEN.parents[2] / "cases" / "data" / "calendar"
    strict = load_calendar(folder, makeup_day_counts_as_working=False)
    natural15 = Period("p", 15, DeadlineKind.NATURAL, "e", "b", "l")
    # ends Feb 28 2026 (调休 Saturday): treated as a rest day → Mar 1 Sun → Mar 2 Mon
    assert compute_due(D("2026-02-13"), natural15, strict).date == D("2026-03-02")
    # working-day counting still counts the 调休 Saturday
    assert strict.add_working_days(D("2026-02-13"), 1).date == D("2026-02-14")


# --- pauses ---------------------------------------------------------------------------------------


def test_pause_extends_working_period_by_working_days(work_calendar: WorkCalendar) -> None:
    # due Fri Mar 13 2026; paused Mon Mar 9, resumed Mon Mar 16: 5 working days paused
    due = due_after_pause(D("2026-03-13"), WORKING, D("2026-03-09"), D("2026-03-16"), work_calendar)
    assert due.date == D("2026-03-20")


def test_pause_accepts_the_kind_as_stored_text(work_calendar: WorkCalendar) -> None:
    stored: Any = "working"  # what a row may hand back
    due = due_after_pause(D("2026-03-13"), stored, D("2026-03-09"), D("2026-03-16"), work_calendar)
    assert due.date == D("2026-03-20")


def test_pause_over_spring_festival_counts_only_working_days(work_calendar: WorkCalendar) -> None:
    # paused Feb 13 (Fri) to Feb 25 (Wed) 2026: Feb 13, 14 (调休 Sat), 24 → 3 working days
    due = due_after_pause(D("2026-02-26"), WORKING, D("2026-02-13"), D("2026-02-25"), work_calendar)
    assert due.date == D("2026-03-02")  # Feb 27, Feb 28 (Sat 调休), Mar 2


def test_pause_extends_natural_period_by_natural_days(work_calendar: WorkCalendar) -> None:
    # due Mon Sep 21 2026 + 10 paused days = Thu Oct 1 (国庆) → Oct 8
    due = due_after_pause(D("2026-09-21"), NATURAL, D("2026-09-01"), D("2026-09-11"), work_calendar)
    assert due.date == D("2026-10-08")


def test_compute_due_with_pauses_recounts_from_start(work_calendar: WorkCalendar) -> None:
    decision = load_periods()[DECISION]
    # 立案 Oct 9 2025 → Jan 7 2026; paused 20 days for an appraisal → Jan 27 2026 (Tue)
    due = compute_due(D("2025-10-09"), decision, work_calendar, pauses=[(D("2025-11-01"), D("2025-11-21"))])
    assert due.date == D("2026-01-27")


def test_resume_before_pause_is_refused(work_calendar: WorkCalendar) -> None:
    with pytest.raises(ValidationFailed):
        due_after_pause(D("2026-03-13"), WORKING, D("2026-03-10"), D("2026-03-09"), work_calendar)


# --- due state and working days left -------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "due", "left"),
    [
        ("2026-02-13", "2026-02-27", 5),  # Feb 14 (调休), 24, 25, 26, 27
        ("2026-02-27", "2026-02-27", 0),
        ("2026-03-02", "2026-02-27", -2),  # Feb 28 (调休 Saturday) and Mar 2
        ("2026-02-28", "2026-02-27", -1),
        ("2026-03-01", "2026-02-27", -1),  # a rest day right after the due date: already overdue
        ("2026-10-08", "2026-09-30", -1),  # the whole 国庆 break, then Oct 8
    ],
)
def test_working_days_left(today: str, due: str, left: int, work_calendar: WorkCalendar) -> None:
    assert working_days_left(D(today), D(due), work_calendar) == left


@pytest.mark.parametrize(
    ("today", "kwargs", "state"),
    [
        ("2026-02-13", {}, DueState.ON_TRACK),  # 5 working days left
        ("2026-02-24", {}, DueState.DUE_SOON),  # 3 left: Feb 25, 26, 27
        ("2026-02-13", {"soon_working_days": 5}, DueState.DUE_SOON),
        ("2026-02-27", {}, DueState.DUE),
        ("2026-02-28", {}, DueState.OVERDUE),
        ("2026-02-28", {"paused": True}, DueState.PAUSED),
        ("2026-02-28", {"met": True, "paused": True}, DueState.MET),
    ],
)
def test_due_state(
    today: str, kwargs: dict[str, object], state: DueState, work_calendar: WorkCalendar
) -> None:
    assert due_state(D("2026-02-27"), D(today), work_calendar, **kwargs) is state


def test_due_state_far_in_unknown_year_needs_provisional(work_calendar: WorkCalendar) -> None:
    with pytest.raises(CalendarUnknown):
        due_state(D("2027-03-01"), D("2026-12-01"), work_calendar)
    assert due_state(D("2027-03-01"), D("2026-12-01"), work_calendar, provisional=True) is DueState.ON_TRACK
