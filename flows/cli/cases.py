"""`enforce db …` (upgrade, figures), `enforce demo`, `enforce audit verify`, `enforce stats`."""

from __future__ import annotations

import json
import shutil

import typer

db_app = typer.Typer(no_args_is_help=True, help="数据库")
audit_app = typer.Typer(no_args_is_help=True, help="审计（事件链校验）")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """把数据库结构升级到最新版本（Alembic）。"""
    from cases.db import migrate

    migrate()
    typer.echo("数据库已是最新结构")


@db_app.command("figures")
def db_figures() -> None:
    """重算按月统计汇总：已结束、尚未汇总或汇总后有变动的月份（期限巡检每天也会做）。"""
    from cases import figures
    from cases.db import open_session
    from cases.settings import get_clock

    now = get_clock().now()
    done = figures.refresh(open_session, zone=figures.bureau_zone(), today=now.date(), now=now)
    months = "、".join(m.strftime("%Y年%m月") for m in done.months) or "无"
    typer.echo(f"按月统计已重算 {len(done.months)} 个月：{months}")


def demo(
    reset: bool = typer.Option(False, "--reset", help="先删除 ENFORCE_HOME 下的数据库和文书再生成"),
    institutions: int = typer.Option(320, min=30, help="机构数"),
    complaints: int = typer.Option(230, min=20, help="举报线索数"),
) -> None:
    """生成演示县（部门、执法人员、机构、举报线索），并把案件走完各条办案路径。"""
    from cases.settings import get_settings

    settings = get_settings()
    if reset:
        for path in (settings.resolved_home / "enforce.db", settings.documents_dir):
            if path.is_dir():
                shutil.rmtree(path)
            else:
                for suffix in ("", "-wal", "-shm"):
                    path.with_name(path.name + suffix).unlink(missing_ok=True)
    from cases.db import migrate, open_session
    from flows.demo import DemoScale, demo_dossier, run_demo, summary

    migrate()
    scale = DemoScale(institutions, complaints)
    with open_session() as session:
        password, fresh = run_demo(session, scale=scale)
    scheduled = None
    if fresh:  # this morning's scheduled work: sweep, patrol plan with task sheets, 半月通报
        from flows.demo.schedules import run_schedules

        scheduled = run_schedules(time_limit=scale.plan_time_limit)
    with open_session() as session:
        info = summary(session)
        bound = demo_dossier(session) if fresh else None
    _print_summary(info, password, fresh)
    if bound:
        typer.echo(f"  案卷：处罚案件 {bound['case_number']} 已组卷（{bound['items']} 份文书），{bound['path']}；"
                   f"网页案件详情“组卷”或 enforce documents dossier 案件编号 --out 文件")
    if scheduled:
        typer.echo(f"  巡查计划：#{scheduled['plan_id']}（未来14天的学生休息日），任务单 {scheduled['sheets']} 份；"
                   f"查看：enforce patrol plan --start … 或网页“巡查日历”")
        typer.echo(f"  半月通报：{scheduled['report']['document']}，数据 {scheduled['report']['csv']}")
        field = scheduled.get("field")
        if isinstance(field, dict) and field.get("team"):
            typer.echo(f"  officer 账号：今日巡查组 {field.get('targets', '')} 家（网页“巡查日历 → 我的小组今日”）"
                       + (f"；案件 {field['case']} 的第{field['whistle']}号吹哨待各部门报到" if field.get("whistle")
                          else ""))
    typer.echo("  启动网页与接口：enforce serve  →  http://127.0.0.1:8000/")


def _print_summary(info: dict, password: str, fresh: bool) -> None:
    from cases.enums import CaseStatus, DocumentType

    typer.echo("演示县：贵州省贵阳市息烽县" + ("（本次新生成）" if fresh else "（已存在）"))
    typer.echo(f"  部门 {info['departments']} 个，执法人员 {info['officers']} 名，"
               f"校外培训机构 {info['institutions']} 家")
    states = info["cases_by_state"]
    typer.echo("  案件：" + "，".join(f"{s.label} {states.get(str(s), 0)}" for s in CaseStatus))
    docs = info["documents_by_type"]
    typer.echo("  文书：" + "，".join(f"{t.label} {docs[str(t)]}" for t in DocumentType if str(t) in docs))
    typer.echo(f"  逾期未办环节：{info['overdue_steps']} 个")
    typer.echo(f"  文书PDF目录：{info['documents_dir']}")
    typer.echo("  演示账号：admin（管理员）、supervisor（科长）、officer（执法人员）、legal（法制审核），"
               f"密码：{password}")
    typer.echo("  导出文书：enforce documents export --out ./out    校验事件链：enforce audit verify")


@audit_app.command("verify")
def audit_verify() -> None:
    """校验每个案件的事件哈希链；发现篡改时以非零状态退出并指出第一条异常事件。"""
    from cases.audit import verify_log
    from cases.db import open_session

    with open_session() as session:
        result = verify_log(session)
    if result.broken is not None:
        broken = result.broken
        typer.echo(f"事件链被破坏：案件 {broken.case_id} 的第 {broken.seq} 条事件（id={broken.id}，"
                   f"{broken.event_type}）校验失败", err=True)
        raise typer.Exit(1)
    typer.echo(f"事件链完整：共校验 {result.cases} 个案件、{result.events} 条事件")


def stats(as_json: bool = typer.Option(False, "--json", help="以 JSON 输出"),
          since: str = typer.Option("", "--since", help="风险分级对照的起始日期（默认本年1月1日）")) -> None:
    """案件统计：各状态数量、逾期数量和合计；风险分级与双随机对照组的违规发现率（95% 置信区间）。"""
    from datetime import UTC, date

    from cases import queries, repository
    from cases.db import open_session
    from cases.patrols.control_group import GROUP_LABELS, GROUPS, VisitOutcome, control_rows, percent
    from cases.settings import get_clock

    clock = get_clock()
    now = clock.now()
    today = now.date()
    try:
        start = date.fromisoformat(since) if since else date(today.year, 1, 1)
    except ValueError:
        typer.echo(f"起始日期“{since}”无效，请按 年-月-日 填写，如 2026-01-01", err=True)
        raise typer.Exit(2) from None
    with open_session() as session:
        by_state = repository.count_by_status(session)
        steps, cases, by_step = repository.overdue_summary(session, today)
        regions = list(repository.region_parents(session))  # the CLI runs for the whole installation
        visits = queries.patrol_visit_outcomes(session, regions, start=start, end=today, today=today,
                                               zone=now.tzinfo or UTC)
    rows = control_rows(VisitOutcome(v.district, v.grade, v.reason, v.found) for v in visits)
    control = [{"district": r.district, "grade": r.grade, "verdict": r.verdict,
                **{g: {"visits": r.shares[g].visits, "found": r.shares[g].found, "share": r.shares[g].share,
                       "ci95": [round(r.shares[g].low, 4), round(r.shares[g].high, 4)]} for g in GROUPS}}
               for r in rows]
    result = {"date": today.isoformat(), "by_state": by_state, "total": sum(by_state.values()),
              "open": sum(n for s, n in by_state.items() if s != "closed"),
              "overdue_steps": steps, "overdue_cases": cases, "overdue_by_step": by_step,
              "risk_control": {"since": start.isoformat(), "rows": control}}
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, sort_keys=True))
        return
    for key, value in result.items():
        if key != "risk_control":
            typer.echo(f"{key}: {value}")
    typer.echo(f"风险分级对照（{start.isoformat()} 至 {today.isoformat()} 已完成的巡查；"
               "发现违规比例，括号内为95%置信区间）：")
    if not rows:
        typer.echo("  尚无已完成的巡查")
    for r in rows:
        cells = "；".join(f"{GROUP_LABELS[g]} {percent(r.shares[g].share)}（{percent(r.shares[g].low)}～"
                         f"{percent(r.shares[g].high)}，{r.shares[g].found}/{r.shares[g].visits}）" for g in GROUPS)
        typer.echo(f"  {r.district} {r.grade}{'级' if r.grade != '全部' else ''}：{cells} → {r.verdict}")


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
    app.add_typer(audit_app, name="audit")
    app.command("demo")(demo)
    app.command("stats")(stats)
