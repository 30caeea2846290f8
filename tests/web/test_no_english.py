"""No English a user sees (issue 12, item 9): every page as every role, in Debian's Chromium.

The pages are derived from the app's own routes (every GET page route of `api.web`), so a page
added later is walked without editing this file; a route whose path has a parameter this file
cannot fill fails the test with the parameter's name (add it to `PARAMS`). On each page the
visible text and the texts a user meets in attributes (placeholder, title, aria-label, alt,
button values, the page title) may hold no Latin word outside `ALLOWED`; identifiers shown as
such (tracking codes, credit codes: `.mono`, `<code>`, `<kbd>`) are skipped.

Also: no browser-locale date widget (`<input type=date>` and friends), every form `novalidate`
(no native bubbles in the browser's language), and the form checks answer in Chinese;
`/docs` loads Swagger UI from the bundled assets only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from fastapi.routing import APIRoute
from playwright.sync_api import expect
from sqlmodel import select

from api.web.routing import WebRoute
from cases.models import Complaint, Document
from flows.demo.seed import DEMO_ACCOUNTS
from tests.web.conftest import Site

pytestmark = pytest.mark.integration

# Latin words a Chinese user meets as such (file formats, the ID of a record, units)
ALLOWED = frozenset({"PDF", "Excel", "ID", "IDs", "CSV", "XLSX", "xlsx", "csv", "pdf", "KB", "MB", "JPG", "JPEG",
                     "PNG", "jpg", "png", "km", "API",
                     "A", "B", "C", "D",  # the risk grades A–D of cases/data/risk.toml ("A级")
                     "GB", "UTF", "SHA"})  # names of standards: GB 32100, GB18030, UTF-8, SHA-256
# Page routes that answer a file (or the offline app's script, manifest and sync list), not a page
FILES = re.compile(r"\.(pdf|xlsx|csv|js|webmanifest)$|/evidence/|/complaint-photos/|^/offline/sync$")
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]|[A-Za-z]")
DATE_WIDGETS = "input[type=date], input[type=datetime-local], input[type=month], input[type=week], input[type=time]"

TEXTS = """() => {
  const skip = el => el.closest('.mono, code, kbd, samp, script, style, [hidden], [aria-hidden=true]');
  const out = [document.title];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!el || skip(el)) continue;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    if (node.textContent.trim()) out.push(node.textContent.trim());
  }
  const attributed = '[placeholder], [title], [aria-label], img[alt], input[type=submit], input[type=button]';
  for (const el of document.querySelectorAll(attributed)) {
    if (el.closest('.mono, code, kbd, samp')) continue;
    for (const a of ['placeholder', 'title', 'aria-label', 'alt']) if (el.getAttribute(a)) out.push(el.getAttribute(a));
    if (el.type === 'submit' || el.type === 'button') out.push(el.value || '');
  }
  return out;
}"""


def latin_words(texts: list[str]) -> set[str]:
    return {w for t in texts for w in WORD.findall(t) if w not in ALLOWED}


def routes(items, prefix: str = "") -> Iterator[tuple[str, object]]:  # noqa: ANN001
    """(path, route) of every route, into included routers (FastAPI keeps them as branches)."""
    for route in items:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from routes(inner.routes, prefix + route.include_context.prefix)
        else:
            yield prefix + getattr(route, "path", ""), route


def page_paths(app, params: dict[str, str]) -> list[str]:  # noqa: ANN001
    """Every GET page route of the web app, its path parameters filled from `params`."""
    out, missing = [], []
    for path, route in routes(app.routes):
        if not (isinstance(route, APIRoute) and isinstance(route, WebRoute) and "GET" in route.methods):
            continue
        if FILES.search(path):
            continue
        names = re.findall(r"{(\w+)(?::\w+)?}", path)
        if any(n not in params for n in names):
            missing.append(f"{path} ({', '.join(n for n in names if n not in params)})")
            continue
        out.append(re.sub(r"{(\w+)(?::\w+)?}", lambda m: params[m[1]], path))
    assert not missing, f"add values to PARAMS for: {missing}"
    return out


@pytest.fixture(scope="module")
def params(site: Site) -> dict[str, str]:
    with site.session() as s:
        complaint = s.exec(select(Complaint).where(Complaint.case_id == site.seeded.cases["closed"])).first()
        document = s.exec(select(Document).where(Document.case_id == site.seeded.cases["notice"])).first()
    return {"case_id": str(site.seeded.cases["notice"]), "institution_id": str(site.seeded.institution_id),
            "code": complaint.tracking_code, "document_id": str(document.id if document else 1),
            "plan_id": str(site.seeded.plan_id)}


# Query variants of pages that look different (the lead adds rows here as pages grow)
VARIANTS = ("/cases?scope=all", "/stats?by=region", "/stats?period=year", "/institutions?q=%E6%81%AF%E7%83%BD",
            "/track?code=", "/nothing-here")


def walk(page, site: Site, paths: list[str]) -> Iterator[tuple[str, set[str]]]:  # noqa: ANN001
    for path in paths:
        answer = page.goto(site.url + path)
        assert answer is not None and answer.status < 500, f"{path}: {answer and answer.status}"
        page.wait_for_load_state("load")
        yield path, latin_words(page.evaluate(TEXTS))


@pytest.mark.parametrize("role", ["public", *DEMO_ACCOUNTS])
def test_every_page_as_every_role_has_no_english(browse, site: Site, params: dict[str, str], role: str) -> None:
    b: Callable = browse
    app = site.app
    paths = page_paths(app, params) + list(VARIANTS)
    page = b().page() if role == "public" else b().login(role)
    found: dict[str, set[str]] = {}
    widgets: dict[str, int] = {}
    forms: dict[str, int] = {}
    for path, words in walk(page, site, paths):
        if words:
            found[path] = words
        if n := page.locator(DATE_WIDGETS).count():
            widgets[path] = n
        if n := page.locator("form:not([novalidate])").count():
            forms[path] = n
    assert not found, f"Latin words on the pages as {role}: {found}"
    assert not widgets, f"browser-locale date widgets as {role}: {widgets}"
    assert not forms, f"forms without novalidate (native bubbles) as {role}: {forms}"


def test_the_walk_sees_english_where_there_is_some(browse, site: Site) -> None:
    page = browse().page()
    page.goto(site.url + "/login")
    assert latin_words(page.evaluate(TEXTS)) == set()
    page.evaluate("""() => { const p = document.createElement('p'); p.textContent = '请 Choose File 上传 PDF';
      document.querySelector('main').append(p); document.querySelector('#username').placeholder = 'Username'; }""")
    assert latin_words(page.evaluate(TEXTS)) == {"Choose", "File", "Username"}


def test_page_list_follows_the_routes(site: Site, params: dict[str, str]) -> None:
    paths = page_paths(site.app, params)
    for expected in ("/login", "/report", "/track", "/cases", "/board", "/stats", "/institutions", "/patrols"):
        assert expected in paths
    assert not any(FILES.search(p) for p in paths)
    with pytest.raises(AssertionError, match="case_id"):
        page_paths(site.app, {k: v for k, v in params.items() if k != "case_id"})


def test_form_checks_answer_in_chinese(browse, site: Site) -> None:
    page = browse(390).login("supervisor")
    page.goto(site.url + "/stats")
    page.fill("#start", "3月16日")
    page.fill("#end", "")
    page.click("form[action='/stats'] button[type=submit]")
    expect(page.locator("#start ~ .js-error, .field:has(#start) .js-error")).to_have_text(
        "请按“年-月-日”填写日期，如 2026-03-16")
    expect(page.locator(".field:has(#end) .js-error")).to_have_text("请填写此项")
    assert "/stats?" not in page.url, "an invalid form is not sent"
    page.fill("#start", "2026年3月1日")
    page.fill("#end", "2026/3/15")
    page.click("form[action='/stats'] button[type=submit]")
    page.wait_for_load_state()
    assert "start=2026-03-01" in page.url and "end=2026-03-15" in page.url
    expect(page.locator(".page-head .sub")).to_contain_text("2026年3月1日 至 2026年3月15日")


def test_docs_served_from_the_bundled_swagger_ui(browse, site: Site) -> None:
    page = browse().page()
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(site.url) else None)
    answer = page.goto(site.url + "/docs")
    assert answer is not None and answer.status == 200
    # a 1.7 MB bundle and the whole schema: allow for a busy machine
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("双减执法办案系统 API", timeout=60_000)
    expect(page.locator(".opblock-tag-section").first).to_be_visible()
    assert outside == [], f"/docs loaded from outside the app: {outside}"
    html = page.content()
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html and "cdn" not in html.lower()
