"""`enforce backup --out FILE` and `enforce restore FILE`: the database and the files it references, as one archive.

The archive (tar.gz) holds `manifest.json`, the database (`database/enforce.db`, made with
SQLite's online backup API, or `database/enforce.pgdump`, `pg_dump --format=custom`) and the
files under ENFORCE_HOME that belong with it: every stored document the database names (its
SHA-256 checked against the database before it goes in), the evidence store (write-once,
content-addressed) and the calendar overlay. The manifest lists every member's SHA-256 and size
and the row count of every table in the snapshot.

Consistency: on SQLite the copy is one snapshot; on PostgreSQL a REPEATABLE READ transaction
exports its snapshot, the counts and the document list are read in it and `pg_dump --snapshot`
dumps exactly that state. Documents and evidence are written before the rows that name them
commit and are never changed afterwards, so every file a snapshot names is complete.

`enforce restore` only writes into an empty home and an empty database. It verifies every hash
before it writes anything, restores, compares the row counts, then runs the same checks as
`enforce audit verify` and `enforce documents verify`.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

FORMAT = "enforce-backup/1"
SQLITE_MEMBER = "database/enforce.db"
PG_MEMBER = "database/enforce.pgdump"
HOME_DIRS = ("evidence", "calendar")  # copied whole; documents only as the database names them


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _libpq_url(url: str) -> str:
    """`postgresql+psycopg://…` → `postgresql://…` for pg_dump / pg_restore / psql."""
    scheme, rest = url.split("://", 1)
    return "postgresql://" + rest if scheme.startswith("postgresql") else url


def _tool(name: str) -> str:
    found = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None)
    if not found:
        typer.echo(f"找不到 {name}：请安装 PostgreSQL 客户端（apt-get install postgresql-client）", err=True)
        raise typer.Exit(2)
    return found


def _tables() -> list[str]:
    from sqlmodel import SQLModel

    import cases.models  # noqa: F401  (registers the tables)
    import cases.patrols.models  # noqa: F401

    return [t.name for t in SQLModel.metadata.sorted_tables]


def _counts_and_documents(conn) -> tuple[dict[str, int], list[tuple[str, str]]]:  # noqa: ANN001
    from sqlalchemy import inspect, text

    present = set(inspect(conn).get_table_names())
    counts = {name: conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one()
              for name in _tables() if name in present}
    documents = [(row[0], row[1]) for row in conn.execute(text("SELECT path, sha256 FROM document ORDER BY id"))] \
        if "document" in present else []
    return counts, documents


def _snapshot_sqlite(url: str, into: Path) -> tuple[dict[str, int], list[tuple[str, str]]]:
    from sqlalchemy import create_engine

    source = url.split("///", 1)[-1]
    if not Path(source).exists():
        typer.echo(f"数据库文件不存在：{source}", err=True)
        raise typer.Exit(2)
    src, dst = sqlite3.connect(source, timeout=30), sqlite3.connect(into)
    try:
        src.backup(dst)  # the online backup API: a consistent copy while the server keeps writing
    finally:
        dst.close()
        src.close()
    engine = create_engine(f"sqlite:///{into}")
    try:
        with engine.connect() as conn:
            return _counts_and_documents(conn)
    finally:
        engine.dispose()


def _snapshot_postgres(url: str, into: Path) -> tuple[dict[str, int], list[tuple[str, str]]]:
    from sqlalchemy import create_engine, text

    pg_dump = _tool("pg_dump")
    engine = create_engine(url)
    try:
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            counts, documents = _counts_and_documents(conn)
            done = subprocess.run([pg_dump, "--format=custom", "--no-owner", "--no-privileges",
                                   f"--snapshot={snapshot}", f"--file={into}", f"--dbname={_libpq_url(url)}"],
                                  capture_output=True, text=True)
            if done.returncode != 0:
                typer.echo(f"pg_dump 失败：{done.stderr.strip()}", err=True)
                raise typer.Exit(1)
    finally:
        engine.dispose()
    return counts, documents


def create_backup(out: Path) -> dict:
    """Write the archive; returns its manifest."""
    from cases.settings import get_settings

    settings = get_settings()
    home, url = settings.resolved_home, settings.url
    dialect = "sqlite" if url.startswith("sqlite") else "postgresql"
    with tempfile.TemporaryDirectory(prefix="enforce-backup-") as tmp:
        work = Path(tmp)
        member = SQLITE_MEMBER if dialect == "sqlite" else PG_MEMBER
        dump = work / member
        dump.parent.mkdir(parents=True)
        counts, documents = (_snapshot_sqlite if dialect == "sqlite" else _snapshot_postgres)(url, dump)
        files: list[tuple[str, Path]] = [(member, dump)]
        missing = []
        for rel, sha in documents:
            path = settings.documents_dir / rel
            if not path.is_file() or _sha256(path) != sha:
                missing.append(rel)
                continue
            files.append((f"home/documents/{rel}", path))
        if missing:
            typer.echo(f"{len(missing)} 份文书缺失或哈希不符（先运行 enforce documents verify）：{missing[:5]}",
                       err=True)
            raise typer.Exit(1)
        for folder in HOME_DIRS:
            root = home / folder
            if root.is_dir():
                files += [(f"home/{folder}/{p.relative_to(root).as_posix()}", p)
                          for p in sorted(root.rglob("*")) if p.is_file() and not p.name.startswith(".tmp-")]
        entries = [{"path": name, "sha256": _sha256(path), "size": path.stat().st_size} for name, path in files]
        manifest = {"format": FORMAT, "created_at": datetime.now(UTC).isoformat(), "dialect": dialect,
                    "database": member, "counts": counts, "files": entries}
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(out.name + ".partial")
        with tarfile.open(partial, "w:gz") as tar:
            data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size, info.mtime, info.mode = len(data), int(time.time()), 0o644
            tar.addfile(info, io.BytesIO(data))
            for name, path in files:
                tar.add(path, arcname=name, recursive=False)
        os.replace(partial, out)
    return manifest


def backup(out: Annotated[Path, typer.Option("--out", help="备份文件（.tar.gz）")]) -> None:
    """备份数据库和它引用的 ENFORCE_HOME 文件（文书、证据、日历补充表），附哈希清单。"""
    started = time.monotonic()
    manifest = create_backup(out)
    rows = sum(manifest["counts"].values())
    typer.echo(f"已备份到 {out}：数据库（{manifest['dialect']}）{len(manifest['counts'])} 张表 {rows} 行，"
               f"文件 {len(manifest['files']) - 1} 个，用时 {time.monotonic() - started:.1f} 秒")


def _safe_members(tar: tarfile.TarFile) -> list[tarfile.TarInfo]:
    members = []
    for m in tar.getmembers():
        parts = Path(m.name).parts
        if m.name.startswith("/") or ".." in parts or not (m.isfile() or m.isdir()):
            typer.echo(f"备份文件中有不安全的条目：{m.name}", err=True)
            raise typer.Exit(1)
        members.append(m)
    return members


def _database_empty(url: str) -> bool:
    from sqlalchemy import create_engine, inspect

    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[-1])
        if not path.exists() or path.stat().st_size == 0:
            return True
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return not inspect(conn).get_table_names()
    finally:
        engine.dispose()


def restore_backup(archive: Path) -> dict:
    """Restore into an empty home and database; returns the manifest. typer.Exit on any failure."""
    from cases.settings import get_settings

    settings = get_settings()
    home, url = settings.resolved_home, settings.url
    dialect = "sqlite" if url.startswith("sqlite") else "postgresql"
    occupied = [d for d in ("documents", *HOME_DIRS) if (home / d).exists() and any((home / d).iterdir())]
    if occupied or not _database_empty(url):
        typer.echo(f"只能恢复到空的 ENFORCE_HOME 和空数据库（{home}：{'、'.join(occupied) or '数据库已有表'}）",
                   err=True)
        raise typer.Exit(2)
    with tempfile.TemporaryDirectory(prefix="enforce-restore-") as tmp:
        work = Path(tmp)
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(work, members=_safe_members(tar), filter="data")
        manifest = json.loads((work / "manifest.json").read_text(encoding="utf-8"))
        if manifest.get("format") != FORMAT:
            typer.echo(f"不认识的备份格式：{manifest.get('format')}", err=True)
            raise typer.Exit(1)
        if manifest["dialect"] != dialect:
            typer.echo(f"备份来自 {manifest['dialect']}，当前数据库是 {dialect}：不能直接恢复", err=True)
            raise typer.Exit(2)
        bad = [e["path"] for e in manifest["files"]
               if not (work / e["path"]).is_file() or _sha256(work / e["path"]) != e["sha256"]]
        if bad:
            typer.echo(f"{len(bad)} 个文件缺失或哈希不符，未恢复任何内容：{bad[:5]}", err=True)
            raise typer.Exit(1)
        dump = work / manifest["database"]
        if dialect == "sqlite":
            target = Path(url.split("///", 1)[-1])
            target.parent.mkdir(parents=True, exist_ok=True)
            for suffix in ("-wal", "-shm"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
            shutil.copyfile(dump, target)
        else:
            done = subprocess.run([_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
                                   f"--dbname={_libpq_url(url)}", str(dump)], capture_output=True, text=True)
            if done.returncode != 0:
                typer.echo(f"pg_restore 失败：{done.stderr.strip()}", err=True)
                raise typer.Exit(1)
        for entry in manifest["files"]:
            if not entry["path"].startswith("home/"):
                continue
            target = home / entry["path"][len("home/"):]
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(work / entry["path"], target)
            if entry["path"].startswith(("home/documents/", "home/evidence/")):
                target.chmod(0o444)  # write-once stores keep their files read-only
    _check_counts(url, manifest["counts"])
    return manifest


def _check_counts(url: str, expected: dict[str, int]) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            counts, _docs = _counts_and_documents(conn)
    finally:
        engine.dispose()
    differing = {k: (v, counts.get(k)) for k, v in expected.items() if counts.get(k) != v}
    if differing:
        typer.echo(f"恢复后行数与备份不符：{differing}", err=True)
        raise typer.Exit(1)


def restore(archive: Annotated[Path, typer.Argument(help="enforce backup 生成的备份文件", exists=True,
                                                    dir_okay=False)]) -> None:
    """从备份恢复到空的 ENFORCE_HOME 和空数据库：先校验全部哈希，恢复后核对行数、事件链和文书哈希。"""
    from flows.cli.cases import audit_verify
    from flows.cli.documents import verify as documents_verify

    started = time.monotonic()
    manifest = restore_backup(archive)
    typer.echo(f"已恢复：{sum(manifest['counts'].values())} 行，{len(manifest['files']) - 1} 个文件，"
               f"哈希与行数全部一致，用时 {time.monotonic() - started:.1f} 秒")
    audit_verify()
    documents_verify()


def register(app: typer.Typer) -> None:
    app.command("backup")(backup)
    app.command("restore")(restore)
