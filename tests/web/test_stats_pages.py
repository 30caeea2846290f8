"""统计 in the browser (issue 12, item 7): the default period, a case list behind every figure, the phone
layout, and the risk control group (risk-chosen, hotspot and 双随机 visits with Wilson intervals)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlmodel import delete, select

from cases.models import Institution
from cases.patrols.models import PatrolPlan, PatrolTeam, PatrolVisit
from tests.integration.conftest import at
from tests.web.conftest import Site

pytestmark = pytest.mark.integration
NO_SIDEWAYS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def test_default_period_skips_an_empty_current_half_month(browse, site: Site) -> None:
    """On 1 April nothing is dated in April yet: the page shows 16–31 March, the fortnight just ended."""
    site.clock.set("2026-04-01 09:00")
    try:
        page = browse().login("supervisor")
        page.goto(site.url + "/stats")
        expect(page.locator(".page-head .sub")).to_contain_text(
            "上半月（本半月尚无数据）：2026年3月16日 至 2026年3月31日")
        expect(page.locator("nav.tabs a[aria-current=page]")).to_have_text("上半月")
        page.goto(site.url + "/stats?period=half")  # chosen explicitly: shown even when empty
        expect(page.locator(".page-head .sub")).to_contain_text("本半月：2026年4月1日 至 2026年4月15日")
        assert page.locator(".kpi").nth(1).locator(".value").inner_text() == "0"
    finally:
        site.clock.set("2026-03-16 09:00")


def test_default_period_is_the_current_one_when_it_has_data(browse, site: Site) -> None:
    site.clock.set("2026-03-10 09:00")
    try:
        page = browse().login("supervisor")
        page.goto(site.url + "/stats")
        expect(page.locator(".page-head .sub")).to_contain_text("本半月：2026年3月1日 至 2026年3月15日")
    finally:
        site.clock.set("2026-03-16 09:00")


def test_every_figure_opens_the_cases_behind_it(browse, site: Site) -> None:
    page = browse().login("supervisor")
    page.goto(site.url + "/stats?start=2026-01-01&end=2026-03-16")
    links = page.locator("table.table-stack tfoot a")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert len(hrefs) >= 5, hrefs
    for href in hrefs:
        figure = re.search(r"figure=(\w+)", href)[1]
        value = int(page.locator(f"table.table-stack tfoot a[href='{href}']").inner_text().replace(",", ""))
        list_page = browse(390).login("supervisor") if figure == "overdue_cases" else page.context.new_page()
        list_page.goto(site.url + href)
        count = list_page.locator(".case-list li").count()
        assert count > 0, figure
        if figure in ("cases_opened", "overdue_cases", "penalties", "notices_issued"):
            assert count == value, (figure, count, value)
        expect(list_page.locator(".page-head .sub")).to_contain_text(f"涉及案件 {count} 件")
        assert list_page.evaluate(NO_SIDEWAYS) <= 0
        list_page.close()
    unit_link = page.locator("table.table-stack tbody a").first
    unit_link.click()
    page.wait_for_load_state()
    expect(page.locator("h1")).to_contain_text("：")
    assert page.locator(".case-list li").count() > 0
    page.locator(".page-head .sub a").click()
    expect(page).to_have_url(re.compile(r"/stats\?start=2026-01-01&end=2026-03-16"))


def test_stats_page_fits_a_phone(browse, site: Site) -> None:
    page = browse(390).login("supervisor")
    page.goto(site.url + "/stats?start=2026-01-01&end=2026-03-16&by=region")
    page.wait_for_load_state("networkidle")
    assert page.evaluate(NO_SIDEWAYS) <= 0
    cell = page.locator("table.table-stack tbody td").nth(1)
    box = cell.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    narrowest = page.evaluate("""() => Math.min(...Array.from(document.querySelectorAll('main table td'))
      .filter(td => td.offsetParent).map(td => td.getBoundingClientRect().width))""")
    assert narrowest > 200, f"a table cell squeezed to {narrowest}px on a phone: the tables stack instead"


@pytest.fixture
def past_patrols(site: Site) -> Iterator[dict[str, int]]:
    """A plan of February 2026 whose visits were made: 20 risk-chosen, 20 drawn, 4 hotspot (grade A)."""
    with site.session() as s:
        inst_ids = list(s.exec(select(Institution.id).order_by(Institution.id).limit(20)).all())
        plan = PatrolPlan(start_date=date(2026, 2, 7), end_date=date(2026, 2, 8), region_code="520122", seed=1,
                          solver="greedy", status="planned", objective=0, bound=0, gap=0.0, created_at=at("2026-02-01"))
        s.add(plan)
        s.flush()
        team = PatrolTeam(plan_id=plan.id, day=date(2026, 2, 7), township="520122100")
        s.add(team)
        s.flush()
        for i, inst_id in enumerate(inst_ids):
            s.add(PatrolVisit(team_id=team.id, institution_id=inst_id, risk_grade="A", reason="A级风险到期巡查",
                              result="violation" if i < 12 else "nothing_found"))
            s.add(PatrolVisit(team_id=team.id, institution_id=inst_id, risk_grade="A", reason="双随机抽取",
                              result="violation" if i < 1 else "nothing_found"))
        for i in range(4):
            s.add(PatrolVisit(team_id=team.id, institution_id=inst_ids[i], risk_grade="A", reason="近期投诉",
                              result="violation" if i < 3 else "nothing_found"))
        s.commit()
        ids = {"plan": plan.id, "team": team.id}
    yield ids
    with site.session() as s:
        s.exec(delete(PatrolVisit).where(PatrolVisit.team_id == ids["team"]))
        s.exec(delete(PatrolTeam).where(PatrolTeam.id == ids["team"]))
        s.exec(delete(PatrolPlan).where(PatrolPlan.id == ids["plan"]))
        s.commit()


def test_risk_control_group_section(browse, site: Site, past_patrols: dict[str, int]) -> None:
    page = browse(390).login("supervisor")
    page.goto(site.url + "/stats")
    section = page.locator("#control-group")
    expect(section.locator("h2")).to_contain_text("与双随机对照组比较")
    row = section.locator("tbody tr").filter(has_text="息烽县").first
    expect(row).to_contain_text("A级")
    expect(row.locator("td").nth(2)).to_contain_text("60.0%")
    expect(row.locator("td").nth(2)).to_contain_text("12/20次（38.7%～78.1%）")
    expect(row.locator("td").nth(3)).to_contain_text("3/4次")
    expect(row.locator("td").nth(4)).to_contain_text("5.0%")
    expect(row.locator("td").nth(4)).to_contain_text("1/20次（0.9%～23.6%）")
    expect(row.locator("td").nth(5)).to_have_text("高于随机")
    assert page.evaluate(NO_SIDEWAYS) <= 0


def test_enforce_stats_prints_the_control_group(site: Site, past_patrols: dict[str, int], monkeypatch) -> None:  # noqa: ANN001
    import json

    from typer.testing import CliRunner

    from cases import settings
    from cases.caches import reset_all
    from flows import cli

    monkeypatch.setenv("ENFORCE_DATABASE_URL", str(site.engine.url))
    monkeypatch.setattr(settings, "get_clock", lambda: site.clock)
    reset_all()
    try:
        runner = CliRunner()
        answer = runner.invoke(cli.app, ["stats", "--json"])
        assert answer.exit_code == 0, answer.output
        rows = json.loads(answer.output)["risk_control"]["rows"]
        a = next(r for r in rows if r["district"] == "息烽县" and r["grade"] == "A")
        assert (a["risk"]["found"], a["risk"]["visits"], a["random"]["found"], a["random"]["visits"]) == (12, 20, 1, 20)
        assert a["random"]["ci95"] == [0.0089, 0.2361] and a["verdict"] == "高于随机"
        text = runner.invoke(cli.app, ["stats"]).output
        assert "风险分级对照" in text and "双随机抽取（对照组） 5.0%（0.9%～23.6%，1/20）" in text
    finally:
        monkeypatch.undo()
        reset_all()


@pytest.mark.parametrize("width", (390, 1280))
def test_screenshot_of_the_control_group(browse, site: Site, past_patrols: dict[str, int], width: int) -> None:
    from tests.web.test_screenshots import check, save

    page = browse(width).login("supervisor")
    page.goto(site.url + "/stats#control-group")
    page.wait_for_load_state("networkidle")
    check(page, width)
    page.locator("#control-group").scroll_into_view_if_needed()
    save(page, f"stats-control-group-{width}")
