"""Page fit, read back from the PDF: every document type with short, typical and long content.

Rules (docs/documents.md, "Page fit"):
* a one-page document with typical content fits on one page;
* the signature and date are on the page of the document's last paragraph (never alone);
* a table row is never split across pages (every row found in the PDF is a whole row of the HTML);
* a heading is never the last line of a page.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pdfplumber
import pytest

from cases.enums import DocumentType
from documents import samples

pytestmark = pytest.mark.integration

MM = 25.4 / 72
CASES = [(t, c) for t in DocumentType for c in samples.CONTENTS]
ONE_PAGE = {
    (DocumentType.RECTIFICATION_NOTICE, "short"), (DocumentType.RECTIFICATION_NOTICE, "typical"),
    (DocumentType.SERVICE_RECEIPT, "short"), (DocumentType.SERVICE_RECEIPT, "typical"),
    (DocumentType.PENALTY_NOTICE, "short"), (DocumentType.PENALTY_NOTICE, "typical"),
    (DocumentType.PENALTY_DECISION, "short"), (DocumentType.INSPECTION_RECORD, "short"),
    (DocumentType.PATROL_SHEET, "short"),
    (DocumentType.HEARING_NOTICE, "short"), (DocumentType.HEARING_NOTICE, "typical"),
    (DocumentType.PAYMENT_REMINDER, "short"), (DocumentType.PAYMENT_REMINDER, "typical"),
    (DocumentType.FILING_APPROVAL, "short"), (DocumentType.FILING_APPROVAL, "typical"),
}
HEADINGS = re.compile(r"^(?:[一二三四五六七八九十]+、|检查情况：$|现场提取的证据：$)")


def squash(text: str) -> str:
    return re.sub(r"[\s\u3000]+", "", text or "")


class _Rows(HTMLParser):
    """Table rows of the HTML (cell texts, squashed), and the first paragraph of the closing block."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[str, ...]] = []
        self.closing_first = ""
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._closing = 0  # 1: inside .closing, before its first <p>; 2: in that <p>; 3: after
        self._closing_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "div" and "closing" in classes:
            self._closing = 1
        elif tag == "p" and self._closing == 1:
            self._closing = 2

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(squash("".join(self._cell)))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(tuple(self._row))
            self._row = None
        elif tag == "p" and self._closing == 2:
            self._closing = 3
            self.closing_first = squash("".join(self._closing_text))

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._closing == 2:
            self._closing_text.append(data)


def parse(html: str) -> _Rows:
    parser = _Rows()
    parser.feed(html.split("<body", 1)[1])
    return parser


def text_lines(page) -> list[str]:
    """The page's text lines top to bottom, without the page number."""
    lines = [squash(line) for line in page.extract_text().splitlines()]
    return [line for line in lines if line and not re.fullmatch(r"—\d+—", line)]


@pytest.fixture(scope="module")
def rendered(render_sample):
    cache = {}

    def get(doc_type, content):
        if (doc_type, content) not in cache:
            cache[doc_type, content] = render_sample(doc_type, samples.sample_with(doc_type, content))
        return cache[doc_type, content]

    return get


@pytest.mark.parametrize(("doc_type", "content"), sorted(ONE_PAGE))
def test_one_page_documents_fit_one_page(doc_type, content, rendered):
    with pdfplumber.open(rendered(doc_type, content).path) as pdf:
        assert len(pdf.pages) == 1


def test_long_content_runs_over_pages(rendered):
    for doc_type in DocumentType:
        with pdfplumber.open(rendered(doc_type, "long").path) as pdf:
            assert len(pdf.pages) >= 2, doc_type  # so the rules below are tested across page breaks


@pytest.mark.parametrize(("doc_type", "content"), CASES)
def test_signature_is_on_the_page_of_the_last_paragraph(doc_type, content, rendered):
    doc = rendered(doc_type, content)
    snapshot = doc.snapshot
    day = getattr(snapshot, "issued_on", None)
    issuer = squash(snapshot.authority.name)
    with pdfplumber.open(doc.path) as pdf:
        pages = [text_lines(p) for p in pdf.pages]
    if doc_type is DocumentType.PATROL_SHEET:  # issuer and date in its head; it ends with a target row
        last_target = squash(snapshot.targets[-1].address)[:4]
        assert any(last_target in line for line in pages[-1]) and issuer in "".join(pages[0])
        return
    if doc_type is DocumentType.INSPECTION_RECORD and not snapshot.sealed:
        # a 笔录 ends with its signature lines: they stay with the confirmation paragraph
        signed = [i for i, lines in enumerate(pages) if any(line.startswith("执法人员签名") for line in lines)]
        confirm = [i for i, lines in enumerate(pages) if any(line.startswith("以上笔录") for line in lines)]
        assert signed and signed == confirm
        return
    date = f"{day.year}年{day.month}月{day.day}日" if day else "年月日"
    where = [(i, j) for i, lines in enumerate(pages) for j, line in enumerate(lines)
             if line == date and j > 0 and lines[j - 1] == issuer]
    assert where, "no issuer + date lines"
    page, index = where[-1]
    above = "".join(pages[page][:index - 1])
    closing = parse(doc.html).closing_first
    if doc_type is DocumentType.SERVICE_RECEIPT:
        assert any(line.startswith("备注") for line in pages[page]), "the receipt's signature left its table"
    else:
        assert closing and closing[:12] in above, "the last paragraph is not on the signature's page"
    assert len(pages[page][:index - 1]) >= 2


@pytest.mark.parametrize(("doc_type", "content"), CASES)
def test_table_rows_are_never_split(doc_type, content, rendered):
    doc = rendered(doc_type, content)
    rows = parse(doc.html).rows
    if not rows:
        return
    whole = set(rows)
    widths = {len(r) for r in rows}
    found = []
    with pdfplumber.open(doc.path) as pdf:
        for page in pdf.pages:
            for table in page.find_tables():
                for row in table.extract():
                    cells = tuple(squash(c) for c in row if c is not None)
                    if any(cells) and len(row) in widths:  # (the charts' gridlines read back as tables)
                        found.append(cells)
    body = [r for r in found if len(r) > 1]
    assert body, "no table read back"
    for cells in body:
        assert cells in whole, f"a row read back that is not a whole row: {cells}"
    # and every HTML row is found whole (the head row may repeat on each page)
    assert set(rows) <= set(body) | {r for r in rows if not any(r)}


@pytest.mark.parametrize(("doc_type", "content"), CASES)
def test_headings_are_never_the_last_line_of_a_page(doc_type, content, rendered):
    with pdfplumber.open(rendered(doc_type, content).path) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            lines = text_lines(page)
            if number < len(pdf.pages):
                assert not HEADINGS.match(lines[-1]), f"page {number} ends with the heading {lines[-1]}"
