"""The supervisor's deadline board and the statistics per period and unit (半月通报 figures)."""

from __future__ import annotations

import calendar as month_calendar
from datetime import date, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from api import schemas, views
from api.deps import CalendarDep, ClockDep, ScopeDep, SessionDep, StatsReader, Supervisor
from api.errors import error_responses
from cases import queries
from cases.errors import ValidationFailed
from cases.fields import MAX_INT, Day

router = APIRouter(tags=["督办与统计"])

# a board shows a handful of items per group, each group with its counts (the rest on request):
# at 100 items a province page was 6,009 items, 2.5 MB in 1.45 s; at 10, 437 kB in 0.41 s
# (docs/scale.md "10^6 cases on PostgreSQL")
BOARD_ITEMS = 10
# and a screen of groups per page: 100 groups of 10 items are 1,000 items, 437 kB, 165–233 ms of
# which two thirds build and encode the items
# (docs/scale.md "The board and the work list without an aggregate per request")
BOARD_GROUPS = 20


@router.get("/board", response_model=schemas.BoardOut, summary="期限看板（督办）",
            description="辖区内已逾期、今日到期和即将到期（N 个工作日内）的环节，按主办部门和承办人分组，含督办级别。"
                        "分组按逾期数排序并分页（limit/offset，默认每页 20 组），"
                        "每组列出最紧急的前 items 个环节（默认 10 个，"
                        "看板每组只需展示少数几项；该组的环节总数为其 overdue 与 due_soon 之和）。"
                        "查看一组的全部环节：以 department 只看该主办部门并将 items 调大（至多 500），"
                        "或按 department、assignee 查询案件列表 /api/v1/cases。"
                        "顶层的 overdue、due_soon 为全部分组的合计。仅科长/分管领导。",
            responses=error_responses(401, 403, 422))
def board(actor: Supervisor, session: SessionDep, regions: ScopeDep, clock: ClockDep, calendar: CalendarDep,
          soon_working_days: Annotated[int, Query(ge=0, le=20, description="“即将到期”的工作日数")] = 3,
          department: Annotated[int | None, Query(ge=1, le=MAX_INT, description="只看某主办部门")] = None,
          limit: Annotated[int, Query(ge=1, le=500, description="每页分组数")] = BOARD_GROUPS,
          offset: Annotated[int, Query(ge=0, le=1_000_000, description="跳过的分组数")] = 0,
          items: Annotated[int, Query(ge=1, le=500, description="每组列出的环节数（最紧急的在前）")] = BOARD_ITEMS,
          ) -> schemas.BoardOut:
    today = clock.now().date()
    page = queries.board_page(session, regions, today, calendar, soon_working_days=soon_working_days,
                              department_id=department, limit=limit, offset=offset, items_per_group=items)
    out = [schemas.BoardGroupOut(
        department_id=g.department_id, department=g.department_name, assignee_id=g.assignee_id,
        assignee=g.assignee_name, overdue=g.overdue, due_soon=g.total - g.overdue,
        max_escalation_level=g.max_escalation,
        items=[schemas.BoardItemOut(case_id=i.case_id, case_number=i.case_number,
                                    institution_name=i.institution_name,
                                    deadline=views.deadline_out(i.deadline, today, calendar))
               for i in g.items])
        for g in page.groups]
    return schemas.BoardOut(today=today, soon_working_days=soon_working_days, overdue=page.overdue,
                            due_soon=page.due_soon, groups=out, groups_total=page.groups_total, limit=limit,
                            offset=offset)


def half_month(today: date) -> tuple[date, date]:
    """The half-month of 半月通报 containing `today`: the 1st–15th or the 16th–month end."""
    if today.day <= 15:
        return today.replace(day=1), today.replace(day=15)
    return today.replace(day=16), today.replace(day=month_calendar.monthrange(today.year, today.month)[1])


FIGURES = ("patrol_person_times", "institutions_checked", "problems_found", "notices_issued", "cases_opened",
           "penalties", "fines_yuan", "overdue_steps", "overdue_cases")


@router.get("/stats", response_model=schemas.StatsOut, summary="统计（按期间和单位）",
            description="出动人次、检查机构数、发现问题数、下达整改通知书数、立案数、处罚数、罚没金额和逾期数，"
                        "按主办部门或乡镇（街道）分组。默认本半月。", responses=error_responses(401, 403, 422))
def stats(actor: StatsReader, session: SessionDep, regions: ScopeDep, clock: ClockDep,
          start: Annotated[Day | None, Query(description="起始日期（含），默认本半月第一天")] = None,
          end: Annotated[Day | None, Query(description="截止日期（含），默认本半月最后一天")] = None,
          by: Annotated[Literal["department", "region"], Query(description="department 按部门 / region 按地区")]
          = "department") -> schemas.StatsOut:
    now = clock.now()
    first, last = half_month(now.date())
    start, end = start or first, end or last
    if end < start or end - start > timedelta(days=366):
        raise ValidationFailed("统计期间无效：截止日期须不早于起始日期，且不超过一年", code="period_invalid")
    units = queries.statistics(session, regions, start=start, end=end, today=now.date(), zone=now.tzinfo,
                               by=by)
    rows = [schemas.UnitStatsOut(unit=u.unit_name, **{k: getattr(u, k) for k in ("unit_key", *FIGURES)})
            for u in units]
    total = schemas.UnitStatsOut(unit_key="total", unit="合计",
                                 **{k: sum(getattr(u, k) for u in units) for k in FIGURES})
    return schemas.StatsOut(start=start, end=end, by=by, units=rows, total=total)
