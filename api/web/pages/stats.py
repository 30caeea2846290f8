"""统计: the seeds' own figures (半月通报) per period and unit as a chart and a table, and as Excel."""

from __future__ import annotations

import calendar as month_calendar
import io
import json
from collections.abc import Callable
from datetime import UTC, date, timedelta
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request, Response
from sqlmodel import Session

from api.deps import ClockDep, SessionDep
from api.routes.board import FIGURES, half_month
from api.web.deps import UserDep, WebUser, require
from api.web.forms import normalise_date
from api.web.routing import WebRoute
from api.web.templating import page
from cases import queries, repository
from cases.enums import Role
from cases.errors import ValidationFailed
from cases.fields import sane_day
from cases.patrols.control_group import GROUP_LABELS, GROUPS, VisitOutcome, control_rows, percent
from cases.ports import Clock
from cases.queries import UnitFigures

router = APIRouter(route_class=WebRoute)
LABELS = {"patrol_person_times": "出动人次", "institutions_checked": "检查机构数", "problems_found": "发现问题数",
          "notices_issued": "下达整改通知书数", "cases_opened": "立案数", "penalties": "处罚数",
          "fines_yuan": "罚没金额（元）", "overdue_steps": "逾期环节数", "overdue_cases": "逾期案件数"}
CHARTED = ("patrol_person_times", "institutions_checked", "problems_found", "notices_issued", "cases_opened")
_SCRIPT_SAFE = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026", 0x2028: "\\u2028",
                0x2029: "\\u2029"}


def script_json(value: object) -> str:
    """JSON for a `<script type="application/json">` element: `<`, `>` and `&` are escaped as
    `\\u003c` etc., so no stored text can close the element or open another tag."""
    return json.dumps(value, ensure_ascii=False).translate(_SCRIPT_SAFE)


READERS = (Role.SUPERVISOR, Role.LEGAL, Role.ADMIN)
DayText = Annotated[str | None, Query(max_length=20)]


def drill_url(start: date, end: date, by: str) -> Callable[..., str]:
    """figure, unit → the address of the case list behind that figure (unit None: the total)."""
    def url(figure: str, unit: str | None = None) -> str:
        params = {"figure": figure, "start": start.isoformat(), "end": end.isoformat(), "by": by}
        if unit is not None and unit != "total":
            params["unit"] = unit
        return "/stats/cases?" + urlencode(params)

    return url
TREND = ("patrol_person_times", "institutions_checked", "problems_found", "notices_issued", "cases_opened")
TREND_PERIODS = 6
Period = Annotated[str | None, Query(pattern="^(half|last_half|month|last_month|year)$")]


def presets(today: date) -> dict[str, tuple[str, date, date]]:
    first, last = half_month(today)
    prev_first, prev_last = half_month(first - timedelta(days=1))
    month_end = today.replace(day=month_calendar.monthrange(today.year, today.month)[1])
    last_month_end = today.replace(day=1) - timedelta(days=1)
    return {"half": ("本半月", first, last), "last_half": ("上半月", prev_first, prev_last),
            "month": ("本月", today.replace(day=1), month_end),
            "last_month": ("上月", last_month_end.replace(day=1), last_month_end),
            "year": ("本年", date(today.year, 1, 1), date(today.year, 12, 31))}


# The figures that belong to a period (the overdue counts are as of today, whatever the period)
PERIOD_FIGURES = ("patrol_person_times", "institutions_checked", "problems_found", "notices_issued", "cases_opened",
                  "penalties", "fines_yuan")


def parse_day(raw: str | None, label: str) -> date | None:
    """A date typed in the form (2026-03-16, 2026/3/16, 2026年3月16日 …); a Chinese error otherwise."""
    if raw is None or not raw.strip():
        return None
    try:
        return sane_day(date.fromisoformat(normalise_date(raw)))
    except ValueError:
        raise ValidationFailed(f"{label}“{raw[:20]}”不是有效日期，请按“年-月-日”填写，如 2026-03-16",
                               code="period_invalid") from None


Figures = tuple[list[UnitFigures], UnitFigures, date, date, str, dict[str, tuple[str, date, date]]]


def _figures(session: Session, user: WebUser, clock: Clock, period: str | None, start_text: str | None,
             end_text: str | None, by: str) -> Figures:
    """The period's figures. With no period chosen: the current half-month (本半月) when it has any
    figure yet, else the last complete one (上半月) — so the 1st of a month shows the fortnight just
    reported on, not a page of zeros."""
    require(user, *READERS)
    now = clock.now()
    options = presets(now.date())
    start, end = parse_day(start_text, "起始日期"), parse_day(end_text, "截止日期")
    zone = now.tzinfo or UTC
    regions = repository.subtree_codes(session, user.actor.region_code)

    def compute(first: date, last: date) -> tuple[list[UnitFigures], UnitFigures]:
        units = queries.statistics(session, regions, start=first, end=last, today=now.date(), zone=zone, by=by)
        return units, UnitFigures("total", "合计", **{k: sum(getattr(u, k) for u in units) for k in FIGURES})

    if start is None and end is None:
        label, start, end = options[period or "half"]
        units, total = compute(start, end)
        if period is None and not any(getattr(total, k) for k in PERIOD_FIGURES):
            label, start, end = options["last_half"]
            units, total = compute(start, end)
            label = f"{label}（本半月尚无数据）"
        return units, total, start, end, label, options
    first, last = half_month(now.date())
    chosen_start, chosen_end = start or first, end or last
    if chosen_end < chosen_start or chosen_end - chosen_start > timedelta(days=366):
        raise ValidationFailed("统计期间无效：截止日期须不早于起始日期，且不超过一年", code="period_invalid")
    units, total = compute(chosen_start, chosen_end)
    return units, total, chosen_start, chosen_end, "自定义期间", options


def _trend(session, user, clock, by: str) -> list[tuple[str, UnitFigures]]:  # noqa: ANN001
    """The totals of the last six half-months (半月通报 periods), oldest first."""
    now = clock.now()
    regions = repository.subtree_codes(session, user.actor.region_code)
    periods, day = [], now.date()
    for _ in range(TREND_PERIODS):
        first, last = half_month(day)
        periods.append((first, last))
        day = first - timedelta(days=1)
    out = []
    for first, last in reversed(periods):
        units = queries.statistics(session, regions, start=first, end=last, today=now.date(), zone=now.tzinfo, by=by)
        label = f"{first.month}月{'上' if first.day == 1 else '下'}半月"
        out.append((label, UnitFigures("total", label, **{k: sum(getattr(u, k) for u in units) for k in FIGURES})))
    return out


@router.get("/stats", summary="统计")
def stats(request: Request, user: UserDep, session: SessionDep, clock: ClockDep, period: Period = None,
          start: DayText = None, end: DayText = None,
          by: Annotated[str, Query(pattern="^(department|region)$")] = "department") -> Response:
    units, total, first, last, label, options = _figures(session, user, clock, period, start, end, by)
    period_key = period if not (request.query_params.get("start") or request.query_params.get("end")) else None
    if period_key is None and label.startswith(options["last_half"][0]) and not request.query_params.get("start"):
        period_key = "last_half"
    elif period_key is None and label == options["half"][0]:
        period_key = "half"
    active = [u for u in units if any(getattr(u, k) for k in CHARTED)]
    if len(active) == 1:  # one unit: its figures side by side
        chart = {"type": "bar", "labels": [LABELS[k] for k in CHARTED], "horizontal": True,
                 "series": [{"label": active[0].unit_name, "data": [getattr(active[0], k) for k in CHARTED]}]}
    else:
        chart = {"type": "bar", "labels": [u.unit_name for u in active], "horizontal": len(active) > 6,
                 "series": [{"label": LABELS[k], "data": [getattr(u, k) for u in active]} for k in CHARTED]}
    trend = _trend(session, user, clock, by)
    trend_chart = {"type": "line", "labels": [t[0] for t in trend], "horizontal": False,
                   "series": [{"label": LABELS[k], "data": [getattr(t[1], k) for t in trend]} for k in TREND]}
    query = urlencode({"start": first.isoformat(), "end": last.isoformat(), "by": by})
    now = clock.now()
    regions = repository.subtree_codes(session, user.actor.region_code)
    control_start = date(last.year, 1, 1)
    control = control_rows(VisitOutcome(v.district, v.grade, v.reason, v.found) for v in queries.patrol_visit_outcomes(
        session, regions, start=control_start, end=last, today=now.date(), zone=now.tzinfo or UTC))
    return page(request, "stats.html", {
        "units": units, "total": total, "start": first, "end": last, "label": label, "by": by,
        "period": period_key, "drill": drill_url(first, last, by), "control": control,
        "control_start": control_start, "groups": GROUPS, "group_labels": GROUP_LABELS, "percent": percent,
        "options": options, "figures": FIGURES, "labels": LABELS, "chart_json": script_json(chart),
        "trend": trend, "trend_figures": TREND, "trend_json": script_json(trend_chart),
        "has_chart": bool(active),
        "chart_title": f"{active[0].unit_name}工作量" if len(active) == 1 else
        f"各{'部门' if by == 'department' else '乡镇（街道）'}工作量", "xlsx_url": f"/stats.xlsx?{query}"}, user=user)


@router.get("/stats/cases", summary="统计数字对应的案件")
def stats_cases(request: Request, user: UserDep, session: SessionDep, clock: ClockDep,
                figure: Annotated[str, Query(max_length=32)], start: DayText = None, end: DayText = None,
                by: Annotated[str, Query(pattern="^(department|region)$")] = "department",
                unit: Annotated[str | None, Query(max_length=12)] = None) -> Response:
    """The cases behind one figure of the statistics table: the same period, unit and conditions."""
    if figure not in queries.DRILL_FIGURES:
        raise ValidationFailed("统计项不存在", code="figure_unknown")
    units, total, first, last, label, _ = _figures(session, user, clock, None, start, end, by)
    now = clock.now()
    regions = repository.subtree_codes(session, user.actor.region_code)
    unit_row = next((u for u in units if u.unit_key == unit), None) if unit else total
    if unit_row is None:
        unit_row = UnitFigures(unit or "total", (queries.region_names(session).get(unit or "") if by == "region"
                                                 else None) or "该单位")
    ids = queries.statistics_case_ids(session, regions, figure, start=first, end=last, today=now.date(),
                                      zone=now.tzinfo or UTC, by=by, unit=unit)
    rows = queries.cases_by_ids(session, ids, now.date())
    back = "/stats?" + urlencode({"start": first.isoformat(), "end": last.isoformat(), "by": by})
    return page(request, "stats_cases.html", {
        "rows": rows, "figure": figure, "figure_label": LABELS[figure], "value": getattr(unit_row, figure),
        "unit_name": unit_row.unit_name, "start": first, "end": last, "back": back,
        "overdue_figure": figure in ("overdue_steps", "overdue_cases"), "today": now.date()}, user=user)


@router.get("/stats.xlsx", summary="统计导出 Excel")
def stats_xlsx(user: UserDep, session: SessionDep, clock: ClockDep, period: Period = None,
               start: DayText = None, end: DayText = None,
               by: Annotated[str, Query(pattern="^(department|region)$")] = "department") -> Response:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    units, total, first, last, _, _ = _figures(session, user, clock, period, start, end, by)
    book = Workbook()
    sheet = book.active
    sheet.title = "统计"
    unit_label = "主办部门" if by == "department" else "地区"
    sheet.append([f"“双减”执法统计（{first.isoformat()} 至 {last.isoformat()}）"])
    sheet.append([f"统计单位：{user.department}；按{unit_label}分组；逾期数截至 {clock.now().date().isoformat()}"])
    sheet.append([])
    sheet.append([unit_label, *(LABELS[k] for k in FIGURES)])
    for u in (*units, total):
        sheet.append([u.unit_name, *(getattr(u, k) for k in FIGURES)])
    sheet["A1"].font = Font(bold=True, size=14)
    header_fill = PatternFill("solid", fgColor="DCE6F5")
    for cell in sheet[4]:
        cell.font, cell.fill = Font(bold=True), header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    sheet.column_dimensions["A"].width = 26
    for i in range(2, len(FIGURES) + 2):
        sheet.column_dimensions[get_column_letter(i)].width = 14
    sheet.freeze_panes = "B5"
    buffer = io.BytesIO()
    book.save(buffer)
    name = f"双减执法统计_{first.isoformat()}_{last.isoformat()}.xlsx"
    return Response(buffer.getvalue(),
                    media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename=stats.xlsx; filename*=UTF-8''{quote(name)}",
                             "Cache-Control": "no-store"})
