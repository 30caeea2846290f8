"""Engine and sessions. No business logic here.

SQLite (the default, a file under ENFORCE_HOME) runs in WAL mode with foreign keys on; the same
code runs on PostgreSQL when ENFORCE_DATABASE_URL is a `postgresql+psycopg://` URL. The schema
is created and upgraded only by Alembic (`migrate()`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, event
from sqlmodel import Session, create_engine

from cases.settings import CasesSettings, get_settings

MIGRATIONS = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001
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
        def _no_autobegin(dbapi_connection, _record) -> None:  # noqa: ANN001
            dbapi_connection.isolation_level = None

        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def get_engine(url: str | None = None) -> Engine:
    """The process-wide engine for `url` (default: the configured database)."""
    return _engine_for(url or get_settings().url)


@lru_cache
def _engine_for(url: str) -> Engine:
    return make_engine(url)


@contextmanager
def open_session(engine: Engine | None = None) -> Iterator[Session]:
    """A session whose objects stay readable after commit; rolls back on error."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        try:
            yield session
        except BaseException:
            session.rollback()
            raise


def alembic_config(url: str):  # noqa: ANN201
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
