"""GB/T 9704 layout of the 整改通知书, measured on the PDF (pdfplumber, positions in mm).

The enforcement documents use the compact grid GB/T 9704 §5.2.1–5.2.2 permits (4号, 33 lines ×
32 characters in the same 156 × 225 mm 版心); the 半月通报 keeps 3号, 22 × 28 (docs/documents.md)."""

from __future__ import annotations

import re

import pdfplumber
import pytest

pytestmark = pytest.mark.integration

MM = 25.4 / 72
PITCH = 19.32 * MM  # one grid line: 225 mm / 33, just under
CHAR = 13.81 * MM  # one full-width character: 156 mm / 32, just under
BODY = 14  # 4号
TOP, LEFT, RIGHT, BOTTOM = 37.0, 28.0, 28.0 + 156.0, 37.0 + 225.0
TOLERANCE = 1.0


def body_lines(page, pdfread):
    return [line for line in pdfread.lines_of(page) if abs(line.size - BODY) < 0.1
            and not pdfread.PAGE_NUMBER.fullmatch(line.text.replace(" ", ""))]  # page numbers are 4号 too


@pytest.fixture(scope="module")
def pages(notice3):
    with pdfplumber.open(notice3.path) as pdf:
        yield pdf.pages


def test_every_page_is_a4(pages, notice1):
    assert len(pages) == 3
    with pdfplumber.open(notice1.path) as pdf:
        sizes = {(round(p.width * MM, 1), round(p.height * MM, 1)) for p in [*pages, *pdf.pages]}
    assert sizes == {(210.0, 297.0)}


def test_a_full_body_page_has_33_lines_of_32_characters(pages, pdfread):
    lines = body_lines(pages[1], pdfread)
    assert len(lines) == 33
    full = [line for line in lines if line.x1 > RIGHT - 2]
    assert len(full) >= 15
    for line in full:
        indented = abs(line.x0 - (LEFT + 2 * CHAR)) < 0.3  # a paragraph's first line: 2 + 26
        assert len(line.text) == (30 if indented else 32), line.text
        assert all(not c.isascii() for c in line.text)  # the sample's filler is all full-width


def test_text_block_margins(pages, pdfread):
    page = pages[1]
    lines = body_lines(page, pdfread)
    assert min(line.x0 for line in lines) == pytest.approx(LEFT, abs=TOLERANCE)
    assert max(line.x1 for line in lines) == pytest.approx(RIGHT, abs=TOLERANCE)
    first_mid = lines[0].em_top(page.height) + BODY * MM / 2  # glyphs centred in the first grid line
    last_mid = lines[-1].em_top(page.height) + BODY * MM / 2
    assert first_mid - PITCH / 2 == pytest.approx(TOP, abs=TOLERANCE)
    assert last_mid + PITCH / 2 == pytest.approx(BOTTOM, abs=TOLERANCE)
    pitches = [b.baseline(page.height) - a.baseline(page.height)
               for a, b in zip(lines, lines[1:], strict=False)]
    assert max(pitches) - min(pitches) < 0.05
    assert sum(pitches) / len(pitches) * 33 == pytest.approx(225.0, abs=TOLERANCE)


def test_paragraph_indent_is_two_characters(pages, pdfread):
    starts = [line.x0 for line in body_lines(pages[1], pdfread)]
    assert all(x == pytest.approx(LEFT, abs=0.1) or x == pytest.approx(LEFT + 2 * CHAR, abs=0.1) for x in starts)
    assert any(x == pytest.approx(LEFT + 2 * CHAR, abs=0.1) for x in starts)


def test_page_numbers_odd_right_even_left(pages, pdfread):
    for index, page in enumerate(pages, start=1):
        [number] = [line for line in pdfread.lines_of(page)
                    if pdfread.PAGE_NUMBER.fullmatch(line.text.replace(" ", ""))]
        assert number.text.replace(" ", "") == f"—{index}—"
        assert number.size == pytest.approx(14, abs=0.1)
        assert number.em_top(page.height) == pytest.approx(BOTTOM + 7, abs=TOLERANCE)
        one_char = 14 * MM
        if index % 2:
            assert number.x1 == pytest.approx(RIGHT - one_char, abs=TOLERANCE)
        else:
            assert number.x0 == pytest.approx(LEFT + one_char, abs=TOLERANCE)


def test_title_and_number(pages, pdfread, notice3):
    lines = pdfread.lines_of(pages[0])
    assert lines[0].text == notice3.snapshot.authority.name and lines[0].size == pytest.approx(18, abs=0.1)
    assert lines[1].text == "责令限期改正通知书" and lines[1].size == pytest.approx(22, abs=0.1)
    for line in lines[:2]:
        assert (line.x0 + line.x1) / 2 == pytest.approx((LEFT + RIGHT) / 2, abs=TOLERANCE)
    assert lines[2].text == "清教责改〔2026〕3号"
    assert lines[2].x1 == pytest.approx(RIGHT, abs=TOLERANCE)
    assert lines[0].em_top(pages[0].height) - (PITCH - 18 * MM) / 2 == pytest.approx(TOP, abs=TOLERANCE)


def test_fonts_are_embedded_and_subset(notice1, notice3):
    for rendered in (notice1, notice3):
        rows = rendered.pdffonts()
        assert rows, "no fonts"
        for row in rows:
            emb, sub, uni = row[-5:-2]
            assert (emb, sub, uni) == ("yes", "yes", "yes"), row
        assert not any("cwTeX" in row[0] for row in rows)


def test_dates_and_numbers_are_formatted(notice1):
    text = notice1.pdftotext()
    assert "2026年3月9日" in text and "2026年3月23日" in text and "2026年3月7日" in text
    assert not re.search(r"\d{4}年0\d月|月0\d日", text)
    assert "清教责改〔2026〕3号" in text
    assert not re.search(r"〔2026〕0|第\d+号", text)
