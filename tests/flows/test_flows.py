"""The Prefect flows, run for real under `prefect_test_harness` against a seeded SQLite county (and a
city of three counties for the per-county fan-out).

One harness per module (its start-up costs ~20 s): every flow runs once or twice here; the
rules behind them are tested without Prefect in tests/integration.
"""

from __future__ import annotations

import csv
import os
import random
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from cases.db import get_engine, migrate
from cases.enums import DocumentType, InstitutionCategory, LicenceStatus, Role
from cases.errors import ValidationFailed
from cases.models import Department, Document, Institution, Officer, Region
from cases.passwords import hash_password
from cases.patrols.models import PatrolPlan, PatrolTeam
from cases.uploads import store_intake_upload
from cases.uscc import normalise_name
from tests.integration.conftest import at

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def county_home(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    from flows.demo import seed
    from tests.conftest import _clear_caches

    home = tmp_path_factory.mktemp("flows-home")
    mp = pytest.MonkeyPatch()
    mp.setenv("ENFORCE_HOME", str(home))
    _clear_caches()
    migrate()
    rng = random.Random(3)
    with Session(get_engine(), expire_on_commit=False) as s:
        seed.seed_regions(s)
        seed.seed_departments(s, rng, at("2026-11-01").date(), "flows-test-pw")
        seed.seed_institutions(s, rng, 40, at("2026-11-01 09:00"))
        s.commit()
    yield home
    mp.undo()
    _clear_caches()


@pytest.fixture(scope="module")
def harness(county_home: Path):  # noqa: ANN201
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


def test_flows_run_under_prefect(harness, county_home: Path, tmp_path: Path) -> None:  # noqa: ANN001
    from flows.deadlines import deadline_sweep
    from flows.intake import intake_batch
    from flows.patrols import patrol_planning, plan_window
    from flows.reports import fortnightly_report

    export = tmp_path / "hotline.csv"
    with export.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows([["工单号", "来源渠道", "举报内容", "区域代码", "违规类型"],
                                 ["F1", "12345热线", "有机构周末上数学课", "520122100", "rest_day_training"],
                                 ["F2", "12345热线", "太短", "520122100", ""]])
    upload = store_intake_upload(export.read_bytes(), export.name)
    first = intake_batch(upload)
    assert (first["imported"], first["rejected"]) == (1, 1)
    assert intake_batch(upload)["duplicate"] == 1  # re-running imports nothing twice
    with pytest.raises(ValidationFailed):  # a worker's local path is not an intake file
        intake_batch(str(export))
    assert deadline_sweep()["checked"] >= 2
    planned = patrol_planning(start=date(2026, 12, 5), days=2, solver="greedy")
    assert planned["plan_id"] and planned["sheets"] > 0
    assert patrol_planning(start=date(2026, 12, 5), days=2, solver="greedy")["plan_id"] is None
    # a plan made without its sheets (a run killed while rendering): the next run renders them
    orphan = plan_window.fn(date(2026, 12, 19), 2, None, "greedy", None)
    converged = patrol_planning(start=date(2026, 12, 19), days=2, solver="greedy")
    assert converged["plan_id"] is None and converged["completed_plans"] == [orphan] and converged["sheets"] > 0
    with Session(get_engine()) as s:
        assert all(t.sheet_document_id for t in s.exec(select(PatrolTeam).where(PatrolTeam.plan_id == orphan)))
    report = fortnightly_report(day=date(2026, 12, 1))
    assert Path(report["csv"]).exists() and report["document"].startswith("息教通报〔")
    keys = {a.key for a in _artifacts()}
    assert {"deadline-sweep", "intake-report", "fortnightly-report", "fortnightly-report-note",
            f"patrol-plan-{orphan}", "patrol-plan-latest"} <= keys


def _artifacts() -> list:
    from prefect import get_client

    with get_client(sync_client=True) as client:
        return client.read_artifacts()


def test_missing_database_is_refused_not_created(harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    from flows.deadlines import deadline_sweep
    from flows.runtime import DatabaseNotReady
    from tests.conftest import _clear_caches

    monkeypatch.setenv("ENFORCE_DATABASE_URL", f"sqlite:///{tmp_path / 'nowhere.db'}")
    _clear_caches()
    try:
        with pytest.raises(DatabaseNotReady, match="数据库文件不存在"):
            deadline_sweep()
        assert not (tmp_path / "nowhere.db").exists()
    finally:
        monkeypatch.delenv("ENFORCE_DATABASE_URL")
        _clear_caches()


SLOW_ISSUE = """
import time, sys
from cases.db import open_session
from cases.authority import Actor
from cases.enums import Role
from cases.patrols.sheets import issue_patrol_sheets
from flows.context import make_ctx
from flows.patrols import pupil_calendar
ctx = make_ctx(Actor(None, frozenset({Role.SUPERVISOR}), None, "520122", "t"))
def slow(items):
    out = []
    for t, snap in items:
        out.append(ctx.renderer(t, snap))
        print("rendered", flush=True)
        time.sleep(0.5)
    return out
with open_session() as s:
    issue_patrol_sheets(s, ctx, plan_id=int(sys.argv[1]), pupils=pupil_calendar(), render_many=slow)
"""


def test_killed_sheet_run_rerun_issues_each_sheet_once(county_home: Path) -> None:
    from flows.patrols import plan_window, render_sheets

    plan_id = plan_window.fn(date(2026, 12, 12), 2, 5, "greedy", None)
    proc = subprocess.Popen([sys.executable, "-c", SLOW_ISSUE, str(plan_id)], cwd=ROOT, env=dict(os.environ),
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "rendered"  # mid-run: rendering, nothing committed
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(30)
    time.sleep(0.2)
    issued = render_sheets.fn(plan_id)
    again = render_sheets.fn(plan_id)
    with Session(get_engine()) as s:
        teams = s.exec(select(PatrolTeam).where(PatrolTeam.plan_id == plan_id)).all()
        sheets = s.exec(select(Document).where(Document.doc_type == DocumentType.PATROL_SHEET,
                                               Document.id.in_([t.sheet_document_id for t in teams]))).all()
    assert issued == len(teams) == len(sheets) and again == 0
    numbers = sorted(int(d.number.split("〕")[1].rstrip("号")) for d in sheets)
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))  # the killed run left no gap


# --- a city plan fans out to one plan per county ------------------------------------------------------
# Mapped tasks on a process pool (the `patrol-counties` subflow) give the same plans as planning the
# counties one after the other: two homes are seeded with the same city of three counties, one is
# planned with fan_out="processes", the other with fan_out="serial", and the stored plans compared.

CITY = "520100"
COUNTIES = {"520102": "南明区", "520103": "云岩区", "520111": "花溪区"}
START = date(2026, 12, 5)  # a Saturday: the window holds that weekend
KINDS = (("education", "教育局", 4), ("market", "市场监督管理局", 3), ("fire", "消防救援大队", 2))


def _seed_city(home: Path, mp: pytest.MonkeyPatch) -> None:
    from tests.conftest import _clear_caches

    mp.setenv("ENFORCE_HOME", str(home))
    _clear_caches()
    migrate()
    rng = random.Random(16)
    password = hash_password("fanout-test-pw-2026")
    with Session(get_engine(), expire_on_commit=False) as s:
        s.add(Region(code="520000", name="贵州省", parent_code=None, level="province"))
        s.add(Region(code=CITY, name="贵阳市", parent_code="520000", level="city"))
        s.flush()
        for code, name in COUNTIES.items():
            s.add(Region(code=code, name=name, parent_code=CITY, level="county"))
            s.flush()
            towns = [f"{code}{i:03d}" for i in (1, 2)]
            for i, town in enumerate(towns):
                s.add(Region(code=town, name=f"{name}第{i + 1}街道", parent_code=code, level="township"))
            s.flush()
            for kind, dept_name, count in KINDS:
                dept = Department(name=name + dept_name, kind=kind, region_code=code, doc_code=name[:1] + kind[:1])
                s.add(dept)
                s.flush()
                for j in range(count):
                    s.add(Officer(username=f"{code}-{kind}-{j}", name=f"{name}{kind}{j}", department_id=dept.id,
                                  roles=[str(Role.OFFICER)], badge_no=f"贵{code}{kind[:2]}{j}",
                                  badge_valid_until=START + timedelta(days=400), password_hash=password))
            for j in range(8):
                licence = LicenceStatus.UNLICENSED if j % 4 == 3 else LicenceStatus.LICENSED
                label = f"{name}第{j + 1}培训中心"
                s.add(Institution(name=label, name_key=normalise_name(label), category=InstitutionCategory.SUBJECT,
                                  licence_status=licence, region_code=rng.choice(towns), student_count=80,
                                  capacity=100, created_at=at("2026-01-05 09:00")))
        s.commit()


def _plans() -> dict[str, dict]:
    with Session(get_engine()) as s:
        rows = s.exec(select(PatrolPlan).order_by(PatrolPlan.id)).all()
        sheets = {t.plan_id: t.sheet_document_id for t in s.exec(select(PatrolTeam))}
        assert all(sheets.get(r.id) for r in rows)  # every plan has its task sheets
        return {r.region_code: r.plan_json for r in rows}


def test_city_plan_fans_out_per_county_like_the_serial_path(harness, tmp_path: Path,  # noqa: ANN001
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from flows.patrols import patrol_planning
    from tests.conftest import _clear_caches

    try:  # the module's county home comes back when monkeypatch undoes ENFORCE_HOME
        _seed_city(tmp_path / "pool", monkeypatch)
        with pytest.raises(ValidationFailed, match="未知的分县方式"):
            patrol_planning(start=START, days=2, region_code=CITY, fan_out="everywhere")
        pooled = patrol_planning(start=START, days=2, region_code=CITY, fan_out="processes", time_limit=1.0)
        assert sorted(pooled["plans"]) == sorted(COUNTIES) and all(pooled["plans"].values())
        assert pooled["sheets"] > 0
        by_pool = _plans()
        assert sorted(by_pool) == sorted(COUNTIES)  # one plan per county, none for the city
        again = patrol_planning(start=START, days=2, region_code=CITY, fan_out="serial", time_limit=1.0)
        assert not any(again["plans"].values())  # every county's days are planned already

        _seed_city(tmp_path / "serial", monkeypatch)
        serial = patrol_planning(start=START, days=2, region_code=CITY, fan_out="serial", time_limit=1.0)
        assert sorted(serial["plans"]) == sorted(COUNTIES)
        assert _plans() == by_pool
        assert all(p["days"] and any(d["teams"] for d in p["days"]) for p in by_pool.values())
    finally:
        _clear_caches()


def test_a_county_run_that_did_not_complete_is_explained_in_chinese() -> None:
    from flows.patrols import county_run_reason

    # the messages Prefect 3.8.8 gives a failed flow run: "<context>encountered an exception: <type>: <str>"
    assert county_run_reason("FAILED", "Flow run encountered an exception: ValidationFailed: [risk_input] "
                                       "未配置的资金监管状态取值：待核实") == "未配置的资金监管状态取值：待核实"
    assert county_run_reason("FAILED", "Flow run encountered an exception: DatabaseNotReady: 数据库文件不存在："
                                       "/srv/enforce/enforce.db") == "数据库文件不存在：/srv/enforce/enforce.db"
    assert county_run_reason("CRASHED", "Flow run infrastructure exited with non-zero status code -9.") == \
        "运行崩溃（进程或主机失效），详见该运行的日志"
    assert county_run_reason(None, None) == "1 小时内未完成"


def test_the_database_guard_does_not_wait_for_the_write_lock(county_home: Path) -> None:
    import sqlite3

    from flows.runtime import require_database

    holder = sqlite3.connect(county_home / "enforce.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # what a county run rendering its sheets holds meanwhile
    try:
        assert require_database().endswith("enforce.db")  # before: "无法连接数据库 …：OperationalError" after 10 s
    finally:
        holder.execute("ROLLBACK")
        holder.close()
