"""The pupil rest-day calendar for 双减 patrols (pure: stdlib + cases.calendar).

A day is a pupil rest day when it is a non-working day of the `WorkCalendar` (weekend, statutory
holiday, 调休 day off) or falls inside a winter/summer vacation of the jurisdiction. A 调休
make-up working Saturday/Sunday is a school day unless the jurisdiction says otherwise
(`makeup_day_is_school_day`, default true). Vacation ranges are data in
`cases/data/pupil_calendar.toml`, looked up by GB/T 2260 region code with fallback up the tree.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from cases.calendar import WorkCalendar
from cases.errors import ValidationFailed

DEFAULT_PATH = Path(__file__).parent / "data" / "pupil_calendar.toml"
_INVALID = "pupil_calendar_invalid"
_FIELDS = {"name", "makeup_day_is_school_day", "vacations"}


@dataclass(frozen=True)
class Vacation:
    name: str
    first: date
    last: date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first <= day <= self.last


@dataclass(frozen=True)
class PupilSettings:
    region_code: str
    name: str
    makeup_day_is_school_day: bool = True
    vacations: tuple[Vacation, ...] = ()


class PupilCalendar:
    """Answers "may pupils be at leisure (and so tempted into training) on this day?"."""

    def __init__(self, work: WorkCalendar, settings: PupilSettings) -> None:
        self.work = work
        self.settings = settings

    def vacation(self, day: date) -> Vacation | None:
        return next((v for v in self.settings.vacations if day in v), None)

    def is_rest_day(self, day: date, *, provisional: bool = False) -> bool:
        if self.vacation(day) is not None:
            return True  # vacations are local data: no need to consult the national table
        if not self.work.is_working_day(day, provisional=provisional):
            return True
        makeup = self.work.is_makeup_working_day(day, provisional=provisional)
        return makeup and not self.settings.makeup_day_is_school_day

    def rest_days(self, start: date, end: date, *, provisional: bool = False) -> list[date]:
        """Pupil rest days in [start, end], both included."""
        days = (start + timedelta(days=i) for i in range((end - start).days + 1))
        return [d for d in days if self.is_rest_day(d, provisional=provisional)]

    def reason(self, day: date, *, provisional: bool = False) -> str | None:
        """Why `day` is a rest day (for plans and task sheets), or None for a school day."""
        if (vacation := self.vacation(day)) is not None:
            return vacation.name
        if not self.is_rest_day(day, provisional=provisional):
            return None
        if self.work.is_makeup_working_day(day, provisional=provisional):
            return "调休上班日（本地区学生休息）"
        return self.work.holiday_name(day, provisional=provisional) or "周末"


def region_chain(code: str) -> list[str]:
    """520122 → ["520122", "520100", "520000"] (no duplicates for city or province codes)."""
    if not re.fullmatch(r"\d{6}", code):
        raise ValidationFailed(f"行政区划代码应为6位数字：{code!r}", code="region_code_invalid")
    chain = [code, code[:4] + "00", code[:2] + "0000"]
    return list(dict.fromkeys(chain))


def load_pupil_settings(region_code: str, path: Path | None = None) -> PupilSettings:
    """Settings for `region_code`, each field from the nearest entry up the region tree."""
    source = Path(path) if path else DEFAULT_PATH
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValidationFailed(f"{source.name}：无法读取或不是有效的 TOML 文件（{exc}）", code=_INVALID) from exc
    regions = _parse_regions(data, source.name)
    merged: dict[str, Any] = dict(regions["default"])
    for code in reversed(region_chain(region_code)):
        merged.update(regions.get(code, {}))
    return PupilSettings(region_code, merged.get("name", region_code),
                         merged.get("makeup_day_is_school_day", True), tuple(merged.get("vacations", ())))


def load_pupil_calendar(work: WorkCalendar, region_code: str, path: Path | None = None) -> PupilCalendar:
    return PupilCalendar(work, load_pupil_settings(region_code, path))


def _parse_regions(data: Mapping[str, Any], origin: str) -> dict[str, dict[str, Any]]:
    def fail(reason: str) -> ValidationFailed:
        return ValidationFailed(f"{origin}：{reason}", code=_INVALID)

    if set(data) - {"default", "regions"}:
        raise fail(f"顶层含有无法识别的字段 {sorted(set(data) - {'default', 'regions'})}")
    regions = {"default": _parse_entry(data.get("default", {}), "default", fail)}
    for code, entry in dict(data.get("regions", {})).items():
        if not re.fullmatch(r"\d{6}", code):
            raise fail(f"行政区划代码应为6位数字：{code!r}")
        regions[code] = _parse_entry(entry, code, fail)
    return regions


def _parse_entry(raw: Any, code: str, fail: Any) -> dict[str, Any]:
    if not isinstance(raw, dict) or set(raw) - _FIELDS:
        raise fail(f"{code}：条目格式错误（允许的字段：{sorted(_FIELDS)}）")
    entry = dict(raw)
    if not isinstance(entry.get("makeup_day_is_school_day", True), bool):
        raise fail(f"{code}：makeup_day_is_school_day 应为 true 或 false")
    if "vacations" in entry:
        entry["vacations"] = _parse_vacations(entry["vacations"], code, fail)
    return entry


def _parse_vacations(raw: Any, code: str, fail: Any) -> tuple[Vacation, ...]:
    if not isinstance(raw, list):
        raise fail(f"{code}：vacations 应为列表")
    vacations: list[Vacation] = []
    for item in raw:
        if not isinstance(item, dict) or set(item) != {"name", "from", "to"}:
            raise fail(f"{code}：假期应写作 {{ name = …, from = 日期, to = 日期 }}")
        first, last = item["from"], item["to"]
        for value in (first, last):
            if not isinstance(value, date) or isinstance(value, dt.datetime):
                raise fail(f"{code}：{item['name']} 的日期应为 TOML 日期，实为 {value!r}")
        if last < first:
            raise fail(f"{code}：{item['name']} 结束日 {last} 早于开始日 {first}")
        clash = next((v for v in vacations if first <= v.last and v.first <= last), None)
        if clash is not None:
            raise fail(f"{code}：{item['name']} 与 {clash.name} 日期重叠")
        vacations.append(Vacation(str(item["name"]), first, last))
    return tuple(vacations)
