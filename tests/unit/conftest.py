"""Fixtures for the pure-module tests: the repo's official calendar, loaded once."""

from __future__ import annotations

from pathlib import Path

import pytest

from cases.calendar import WorkCalendar, load_calendar

REPO_CALENDAR_DIR = Path(__file__).resolve().parents[2] / "cases" / "data" / "calendar"


@pytest.fixture(scope="session")
def work_calendar() -> WorkCalendar:
    return load_calendar(REPO_CALENDAR_DIR)
