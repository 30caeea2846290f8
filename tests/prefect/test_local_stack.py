"""`enforce prefect up` for real: a local Prefect server, the five deployments, the automations and
a worker, against a seeded SQLite county. One `up` for the whole module; `down` in teardown.

* every deployment runs (or fails fast where it must) and leaves its artifacts;
* a patrol-planning run killed mid-render (the flow process and its render pool, SIGKILL) is
  reported Crashed, the crash alert reaches the webhook, and the next run renders the sheets;
* `up` refuses a second start, a busy port and a foreign PREFECT_API_URL; a redeploy keeps the pool;
* a city plan with `fan_out="deployments"` runs one `patrol-county` run per county on the worker and fails
  naming the county whose run failed.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.prefect.conftest import BIN, ROOT, Api, Webhook, base_env, free_port, kill_tree, seed_county, wait_for

pytestmark = [pytest.mark.prefect, pytest.mark.timeout(600)]


@dataclass
class Stack:
    api: Api
    home: Path
    env: dict[str, str]
    port: int


def _enforce(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "enforce"), *args], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, webhook: Webhook) -> Iterator[Stack]:
    home = tmp_path_factory.mktemp("prefect-up")
    seed_county(f"sqlite:///{home / 'enforce.db'}", home)
    port = free_port()
    env = base_env(ENFORCE_HOME=str(home), PREFECT_HOME=str(home / "prefect"), ENFORCE_ALERT_WEBHOOK_URL=webhook.url)
    # four slots: a city plan's parent run and its three county runs at once (the parent only waits)
    started = _enforce(env, "prefect", "up", "--port", str(port), "--limit", "4", "--detach")
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        yield Stack(Api(f"http://127.0.0.1:{port}/api"), home, env, port)
    finally:
        state = home / "prefect" / "enforce-up.json"
        recorded = json.loads(state.read_text())["processes"] if state.exists() else []
        stopped = _enforce(env, "prefect", "down", timeout=120)
        for entry in recorded:  # whatever `down` left running would be a bug: kill it, then fail
            kill_tree(entry["pid"])
        assert stopped.returncode == 0 and "已停止" in stopped.stdout, stopped.stdout + stopped.stderr
        assert not state.exists()


def _read(home: Path, sql: str, *args: object) -> list[tuple]:
    """Read the county's SQLite database without taking its write lock (WAL readers never wait)."""
    conn = sqlite3.connect(f"file:{home / 'enforce.db'}?mode=ro", uri=True, timeout=30)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def _sheets(home: Path, plan_id: int) -> tuple[int, int, list[int]]:
    """(teams, teams with a sheet, sheet numbers) of a plan."""
    rows = _read(home, "SELECT t.id, d.number FROM patrol_team t LEFT JOIN document d ON d.id = t.sheet_document_id "
                       "WHERE t.plan_id = ?", plan_id)
    numbers = sorted(int(n.split("〕")[1].rstrip("号")) for _, n in rows if n)
    return len(rows), len(numbers), numbers


def _plan_ids(home: Path) -> list[int]:
    return [r[0] for r in _read(home, "SELECT id FROM patrol_plan ORDER BY id")]


def test_killed_planning_run_is_reported_crashed_alerts_and_the_next_run_converges(stack: Stack,
                                                                                    webhook: Webhook) -> None:
    api = stack.api
    params = {"start": date(2026, 12, 12), "days": 9, "solver": "greedy"}
    first = api.run("patrol-planning/patrol-planning", **params)

    def render_pool() -> int | None:  # the flow process has forked its render pool: it is mid-render
        run = api.flow_run(first)
        pid = int(run["infrastructure_pid"].rsplit(":", 1)[-1]) if run.get("infrastructure_pid") else None
        if pid is None:
            assert run["state"]["type"] not in ("COMPLETED", "FAILED", "CRASHED"), run["state"]
            return None
        from tests.prefect.conftest import descendants

        return pid if descendants(pid) and _plan_ids(stack.home) else None

    pid = wait_for("the planning run to start rendering", render_pool, timeout=180, every=0.05)
    kill_tree(pid)
    crashed = api.wait_done(first, timeout=120)
    assert crashed["state"]["type"] == "CRASHED", crashed["state"]
    [plan_id] = _plan_ids(stack.home)
    teams, with_sheet, _ = _sheets(stack.home, plan_id)
    assert teams > 0 and with_sheet == 0  # killed before the sheets' transaction committed

    def alert() -> dict | None:
        return next((b for b in webhook.bodies if first in b.get("text", "")), None)

    body = wait_for("the crash alert on the bureau's webhook", alert, timeout=120)
    assert "Crashed" in body["text"] and "任务运行失败或崩溃" in body["title"]

    second = api.run("patrol-planning/patrol-planning", **params)
    done = api.wait_done(second)
    assert done["state"]["type"] == "COMPLETED", done["state"]
    assert done["name"] == "巡查计划 2026-12-12 9"
    teams, with_sheet, numbers = _sheets(stack.home, plan_id)
    assert with_sheet == teams and numbers == list(range(numbers[0], numbers[0] + teams))
    assert _plan_ids(stack.home) == [plan_id]  # nothing planned twice
    keys = {a["key"] for a in api.artifacts(second)}
    assert {f"patrol-plan-{plan_id}", "patrol-plan-latest"} <= keys
    result = api.result(second)
    assert result["completed_plans"] == [plan_id] and result["sheets"] == teams


def test_every_deployment_runs_with_readable_outputs(stack: Stack) -> None:
    from cases.uploads import intake_dir, store_intake_upload

    api = stack.api
    export = stack.home / "hotline.csv"
    with export.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows([["工单号", "来源渠道", "举报内容", "区域代码", "违规类型"],
                                 ["P1", "12345热线", "有机构周末上数学课", "520122100", "rest_day_training"],
                                 ["P2", "12345热线", "太短", "520122100", ""]])
    mp = pytest.MonkeyPatch()
    mp.setenv("ENFORCE_HOME", str(stack.home))
    from tests.conftest import _clear_caches

    _clear_caches()
    try:
        upload = store_intake_upload(export.read_bytes(), export.name)
        assert (intake_dir() / upload).exists()
    finally:
        mp.undo()
        _clear_caches()
    runs = {
        "sweep": api.run("deadline-sweep/deadline-sweep"),  # a scheduled run has no parameters
        "report": api.run("fortnightly-report/fortnightly-report", day=date(2026, 12, 1)),
        "intake": _started_by_the_api(api, upload),
        "whistle": api.run("joint-enforcement/joint-enforcement", whistle_id=999),
    }
    done = {k: api.wait_done(v) for k, v in runs.items()}
    assert {k: d["state"]["type"] for k, d in done.items()} == {
        "sweep": "COMPLETED", "report": "COMPLETED", "intake": "COMPLETED", "whistle": "FAILED"}
    assert done["sweep"]["name"].startswith("期限巡检 20") and "None" not in done["sweep"]["name"]
    assert done["report"]["name"] == "半月通报 2026-12-01"
    # a whistle that does not exist can never succeed: failed on the first attempt, not retried
    [schedule] = [t for t in api.task_runs(runs["whistle"]) if t["name"].startswith("schedule")]
    assert schedule["run_count"] == 1 and schedule["state"]["type"] == "FAILED"
    keys = {k: {a["key"] for a in api.artifacts(v)} for k, v in runs.items()}
    assert "deadline-sweep" in keys["sweep"]
    assert {"fortnightly-report", "fortnightly-report-note"} <= keys["report"]
    assert "intake-report" in keys["intake"]
    assert api.result(runs["intake"])["imported"] == 1
    note = next(a for a in api.artifacts(runs["report"]) if a["key"] == "fortnightly-report-note")
    assert "息教通报〔" in note["data"] and ".pdf" in note["data"]
    dep = api.deployment("deadline-sweep/deadline-sweep")
    assert dep["version"].startswith("local-") and dep["work_queue_name"] == "sweep"


def _started_by_the_api(api: Api, upload: str) -> str:
    """What the upload endpoint does when PREFECT_API_URL is configured: start `intake-batch` by name."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from api import triggers

    mp = pytest.MonkeyPatch()
    mp.setenv("PREFECT_API_URL", api.url)
    try:
        with temporary_settings({PREFECT_API_URL: api.url}):
            started = triggers.start_intake(None, None, upload, region_code="520122")  # type: ignore[arg-type]
    finally:
        mp.undo()
    assert started.mode == "prefect" and started.flow_run_id
    return started.flow_run_id


def test_up_refuses_what_would_break_the_running_one_and_keeps_the_pool(stack: Stack,
                                                                         tmp_path: Path) -> None:
    again = _enforce(stack.env, "prefect", "up", "--port", str(stack.port), "--detach")
    assert again.returncode == 2 and "先运行 enforce prefect down" in again.stderr
    other_home = base_env(ENFORCE_HOME=str(tmp_path), PREFECT_HOME=str(tmp_path / "prefect"))
    busy = _enforce(other_home, "prefect", "up", "--port", str(stack.port), "--detach")
    assert busy.returncode == 2 and f"端口 {stack.port} 已被占用" in busy.stderr
    foreign = _enforce({**other_home, "PREFECT_API_URL": stack.api.url}, "prefect", "up", "--port",
                       str(free_port()), "--detach")
    assert foreign.returncode == 2 and "PREFECT_API_URL 已指向" in foreign.stderr
    assert not (tmp_path / "prefect" / "enforce-up.json").exists()

    api = stack.api
    changed = api.http.patch("/work_pools/enforce-process", json={"description": "运维人员改过的说明"})
    assert changed.status_code == 204
    redeploy = _enforce({**stack.env, "PREFECT_API_URL": api.url}, "prefect", "deploy", "--local")
    assert redeploy.returncode == 0, redeploy.stdout + redeploy.stderr
    assert "保留未改：work pool enforce-process" in redeploy.stdout
    assert api.http.get("/work_pools/enforce-process").json()["description"] == "运维人员改过的说明"
    automations = api.http.post("/automations/filter", json={}).json()
    assert sorted(a["name"] for a in automations) == [
        "enforce: crash zombie flow runs", "enforce: notify failed or crashed runs", "enforce: notify late runs"]


# --- a city plan fanned out to one `patrol-county` run per county ---------------------------------------
# A city of three counties is added to the stack's database; one institution of 播州区 has a fund-supervision
# status that risk.toml does not know, so that county's run fails on validation (not retried). The other two
# runs complete with their task sheets and plan what `serial` plans on a copy of the database taken before
# the run; the parent waits for all three, publishes them as a table, publishes the two plans, and fails
# naming the county and why, which is what the bureau's alert says. A re-run starts a run for that county
# only (the others have no day left to plan).

CITY = "520300"
CITY_COUNTIES = {"520302": "红花岗区", "520303": "汇川区", "520304": "播州区"}
GOOD_COUNTIES = ["520302", "520303"]
BROKEN_COUNTY, BROKEN_STATUS = "520304", "待核实"
FAN_START = date(2026, 12, 26)  # a Saturday after the other tests' windows; a one-day window (cheap)


@contextmanager
def _enforce_home(home: Path) -> Iterator[None]:
    from tests.conftest import _clear_caches

    mp = pytest.MonkeyPatch()
    mp.setenv("ENFORCE_HOME", str(home))
    mp.delenv("ENFORCE_DATABASE_URL", raising=False)
    _clear_caches()
    try:
        yield
    finally:
        mp.undo()
        _clear_caches()


def _seed_city(home: Path) -> None:
    from sqlmodel import Session

    from cases.db import make_engine
    from cases.enums import InstitutionCategory, LicenceStatus, Role
    from cases.models import Department, Institution, Officer, Region
    from cases.uscc import normalise_name
    from tests.integration.conftest import at

    engine = make_engine(f"sqlite:///{home / 'enforce.db'}")
    with Session(engine, expire_on_commit=False) as s:
        s.add(Region(code=CITY, name="遵义市", parent_code="520000", level="city"))
        s.flush()
        for code, name in CITY_COUNTIES.items():
            s.add(Region(code=code, name=name, parent_code=CITY, level="county"))
            s.flush()
            towns = [f"{code}{i:03d}" for i in (1, 2)]
            s.add_all(Region(code=t, name=f"{name}第{i + 1}街道", parent_code=code, level="township")
                      for i, t in enumerate(towns))
            s.flush()
            for kind, label, count in (("education", "教育局", 4), ("market", "市场监督管理局", 3),
                                       ("fire", "消防救援大队", 2)):
                dept = Department(name=name + label, kind=kind, region_code=code, doc_code=name[:2] + kind[:1])
                s.add(dept)
                s.flush()
                s.add_all(Officer(username=f"{code}-{kind}-{j}", name=f"{name}{label}{j}", department_id=dept.id,
                                  roles=[str(Role.OFFICER)], badge_no=f"黔{code}{kind[:2]}{j}",
                                  badge_valid_until=FAN_START + timedelta(days=400), password_hash="x")
                          for j in range(count))
            for j in range(8):
                label = f"{name}第{j + 1}培训中心"
                s.add(Institution(name=label, name_key=normalise_name(label), category=InstitutionCategory.SUBJECT,
                                  licence_status=LicenceStatus.UNLICENSED if j % 4 == 3 else LicenceStatus.LICENSED,
                                  region_code=towns[j % 2], student_count=80, capacity=100,
                                  fund_supervision=BROKEN_STATUS if code == BROKEN_COUNTY and j == 0 else "supervised",
                                  created_at=at("2026-01-05 09:00")))
        s.commit()
    engine.dispose()


def _serial_plans(home: Path, copy: Path) -> dict[str, dict]:
    """What `fan_out="serial"` plans for the two good counties: `plan_window` per county, one after the
    other, in this process, on a copy of the database."""
    from flows.patrols import plan_window

    copy.mkdir()
    source, target = sqlite3.connect(home / "enforce.db"), sqlite3.connect(copy / "enforce.db")
    source.backup(target)
    source.close()
    target.close()
    with _enforce_home(copy):
        for county in GOOD_COUNTIES:
            assert plan_window.fn(FAN_START, 1, None, "greedy", None, county, 1)
    return _county_plans(copy)


def _county_plans(home: Path) -> dict[str, dict]:
    rows = _read(home, "SELECT region_code, plan_json FROM patrol_plan WHERE region_code IN (?, ?, ?) "
                       "AND start_date = ?", *sorted(CITY_COUNTIES), FAN_START.isoformat())
    return {code: json.loads(plan) for code, plan in rows}


def test_city_plan_fans_out_to_one_county_run_each_and_fails_naming_the_county(stack: Stack, webhook: Webhook,
                                                                                tmp_path: Path) -> None:
    api = stack.api
    _seed_city(stack.home)
    serial = _serial_plans(stack.home, tmp_path / "serial")

    parent = api.wait_done(api.run("patrol-planning/patrol-planning", start=FAN_START, days=1, solver="greedy",
                                   region_code=CITY, fan_out="deployments"), timeout=300)
    assert parent["state"]["type"] == "FAILED", parent["state"]
    assert (f"1 个区县的巡查计划未完成：播州区（{BROKEN_COUNTY}）：未配置的资金监管状态取值：{BROKEN_STATUS}"
            in parent["state"]["message"])
    response = api.http.post("/flow_runs/filter", json={"flow_runs": {"parent_flow_run_id": {"any_": [parent["id"]]}}})
    children = {run["parameters"]["county"]: run for run in response.json()}
    assert {c: r["state"]["type"] for c, r in children.items()} == {
        "520302": "COMPLETED", "520303": "COMPLETED", BROKEN_COUNTY: "FAILED"}
    assert children["520302"]["name"] == f"县区巡查计划 520302 {FAN_START.isoformat()}"
    assert all(children[c]["deployment_id"] == api.deployment("patrol-county/patrol-county")["id"] for c in children)

    assert _county_plans(stack.home) == serial  # the two good counties, as `serial` plans them
    [table] = [a for a in api.artifacts(parent["id"]) if a["key"] == "patrol-counties"]
    rows = {r["代码"]: r for r in json.loads(table["data"])}
    assert rows[BROKEN_COUNTY]["状态"] == "失败" and BROKEN_STATUS in rows[BROKEN_COUNTY]["说明"]
    plan_ids = {c: int(rows[c]["计划"].lstrip("#")) for c in GOOD_COUNTIES}
    for county, plan_id in plan_ids.items():
        teams, with_sheet, _ = _sheets(stack.home, plan_id)
        assert rows[county]["状态"] == "已完成" and rows[county]["已生成任务单"] == with_sheet == teams > 0
    assert {f"patrol-plan-{p}" for p in plan_ids.values()} <= {a["key"] for a in api.artifacts(parent["id"])}

    from flows.patrols import counties_with_days_to_plan

    with _enforce_home(stack.home):  # what a re-run would start runs for
        assert counties_with_days_to_plan.fn(sorted(CITY_COUNTIES), FAN_START, 1) == [BROKEN_COUNTY]

    def alert() -> dict | None:  # the bureau is told which county failed
        return next((b for b in webhook.bodies if parent["id"] in b.get("text", "")), None)

    assert f"播州区（{BROKEN_COUNTY}）" in wait_for("the failure alert on the bureau's webhook", alert, 120)["text"]
