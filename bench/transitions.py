"""Use-case transitions per second against a bare SQLAlchemy script doing the same writes.

Baselines, in the same process and database: "bare Core" (hand-written SQL statements through
SQLAlchemy Core: the floor) and "bare ORM" (the same rows through a SQLAlchemy ORM session, as a
hand-written app would do it, without lifecycle, guards or authority).

Workload: re-assigning a team (`assign_case`, assigned → assigned), which writes a versioned
update of the case, one hash-chained `case_event` row and one `deadline` row (a fresh
assignment clock is opened before each measured call and the transition closes it), and queues
the assignment notice for the lead department's active message channels (`cases.messages`: one
`message_delivery` row per channel; the seeded county has none, so the lookup finds none). The
baselines do exactly that work in the same process, on the same database: read the case with
the version the caller holds, `UPDATE … WHERE version = :v`, read the last event's seq and hash,
insert the event with its SHA-256 over the same canonical JSON (`cases.audit`), close the clock,
look up the department's channels, commit. Every caller knows the version it acts on (the API
client from the ETag), so it is read before the clock starts for all three. Both run on SQLite
(WAL) and PostgreSQL; `--profile` prints the use case's statements per transition and its
cProfile top entries.

    uv run python bench/transitions.py [--n 300]
"""

from __future__ import annotations

import argparse
import json
import os
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


VERSIONS = "SELECT id, version FROM enforcement_case WHERE id IN"


def versions(engine, ids: list[int]) -> dict[int, int]:  # noqa: ANN001
    """The version each caller holds (an API client has it from the ETag), read before the clock starts."""
    with engine.connect() as conn:
        rows = conn.execute(text(f"{VERSIONS} ({', '.join(str(int(i)) for i in ids)})")).all()
    return dict(rows)


def run_service(engine, ctx, ids: list[int], team: list[int]) -> list[tuple[float, float]]:  # noqa: ANN001
    reopen_clocks(engine, ids)
    held = versions(engine, ids)
    times = []
    for cid in ids:
        t0, c0 = time.perf_counter(), time.thread_time()
        with Session(engine, expire_on_commit=False) as s:
            case_service.act(Action.ASSIGN, s, ctx, case_id=cid, version=held[cid], officer_ids=team)
        times.append((time.perf_counter() - t0, time.thread_time() - c0))
    return times


BARE_SQL = {
    "case": "SELECT version, status, lead_department_id FROM enforcement_case WHERE id = :id",
    "update": "UPDATE enforcement_case SET version = :v + 1, assignee_id = :a, team_officer_ids = :t, "
              "updated_at = :now WHERE id = :id AND version = :v",
    "last": "SELECT seq, hash FROM case_event WHERE case_id = :id ORDER BY seq DESC LIMIT 1",
    "event": "INSERT INTO case_event (case_id, seq, event_type, from_status, to_status, actor_id, occurred_at, "
             "payload, prev_hash, hash) VALUES (:id, :seq, 'assign', 'assigned', 'assigned', :a, :now, :p, :prev, :h)",
    "deadline": "UPDATE deadline SET open = :f, met_at = :now WHERE case_id = :id AND step = 'assignment' AND open",
    "channels": "SELECT id FROM message_channel WHERE department_id = :d AND active",
    "message": "INSERT INTO message_delivery (channel_id, department_id, case_id, topic, text, state, attempts, "
               "last_error, created_at) VALUES (:c, :d, :id, 'assigned', :text, 'pending', 0, '', :now)",
}


def run_bare(engine, ids: list[int], team: list[int], *, reopen: bool = True) -> list[tuple[float, float]]:  # noqa: ANN001
    from cases.audit import _hash

    if reopen:
        reopen_clocks(engine, ids)
    held = versions(engine, ids)
    times = []
    stmts = {k: text(v) for k, v in BARE_SQL.items()}
    for cid in ids:
        t0, c0 = time.perf_counter(), time.thread_time()
        with engine.begin() as conn:
            version, _, dept = conn.execute(stmts["case"], {"id": cid}).one()
            assert version == held[cid]
            now = datetime.now(UTC)
            res = conn.execute(stmts["update"], {"v": version, "a": team[0], "t": json.dumps(team), "now": now,
                                                 "id": cid})
            assert res.rowcount == 1
            seq, prev = conn.execute(stmts["last"], {"id": cid}).one()
            payload = {"officer_ids": team}
            digest = _hash(prev, cid, seq + 1, "assign", "assigned", "assigned", team[0], now, payload)
            conn.execute(stmts["event"], {"id": cid, "seq": seq + 1, "a": team[0], "now": now,
                                          "p": json.dumps(payload), "prev": prev, "h": digest})
            conn.execute(stmts["deadline"], {"id": cid, "now": now, "f": False})
            for (channel,) in conn.execute(stmts["channels"], {"d": dept}).all():
                conn.execute(stmts["message"], {"c": channel, "d": dept, "id": cid, "text": "已分派", "now": now})
        times.append((time.perf_counter() - t0, time.thread_time() - c0))
    return times


def run_bare_orm(engine, ids: list[int], team: list[int], *, reopen: bool = True) -> list[tuple[float, float]]:  # noqa: ANN001
    """The same writes through the SQLAlchemy ORM, without lifecycle, guards or authority."""
    from cases.audit import append_event
    from cases.enums import CaseEventType, CaseStatus
    from cases.models import MessageChannel, MessageDelivery

    if reopen:
        reopen_clocks(engine, ids)
    held = versions(engine, ids)
    times = []
    for cid in ids:
        t0, c0 = time.perf_counter(), time.thread_time()
        with Session(engine, expire_on_commit=False) as s:
            case = s.get(Case, cid)
            assert case.version == held[cid]
            now = datetime.now(UTC)
            case.assignee_id, case.team_officer_ids, case.updated_at = team[0], team, now
            append_event(s, case, CaseEventType.ASSIGN, actor_id=team[0], at=now,
                         payload={"officer_ids": team}, from_status=CaseStatus.ASSIGNED,
                         to_status=CaseStatus.ASSIGNED)
            row = s.exec(select(Deadline).where(Deadline.case_id == cid, Deadline.step == "assignment",
                                                Deadline.open)).first()
            row.open, row.met_at = False, now
            for channel in s.exec(select(MessageChannel).where(MessageChannel.department_id == case.lead_department_id,
                                                               MessageChannel.active)).all():
                s.add(MessageDelivery(channel_id=channel.id, department_id=case.lead_department_id, case_id=cid,
                                      topic="assigned", text="已分派", created_at=now))
            s.commit()
        times.append((time.perf_counter() - t0, time.thread_time() - c0))
    return times


def report(backend: str, ours: list[tuple[float, float]], core: list[tuple[float, float]],
           orm: list[tuple[float, float]]) -> dict:
    """Throughput from wall time, and the same ratios from this process's CPU time per transaction
    (thread_time: steadier on a loaded machine; on PostgreSQL it leaves out the server's share)."""
    runs = {"ours": ours, "core": core, "orm": orm}
    tps = {k: len(v) / sum(w for w, _ in v) for k, v in runs.items()}
    cpu = {k: sum(c for _, c in v) / len(v) * 1000 for k, v in runs.items()}
    p50 = {k: statistics.median(w for w, _ in v) * 1000 for k, v in runs.items()}
    r_core, r_orm = tps["ours"] / tps["core"], tps["ours"] / tps["orm"]
    print(f"{backend:9} use case {tps['ours']:7.1f} tx/s (p50 {p50['ours']:.2f} ms) | bare Core {tps['core']:7.1f} "
          f"tx/s ({p50['core']:.2f} ms) ratio {r_core:.2f} [>= 0.30 {'ok' if r_core >= 0.3 else 'MISSED'}] | "
          f"bare ORM {tps['orm']:7.1f} tx/s ({p50['orm']:.2f} ms) ratio {r_orm:.2f} "
          f"[>= 0.90 {'ok' if r_orm >= 0.9 else 'MISSED'}] | load average {os.getloadavg()[0]:.1f}", flush=True)
    print(f"{'':9} CPU ms per transaction: use case {cpu['ours']:.2f}, bare Core {cpu['core']:.2f} "
          f"(ratio {cpu['core'] / cpu['ours']:.2f}), bare ORM {cpu['orm']:.2f} (ratio {cpu['orm'] / cpu['ours']:.2f})",
          flush=True)
    return {"backend": backend, **{f"{k}_tps": round(v, 1) for k, v in tps.items()},
            **{f"{k}_cpu_ms": round(v, 3) for k, v in cpu.items()},
            "ratio_core": round(r_core, 3), "ratio_orm": round(r_orm, 3)}


def statements(engine, run) -> tuple[float, list[str]]:  # noqa: ANN001
    """Statements per transition of `run(ids)` (the clocks it reopens not counted), and their first lines."""
    from sqlalchemy import event

    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001
        if not statement.startswith(VERSIONS):  # the callers' versions, read before the clock
            seen.append(statement.split("\n")[0][:110])

    n = run(None)
    event.listen(engine, "before_cursor_execute", count)
    try:
        run(n)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen) / len(n), seen


def profile(engine, ctx, ids: list[int], core_ids: list[int], orm_ids: list[int], team: list[int]) -> None:  # noqa: ANN001
    """Statements per transition for the three paths, then cProfile of the use case (cumulative, tottime)."""
    import collections
    import cProfile
    import pstats

    def timed_only(fn, some):  # noqa: ANN001, ANN202 — reopen/versions outside the counted part
        def run(prepared):  # noqa: ANN001, ANN202
            if prepared is None:
                reopen_clocks(engine, some)
                return some
            fn(prepared)
            return prepared
        return run

    def ours(part: list[int]) -> None:
        held = versions(engine, part)
        for cid in part:
            with Session(engine, expire_on_commit=False) as s:
                case_service.act(Action.ASSIGN, s, ctx, case_id=cid, version=held[cid], officer_ids=team)

    for name, fn, some in (("use case", ours, ids[:10]),
                           ("bare Core", lambda p: _bare_core_once(engine, p, team), core_ids[:10]),
                           ("bare ORM", lambda p: _bare_orm_once(engine, p, team), orm_ids[:10])):
        per, seen = statements(engine, timed_only(fn, some))
        print(f"{name:9} {per:.1f} statements per transition")
        if name == "use case":
            for text_, k in collections.Counter(seen).most_common():
                print(f"    {k / len(some):4.1f}  {text_}")
    rest = ids[10:]
    reopen_clocks(engine, rest)
    held = versions(engine, rest)
    prof = cProfile.Profile()
    prof.enable()
    for cid in rest:
        with Session(engine, expire_on_commit=False) as s:
            case_service.act(Action.ASSIGN, s, ctx, case_id=cid, version=held[cid], officer_ids=team)
    prof.disable()
    stats = pstats.Stats(prof)
    calls = {"use case": stats.total_calls / len(rest)}  # type: ignore[attr-defined]
    for name, fn, some in (("bare Core", run_bare, core_ids[10:]), ("bare ORM", run_bare_orm, orm_ids[10:])):
        reopen_clocks(engine, some)
        other = cProfile.Profile()
        other.runcall(fn, engine, some, team, reopen=False)
        calls[name] = pstats.Stats(other).total_calls / len(some)  # type: ignore[attr-defined]
    print("Python function calls per transition (a CPU measure that load does not move): "
          + ", ".join(f"{k} {v:,.0f}" for k, v in calls.items()))
    print(f"cProfile of {len(rest)} transitions")
    stats.sort_stats("cumulative").print_stats(30)
    stats.sort_stats("tottime").print_stats(20)


def _bare_core_once(engine, ids: list[int], team: list[int]) -> None:  # noqa: ANN001
    run_bare(engine, ids, team, reopen=False)


def _bare_orm_once(engine, ids: list[int], team: list[int]) -> None:  # noqa: ANN001
    run_bare_orm(engine, ids, team, reopen=False)


def bench(url: str, backend: str, n: int, rounds: int, with_profile: bool) -> dict:
    ours_ids, bare_ids, (engine, ctx), team = prepare(url, n)
    half = len(bare_ids) // 2
    core_ids, orm_ids = bare_ids[:half], bare_ids[half:]
    run_service(engine, ctx, ours_ids[:20], team)  # warm-up (imports, caches, statement cache)
    run_bare(engine, core_ids[:20], team)
    run_bare_orm(engine, orm_ids[:20], team)
    if with_profile:
        profile(engine, ctx, ours_ids[20:], core_ids[20:], orm_ids[20:], team)
        engine.dispose()
        return {}
    ours, core, orm = [], [], []
    for _ in range(rounds):  # interleave to share the machine's noise fairly
        ours += run_service(engine, ctx, ours_ids[20:], team)
        core += run_bare(engine, core_ids[20:], team)
        orm += run_bare_orm(engine, orm_ids[20:], team)
    engine.dispose()
    return report(backend, ours, core, orm)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--profile", action="store_true", help="statements per transition and cProfile, no timing")
    args = parser.parse_args()
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            bench(f"sqlite:///{tmp}/bench.db", "sqlite", args.n, args.rounds, args.profile)
    if args.backend in ("postgres", "both"):
        with temporary_database("enforce_bench") as url:
            if url:
                bench(url, "postgres", args.n, args.rounds, args.profile)
                from cases.db import _engine_for

                _engine_for.cache_clear()


if __name__ == "__main__":
    main()
