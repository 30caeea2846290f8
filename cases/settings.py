"""Settings for the domain package, the bureau clock and the cached calendar.

Nothing reads the environment at import time; `get_settings()` does, once (tests call
`get_settings.cache_clear()` after changing the environment).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from cases.caches import register_cache

if TYPE_CHECKING:
    from cases.calendar import WorkCalendar

DATA_DIR = Path(__file__).parent / "data"


class CasesSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ENFORCE_", extra="ignore")

    home: Path = Path("var")  # ENFORCE_HOME: database, stored documents, Prefect home
    database_url: str | None = None  # ENFORCE_DATABASE_URL; default: SQLite file under home
    timezone: str = "Asia/Shanghai"  # the bureau's IANA zone
    region_code: str = "520122"  # ENFORCE_REGION_CODE: the installation's jurisdiction root (GB/T 2260)
    calendar_dir: Path = DATA_DIR / "calendar"  # official year tables, one TOML per year
    jurisdiction_file: Path = DATA_DIR / "jurisdiction.toml"  # periods, vacations, codes
    demo_password: str | None = None  # ENFORCE_DEMO_PASSWORD

    @field_validator("timezone")
    @classmethod
    def _must_be_iana(cls, value: str) -> str:
        ZoneInfo(value)  # raises for an unknown zone
        return value

    @property
    def resolved_home(self) -> Path:
        return self.home.expanduser().resolve()

    @property
    def documents_dir(self) -> Path:
        return self.resolved_home / "documents"

    @property
    def url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.resolved_home / 'enforce.db'}"


@dataclass(frozen=True)
class BureauClock:
    """The one place that reads the wall clock."""

    zone: ZoneInfo

    def now(self) -> datetime:
        return datetime.now(self.zone)

    def today(self) -> date:
        return self.now().date()


@dataclass(frozen=True)
class FixedClock:
    """A clock pinned to one instant (demo back-dating, tests)."""

    at: datetime

    def now(self) -> datetime:
        return self.at

    def today(self) -> date:
        return self.at.date()


@lru_cache
def get_settings() -> CasesSettings:
    return CasesSettings()


register_cache("cases.settings.get_settings", get_settings.cache_clear)


@lru_cache
def get_clock() -> BureauClock:
    return BureauClock(ZoneInfo(get_settings().timezone))


register_cache("cases.settings.get_clock", get_clock.cache_clear)


@lru_cache
def get_calendar() -> WorkCalendar:
    from cases.calendar import load_calendar

    settings = get_settings()
    # the repo's official tables, then the operator overlay (`enforce calendar load`), which wins
    return load_calendar(settings.calendar_dir, settings.resolved_home / "calendar")


register_cache("cases.settings.get_calendar", get_calendar.cache_clear)
