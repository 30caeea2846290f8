"""WorkCalendar: the repo tables against both libraries, fail-closed years, provisional days,
and the year-file validation."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import holidays
import pytest

from cases.calendar import WorkCalendar, load_calendar, statutory_rest_days, validate_year_table
from cases.errors import CalendarUnknown, ValidationFailed

D = date.fromisoformat
REPO_CALENDAR_DIR = Path(__file__).resolve().parents[2] / "cases" / "data" / "calendar"

# An invented 2027 table for loader tests: NOT the official 2027 arrangement.
TABLE_2027 = (Path(__file__).resolve().parents[1] / "data" / "calendar_2027_invented.toml").read_text(
    encoding="utf-8"
)


def days_of(year: int) -> list[date]:
    first = date(year, 1, 1)
    return [first + timedelta(days=i) for i in range((date(year + 1, 1, 1) - first).days)]


# --- the official tables ---------------------------------------------------------------------------


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_every_day_agrees_with_chinese_calendar(year: int, work_calendar: WorkCalendar) -> None:
    differing = [
        d for d in days_of(year) if work_calendar.is_working_day(d) != chinese_calendar.is_workday(d)
    ]
    assert differing == []


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_every_day_agrees_with_holidays_library(year: int, work_calendar: WorkCalendar) -> None:
    china = holidays.China(years=range(year - 1, year + 2))  # cross-year 调休 need both neighbours
    differing = [d for d in days_of(year) if work_calendar.is_working_day(d) != china.is_working_day(d)]
    assert differing == []


def test_known_years_and_sources(work_calendar: WorkCalendar) -> None:
    assert work_calendar.known_years == {2024, 2025, 2026}
    for year in (2024, 2025, 2026):
        source = work_calendar.table(year).source
        assert source.url.startswith("https://www.gov.cn/zhengce/content/")
        assert f"{year}年部分节假日安排" in source.title
    assert work_calendar.table(2025).source.document_number == "国办发明电〔2024〕12号"


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2026-02-14", True), ("2026-02-28", True), ("2026-09-20", True), ("2026-10-10", True),
        ("2026-01-04", True), ("2026-05-09", True), ("2025-09-28", True), ("2025-10-11", True),
        ("2024-02-09", True),  # 2024 除夕: only encouraged as a day off
        ("2026-02-15", False), ("2026-02-23", False), ("2026-10-07", False), ("2025-10-08", False),
        ("2025-01-28", False),  # 2025 除夕: statutory
    ],
)
def test_notable_days(day: str, working: bool, work_calendar: WorkCalendar) -> None:
    assert work_calendar.is_working_day(D(day)) is working


def test_makeup_days_and_holiday_names(work_calendar: WorkCalendar) -> None:
    assert work_calendar.is_makeup_working_day(D("2026-02-14"))
    assert not work_calendar.is_makeup_working_day(D("2026-02-13"))
    assert work_calendar.holiday_name(D("2026-02-17")) == "春节"
    assert work_calendar.holiday_name(D("2025-10-06")) == "国庆节、中秋节"
    assert work_calendar.holiday_name(D("2026-03-07")) is None


def test_counting_helpers(work_calendar: WorkCalendar) -> None:
    assert work_calendar.add_working_days(D("2026-03-02"), 0).date == D("2026-03-02")
    assert work_calendar.working_days_between(D("2026-02-13"), D("2026-02-27")) == 5
    assert work_calendar.working_days_between(D("2026-02-27"), D("2026-02-13")) == -5
    assert work_calendar.working_days_between(D("2026-02-27"), D("2026-02-27")) == 0
    # all of 2025 (Jan 1 2026 is off)
    assert work_calendar.working_days_between(D("2024-12-31"), D("2026-01-01")) == 248
    assert work_calendar.non_working_days(D("2026-02-13"), D("2026-02-24")) == [
        D("2026-02-15") + timedelta(days=i) for i in range(9)
    ]
    assert work_calendar.roll_to_working_day(D("2026-10-01")).date == D("2026-10-08")
    with pytest.raises(ValidationFailed):
        work_calendar.add_working_days(D("2026-03-02"), -1)


def test_a_year_has_the_expected_number_of_working_days(work_calendar: WorkCalendar) -> None:
    # weekdays − weekday days off + make-up days: 2024: 262−19+8, 2025: 261−18+5, 2026: 261−19+6
    counts = {y: sum(work_calendar.is_working_day(d) for d in days_of(y)) for y in (2024, 2025, 2026)}
    assert counts == {2024: 251, 2025: 248, 2026: 248}


# --- unknown years ---------------------------------------------------------------------------------


def test_2027_is_unknown_not_guessed(work_calendar: WorkCalendar) -> None:
    with pytest.raises(CalendarUnknown) as caught:
        work_calendar.is_working_day(D("2027-03-01"))
    assert caught.value.year == 2027 and "2027年" in caught.value.message
    with pytest.raises(CalendarUnknown):
        work_calendar.add_working_days(D("2026-12-30"), 3)
    with pytest.raises(CalendarUnknown):
        work_calendar.add_days(D("2026-12-25"), 10)
    with pytest.raises(CalendarUnknown):
        work_calendar.non_working_days(D("2026-12-30"), D("2027-01-02"))
    with pytest.raises(CalendarUnknown):
        work_calendar.working_days_between(D("2026-12-30"), D("2027-01-05"))


def test_provisional_use_does_not_unlock_the_year() -> None:
    calendar = load_calendar(REPO_CALENDAR_DIR)
    assert calendar.add_working_days(D("2026-12-30"), 3, provisional=True).provisional
    with pytest.raises(CalendarUnknown):
        calendar.is_working_day(D("2027-01-05"))


def test_provisional_uses_statutory_days_only(work_calendar: WorkCalendar) -> None:
    law_2027 = statutory_rest_days(2027)
    assert law_2027[D("2027-02-05")] == "农历除夕"
    assert law_2027[D("2027-05-02")] == "劳动节"
    assert len(law_2027) == 13  # 1 + 4 + 1 + 2 + 1 + 1 + 3 since the 2025 revision
    assert len(statutory_rest_days(2024)) == 11  # 2013 text: no 除夕, no May 2
    working = lambda s: work_calendar.is_working_day(D(s), provisional=True)  # noqa: E731
    assert not working("2027-02-05") and not working("2027-02-08")  # 除夕 Fri, 初三 Mon
    assert not working("2028-05-02")  # May 2 on a Tuesday
    assert working("2027-05-03")  # no substitute for May 1-2 on a weekend
    assert all(not working(d.isoformat()) for d in days_of(2027) if d.weekday() >= 5)  # no 调休 guessed


def test_provisional_flag_only_when_an_unknown_day_is_examined(work_calendar: WorkCalendar) -> None:
    assert not work_calendar.add_working_days(D("2026-12-21"), 5, provisional=True).provisional
    assert not work_calendar.add_days(D("2026-12-24"), 7, provisional=True).provisional
    assert work_calendar.add_days(D("2026-12-25"), 7, provisional=True).provisional
    assert work_calendar.add_working_days(D("2023-12-31"), 1).date == D("2024-01-02")
    reckoned = work_calendar.add_working_days(D("2027-02-03"), 6, provisional=True)
    assert str(reckoned) == "2027-02-15 provisional"


# --- year files ------------------------------------------------------------------------------------


def write(folder: Path, text: str, name: str = "2027.toml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_repo_tables_validate() -> None:
    for path in REPO_CALENDAR_DIR.glob("*.toml"):
        assert validate_year_table(path).year == int(path.stem)


def test_overlay_adds_a_year_and_later_folders_override(tmp_path: Path) -> None:
    overlay = tmp_path / "overlay"
    write(overlay, TABLE_2027)
    calendar = load_calendar(REPO_CALENDAR_DIR, overlay, tmp_path / "missing")
    assert calendar.known_years == {2024, 2025, 2026, 2027}
    assert calendar.is_working_day(D("2027-02-20"))  # the invented 调休 Saturday
    assert not calendar.add_working_days(D("2026-12-30"), 3).provisional
    changed = (REPO_CALENDAR_DIR / "2026.toml").read_text(encoding="utf-8").replace(
        "working_days = [2026-02-14, 2026-02-28]", "working_days = [2026-02-14]")
    write(overlay, changed, "2026.toml")
    assert not load_calendar(REPO_CALENDAR_DIR, overlay).is_working_day(D("2026-02-28"))


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        ("year = 2027", "year = 2027\nyear_x = 1", "无法识别"),
        ('name = "端午节"', 'name = "端午节"\nworking_day = [2027-06-12]', "无法识别"),
        ("days = 3", "days = 4", "天数"),
        ("to = 2027-01-03", "to = 2028-01-03", "不在 2027 年内"),
        ("working_days = [2027-02-20]", "working_days = [2027-02-09]", "星期二"),  # a weekday
        ("working_days = [2027-02-20]", "working_days = [2027-02-06]", "既列为放假日"),
        ("working_days = [2027-04-25]", "working_days = [2027-04-25, 2027-04-25]", "重复"),
        ("rest = { from = 2027-06-09, to = 2027-06-09 }", "rest = { from = 2027-06-10, to = 2027-06-10 }",
         "缺少法定节假日 2027-06-09"),
        ("rest = { from = 2027-04-03, to = 2027-04-05 }", "rest = { from = 2027-04-05, to = 2027-04-03 }",
         "早于"),
        ("rest = { from = 2027-09-15, to = 2027-09-15 }", 'rest = { from = "2027-09-15", to = 2027-09-15 }',
         "TOML 日期"),
        ("rest = { from = 2027-09-15, to = 2027-09-15 }", "rest = { from = 2027-09-15, to = 2027-10-01 }",
         "同时列在"),
        ('url = "https://example.invalid/2027"', 'url = "example"', "url"),
        ("[source]", "[sourcez]", "无法识别"),
    ],
)
def test_bad_year_files_are_refused(tmp_path: Path, old: str, new: str, reason: str) -> None:
    assert old in TABLE_2027
    path = write(tmp_path, TABLE_2027.replace(old, new, 1))
    with pytest.raises(ValidationFailed) as caught:
        validate_year_table(path)
    assert caught.value.code == "calendar_table_invalid"
    assert caught.value.message.startswith("2027.toml：")
    assert reason in caught.value.message


def test_malformed_and_misnamed_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed, match="TOML"):
        validate_year_table(write(tmp_path / "a", "year = = 2027"))
    with pytest.raises(ValidationFailed, match="TOML"):
        validate_year_table(tmp_path / "absent.toml")
    write(tmp_path / "b", TABLE_2027, "2028.toml")
    with pytest.raises(ValidationFailed, match="文件名应为 2027.toml"):
        load_calendar(tmp_path / "b")


def test_repo_table_copy_round_trips(tmp_path: Path) -> None:
    shutil.copy(REPO_CALENDAR_DIR / "2025.toml", tmp_path / "2025.toml")
    assert load_calendar(tmp_path).known_years == {2025}
