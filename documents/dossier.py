"""The case dossier (案卷) as one PDF, as a case file is archived for 案卷评查.

    卷宗封面 → 卷内目录 → every stored document in legal order, each followed by its evidence → 备考表

The issued documents are merged from their stored bytes (pypdf), never re-rendered: the dossier
holds exactly the PDFs whose hashes the database keeps. The builder renders only its own pages
(cover, table of contents, evidence photo pages, 备考表) with WeasyPrint. Evidence photos become
one page each (caption, file name, SHA-256); evidence that is itself a PDF is merged as it is.

Page numbers of the 卷内目录 count the dossier's pages from the cover (页号 of GB/T-style 卷内目录:
the first and last page of each item); the table of contents is laid out until its own page
count is stable, so the numbers it prints are the numbers of the merged file.
"""

from __future__ import annotations

import hashlib
import io
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from cases.errors import DocumentIntegrityError, ValidationFailed
from cases.ports import DossierCover, DossierItem, EvidenceFile
from documents import render

__all__ = ["DossierCover", "DossierItem", "EvidenceFile", "build_dossier", "table_of_contents"]

IMAGE_SUFFIXES = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}


@dataclass(frozen=True)
class TocRow:
    index: int
    number: str
    author: str
    title: str
    issued_on: date | None
    first_page: int
    last_page: int
    note: str


def _page_count(pdf: bytes) -> int:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        return len(PdfReader(io.BytesIO(pdf)).pages)
    except (PdfReadError, ValueError) as exc:  # a stored file that is not a readable PDF
        raise DocumentIntegrityError("存档文件不是可读的 PDF，不能归入案卷", reason=str(exc)[:200]) from None


def _checked(content: bytes, sha256: str, what: str) -> bytes:
    if hashlib.sha256(content).hexdigest() != sha256:
        raise DocumentIntegrityError(f"{what}校验失败（SHA-256 不符），不能归入案卷", path=what)
    return content


def _evidence_pdf(item: DossierItem, evidence: EvidenceFile, folder: Path, index: int) -> bytes:
    """One page per photo (WeasyPrint, the photo fetched from a private temporary folder)."""
    if evidence.content_type == "application/pdf":
        return evidence.content
    suffix = IMAGE_SUFFIXES.get(evidence.content_type)
    if suffix is None:
        raise ValidationFailed(f"证据文件类型不能归入案卷：{evidence.content_type}", code="dossier_bad_evidence")
    path = folder / f"evidence-{index}{suffix}"
    path.write_bytes(evidence.content)
    html = render.render_template("dossier_evidence.html", item=item, evidence=evidence, image=path.as_uri())
    return render.html_to_pdf(html, extra_roots=(folder,))


def build_dossier(cover: DossierCover, items: list[DossierItem] | tuple[DossierItem, ...]) -> bytes:
    """The dossier PDF: cover, 卷内目录 with page numbers, the items (stored bytes) with their
    evidence pages, 备考表. Raises DocumentIntegrityError when a stored PDF or evidence file does
    not match its recorded hash."""
    from pypdf import PdfReader, PdfWriter

    if not items:
        raise ValidationFailed("该案件没有已存储的文书，无法组卷", code="dossier_empty")
    cover_pdf = render.html_to_pdf(render.render_template("dossier_cover.html", cover=cover))
    parts: list[tuple[DossierItem | None, str, bytes]] = []  # (item, bookmark, pdf)
    with tempfile.TemporaryDirectory(prefix="dossier-") as tmp:
        folder = Path(tmp)
        for item in items:
            parts.append((item, f"{item.title}（{item.number}）", _checked(item.pdf, item.sha256, item.number)))
            for n, evidence in enumerate(item.evidence, start=1):
                _checked(evidence.content, evidence.sha256, evidence.filename)
                parts.append((None, f"证据{n}：{evidence.description}",
                              _evidence_pdf(item, evidence, folder, len(parts))))
    counts = [_page_count(pdf) for _, _, pdf in parts]
    evidence_pages = sum(c for (item, _, _), c in zip(parts, counts, strict=True) if item is None)
    toc_pages, toc_pdf, rows = 1, b"", []
    for _ in range(5):  # until the table of contents' own length is stable
        page, rows, i = 1 + toc_pages + 1, [], 0
        for (item, _, _), count in zip(parts, counts, strict=True):
            if item is not None:
                i += 1
                rows.append(TocRow(i, item.number, item.author, item.title, item.issued_on, page, page + count - 1,
                                   item.note))
            else:  # evidence pages belong to the item before them
                rows[-1] = TocRow(rows[-1].index, rows[-1].number, rows[-1].author, rows[-1].title,
                                  rows[-1].issued_on, rows[-1].first_page, page + count - 1,
                                  (rows[-1].note + "；" if rows[-1].note else "") + "附证据")
            page += count
        notes_page = page
        toc_pdf = render.html_to_pdf(render.render_template("dossier_toc.html", cover=cover, rows=rows,
                                                            notes_page=notes_page))
        if _page_count(toc_pdf) == toc_pages:
            break
        toc_pages = _page_count(toc_pdf)
    total = notes_page  # the 备考表 is the last page
    documents_pages = total - 2 - toc_pages - evidence_pages
    notes_pdf = render.html_to_pdf(render.render_template(
        "dossier_notes.html", cover=cover, items=len(rows), pages=total, document_pages=documents_pages,
        evidence_pages=evidence_pages))
    writer = PdfWriter()
    for label, pdf in (("卷宗封面", cover_pdf), ("卷内目录", toc_pdf)):
        _append(writer, PdfReader(io.BytesIO(pdf)), label)
    for _, label, pdf in parts:
        _append(writer, PdfReader(io.BytesIO(pdf)), label)
    _append(writer, PdfReader(io.BytesIO(notes_pdf)), "备考表")
    writer.add_metadata({"/Title": f"{cover.case_number} 案卷", "/Author": cover.authority})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _append(writer, reader, label: str) -> None:  # noqa: ANN001
    first = len(writer.pages)
    for page in reader.pages:
        writer.add_page(page)
    writer.add_outline_item(title=label, page_number=first)


def table_of_contents(dossier: bytes) -> list[tuple[str, int]]:
    """The dossier's bookmarks as (label, first page from 1): what the 卷内目录 must agree with."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(dossier))
    return [(entry.title, reader.get_destination_page_number(entry) + 1) for entry in reader.outline
            if not isinstance(entry, list)]
