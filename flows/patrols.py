"""`patrol-planning` (weekly, Wednesday 09:00 Asia/Shanghai): plan the coming pupil rest days.

Which days are rest days (weekends, statutory holidays, vacations, 调休) is decided by the
project's calendar, never by the schedule. The planner is `cases.patrols.planner`; task sheets
are rendered on both cores. Re-running for the same window plans nothing twice and renders no
sheet twice.
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


def pupil_calendar():  # noqa: ANN201
    return load_pupil_calendar(get_calendar(), get_settings().region_code)


@task(retries=1, retry_delay_seconds=30)
def plan_window(start: date, days: int, seed: int | None, solver: str, time_limit: float | None) -> int | None:
    with open_session() as session:
        window = patrol_service.plan_patrols(
            session, region_code=get_settings().region_code, start=start, days=days, pupils=pupil_calendar(),
            clock=get_clock(), seed=seed, solver=solver, time_limit=time_limit)
    return window.plan_row.id if window.plan_row else None


@task(retries=2, retry_delay_seconds=30)
def render_sheets(plan_id: int) -> int:
    """Idempotent: teams that already have their sheet are skipped (a re-run after a crash)."""
    from documents.batch import render_batch

    actor = Actor(None, frozenset({Role.SUPERVISOR}), None, get_settings().region_code, "巡查计划")
    with open_session() as session:
        docs = issue_patrol_sheets(session, make_ctx(actor), plan_id=plan_id, pupils=pupil_calendar(),
                                   render_many=lambda items: render_batch(items, processes=2))
    return len(docs)


@flow(name="patrol-planning", flow_run_name="patrols from {start} for {days} days")
def patrol_planning(start: date | None = None, days: int = 14, seed: int | None = None, solver: str = "cp-sat",
                    time_limit: float | None = None) -> dict:
    first = start or get_clock().today() + timedelta(days=1)
    plan_id = plan_window(first, days, seed, solver, time_limit)
    sheets = render_sheets(plan_id) if plan_id else 0
    summary = {"start": first.isoformat(), "days": days, "plan_id": plan_id, "sheets": sheets}
    run_logger().info("巡查计划：%s", summary)
    return summary
