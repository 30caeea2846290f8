"""`enforce patrol plan`, `enforce patrol sheets PLAN_ID` and `enforce patrol verify-draw PLAN_ID`."""

from __future__ import annotations

import json
from datetime import date

import typer

patrol_app = typer.Typer(no_args_is_help=True, help="双休日、节假日巡查计划")


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"日期格式应为 YYYY-MM-DD：{value}") from None


@patrol_app.command("plan")
def plan_cmd(
    start: str = typer.Option(..., "--start", help="起始日期 YYYY-MM-DD"),
    days: int = typer.Option(14, "--days", min=1, max=92, help="天数"),
    seed: int | None = typer.Option(None, "--seed", help="双随机抽取种子（默认：起始日期）"),
    as_json: bool = typer.Option(False, "--json", help="以 JSON 输出计划"),
    solver: str = typer.Option("cp-sat", "--solver", help="cp-sat 或 greedy"),
    time_limit: float | None = typer.Option(None, "--time-limit", help="求解时限（秒）"),
) -> None:
    """为起始日期起 N 天内的学生休息日编制巡查计划（已编制的日期不重复编制），并补齐时段内所有计划缺少的任务单。"""
    from cases.db import open_session
    from cases.errors import DomainError
    from cases.patrols import service as patrol_service
    from cases.settings import get_clock, get_settings
    from flows.patrols import pupil_calendar, render_sheets

    first = _date(start)
    try:
        with open_session() as session:
            window = patrol_service.plan_patrols(
                session, region_code=get_settings().region_code, start=first, days=days, pupils=pupil_calendar(),
                clock=get_clock(), seed=seed, solver=solver, time_limit=time_limit)
            stored = window.plan_row or patrol_service.plan_covering(session, first, days)
    except DomainError as exc:
        typer.echo(exc.message, err=True)
        raise typer.Exit(2) from exc
    if stored is None:
        typer.echo("该时段内没有学生休息日，无需巡查计划")
        return
    with open_session() as session:
        pending = patrol_service.plans_lacking_sheets(session, first, days)
    sheets = sum(render_sheets.fn(pid) for pid in pending)
    if as_json:
        typer.echo(json.dumps({"plan_id": stored.id, **stored.plan_json}, ensure_ascii=False))
        return
    _print(stored, sheets)


def _print(stored, sheets: int) -> None:  # noqa: ANN001
    data = stored.plan_json
    teams = sum(len(d["teams"]) for d in data["days"])
    visits = sum(len(t["targets"]) for d in data["days"] for t in d["teams"])
    typer.echo(f"巡查计划 #{stored.id}：{len(data['days'])} 个休息日，{teams} 个巡查组，{visits} 家次检查；"
               f"求解器 {data['solver']}，目标值 {data['objective']}，上界 {data['bound']}，差距 {data['gap']:.2%}；"
               f"双随机种子 {data['seed']}，抽取 {len(data['draw']['institution_ids'])} 家；新生成任务单 {sheets} 份")
    for item in data["left_out"]:
        if item["risk_grade"] == "A":
            typer.echo(f"  未安排的A级机构 {item['institution_id']}：{item['reason']}")


@patrol_app.command("sheets")
def sheets_cmd(plan_id: int = typer.Argument(..., help="巡查计划编号")) -> None:
    """生成巡查计划中尚无任务单的巡查组的任务单（已有的不重复生成），例如渲染中途被中断之后。"""
    from cases.db import open_session
    from cases.errors import DomainError
    from cases.patrols import service as patrol_service
    from flows.patrols import render_sheets
    from flows.runtime import DatabaseNotReady, require_database

    try:
        require_database()
        issued = render_sheets.fn(plan_id)
        with open_session() as session:
            summary = patrol_service.plan_summary(session, plan_id)
    except DomainError as exc:
        typer.echo(exc.message, err=True)
        raise typer.Exit(2) from exc
    except DatabaseNotReady as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(3) from exc
    teams = summary["teams"]
    typer.echo(f"巡查计划 #{plan_id}：新生成任务单 {issued} 份；{len(teams)} 个巡查组均已有任务单"
               if all(t["sheet_document_id"] for t in teams) else
               f"巡查计划 #{plan_id}：新生成任务单 {issued} 份；仍有巡查组缺少任务单")


@patrol_app.command("verify-draw")
def verify_draw(plan_id: int = typer.Argument(..., help="巡查计划编号")) -> None:
    """用计划记录的种子和抽取池重放双随机抽取，核对抽中的机构。"""
    from cases.db import open_session
    from cases.errors import NotFound
    from cases.patrols import service as patrol_service

    try:
        with open_session() as session:
            ok, recorded, replayed = patrol_service.verify_draw(session, plan_id)
    except NotFound as exc:
        typer.echo(exc.message, err=True)
        raise typer.Exit(2) from exc
    if not ok:
        typer.echo(f"抽取结果不一致：记录 {recorded}，重放 {replayed}", err=True)
        raise typer.Exit(1)
    typer.echo(f"抽取可复现：{len(recorded)} 家机构，种子一致")


def register(app: typer.Typer) -> None:
    app.add_typer(patrol_app, name="patrol")
