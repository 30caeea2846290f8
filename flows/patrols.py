"""`patrol-planning` (weekly, Wednesday 09:00 Asia/Shanghai): plan the coming pupil rest days.

Which days are rest days (weekends, statutory holidays, vacations, 调休) is decided by the
project's calendar, never by the schedule. The planner is `cases.patrols.planner`; task sheets
are rendered on both cores. The flow is convergent: whatever ran before (a run killed while
rendering, a plan made from the command line), it plans the window's unplanned rest days and
then renders the sheets of every plan in the window that lacks them. Re-running plans nothing
twice and renders no sheet twice.

A city or province region fans out to one plan per county (officers serve their own county, so
the counties are independent parts; docs/scale.md): `fan_out="processes"` maps one
`plan_window` task per county on a pool of processes on this machine (the `patrol-counties`
subflow), `"deployments"` starts one `patrol-county` flow run per county through its deployment,
so every worker of the pool takes counties (docs/operations.md), `"serial"` plans them one after
the other here. Each county is planned with `county_workers` solver threads (default one: the
counties already keep the cores busy), so the three ways give the same plans.
"""

from __future__ import annotations

import re
import time
from datetime import date, timedelta
from typing import cast

from prefect import flow, task, unmapped
from prefect.task_runners import ProcessPoolTaskRunner

from cases.authority import Actor
from cases.db import open_session
from cases.enums import Role
from cases.errors import RuleViolation, ValidationFailed
from cases.patrols import service as patrol_service
from cases.patrols.sheets import issue_patrol_sheets
from cases.pupil_calendar import load_pupil_calendar
from cases.settings import get_calendar, get_clock, get_settings
from flows.context import make_ctx
from flows.logs import run_logger
from flows.runtime import publish_markdown, publish_table, require_database, retry_transient, run_name


def pupil_calendar():  # noqa: ANN201
    return load_pupil_calendar(get_calendar(), get_settings().region_code)


def _first_day() -> date:
    return get_clock().today() + timedelta(days=1)


@task(retries=1, retry_delay_seconds=30, retry_condition_fn=retry_transient, timeout_seconds=900,
      persist_result=True)
def plan_window(start: date, days: int, seed: int | None, solver: str, time_limit: float | None,
                region_code: str | None = None, num_workers: int | None = None) -> int | None:
    with open_session() as session:
        window = patrol_service.plan_patrols(
            session, region_code=region_code or get_settings().region_code, start=start, days=days,
            pupils=pupil_calendar(), clock=get_clock(), seed=seed, solver=solver, time_limit=time_limit,
            num_workers=num_workers)
    return window.plan_row.id if window.plan_row else None


FAN_OUT = ("processes", "deployments", "serial")
COUNTY_DEPLOYMENT = "patrol-county/patrol-county"
COUNTY_RUN_TIMEOUT_S = 3600.0


@task(retries=1, retry_delay_seconds=10, retry_condition_fn=retry_transient, timeout_seconds=60)
def counties_to_plan(region_code: str) -> list[str]:
    with open_session() as session:
        return patrol_service.counties_to_plan(session, region_code)


@flow(name="patrol-counties", flow_run_name=run_name("分县巡查计划", "start", "days"),
      task_runner=ProcessPoolTaskRunner(), timeout_seconds=3600)  # type: ignore[arg-type]
def plan_counties(counties: list[str], start: date, days: int, seed: int | None, solver: str,
                  time_limit: float | None, county_workers: int | None) -> dict[str, int | None]:
    """One `plan_window` task per county, mapped on a pool of processes (one per core)."""
    futures = plan_window.map(unmapped(start), unmapped(days), unmapped(seed), unmapped(solver),
                              unmapped(time_limit), region_code=counties, num_workers=unmapped(county_workers))
    return dict(zip(counties, futures.result(), strict=True))


@task(retries=1, retry_delay_seconds=10, retry_condition_fn=retry_transient, timeout_seconds=60)
def counties_with_days_to_plan(counties: list[str], start: date, days: int) -> list[str]:
    with open_session() as session:
        return patrol_service.counties_with_days_to_plan(session, counties, pupil_calendar(), start, days)


STATE_NAMES = {"COMPLETED": "已完成", "FAILED": "失败", "CRASHED": "崩溃", "CANCELLED": "已取消"}


def county_run_reason(state_type: str | None, message: str | None) -> str:
    """Why a county run did not complete, in Chinese: the domain error's message when there is one
    ("…: ValidationFailed: [code] 消息"), else what its final state says."""
    message = message or ""
    if found := re.search(r"\[[a-z0-9_]+\] (.+)", message):
        return found.group(1).strip()
    if re.search(r"[\u4e00-\u9fff]", message):  # another Chinese message (a database that is not ready)
        return message.rsplit(": ", 1)[-1].strip()
    return {"FAILED": "运行失败，详见该运行的日志", "CRASHED": "运行崩溃（进程或主机失效），详见该运行的日志",
            "CANCELLED": "运行被取消"}.get(state_type or "", f"{COUNTY_RUN_TIMEOUT_S / 3600:.0f} 小时内未完成")


def _plan_by_deployment(counties: list[str], start: date, days: int, seed: int | None, solver: str,
                        time_limit: float | None, county_workers: int | None) -> tuple[dict[str, int | None], str]:
    """One `patrol-county` flow run per county that still has days to plan, started through its
    deployment so that any worker of the work pool takes it; waits for all of them, publishes a
    table of the county runs and reads the plans from the database. Returns the plans and, when a
    county run did not complete, the Chinese summary naming those counties (the parent fails with it
    after rendering and publishing what the other counties planned)."""
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from prefect.client.schemas.objects import FlowRun, State
    from prefect.deployments import run_deployment

    runs: dict[str, FlowRun] = {}
    for county in counties_with_days_to_plan(counties, start, days):
        runs[county] = cast(FlowRun, run_deployment(  # a sync flow gets the sync variant's FlowRun
            COUNTY_DEPLOYMENT, timeout=0, as_subflow=True, parameters={
                "county": county, "start": start.isoformat(), "days": days, "seed": seed, "solver": solver,
                "time_limit": time_limit, "num_workers": county_workers}))
    deadline = time.monotonic() + COUNTY_RUN_TIMEOUT_S
    states: dict[str, State] = {}
    by_id = {run.id: county for county, run in runs.items()}
    with get_client(sync_client=True) as client:
        while len(states) < len(runs) and time.monotonic() < deadline:
            waiting = [runs[c].id for c in runs if c not in states]
            for run in client.read_flow_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=waiting))):
                if run.state is not None and run.state.is_final():
                    states[by_id[run.id]] = run.state
            if len(states) < len(runs):
                time.sleep(2)
    with open_session() as session:
        plans = patrol_service.plans_of_window(session, counties, start, days)
        names = patrol_service.region_names(session, counties)
        sheets = {c: patrol_service.sheets_of_plan(session, pid) for c, pid in plans.items()}
    failed = {c: county_run_reason(states[c].type.value if c in states else None,
                                   states[c].message if c in states else None)
              for c in runs if c not in states or not states[c].is_completed()}
    rows = []
    for county in counties:
        state = states.get(county)
        teams, issued = sheets.get(county, (0, 0))
        rows.append({
            "区县": names[county], "代码": county,
            "运行": runs[county].name if county in runs else "（无需运行：已编制）",
            "状态": STATE_NAMES.get(state.type.value, state.name) if state else ("未完成" if county in runs else "—"),
            "计划": f"#{plans[county]}" if county in plans else "无", "巡查组": teams, "已生成任务单": issued,
            "说明": failed.get(county, "")})
    publish_table("patrol-counties", rows,
                  f"分县巡查计划 {start.isoformat()} 起 {days} 天：{len(counties)} 个区县，"
                  f"启动 {len(runs)} 个县区运行，{len(runs) - len(failed)} 个完成，{len(failed)} 个未完成")
    summary = ""
    if failed:
        summary = f"{len(failed)} 个区县的巡查计划未完成：" + "；".join(
            f"{names[c]}（{c}）：{reason}" for c, reason in sorted(failed.items()))
    return {county: plans.get(county) for county in counties}, summary


@flow(name="patrol-county", flow_run_name=run_name("县区巡查计划", "county", "start"), timeout_seconds=3600,
      persist_result=True)
def patrol_county(county: str, start: date, days: int = 14, seed: int | None = None, solver: str = "cp-sat",
                  time_limit: float | None = None, num_workers: int | None = None) -> dict[str, object]:
    """One county's share of a city or province plan (started by `patrol-planning` with
    `fan_out="deployments"`): its plan, then its task sheets, on whichever worker took the run."""
    require_database()
    plan_id = plan_window(start, days, seed, solver, time_limit, county, num_workers)
    sheets = render_sheets(plan_id) if plan_id else 0
    return {"county": county, "plan_id": plan_id, "sheets": sheets}


@task(retries=1, retry_delay_seconds=10, retry_condition_fn=retry_transient, timeout_seconds=60)
def plans_lacking_sheets(start: date, days: int) -> list[int]:
    with open_session() as session:
        return patrol_service.plans_lacking_sheets(session, start, days)


@task(retries=2, retry_delay_seconds=30, retry_condition_fn=retry_transient, timeout_seconds=1800,
      persist_result=True)
def render_sheets(plan_id: int) -> int:
    """Idempotent: teams that already have their sheet are skipped (a re-run after a crash)."""
    from documents.batch import render_batch

    actor = Actor(None, frozenset({Role.SUPERVISOR}), None, get_settings().region_code, "巡查计划")
    with open_session() as session:
        docs = issue_patrol_sheets(session, make_ctx(actor), plan_id=plan_id, pupils=pupil_calendar(),
                                   render_many=lambda items: render_batch(items, processes=2))
    return len(docs)


def publish_plan(plan_id: int) -> dict:
    """Table artifact of the plan's teams and markdown of its left-out grade-A targets."""
    with open_session() as session:
        summary = patrol_service.plan_summary(session, plan_id)
    rows = [{"日期": t["day"], "乡镇": t["township"], "组员人数": t["members"], "检查家数": t["visits"],
             "任务单": "已生成" if t["sheet_document_id"] else "未生成"} for t in summary["teams"]]
    publish_table(f"patrol-plan-{plan_id}", rows,
                  f"巡查计划 #{plan_id}（{summary['start']}—{summary['end']}）：{len(rows)} 个巡查组，"
                  f"{sum(t['visits'] for t in summary['teams'])} 家次检查")
    left = summary["left_out_grade_a"]
    lines = [f"# 巡查计划 #{plan_id}", "",
             f"- 时段：{summary['start']} 至 {summary['end']}",
             f"- 求解器：{summary['solver']}（{summary['status']}，差距 {summary['gap']:.2%}）",
             f"- 双随机种子：{summary['seed']}",
             f"- 巡查组：{len(rows)}；检查：{sum(t['visits'] for t in summary['teams'])} 家次", "",
             "## 未安排的A级机构", ""]
    lines += [f"- {x['name'] or x['institution_id']}（#{x['institution_id']}）：{x['reason']}"
              for x in left] or ["- 无"]
    publish_markdown("patrol-plan-latest", "\n".join(lines), f"巡查计划 #{plan_id} 说明")
    return summary


@flow(name="patrol-planning", flow_run_name=run_name("巡查计划", "start", "days", default=_first_day),
      timeout_seconds=3600, persist_result=True)
def patrol_planning(start: date | None = None, days: int = 14, seed: int | None = None, solver: str = "cp-sat",
                    time_limit: float | None = None, region_code: str | None = None, fan_out: str = "processes",
                    county_workers: int | None = 1) -> dict:
    require_database()
    if fan_out not in FAN_OUT:
        raise ValidationFailed(f"未知的分县方式：{fan_out}（可选 processes、deployments、serial）",
                               code="patrol_fan_out")
    first = start or _first_day()
    region = region_code or get_settings().region_code
    counties = counties_to_plan(region)
    not_completed = ""  # the deployments way: the counties whose run did not complete, and why
    if counties == [region]:  # a county: one plan, the solver uses patrol.toml's threads
        plans = {region: plan_window(first, days, seed, solver, time_limit, region)}
    elif fan_out == "processes":
        plans = plan_counties(counties, first, days, seed, solver, time_limit, county_workers)
    elif fan_out == "deployments":
        plans, not_completed = _plan_by_deployment(counties, first, days, seed, solver, time_limit, county_workers)
    else:
        plans = {c: plan_window(first, days, seed, solver, time_limit, c, county_workers) for c in counties}
    pending = plans_lacking_sheets(first, days)
    sheets = sum(render_sheets(pid) for pid in pending)
    made = sorted(pid for pid in plans.values() if pid)
    for pid in sorted({*pending, *made}):
        publish_plan(pid)
    summary = {"start": first.isoformat(), "days": days, "region_code": region,
               "plan_id": plans.get(region) if counties == [region] else None, "plans": plans,
               "completed_plans": pending, "sheets": sheets}
    run_logger().info("巡查计划：%s", summary)
    if not_completed:  # the other counties' plans are stored, rendered and published: a re-run plans the rest
        raise RuleViolation(not_completed, code="patrol_county_failed")
    return summary
