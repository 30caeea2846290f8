"""Fixtures of the API tests: the seeded county (SQLite and PostgreSQL) and an app built on it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.api.support import Api, build
from tests.integration.conftest import County, county  # noqa: F401  (the fixture)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("filterwarnings", "ignore:Using `httpx` with `starlette.testclient`")


@pytest.fixture
def api(county: County, tmp_path: Path) -> Api:  # noqa: F811
    return build(county, tmp_path)
