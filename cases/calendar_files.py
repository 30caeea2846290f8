"""Loading a year's official holiday table (国务院办公厅 notice, transcribed in the format of
`cases/data/calendar/2024.toml`): read and check an uploaded file, say whether the year is already
there, and install it into the operator overlay (`<ENFORCE_HOME>/calendar/<year>.toml`) atomically.
Shared by `enforce calendar load` and the administrators' calendar page; after installing, the
caller recomputes the provisional deadlines (`cases.service.recompute_provisional_deadlines`).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from cases.calendar import WorkCalendar, YearTable, load_calendar, parse_year_table
from cases.errors import ValidationFailed

MAX_TABLE_BYTES = 256 * 1024


def parse_upload(content: bytes, filename: str = "日历表") -> YearTable:
    if len(content) > MAX_TABLE_BYTES:
        raise ValidationFailed("节假日表文件过大（不超过256KB）", code="calendar_table_invalid")
    try:
        data = tomllib.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValidationFailed(f"{filename}：无法读取或不是有效的 TOML 文件（{exc}）",
                               code="calendar_table_invalid") from exc
    return parse_year_table(data, origin=filename)


def existing(year: int, calendar_dir: Path, overlay: Path) -> str | None:
    """Where the year's table already is ("仓库内置日历" or the overlay file), or None."""
    if year in load_calendar(calendar_dir).known_years:
        return "仓库内置日历"
    target = overlay / f"{year}.toml"
    return str(target) if target.exists() else None


def with_table(calendar: WorkCalendar, table: YearTable) -> WorkCalendar:
    """The calendar as it would be with `table` loaded (for a preview; nothing is written)."""
    tables = [calendar.table(y) for y in sorted(calendar.known_years) if y != table.year]
    return WorkCalendar([t for t in tables if t is not None] + [table],
                        makeup_day_counts_as_working=calendar.makeup_day_counts_as_working)


def install(content: bytes, table: YearTable, overlay: Path, *, replace: bool, calendar_dir: Path) -> Path:
    where = existing(table.year, calendar_dir, overlay)
    if where is not None and not replace:
        raise ValidationFailed(f"{table.year}年的节假日表已存在于{where}；如确需替换，请选择“替换已有年度”",
                               code="calendar_year_exists")
    overlay.mkdir(parents=True, exist_ok=True)
    target = overlay / f"{table.year}.toml"
    staging = overlay / f".{table.year}.toml.partial"
    staging.write_bytes(content)
    os.replace(staging, target)
    return target
