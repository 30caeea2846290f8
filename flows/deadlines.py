"""`deadline-sweep` (daily 08:00 Asia/Shanghai): due states, reminders and 督办 escalation, then
the statistics of the months that ended or changed (`cases.figures`).

The flow only orchestrates; the rules are `cases.service.sweep_deadlines`. Re-running it on the
same day changes nothing.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, time

from prefect import flow, task

from cases import service as case_service
from cases.db import open_session
from cases.enums import DueState
from cases.settings import FixedClock, get_calendar, get_clock
from flows.logs import run_logger
from flows.runtime import publish_table, require_database, retry_transient, run_name, today


def _label(value: str) -> str:
    try:
        return DueState(value).label
    except ValueError:
        return value


@task(retries=2, retry_delay_seconds=30, retry_condition_fn=retry_transient, timeout_seconds=900,
      persist_result=True)
def sweep(day: date | None) -> dict:
    clock = get_clock()
    if day is not None:  # a re-run for a given day sees that day at 08:00
        clock = FixedClock(datetime.combine(day, time(8), clock.zone))
    with open_session() as session:
        result = case_service.sweep_deadlines(session, calendar=get_calendar(), clock=clock)
    return {**asdict(result), "day": result.day.isoformat()}


@task(retries=2, retry_delay_seconds=30, retry_condition_fn=retry_transient, timeout_seconds=300)
def escalate_whistles() -> int:
    """Departments that have not reported (报到) to a whistle by its deadline are escalated."""
    from cases.patrols import joint

    with open_session() as session:
        return joint.escalate_unanswered(session, clock=get_clock())


@task(retries=1, retry_delay_seconds=60, retry_condition_fn=retry_transient, timeout_seconds=600)
def deliver_messages() -> dict[str, int]:
    """The reminders and 督办 the sweep queued, sent to each department's channels (cases.messages)."""
    from cases import messages
    from cases.channels import senders

    clock = get_clock()
    with open_session() as session:
        run = messages.deliver_pending(session, senders(), now=clock.now, limit=5_000)
    return asdict(run)


@task(retries=1, retry_delay_seconds=60, retry_condition_fn=retry_transient, timeout_seconds=900)
def refresh_figures() -> int:
    """The statistics of every complete month not yet summed, or changed since (cases.figures)."""
    from cases import figures

    now = get_clock().now()
    return len(figures.refresh(open_session, zone=figures.bureau_zone(), today=now.date(), now=now).months)


@flow(name="deadline-sweep", flow_run_name=run_name("期限巡检", "day", default=today), timeout_seconds=1800,
      persist_result=True)
def deadline_sweep(day: date | None = None) -> dict:
    require_database()
    summary = {**sweep(day), "whistles_escalated": escalate_whistles()}
    summary["messages"] = deliver_messages()
    summary["figure_months"] = refresh_figures()
    rows = [{"项目": "检查的期限", "数量": summary["checked"]}, {"项目": "状态变化", "数量": summary["states_changed"]},
            {"项目": "到期提醒", "数量": summary["reminders"]}, {"项目": "逐级督办", "数量": summary["escalations"]},
            {"项目": "吹哨未报到督办", "数量": summary["whistles_escalated"]},
            {"项目": "消息已送达", "数量": summary["messages"]["sent"]},
            {"项目": "消息发送失败", "数量": summary["messages"]["failed"]},
            {"项目": "按月统计重算（月）", "数量": summary["figure_months"]}]
    rows += [{"项目": f"状态：{_label(k)}", "数量": v} for k, v in sorted(summary["by_state"].items())]
    publish_table("deadline-sweep", rows, f"{summary['day']} 期限巡检汇总")
    run_logger().info("期限巡检：%s", summary)
    return summary
