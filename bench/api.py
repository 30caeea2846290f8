"""Case transitions over HTTP at 32 concurrent clients: our API against a bare FastAPI + SQLAlchemy app.

Workload (as bench/transitions.py): re-assigning a team, `POST /cases/{id}/actions/assign` with
`If-Match` (assigned → assigned), which writes a versioned UPDATE of the case, one hash-chained
`case_event` row and closes the assignment clock. Each client owns one case and chains its
versions from the ETag of its previous answer.

The baseline is a bare FastAPI + SQLAlchemy app defined below, doing the same work through an ORM
session on the same engine settings (`cases.db.make_engine`): it checks the bearer token's
signature and expiry (the product's token format), writes the same rows, looks up the
department's message channels, and answers with the case's columns and its open clocks. It has
no session lookup, role, jurisdiction, lifecycle or guard, and its answer has no names, working
days or allowed actions. Both apps run under uvicorn (one process
each, started from this file) against the same database; rounds are interleaved on SQLite and
PostgreSQL and the totals printed with the ratios (targets: throughput ≥ 0.8 of bare, p99 ≤ 1.5×).

    uv run python bench/api.py [--clients 32] [--requests 25] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from fastapi import FastAPI, Header, HTTPException, Response
from pydantic import BaseModel

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pgtemp import temporary_database  # noqa: E402  (bench/ is on sys.path when run as a script)

SECRET = "bench-secret-" + "k" * 40
PASSWORD = "bench-password"
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


# --- the bare app ---------------------------------------------------------------------------------


class AssignIn(BaseModel):
    officer_ids: list[int]


def bare_app(url: str):  # noqa: ANN201
    """FastAPI + SQLAlchemy doing the same work, nothing else: check the bearer token's signature and
    expiry, read the case, compare If-Match, update it, append the hash-chained event, stop the
    assignment clock, queue the notice for the department's channels, commit, and answer with the
    case and its open clocks (what a client of any case API gets back)."""
    from fastapi import Depends
    from fastapi.security import OAuth2PasswordBearer
    from sqlmodel import Session, col, select

    from api.errors import NotAuthenticated
    from api.security import read_token
    from cases.audit import append_event
    from cases.db import make_engine
    from cases.enums import CaseEventType, CaseStatus
    from cases.models import Case, Deadline, MessageChannel, MessageDelivery

    engine = make_engine(url)
    secret = SECRET.encode()
    bearer = OAuth2PasswordBearer(tokenUrl="/token", auto_error=False)
    app = FastAPI()

    @app.get("/health")
    def health() -> dict:
        return {"status": "ok"}

    @app.post("/cases/{case_id}/assign")
    def assign(case_id: int, body: AssignIn, response: Response, if_match: str = Header(alias="If-Match"),
               token: str | None = Depends(bearer)) -> dict:
        try:
            claims = read_token(secret, token or "", datetime.now(UTC))
        except NotAuthenticated:
            raise HTTPException(401) from None
        with Session(engine, expire_on_commit=False) as s:
            case = s.get(Case, case_id)
            if case is None:
                raise HTTPException(404)
            if case.version != int(if_match.strip('"')):
                raise HTTPException(409)
            now = datetime.now(UTC)
            team = body.officer_ids
            case.assignee_id, case.team_officer_ids, case.updated_at = team[0], team, now
            append_event(s, case, CaseEventType.ASSIGN, actor_id=claims["sub"], at=now, payload={"officer_ids": team},
                         from_status=CaseStatus.ASSIGNED, to_status=CaseStatus.ASSIGNED)
            clocks = s.exec(select(Deadline).where(Deadline.case_id == case_id, col(Deadline.open))).all()
            for clock in clocks:
                if clock.step == "assignment":
                    clock.open, clock.met_at = False, now
            for channel in s.exec(select(MessageChannel).where(MessageChannel.department_id == case.lead_department_id,
                                                               col(MessageChannel.active))).all():
                s.add(MessageDelivery(channel_id=channel.id, department_id=case.lead_department_id, case_id=case_id,
                                      topic="assigned", text="已分派", created_at=now))
            s.commit()
            response.headers["ETag"] = f'"{case.version}"'
            return {**case.model_dump(mode="json"),
                    "deadlines": [d.model_dump(mode="json") for d in clocks if d.open]}

    return app


# --- servers --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(kind: str, url: str, port: int) -> None:
    import uvicorn

    target = bare_app(url) if kind == "bare" else "api.main:app"
    uvicorn.run(target, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def start(kind: str, url: str, home: Path) -> tuple[subprocess.Popen, str]:
    import httpx

    port = free_port()
    env = {**os.environ, "ENFORCE_HOME": str(home), "ENFORCE_DATABASE_URL": url,
           "ENFORCE_TOKEN_SECRET": SECRET}
    command = [sys.executable, __file__, "--serve", kind, "--url", url, "--port", str(port)]
    proc = subprocess.Popen(command, env=env)
    base = f"http://127.0.0.1:{port}"
    health = "/health" if kind == "bare" else "/api/v1/health"
    for _ in range(300):
        try:
            if httpx.get(base + health, timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"{kind} server did not start")


# --- data -----------------------------------------------------------------------------------------


def prepare(url: str, n: int) -> tuple[list[int], list[int], list[int]]:
    """A seeded county with 2n assigned cases: n for each app; the team to re-assign."""
    from sqlmodel import Session, select

    from cases import service as case_service
    from cases.actions import Action
    from cases.db import make_engine, migrate
    from cases.enums import Channel
    from cases.models import Department, Officer
    from cases.settings import FixedClock, get_calendar
    from flows.context import actor_for
    from flows.demo import seed

    migrate(url)
    engine = make_engine(url)
    rng = random.Random(1)
    with Session(engine, expire_on_commit=False) as s:
        seed.seed_regions(s)
        seed.seed_departments(s, rng, NOW.date(), PASSWORD)
        institutions = seed.seed_institutions(s, rng, 2 * n, NOW)
        s.commit()
        sup = s.exec(select(Officer).where(Officer.username == "education01")).one()
        team = [s.exec(select(Officer.id).where(Officer.username == u)).one()
                for u in ("education03", "education04")]
        ctx = case_service.Ctx(actor=actor_for(sup, s.get(Department, sup.department_id), NOW.date()),
                               clock=FixedClock(NOW), calendar=get_calendar())
        ids = []
        for inst in institutions:
            result = case_service.receive_complaint(s, ctx, case_service.ComplaintIn(
                channel=Channel.HOTLINE_12345, content=f"{inst.name}周末上学科类课程", region_code=inst.region_code,
                violation_codes=("rest_day_training",), institution_id=inst.id))
            case_service.act(Action.ASSIGN, s, ctx, case_id=result.case.id, version=result.case.version,
                                     officer_ids=team)
            ids.append(result.case.id)
    engine.dispose()
    return ids[:n], ids[n:], team


# --- load -----------------------------------------------------------------------------------------


def run_round(base: str, path: str, case_ids: list[int], team: list[int], requests: int,
              token: str | None) -> tuple[list[float], float, int]:
    """Each client re-assigns its case `requests` times; (latencies, wall seconds, failures)."""
    import httpx

    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    barrier = threading.Barrier(len(case_ids) + 1)
    headers = {"Authorization": f"Bearer {token}"} if token else {}

    def client(case_id: int) -> None:
        mine: list[float] = []
        with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
            version = current_version(case_id)
            barrier.wait()
            for _ in range(requests):
                t0 = time.perf_counter()
                answer = http.post(path.format(case_id=case_id), json={"officer_ids": team},
                                   headers={"If-Match": f'"{version}"'})
                mine.append(time.perf_counter() - t0)
                if answer.status_code != 200:
                    failures[0] += 1
                    version = current_version(case_id)
                else:
                    version = int(answer.headers["ETag"].strip('"'))
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(cid,)) for cid in case_ids]
    for t in threads:
        t.start()
    barrier.wait()
    start_at = time.perf_counter()
    for t in threads:
        t.join()
    return latencies, time.perf_counter() - start_at, failures[0]


_VERSION_URL: dict[str, str] = {}


def current_version(case_id: int) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(_VERSION_URL["url"])
    with engine.connect() as conn:
        query = text("SELECT version FROM enforcement_case WHERE id = :i")
        value = conn.execute(query, {"i": case_id}).scalar()
    engine.dispose()
    return int(value)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def bench(url: str, backend: str, clients: int, requests: int, rounds: int) -> dict:
    import httpx

    _VERSION_URL["url"] = url
    ours_ids, bare_ids, team = prepare(url, clients)
    with tempfile.TemporaryDirectory() as home:
        ours, ours_base = start("ours", url, Path(home))
        bare, bare_base = start("bare", url, Path(home))
        try:
            token = httpx.post(f"{ours_base}/api/v1/auth/token",
                               data={"username": "education01", "password": PASSWORD}).json()["access_token"]
            runs = {"ours": ([], 0.0, 0), "bare": ([], 0.0, 0)}
            plan = [("ours", ours_base, "/api/v1/cases/{case_id}/actions/assign", ours_ids, token),
                    ("bare", bare_base, "/cases/{case_id}/assign", bare_ids, token)]
            for _name, base, path, ids, tok in plan:  # warm-up: imports, caches, pools
                run_round(base, path, ids, team, 3, tok)
            for r in range(rounds):
                for name, base, path, ids, tok in (plan if r % 2 == 0 else plan[::-1]):
                    lat, wall, fail = run_round(base, path, ids, team, requests, tok)
                    prev = runs[name]
                    runs[name] = (prev[0] + lat, prev[1] + wall, prev[2] + fail)
        finally:
            for proc in (ours, bare):
                proc.terminate()
                proc.wait(timeout=10)
    return report(backend, clients, runs)


def report(backend: str, clients: int, runs: dict) -> dict:
    out = {}
    for name, (lat, wall, fail) in runs.items():
        out[name] = {"tps": len(lat) / wall, "p50": pct(lat, 0.50), "p99": pct(lat, 0.99), "n": len(lat),
                     "failed": fail}
    o, b = out["ours"], out["bare"]
    ratio_tps, ratio_p99 = o["tps"] / b["tps"], o["p99"] / b["p99"]
    print(f"{backend:9} {clients} clients | ours {o['tps']:6.1f} req/s p50 {o['p50']:6.1f} ms "
          f"p99 {o['p99']:6.1f} ms "
          f"(n={o['n']}, non-200 {o['failed']}) | bare {b['tps']:6.1f} req/s p50 {b['p50']:6.1f} ms "
          f"p99 {b['p99']:6.1f} ms (n={b['n']}, non-200 {b['failed']}) | throughput ratio {ratio_tps:.2f} "
          f"[>= 0.80 {'ok' if ratio_tps >= 0.8 else 'MISSED'}] p99 ratio {ratio_p99:.2f} "
          f"[<= 1.50 {'ok' if ratio_p99 <= 1.5 else 'MISSED'}] | load average {os.getloadavg()[0]:.1f}", flush=True)
    figures = {f"{k}_{m}": round(v[m], 1) for k, v in out.items() for m in ("tps", "p50", "p99")}
    return {"backend": backend, **figures,
            "ratio_tps": round(ratio_tps, 2), "ratio_p99": round(ratio_p99, 2)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--requests", type=int, default=25, help="requests per client per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--serve", choices=["ours", "bare"])
    parser.add_argument("--url")
    parser.add_argument("--port", type=int)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.url, args.port)
        return
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            bench(f"sqlite:///{tmp}/bench.db", "sqlite", args.clients, args.requests, args.rounds)
    if args.backend in ("postgres", "both"):
        bench_postgres(args)


def bench_postgres(args: argparse.Namespace) -> None:
    with temporary_database("enforce_bench_api") as url:
        if url:
            bench(url, "postgres", args.clients, args.requests, args.rounds)


if __name__ == "__main__":
    main()
