"""The Prefect side of an installation, as code: the work pool and its queues, the configuration a
run gets from the pool (not from a worker's shell), the database credentials as a Secret block,
the alert channel and the automations. `enforce prefect up` (one machine) and `enforce prefect
deploy` (production, README "Production") apply these; docs/operations.md explains them.

Nothing here overwrites what an operator changed: an existing pool, queue or block is left as it
is (and reported); only the automations, which are wholly ours, are replaced by name.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

POOL = "enforce-process"
TAG = "enforce"
DATABASE_SECRET = "enforce-database-url"
ALERT_BLOCK = "enforce-alerts"
# Lower number = served first when a worker has fewer free slots than runs are waiting
QUEUES = {"sweep": (1, "期限巡检、联合执法：当日必须完成"), "reports": (2, "半月通报"),
          "batch": (3, "巡查计划、批量导入")}
HEARTBEAT_SECONDS = 30  # PREFECT_FLOWS_HEARTBEAT_FREQUENCY (Prefect's minimum)
ZOMBIE_AFTER = timedelta(seconds=90)  # three missed heartbeats


@dataclass
class Applied:
    created: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def run_environment(database_secret: bool) -> dict[str, str]:
    """The environment every flow run gets from the pool's base job template."""
    from cases.settings import get_settings

    settings = get_settings()
    home = settings.resolved_home
    env = {
        "ENFORCE_HOME": str(home),
        "ENFORCE_REGION_CODE": settings.region_code,
        "ENFORCE_TIMEZONE": settings.timezone,
        # resolved by the worker for each run from the Secret block; "" means SQLite under ENFORCE_HOME
        "ENFORCE_DATABASE_URL": f"{{{{ prefect.blocks.secret.{DATABASE_SECRET} }}}}" if database_secret else "",
        "PREFECT_FLOWS_HEARTBEAT_FREQUENCY": str(HEARTBEAT_SECONDS),
        "PREFECT_LOCAL_STORAGE_PATH": str(home / "prefect-results"),  # persisted results on shared storage
    }
    if os.environ.get("ENFORCE_PUBLIC_URL"):
        env["ENFORCE_PUBLIC_URL"] = os.environ["ENFORCE_PUBLIC_URL"]
    return env


def base_job_template(env: dict[str, str]) -> dict[str, Any]:
    from prefect.workers.process import ProcessWorker

    template = ProcessWorker.get_default_base_job_template()
    props = template["variables"]["properties"]
    props["env"]["default"] = env
    # Output goes to the API's log, not through a pipe to the worker: a run whose worker dies
    # keeps running (and finishes) instead of dying on a broken pipe.
    props["stream_output"]["default"] = False
    return template


def store_database_secret(client: Any, url: str) -> str:
    """The application database URL as the Secret block a run resolves; kept if it exists."""
    from prefect.blocks.system import Secret

    try:
        current = Secret.load(DATABASE_SECRET, client=client).get()
    except ValueError:
        current = None
    if current is None:
        Secret(value=url).save(DATABASE_SECRET)
        return "created"
    return "kept" if current == url else "differs"


def ensure_pool(client: Any, env: dict[str, str]) -> Applied:
    """Create the pool and its queues if missing; never change an existing one."""
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

    out = Applied()
    try:
        client.read_work_pool(POOL)
        out.kept.append(f"work pool {POOL}")
    except ObjectNotFound:
        client.create_work_pool(WorkPoolCreate(name=POOL, type="process", base_job_template=base_job_template(env),
                                               description="双减执法：期限巡检、巡查计划、半月通报、联合执法、批量导入"))
        out.created.append(f"work pool {POOL}")
    for name, (priority, description) in QUEUES.items():
        try:
            client.create_work_queue(name=name, description=description, priority=priority, work_pool_name=POOL)
            out.created.append(f"queue {name} (priority {priority})")
        except ObjectAlreadyExists:
            out.kept.append(f"queue {name}")
    return out


def ensure_alert_block(webhook_url: str | None) -> str | None:
    """The block the notifications go to: the bureau's webhook (ENFORCE_ALERT_WEBHOOK_URL). Returns its id."""
    from prefect.blocks.notifications import CustomWebhookNotificationBlock

    try:
        block = CustomWebhookNotificationBlock.load(ALERT_BLOCK)
    except ValueError:
        if not webhook_url:
            return None
        block = CustomWebhookNotificationBlock(
            name=ALERT_BLOCK, url=webhook_url, method="POST",
            json_data={"msgtype": "text", "title": "{{subject}}", "text": "{{subject}}\n{{body}}"})
        block.save(ALERT_BLOCK)
        block = CustomWebhookNotificationBlock.load(ALERT_BLOCK)
    return str(block._block_document_id)


ALERT_BODY = ("部署：{{ deployment.name if deployment else '（无）' }}\n"
              "运行：{{ flow_run.name }}（{{ flow_run.id }}）\n"
              "状态：{{ flow_run.state.name }}\n"
              "说明：{{ flow_run.state.message }}")


def automations(alert_block_id: str | None) -> list[Any]:
    """The automations shipped with the deployments."""
    from prefect.automations import Automation
    from prefect.client.schemas.objects import StateType
    from prefect.events.actions import ChangeFlowRunState, SendNotification
    from prefect.events.schemas.automations import EventTrigger, Posture
    from prefect.events.schemas.events import ResourceSpecification

    ours = ResourceSpecification({"prefect.resource.id": f"prefect.tag.{TAG}", "prefect.resource.role": "tag"})
    runs = ResourceSpecification({"prefect.resource.id": ["prefect.flow-run.*"]})

    def notify(subject: str) -> list[Any]:
        return [SendNotification(block_document_id=alert_block_id, subject=subject, body=ALERT_BODY)] \
            if alert_block_id else []

    items = [
        # Prefect's documented zombie detection: after each heartbeat expect another heartbeat or
        # a terminal state within 90 s, else mark the run Crashed (which frees its concurrency slot).
        Automation(
            name="enforce: crash zombie flow runs",
            description="心跳中断（主机宕机、进程被杀）超过90秒的运行标记为 Crashed，释放部署的并发名额",
            trigger=EventTrigger(
                after={"prefect.flow-run.heartbeat"},
                expect={"prefect.flow-run.heartbeat", "prefect.flow-run.Completed", "prefect.flow-run.Failed",
                        "prefect.flow-run.Cancelled", "prefect.flow-run.Crashed"},
                match=runs, match_related=ours, for_each={"prefect.resource.id"},
                posture=Posture.Proactive, threshold=1, within=ZOMBIE_AFTER),
            actions=[ChangeFlowRunState(state=StateType.CRASHED,
                                        message="心跳中断超过90秒，判定运行已崩溃（主机或进程失效）")],
        ),
    ]
    if alert_block_id:
        items += [
            Automation(
                name="enforce: notify failed or crashed runs",
                description="调度任务失败或崩溃时通知值班人员",
                trigger=EventTrigger(expect={"prefect.flow-run.Failed", "prefect.flow-run.Crashed"}, match=runs,
                                     match_related=ours, posture=Posture.Reactive, threshold=1,
                                     within=timedelta(0)),
                actions=notify("【执法调度告警】任务运行失败或崩溃"),
            ),
            Automation(
                name="enforce: notify late runs",
                description="计划运行未按时开始（没有可用的 worker）时通知值班人员",
                trigger=EventTrigger(expect={"prefect.flow-run.Late"}, match=runs, match_related=ours,
                                     posture=Posture.Reactive, threshold=1, within=timedelta(0)),
                actions=notify("【执法调度告警】任务未按时开始"),
            ),
        ]
    return items


def apply_automations(client: Any, alert_block_id: str | None) -> list[str]:
    """Replace the automations named `enforce: …` by the ones in code (idempotent)."""
    names = []
    wanted = automations(alert_block_id)
    for existing in client.read_automations():
        if existing.name.startswith("enforce: "):
            client.delete_automation(existing.id)
    for automation in wanted:
        automation.create()
        names.append(automation.name)
    return names
