"""`fortnightly-report` (1st and 16th, 08:30 Asia/Shanghai): 半月通报 as PDF and CSV.

Idempotent: the period's PDF is issued once; the CSV is rewritten with the same figures.
"""

from __future__ import annotations

from datetime import date

from prefect import flow, task

from cases import reports
from cases.authority import Actor
from cases.db import open_session
from cases.enums import Role
from cases.settings import get_clock, get_settings
from flows.context import make_ctx
from flows.logs import run_logger


@task(retries=2, retry_delay_seconds=30)
def issue(start: date, end: date) -> dict:
    settings = get_settings()
    actor = Actor(None, frozenset({Role.SUPERVISOR}), None, settings.region_code, "半月通报")
    with open_session() as session:
        doc, table = reports.issue_fortnightly_report(session, make_ctx(actor), start=start, end=end)
    out = settings.resolved_home / "reports" / "fortnightly" / f"{start.isoformat()}_{end.isoformat()}.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(table, encoding="utf-8-sig")
    return {"document": doc.number, "pdf": doc.path, "csv": str(out)}


@flow(name="fortnightly-report", flow_run_name="fortnightly report {day}")
def fortnightly_report(day: date | None = None) -> dict:
    start, end = reports.period_for(day or get_clock().today())
    summary = issue(start, end)
    run_logger().info("半月通报：%s", summary)
    return summary
