"""Inspection evidence (photos, PDFs, videos): type sniffed from the bytes, checked, SHA-256, stored write-once.

Before anything is stored (`inspect_content`): an image must decode completely as the type its
magic bytes claim, with nothing after its end and no markup anywhere in it (a PNG that is also
an HTML page is refused); a PDF must contain no JavaScript, launch, automatic or embedded-file
actions — looked for in the file and in every Flate-compressed stream, with `#xx` escapes in
names decoded. Uploads count against a daily quota per signed-in user, or per client address for
the public (`UploadQuota`, keyed by `UPLOADER`, which `api.limits.BodyLimit` sets per request).

Files live under `<ENFORCE_HOME>/evidence/<aa>/<sha256>.<ext>` (read-only once written), with a
small JSON sidecar naming the first upload's type, size, original file name and the capture time
read from the file (EXIF DateTimeOriginal, MP4/MOV creation time). Bytes are stored exactly as
received: nothing is re-encoded, so EXIF stays. Videos arrive by resumable upload (`api/tus.py`)
and are moved in from disk (`put_file`), never held in memory. The same bytes
uploaded twice are stored once. The file name a client sends is never used as a path.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tempfile
import threading
import zlib
from contextvars import ContextVar
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from api.errors import RateLimited, UnsupportedMedia
from api.provenance import exif_capture_time, inspect_video, mp4_creation_time
from cases.errors import DocumentIntegrityError

_SHA = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class EvidenceRef:
    sha256: str
    content_type: str
    size: int
    filename: str
    path: str  # relative to the evidence root
    captured_at: str | None = None  # ISO 8601 UTC, read from the file (api.provenance.capture_time)
    capture_source: str = ""  # "exif" | "mp4" | ""


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


_MARKUP = re.compile(rb"<\s*(?:script|html|body|iframe|svg|object|embed|meta|frameset)(?![A-Za-z0-9])"
                     rb"|<!doctype|javascript:", re.IGNORECASE)
_PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_PDF_DANGER = re.compile(rb"/(?:JavaScript|JS|Launch|AA|EmbeddedFile|EmbeddedFiles|RichMedia|SubmitForm|"
                         rb"ImportData|GoToE|XFA)(?![A-Za-z0-9])")
_PDF_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\n?endstream", re.DOTALL)
_IMAGE_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
ACTIVE_PDF = "PDF 中含有脚本、自动执行或附件等动作，已拒收（请打印为普通 PDF 后再上传）"
MAX_PIXELS = 80_000_000  # a decompression bomb is refused before it is decoded


def _refuse(message: str, code: str) -> UnsupportedMedia:
    return UnsupportedMedia(message, code=code)


def inspect_content(content: bytes, content_type: str) -> None:
    """UnsupportedMedia unless `content` is a clean file of `content_type` (see the module doc)."""
    if content_type in _IMAGE_FORMATS:
        _inspect_image(content, _IMAGE_FORMATS[content_type])
    elif content_type == "application/pdf":
        _inspect_pdf(content)
    else:
        raise _refuse("不支持的文件类型", "evidence_type")


def _png_metadata(content: bytes) -> list[bytes]:
    """The PNG's non-image chunks and anything after IEND (which must be nothing)."""
    parts, pos = [], 8
    while pos + 8 <= len(content):
        size, kind = int.from_bytes(content[pos:pos + 4], "big"), content[pos + 4:pos + 8]
        data = content[pos + 8:pos + 8 + size]
        if kind not in (b"IDAT", b"fdAT"):
            parts.append(data)
        pos += 12 + size
        if kind == b"IEND":
            if content[pos:].strip(b"\x00"):
                raise _refuse("PNG 图片结尾之后还有其他内容，已拒收", "evidence_polyglot")
            return parts
    raise _refuse("PNG 图片不完整", "evidence_corrupt")


def _jpeg_metadata(content: bytes) -> list[bytes]:
    """The JPEG's segments before the scan (APPn, COM …) and whatever follows its last EOI."""
    parts, pos = [], 2
    while pos + 4 <= len(content) and content[pos] == 0xFF:
        marker = content[pos + 1]
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            break
        size = int.from_bytes(content[pos + 2:pos + 4], "big")
        parts.append(content[pos + 4:pos + 2 + size])
        pos += 2 + size
    end = content.rfind(b"\xff\xd9")
    if end < 0:
        raise _refuse("JPEG 图片不完整", "evidence_corrupt")
    parts.append(content[end + 2:])
    return parts


def _webp_metadata(content: bytes) -> list[bytes]:
    if int.from_bytes(content[4:8], "little") + 8 != len(content):
        raise _refuse("WebP 图片长度与文件不符，已拒收", "evidence_polyglot")
    parts, pos = [], 12
    while pos + 8 <= len(content):
        kind, size = content[pos:pos + 4], int.from_bytes(content[pos + 4:pos + 8], "little")
        if kind not in (b"VP8 ", b"VP8L", b"ALPH", b"ANMF"):
            parts.append(content[pos + 8:pos + 8 + size])
        pos += 8 + size + (size & 1)
    return parts


def _inspect_image(content: bytes, expected: str) -> None:
    from PIL import Image

    if _MARKUP.search(content[:1024]):  # where a browser would sniff
        raise _refuse("图片中含有网页代码，已拒收", "evidence_polyglot")
    metadata = {"PNG": _png_metadata, "JPEG": _jpeg_metadata, "WEBP": _webp_metadata}[expected](content)
    if any(_MARKUP.search(part) for part in metadata):
        raise _refuse("图片中含有网页代码，已拒收", "evidence_polyglot")
    try:
        with Image.open(io.BytesIO(content)) as image:
            if image.format != expected:
                raise _refuse("图片内容与其格式不符", "evidence_corrupt")
            if image.width * image.height > MAX_PIXELS:
                raise _refuse("图片像素过多", "evidence_corrupt")
            image.load()
    except UnsupportedMedia:
        raise
    except Exception:  # noqa: BLE001 — Pillow raises many kinds for broken files
        raise _refuse("图片已损坏或无法识别，请重新拍摄上传", "evidence_corrupt") from None


def _pdf_has_danger(data: bytes) -> bool:
    return bool(_PDF_DANGER.search(_PDF_NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), data)))


def _inspect_pdf(content: bytes) -> None:
    if b"%%EOF" not in content[-2048:]:
        raise _refuse("PDF 文件不完整", "evidence_corrupt")
    if _pdf_has_danger(content):
        raise _refuse(ACTIVE_PDF, "evidence_active_pdf")
    for match in _PDF_STREAM.finditer(content):
        try:
            inflated = zlib.decompressobj().decompress(match.group(1), 64 * 1024 * 1024)
        except zlib.error:
            continue
        if _pdf_has_danger(inflated):
            raise _refuse(ACTIVE_PDF, "evidence_active_pdf")


@dataclass(frozen=True)
class Uploader:
    quota: UploadQuota
    key: str  # "user:<id>" or "client:<address>"
    limit: int  # bytes per day; 0: no uploads


UPLOADER: ContextVar[Uploader | None] = ContextVar("enforce_uploader", default=None)


class UploadQuota:
    """Bytes uploaded per key and UTC day, in this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._used: dict[str, tuple[str, int]] = {}  # key → (day, bytes)

    def charge(self, key: str, size: int, limit: int, today: str) -> None:
        with self._lock:
            day, used = self._used.get(key, (today, 0))
            used = used if day == today else 0
            if used + size > limit:
                raise RateLimited(f"今日上传已达上限（{limit // (1024 * 1024)}MB），请明天再传",
                                  code="upload_quota", retry_after=3600, limit_bytes=limit)
            if len(self._used) > 100_000:
                self._used = {k: v for k, v in self._used.items() if v[0] == today}
            self._used[key] = (today, used + size)


def charge_upload(size: int) -> None:
    """Count an upload against the current request's quota (none outside a request)."""
    who = UPLOADER.get()
    if who is not None:
        who.quota.charge(who.key, size, who.limit, datetime.now(UTC).date().isoformat())


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
        inspect_content(content, content_type)
        charge_upload(len(content))
        sha = hashlib.sha256(content).hexdigest()
        data, meta = self._paths(sha, ext)
        data.parent.mkdir(parents=True, exist_ok=True)
        if not data.exists():
            _write_once(data, content)
        elif hashlib.sha256(data.read_bytes()).hexdigest() != sha:
            raise DocumentIntegrityError("已存证据文件校验失败", code="evidence_integrity", sha256=sha)
        captured = exif_capture_time(content) if content_type in ("image/jpeg", "image/webp") else None
        return self._describe_new(sha, data, meta, content_type, len(content), filename, captured, "exif")

    def put_file(self, source: Path, *, sha256: str, content_type: str, ext: str, filename: str) -> EvidenceRef:
        """A finished resumable upload (a video) moved into the store: checked, hashed and linked
        from disk in 1 MB pieces, never read whole into memory. `sha256` is the hash just computed."""
        size = source.stat().st_size
        inspect_video(source, content_type)
        charge_upload(size)
        data, meta = self._paths(sha256, ext)
        data.parent.mkdir(parents=True, exist_ok=True)
        if not data.exists():
            os.chmod(source, 0o444)
            try:
                os.link(source, data)
            except FileExistsError:
                pass
            except OSError:  # another file system: copy piece by piece
                _copy_once(source, data)
        elif file_sha256(data) != sha256:
            raise DocumentIntegrityError("已存证据文件校验失败", code="evidence_integrity", sha256=sha256)
        captured = mp4_creation_time(data) if content_type in ("video/mp4", "video/quicktime") else None
        return self._describe_new(sha256, data, meta, content_type, size, filename, captured, "mp4")

    def _describe_new(self, sha: str, data: Path, meta: Path, content_type: str, size: int, filename: str,
                      captured: datetime | None, source: str) -> EvidenceRef:
        ref = EvidenceRef(sha, content_type, size, safe_filename(filename), str(data.relative_to(self.root)),
                          captured.isoformat() if captured else None, source if captured else "")
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

    def verified_path(self, ref: EvidenceRef) -> Path:
        """The stored file, after its SHA-256 was checked piece by piece (for files sent from disk)."""
        path = self.root / ref.path
        if file_sha256(path) != ref.sha256:
            raise DocumentIntegrityError("证据文件校验失败，可能已被篡改", code="evidence_integrity",
                                         sha256=ref.sha256)
        return path

    def read(self, ref: EvidenceRef) -> bytes:
        content = (self.root / ref.path).read_bytes()
        if hashlib.sha256(content).hexdigest() != ref.sha256:
            raise DocumentIntegrityError("证据文件校验失败，可能已被篡改", code="evidence_integrity",
                                         sha256=ref.sha256)
        return content


def file_sha256(path: Path, piece: int = 1024 * 1024) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(piece):
            digest.update(chunk)
    return digest.hexdigest()


def _copy_once(source: Path, target: Path) -> None:
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
            while chunk := src.read(1024 * 1024):
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o444)
        try:
            os.link(tmp, target)
        except FileExistsError:
            pass
    finally:
        os.unlink(tmp)


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
