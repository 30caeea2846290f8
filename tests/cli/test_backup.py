"""The backup drill on SQLite and PostgreSQL: seeded county → `enforce backup` → wipe → `enforce restore`
→ same row counts, same file hashes, the event chains and documents verify, the pages serve.

The seeded county is the browser tests' (`tests/web/seed.py`: cases in every state, documents,
a patrol plan) plus one evidence photo. Timings are printed (run with -s), never asserted.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from starlette.testclient import TestClient
from typer.testing import CliRunner

from flows import cli
from tests.api import samples

runner = CliRunner()
pytestmark = pytest.mark.integration


def enforce(*args: str):  # noqa: ANN201 - click's Result
    return runner.invoke(cli.app, list(args), catch_exceptions=False)


def hashes(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def counts(url: str) -> dict[str, int]:
    from flows.cli.backup import _counts_and_documents

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return _counts_and_documents(conn)[0]
    finally:
        engine.dispose()


class Target:
    """One home and one database, which `wipe()` empties (file deleted / database dropped and re-made)."""

    def __init__(self, backend: str, home: Path) -> None:
        from tests.conftest import _pg_database

        self.backend, self.home = backend, home
        if backend == "sqlite":
            self.url, self.name = f"sqlite:///{home / 'enforce.db'}", None
        else:
            url, name = _pg_database()
            if url is None:
                pytest.skip(name)
            self.url, self.name = url, name

    def use(self, mp: pytest.MonkeyPatch) -> None:
        from tests.conftest import _clear_caches

        mp.setenv("ENFORCE_HOME", str(self.home))
        mp.setenv("ENFORCE_DATABASE_URL", self.url)
        _clear_caches()

    def wipe(self) -> None:
        from cases.db import get_engine
        from tests.conftest import PG_ADMIN_URL, _clear_caches

        get_engine().dispose()
        _clear_caches()
        if self.name is None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.home / 'enforce.db'}{suffix}").unlink(missing_ok=True)
        else:
            admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE "{self.name}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{self.name}"'))
            admin.dispose()
        for folder in ("documents", "evidence", "calendar"):
            path = self.home / folder
            if path.exists():
                for p in path.rglob("*"):
                    p.chmod(0o755 if p.is_dir() else 0o644)
                shutil.rmtree(path)

    def drop(self) -> None:
        from tests.conftest import _drop_pg

        if self.name:
            _drop_pg(self.name)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def target(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Target]:
    from cases.db import get_engine, migrate
    from documents.storage import FileDocumentStore
    from tests.conftest import _clear_caches
    from tests.web.seed import seed_site

    target = Target(request.param, tmp_path / "home")
    target.use(monkeypatch)
    migrate(target.url)
    seed_site(get_engine(), FileDocumentStore(target.home / "documents"))
    from api.evidence import EvidenceStore

    EvidenceStore(target.home / "evidence").put(samples.image("JPEG", (40, 90, 160), (32, 24)),
                                                content_type="image/jpeg", ext="jpg", filename="现场.jpg")
    yield target
    get_engine().dispose()
    _clear_caches()
    target.drop()


def serves(target: Target, tmp_path: Path) -> None:
    from api.evidence import EvidenceStore
    from api.main import create_app
    from cases.db import make_engine
    from documents.storage import FileDocumentStore
    from tests.api.support import api_settings

    engine = make_engine(target.url)
    app = create_app(engine=engine, settings=api_settings(tmp_path), evidence_store=EvidenceStore(
        target.home / "evidence"), document_store=FileDocumentStore(target.home / "documents"))
    try:
        client = TestClient(app)
        token = client.post("/api/v1/auth/token", data={"username": "education01", "password": "demo-password-1"})
        assert token.status_code == 200, token.text
        auth = {"Authorization": f"Bearer {token.json()['access_token']}"}
        listed = client.get("/api/v1/cases?limit=200", headers=auth).json()
        assert listed["total"] > 0
        with_docs = [c["id"] for c in listed["items"]
                     if client.get(f"/api/v1/cases/{c['id']}/documents", headers=auth).json()]
        doc = client.get(f"/api/v1/cases/{with_docs[0]}/documents", headers=auth).json()[0]
        pdf = client.get(f"/api/v1/documents/{doc['id']}/pdf", headers=auth)
        assert pdf.status_code == 200 and hashlib.sha256(pdf.content).hexdigest() == doc["sha256"]
        assert client.get("/login").status_code == 200
    finally:
        engine.dispose()


def test_backup_wipe_restore_drill(target: Target, tmp_path: Path) -> None:
    before_counts = counts(target.url)
    before_files = {k: v for k, v in hashes(target.home).items() if not k.startswith("enforce.db")}
    archive = tmp_path / "backup" / "enforce.tar.gz"
    started = time.monotonic()
    made = enforce("backup", "--out", str(archive))
    backup_s = time.monotonic() - started
    assert made.exit_code == 0, made.output
    target.wipe()
    assert not (target.home / "documents").exists()
    started = time.monotonic()
    restored = enforce("restore", str(archive))
    restore_s = time.monotonic() - started
    assert restored.exit_code == 0, restored.output
    assert "事件链完整" in restored.output and "哈希全部一致" in restored.output
    assert counts(target.url) == before_counts
    after_files = {k: v for k, v in hashes(target.home).items() if not k.startswith("enforce.db")}
    before_files.pop("secret_key", None)  # the token key is not in a backup: users sign in again
    assert after_files == before_files
    assert enforce("audit", "verify").exit_code == 0 and enforce("documents", "verify").exit_code == 0
    serves(target, tmp_path)
    print(f"\nbackup drill on {target.backend}: {sum(before_counts.values())} rows, {len(before_files)} files, "
          f"archive {archive.stat().st_size // 1024} KB, backup {backup_s:.2f} s, restore {restore_s:.2f} s")


def test_restore_refuses_a_tampered_archive_or_a_used_home(target: Target, tmp_path: Path) -> None:
    if target.backend != "sqlite":
        pytest.skip("refused from the archive and the home before any database opens; "
                    "the nothing-written check reads the SQLite file")
    archive = tmp_path / "enforce.tar.gz"
    assert enforce("backup", "--out", str(archive)).exit_code == 0
    assert enforce("restore", str(archive)).exit_code == 2  # the home and database are in use
    target.wipe()
    tampered = tmp_path / "tampered.tar.gz"
    with tarfile.open(archive) as src, tarfile.open(tampered, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read() if member.isfile() else None
            if data is not None and member.name.startswith("home/documents/"):
                data = data.replace(b"%PDF", b"%PDX", 1)
            member.size = len(data) if data is not None else 0
            dst.addfile(member, io.BytesIO(data) if data is not None else None)
    refused = enforce("restore", str(tampered))
    assert refused.exit_code == 1 and "哈希不符" in refused.output
    assert not (target.home / "enforce.db").exists()  # nothing was written
