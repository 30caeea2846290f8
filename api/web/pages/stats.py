"""统计: the seeds' own figures (半月通报) per period and unit as a chart and a table, and as Excel."""

from __future__ import annotations

import calendar as month_calendar
import io
import json
from datetime import date, timedelta
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request, Response

from api.deps import ClockDep, SessionDep
from api.routes.board import FIGURES, half_month
from api.web.deps import UserDep, require
from api.web.routing import WebRoute
from api.web.templating import page
from cases import queries, repository
from cases.enums import Role
from cases.errors import ValidationFailed
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


def _figures(session, user, clock, period, start, end, by):  # noqa: ANN001, ANN202
    require(user, *READERS)
    now = clock.now()
    options = presets(now.date())
    if start is None and end is None:
        label, start, end = options[period or "half"]
    else:
        first, last = half_month(now.date())
        start, end, label = start or first, end or last, "自定义期间"
    if end < start or end - start > timedelta(days=366):
        raise ValidationFailed("统计期间无效：截止日期须不早于起始日期，且不超过一年", code="period_invalid")
    regions = repository.subtree_codes(session, user.actor.region_code)
    units = queries.statistics(session, regions, start=start, end=end, today=now.date(), zone=now.tzinfo, by=by)
    total = UnitFigures("total", "合计", **{k: sum(getattr(u, k) for u in units) for k in FIGURES})
    return units, total, start, end, label, options


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
          start: Annotated[date | None, Query()] = None, end: Annotated[date | None, Query()] = None,
          by: Annotated[str, Query(pattern="^(department|region)$")] = "department") -> Response:
    units, total, start, end, label, options = _figures(session, user, clock, period, start, end, by)
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
    query = urlencode({"start": start.isoformat(), "end": end.isoformat(), "by": by})
    return page(request, "stats.html", {
        "units": units, "total": total, "start": start, "end": end, "label": label, "by": by,
        "period": period if not (request.query_params.get("start") or request.query_params.get("end")) else None,
        "options": options, "figures": FIGURES, "labels": LABELS, "chart_json": script_json(chart),
        "trend": trend, "trend_figures": TREND, "trend_json": script_json(trend_chart),
        "has_chart": bool(active),
        "chart_title": f"{active[0].unit_name}工作量" if len(active) == 1 else
        f"各{'部门' if by == 'department' else '乡镇（街道）'}工作量", "xlsx_url": f"/stats.xlsx?{query}"}, user=user)


@router.get("/stats.xlsx", summary="统计导出 Excel")
def stats_xlsx(user: UserDep, session: SessionDep, clock: ClockDep, period: Period = None,
               start: Annotated[date | None, Query()] = None, end: Annotated[date | None, Query()] = None,
               by: Annotated[str, Query(pattern="^(department|region)$")] = "department") -> Response:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    units, total, start, end, _, _ = _figures(session, user, clock, period, start, end, by)
    book = Workbook()
    sheet = book.active
    sheet.title = "统计"
    unit_label = "主办部门" if by == "department" else "地区"
    sheet.append([f"“双减”执法统计（{start.isoformat()} 至 {end.isoformat()}）"])
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
    name = f"双减执法统计_{start.isoformat()}_{end.isoformat()}.xlsx"
    return Response(buffer.getvalue(),
                    media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename=stats.xlsx; filename*=UTF-8''{quote(name)}",
                             "Cache-Control": "no-store"})
