"""Settings of the document renderer: licensed fonts, render time limit, batch size, the authority's
seal images and signing certificates.

Read lazily (`get_documents_settings()`), never at import; tests call `cache_clear()` after
changing the environment. Every variable has the `ENFORCE_` prefix, like `cases.settings`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from cases.caches import register_cache


class DocumentsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ENFORCE_", extra="ignore")

    # ENFORCE_FONT_DIR: a folder of licensed .ttf/.otf/.ttc files (仿宋_GB2312, 方正小标宋简体 …).
    # Each file is registered with @font-face under its own family names, so the CSS stacks,
    # which name the standard faces first, pick them up. The renderer may read this folder.
    font_dir: Path | None = None
    # ENFORCE_RENDER_TIMEOUT_S: wall-clock limit of one render (HTML → PDF), in seconds.
    render_timeout_s: float = 30.0
    # ENFORCE_RENDER_PROCESSES: default worker processes of `documents.batch.render_batch`.
    render_processes: int = 2
    # ENFORCE_HOME: the installation's state folder (the same variable as `cases.settings`).
    home: Path = Path("var")
    # ENFORCE_SEAL_DIR: the authorities' own seal images, `<department id>.png` (transparent PNG,
    # uploaded by an administrator); default ENFORCE_HOME/seals. The renderer may read this folder.
    seal_dir: Path | None = None
    # ENFORCE_CERTIFICATE_DIR: the authorities' signing certificates, `<department id>.p12` (PKCS#12);
    # default ENFORCE_HOME/certificates. A document of an authority with a certificate is signed (PAdES).
    certificate_dir: Path | None = None
    # ENFORCE_SIGNING_PASSWORD: the password of the PKCS#12 files (empty: unencrypted files).
    signing_password: SecretStr = SecretStr("")

    @property
    def seals(self) -> Path:
        return (self.seal_dir or self.home / "seals").expanduser().resolve()

    @property
    def certificates(self) -> Path:
        return (self.certificate_dir or self.home / "certificates").expanduser().resolve()

    @field_validator("font_dir")
    @classmethod
    def _must_exist(cls, value: Path | None) -> Path | None:
        if value is not None and not value.expanduser().exists():
            raise ValueError(f"{value} does not exist")
        return value.expanduser().resolve() if value is not None else None

    @field_validator("render_timeout_s")
    @classmethod
    def _positive(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("the render timeout must be positive")
        return value

    @field_validator("render_processes")
    @classmethod
    def _at_least_one(cls, value: int) -> int:
        if value < 1:
            raise ValueError("at least one render process")
        return value


@lru_cache
def get_documents_settings() -> DocumentsSettings:
    return DocumentsSettings()


register_cache("documents.settings.get_documents_settings", get_documents_settings.cache_clear)
