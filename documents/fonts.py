"""Fonts: the licensed-font folder as @font-face rules.

GB/T 9704 wants 仿宋_GB2312 / 方正小标宋简体, which no Debian package ships (README, "Licensed fonts"). A
bureau puts its licensed files in `ENFORCE_FONT_DIR`; each file is registered under every
family name it carries (English and Chinese), so the CSS stacks — which name the standard
faces first — use them. A face declared only once is registered for both normal and bold so
that a `font-weight: bold` title in 小标宋 is not synthetically emboldened.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fontTools.ttLib import TTFont

FONT_SUFFIXES = (".ttf", ".otf")  # a .ttc cannot be addressed by @font-face: install it system-wide


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
