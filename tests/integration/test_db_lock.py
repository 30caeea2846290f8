"""The SQLite writer lock in `cases.db`: one per database file, taken by every session made there
(CLI, flows, API), held for the transaction, released on commit, rollback and close."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from cases import db
from cases.errors import ServiceUnavailable

pytestmark = pytest.mark.integration


def test_one_lock_per_file_shared_by_every_engine_on_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    one, two = db.make_engine(url), db.make_engine(url)
    other = db.make_engine(f"sqlite:///{tmp_path / 'b.db'}")
    assert db.write_lock_for(one) is db.write_lock_for(two) is not None
    assert db.write_lock_for(other) is not db.write_lock_for(one)
    assert db.write_lock_for(db.make_engine("sqlite://")) is None  # in memory: one connection anyway
    assert db.read_engine_for(db.make_engine("sqlite://")) is None


def test_a_session_holds_the_lock_for_its_transaction_only(tmp_path: Path) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    lock = db.write_lock_for(engine)
    with db.open_session(engine) as session:
        assert not lock.locked()  # no transaction yet
        session.exec(text("SELECT 1"))
        assert lock.locked()
        session.commit()
        assert not lock.locked()
        session.exec(text("SELECT 1"))
        assert lock.locked()
    assert not lock.locked()  # closed: the transaction ended
    with pytest.raises(RuntimeError), db.open_session(engine) as session:
        session.exec(text("SELECT 1"))
        raise RuntimeError("boom")
    assert not lock.locked()


def test_writers_of_two_entry_points_queue_on_the_lock(tmp_path: Path) -> None:
    """A CLI-style session (`open_session`) and an API-style one (`new_session` on another engine
    of the same file): the second waits for the first's commit, then sees its row."""
    url = f"sqlite:///{tmp_path / 'a.db'}"
    cli, api = db.make_engine(url), db.make_engine(url)
    with cli.begin() as conn:
        conn.execute(text("CREATE TABLE t (v INTEGER)"))
    started, seen = threading.Event(), []

    def second() -> None:
        started.set()
        with db.new_session(api) as session:
            seen.append(session.exec(text("SELECT count(*) FROM t")).one()[0])
            session.commit()

    with db.open_session(cli) as session:
        session.exec(text("INSERT INTO t VALUES (1)"))
        worker = threading.Thread(target=second)
        worker.start()
        started.wait(5)
        worker.join(0.3)
        assert worker.is_alive() and seen == []  # queued behind the first writer
        session.commit()
    worker.join(10)
    assert seen == [1]


def test_a_writer_waiting_too_long_is_told_to_retry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    monkeypatch.setattr(db, "LOCK_TIMEOUT_S", 0.05)
    lock = db.write_lock_for(engine)
    lock.acquire()
    try:
        with db.open_session(engine) as session, pytest.raises(ServiceUnavailable) as busy:
            session.exec(text("SELECT 1"))
        assert busy.value.code == "database_busy" and busy.value.detail["retry_after"] == 1
    finally:
        lock.release()
