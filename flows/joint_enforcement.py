"""`joint-enforcement` (started per whistle): find the slot, form the joint team, escalate
departments that have not reported. Idempotent: a scheduled whistle keeps its slot and team.
A whistle that does not exist fails at once (the retry condition does not retry domain errors)."""

from __future__ import annotations

from prefect import flow, task

from cases.db import open_session
from cases.patrols import joint
from cases.settings import get_calendar, get_clock
from flows.logs import run_logger
from flows.patrols import pupil_calendar
from flows.runtime import publish_markdown, require_database, retry_transient, run_name


@task(retries=1, retry_delay_seconds=30, retry_condition_fn=retry_transient, timeout_seconds=600,
      persist_result=True)
def schedule(whistle_id: int) -> str:
    with open_session() as session:
        whistle = joint.schedule_whistle(session, whistle_id=whistle_id, pupils=pupil_calendar(),
                                         calendar=get_calendar(), clock=get_clock())
    return whistle.slot_date.isoformat()


@task(retries=2, retry_delay_seconds=30, retry_condition_fn=retry_transient, timeout_seconds=300)
def escalate() -> int:
    with open_session() as session:
        return joint.escalate_unanswered(session, clock=get_clock())


@flow(name="joint-enforcement", flow_run_name=run_name("联合执法 吹哨", "whistle_id"), timeout_seconds=1800,
      persist_result=True)
def joint_enforcement(whistle_id: int) -> dict:
    require_database()
    summary = {"whistle_id": whistle_id, "slot": schedule(whistle_id), "escalated": escalate()}
    publish_markdown(f"joint-enforcement-{whistle_id}", f"# 吹哨 #{whistle_id}\n\n- 联合执法日期：{summary['slot']}\n"
                     f"- 未报到督办：{summary['escalated']} 个部门", f"吹哨 #{whistle_id} 联合执法安排")
    run_logger().info("联合执法：%s", summary)
    return summary
