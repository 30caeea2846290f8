"""Fixtures of the document tests: sample PDFs rendered once per session, read back with
pdfplumber and the poppler CLI (pdftotext, pdffonts)."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pdfplumber
import pytest

from cases.enums import DocumentType
from documents import render, samples

MM = 25.4 / 72  # millimetres per PDF point
PAGE_NUMBER = re.compile(r"—\s*\d+\s*—")


@dataclass
class Line:
    """One text line of a page: its characters left to right (positions in mm from the top left)."""

    chars: list[dict]

    @property
    def text(self) -> str:
        return "".join(c["text"] for c in self.chars)

    @property
    def x0(self) -> float:
        return self.chars[0]["x0"] * MM

    @property
    def x1(self) -> float:
        return self.chars[-1]["x1"] * MM

    @property
    def size(self) -> float:
        return self.chars[0]["size"]

    def baseline(self, page_height: float) -> float:
        return (page_height - self.chars[0]["matrix"][5]) * MM

    def em_top(self, page_height: float) -> float:
        """Top of the ideographic em box (CJK fonts: ascender 0.88 em above the baseline)."""
        return self.baseline(page_height) - 0.88 * self.size * MM


def lines_of(page: pdfplumber.page.Page) -> list[Line]:
    rows: dict[float, list[dict]] = defaultdict(list)
    for char in page.chars:
        rows[round(page.height - char["matrix"][5], 1)].append(char)
    return [Line(sorted(rows[y], key=lambda c: c["x0"])) for y in sorted(rows)]


class _VisibleText(HTMLParser):
    """The text a reader sees in the HTML: body text, without <head>, <svg> or <style>."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("head", "svg", "style", "script", "title"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("head", "svg", "style", "script", "title"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return "".join(parser.parts)


def squash(text: str) -> str:
    """Drop whitespace (line breaks, the full-width spaces of blanks) for char-by-char comparison."""
    return re.sub(r"[\s\u3000]+", "", text)


@dataclass
class Rendered:
    doc_type: DocumentType
    snapshot: object
    html: str
    pdf: bytes
    path: Path

    def pdftotext(self, *args: str) -> str:
        return subprocess.run(["pdftotext", "-enc", "UTF-8", *args, str(self.path), "-"],
                              capture_output=True, text=True, check=True).stdout

    def body_text(self, raw: bool = False) -> str:
        """Extracted text without the page numbers, whitespace squashed: in reading order (lines
        top to bottom), or `raw` in content-stream order (keeps a wrapped table cell together)."""
        return squash(PAGE_NUMBER.sub("", self.pdftotext("-raw") if raw else self.pdftotext()))

    def pdffonts(self) -> list[list[str]]:
        out = subprocess.run(["pdffonts", str(self.path)], capture_output=True, text=True, check=True).stdout
        return [row.split() for row in out.splitlines()[2:] if row.strip()]


@pytest.fixture(scope="session")
def poppler() -> None:
    for tool in ("pdftotext", "pdffonts"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing: apt-get install poppler-utils")


@pytest.fixture(scope="session")
def render_sample(tmp_path_factory: pytest.TempPathFactory, poppler: None) -> Callable[..., Rendered]:
    """Render (and cache for the session) a sample snapshot of a type; keyword args vary it."""
    cache: dict[tuple, Rendered] = {}
    folder = tmp_path_factory.mktemp("pdf")

    def make(doc_type: DocumentType, snapshot: object | None = None, **kwargs: object) -> Rendered:
        key = (doc_type, repr(snapshot), tuple(sorted(kwargs.items())))
        if key not in cache:
            snap = snapshot if snapshot is not None else samples.sample(doc_type, **kwargs)
            html = render.render_html(doc_type, snap)
            pdf = render.html_to_pdf(html)
            path = folder / f"{doc_type}-{len(cache)}.pdf"
            path.write_bytes(pdf)
            cache[key] = Rendered(DocumentType(doc_type), snap, html, pdf, path)
        return cache[key]

    return make


@pytest.fixture(scope="session")
def notice1(render_sample: Callable[..., Rendered]) -> Rendered:
    return render_sample(DocumentType.RECTIFICATION_NOTICE, pages=1)


@pytest.fixture(scope="session")
def notice3(render_sample: Callable[..., Rendered]) -> Rendered:
    return render_sample(DocumentType.RECTIFICATION_NOTICE, pages=3)


@pytest.fixture(scope="session")
def pdfread() -> object:
    """The helpers above, for the test modules (which cannot import conftest)."""
    from types import SimpleNamespace

    return SimpleNamespace(MM=MM, lines_of=lines_of, squash=squash, visible_text=visible_text,
                           PAGE_NUMBER=PAGE_NUMBER)
