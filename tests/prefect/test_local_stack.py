"""`enforce prefect up` for real: a local Prefect server, the five deployments, the automations and
a worker, against a seeded SQLite county. One `up` for the whole module; `down` in teardown.

* every deployment runs (or fails fast where it must) and leaves its artifacts;
* a patrol-planning run killed mid-render (the flow process and its render pool, SIGKILL) is
  reported Crashed, the crash alert reaches the webhook, and the next run renders the sheets;
* `up` refuses a second start, a busy port and a foreign PREFECT_API_URL; a redeploy keeps the pool.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
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
    started = _enforce(env, "prefect", "up", "--port", str(port), "--detach")
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
