"""README "Production", followed word for word: its four shell blocks run verbatim (a Prefect
server on PostgreSQL, `enforce db upgrade` + `enforce prefect deploy` from a clean checkout of a
commit, two workers, the check run), with the site settings of its table as the environment.

The workers are started with an empty `ENFORCE_DATABASE_URL` and no `ENFORCE_HOME` (the setup
that once ran an intake against an empty SQLite file): the runs must still use the PostgreSQL
database and the shared ENFORCE_HOME, because those come from the work pool and its Secret block.
"""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.conftest import PG_ADMIN_URL
from tests.prefect.conftest import ROOT, Api, base_env, free_port, seed_county, spawn, stop, wait_for

pytestmark = [pytest.mark.prefect, pytest.mark.postgres, pytest.mark.timeout(600)]


def readme_blocks() -> list[str]:
    """The ```bash blocks of the README's "Production" section, in order."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Production\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.*?)```", section, flags=re.S)


@pytest.fixture(scope="module")
def databases() -> Iterator[tuple[str, str]]:
    suffix = uuid.uuid4().hex[:10]
    names = (f"prefect_{suffix}", f"enforce_{suffix}")
    try:
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 — no server: skip with the reason
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc.__class__.__name__}")
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    yield (base.replace("+psycopg", "+asyncpg") + f"/{names[0]}", f"{base}/{names[1]}")
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def release_checkout(tmp: Path) -> tuple[Path, str]:
    """A clean git checkout of the code under test at one commit (the release)."""
    checkout = tmp / "enforce"
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, check=True,
                           capture_output=True, text=True).stdout.splitlines()
    for name in files:
        source = ROOT / name
        if source.is_file():
            (checkout / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, checkout / name)
    git = ["git", "-c", "user.name=release", "-c", "user.email=release@example.invalid"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "release"],
                 ["remote", "add", "origin", str(checkout)]):
        subprocess.run([*git, *args], cwd=checkout, check=True, capture_output=True)
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=checkout, check=True, capture_output=True,
                            text=True).stdout.strip()
    return checkout, commit


def test_readme_production_section_word_for_word(tmp_path: Path, databases: tuple[str, str]) -> None:
    prefect_db, enforce_db = databases
    server_block, deploy_block, worker_block, check_block = readme_blocks()
    shared = tmp_path / "shared"  # ENFORCE_HOME on shared storage
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    site = {"ENFORCE_DATABASE_URL": enforce_db, "ENFORCE_HOME": str(shared), "PREFECT_API_URL": api_url}
    checkout, commit = release_checkout(tmp_path)
    procs: list[subprocess.Popen] = []
    try:
        procs.append(spawn(server_block, base_env(
            PREFECT_HOME=str(tmp_path / "server-host"), PREFECT_API_DATABASE_CONNECTION_URL=prefect_db,
            PREFECT_SERVER_API_HOST="127.0.0.1", PREFECT_SERVER_API_PORT=str(port)), tmp_path, tmp_path / "server.log"))
        api = Api(api_url)
        wait_for("the Prefect server on PostgreSQL", lambda: _healthy(api) or _dead(procs[0]), timeout=240)
        assert procs[0].poll() is None, (tmp_path / "server.log").read_text()[-3000:]

        deployed = subprocess.run(deploy_block, shell=True, executable="/bin/bash", cwd=checkout, timeout=300,
                                  env=base_env(**site, PREFECT_HOME=str(tmp_path / "release-host")),
                                  capture_output=True, text=True)
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr

        for n in (1, 2):  # two worker hosts, set up carelessly: empty database URL, no ENFORCE_HOME
            procs.append(spawn(worker_block, base_env(PREFECT_API_URL=api_url, ENFORCE_DATABASE_URL="",
                                                      PREFECT_HOME=str(tmp_path / f"worker-host-{n}")),
                               tmp_path, tmp_path / f"worker-{n}.log"))
        wait_for("two online workers in the pool", lambda: len(_online_workers(api)) == 2, timeout=120)

        checked = subprocess.run(check_block, shell=True, executable="/bin/bash", cwd=tmp_path, timeout=300,
                                 env=base_env(PREFECT_API_URL=api_url), capture_output=True, text=True)
        assert checked.returncode == 0, checked.stdout + checked.stderr

        # the bureau loads its county; an uploaded hotline export is imported by whichever worker
        seed_county(enforce_db, shared)
        upload = _store_upload(shared, tmp_path / "hotline.csv")
        runs = [api.run("intake-batch/intake-batch", upload=upload)]
        runs += [api.run("deadline-sweep/deadline-sweep", day=f"2026-12-0{d}") for d in (2, 3, 4)]
        done = [api.wait_done(r, timeout=240) for r in runs]
        assert [d["state"]["type"] for d in done] == ["COMPLETED"] * 4, [d["state"] for d in done]
        assert {api.deployment(n)["version"] for n in ("intake-batch/intake-batch", "deadline-sweep/deadline-sweep")} \
            == {commit}
        engine = create_engine(enforce_db)
        with engine.connect() as conn:  # the runs used PostgreSQL, not a SQLite file on a worker
            assert conn.execute(text("SELECT count(*) FROM complaint")).scalar() == 1
        engine.dispose()
        assert not list(tmp_path.glob("worker-host-*/**/enforce.db"))
        assert list((shared / "reports" / "intake").glob("*.csv"))
    finally:
        for proc in reversed(procs):
            stop(proc)


def _healthy(api: Api) -> bool:
    try:
        return api.http.get("/health").status_code == 200
    except httpx.TransportError:
        return False


def _dead(proc: subprocess.Popen) -> bool:
    return proc.poll() is not None


def _online_workers(api: Api) -> list[dict]:
    response = api.http.post("/work_pools/enforce-process/workers/filter", json={})
    return [w for w in response.json() if w.get("status") == "ONLINE"] if response.status_code == 200 else []


def _store_upload(shared: Path, export: Path) -> str:
    from cases.uploads import store_intake_upload
    from tests.conftest import _clear_caches

    with export.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows([["工单号", "来源渠道", "举报内容", "区域代码", "违规类型"],
                                 ["R1", "12345热线", "有机构周末上数学课", "520122100", "rest_day_training"]])
    mp = pytest.MonkeyPatch()
    mp.setenv("ENFORCE_HOME", str(shared))
    _clear_caches()
    try:
        return store_intake_upload(export.read_bytes(), export.name)
    finally:
        mp.undo()
        _clear_caches()
