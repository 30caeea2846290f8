"""`enforce serve` starts uvicorn on `api.main:app` and answers over real HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.api
ROOT = Path(__file__).resolve().parents[2]


def test_enforce_serve_answers(tmp_path: Path) -> None:
    from cases.db import migrate

    url = f"sqlite:///{tmp_path / 'enforce.db'}"
    migrate(url)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "ENFORCE_HOME": str(tmp_path), "ENFORCE_DATABASE_URL": url}
    env.pop("ENFORCE_TOKEN_SECRET", None)
    command = [sys.executable, "-c", "from flows.cli import app; app()", "serve", "--port", str(port),
               "--log-level", "warning"]
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                health = httpx.get(f"{base}/api/v1/health", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            pytest.fail(proc.stdout.read1().decode() if proc.stdout else "no answer")
        assert health.json() == {"status": "ok"}
        spec = httpx.get(f"{base}/openapi.json").json()
        assert "/api/v1/cases/{case_id}/actions/assign" in spec["paths"]
        anonymous = httpx.get(f"{base}/api/v1/cases")
        assert anonymous.status_code == 401 and anonymous.json()["code"] == "not_authenticated"
        key = tmp_path / "secret_key"
        assert key.exists() and oct(key.stat().st_mode & 0o777) == "0o600"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
