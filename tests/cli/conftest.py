"""CLI fixtures: an isolated ENFORCE_HOME and fresh settings/calendar caches for each test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cases.settings import get_calendar, get_settings


@pytest.fixture
def enforce_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "home"
    monkeypatch.setenv("ENFORCE_HOME", str(home))
    get_settings.cache_clear()
    get_calendar.cache_clear()
    yield home
    get_settings.cache_clear()
    get_calendar.cache_clear()
