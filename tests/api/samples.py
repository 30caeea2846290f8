"""Small genuine files for upload tests: images that decode, a plain PDF."""

from __future__ import annotations

import io


def image(fmt: str = "PNG", colour: tuple[int, int, int] = (200, 30, 30), size: tuple[int, int] = (8, 6)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, fmt)
    return buffer.getvalue()


def pdf(extra: bytes = b"") -> bytes:
    """A one-page PDF; `extra` goes into the catalogue dictionary (for actions)."""
    return (b"%PDF-1.7\n1 0 obj<</Type/Catalog/Pages 2 0 R" + extra + b">>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n")


def photo_with_exif(taken: str = "2026:03:16 08:41:07", offset: str | None = "+08:00",
                    size: tuple[int, int] = (64, 48), make: str = "HUAWEI", model: str = "P60") -> bytes:
    """A JPEG as a phone writes it: DateTimeOriginal (and its offset) in the EXIF IFD, camera make and model."""
    from PIL import Image

    exif = Image.Exif()
    exif[271], exif[272] = make, model
    ifd = exif.get_ifd(0x8769)
    ifd[36867] = taken
    if offset:
        ifd[36881] = offset
    buffer = io.BytesIO()
    Image.new("RGB", size, (40, 110, 160)).save(buffer, "JPEG", exif=exif.tobytes(), quality=92)
    return buffer.getvalue()


MP4_EPOCH_OFFSET = 2_082_844_800  # seconds from 1904-01-01 (ISO BMFF) to 1970-01-01 (Unix)


def _box(kind: bytes, payload: bytes) -> bytes:
    return (8 + len(payload)).to_bytes(4, "big") + kind + payload


def mp4_head(created_unix: int, mdat_size: int) -> bytes:
    """`ftyp` + `moov/mvhd` (creation time) + the header of an `mdat` box of `mdat_size` payload bytes."""
    stamp = (created_unix + MP4_EPOCH_OFFSET).to_bytes(4, "big")
    mvhd = _box(b"mvhd", b"\x00\x00\x00\x00" + stamp + stamp + (1000).to_bytes(4, "big")
                + (60_000).to_bytes(4, "big") + bytes(80))
    return (_box(b"ftyp", b"isom\x00\x00\x02\x00isomiso2mp41") + _box(b"moov", mvhd)
            + (8 + mdat_size).to_bytes(4, "big") + b"mdat")


def mp4(created_unix: int = 1_773_621_667, payload: bytes = b"\x00\x01\x02\x03" * 256) -> bytes:
    """A small, well-formed MP4 container (as a body camera's file is laid out, minus real frames)."""
    return mp4_head(created_unix, len(payload)) + payload


def write_mp4(path, size_mb: int, created_unix: int = 1_773_621_667) -> None:  # noqa: ANN001
    """A `size_mb` MB MP4 written to `path` in 1 MB pieces (never whole in memory)."""
    import os

    block = os.urandom(1024 * 1024)
    with open(path, "wb") as out:
        out.write(mp4_head(created_unix, size_mb * 1024 * 1024))
        for i in range(size_mb):
            out.write(block[i % 7:] + block[:i % 7])
