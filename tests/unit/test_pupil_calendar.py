"""Pupil rest days: work calendar rest days, vacations, 调休 Saturdays, region fallback."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from cases.calendar import WorkCalendar
from cases.errors import CalendarUnknown, ValidationFailed
from cases.pupil_calendar import load_pupil_calendar, load_pupil_settings, region_chain

D = date.fromisoformat

LOCAL = """
[default]
name = "默认"
vacations = []

[regions."440000"]
name = "某省"
vacations = [{ name = "2026年暑假", from = 2026-07-04, to = 2026-08-31 }]

[regions."440300"]
name = "某市"
makeup_day_is_school_day = false
"""


@pytest.fixture
def local_file(tmp_path: Path) -> Path:
    path = tmp_path / "pupil.toml"
    path.write_text(LOCAL, encoding="utf-8")
    return path


def test_region_chain() -> None:
    assert region_chain("520122") == ["520122", "520100", "520000"]
    assert region_chain("520100") == ["520100", "520000"]
    assert region_chain("520000") == ["520000"]
    with pytest.raises(ValidationFailed):
        region_chain("5201")


def test_demo_county_falls_back_to_province_vacations() -> None:
    settings = load_pupil_settings("520122")
    assert settings.name == "息烽县"
    assert settings.makeup_day_is_school_day is True
    assert [v.name for v in settings.vacations][:2] == ["2024—2025学年寒假", "2025年暑假"]


def test_unknown_region_uses_default() -> None:
    settings = load_pupil_settings("110101")
    assert settings.vacations == () and settings.makeup_day_is_school_day


@pytest.mark.parametrize(
    ("day", "rest"),
    [
        ("2026-03-07", True),  # ordinary Saturday
        ("2026-03-09", False),  # ordinary Monday, after the winter vacation
        ("2026-10-05", True),  # 国庆 weekday
        ("2026-09-20", False),  # 调休 Sunday: a school day by default
        ("2026-10-10", False),  # 调休 Saturday
        ("2026-02-28", True),  # 调休 Saturday inside the (demo) winter vacation
        ("2026-01-26", True),  # Monday in the winter vacation
        ("2025-07-15", True),  # Tuesday in the summer vacation
        ("2025-09-01", False),  # first school day
    ],
)
def test_pupil_rest_days_demo_county(day: str, rest: bool, work_calendar: WorkCalendar) -> None:
    assert load_pupil_calendar(work_calendar, "520122").is_rest_day(D(day)) is rest


def test_makeup_day_setting_per_jurisdiction(work_calendar: WorkCalendar, local_file: Path) -> None:
    city = load_pupil_calendar(work_calendar, "440305", local_file)  # district → city setting
    assert city.settings.name == "某市"
    assert city.is_rest_day(D("2026-09-20"))  # pupils rest on the 调休 Sunday here
    assert city.reason(D("2026-09-20")) == "调休上班日（本地区学生休息）"
    assert city.is_rest_day(D("2026-07-06"))  # province summer vacation inherited
    province = load_pupil_calendar(work_calendar, "440100", local_file)
    assert not province.is_rest_day(D("2026-09-20"))


def test_rest_days_and_reasons(work_calendar: WorkCalendar) -> None:
    pupils = load_pupil_calendar(work_calendar, "520122")
    assert pupils.rest_days(D("2026-09-18"), D("2026-09-27")) == [
        D("2026-09-19"), D("2026-09-25"), D("2026-09-26"), D("2026-09-27")
    ]
    assert pupils.reason(D("2026-02-17")) == "2025—2026学年寒假"
    assert pupils.reason(D("2026-10-02")) == "国庆节"
    assert pupils.reason(D("2026-03-07")) == "周末"
    assert pupils.reason(D("2026-03-09")) is None


def test_unknown_year_fails_closed_outside_vacations(work_calendar: WorkCalendar) -> None:
    pupils = load_pupil_calendar(work_calendar, "520122")
    with pytest.raises(CalendarUnknown):
        pupils.is_rest_day(D("2027-03-01"))
    assert pupils.is_rest_day(D("2027-05-01"), provisional=True)


@pytest.mark.parametrize(
    "text",
    [
        '[regions."4403"]\nname = "x"',
        '[default]\nvacations = [{ name = "a", from = 2026-07-04, to = 2026-07-01 }]',
        '[default]\nvacations = [{ name = "a", from = 2026-07-01, to = 2026-07-10 },'
        ' { name = "b", from = 2026-07-10, to = 2026-07-20 }]',
        '[default]\nmakeup_day_is_school_day = "yes"',
        '[default]\nholidays = []',
        "[default\n",
    ],
)
def test_bad_pupil_files_are_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "pupil.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationFailed):
        load_pupil_settings("440300", path)
