"""Prefect per-run overhead and fan-out speed-up, each against a baseline measured in this process.

    .venv/bin/python bench/prefect_runs.py            # 5 in-process runs, 3 deployment runs, 12 sheets
    .venv/bin/python bench/prefect_runs.py --quick    # 3, 2, 6

Starts `enforce prefect up` on a free port with a fresh ENFORCE_HOME holding a seeded
40-institution county (worker polling every second), then:

1. Per-run overhead of `deadline-sweep`: the flow's work called directly (`sweep.fn` +
   `escalate_whistles.fn`, no Prefect: the baseline), the flow called in this process against the
   server (engine, task runs, artifacts, heartbeat join), and the deployment run through the
   worker (create → Completed: worker poll, a new Python process, imports, the flow).
2. Fan-out: N patrol task sheets rendered by one task each, sequentially (`.fn`, the baseline) and
   as mapped tasks of a flow on a `ProcessPoolTaskRunner(2)`. Printed with what a pure-CPU loop
   gains from a second process at the same moment (other processes on a shared machine cap both).

Stops everything with `enforce prefect down`. Prints medians and ratios; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _seed(home: Path) -> None:
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    from sqlmodel import Session

    from cases.db import get_engine, migrate
    from flows.demo import seed

    migrate()
    tz = ZoneInfo("Asia/Shanghai")
    with Session(get_engine(), expire_on_commit=False) as s:
        seed.seed_regions(s)
        seed.seed_departments(s, random.Random(3), date(2026, 11, 1), "prefect-bench-pw")
        seed.seed_institutions(s, random.Random(3), 40, datetime(2026, 11, 1, 9, tzinfo=tz))
        s.commit()


def _render_one(index: int) -> int:
    from cases.enums import DocumentType
    from documents.render import render_document
    from documents.samples import sample

    return len(render_document(DocumentType.PATROL_SHEET, sample(DocumentType.PATROL_SHEET)))


def _spin(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i
    return total


def _cpu_gain() -> float:
    n = 3_000_000
    t = time.perf_counter()
    _spin(n)
    _spin(n)
    one = time.perf_counter() - t
    with get_context("fork").Pool(2) as pool:
        t = time.perf_counter()
        pool.map(_spin, [n, n])
        two = time.perf_counter() - t
    return one / two


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    inproc, deployed, sheets = (3, 2, 6) if args.quick else (5, 3, 12)

    home = Path(tempfile.mkdtemp(prefix="enforce-bench-prefect-"))
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    os.environ.update({"ENFORCE_HOME": str(home), "PREFECT_HOME": str(home / "prefect"), "DO_NOT_TRACK": "1",
                       "PREFECT_SERVER_ANALYTICS_ENABLED": "false"})
    os.environ.pop("PREFECT_API_URL", None)
    os.environ.pop("ENFORCE_DATABASE_URL", None)
    _seed(home)
    env = {**os.environ, "PREFECT_WORKER_QUERY_SECONDS": "1"}
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    t = time.perf_counter()
    subprocess.run([str(BIN / "enforce"), "prefect", "up", "--port", str(port), "--detach"], env=env, check=True)
    print(f"enforce prefect up (fresh server DB, deploy, automations, worker): {time.perf_counter() - t:.1f} s")
    try:
        from prefect.settings import PREFECT_API_URL, temporary_settings

        from flows.deadlines import deadline_sweep, escalate_whistles, sweep

        def direct() -> None:
            sweep.fn(None)
            escalate_whistles.fn()

        base = _median(direct, inproc)
        with temporary_settings({PREFECT_API_URL: api}):
            deadline_sweep()  # warm the client
            engine = _median(lambda: deadline_sweep(), inproc)
            run = _median(lambda: _deployment_run(api), deployed)
        print(f"deadline-sweep work, direct (baseline):        {base * 1000:8.0f} ms")
        print(f"  flow in this process against the server:    {engine * 1000:8.0f} ms  "
              f"(+{(engine - base) * 1000:.0f} ms, {engine / base:.1f}x)")
        print(f"  deployment run through the worker:          {run * 1000:8.0f} ms  "
              f"(+{(run - base) * 1000:.0f} ms, {run / base:.1f}x)")

        from prefect import flow, task
        from prefect.task_runners import ProcessPoolTaskRunner

        render = task(_render_one)

        @flow(task_runner=ProcessPoolTaskRunner(max_workers=2))
        def fan_out(n: int) -> int:
            return sum(render.map(range(n)).result())

        _render_one(0)  # warm fonts for the sequential baseline
        t = time.perf_counter()
        for i in range(sheets):
            _render_one(i)
        sequential = time.perf_counter() - t
        os.environ["PREFECT_API_URL"] = api  # the pool's processes report their task runs to the same server
        with temporary_settings({PREFECT_API_URL: api}):
            t = time.perf_counter()
            fan_out(sheets)
            mapped = time.perf_counter() - t
        print(f"{sheets} sheets, one task each: sequential {sequential:.1f} s, mapped on ProcessPoolTaskRunner(2) "
              f"{mapped:.1f} s: speed-up {sequential / mapped:.2f}x (a pure-CPU loop gains {_cpu_gain():.2f}x now)")
    finally:
        subprocess.run([str(BIN / "enforce"), "prefect", "down"], env=env, check=False)
        print(f"load average after: {os.getloadavg()[0]:.1f}")


def _median(fn, n: int) -> float:  # noqa: ANN001
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _deployment_run(api: str) -> None:
    from prefect.deployments import run_deployment

    state = run_deployment("deadline-sweep/deadline-sweep", timeout=300, poll_interval=0.2).state
    assert state.is_completed(), state


if __name__ == "__main__":
    main()
