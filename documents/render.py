"""Snapshot → HTML (Jinja2) → PDF (WeasyPrint 70): the concrete `cases.ports.DocumentRenderer`.

* Jinja2 with autoescape and StrictUndefined: every value from a snapshot is escaped (complaint
  and inspection text is untrusted), and a template naming a missing field fails loudly.
* WeasyPrint fetches through `StaticOnlyFetcher` only (documents/static/, the licensed-font
  folder and the seal-image folder); a refused URL aborts the render with `RefusedResource`.
* No seal is ever drawn: the seal position is left blank for the physical stamp, or carries the
  authority's uploaded seal image (`documents.seals`). A document issued in the authority's name
  (`sealed`) whose authority has a certificate is signed (PAdES, `documents.signing`) after layout.
* Speed: one `FontConfiguration` and one parsed stylesheet per process, built on first use (or
  by `warm()`), rebuilt after a fork (the pid is checked) and after a timed-out render.
  Renders in one process are serialised by a lock: WeasyPrint shares the font map, and the GIL
  leaves nothing to gain from parallel threads (use `documents.batch` for parallelism).
* Time limit: `DocumentsSettings.render_timeout_s` per render (see `documents.timeout`).
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError

from cases import ports
from cases.caches import register_cache
from cases.enums import DocumentType
from documents import charts
from documents.errors import RefusedResource, RenderTimeout, SnapshotMismatch
from documents.fetcher import STATIC_DIR, RefusedFetch, StaticOnlyFetcher
from documents.filters import FILTERS
from documents.fonts import font_face_css, licensed_faces
from documents.seals import certificate_path, seal_image_path
from documents.settings import get_documents_settings
from documents.timeout import call_with_time_limit

TEMPLATE_DIR = Path(__file__).parent / "templates"
STYLESHEET = STATIC_DIR / "documents.css"
BASE_URL = STATIC_DIR.as_uri() + "/"

TEMPLATES: dict[DocumentType, tuple[str, type]] = {
    DocumentType.RECTIFICATION_NOTICE: ("rectification_notice.html", ports.RectificationNoticeSnapshot),
    DocumentType.SERVICE_RECEIPT: ("service_receipt.html", ports.ServiceReceiptSnapshot),
    DocumentType.INSPECTION_RECORD: ("inspection_record.html", ports.InspectionRecordSnapshot),
    DocumentType.PENALTY_NOTICE: ("penalty_notice.html", ports.PenaltyNoticeSnapshot),
    DocumentType.PENALTY_DECISION: ("penalty_decision.html", ports.PenaltyDecisionSnapshot),
    DocumentType.PATROL_SHEET: ("patrol_sheet.html", ports.PatrolSheetSnapshot),
    DocumentType.FORTNIGHTLY_REPORT: ("fortnightly_report.html", ports.FortnightlyReportSnapshot),
    DocumentType.HEARING_NOTICE: ("hearing_notice.html", ports.HearingNoticeSnapshot),
    DocumentType.PAYMENT_REMINDER: ("payment_reminder.html", ports.PaymentReminderSnapshot),
    DocumentType.FILING_APPROVAL: ("filing_approval.html", ports.FilingApprovalSnapshot),
}

_env = Environment(loader=FileSystemLoader(TEMPLATE_DIR), autoescape=True, undefined=StrictUndefined,
                   trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False)
_env.filters.update(FILTERS)


def _seal_image(authority: ports.Authority) -> str:
    """The `file://` URL of the authority's uploaded seal image, or "" (blank for the stamp)."""
    path = seal_image_path(authority.department_id)
    return path.resolve().as_uri() if path else ""


_env.globals.update(seal_image=_seal_image, bar_chart=charts.bar_chart_svg, DocumentType=DocumentType)


@dataclass
class _Engine:
    """The warmed, per-process WeasyPrint state."""

    pid: int
    font_config: FontConfiguration
    stylesheet: CSS
    fetcher: StaticOnlyFetcher


_engine: _Engine | None = None
_lock = threading.RLock()


def stylesheet_text() -> str:
    """The CSS of every document: @font-face rules of the licensed fonts, then documents.css."""
    faces = licensed_faces(get_documents_settings().font_dir)
    return font_face_css(faces) + "\n" + STYLESHEET.read_text(encoding="utf-8")


def allowed_roots() -> tuple[Path, ...]:
    settings = get_documents_settings()
    return (STATIC_DIR, settings.seals, *([settings.font_dir] if settings.font_dir else []))


def _engine_for_this_process() -> _Engine:
    global _engine
    if _engine is None or _engine.pid != os.getpid():
        fetcher = StaticOnlyFetcher(allowed_roots())
        font_config = FontConfiguration()
        try:
            css = CSS(string=stylesheet_text(), base_url=BASE_URL, url_fetcher=fetcher,
                      font_config=font_config)
        except RefusedFetch as exc:
            raise RefusedResource(exc.url) from None
        _engine = _Engine(os.getpid(), font_config, css, fetcher)
    return _engine


def reset() -> None:
    """Drop the warmed state (tests changing settings; after a timeout)."""
    global _engine
    with _lock:
        _engine = None


register_cache("documents.render._engine", reset)


_QUOTES = re.compile("[“”‘’]")
_TEXT = re.compile(r">([^<]+)<")
_SVG = re.compile(r"(<svg\b.*?</svg>)", re.S)


def _full_width_quotes(html: str) -> str:
    """Wrap “ ” ‘ ’ in body text in <span class="q">: the free Kai fallback draws them half-width,
    the class's stack (the standard faces, then Noto Serif CJK SC) full-width as in GB2312 faces."""
    head, tag, body = html.partition("<body")
    parts = _SVG.split(body)
    for i in range(0, len(parts), 2):  # even parts are outside <svg>
        parts[i] = _TEXT.sub(lambda m: ">" + _QUOTES.sub(r'<span class="q">\g<0></span>', m.group(1)) + "<",
                             parts[i])
    return head + tag + "".join(parts)


def render_template(template: str, **context: Any) -> str:
    """HTML of one of documents/templates/ that is not an issued document (the dossier's own pages)."""
    return _full_width_quotes(_env.get_template(template).render(**context))


def render_html(doc_type: DocumentType, snapshot: object) -> str:
    """The document's HTML (without its stylesheet, which `html_to_pdf` adds pre-parsed)."""
    try:
        template, expected = TEMPLATES[DocumentType(doc_type)]
    except (KeyError, ValueError):
        raise SnapshotMismatch(f"未知的文书类型：{doc_type}", code="render_unknown_type") from None
    if not isinstance(snapshot, expected):
        raise SnapshotMismatch(f"{DocumentType(doc_type).label}需要 {expected.__name__}，收到 "
                               f"{type(snapshot).__name__}")
    context: dict[str, Any] = {f.name: getattr(snapshot, f.name) for f in fields(snapshot)}
    html = _env.get_template(template).render(doc=snapshot, doc_type=DocumentType(doc_type), **context)
    return _full_width_quotes(html)


def html_to_pdf(html: str, *, timeout_s: float | None = None, extra_roots: tuple[Path, ...] = ()) -> bytes:
    """Lay out `html` with the shared stylesheet and fonts; refuse any fetch outside the allowed folders
    (plus `extra_roots` for this render only: the dossier's evidence photos)."""
    limit = timeout_s or get_documents_settings().render_timeout_s
    if not _lock.acquire(timeout=limit):
        raise RenderTimeout(limit)
    try:
        engine = _engine_for_this_process()
        fetcher = StaticOnlyFetcher((*engine.fetcher.roots, *extra_roots)) if extra_roots else engine.fetcher

        def work() -> bytes:
            document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher)
            return document.write_pdf(stylesheets=[engine.stylesheet], font_config=engine.font_config)

        fetcher.clear()
        try:
            pdf = call_with_time_limit(work, limit)
            if fetcher.refused:  # a refusal WeasyPrint caught and only logged
                raise RefusedResource(fetcher.refused[0])
            return pdf
        except RefusedFetch as exc:
            raise RefusedResource(exc.url) from None
        except FatalURLFetchingError as exc:  # a BaseException: `except Exception` would miss it
            raise RefusedResource(str(exc)) from None
        except RenderTimeout:
            reset()  # the interrupted render may have left the shared font map half-updated
            raise
    finally:
        _lock.release()


def render_document(doc_type: DocumentType, snapshot: object) -> bytes:
    """`cases.ports.DocumentRenderer`: the PDF of one document (signed when its authority has a certificate)."""
    pdf = html_to_pdf(render_html(doc_type, snapshot))
    authority = getattr(snapshot, "authority", None)
    p12 = certificate_path(authority.department_id) if authority and getattr(snapshot, "sealed", False) else None
    if p12 is None:
        return pdf
    from documents.signing import sign_pdf

    password = get_documents_settings().signing_password.get_secret_value()
    return sign_pdf(pdf, p12, password, name=authority.name, reason=DocumentType(doc_type).label,
                    location=authority.address)


def warm() -> None:
    """Load everything a first real render would: the stylesheet, the body, title and page-number
    fonts (batch workers call this once, before their first job)."""
    from documents.samples import rectification_notice

    render_document(DocumentType.RECTIFICATION_NOTICE, rectification_notice())
