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
