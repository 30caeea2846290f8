"""`deadline-sweep` (daily 08:00 Asia/Shanghai): due states, reminders and 督办 escalation.

The flow only orchestrates; the rules are `cases.service.sweep_deadlines`. Re-running it on the
same day changes nothing.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, time

from prefect import flow, task

from cases import service as case_service
from cases.db import open_session
from cases.settings import FixedClock, get_calendar, get_clock
from flows.logs import run_logger


@task(retries=2, retry_delay_seconds=30)
def sweep(day: date | None) -> dict:
    clock = get_clock()
    if day is not None:  # a re-run for a given day sees that day at 08:00
        clock = FixedClock(datetime.combine(day, time(8), clock.zone))
    with open_session() as session:
        result = case_service.sweep_deadlines(session, calendar=get_calendar(), clock=clock)
    return {**asdict(result), "day": result.day.isoformat()}


@task
def escalate_whistles() -> int:
    """Departments that have not reported (报到) to a whistle by its deadline are escalated."""
    from cases.patrols import joint

    with open_session() as session:
        return joint.escalate_unanswered(session, clock=get_clock())


@flow(name="deadline-sweep", flow_run_name="deadline sweep {day}")
def deadline_sweep(day: date | None = None) -> dict:
    summary = {**sweep(day), "whistles_escalated": escalate_whistles()}
    run_logger().info("期限巡检：%s", summary)
    return summary
