"""The authority's seal as inline SVG: red ring, five-pointed star, the name along the upper arc.

WeasyPrint ignores SVG `<textPath>` (docs/stack.md), and SVG `<text>` would put the seal's
characters into the PDF's text layer, where they interleave with the signature lines in text
extraction. So each character is drawn as its glyph *outline* (a `<path>` taken from a 宋体-style
font with fontTools), placed on the arc and rotated one by one. The seal is a picture, like a
scanned stamp: it has no text layer, and the document's extracted text is exactly its body.

Units of the SVG viewBox are 0.1 mm.
"""

from __future__ import annotations

import math
import threading
from functools import lru_cache

from fontTools.pens.svgPathPen import SVGPathPen

from cases.caches import register_cache
from documents.errors import RenderError
from documents.fonts import seal_font

SEAL_RED = "#e60012"  # GB/T 9704 §6.2: red ink Y80% M80% (approximately)
_font_lock = threading.Lock()  # fontTools loads tables lazily from one file object


@lru_cache(maxsize=4096)
def glyph_outline(char: str, font_path: str | None = None, font_index: int | None = None,
                  ) -> tuple[str, float, float, float]:
    """One character's glyph: SVG path data (font units, y up), advance, units per em, em-box middle."""
    from pathlib import Path

    with _font_lock:
        font = seal_font(Path(font_path) if font_path else None, font_index)
        name = (font.getBestCmap() or {}).get(ord(char))
        if name is None:
            raise RenderError(f"印章字体缺少“{char}”字", code="render_seal_glyph_missing")
        glyphs = font.getGlyphSet()
        pen = SVGPathPen(glyphs)
        glyphs[name].draw(pen)
        os2 = font["OS/2"]
        middle = (os2.sTypoAscender + os2.sTypoDescender) / 2
        return pen.getCommands(), float(glyphs[name].width), float(font["head"].unitsPerEm), middle


register_cache("documents.seal.glyph_outline", glyph_outline.cache_clear)


def _star(cx: float, cy: float, outer: float) -> str:
    inner = outer * math.sin(math.radians(18)) / math.sin(math.radians(126))  # regular pentagram
    points = []
    for i in range(10):
        radius = outer if i % 2 == 0 else inner
        angle = math.radians(-90 + 36 * i)
        points.append(f"{cx + radius * math.cos(angle):.2f},{cy + radius * math.sin(angle):.2f}")
    return f'<polygon points="{" ".join(points)}"/>'


def seal_svg(name: str, *, diameter_mm: float = 42.0, color: str = SEAL_RED,
             font_path: str | None = None, font_index: int | None = None) -> str:
    """The seal of `name` as an `<svg>` element (a string of trusted markup: no user text in it)."""
    chars = [c for c in name if not c.isspace()]
    if not chars:
        raise RenderError("印章名称为空", code="render_seal_empty")
    size = diameter_mm * 10
    c = size / 2
    ring = size * 0.03  # ring stroke: 1.26 mm on a 42 mm seal
    height = size * 0.175  # character height: ~7.4 mm
    radius = c - ring - size * 0.02 - height / 2  # glyph centres
    per_char = math.degrees(height * 1.08 / radius)  # natural angular pitch
    # a real seal spreads even a short name over most of the upper arc (≥ 200° from 5 characters)
    span = min(250.0, max(per_char * (len(chars) - 1), min(200.0, 45.0 * (len(chars) - 1))))
    pitch = span / (len(chars) - 1) if len(chars) > 1 else 0.0
    squeeze = min(1.0, pitch / per_char) if len(chars) > 1 else 1.0  # long names: narrower glyphs
    parts = [f'<circle cx="{c:.1f}" cy="{c:.1f}" r="{c - ring / 2:.1f}" fill="none" stroke="{color}" '
             f'stroke-width="{ring:.1f}"/>', _star(c, c, size * 0.15)]
    for i, char in enumerate(chars):
        path, advance, em, middle = glyph_outline(char, font_path, font_index)
        scale = height / em
        theta = -span / 2 + i * pitch
        x = c + radius * math.sin(math.radians(theta))
        y = c - radius * math.cos(math.radians(theta))
        parts.append(
            f'<path transform="translate({x:.2f},{y:.2f}) rotate({theta:.2f}) '
            f'scale({scale * squeeze:.5f},{-scale:.5f}) translate({-advance / 2:.1f},{-middle:.1f})" '
            f'd="{path}"/>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="seal-svg" width="{diameter_mm}mm" '
            f'height="{diameter_mm}mm" viewBox="0 0 {size:.0f} {size:.0f}">'
            f'<g fill="{color}" opacity="0.88">{"".join(parts)}</g></svg>')
