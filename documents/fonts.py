"""Fonts: the licensed-font folder as @font-face rules, and the font that draws the seal.

GB/T 9704 wants 仿宋_GB2312 / 方正小标宋简体, which no Debian package ships (docs/stack.md). A
bureau puts its licensed files in `ENFORCE_FONT_DIR`; each file is registered under every
family name it carries (English and Chinese), so the CSS stacks — which name the standard
faces first — use them. A face declared only once is registered for both normal and bold so
that a `font-weight: bold` title in 小标宋 is not synthetically emboldened.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont

from cases.caches import register_cache
from documents.errors import RenderError

FONT_SUFFIXES = (".ttf", ".otf")  # a .ttc cannot be addressed by @font-face: install it system-wide
SEAL_FAMILY = "Noto Serif CJK SC:bold"  # fontconfig pattern; seals are cut in 宋体 (国发〔1999〕25号)
_SEAL_CANDIDATES = (
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),
)


@dataclass(frozen=True)
class FontFace:
    family: str
    path: Path
    weight: int  # CSS weight (OS/2 usWeightClass)
    italic: bool


def _families(font: TTFont) -> set[str]:
    names = set()
    for record in font["name"].names:
        if record.nameID in (1, 16):
            try:
                names.add(record.toUnicode().strip())
            except UnicodeDecodeError:
                continue
    return {n for n in names if n and '"' not in n and "\\" not in n}


def _faces_of(path: Path) -> list[FontFace]:
    font = TTFont(str(path), lazy=True)
    os2 = font["OS/2"] if "OS/2" in font else None
    weight = min(900, max(100, round(int(getattr(os2, "usWeightClass", 400) or 400) / 100) * 100))
    italic = bool(getattr(os2, "fsSelection", 0) & 1)
    return [FontFace(family, path, weight, italic) for family in sorted(_families(font))]


def licensed_faces(font_dir: Path | None) -> list[FontFace]:
    """Every face in the folder (recursively), in a stable order; unreadable files are skipped."""
    if font_dir is None:
        return []
    faces: list[FontFace] = []
    for path in sorted(p for p in Path(font_dir).rglob("*") if p.suffix.lower() in FONT_SUFFIXES):
        try:
            faces += _faces_of(path.resolve())
        except Exception:  # noqa: BLE001 - a broken file must not stop the bureau's documents
            continue
    return faces


def font_face_css(faces: list[FontFace]) -> str:
    """@font-face rules for the faces."""
    rules = []
    declared = {(f.family, f.weight >= 600, f.italic) for f in faces}
    for face in faces:
        weights = [str(face.weight)]
        if face.weight < 600 and (face.family, True, face.italic) not in declared:
            weights.append("bold")  # one-weight families (小标宋): avoid synthetic bold
        for weight in weights:
            rules.append(
                f'@font-face {{ font-family: "{face.family}"; src: url("{face.path.as_uri()}"); '
                f"font-weight: {weight}; font-style: {'italic' if face.italic else 'normal'}; }}")
    return "\n".join(rules)


def _fc_match(pattern: str) -> tuple[Path, int] | None:
    if shutil.which("fc-match") is None:
        return None
    out = subprocess.run(["fc-match", "-f", "%{file}\n%{index}", pattern], capture_output=True,
                         text=True, timeout=10, check=False).stdout.split("\n")
    if len(out) == 2 and out[0] and out[1].isdigit():
        return Path(out[0]), int(out[1])
    return None


@lru_cache
def seal_font(path: Path | None = None, index: int | None = None) -> TTFont:
    """The seal's glyph source: the configured file, else fontconfig's Noto Serif CJK SC Bold."""
    candidates: list[tuple[Path, int]] = []
    if path is not None:
        candidates.append((Path(path), index or 0))
    found = _fc_match(SEAL_FAMILY)
    if found:
        candidates.append(found)
    candidates += [(Path(p), i) for p, i in _SEAL_CANDIDATES]
    for file, number in candidates:
        if not file.is_file():
            continue
        font = TTFont(str(file), fontNumber=number, lazy=True)
        if ord("局") in (font.getBestCmap() or {}):
            return font
    raise RenderError("未找到可用于绘制印章的中文字体（请安装 fonts-noto-cjk 或设置 ENFORCE_SEAL_FONT）",
                      code="render_no_seal_font")


register_cache("documents.fonts.seal_font", seal_font.cache_clear)
