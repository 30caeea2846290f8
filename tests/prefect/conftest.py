"""Helpers for the real-server tests: a free port, the Prefect REST API, a webhook receiver that
stands in for the bureau's alert channel, process-tree kills and bounded polling.

Each module starts ONE Prefect server and its workers (module-scoped fixture, fresh PREFECT_HOME
in tmp, random port) and always tears them down by process group.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"
TERMINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what: str, check: Callable[[], Any], timeout: float, every: float = 0.5) -> Any:
    """Poll `check` until it returns something truthy; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


def base_env(**extra: str) -> dict[str, str]:
    """The environment of a spawned server, worker or CLI. The polls are shortened for the tests: a
    worker asks for runs every second, and a run refused by a deployment's `concurrency_limit` is
    offered again after one second instead of Prefect's 30 (the limit itself still holds). The
    server's scheduler service is off: it would fill the database with the schedules' future runs
    (none of which falls inside a test) and their events, for CPU the two-core suite does not have;
    every run a test checks is started explicitly."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "ENFORCE_"))}
    env.update({"PATH": f"{BIN}:{env.get('PATH', '')}", "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                "DO_NOT_TRACK": "1", "PREFECT_WORKER_QUERY_SECONDS": "1", "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
                "PREFECT_SERVER_DEPLOYMENTS_CONCURRENCY_SLOT_WAIT_SECONDS": "1",
                "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false"})
    env.update(extra)
    return env


def spawn(cmd: list[str] | str, env: dict[str, str], cwd: Path, log: Path) -> subprocess.Popen:
    """A long-running process in its own session with default SIGINT (see docs/operations.md)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(cmd, env=env, cwd=cwd, shell=isinstance(cmd, str), executable="/bin/bash"
                            if isinstance(cmd, str) else None, stdout=log.open("ab"), stderr=subprocess.STDOUT,
                            start_new_session=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def stop(proc: subprocess.Popen, timeout: float = 20) -> None:
    if proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def kill_tree(pid: int) -> None:
    """SIGKILL a process and everything under it, as a host failure would."""
    for p in [pid, *descendants(pid)]:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass


# The transport errors Prefect's own client retries (prefect/client/base.py): read timeouts (a
# server on a loaded 2-core machine can stall while it records a burst of events), and a kept-alive
# connection the server closed just as a request went out on it (uvicorn's race: "Server
# disconnected without sending a response", which failed one CI run).
_TRANSIENT = (httpx.ReadTimeout, httpx.PoolTimeout, httpx.ConnectTimeout, httpx.ReadError, httpx.WriteError,
              httpx.RemoteProtocolError, httpx.LocalProtocolError)


class _RetryingClient(httpx.Client):
    """Retries what Prefect's own client retries: 503 (the server's SQLite is busy), 429 and the
    transient transport errors above."""

    def request(self, *args: Any, **kwargs: Any) -> httpx.Response:
        for attempt in range(8):
            try:
                response = super().request(*args, **kwargs)
            except _TRANSIENT:
                if attempt == 7:
                    raise
                time.sleep(0.5 * (attempt + 1))
                continue
            if response.status_code not in (429, 503):
                return response
            time.sleep(0.5 * (attempt + 1))
        return response


class Api:
    """The few Prefect REST calls the tests need."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = _RetryingClient(base_url=url, timeout=60)

    def deployment(self, name: str) -> dict:
        flow, dep = name.split("/")
        response = self.http.get(f"/deployments/name/{flow}/{dep}")
        response.raise_for_status()
        return response.json()

    def run(self, name: str, **parameters: Any) -> str:
        dep = self.deployment(name)
        body = {"parameters": {k: v.isoformat() if isinstance(v, date) else v for k, v in parameters.items()}}
        response = self.http.post(f"/deployments/{dep['id']}/create_flow_run", json=body)
        response.raise_for_status()
        return response.json()["id"]

    def flow_run(self, run_id: str) -> dict:
        response = self.http.get(f"/flow_runs/{run_id}")
        response.raise_for_status()
        return response.json()

    def state(self, run_id: str) -> str:
        return (self.flow_run(run_id).get("state") or {}).get("type", "")

    def wait_done(self, run_id: str, timeout: float = 150) -> dict:
        wait_for(f"flow run {run_id} to finish", lambda: self.state(run_id) in TERMINAL, timeout)
        return self.flow_run(run_id)

    def task_runs(self, run_id: str) -> list[dict]:
        response = self.http.post("/task_runs/filter", json={"flow_runs": {"id": {"any_": [run_id]}}})
        response.raise_for_status()
        return response.json()

    def artifacts(self, run_id: str) -> list[dict]:
        response = self.http.post("/artifacts/filter", json={"flow_runs": {"id": {"any_": [run_id]}}})
        response.raise_for_status()
        return response.json()

    def result(self, run_id: str) -> Any:
        """The flow's persisted return value, read back through Prefect's own result store."""
        from prefect.client.schemas.objects import State
        from prefect.settings import PREFECT_API_URL, temporary_settings

        state = State.model_validate(self.flow_run(run_id)["state"])
        with temporary_settings({PREFECT_API_URL: self.url}):
            return state.result()


class Webhook:
    """An HTTP endpoint that records every JSON body POSTed to it (the alert channel)."""

    def __init__(self) -> None:
        self.bodies: list[dict] = []
        received = self.bodies

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("content-length") or 0)
                try:
                    received.append(json.loads(self.rfile.read(length) or b"{}"))
                except ValueError:
                    received.append({"raw": True})
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/alerts"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def webhook() -> Iterator[Webhook]:
    hook = Webhook()
    yield hook
    hook.close()


def seed_county(url: str, home: Path) -> None:
    """Migrate `url` and seed a 40-institution county into it (ENFORCE_HOME = home)."""
    from sqlmodel import Session

    from cases.db import make_engine, migrate
    from flows.demo import seed
    from tests.conftest import _clear_caches
    from tests.integration.conftest import at

    mp = pytest.MonkeyPatch()
    mp.setenv("ENFORCE_HOME", str(home))
    mp.setenv("ENFORCE_DATABASE_URL", url)
    _clear_caches()
    try:
        migrate(url)
        engine = make_engine(url)
        rng = random.Random(3)
        with Session(engine, expire_on_commit=False) as s:
            seed.seed_regions(s)
            seed.seed_departments(s, rng, at("2026-11-01").date(), "prefect-stack-pw")
            seed.seed_institutions(s, rng, 40, at("2026-11-01 09:00"))
            s.commit()
        engine.dispose()
    finally:
        mp.undo()
        _clear_caches()
