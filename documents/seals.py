"""The authority's own seal image and signing certificate, as uploaded by an administrator.

The software never draws a seal: by default the seal position of a document (GB/T 9704 §7.3.5.1:
the issuer's name centred over the date, room above them) is left blank for the physical stamp.
An authority that has a seal image of its own (a transparent PNG, e.g. a scan of its stamp,
`<seal folder>/<department id>.png`) gets it placed at that position; an authority with a PKCS#12
certificate (`<certificate folder>/<department id>.p12`) gets its documents signed (PAdES, see
`documents.signing`). Both folders are configured in `documents.settings`; the renderer reads the
seal folder only through its safe fetcher.

Uploads are checked before they are stored: the PNG must be a PNG with transparency (colour type
with alpha, or a tRNS chunk) and of a sensible size; the PKCS#12 must open with the configured
password and hold a private key and its certificate. A file replaces the previous one atomically.
"""

from __future__ import annotations

import os
import secrets
import struct
from pathlib import Path

from cases.errors import ValidationFailed
from documents.settings import get_documents_settings

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_SEAL_BYTES = 2 * 1024 * 1024
MAX_CERTIFICATE_BYTES = 256 * 1024
MIN_SEAL_PIXELS, MAX_SEAL_PIXELS = 200, 4000  # a 42 mm seal at 120–2400 dpi


def _department_file(folder: Path, department_id: int, suffix: str) -> Path:
    if not isinstance(department_id, int) or isinstance(department_id, bool) or department_id <= 0:
        raise ValidationFailed(f"部门编号不合法：{department_id!r}", code="bad_department_id")
    return folder / f"{department_id}{suffix}"


def seal_image_path(department_id: int | None) -> Path | None:
    """The authority's uploaded seal image, if there is one."""
    if department_id is None:
        return None
    path = _department_file(get_documents_settings().seals, department_id, ".png")
    return path if path.is_file() else None


def certificate_path(department_id: int | None) -> Path | None:
    """The authority's uploaded PKCS#12 certificate, if there is one."""
    if department_id is None:
        return None
    path = _department_file(get_documents_settings().certificates, department_id, ".p12")
    return path if path.is_file() else None


def check_seal_png(content: bytes) -> tuple[int, int]:
    """(width, height) of an acceptable seal image; `ValidationFailed` (Chinese) otherwise."""
    if len(content) > MAX_SEAL_BYTES:
        raise ValidationFailed("印章图片过大（不超过2MB）", code="seal_too_large")
    if not content.startswith(PNG_MAGIC) or content[12:16] != b"IHDR":
        raise ValidationFailed("印章图片须为PNG格式", code="seal_not_png")
    width, height, _depth, colour = struct.unpack(">IIBB", content[16:26])
    if not (MIN_SEAL_PIXELS <= width <= MAX_SEAL_PIXELS and MIN_SEAL_PIXELS <= height <= MAX_SEAL_PIXELS):
        raise ValidationFailed(f"印章图片尺寸须在{MIN_SEAL_PIXELS}至{MAX_SEAL_PIXELS}像素之间（现为{width}×{height}）",
                               code="seal_bad_size")
    if abs(width - height) > max(width, height) * 0.1:
        raise ValidationFailed("印章图片须近似正方形（圆形印章居中）", code="seal_not_square")
    if colour not in (4, 6) and b"tRNS" not in _chunk_types(content):
        raise ValidationFailed("印章图片须为透明背景的PNG（带透明通道）", code="seal_not_transparent")
    return width, height


def _chunk_types(content: bytes) -> set[bytes]:
    types, offset = set(), 8
    while offset + 8 <= len(content):
        length = struct.unpack(">I", content[offset:offset + 4])[0]
        kind = content[offset + 4:offset + 8]
        types.add(kind)
        if kind == b"IDAT":  # tRNS must come before the image data
            break
        offset += 12 + length
    return types


def check_certificate(content: bytes, password: str | None = None) -> str:
    """The subject of an acceptable PKCS#12 file (key + certificate); `ValidationFailed` otherwise."""
    from cryptography.hazmat.primitives.serialization import pkcs12

    if len(content) > MAX_CERTIFICATE_BYTES:
        raise ValidationFailed("证书文件过大", code="certificate_too_large")
    secret = get_documents_settings().signing_password.get_secret_value() if password is None else password
    try:
        key, cert, _chain = pkcs12.load_key_and_certificates(content, secret.encode() or None)
    except ValueError:
        raise ValidationFailed("证书文件无法打开：不是PKCS#12文件或密码不正确", code="certificate_unreadable") from None
    if key is None or cert is None:
        raise ValidationFailed("证书文件须同时包含私钥和证书", code="certificate_incomplete")
    return cert.subject.rfc4514_string()


def _replace(target: Path, content: bytes) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".tmp-{target.name}-{secrets.token_hex(8)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def store_seal_image(department_id: int, content: bytes) -> Path:
    """Check and store the authority's seal image (replacing an earlier one)."""
    check_seal_png(content)
    return _replace(_department_file(get_documents_settings().seals, department_id, ".png"), content)


def store_certificate(department_id: int, content: bytes, password: str | None = None) -> tuple[Path, str]:
    """Check and store the authority's PKCS#12 certificate; returns the path and the subject."""
    subject = check_certificate(content, password)
    return _replace(_department_file(get_documents_settings().certificates, department_id, ".p12"), content), subject


def remove_seal_image(department_id: int) -> bool:
    path = seal_image_path(department_id)
    if path is None:
        return False
    path.unlink()
    return True
