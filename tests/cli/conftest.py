"""CLI fixtures: an isolated ENFORCE_HOME and fresh settings/calendar caches for each test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cases import settings  # noqa: F401 — registers the settings and calendar caches
from cases.caches import reset_all


@pytest.fixture
def enforce_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "home"
    monkeypatch.setenv("ENFORCE_HOME", str(home))
    reset_all()
    yield home
    reset_all()
