"""What every flow of the deployments shares: the database guard, the retry condition, run names
and the artifacts a person reads in the Prefect UI (docs/operations.md explains each).

* `require_database()` — a run refuses to start against a database that is missing or not migrated
  to the code's Alembic head (a worker with an empty `ENFORCE_DATABASE_URL` once ran against a
  fresh, empty SQLite file).
* `retry_transient` — the retry condition of every task: a domain error (bad input, a missing
  whistle, a refused rule) or a programming error fails at once; only infrastructure failures
  (database connection, lock timeouts, I/O) go to the task's retry policy.
* `publish_table` / `publish_markdown` — artifacts, created only inside a flow or task run (the CLI
  calls the same tasks through `.fn()` without any Prefect server).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from cases.errors import DomainError

# Errors that a second attempt cannot fix: the input or the code is wrong.
PERMANENT = (DomainError, ValueError, TypeError, KeyError, LookupError, AttributeError, FileNotFoundError,
             NotImplementedError)


class DatabaseNotReady(RuntimeError):
    """The configured application database is missing or behind the code's migrations."""


def require_database(url: str | None = None) -> str:
    """The URL of the configured database, after checking it exists and is at the Alembic head."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy.exc import SQLAlchemyError

    from cases.db import alembic_config, get_engine, read_engine_for
    from cases.settings import get_settings

    url = url or get_settings().url
    shown = url.split("@")[-1] if "@" in url else url
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:" and not Path(path).exists():
            raise DatabaseNotReady(f"数据库文件不存在：{path}。请检查 ENFORCE_HOME / ENFORCE_DATABASE_URL，"
                                   f"或先运行 enforce db upgrade")
    heads = set(ScriptDirectory.from_config(alembic_config(url)).get_heads())
    engine = get_engine(url)
    # On SQLite every transaction of the application engine begins IMMEDIATE (the write lock): the
    # guard reads through an autocommit reader instead, so that it does not wait for, and fail
    # behind, another run that holds the lock (county runs of one city rendering their sheets).
    reader = read_engine_for(engine) or engine
    try:
        with reader.connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
    except SQLAlchemyError as exc:
        raise DatabaseNotReady(f"无法连接数据库 {shown}：{exc.__class__.__name__}") from exc
    finally:
        if reader is not engine:
            reader.dispose()
    if current != heads:
        raise DatabaseNotReady(f"数据库 {shown} 的结构版本为 {sorted(current) or '空'}，程序需要 {sorted(heads)}；"
                               f"请先运行 enforce db upgrade")
    return url


def retry_transient(task: Any, task_run: Any, state: Any) -> bool:
    """Prefect `retry_condition_fn`: retry only what another attempt can fix."""
    try:
        state.result()
    except PERMANENT:
        return False
    except Exception:  # noqa: BLE001 — anything else (connection, lock timeout, OS error) may pass next time
        return True
    return True


def in_run() -> bool:
    from prefect.context import FlowRunContext, TaskRunContext

    return FlowRunContext.get() is not None or TaskRunContext.get() is not None


def publish_table(key: str, rows: list[dict], description: str) -> None:
    if in_run():
        from prefect.artifacts import create_table_artifact

        create_table_artifact(table=rows, key=key, description=description)


def publish_markdown(key: str, markdown: str, description: str) -> None:
    if in_run():
        from prefect.artifacts import create_markdown_artifact

        create_markdown_artifact(markdown=markdown, key=key, description=description)


def run_name(label: str, *params: str, default: Callable[[], Any] | None = None) -> Callable[[], str]:
    """A `flow_run_name` callable: the label and the run's parameters, the missing first one filled by `default`
    (a scheduled run has no `day`: its name shows the day it works on, not "None")."""

    def name() -> str:
        from prefect.runtime import flow_run

        values = dict(flow_run.parameters or {})
        parts = [label]
        for i, key in enumerate(params):
            value = values.get(key)
            if value is None and i == 0 and default is not None:
                value = default()
            if value is not None:
                parts.append(value.isoformat() if isinstance(value, date) else str(value))
        return " ".join(parts)

    return name


def today() -> date:
    from cases.settings import get_clock

    return get_clock().today()
