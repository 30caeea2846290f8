"""A throw-away PostgreSQL database for one benchmark run (dropped afterwards, even on error)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@contextmanager
def temporary_database(prefix: str, template: str | None = None) -> Iterator[str | None]:
    """Yields the URL of a fresh database (a copy of `template` when given), or None (after saying
    why) when no server answers."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    except Exception as exc:  # noqa: BLE001 — any failure means "no server here"
        print(f"postgres   skipped: no server at {PG_ADMIN} ({exc.__class__.__name__})")
        yield None
        return
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
