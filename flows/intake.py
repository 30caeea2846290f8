"""`intake-batch` (on demand): import a hotline / platform export row by row.

The file is named by what `cases.uploads.store_intake_upload` returned — a file on the shared
ENFORCE_HOME, so any worker can run the import — or given as an `http(s)://` object address,
which is fetched and stored there first. Writes the row report as CSV under
ENFORCE_HOME/reports/intake/, publishes it as a table artifact and returns its summary.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, task

from cases import service as case_service
from cases.authority import Actor
from cases.db import open_session
from cases.enums import Role
from cases.errors import ValidationFailed
from cases.settings import get_clock, get_settings
from cases.uploads import resolve_intake_upload, store_intake_upload
from flows.context import make_ctx
from flows.logs import run_logger
from flows.runtime import publish_table, require_database, retry_transient, run_name

STATUS_LABELS = {"imported": "已立案/已受理", "merged": "并案", "duplicate": "重复（已导入）", "rejected": "退回"}


@task(retries=2, retry_delay_seconds=10, retry_condition_fn=retry_transient, timeout_seconds=300)
def fetch(upload: str) -> str:
    """The stored name of the upload; an object address is downloaded onto the shared storage first."""
    if upload.startswith(("http://", "https://")):
        import httpx

        response = httpx.get(upload, timeout=60, follow_redirects=True)
        if response.status_code in (400, 401, 403, 404, 410):
            raise ValidationFailed(f"无法取得导入文件（HTTP {response.status_code}）：{upload}", code="intake_fetch")
        response.raise_for_status()  # 5xx: worth a retry
        return store_intake_upload(response.content, upload.rsplit("/", 1)[-1].split("?", 1)[0])
    resolve_intake_upload(upload)
    return upload


@task(retries=1, retry_delay_seconds=10, retry_condition_fn=retry_transient, timeout_seconds=1800,
      persist_result=True)
def import_file(upload: str, region_code: str, merge_window_days: int) -> dict:
    path = resolve_intake_upload(upload)
    clock = get_clock()
    actor = Actor(None, frozenset({Role.OFFICER}), None, region_code, "批量导入")
    with open_session() as session:
        report = case_service.import_complaints(session, make_ctx(actor, clock), path, zone=clock.zone,
                                                merge_window_days=merge_window_days)
    name = f"{Path(upload).stem[:16]}-{clock.now():%Y%m%d%H%M%S}.csv"
    out = get_settings().resolved_home / "reports" / "intake" / name
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report.to_csv(), encoding="utf-8-sig")
    rows = [{"行号": r.row, "结果": STATUS_LABELS.get(r.status, r.status), "原因": r.reason, "案件编号": r.case_number}
            for r in report.rows]
    publish_table("intake-report", rows, "批量导入逐行结果：" + "，".join(
        f"{STATUS_LABELS[k]} {v}" for k, v in report.summary().items()))
    return {**report.summary(), "report": str(out)}


@flow(name="intake-batch", flow_run_name=run_name("批量导入", "upload"), timeout_seconds=3600, persist_result=True)
def intake_batch(upload: str, region_code: str = "520122", merge_window_days: int = 30) -> dict:
    require_database()
    summary = import_file(fetch(upload), region_code, merge_window_days)
    run_logger().info("批量导入：%s", summary)
    return summary
