"""`enforce calendar …`: working-day questions and loading a new year's official table.

Output is one line on stdout that scripts can rely on (`true`/`false`, or an ISO date followed
by ` provisional` when a day of a year without official table was used). Exit codes:
0 success · 1 refused (year already present without --replace) · 2 bad input (date, number,
year file) · 3 the year's official table is not loaded (retry with --provisional).
Error messages go to stderr, in Chinese, with their stable code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from cases import calendar_files
from cases.calendar import WorkCalendar, validate_year_table
from cases.errors import CalendarUnknown, ValidationFailed
from cases.settings import get_calendar, get_settings

EXIT_REFUSED, EXIT_BAD_INPUT, EXIT_UNKNOWN_YEAR = 1, 2, 3

calendar_app = typer.Typer(no_args_is_help=True, help="法定节假日、调休与工作日计算")

DateArg = Annotated[str, typer.Argument(metavar="DATE", help="日期，格式 YYYY-MM-DD")]
DaysArg = Annotated[str, typer.Argument(metavar="N", help="天数（非负整数）")]
# "-1" must reach parse_days (Chinese message), not be taken for an unknown option
_ARGS_MAY_LOOK_LIKE_OPTIONS = {"ignore_unknown_options": True}
ProvisionalOpt = Annotated[
    bool,
    typer.Option("--provisional", help="该年度通知未载入时，仅按法定节日暂定计算（结果标注 provisional）"),
]


def register(app: typer.Typer) -> None:
    app.add_typer(calendar_app, name="calendar")


def _fail(exc: Exception, exit_code: int) -> typer.Exit:
    typer.echo(f"错误：{exc}", err=True)
    return typer.Exit(exit_code)


@contextmanager
def _reporting() -> Iterator[None]:
    """Turn domain errors into a Chinese message on stderr and the documented exit code."""
    try:
        yield
    except CalendarUnknown as exc:
        raise _fail(exc, EXIT_UNKNOWN_YEAR) from None
    except ValidationFailed as exc:
        raise _fail(exc, EXIT_BAD_INPUT) from None


def parse_date(text: str) -> date:
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
        try:
            return date.fromisoformat(text.strip())
        except ValueError:
            pass
    raise ValidationFailed(f"日期“{text}”无效，应为 YYYY-MM-DD 格式的真实日期（如 2026-02-14）", code="bad_date")


def parse_days(text: str) -> int:
    if not re.fullmatch(r"\d{1,5}", text.strip()):
        raise ValidationFailed(f"天数“{text}”无效，应为非负整数", code="bad_days")
    return int(text)


@calendar_app.command("is-working-day", context_settings=_ARGS_MAY_LOOK_LIKE_OPTIONS)
def is_working_day(day: DateArg, provisional: ProvisionalOpt = False) -> None:
    """打印 true（工作日，含调休上班日）或 false（休息日）。"""
    with _reporting():
        when = parse_date(day)
        calendar = get_calendar()
        answer = "true" if calendar.is_working_day(when, provisional=provisional) else "false"
        typer.echo(answer if when.year in calendar.known_years else f"{answer} provisional")


@calendar_app.command("add-working-days", context_settings=_ARGS_MAY_LOOK_LIKE_OPTIONS)
def add_working_days(day: DateArg, n: DaysArg, provisional: ProvisionalOpt = False) -> None:
    """DATE 之后第 N 个工作日（DATE 当日不计入）。"""
    with _reporting():
        due = get_calendar().add_working_days(parse_date(day), parse_days(n), provisional=provisional)
        typer.echo(str(due))


@calendar_app.command("add-days", context_settings=_ARGS_MAY_LOOK_LIKE_OPTIONS)
def add_days(day: DateArg, n: DaysArg, provisional: ProvisionalOpt = False) -> None:
    """DATE 之后 N 个自然日；期满日为休息日的，顺延至其后第一个工作日。"""
    with _reporting():
        due = get_calendar().add_days(parse_date(day), parse_days(n), provisional=provisional)
        typer.echo(str(due))


@calendar_app.command("years")
def years() -> None:
    """列出已载入的年度及其依据的国务院办公厅通知。"""
    with _reporting():
        calendar = get_calendar()
        for year in sorted(calendar.known_years):
            source = calendar.table(year).source  # type: ignore[union-attr]
            number = f"（{source.document_number}）" if source.document_number else ""
            typer.echo(f"{year}\t{source.title}{number}\t{source.url}")


@calendar_app.command("load")
def load(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="年度节假日表（TOML，格式见仓库内 2024.toml）")],
    replace: Annotated[bool, typer.Option("--replace", help="替换已有年度")] = False,
) -> None:
    """校验并载入一个年度节假日表，然后重算受影响的暂定期限。"""
    with _reporting():
        table = validate_year_table(file)
        settings = get_settings()
        overlay = settings.resolved_home / "calendar"
        where = calendar_files.existing(table.year, settings.calendar_dir, overlay)
        if where is not None and not replace:
            typer.echo(f"错误：[calendar_year_exists] {table.year}年的节假日表已存在于{where}；"
                       f"如确需替换，请加 --replace", err=True)
            raise typer.Exit(EXIT_REFUSED)
        target = calendar_files.install(Path(file).read_bytes(), table, overlay, replace=True,
                                        calendar_dir=settings.calendar_dir)
        get_calendar.cache_clear()
        calendar = get_calendar()
        typer.echo(f"已载入{table.year}年节假日安排：{table.source.title}（{table.source.url}）→ {target}")
    typer.echo(f"已重算暂定期限：{_recompute(calendar)} 项")


def _recompute(calendar: WorkCalendar) -> int:
    """Recompute the deadlines of open cases that were computed provisionally."""
    from cases import service as case_service
    from cases.db import open_session
    from cases.settings import get_clock

    with open_session() as session:
        return case_service.recompute_provisional_deadlines(session, calendar=calendar, clock=get_clock())
