"""`intake-batch` (on demand): import a hotline / platform export row by row.

Also the logic behind the API's complaint intake (both call `cases.service`). Writes the row
report as CSV under ENFORCE_HOME/reports/intake/ and returns its summary.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, task

from cases import service as case_service
from cases.authority import Actor
from cases.db import open_session
from cases.enums import Role
from cases.settings import get_clock, get_settings
from flows.context import make_ctx
from flows.logs import run_logger


@task(retries=1, retry_delay_seconds=10)
def import_file(path: str, region_code: str, merge_window_days: int) -> dict:
    clock = get_clock()
    actor = Actor(None, frozenset({Role.OFFICER}), None, region_code, "批量导入")
    with open_session() as session:
        report = case_service.import_complaints(session, make_ctx(actor, clock), Path(path), zone=clock.zone,
                                                merge_window_days=merge_window_days)
    out = get_settings().resolved_home / "reports" / "intake" / f"{Path(path).stem}-{clock.now():%Y%m%d%H%M%S}.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report.to_csv(), encoding="utf-8-sig")
    return {**report.summary(), "report": str(out)}


@flow(name="intake-batch", flow_run_name="intake {path}")
def intake_batch(path: str, region_code: str = "520122", merge_window_days: int = 30) -> dict:
    summary = import_file(path, region_code, merge_window_days)
    run_logger().info("批量导入：%s", summary)
    return summary
