"""What makes an uploaded photo or video evidence: its hash as the device computed it, the capture
time the file itself carries, the device's clock and position (docs/field-app.md).

* `verify_sha256`: the device sends the SHA-256 it computed before sending (WebCrypto); the server
  compares it with the bytes it received — a mismatch stores nothing.
* `capture_time`: EXIF DateTimeOriginal (with OffsetTimeOriginal when the camera wrote one, else
  China Standard Time, UTC+8 — the officers' own clock), or the `mvhd` creation time of an MP4/MOV
  (seconds since 1904-01-01 UTC, the ISO base media file format's epoch). Only read, never
  trusted as the receipt time: the server's clock is (`case_evidence.uploaded_at`).
* `sniff_video` and `inspect_video`: the video containers a 执法记录仪 writes (MP4/MOV, AVI),
  recognised by their magic bytes, checked to be one well-formed container from start to end
  (nothing appended, no markup where a browser would sniff) — read from disk in small pieces.
* `client_provenance`: the device time and position fields of an upload form, validated.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import BinaryIO

from cases.errors import UnsupportedMedia, ValidationFailed

CHINA = timezone(timedelta(hours=8))
MP4_EPOCH = datetime(1904, 1, 1, tzinfo=UTC)
_SHA = re.compile(r"^[0-9a-f]{64}$")
_EXIF_IFD, _DATETIME_ORIGINAL, _DATETIME_DIGITIZED, _OFFSET_ORIGINAL = 0x8769, 36867, 36868, 36881
_MARKUP = re.compile(rb"<\s*(?:script|html|body|iframe|svg|object|embed|meta)(?![A-Za-z0-9])|<!doctype",
                     re.IGNORECASE)


@dataclass(frozen=True)
class Provenance:
    captured_at: datetime | None = None
    capture_source: str = ""  # "exif" | "mp4" | ""
    device_at: datetime | None = None
    latitude: float | None = None
    longitude: float | None = None
    accuracy_m: float | None = None

    def fields(self) -> dict[str, object]:
        """As the UPLOAD_EVIDENCE input (`cases.actions.EvidenceIn`) takes them."""
        return {"captured_at": self.captured_at.isoformat() if self.captured_at else None,
                "capture_source": self.capture_source if self.captured_at else "",
                "device_at": self.device_at.isoformat() if self.device_at else None,
                "latitude": self.latitude, "longitude": self.longitude, "accuracy_m": self.accuracy_m}


def verify_sha256(claimed: str | None, actual: str) -> None:
    """ValidationFailed unless the device's hash (when sent) is the hash of the bytes received."""
    if claimed is None or claimed == "":
        return
    claimed = claimed.strip().lower()
    if not _SHA.match(claimed):
        raise ValidationFailed("手机计算的 SHA-256 格式不正确（应为64位十六进制）", code="evidence_hash_invalid")
    if claimed != actual:
        raise ValidationFailed("文件在传输中发生了变化：手机计算的 SHA-256 与服务器收到的不一致，未存档，请重新上传",
                               code="evidence_hash_mismatch", expected=claimed, received=actual)


def _exif_moment(stamp: object, offset: object) -> datetime | None:
    if not isinstance(stamp, str):
        return None
    try:
        naive = datetime.strptime(stamp.strip().rstrip("\x00"), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    zone = CHINA
    if isinstance(offset, str) and re.fullmatch(r"[+-]\d{2}:\d{2}", offset.strip().rstrip("\x00")):
        text = offset.strip().rstrip("\x00")
        sign = -1 if text[0] == "-" else 1
        zone = timezone(sign * timedelta(hours=int(text[1:3]), minutes=int(text[4:6])))
    if not 2000 <= naive.year <= 2099:
        return None
    return naive.replace(tzinfo=zone).astimezone(UTC)


def exif_capture_time(content: bytes) -> datetime | None:
    """The photo's DateTimeOriginal (else DateTimeDigitized) as UTC, None when the file has none."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(content)) as image:
            exif = image.getexif().get_ifd(_EXIF_IFD)
    except Exception:  # noqa: BLE001 — a photo without readable EXIF simply has no capture time
        return None
    return (_exif_moment(exif.get(_DATETIME_ORIGINAL), exif.get(_OFFSET_ORIGINAL))
            or _exif_moment(exif.get(_DATETIME_DIGITIZED), exif.get(_OFFSET_ORIGINAL)))


def _boxes(handle: BinaryIO, start: int, end: int) -> list[tuple[bytes, int, int]]:
    """(type, payload start, box end) of the ISO-BMFF boxes between `start` and `end`."""
    found, pos = [], start
    while pos + 8 <= end:
        handle.seek(pos)
        head = handle.read(16)
        size, kind = int.from_bytes(head[:4], "big"), head[4:8]
        payload = pos + 8
        if size == 1:
            size, payload = int.from_bytes(head[8:16], "big"), pos + 16
        elif size == 0:
            size = end - pos
        if size < payload - pos or pos + size > end:
            raise UnsupportedMedia("视频文件结构不完整或已损坏", code="evidence_corrupt")
        found.append((kind, payload, pos + size))
        pos += size
    if pos != end:
        raise UnsupportedMedia("视频文件结尾之后还有其他内容，已拒收", code="evidence_polyglot")
    return found


def mp4_creation_time(path: Path) -> datetime | None:
    """The `moov/mvhd` creation time of an MP4/MOV file as UTC; None when absent or zero."""
    with open(path, "rb") as handle:
        size = handle.seek(0, 2)
        try:
            moov = next(((p, e) for kind, p, e in _boxes(handle, 0, size) if kind == b"moov"), None)
            if moov is None:
                return None
            mvhd = next(((p, e) for kind, p, e in _boxes(handle, *moov) if kind == b"mvhd"), None)
        except UnsupportedMedia:
            return None
        if mvhd is None:
            return None
        handle.seek(mvhd[0])
        head = handle.read(12)
        seconds = int.from_bytes(head[4:12], "big") if head[:1] == b"\x01" else int.from_bytes(head[4:8], "big")
    if seconds == 0:
        return None
    moment = MP4_EPOCH + timedelta(seconds=seconds)
    return moment if 2000 <= moment.year <= 2099 else None


def sniff_video(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) of an MP4, MOV or AVI file from its first bytes; None otherwise."""
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return ("video/quicktime", "mov") if head[8:12] == b"qt  " else ("video/mp4", "mp4")
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "video/x-msvideo", "avi"
    return None


def inspect_video(path: Path, content_type: str) -> None:
    """UnsupportedMedia unless the file is one complete container of its type (see the module doc)."""
    with open(path, "rb") as handle:
        head = handle.read(4096)
        size = handle.seek(0, 2)
        if _MARKUP.search(head):
            raise UnsupportedMedia("视频中含有网页代码，已拒收", code="evidence_polyglot")
        if content_type == "video/x-msvideo":
            if int.from_bytes(head[4:8], "little") + 8 != size:
                raise UnsupportedMedia("AVI 视频长度与文件不符，已拒收", code="evidence_polyglot")
            return
        kinds = [kind for kind, _, _ in _boxes(handle, 0, size)]
    if b"moov" not in kinds or not ({b"mdat", b"moof"} & set(kinds)):
        raise UnsupportedMedia("视频文件不完整（缺少索引或画面数据）", code="evidence_corrupt")


def _number(raw: object, low: float, high: float, label: str, code: str) -> float | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        value = float(str(raw).strip())
    except ValueError:
        raise ValidationFailed(f"{label}格式不正确", code=code) from None
    if not low <= value <= high or value != value:
        raise ValidationFailed(f"{label}超出范围", code=code)
    return value


def client_provenance(fields: Mapping[str, object]) -> Provenance:
    """The device time and, when the officer allowed it, position sent with an upload."""
    device_at = None
    raw = fields.get("device_time")
    if isinstance(raw, str) and raw.strip():
        try:
            device_at = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValidationFailed("设备时间格式不正确", code="evidence_device_time") from None
        if device_at.tzinfo is None or not 2000 <= device_at.year <= 2099:
            raise ValidationFailed("设备时间须带时区且在2000年至2099年之间", code="evidence_device_time")
        device_at = device_at.astimezone(UTC)
    lat = _number(fields.get("latitude"), -90, 90, "纬度", "evidence_position")
    lon = _number(fields.get("longitude"), -180, 180, "经度", "evidence_position")
    acc = _number(fields.get("accuracy"), 0, 100_000, "定位精度", "evidence_position")
    if (lat is None) != (lon is None):
        raise ValidationFailed("位置须同时有纬度和经度", code="evidence_position")
    return Provenance(device_at=device_at, latitude=lat, longitude=lon, accuracy_m=acc if lat is not None else None)


def with_capture_time(base: Provenance, captured_at: datetime | None, source: str) -> Provenance:
    return Provenance(captured_at, source if captured_at else "", base.device_at, base.latitude, base.longitude,
                      base.accuracy_m)
