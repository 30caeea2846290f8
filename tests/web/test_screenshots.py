"""Every page on a 390 px phone and a 1280 px desktop, saved as PNG test artefacts.

Always written to `test-artifacts/screenshots/`; the committed set in `docs/screenshots/` is
written when a file is missing there or when ENFORCE_UPDATE_SCREENSHOTS=1 (so a test run does
not rewrite committed images on every machine). Each page is also checked for the basics: no
horizontal scrolling on a phone, every form control labelled, the page title in Chinese.
"""

from __future__ import annotations

import io
import os

import pytest
from playwright.sync_api import expect

from tests.web.conftest import ARTEFACTS, SCREENSHOTS, Site

pytestmark = pytest.mark.integration
WIDTHS = (390, 1280)
BAD_IMPORT = ("机构名称,统一社会信用代码,类别,证照情况,地址,行政区划代码\n"
              "息烽县启智书法培训中心,,文化艺术,有证有照,永靖镇阳光路3号,520122100\n"
              "息烽县未名学堂,91520122ABC,学科类,有证有照,永靖镇,520122100\n"
              "息烽县星河编程,,科技,不知道,温泉镇,520122101\n"
              ",,体育,有证有照,小寨坝镇,520122103\n").encode()

UNLABELLED = """() => Array.from(document.querySelectorAll('input, select, textarea'))
  .filter(el => el.type !== 'hidden' && !el.closest('[hidden]'))
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
  .map(el => el.name || el.id)"""


def save(page, name: str) -> None:  # noqa: ANN001
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    viewport = page.viewport_size
    height = page.evaluate("() => document.documentElement.scrollHeight")
    page.set_viewport_size({"width": viewport["width"], "height": max(height, viewport["height"])})
    page.evaluate("() => window.scrollTo(0, 0)")  # a tall window: the phone's tab bar sits at the bottom
    png = page.screenshot(animations="disabled", caret="hide")
    page.set_viewport_size(viewport)
    (ARTEFACTS / f"{name}.png").write_bytes(png)
    target = SCREENSHOTS / f"{name}.png"
    if os.environ.get("ENFORCE_UPDATE_SCREENSHOTS") == "1" or not target.exists():
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        compact(png, target)


def compact(png: bytes, target) -> None:  # noqa: ANN001
    """The committed copy as a 256-colour PNG: a third of the size, text still crisp."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(target, optimize=True)


def check(page, width: int) -> None:  # noqa: ANN001
    assert page.evaluate(UNLABELLED) == [], "every visible form control has a label"
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways at {width}px ({overflow}px)"
    assert page.locator("html").get_attribute("lang") == "zh-CN"


def shoot(page, url: str, name: str, width: int) -> None:  # noqa: ANN001
    answer = page.goto(url)
    assert answer is not None and answer.status < 500
    page.wait_for_load_state("networkidle")
    check(page, width)
    save(page, f"{name}-{width}")


@pytest.mark.parametrize("width", WIDTHS)
def test_screenshots_of_every_page(browse, site: Site, width: int) -> None:
    u = site.url
    s = site.seeded
    anonymous = browse(width).page()
    shoot(anonymous, u + "/login", "login", width)

    officer = browse(width).login("education03")
    shoot(officer, u + "/cases?scope=mine", "cases", width)
    shoot(officer, f"{u}/cases/{s.cases['notice']}", "case-detail", width)
    officer.locator("#act-record_reinspection > summary").click()
    save(officer, f"case-action-{width}")

    boss = browse(width).login("education01")
    shoot(boss, u + "/board", "board", width)
    shoot(boss, f"{u}/patrols?plan={s.plan_id}", "patrols", width)
    boss.goto(u + "/stats?period=year")
    boss.wait_for_function("() => window.Chart && Chart.getChart('stats-chart')")
    check(boss, width)
    save(boss, f"stats-{width}")
    shoot(boss, u + "/institutions", "institutions", width)
    shoot(boss, f"{u}/institutions/{s.institution_id}", "institution-detail", width)
    boss.goto(u + "/institutions/import")
    boss.set_input_files("#file", {"name": "机构名录.csv", "mimeType": "text/csv", "buffer": BAD_IMPORT})
    boss.click("main button[type=submit]")
    expect(boss.locator(".report-errors")).to_be_visible()
    check(boss, width)
    save(boss, f"institution-import-{width}")
    shoot(boss, u + "/cases/999999", "not-found", width)
    boss.goto(u + "/stats?start=2026-01-01&end=2026-03-16")  # a figure opens its cases (issue 12, item 7)
    boss.locator("table.table-stack tfoot a").first.click()
    boss.wait_for_load_state()
    check(boss, width)
    save(boss, f"stats-cases-{width}")
    shoot(boss, u + "/institutions?q=" + "0851", "institutions-search", width)
    shoot(officer, u + "/intake", "intake", width)
    officer.click("form[action='/intake'] button[type=submit]")  # the Chinese form checks
    save(officer, f"intake-errors-{width}")
    docs = browse(width).page()  # /docs: Swagger UI from the bundled assets (its own markup, not checked here)
    docs.goto(u + "/docs")
    docs.wait_for_selector(".swagger-ui .info .title", timeout=60_000)
    save(docs, f"docs-{width}")

    public = browse(width).page()
    shoot(public, u + "/report", "report", width)
    public.select_option("#region_code", "520122101")
    public.fill("#content", "温泉镇某小区一楼每周日下午有初中生补习英语，约十五人。")
    public.fill("#complainant_name", "李女士")
    public.fill("#complainant_phone", "13900001111")
    public.click("main button[type=submit]")
    expect(public.locator(".code-box")).to_be_visible()
    check(public, width)
    save(public, f"report-receipt-{width}")
    shoot(public, u + "/track", "track", width)
    with site.session() as db:
        from sqlmodel import select

        from cases.models import Complaint

        codes = {key: db.exec(select(Complaint.tracking_code).where(Complaint.case_id == s.cases[key])).first()
                 for key in ("notice", "closed")}
    shoot(public, f"{u}/track/{codes['notice']}", "track-open", width)
    shoot(public, f"{u}/track/{codes['closed']}", "track-closed", width)
