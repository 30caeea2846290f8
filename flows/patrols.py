"""`patrol-planning` (weekly, Wednesday 09:00 Asia/Shanghai): plan the coming pupil rest days.

Which days are rest days (weekends, statutory holidays, vacations, 调休) is decided by the
project's calendar, never by the schedule. The planner is `cases.patrols.planner`; task sheets
are rendered on both cores. The flow is convergent: whatever ran before (a run killed while
rendering, a plan made from the command line), it plans the window's unplanned rest days and
then renders the sheets of every plan in the window that lacks them. Re-running plans nothing
twice and renders no sheet twice.
"""

from __future__ import annotations

from datetime import date, timedelta

from prefect import flow, task

from cases.authority import Actor
from cases.db import open_session
from cases.enums import Role
from cases.patrols import service as patrol_service
from cases.patrols.sheets import issue_patrol_sheets
from cases.pupil_calendar import load_pupil_calendar
from cases.settings import get_calendar, get_clock, get_settings
from flows.context import make_ctx
from flows.logs import run_logger
from flows.runtime import publish_markdown, publish_table, require_database, retry_transient, run_name


def pupil_calendar():  # noqa: ANN201
    return load_pupil_calendar(get_calendar(), get_settings().region_code)


def _first_day() -> date:
    return get_clock().today() + timedelta(days=1)


@task(retries=1, retry_delay_seconds=30, retry_condition_fn=retry_transient, timeout_seconds=900,
      persist_result=True)
def plan_window(start: date, days: int, seed: int | None, solver: str, time_limit: float | None) -> int | None:
    with open_session() as session:
        window = patrol_service.plan_patrols(
            session, region_code=get_settings().region_code, start=start, days=days, pupils=pupil_calendar(),
            clock=get_clock(), seed=seed, solver=solver, time_limit=time_limit)
    return window.plan_row.id if window.plan_row else None


@task(retries=1, retry_delay_seconds=10, retry_condition_fn=retry_transient, timeout_seconds=60)
def plans_lacking_sheets(start: date, days: int) -> list[int]:
    with open_session() as session:
        return patrol_service.plans_lacking_sheets(session, start, days)


@task(retries=2, retry_delay_seconds=30, retry_condition_fn=retry_transient, timeout_seconds=1800,
      persist_result=True)
def render_sheets(plan_id: int) -> int:
    """Idempotent: teams that already have their sheet are skipped (a re-run after a crash)."""
    from documents.batch import render_batch

    actor = Actor(None, frozenset({Role.SUPERVISOR}), None, get_settings().region_code, "巡查计划")
    with open_session() as session:
        docs = issue_patrol_sheets(session, make_ctx(actor), plan_id=plan_id, pupils=pupil_calendar(),
                                   render_many=lambda items: render_batch(items, processes=2))
    return len(docs)


def publish_plan(plan_id: int) -> dict:
    """Table artifact of the plan's teams and markdown of its left-out grade-A targets."""
    with open_session() as session:
        summary = patrol_service.plan_summary(session, plan_id)
    rows = [{"日期": t["day"], "乡镇": t["township"], "组员人数": t["members"], "检查家数": t["visits"],
             "任务单": "已生成" if t["sheet_document_id"] else "未生成"} for t in summary["teams"]]
    publish_table(f"patrol-plan-{plan_id}", rows,
                  f"巡查计划 #{plan_id}（{summary['start']}—{summary['end']}）：{len(rows)} 个巡查组，"
                  f"{sum(t['visits'] for t in summary['teams'])} 家次检查")
    left = summary["left_out_grade_a"]
    lines = [f"# 巡查计划 #{plan_id}", "",
             f"- 时段：{summary['start']} 至 {summary['end']}",
             f"- 求解器：{summary['solver']}（{summary['status']}，差距 {summary['gap']:.2%}）",
             f"- 双随机种子：{summary['seed']}",
             f"- 巡查组：{len(rows)}；检查：{sum(t['visits'] for t in summary['teams'])} 家次", "",
             "## 未安排的A级机构", ""]
    lines += [f"- {x['name'] or x['institution_id']}（#{x['institution_id']}）：{x['reason']}"
              for x in left] or ["- 无"]
    publish_markdown("patrol-plan-latest", "\n".join(lines), f"巡查计划 #{plan_id} 说明")
    return summary


@flow(name="patrol-planning", flow_run_name=run_name("巡查计划", "start", "days", default=_first_day),
      timeout_seconds=3600, persist_result=True)
def patrol_planning(start: date | None = None, days: int = 14, seed: int | None = None, solver: str = "cp-sat",
                    time_limit: float | None = None) -> dict:
    require_database()
    first = start or _first_day()
    plan_id = plan_window(first, days, seed, solver, time_limit)
    pending = plans_lacking_sheets(first, days)
    sheets = sum(render_sheets(pid) for pid in pending)
    for pid in sorted({*pending, *([plan_id] if plan_id else [])}):
        publish_plan(pid)
    summary = {"start": first.isoformat(), "days": days, "plan_id": plan_id, "completed_plans": pending,
               "sheets": sheets}
    run_logger().info("巡查计划：%s", summary)
    return summary
