"""Shared fixtures: an isolated ENFORCE_HOME, and databases on SQLite and PostgreSQL.

Database tests take the `db` fixture, parametrised over both backends. PostgreSQL tests run
against the server at ENFORCE_TEST_PG_URL (default: 127.0.0.1:5432, trust auth, database
`test`) in a fresh database created for the session; they are skipped — with the reason in the
summary — only when no server answers.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlmodel import SQLModel

import cases.models  # noqa: F401  (registers the tables for _wipe)
import cases.patrols.models  # noqa: F401

for _key, _value in {"PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
                     "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
                     "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore"}.items():
    os.environ.setdefault(_key, _value)

# The longest modules, longest first (docs/operations.md, "Test suite"). `make test` runs each module
# whole on one of two workers (`--dist loadscope`), handing modules out in collection order; starting
# with the long ones leaves short modules for the end, so neither worker idles while the other
# finishes a four-minute module.
SLOW_MODULES = (
    "tests/api/test_api_penalty_law.py",
    "tests/prefect/test_local_stack.py",
    "tests/prefect/test_production_readme.py",
    "tests/cli/test_cli_cases.py",
    "tests/flows/test_flows.py",
    "tests/test_lint.py",
    "tests/api/test_api_schemathesis.py",
    "tests/integration/test_patrols_and_sweep.py",
    "tests/integration/test_sheets_and_report_content.py",
    "tests/web/test_screenshots.py",
    "tests/api/test_tus_large.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {path: i for i, path in enumerate(SLOW_MODULES)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))  # stable: the rest keep their order


PG_ADMIN_URL = os.environ.get("ENFORCE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session", autouse=True)
def isolated_enforce_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every test session gets its own ENFORCE_HOME; nothing touches ./var."""
    home = tmp_path_factory.mktemp("enforce-home")
    old = {k: os.environ.get(k) for k in ("ENFORCE_HOME", "ENFORCE_DATABASE_URL")}
    os.environ["ENFORCE_HOME"] = str(home)
    os.environ.pop("ENFORCE_DATABASE_URL", None)
    _clear_caches()
    yield home
    for key, value in old.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    _clear_caches()


@pytest.fixture(scope="session", autouse=True)
def one_hash_per_seed_password() -> Iterator[None]:
    """The seeds give every officer one shared password hash; argon2id costs 0.2 s a hash by
    design (cases/passwords.py), and hundreds of tests seed a county. A test session hashes each
    seed password once (a real hash, verified by the logins of the tests); `hash_password` itself
    is untouched."""
    from functools import cache

    from flows.demo import seed

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(seed, "hash_password", cache(seed.hash_password))
        yield


def _clear_caches() -> None:
    from cases import db, settings  # noqa: F401 — imported so that their caches are registered
    from cases.caches import reset_all

    reset_all()


def _pg_database() -> tuple[str | None, str]:
    try:
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        name = f"enforce_test_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    except Exception as exc:  # noqa: BLE001 — any failure means "no server here"
        return None, f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc.__class__.__name__}"
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", name


def _drop_pg(name: str) -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def migrated_urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str | None]]:
    from cases.db import migrate

    sqlite_url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.db'}"
    migrate(sqlite_url)
    pg_url, pg_name = _pg_database()
    if pg_url:
        migrate(pg_url)
    urls = {"sqlite": sqlite_url, "postgres": pg_url, "postgres_reason": None if pg_url else pg_name}
    yield urls
    if pg_url:
        from cases.db import _engine_for

        _engine_for.cache_clear()
        _drop_pg(pg_name)


def _wipe(engine: Engine) -> None:
    from cases.repository import clear_region_cache

    clear_region_cache()
    tables = list(reversed(SQLModel.metadata.sorted_tables))
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t.name}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:  # the append-only staff audit refuses DELETE: lift its guard for the wipe only
            from cases.staff_audit import install_guards

            conn.exec_driver_sql("DROP TRIGGER IF EXISTS staff_audit_no_delete")
            for table in tables:
                conn.execute(table.delete())
            install_guards(conn)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, migrated_urls: dict[str, str | None]) -> Iterator[Engine]:
    """A migrated, empty database on each backend."""
    from cases.db import make_engine

    url = migrated_urls[request.param]
    if url is None:
        pytest.skip(migrated_urls["postgres_reason"])
    engine = make_engine(url)
    _wipe(engine)
    yield engine
    engine.dispose()
