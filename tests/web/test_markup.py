"""Stored markup never runs: every text an administrator or the public can store carries HTML, and
every page is opened in Chromium to check that none of it became an element, a script or a redirect.

Attack (before): /stats embedded its chart data with `|safe`, so a department named
`</script><meta http-equiv=refresh …>` redirected every viewer of the statistics.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy import update
from sqlmodel import Session, select

from api.evidence import EvidenceStore
from api.main import create_app
from cases.models import Case, Complaint, Department, Institution, Officer
from tests.api.support import MovableClock, api_settings
from tests.integration.conftest import at
from tests.web.conftest import Browse, Site, _free_port
from tests.web.seed import NOW, seed_site

pytestmark = pytest.mark.integration
SHORT = "<b class=pwn>x</b><img src=x class=pwn onerror=alert(1)>"  # 56: fits the 64-character names
NAME32 = "<i class=pwn>x</i><svg onload=alert(2)>"[:32]
BREAKOUT = "</script><meta http-equiv=refresh content=0;url=/login?pwned><script>alert(3)</script>"
PROBE = """() => ({
    pwn: document.querySelectorAll('.pwn, svg[onload], img[src="x"], script:not([src]):not([type])').length,
    metas: document.querySelectorAll('meta[http-equiv]').length})"""


@pytest.fixture(scope="module")
def marked_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    from cases.db import make_engine, migrate
    from documents.storage import FileDocumentStore

    root = tmp_path_factory.mktemp("markup")
    url = f"sqlite:///{root / 'web.db'}"
    migrate(url)
    engine = make_engine(url)
    store = FileDocumentStore(root / "documents")
    seeded = seed_site(engine, store)
    with Session(engine) as s:  # markup in every stored text a person can set
        for dept in s.exec(select(Department)).all():
            s.exec(update(Department).where(Department.id == dept.id).values(
                name=f"</script><b class=pwn>x</b>{dept.id:03d}", address=BREAKOUT, review_body=SHORT, court=SHORT))
        s.exec(update(Officer).values(name=NAME32))
        for inst in s.exec(select(Institution)).all():
            s.exec(update(Institution).where(Institution.id == inst.id).values(
                name=f"{BREAKOUT[:100]}{inst.id}", address=BREAKOUT, legal_representative=NAME32))
        s.exec(update(Complaint).values(content=BREAKOUT + SHORT, reported_name=BREAKOUT[:100],
                                        reported_address=BREAKOUT, complainant_name=NAME32))
        s.commit()
        codes = [c.tracking_code for c in s.exec(select(Complaint)).all()]
        case_ids = [c.id for c in s.exec(select(Case)).all()]
    clock = MovableClock(at(NOW))
    app = create_app(engine=engine, settings=api_settings(root, token_ttl_minutes=7 * 24 * 60),
                     document_store=store, evidence_store=EvidenceStore(root / "evidence"), clock=clock)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    site = Site(f"http://127.0.0.1:{port}", engine, clock, seeded, root / "evidence")
    site.codes, site.case_ids = codes, case_ids  # type: ignore[attr-defined]
    yield site
    server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()


def visit(page, url: str, fired: list[str]) -> None:  # noqa: ANN001
    answer = page.goto(url)
    assert answer is not None and answer.status < 500, url
    page.wait_for_load_state("networkidle")
    assert "pwned" not in page.url, f"{url} redirected to {page.url}"
    found = page.evaluate(PROBE)
    assert found == {"pwn": 0, "metas": 0}, (url, found)
    assert fired == [], (url, fired)


def test_no_stored_markup_runs_on_any_page(browser, marked_site: Site, tmp_path: Path) -> None:  # noqa: ANN001
    u, s = marked_site.url, marked_site.seeded
    fired: list[str] = []
    for user, pages in [
        (None, ["/login", "/report", *[f"/track/{c}" for c in marked_site.codes[:3]]]),
        ("education01", ["/board", "/cases", *[f"/cases/{i}" for i in marked_site.case_ids],
                         f"/patrols?plan={s.plan_id}", "/stats?period=year", "/stats?period=year&by=region",
                         "/institutions", f"/institutions/{s.institution_id}", "/institutions/import"]),
        ("education03", ["/cases?scope=mine", f"/cases/{s.cases['notice']}"]),
        ("admin", ["/institutions", "/stats"]),
    ]:
        b = Browse(browser, marked_site)
        page = b.login(user) if user else b.page()
        page.on("dialog", lambda d: (fired.append(d.message), d.dismiss()))
        page.on("console", lambda m: fired.append(m.text) if "alert" in m.text else None)
        try:
            for path in pages:
                visit(page, u + path, fired)
            if user == "education01":
                page.goto(u + "/stats?period=year")
                page.wait_for_function("() => window.Chart && Chart.getChart('stats-chart')")
                data = page.evaluate("() => JSON.stringify(Chart.getChart('stats-chart').data)")
                assert "<b class=pwn>" in data  # the names reach the chart as text, as stored
        finally:
            b.close()
