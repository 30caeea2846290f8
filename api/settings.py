"""Settings of the HTTP API (env prefix ENFORCE_), read lazily by `get_api_settings()`.

The token secret defaults to a random key generated once and kept in `<ENFORCE_HOME>/secret_key`
(mode 0600), so tokens survive restarts and are shared by every worker process of one home.
"""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from cases.caches import register_cache
from cases.settings import get_settings

MIN_SECRET_BYTES = 32


class ApiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ENFORCE_", extra="ignore")

    token_secret: str | None = Field(default=None, repr=False)  # ENFORCE_TOKEN_SECRET
    token_ttl_minutes: int = Field(default=8 * 60, ge=1, le=7 * 24 * 60)
    # failed logins (api.ratelimit.LoginThrottle): after `login_max_failures` failures of one client on
    # one username that pair waits `login_delay_seconds`, doubling per further failure up to
    # `login_lock_minutes`; after `login_client_max_failures` failures on any names the client waits too
    login_max_failures: int = Field(default=5, ge=1)
    login_client_max_failures: int = Field(default=30, ge=1)
    login_delay_seconds: float = Field(default=30.0, gt=0)
    login_lock_minutes: int = Field(default=15, ge=1)
    auth_cache_seconds: float = Field(default=5.0, ge=0, le=300)  # 0: look the officer up on every request
    # token bucket per client IP for the public endpoints: `burst` requests at once, refilled at
    # `rate_per_minute`
    complaint_burst: int = Field(default=10, ge=1)
    complaint_rate_per_minute: float = Field(default=10.0, gt=0)
    status_burst: int = Field(default=30, ge=1)
    status_rate_per_minute: float = Field(default=60.0, gt=0)
    # ENFORCE_TRUSTED_PROXIES: comma-separated addresses or networks of the reverse proxies. Only a
    # request from one of them has its X-Forwarded-For / X-Forwarded-Proto believed; the client is
    # the last hop before the trusted ones. ENFORCE_TRUST_FORWARDED_FOR=true without a list trusts
    # a proxy on this host (127.0.0.1, ::1).
    trusted_proxies: str = ""
    trust_forwarded_for: bool = False
    hsts_seconds: int = Field(default=180 * 24 * 3600, ge=0)  # Strict-Transport-Security over HTTPS; 0: none
    body_max_bytes: int = Field(default=256 * 1024, ge=1024)  # any request body that is not multipart
    # uploads (evidence, public photos) per day: per signed-in user, and per client address for the public
    upload_user_bytes_per_day: int = Field(default=500 * 1024 * 1024, ge=0)
    upload_client_bytes_per_day: int = Field(default=30 * 1024 * 1024, ge=0)
    evidence_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1)
    # resumable uploads (api/tus.py): a whole video, one PATCH chunk, and how long an unfinished one is kept
    video_max_bytes: int = Field(default=2 * 1024**3, ge=1)  # ENFORCE_VIDEO_MAX_BYTES
    upload_chunk_max_bytes: int = Field(default=16 * 1024 * 1024, ge=64 * 1024)
    upload_keep_days: int = Field(default=3, ge=1, le=30)
    import_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1)
    import_max_rows: int = Field(default=10_000, ge=1)
    show_docs: bool = True

    @field_validator("token_secret")
    @classmethod
    def _strong_enough(cls, value: str | None) -> str | None:
        if value is not None and len(value.encode()) < MIN_SECRET_BYTES:
            raise ValueError(f"ENFORCE_TOKEN_SECRET must be at least {MIN_SECRET_BYTES} bytes")
        return value

    @property
    def home(self) -> Path:
        return get_settings().resolved_home

    @property
    def evidence_dir(self) -> Path:
        return self.home / "evidence"

    def proxy_networks(self) -> list[str]:
        listed = [p.strip() for p in self.trusted_proxies.split(",") if p.strip()]
        if not listed and self.trust_forwarded_for:
            return ["127.0.0.1/32", "::1/128"]
        return listed

    def secret(self) -> bytes:
        return (self.token_secret or stored_secret(self.home / "secret_key")).encode()


def stored_secret(path: Path) -> str:
    """The key in `path`, created (0600, exclusive) on first use; racing workers read the winner's."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
    value = path.read_text().strip()
    if len(value) < MIN_SECRET_BYTES:  # a half-written file from a racing worker: wait for it
        import time

        time.sleep(0.05)
        value = path.read_text().strip()
    return value


@lru_cache
def get_api_settings() -> ApiSettings:
    return ApiSettings()


register_cache("api.settings.get_api_settings", get_api_settings.cache_clear)
