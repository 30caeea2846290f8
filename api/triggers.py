"""Start the scheduled work from the pages and the API: a deployment by name through the Prefect
client when `PREFECT_API_URL` is configured (the run goes to the work pool's workers), otherwise
the same `cases` use case in this process. Never imports `flows` (the API stays deployable
without the flow code): both paths call the functions the flows call.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from cases.service import Ctx

INTAKE_DEPLOYMENT = "intake-batch/intake-batch"
WHISTLE_DEPLOYMENT = "joint-enforcement/joint-enforcement"


@dataclass(frozen=True)
class Started:
    mode: str  # "prefect": a flow run was created; "in_process": the work was done here
    flow_run_id: str | None = None
    flow_run_name: str | None = None
    result: dict[str, Any] = field(default_factory=dict)


def prefect_configured() -> bool:
    return bool(os.environ.get("PREFECT_API_URL"))


def run_deployment_by_name(name: str, parameters: dict[str, Any]) -> Started:
    """Create a flow run of the deployment and return at once (the worker runs it)."""
    from prefect.deployments import run_deployment

    run = run_deployment(name=name, parameters=parameters, timeout=0)
    return Started("prefect", str(run.id), run.name)


def start_intake(session: Session, ctx: Ctx, upload: str, *, region_code: str, merge_window_days: int = 30) -> Started:
    """`intake-batch` for a file stored by `cases.uploads.store_intake_upload`."""
    if prefect_configured():
        return run_deployment_by_name(INTAKE_DEPLOYMENT, {"upload": upload, "region_code": region_code,
                                                          "merge_window_days": merge_window_days})
    from zoneinfo import ZoneInfo

    from cases import service as case_service
    from cases.settings import get_settings
    from cases.uploads import resolve_intake_upload

    zone = ZoneInfo(get_settings().timezone)
    report = case_service.import_complaints(session, ctx, resolve_intake_upload(upload), zone=zone,
                                            merge_window_days=merge_window_days)
    return Started("in_process", result=report.summary())


def start_whistle(session: Session, ctx: Ctx, whistle_id: int, *, pupils: Any) -> Started:
    """`joint-enforcement` for a whistle (吹哨): slot, team and escalation of unanswered departments."""
    if prefect_configured():
        return run_deployment_by_name(WHISTLE_DEPLOYMENT, {"whistle_id": whistle_id})
    from cases.patrols import joint

    whistle = joint.schedule_whistle(session, whistle_id=whistle_id, pupils=pupils, calendar=ctx.calendar,
                                     clock=ctx.clock)
    escalated = joint.escalate_unanswered(session, clock=ctx.clock)
    return Started("in_process", result={"whistle_id": whistle_id, "slot": whistle.slot_date.isoformat(),
                                         "escalated": escalated})
