"""Per-county fan-out of a city plan at real county size: `serial` vs `processes` vs `deployments`.

    .venv/bin/python bench/fanout.py            # 6 counties, 9-day window (4 rest days), CP-SAT 5 s each
    .venv/bin/python bench/fanout.py --quick    # 4 counties, CP-SAT 2 s each
    .venv/bin/python bench/fanout.py --backend sqlite

Builds one city with bench/scale.py's generator (`build`, no cases): N counties of 290 institutions,
66 officers (56 education, 9 market, 1 supervisor) and 10 townships each, on PostgreSQL (the
production database; bench/pgtemp.py's server) or SQLite. Every way gets its own copy of the
database, so every way plans the same unplanned window from the same data. Then, against a
local Prefect server started by `enforce prefect up` (one worker with `--slots` slots: the parent
run waits in one of them, the county runs take the others), it times the whole `patrol-planning`
flow (plans and task sheets) for a city `region_code`:

* `serial` — the flow in this process, the counties one after the other;
* `processes` — the flow in this process, one `plan_window` task per county on a ProcessPoolTaskRunner;
* `deployments` — the `patrol-planning` deployment run through the worker (create → Completed: the
  parent's process start, one `patrol-county` run per county, each a new process on the worker).

Each county is solved with one CP-SAT thread in deterministic mode, so the ways must give the same
plans: the bench checks it. Prints each way's wall time, its ratio to `serial`, the sheets
rendered, what a pure-CPU loop gains from a second process at the same moment, and the load
average before and after (the machine is shared; on 2 cores more than 2x is not to be expected).
Also prints the per-run overhead of an empty flow run against the server (bare call vs flow run).
Asserts nothing but the equal plans; stops everything with `enforce prefect down`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# bench/ holds api.py, which would shadow the `api` package: import from the checkout root only
sys.path[:] = [str(ROOT)] + [e for e in sys.path if Path(e or ".").resolve() != ROOT / "bench"]
BIN = Path(sys.executable).parent
CITY = "520100"
START = date(2026, 12, 12)  # a Saturday: a 9-day window holds two weekends


def _use(home: Path, url: str | None) -> None:
    """Point this process at one way's ENFORCE_HOME and database (a SQLite file under it when `url` is None)."""
    from cases.caches import reset_all

    os.environ["ENFORCE_HOME"] = str(home)
    if url:
        os.environ["ENFORCE_DATABASE_URL"] = url
    else:
        os.environ.pop("ENFORCE_DATABASE_URL", None)
    reset_all()


def _build(url: str, counties: int) -> None:
    from bench.scale import build
    from cases.db import make_engine, migrate

    migrate(url)
    engine = make_engine(url)
    build(engine, 0, cities=1, counties_per_city=counties, seed=7)
    engine.dispose()


def _plans(url: str) -> dict[str, str]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT region_code, plan_json FROM patrol_plan ORDER BY region_code")).all()
        teams = list(conn.execute(text("SELECT count(*), count(sheet_document_id) FROM patrol_team")).one())
    engine.dispose()
    return {code: json.dumps(plan, sort_keys=True) if not isinstance(plan, str) else plan for code, plan in rows} \
        | {"_teams": json.dumps(teams)}


def _spans(since: datetime, until: datetime) -> str:
    """How long planning and rendering took within one way: from the first `plan_window` (or
    `render_sheets`) task run's start to the last one's end, as the server recorded them."""
    from prefect import get_client
    from prefect.client.schemas.filters import TaskRunFilter, TaskRunFilterStartTime

    time.sleep(2)  # task runs are recorded from events: let the server catch up
    runs: list = []
    with get_client(sync_client=True) as client:
        while True:  # the server returns at most 200 per call
            page = client.read_task_runs(task_run_filter=TaskRunFilter(
                start_time=TaskRunFilterStartTime(after_=since, before_=until)), limit=200, offset=len(runs))
            runs += page
            if len(page) < 200:
                break
    spans: dict[str, list] = {}
    for run in runs:
        kind = run.name.rsplit("-", 1)[0]
        if kind in ("plan_window", "render_sheets") and run.start_time and run.end_time:
            span = spans.setdefault(kind, [run.start_time, run.end_time, 0])
            span[0], span[1], span[2] = min(span[0], run.start_time), max(span[1], run.end_time), span[2] + 1
    return ", ".join(f"{kind} x{n} {(hi - lo).total_seconds():.1f} s" for kind, (lo, hi, n) in sorted(spans.items()))


def _timeline(parent_id: object) -> str:
    """When the parent run and its county runs were created, started and ended, from the parent's creation."""
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId, FlowRunFilterParentFlowRunId

    with get_client(sync_client=True) as client:
        [parent] = client.read_flow_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[parent_id])))
        children = client.read_flow_runs(flow_run_filter=FlowRunFilter(
            parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[parent_id])))
    t0 = parent.created

    def at(values: list) -> str:
        offsets = sorted((v - t0).total_seconds() for v in values if v is not None)
        return f"+{offsets[0]:.0f}..{offsets[-1]:.0f} s" if offsets else "-"

    return (f"parent started {at([parent.start_time])}, {len(children)} county runs created "
            f"{at([c.created for c in children])}, "
            f"started {at([c.start_time for c in children])}, ended {at([c.end_time for c in children])}; "
            f"parent ended {at([parent.end_time])}")


def _cpu_gain() -> float:
    from bench.prefect_runs import _cpu_gain as gain

    return gain()


def main() -> None:  # noqa: PLR0915
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--counties", type=int, default=None)
    parser.add_argument("--time-limit", type=float, default=None, help="CP-SAT deterministic seconds per county")
    parser.add_argument("--days", type=int, default=9)
    parser.add_argument("--slots", type=int, default=3, help="worker slots: the parent run and the county runs")
    parser.add_argument("--ways", default="serial,processes,deployments")
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="postgres",
                        help="the application database (production: PostgreSQL; SQLite has one writer)")
    args = parser.parse_args()
    counties = args.counties or (4 if args.quick else 6)
    limit = args.time_limit or (2.0 if args.quick else 5.0)
    ways = args.ways.split(",")

    root = Path(tempfile.mkdtemp(prefix="enforce-bench-fanout-"))
    from bench.prefect_runs import _free_port

    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    for key in ("PREFECT_API_URL", "ENFORCE_DATABASE_URL"):
        os.environ.pop(key, None)
    os.environ.update({"PREFECT_HOME": str(root / "prefect"), "DO_NOT_TRACK": "1", "PREFECT_LOGGING_LEVEL": "WARNING",
                       "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "ENFORCE_REGION_CODE": CITY})
    stack = ExitStack()
    t = time.perf_counter()
    if args.backend == "postgres":
        from bench.pgtemp import temporary_database

        template = stack.enter_context(temporary_database("enforce_fanout_tpl"))
        if template is None:
            raise SystemExit("no PostgreSQL server: run with --backend sqlite")
        _build(template, counties)
        urls = {way: stack.enter_context(temporary_database("enforce_fanout", template.rsplit("/", 1)[1]))
                for way in ways}
    else:
        _build(f"sqlite:///{root / 'template.db'}", counties)
        for way in ways:
            (root / way).mkdir()
            shutil.copyfile(root / "template.db", root / way / "enforce.db")
        urls = {way: f"sqlite:///{root / way / 'enforce.db'}" for way in ways}
    print(f"city {CITY}: {counties} counties x (290 institutions, 66 officers, 10 townships) on {args.backend}, "
          f"built in {time.perf_counter() - t:.1f} s; window {START} + {args.days} days; CP-SAT {limit:g} s per "
          f"county, 1 thread, deterministic")
    homes = {way: root / way for way in ways}
    for home in homes.values():
        home.mkdir(exist_ok=True)
    way_url = {way: urls[way] if args.backend == "postgres" else None for way in ways}
    # `up` deploys with this process's ENFORCE_HOME and database: the deployments way's (its Secret block)
    _use(homes.get("deployments", root), way_url.get("deployments"))
    env = {**os.environ, "PREFECT_WORKER_QUERY_SECONDS": "1"}
    load_before = os.getloadavg()
    t = time.perf_counter()
    subprocess.run([str(BIN / "enforce"), "prefect", "up", "--port", str(port), "--limit", str(args.slots),
                    "--detach"], env=env, check=True)
    print(f"enforce prefect up (fresh server DB, 6 deployments, worker with {args.slots} slots): "
          f"{time.perf_counter() - t:.1f} s")
    os.environ["PREFECT_API_URL"] = api  # the pool's processes report their task runs to the same server
    params = {"start": START.isoformat(), "days": args.days, "solver": "cp-sat", "time_limit": limit,
              "region_code": CITY, "county_workers": 1}
    times: dict[str, float] = {}
    plans: dict[str, dict[str, str]] = {}
    try:
        from prefect import flow

        from flows.patrols import patrol_planning

        def bare() -> int:
            return 1

        empty = flow(name="bench-empty")(bare)
        empty()  # warm the client
        runs = []
        for _ in range(3):
            t = time.perf_counter()
            empty()
            runs.append(time.perf_counter() - t)
        t = time.perf_counter()
        bare()
        print(f"empty sync flow run in this process against the server: {statistics.median(runs) * 1000:.0f} ms "
              f"(bare call {(time.perf_counter() - t) * 1e6:.0f} us; median of 3)")

        print(f"load average before: {load_before[0]:.1f} {load_before[1]:.1f}")
        for way in ways:
            _use(homes[way], way_url[way])
            load = os.getloadavg()[0]
            since = datetime.now(UTC)
            t = time.perf_counter()
            if way == "deployments":
                from prefect.deployments import run_deployment

                run = run_deployment("patrol-planning/patrol-planning", parameters={**params, "fan_out": way},
                                     timeout=3600, poll_interval=0.5)
                assert run.state is not None and run.state.is_completed(), run.state
                timeline = _timeline(run.id)
            else:
                patrol_planning(**{**params, "start": START, "fan_out": way})
            times[way] = time.perf_counter() - t
            spans = _spans(since, datetime.now(UTC))
            plans[way] = _plans(urls[way])
            teams, sheets = json.loads(plans[way]["_teams"])
            print(f"  {way:<12} {times[way]:7.1f} s  (x{times['serial'] / times[way] if 'serial' in times else 1:.2f}"
                  f" vs serial)  plans {len(plans[way]) - 1}, teams {teams}, sheets {sheets}; "
                  f"load average at start {load:.1f}")
            print(f"               spans: {spans}")
            if way == "deployments":
                print(f"               timeline: {timeline}")
        same = all(plans[w] == plans[ways[0]] for w in ways)
        print(f"same plans and sheets count in every way: {'yes' if same else 'NO'}")
        print(f"a pure-CPU loop gains x{_cpu_gain():.2f} from a second process now (2 cores, shared)")
        assert same, {w: sorted(p) for w, p in plans.items()}
    finally:
        subprocess.run([str(BIN / "enforce"), "prefect", "down"], env=env, check=False)
        print(f"load average after: {os.getloadavg()[0]:.1f}")
        stack.close()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
