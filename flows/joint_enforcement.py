"""`joint-enforcement` (started per whistle): find the slot, form the joint team, escalate
departments that have not reported. Idempotent: a scheduled whistle keeps its slot and team."""

from __future__ import annotations

from prefect import flow, task

from cases.db import open_session
from cases.patrols import joint
from cases.settings import get_calendar, get_clock
from flows.logs import run_logger
from flows.patrols import pupil_calendar


@task(retries=1, retry_delay_seconds=30)
def schedule(whistle_id: int) -> str:
    with open_session() as session:
        whistle = joint.schedule_whistle(session, whistle_id=whistle_id, pupils=pupil_calendar(),
                                         calendar=get_calendar(), clock=get_clock())
    return whistle.slot_date.isoformat()


@task
def escalate() -> int:
    with open_session() as session:
        return joint.escalate_unanswered(session, clock=get_clock())


@flow(name="joint-enforcement", flow_run_name="joint enforcement for whistle {whistle_id}")
def joint_enforcement(whistle_id: int) -> dict:
    summary = {"whistle_id": whistle_id, "slot": schedule(whistle_id), "escalated": escalate()}
    run_logger().info("联合执法：%s", summary)
    return summary
