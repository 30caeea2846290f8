"""Settings of the document renderer: licensed fonts, render time limit, batch size.

Read lazily (`get_documents_settings()`), never at import; tests call `cache_clear()` after
changing the environment. Every variable has the `ENFORCE_` prefix, like `cases.settings`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import field_validator
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
    # ENFORCE_SEAL_FONT: the font file whose glyph outlines draw the seal's characters
    # (default: Noto Serif CJK SC Bold, found through fontconfig; 印文 use 宋体).
    seal_font: Path | None = None
    seal_font_index: int | None = None  # face index inside a .ttc (default: the SC face)

    @field_validator("font_dir", "seal_font")
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
