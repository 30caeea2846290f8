"""Inspection evidence (photos, PDFs): type sniffed from the bytes, SHA-256, stored write-once.

Files live under `<ENFORCE_HOME>/evidence/<aa>/<sha256>.<ext>` (read-only once written), with a
small JSON sidecar naming the first upload's type, size and original file name. The same bytes
uploaded twice are stored once. The file name a client sends is never used as a path.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from cases.errors import DocumentIntegrityError

_SHA = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class EvidenceRef:
    sha256: str
    content_type: str
    size: int
    filename: str
    path: str  # relative to the evidence root


def sniff(content: bytes) -> tuple[str, str] | None:
    """(content type, extension) from magic bytes: JPEG, PNG, WebP or PDF; None for anything else."""
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", "jpg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", "png"
    if len(content) >= 12 and content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp", "webp"
    if content.startswith(b"%PDF-"):
        return "application/pdf", "pdf"
    return None


def safe_filename(name: str | None) -> str:
    base = os.path.basename((name or "").replace("\\", "/"))
    cleaned = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*')
    return cleaned.encode("utf-8", "ignore").decode()[:128] or "evidence"


class EvidenceStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _paths(self, sha: str, ext: str) -> tuple[Path, Path]:
        folder = self.root / sha[:2]
        return folder / f"{sha}.{ext}", folder / f"{sha}.json"

    def put(self, content: bytes, *, content_type: str, ext: str, filename: str) -> EvidenceRef:
        sha = hashlib.sha256(content).hexdigest()
        data, meta = self._paths(sha, ext)
        data.parent.mkdir(parents=True, exist_ok=True)
        if not data.exists():
            _write_once(data, content)
        elif hashlib.sha256(data.read_bytes()).hexdigest() != sha:
            raise DocumentIntegrityError("已存证据文件校验失败", code="evidence_integrity", sha256=sha)
        ref = EvidenceRef(sha, content_type, len(content), safe_filename(filename),
                          str(data.relative_to(self.root)))
        if not meta.exists():
            _write_once(meta, json.dumps(asdict(ref), ensure_ascii=False).encode())
        return self.describe(sha) or ref

    def describe(self, sha: str) -> EvidenceRef | None:
        if not _SHA.match(sha):
            return None
        meta = self.root / sha[:2] / f"{sha}.json"
        try:
            return EvidenceRef(**json.loads(meta.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None

    def read(self, ref: EvidenceRef) -> bytes:
        content = (self.root / ref.path).read_bytes()
        if hashlib.sha256(content).hexdigest() != ref.sha256:
            raise DocumentIntegrityError("证据文件校验失败，可能已被篡改", code="evidence_integrity",
                                         sha256=ref.sha256)
        return content


def _write_once(path: Path, content: bytes) -> None:
    """Write to a temporary file, then link it into place: a concurrent writer of the same bytes
    finds the file complete or not at all; an existing file is never replaced."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o444)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
    finally:
        os.unlink(tmp)
