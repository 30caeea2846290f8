"""The Chinese working-day calendar for legal deadlines (pure: stdlib + `holidays`).

Source of truth: one reviewed TOML table per year (`cases/data/calendar/<year>.toml`, format in
`2024.toml`), copied from the State Council General Office notice, plus an operator overlay
folder for years loaded later. A year without a table is *unknown*: any computation that
examines one of its days raises `CalendarUnknown`, unless the caller passes `provisional=True`;
then only the statutory days of 《全国年节及纪念日放假办法》 are rest days (no 调休, no make-up
working days) and the result is marked provisional. Only the days examined decide that flag.

Counting (docs/law.md §1, docs/calendar.md): the start day is never counted; a natural-day period ending on a rest
day rolls forward to the next working day (民事诉讼法 art. 85 by analogy). Whether a 调休 make-up
working Saturday/Sunday ends a roll-over is `makeup_day_counts_as_working` (default: it does).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import holidays

from cases.caches import register_cache
from cases.errors import CalendarUnknown, ValidationFailed

ONE_DAY = timedelta(days=1)
BETWEEN_CACHE = 65_536  # remembered day counts per calendar (WorkCalendar.working_days_between)
STATUTORY_NAMES = frozenset({"元旦", "农历除夕", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"})
_LUNAR_NAMES = frozenset({"春节", "清明节", "端午节", "中秋节"})
_INVALID = "calendar_table_invalid"


@dataclass(frozen=True)
class Reckoned:
    """A computed date; `provisional` when a day of a year without official table was examined."""

    date: dt.date
    provisional: bool = False

    def __str__(self) -> str:
        return f"{self.date.isoformat()} provisional" if self.provisional else self.date.isoformat()


@dataclass(frozen=True)
class Source:
    title: str
    url: str
    issued: date
    document_number: str = ""


@dataclass(frozen=True)
class Holiday:
    """One line of a notice: the break `first`..`last` (weekends included) and its 调休 days."""

    name: str
    first: date
    last: date
    working_days: tuple[date, ...] = ()

    def days(self) -> Iterable[date]:
        return (self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1))


@dataclass(frozen=True)
class YearTable:
    year: int
    source: Source
    holidays: tuple[Holiday, ...]

    @property
    def rest_days(self) -> Mapping[date, str]:
        return {day: h.name for h in self.holidays for day in h.days()}

    @property
    def working_days(self) -> frozenset[date]:
        return frozenset(day for h in self.holidays for day in h.working_days)


# --- statutory days (the law), used for provisional years and to check tables -----------------


@lru_cache(maxsize=32)
def statutory_rest_days(year: int) -> Mapping[date, str]:
    """The days off fixed by law for `year` (lunar dates from `holidays.China`, no 调休).

    Uses the rules in force that year (除夕 and May 2 from 2025). Substitute days, estimated
    调休 and weekend workdays of the library are dropped. Raises `CalendarUnknown` when the
    library cannot place the lunar holidays (outside its lunar table).
    """
    cn = holidays.country_holidays("CN", years=year, observed=False, language="zh_CN")
    days: dict[date, str] = {}
    for day in sorted(cn):
        names = [n.removesuffix("（推定）") for n in cn.get_list(day)]
        kept = [n for n in names if n in STATUTORY_NAMES]
        if kept:
            days[day] = "、".join(kept)
    if not _LUNAR_NAMES <= {n for joined in days.values() for n in joined.split("、")}:
        raise CalendarUnknown(year)
    return MappingProxyType(days)


register_cache("cases.calendar.statutory_rest_days", statutory_rest_days.cache_clear)


# --- table files --------------------------------------------------------------------------------


def validate_year_table(path: Path) -> YearTable:
    """Read and check one year file; refuses (ValidationFailed) anything a reviewer would."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValidationFailed(f"{Path(path).name}：无法读取或不是有效的 TOML 文件（{exc}）", code=_INVALID) from exc
    return parse_year_table(data, origin=Path(path).name)


def parse_year_table(data: Mapping[str, Any], *, origin: str = "日历表") -> YearTable:
    def fail(reason: str) -> ValidationFailed:
        return ValidationFailed(f"{origin}：{reason}", code=_INVALID)

    _only_keys(data, {"year", "source", "holiday"}, "文件顶层", fail)
    year = data.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2099:
        raise fail("缺少或错误的 year（应为 2000–2099 的整数年份）")
    source = _parse_source(data.get("source"), fail)
    entries = data.get("holiday")
    if not isinstance(entries, list) or not entries:
        raise fail("缺少 [[holiday]] 节假日条目")
    table = YearTable(year, source, tuple(_parse_holiday(e, year, fail) for e in entries))
    _check_consistency(table, fail)
    return table


def _only_keys(table: Mapping[str, Any], allowed: set[str], where: str, fail: Any) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise fail(f"{where}含有无法识别的字段 {unknown}（允许：{sorted(allowed)}）")


def _as_date(value: Any, year: int, what: str, fail: Any) -> date:
    if not isinstance(value, date) or isinstance(value, dt.datetime):
        raise fail(f"{what} 应为 TOML 日期（如 {year}-01-01，不加引号），实为 {value!r}")
    if value.year != year:
        raise fail(f"{what} {value.isoformat()} 不在 {year} 年内")
    return value


def _parse_source(raw: Any, fail: Any) -> Source:
    if not isinstance(raw, dict):
        raise fail("缺少 [source]（国务院办公厅通知的标题、网址、发布日期）")
    _only_keys(raw, {"title", "url", "issued", "document_number", "mirror"}, "[source] ", fail)
    title, url, issued = raw.get("title"), raw.get("url"), raw.get("issued")
    if not isinstance(title, str) or not title.strip():
        raise fail("[source] 缺少通知标题 title")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise fail("[source] 缺少通知网址 url（应以 https:// 开头）")
    if not isinstance(issued, date) or isinstance(issued, dt.datetime):
        raise fail("[source] 缺少通知发布日期 issued（TOML 日期）")
    return Source(title.strip(), url, issued, str(raw.get("document_number", "")))


def _parse_holiday(raw: Any, year: int, fail: Any) -> Holiday:
    if not isinstance(raw, dict):
        raise fail("[[holiday]] 条目格式错误")
    _only_keys(raw, {"name", "rest", "days", "working_days"}, "[[holiday]] ", fail)
    name, rest = raw.get("name"), raw.get("rest")
    if not isinstance(name, str) or not name.strip():
        raise fail("[[holiday]] 缺少节日名称 name")
    if not isinstance(rest, dict) or set(rest) != {"from", "to"}:
        raise fail(f"{name}：rest 应写作 {{ from = 日期, to = 日期 }}")
    first = _as_date(rest["from"], year, f"{name} 放假开始日", fail)
    last = _as_date(rest["to"], year, f"{name} 放假结束日", fail)
    if last < first:
        raise fail(f"{name}：放假结束日 {last} 早于开始日 {first}")
    span = (last - first).days + 1
    if "days" in raw and raw["days"] != span:
        raise fail(f"{name}：通知所载天数 days={raw['days']} 与放假区间 {first}至{last} 的 {span} 天不符")
    listed = raw.get("working_days", [])
    if not isinstance(listed, list):
        raise fail(f"{name}：working_days 应为日期列表")
    working = tuple(_as_date(v, year, f"{name} 调休上班日", fail) for v in listed)
    for day in working:
        if day.weekday() < 5:
            raise fail(f"{name}：调休上班日 {day} 是星期{'一二三四五'[day.weekday()]}，本就是工作日")
    return Holiday(name.strip(), first, last, working)


def _check_consistency(table: YearTable, fail: Any) -> None:
    seen: dict[date, str] = {}
    for holiday in table.holidays:
        for day in holiday.days():
            if day in seen:
                raise fail(f"{day} 同时列在“{seen[day]}”和“{holiday.name}”的放假区间中")
            seen[day] = holiday.name
    listed = [day for h in table.holidays for day in h.working_days]
    for day in listed:
        if day in seen:
            raise fail(f"{day} 既列为放假日（{seen[day]}）又列为调休上班日")
        if listed.count(day) > 1:
            raise fail(f"调休上班日 {day} 重复列出")
    for day, name in statutory_rest_days(table.year).items():
        if day not in seen:
            raise fail(f"缺少法定节假日 {day}（{name}），请对照通知检查")


# --- the calendar -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _YearDays:
    provisional: bool
    working: tuple[int, ...]  # sorted ordinals of working days
    working_set: frozenset[int]
    makeup: frozenset[int]  # 调休 make-up working days (weekend days that are worked)
    names: Mapping[date, str]


def _year_days(year: int, rest: Mapping[date, str], makeup: frozenset[date], provisional: bool) -> _YearDays:
    first = date(year, 1, 1).toordinal()
    working = tuple(
        o
        for o in range(first, date(year, 12, 31).toordinal() + 1)
        if (d := date.fromordinal(o)) in makeup or (d.weekday() < 5 and d not in rest)
    )
    return _YearDays(provisional, working, frozenset(working), frozenset(d.toordinal() for d in makeup), rest)


class WorkCalendar:
    """Answers working-day questions for years with an official table (or provisionally)."""

    def __init__(
        self, tables: Iterable[YearTable] = (), *, makeup_day_counts_as_working: bool = True
    ) -> None:
        self._tables = {table.year: table for table in tables}
        self.makeup_day_counts_as_working = makeup_day_counts_as_working
        self._cache: dict[int, _YearDays] = {}
        self._between: dict[tuple[date, date, bool], int] = {}

    @property
    def known_years(self) -> frozenset[int]:
        return frozenset(self._tables)

    def table(self, year: int) -> YearTable | None:
        return self._tables.get(year)

    def _year(self, year: int, provisional: bool) -> _YearDays:
        """Official days of `year`; statutory-only days if allowed; else CalendarUnknown."""
        table = self._tables.get(year)
        if table is None and not provisional:
            raise CalendarUnknown(year)
        if year not in self._cache:  # never consulted for an unknown year unless provisional
            rest = table.rest_days if table else statutory_rest_days(year)
            makeup = table.working_days if table else frozenset()
            self._cache[year] = _year_days(year, rest, makeup, provisional=table is None)
        return self._cache[year]

    def is_working_day(self, day: date, *, provisional: bool = False) -> bool:
        return day.toordinal() in self._year(day.year, provisional).working_set

    def is_makeup_working_day(self, day: date, *, provisional: bool = False) -> bool:
        """A 调休 Saturday/Sunday that is worked."""
        return day.toordinal() in self._year(day.year, provisional).makeup

    def holiday_name(self, day: date, *, provisional: bool = False) -> str | None:
        return self._year(day.year, provisional).names.get(day)

    def add_working_days(self, start: date, n: int, *, provisional: bool = False) -> Reckoned:
        """The n-th working day after `start` (the start day itself is not counted)."""
        _require_non_negative(n)
        cursor, flagged = start + ONE_DAY, False
        while n:
            year = self._year(cursor.year, provisional)
            flagged |= year.provisional
            index = bisect_left(year.working, cursor.toordinal())
            if n <= len(year.working) - index:
                return Reckoned(date.fromordinal(year.working[index + n - 1]), flagged)
            n -= len(year.working) - index
            cursor = date(cursor.year + 1, 1, 1)
        return Reckoned(start, False)

    def roll_to_working_day(self, day: date, *, provisional: bool = False) -> Reckoned:
        """`day` if it can end a period, else the next day that can (see module docstring)."""
        flagged = False
        while True:
            year = self._year(day.year, provisional)
            flagged |= year.provisional
            ordinal = day.toordinal()
            ends_period = self.makeup_day_counts_as_working or ordinal not in year.makeup
            if ordinal in year.working_set and ends_period:
                return Reckoned(day, flagged)
            day += ONE_DAY

    def add_days(self, start: date, n: int, *, provisional: bool = False) -> Reckoned:
        """n natural days after `start`, rolled forward to a working day if it ends on a rest day."""
        _require_non_negative(n)
        return self.roll_to_working_day(start + timedelta(days=n), provisional=provisional)

    def working_days_between(self, a: date, b: date, *, provisional: bool = False) -> int:
        """Working days in (a, b]; negative (b, a] count when b < a.

        Remembered per (a, b): a page of a thousand clocks asks for the days left to a few dozen
        due dates, twice each (docs/scale.md "The board and the work list without an aggregate per request")."""
        key = (a, b, provisional)
        known = self._between.get(key)
        if known is None:
            if len(self._between) >= BETWEEN_CACHE:
                self._between.clear()
            known = self._between[key] = self._count_between(a, b, provisional)
        return known

    def _count_between(self, a: date, b: date, provisional: bool) -> int:
        if b <= a:
            return -self._count_between(b, a, provisional) if b < a else 0
        count, low = 0, a + ONE_DAY
        for y in range(low.year, b.year + 1):
            year = self._year(y, provisional)
            first, last = max(low, date(y, 1, 1)).toordinal(), min(b, date(y, 12, 31)).toordinal()
            count += bisect_right(year.working, last) - bisect_left(year.working, first)
        return count

    def non_working_days(self, start: date, end: date, *, provisional: bool = False) -> list[date]:
        """Rest days in [start, end], both included (weekends, holidays, 调休 days off)."""
        days = (start + timedelta(days=i) for i in range((end - start).days + 1))
        return [d for d in days if not self.is_working_day(d, provisional=provisional)]


def _require_non_negative(n: int) -> None:
    if n < 0:
        raise ValidationFailed(f"天数不能为负数：{n}", code="negative_period")


def load_calendar(*folders: Path, makeup_day_counts_as_working: bool = True) -> WorkCalendar:
    """Load `<year>.toml` tables from each folder; a later folder overrides an earlier one.

    Missing folders are skipped (the operator overlay may not exist yet)."""
    tables: dict[int, YearTable] = {}
    for folder in folders:
        if not Path(folder).is_dir():
            continue
        for path in sorted(Path(folder).glob("*.toml")):
            table = validate_year_table(path)
            if path.stem != str(table.year):
                raise ValidationFailed(f"{path.name}：文件名应为 {table.year}.toml", code=_INVALID)
            tables[table.year] = table
    return WorkCalendar(tables.values(), makeup_day_counts_as_working=makeup_day_counts_as_working)
