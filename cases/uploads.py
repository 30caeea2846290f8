"""Intake files on shared storage: an upload is stored once under ENFORCE_HOME/uploads/intake/ by
content hash, and a run names it by that relative name — never by a path on whichever machine
picks the run up."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path, PurePosixPath

from cases.errors import ValidationFailed
from cases.settings import get_settings

SUFFIXES = (".csv", ".xlsx", ".xlsm")
MAX_BYTES = 20 * 1024 * 1024


def intake_dir() -> Path:
    return get_settings().resolved_home / "uploads" / "intake"


def store_intake_upload(content: bytes, filename: str) -> str:
    """Store the file (write-once, named by its SHA-256) and return its name relative to `intake_dir()`."""
    suffix = PurePosixPath(filename or "").suffix.lower()
    if suffix not in SUFFIXES:
        raise ValidationFailed("只支持 CSV 或 Excel（.xlsx）文件", code="intake_file_type", filename=filename)
    if not content:
        raise ValidationFailed("文件为空", code="import_empty")
    if len(content) > MAX_BYTES:
        raise ValidationFailed(f"文件超过 {MAX_BYTES // 1024 // 1024} MB", code="intake_file_size")
    name = f"{hashlib.sha256(content).hexdigest()}{suffix}"
    target = intake_dir() / name
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(target.suffix + ".part")
        tmp.write_bytes(content)
        tmp.replace(target)
    return name


def resolve_intake_upload(name: str) -> Path:
    """The stored file for a name returned by `store_intake_upload` (nothing outside `intake_dir()`)."""
    if not re.fullmatch(r"[0-9a-f]{64}\.(csv|xlsx|xlsm)", name or ""):
        raise ValidationFailed(f"导入文件名不合法：{name!r}（应为上传后返回的文件名）", code="intake_file_name")
    path = intake_dir() / name
    if not path.exists():
        raise ValidationFailed(f"导入文件不存在：{name}（共享存储 ENFORCE_HOME 上未找到）", code="intake_file_missing")
    return path
