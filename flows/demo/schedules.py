"""After the demo's history: what the scheduler would have done this morning — the deadline
sweep, the patrol plan for the coming rest days (with task sheets) and the last 半月通报 — and the
`officer` account's field day (today's team, a whistle waiting for 报到: `flows.demo.field`).

Calls the flows' tasks directly (`.fn`), without a Prefect server; each opens its own session.
"""

from __future__ import annotations

from datetime import timedelta

from cases import reports
from cases.db import open_session
from cases.settings import get_clock
from flows.deadlines import escalate_whistles, sweep
from flows.demo.field import field_day, waiting_whistle
from flows.patrols import plan_window, render_sheets
from flows.reports import issue


def run_schedules(days: int = 14, time_limit: float = 10.0) -> dict[str, object]:
    today = get_clock().today()
    swept = sweep.fn(None)
    escalate_whistles.fn()
    plan_id = plan_window.fn(today + timedelta(days=1), days, None, "cp-sat", time_limit)
    sheets = render_sheets.fn(plan_id) if plan_id else 0
    start, end = reports.period_for(today)
    report = issue.fn(start, end)
    with open_session() as session:
        field = {**field_day(session), **waiting_whistle(session)}
    return {"sweep": swept, "plan_id": plan_id, "sheets": sheets, "report": report, "field": field}
