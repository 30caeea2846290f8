"""Use-case transitions per second against a bare SQLAlchemy script doing the same writes.

Baselines, in the same process and database: "bare Core" (hand-written SQL statements through
SQLAlchemy Core: the floor) and "bare ORM" (the same rows through a SQLAlchemy ORM session, as a
hand-written app would do it, without lifecycle, guards or authority).

Workload: re-assigning a team (`assign_case`, assigned → assigned), which writes a versioned
update of the case, one hash-chained `case_event` row and one `deadline` row (a fresh
assignment clock is opened before each measured call and the transition closes it). The bare
baseline does exactly those writes with SQLAlchemy Core in the same process, on the same
database: read the case, `UPDATE … WHERE version = :v`, read the last event hash, insert the
event, update the deadline, commit. Both run on SQLite (WAL) and PostgreSQL.

    uv run python bench/transitions.py [--n 300]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import text
from sqlmodel import Session, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pgtemp import temporary_database  # noqa: E402

from cases import service as case_service  # noqa: E402
from cases.actions import Action
from cases.db import make_engine, migrate  # noqa: E402
from cases.enums import Channel, DeadlineKind  # noqa: E402
from cases.models import Case, Deadline, Officer  # noqa: E402
from cases.settings import FixedClock, get_calendar  # noqa: E402
from flows.context import actor_for  # noqa: E402
from flows.demo import seed  # noqa: E402

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def prepare(url: str, n: int) -> tuple[list[int], list[int], object, list[int]]:
    migrate(url)
    engine = make_engine(url)
    rng = random.Random(1)
    with Session(engine, expire_on_commit=False) as s:
        seed.seed_regions(s)
        seed.seed_departments(s, rng, NOW.date(), "bench-password")
        institutions = seed.seed_institutions(s, rng, 2 * n, NOW)
        s.commit()
        sup = s.exec(select(Officer).where(Officer.username == "education01")).one()
        team = [o.id for o in s.exec(select(Officer).where(Officer.username.in_(["education03", "education04"])))]
        from cases.models import Department

        actor = actor_for(sup, s.get(Department, sup.department_id), NOW.date())
        ctx = case_service.Ctx(actor=actor, clock=FixedClock(NOW), calendar=get_calendar())
        ids = []
        for inst in institutions:
            result = case_service.receive_complaint(s, ctx, case_service.ComplaintIn(
                channel=Channel.HOTLINE_12345, content=f"{inst.name}周末上学科类课程", region_code=inst.region_code,
                violation_codes=("rest_day_training",), institution_id=inst.id))
            case_service.act(Action.ASSIGN, s, ctx,
                             case_id=result.case.id, version=result.case.version, officer_ids=team)
            ids.append(result.case.id)
    return ids[:n], ids[n:], (engine, ctx), team


def reopen_clocks(engine, ids: list[int]) -> None:  # noqa: ANN001
    with Session(engine) as s:
        for cid in ids:
            s.add(Deadline(case_id=cid, step="assignment", label="线索分派", legal_basis="", kind=DeadlineKind.WORKING,
                           days=3, start_date=date(2026, 3, 2), due_date=date(2026, 3, 5)))
        s.commit()


def run_service(engine, ctx, ids: list[int], team: list[int]) -> list[float]:  # noqa: ANN001
    reopen_clocks(engine, ids)
    times = []
    for cid in ids:
        t0 = time.perf_counter()
        with Session(engine, expire_on_commit=False) as s:
            version = s.get(Case, cid).version
            case_service.act(Action.ASSIGN, s, ctx, case_id=cid, version=version, officer_ids=team)
        times.append(time.perf_counter() - t0)
    return times


BARE_SQL = {
    "case": "SELECT version, status FROM enforcement_case WHERE id = :id",
    "update": "UPDATE enforcement_case SET version = :v + 1, assignee_id = :a, team_officer_ids = :t, "
              "updated_at = :now WHERE id = :id AND version = :v",
    "last": "SELECT seq, hash FROM case_event WHERE case_id = :id ORDER BY seq DESC LIMIT 1",
    "event": "INSERT INTO case_event (case_id, seq, event_type, from_status, to_status, actor_id, occurred_at, "
             "payload, prev_hash, hash) VALUES (:id, :seq, 'assign', 'assigned', 'assigned', :a, :now, :p, :prev, :h)",
    "deadline": "UPDATE deadline SET open = :f, met_at = :now WHERE case_id = :id AND step = 'assignment' AND open",
}


def run_bare(engine, ids: list[int], team: list[int]) -> list[float]:  # noqa: ANN001
    reopen_clocks(engine, ids)
    times = []
    stmts = {k: text(v) for k, v in BARE_SQL.items()}
    for cid in ids:
        t0 = time.perf_counter()
        with engine.begin() as conn:
            version, _ = conn.execute(stmts["case"], {"id": cid}).one()
            now = datetime.now(UTC)
            res = conn.execute(stmts["update"], {"v": version, "a": team[0], "t": json.dumps(team), "now": now,
                                                 "id": cid})
            assert res.rowcount == 1
            seq, prev = conn.execute(stmts["last"], {"id": cid}).one()
            payload = json.dumps({"officer_ids": team})
            digest = hashlib.sha256((prev + payload + now.isoformat()).encode()).hexdigest()
            conn.execute(stmts["event"], {"id": cid, "seq": seq + 1, "a": team[0], "now": now, "p": payload,
                                          "prev": prev, "h": digest})
            conn.execute(stmts["deadline"], {"id": cid, "now": now, "f": False})
        times.append(time.perf_counter() - t0)
    return times


def run_bare_orm(engine, ids: list[int], team: list[int]) -> list[float]:  # noqa: ANN001
    """The same writes through the SQLAlchemy ORM, without lifecycle, guards or authority."""
    from cases.audit import append_event
    from cases.enums import CaseEventType, CaseStatus

    reopen_clocks(engine, ids)
    times = []
    for cid in ids:
        t0 = time.perf_counter()
        with Session(engine, expire_on_commit=False) as s:
            case = s.get(Case, cid)
            case.assignee_id, case.team_officer_ids, case.updated_at = team[0], team, datetime.now(UTC)
            append_event(s, case, CaseEventType.ASSIGN, actor_id=team[0], at=datetime.now(UTC),
                         payload={"officer_ids": team}, from_status=CaseStatus.ASSIGNED,
                         to_status=CaseStatus.ASSIGNED)
            row = s.exec(select(Deadline).where(Deadline.case_id == cid, Deadline.step == "assignment",
                                                Deadline.open)).first()
            row.open, row.met_at = False, datetime.now(UTC)
            s.commit()
        times.append(time.perf_counter() - t0)
    return times


def report(backend: str, ours: list[float], core: list[float], orm: list[float]) -> dict:
    tps = {k: len(v) / sum(v) for k, v in (("ours", ours), ("core", core), ("orm", orm))}
    p50 = {k: statistics.median(v) * 1000 for k, v in (("ours", ours), ("core", core), ("orm", orm))}
    print(f"{backend:9} use case {tps['ours']:7.1f} tx/s (p50 {p50['ours']:.2f} ms) | bare Core {tps['core']:7.1f} "
          f"tx/s ({p50['core']:.2f} ms) ratio {tps['ours'] / tps['core']:.2f} | bare ORM {tps['orm']:7.1f} tx/s "
          f"({p50['orm']:.2f} ms) ratio {tps['ours'] / tps['orm']:.2f}   [target >= 0.70]")
    return {"backend": backend, **{f"{k}_tps": round(v, 1) for k, v in tps.items()},
            "ratio_core": round(tps["ours"] / tps["core"], 3), "ratio_orm": round(tps["ours"] / tps["orm"], 3)}


def bench(url: str, backend: str, n: int) -> dict:
    ours_ids, bare_ids, (engine, ctx), team = prepare(url, n)
    half = len(bare_ids) // 2
    core_ids, orm_ids = bare_ids[:half], bare_ids[half:]
    run_service(engine, ctx, ours_ids[:20], team)  # warm-up (imports, caches, statement cache)
    run_bare(engine, core_ids[:20], team)
    run_bare_orm(engine, orm_ids[:20], team)
    ours, core, orm = [], [], []
    for _ in range(3):  # interleave to share the machine's noise fairly
        ours += run_service(engine, ctx, ours_ids[20:], team)
        core += run_bare(engine, core_ids[20:], team)
        orm += run_bare_orm(engine, orm_ids[20:], team)
    engine.dispose()
    return report(backend, ours, core, orm)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench(f"sqlite:///{tmp}/bench.db", "sqlite", args.n)
    with temporary_database("enforce_bench") as url:
        if url:
            bench(url, "postgres", args.n)
            from cases.db import _engine_for

            _engine_for.cache_clear()


if __name__ == "__main__":
    main()
