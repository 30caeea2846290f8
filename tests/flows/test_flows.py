"""The Prefect flows, run for real under `prefect_test_harness` against a seeded SQLite county.

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
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, select

from cases.db import get_engine, migrate
from cases.enums import DocumentType
from cases.errors import ValidationFailed
from cases.models import Document
from cases.patrols.models import PatrolTeam
from cases.uploads import store_intake_upload
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
