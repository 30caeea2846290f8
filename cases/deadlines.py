"""Legal periods and due dates (pure: stdlib + cases.calendar).

Periods are typed data (`cases/data/periods.toml`, overridable per jurisdiction). A period counts
from its start event's date, the start day excluded: working-day periods step over rest days,
natural-day periods end on the n-th day and roll forward when that is a rest day, month periods
end on the same day-of-month (the month's last day when there is none) and roll forward too.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from datetime import date, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any

from cases.calendar import ONE_DAY, Reckoned, WorkCalendar
from cases.enums import DeadlineKind, DueState
from cases.errors import ValidationFailed

DEFAULT_PATH = Path(__file__).parent / "data" / "periods.toml"
_INVALID = "periods_invalid"

ASSIGNMENT = "assignment"
INSPECTION = "inspection"
RECTIFICATION = "rectification"
REINSPECTION = "reinspection"
STATEMENT = "statement"
DECISION = "decision"
DECISION_SERVICE = "decision_service"
PAYMENT = "payment"
PUBLICATION = "publication"
COURT_ENFORCEMENT = "court_enforcement"


@dataclass(frozen=True)
class Period:
    key: str
    days: int
    kind: DeadlineKind
    start_event: str
    legal_basis: str
    label_zh: str
    months: int = 0  # a month period (natural kind, days == 0)
    confirmed: bool = True  # False: a local rule or assumption still to be confirmed

    def with_days(self, days: int) -> Period:
        """The same period with another length (e.g. the rectification term set in a notice)."""
        return _checked(replace(self, days=days, months=0))

    @property
    def length_zh(self) -> str:
        if self.months:
            return f"{self.months}个月"
        return f"{self.days}个{'工作日' if self.kind is DeadlineKind.WORKING else '自然日'}"


# --- loading ------------------------------------------------------------------------------------


def load_periods(
    path: Path | None = None, overrides: Mapping[str, Mapping[str, Any]] | None = None
) -> Mapping[str, Period]:
    """The periods of `path` (default: the packaged table), with per-jurisdiction overrides.

    `overrides` maps a period key to the fields it changes (`{"assignment": {"days": 2}}`); a
    key not in the table adds a local period and must then give every field."""
    source = Path(path) if path else DEFAULT_PATH
    try:
        table = tomllib.loads(source.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValidationFailed(f"{source.name}：无法读取或不是有效的 TOML 文件（{exc}）", code=_INVALID) from exc
    raw: dict[str, dict[str, Any]] = {k: dict(v) for k, v in dict(table.get("periods", {})).items()}
    for key, changes in (overrides or {}).items():
        raw[key] = {**raw.get(key, {}), **dict(changes)}
    return MappingProxyType({key: _build(key, spec) for key, spec in raw.items()})


_REQUIRED = ("days", "kind", "start_event", "legal_basis", "label_zh")
_ALLOWED = {f.name for f in fields(Period)} - {"key"}


def _build(key: str, spec: Mapping[str, Any]) -> Period:
    unknown = sorted(set(spec) - _ALLOWED)
    if unknown:
        raise ValidationFailed(f"期限“{key}”含有无法识别的字段 {unknown}", code=_INVALID)
    missing = [name for name in _REQUIRED if name not in spec]
    if missing:
        raise ValidationFailed(f"期限“{key}”缺少字段 {missing}", code=_INVALID)
    try:
        kind = DeadlineKind(spec["kind"])
    except ValueError:
        raise ValidationFailed(f"期限“{key}”的 kind 应为 working 或 natural", code=_INVALID) from None
    return _checked(Period(key=key, **{**spec, "kind": kind}))


def _checked(period: Period) -> Period:
    def fail(reason: str) -> ValidationFailed:
        return ValidationFailed(f"期限“{period.key}”{reason}", code=_INVALID)

    for name in ("days", "months"):
        value = getattr(period, name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise fail(f"的 {name} 应为非负整数")
    if (period.days > 0) == (period.months > 0):
        raise fail("应在 days 与 months 中恰好设定一个正数")
    if period.months and period.kind is not DeadlineKind.NATURAL:
        raise fail("按月计算的期限只能是自然日期限")
    if not isinstance(period.confirmed, bool):
        raise fail("的 confirmed 应为 true 或 false")
    for name in ("start_event", "legal_basis", "label_zh"):
        if not isinstance(getattr(period, name), str) or not getattr(period, name).strip():
            raise fail(f"的 {name} 不能为空")
    return period


# --- computing due dates ------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """Same day-of-month `months` later; the month's last day when it has no such day."""
    year, month0 = divmod(day.year * 12 + day.month - 1 + months, 12)
    first_of_next = date(year + (month0 == 11), (month0 + 1) % 12 + 1, 1)
    return date(year, month0 + 1, min(day.day, (first_of_next - ONE_DAY).day))


def paused_days(kind: DeadlineKind, paused_on: date, resumed_on: date, calendar: WorkCalendar,
                *, provisional: bool = False) -> int:
    """Length of a pause [paused_on, resumed_on): working days or natural days per `kind`."""
    if resumed_on < paused_on:
        raise ValidationFailed(f"恢复计时日 {resumed_on} 早于中止计时日 {paused_on}", code="pause_invalid")
    if DeadlineKind(kind) is DeadlineKind.WORKING:  # a plain "working" read back from a row counts too
        last_paused, last_running = resumed_on - ONE_DAY, paused_on - ONE_DAY
        return calendar.working_days_between(last_running, last_paused, provisional=provisional)
    return (resumed_on - paused_on).days


def compute_due(start: date, period: Period, calendar: WorkCalendar, *, provisional: bool = False,
                pauses: Iterable[tuple[date, date]] = ()) -> Reckoned:
    """The due date of `period` started on `start`, extended by each (paused_on, resumed_on)."""
    extra = sum(paused_days(period.kind, p, r, calendar, provisional=provisional) for p, r in pauses)
    if period.kind is DeadlineKind.WORKING:
        return calendar.add_working_days(start, period.days + extra, provisional=provisional)
    end = add_months(start, period.months) if period.months else start + timedelta(days=period.days)
    return calendar.roll_to_working_day(end + timedelta(days=extra), provisional=provisional)


def due_after_pause(due: date, period_kind: DeadlineKind, paused_on: date, resumed_on: date,
                    calendar: WorkCalendar, *, provisional: bool = False) -> Reckoned:
    """The due date after a pause [paused_on, resumed_on): working days for working periods,
    natural days (then rolled forward) for natural ones.

    Exact for working periods. For a natural period whose `due` was already rolled forward the
    result can be later than recounting from the start (`compute_due(..., pauses=...)`), never
    earlier; prefer `compute_due` when the start and the period are at hand."""
    span = paused_days(period_kind, paused_on, resumed_on, calendar, provisional=provisional)
    if DeadlineKind(period_kind) is DeadlineKind.WORKING:
        return calendar.add_working_days(due, span, provisional=provisional)
    return calendar.add_days(due, span, provisional=provisional)


def working_days_left(today: date, due: date, calendar: WorkCalendar, *, provisional: bool = False) -> int:
    """Working days after today up to the due date; 0 on the due day; negative when overdue.

    Overdue: minus the working days elapsed since the due date, and at least -1 (so a rest day
    right after the due date already reads as overdue)."""
    left = calendar.working_days_between(today, due, provisional=provisional)
    return min(left, -1) if today > due else left


def due_state(due: date, today: date, calendar: WorkCalendar, *, soon_working_days: int = 3,
              paused: bool = False, met: bool = False, provisional: bool = False) -> DueState:
    """MET and PAUSED first; then OVERDUE (after due), DUE (today), DUE_SOON (≤ n working days)."""
    if met:
        return DueState.MET
    if paused:
        return DueState.PAUSED
    if today > due:
        return DueState.OVERDUE
    if today == due:
        return DueState.DUE
    if working_days_left(today, due, calendar, provisional=provisional) <= soon_working_days:
        return DueState.DUE_SOON
    return DueState.ON_TRACK
