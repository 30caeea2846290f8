"""SQLite under concurrent HTTP load: reads outside the write lock, writers queued in-process.

SQLite has one writer at a time. `cases.db` begins every transaction with BEGIN IMMEDIATE, so a
second writer waits in SQLite's busy handler, which sleeps in growing steps (up to 100 ms) and
retries: under 32 clients most of the time goes to sleeping. Two measures, both only for SQLite:

* `read_engine_for`: a second engine on the same file whose connections autocommit each
  statement, for everything that only reads (the caller, the case, lists, the answer after a
  use case). WAL readers see committed data and never take the write lock.
* `SerialisedSession`: the write session takes a process-wide lock when its transaction starts
  and releases it when the transaction ends, so writers of one process queue on a Python lock
  (woken at once) instead of polling the database file. Other processes (`--workers N`) still
  meet in SQLite's busy handler.
"""

from __future__ import annotations

import threading

from sqlalchemy import Engine, create_engine, event
from sqlmodel import Session

from api.errors import ServiceUnavailable

LOCK_TIMEOUT_S = 30.0


def is_file_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:")


def read_engine_for(engine: Engine) -> Engine | None:
    if not is_file_sqlite(engine):
        return None
    reader = create_engine(engine.url, connect_args={"check_same_thread": False, "timeout": 30},
                           pool_size=10, max_overflow=60)

    @event.listens_for(reader, "connect")
    def _autocommit(dbapi_connection, _record) -> None:  # noqa: ANN001
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    return reader


def write_lock_for(engine: Engine) -> threading.Lock | None:
    return threading.Lock() if is_file_sqlite(engine) else None


class SerialisedSession(Session):
    """A Session holding `info["write_lock"]` (when set) for the life of each top-level transaction.

    The events are registered once on this class, not per request on each instance."""


@event.listens_for(SerialisedSession, "after_transaction_create")
def _acquire(session: Session, transaction) -> None:  # noqa: ANN001
    lock = session.info.get("write_lock")
    if lock is not None and transaction.parent is None and not session.info.get("holds_lock"):
        if not lock.acquire(timeout=LOCK_TIMEOUT_S):
            raise ServiceUnavailable("数据库繁忙，请稍后重试", code="database_busy", retry_after=1)
        session.info["holds_lock"] = True


@event.listens_for(SerialisedSession, "after_transaction_end")
def _release(session: Session, transaction) -> None:  # noqa: ANN001
    if transaction.parent is None and session.info.get("holds_lock"):
        session.info["holds_lock"] = False
        session.info["write_lock"].release()
