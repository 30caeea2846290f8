"""Engine and sessions. No business logic here.

SQLite (the default, a file under ENFORCE_HOME) runs in WAL mode with foreign keys on; the same
code runs on PostgreSQL when ENFORCE_DATABASE_URL is a `postgresql+psycopg://` URL. The schema
is created and upgraded only by Alembic (`migrate()`).

SQLite has one writer at a time. Every transaction begins with BEGIN IMMEDIATE, so a second
writer waits in SQLite's busy handler, which sleeps in growing steps (up to 100 ms) and retries:
under many concurrent writers most of the time goes to sleeping. So, for a SQLite file only:

* Every session made here (`open_session`, `new_session`: the CLI, the flows and the API's write
  session) is a `SerialisedSession`: it takes the process-wide writer lock of its database file
  when its transaction starts and releases it when the transaction ends. Writers of one process
  queue on a Python lock (woken at once) instead of polling the file; other processes
  (`enforce serve --workers N`, a Prefect worker) still meet in SQLite's busy handler. A writer
  that waits longer than `LOCK_TIMEOUT_S` gets `ServiceUnavailable` (`database_busy`).
* `read_engine_for`: a second engine on the same file whose connections autocommit each
  statement, for work that only reads. WAL readers see committed data and never take the lock.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, event
from sqlalchemy import create_engine as sa_create_engine
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session, create_engine

# flush hooks on every session: the clocks' copies of their case's units (cases.clock_units), the
# stale months of the statistics (cases.figures)
from cases import clock_units, figures  # noqa: F401
from cases.caches import register_cache
from cases.errors import ServiceUnavailable
from cases.settings import CasesSettings, get_settings

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
LOCK_TIMEOUT_S = 30.0


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        # BEGIN IMMEDIATE: take the write lock at the start of every transaction, so concurrent
        # writers queue instead of failing on lock upgrade (pysqlite's default is deferred).
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))

        @event.listens_for(engine, "connect")
        def _no_autobegin(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None

        return engine
    # JIT off: compiling a plan took longer than it saved on every read measured at province scale
    # (docs/scale.md, "10^6 cases on PostgreSQL"); the queries are index reads and small aggregates
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True,
                         connect_args={"options": "-c jit=off"} if url.startswith("postgresql") else {})


def get_engine(url: str | None = None) -> Engine:
    """The process-wide engine for `url` (default: the configured database)."""
    return _engine_for(url or get_settings().url)


@lru_cache
def _engine_for(url: str) -> Engine:
    return make_engine(url)


register_cache("cases.db._engine_for", _engine_for.cache_clear)


# --- the SQLite writer lock -----------------------------------------------------------------------


def is_file_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:")


_write_locks: dict[str, threading.Lock] = {}
_write_locks_guard = threading.Lock()


def write_lock_for(engine: Engine) -> threading.Lock | None:
    """The process-wide writer lock of a SQLite file (shared by every engine on that file); None
    for other databases, whose writers do not exclude each other."""
    if not is_file_sqlite(engine):
        return None
    key = str(Path(str(engine.url.database)).resolve())
    with _write_locks_guard:
        return _write_locks.setdefault(key, threading.Lock())


class SerialisedSession(Session):
    """A Session holding `info["write_lock"]` (when set) for the life of each top-level transaction.

    The events are registered once on this class, not per instance. The lock is a plain Lock,
    not an RLock: the API may close a session (ending its transaction) on another thread than
    the one that began it."""


@event.listens_for(SerialisedSession, "after_transaction_create")
def _acquire(session: Session, transaction: SessionTransaction) -> None:
    lock = session.info.get("write_lock")
    if lock is not None and transaction.parent is None and not session.info.get("holds_lock"):
        if not lock.acquire(timeout=LOCK_TIMEOUT_S):
            raise ServiceUnavailable("数据库繁忙，请稍后重试", code="database_busy", retry_after=1)
        session.info["holds_lock"] = True


@event.listens_for(SerialisedSession, "after_transaction_end")
def _release(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None and session.info.get("holds_lock"):
        session.info["holds_lock"] = False
        session.info["write_lock"].release()


def new_session(engine: Engine | None = None) -> Session:
    """A session on `engine` (default: the configured database) whose objects stay readable after
    commit and whose transactions queue on the SQLite writer lock. Close it (or use `with`)."""
    engine = engine or get_engine()
    return SerialisedSession(engine, expire_on_commit=False, info={"write_lock": write_lock_for(engine)})


@contextmanager
def open_session(engine: Engine | None = None) -> Iterator[Session]:
    """`new_session` as a context: rolls back on error, closes at the end."""
    with new_session(engine) as session:
        try:
            yield session
        except BaseException:
            session.rollback()
            raise


def read_engine_for(engine: Engine) -> Engine | None:
    """For a SQLite file: an engine whose connections autocommit each statement (reads that take
    no write lock). None for other databases, where reading locks nothing anyway (MVCC)."""
    if not is_file_sqlite(engine):
        return None
    reader = sa_create_engine(engine.url, connect_args={"check_same_thread": False, "timeout": 30},
                              pool_size=10, max_overflow=60)

    @event.listens_for(reader, "connect")
    def _autocommit(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    return reader


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(url: str | None = None, revision: str = "head") -> None:
    """Bring the schema to `revision` (Alembic upgrade)."""
    from alembic import command

    command.upgrade(alembic_config(url or get_settings().url), revision)


def settings_url(settings: CasesSettings | None = None) -> str:
    return (settings or get_settings()).url
