"""`fortnightly-report` (1st and 16th, 08:30 Asia/Shanghai): 半月通报 as PDF and CSV.

Idempotent: the period's PDF is issued once; the CSV is rewritten with the same figures. The run
publishes the figures as a table artifact and a markdown note linking the PDF (through the web
pages when `ENFORCE_PUBLIC_URL` names them, otherwise the stored file).
"""

from __future__ import annotations

import csv
import io
import os
from datetime import date

from prefect import flow, task

from cases import reports
from cases.authority import Actor
from cases.db import open_session
from cases.enums import Role
from cases.settings import get_settings
from flows.context import make_ctx
from flows.logs import run_logger
from flows.runtime import publish_markdown, publish_table, require_database, retry_transient, run_name, today


@task(retries=2, retry_delay_seconds=30, retry_condition_fn=retry_transient, timeout_seconds=900,
      persist_result=True)
def issue(start: date, end: date) -> dict:
    settings = get_settings()
    actor = Actor(None, frozenset({Role.SUPERVISOR}), None, settings.region_code, "半月通报")
    with open_session() as session:
        doc, table = reports.issue_fortnightly_report(session, make_ctx(actor), start=start, end=end)
    out = settings.resolved_home / "reports" / "fortnightly" / f"{start.isoformat()}_{end.isoformat()}.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(table, encoding="utf-8-sig")
    return {"document": doc.number, "document_id": doc.id, "pdf": doc.path, "csv": str(out), "table": table,
            "start": start.isoformat(), "end": end.isoformat()}


def _pdf_link(document_id: int, path: str) -> str:
    base = os.environ.get("ENFORCE_PUBLIC_URL", "").rstrip("/")
    if base:
        return f"{base}/documents/{document_id}.pdf"
    stored = get_settings().documents_dir / path
    return stored.as_uri() if stored.is_absolute() else str(stored)


def publish_report(result: dict) -> None:
    rows = list(csv.DictReader(io.StringIO(result["table"])))
    publish_table("fortnightly-report", rows,
                  f"半月通报 {result['document']}（{result['start']}—{result['end']}）各单位数据")
    publish_markdown("fortnightly-report-note", "\n".join([
        f"# 半月通报 {result['document']}", "",
        f"- 统计时段：{result['start']} 至 {result['end']}",
        f"- 单位数：{len(rows)}",
        f"- PDF：[{result['document']}]({_pdf_link(result['document_id'], result['pdf'])})",
        f"- 数据表（CSV）：{result['csv']}"]), f"半月通报 {result['document']}")


@flow(name="fortnightly-report", flow_run_name=run_name("半月通报", "day", default=today), timeout_seconds=1800,
      persist_result=True)
def fortnightly_report(day: date | None = None) -> dict:
    require_database()
    start, end = reports.period_for(day or today())
    result = issue(start, end)
    publish_report(result)
    summary = {k: v for k, v in result.items() if k != "table"}
    run_logger().info("半月通报：%s", summary)
    return summary
