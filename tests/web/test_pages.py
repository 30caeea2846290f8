"""The pages in a real browser: login, one case from received to closed through the forms, a refusal
with its reason, a stale edit, the board, the logged reveal, jurisdiction, register import, the
statistics export and a public complaint round-trip."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlmodel import select

from cases.enums import CaseEventType, CaseStatus
from cases.models import Case, CaseEvent, Complaint, Inspection, Institution
from tests.web.conftest import Site

pytestmark = pytest.mark.integration


def photo(color: tuple[int, int, int] = (40, 90, 160), name: str = "现场.jpg") -> dict:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), color).save(buffer, "JPEG", quality=80)
    return {"name": name, "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


def open_action(page, name: str):  # noqa: ANN001, ANN201
    """Expand one action's form on the case page; returns the form."""
    details = page.locator(f"#act-{name}")
    if details.get_attribute("open") is None:
        details.locator(":scope > summary").click()
    return details.locator("form")


def submit(form) -> None:  # noqa: ANN001
    form.page.once("dialog", lambda dialog: dialog.accept())
    form.locator("button[type=submit]").click()
    form.page.wait_for_load_state()


def case_of(site: Site, key: str) -> Case:
    with site.session() as s:
        return s.get(Case, site.seeded.cases[key])


def test_login_errors_roles_and_logout(browse, site: Site) -> None:
    b = browse()
    page = b.page()
    page.goto(site.url + "/")
    expect(page).to_have_url(re.compile(r"/login$"))
    page.fill("#username", "education03")
    page.fill("#password", "wrong-password")
    page.click("button[type=submit]")
    expect(page.locator("#login-error")).to_contain_text("用户名或密码错误")
    page.fill("#password", "")
    page.click("button[type=submit]")
    expect(page.locator("#login-error")).to_contain_text("请输入用户名和密码")

    officer = b.login("education03")
    expect(officer).to_have_url(re.compile(r"/cases$"))
    expect(officer.locator("h1")).to_have_text("我的案件")
    nav = officer.locator("nav.mainnav")
    expect(nav).to_contain_text("我的案件")
    expect(nav).not_to_contain_text("督办看板")
    cookie = next(c for c in b.context.cookies() if c["name"] == "enforce_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    officer.goto(site.url + "/board")
    expect(officer.locator("h1")).to_have_text("无权访问")
    expect(officer.locator(".lead")).to_contain_text("仅限科长/分管领导")

    officer.locator("form[action='/logout'] button").click()
    expect(officer).to_have_url(re.compile(r"/login\?out=1$"))
    expect(officer.locator("[role=status]")).to_contain_text("您已安全退出")
    officer.goto(site.url + "/cases")
    expect(officer).to_have_url(re.compile(r"/login\?next=%2Fcases$"))

    supervisor = browse(390).login("education01")
    expect(supervisor).to_have_url(re.compile(r"/board$"))
    expect(supervisor.locator("nav.mainnav")).to_contain_text("督办看板")


def test_post_without_csrf_token_is_refused(browse, site: Site) -> None:
    page = browse().login("education01")
    answer = page.request.post(site.url + f"/cases/{site.seeded.cases['stale']}/actions/assign",
                               form={"version": "1", "lead_officer_id": "1"})
    assert answer.status == 403 and "安全校验未通过" in answer.text()
    assert case_of(site, "stale").status is CaseStatus.RECEIVED


def test_one_case_from_received_to_closed_through_the_forms(browse, site: Site) -> None:
    case_id = site.seeded.cases["walk"]
    boss = browse().login("education01")
    boss.goto(f"{site.url}/cases/{case_id}")
    expect(boss.locator(".case-hero .badge").first).to_have_text("已受理")
    form = open_action(boss, "assign")
    form.locator("select[name=lead_officer_id]").select_option(str(_id(site, "education03")))
    form.locator(f"input[name=officer_ids][value='{_id(site, 'education04')}']").check()
    submit(form)
    expect(boss.locator("#done")).to_contain_text("已办理：分派")
    expect(boss.locator(".case-hero")).to_contain_text("已分派")

    field = browse(390).login("education03")
    field.goto(f"{site.url}/cases/{case_id}")
    form = open_action(field, "record_inspection")
    expect(form.locator("input[name=officer_ids]:checked")).to_have_count(2)
    form.locator("textarea[name=findings]").fill("周六上午10时，现场有18名初二学生在上物理课，出示课程表和收费记录。")
    expect(form.locator("input[name=violation_codes]:checked")).to_have_count(0)  # the officer decides, not the lead
    form.locator("input[name=violation_codes][value=rest_day_training]").check()
    assert form.locator("input[name=photos]").get_attribute("capture") == "environment"
    form.locator("input[name=photos]").set_input_files([photo(), photo((160, 60, 40), "课程表.jpg")])
    submit(form)
    expect(field.locator("#done")).to_contain_text("已办理：现场检查")
    expect(field.locator(".photos img")).to_have_count(2)
    src = field.locator(".photos img").first.get_attribute("src")
    assert field.request.get(site.url + src).headers["content-type"] == "image/jpeg"

    submit(open_action(field, "issue_rectification"))
    expect(field.locator("#done")).to_contain_text("已办理：下达责令整改通知书")
    pdf_link = field.locator("#done a")
    answer = field.request.get(site.url + pdf_link.get_attribute("href"))
    assert answer.status == 200 and answer.body().startswith(b"%PDF")
    assert answer.headers["content-type"] == "application/pdf"

    form = open_action(field, "record_service")
    expect(form.locator("select[name=document_id] option")).to_contain_text([re.compile("责令限期改正通知书")])
    form.locator("input[name=recipient]").fill("机构负责人王某")
    submit(form)
    expect(field.locator("#done")).to_contain_text("已办理：登记送达")
    expect(field.locator("#dl-title ~ .deadline").first).to_contain_text("责令限期整改")

    form = open_action(field, "record_reinspection")
    form.locator("textarea[name=findings]").fill("已停止周末学科类培训，现场未见学生，已退还预收费用。")
    form.locator("input[name=rectified][value=true]").check()
    submit(form)
    expect(field.locator("#done")).to_contain_text("已办理：复查")
    expect(field.locator(".case-hero")).to_contain_text("已结案")
    expect(field.locator(".case-hero")).to_contain_text("整改到位")
    expect(field.locator(".timeline")).to_contain_text("复查整改到位结案")

    with site.session() as s:
        case = s.get(Case, case_id)
        events = [e.event_type for e in s.exec(select(CaseEvent).where(CaseEvent.case_id == case_id)
                                               .order_by(CaseEvent.seq)).all()]
        inspection = s.exec(select(Inspection).where(Inspection.case_id == case_id,
                                                     Inspection.reinspection == False)).one()  # noqa: E712
    assert case.status is CaseStatus.CLOSED and case.close_reason == "rectified"
    assert [CaseEventType.ASSIGN, CaseEventType.UPLOAD_EVIDENCE, CaseEventType.UPLOAD_EVIDENCE,
            CaseEventType.RECORD_INSPECTION, CaseEventType.ISSUE_RECTIFICATION, CaseEventType.RECORD_SERVICE,
            CaseEventType.CONFIRM_RECTIFIED] == [
        e for e in events if e not in (CaseEventType.RECEIVE, CaseEventType.DEADLINE_RECOMPUTED)]
    assert len(inspection.evidence) == 2 and all(len(e["sha256"]) == 64 for e in inspection.evidence)


def test_a_refused_action_shows_the_guards_reason(browse, site: Site) -> None:
    case_id = site.seeded.cases["refuse"]
    page = browse().login("education03")
    page.goto(f"{site.url}/cases/{case_id}")
    form = open_action(page, "record_inspection")
    form.locator(f"input[name=officer_ids][value='{_id(site, 'education04')}']").uncheck()
    form.locator("textarea[name=findings]").fill("现场只有一名执法人员。")
    submit(form)
    alert = page.locator("#act-record_inspection-error")
    expect(alert).to_contain_text("未能办理")
    expect(alert).to_contain_text("2名以上持有效执法证的执法人员")
    expect(page.locator("#act-record_inspection textarea[name=findings]")).to_have_value("现场只有一名执法人员。")
    assert case_of(site, "refuse").status is CaseStatus.ASSIGNED


def test_a_stale_edit_is_caught_and_explained(browse, site: Site) -> None:
    case_id = site.seeded.cases["stale"]
    b = browse()
    first = b.login("education01")
    second = b.page()
    for page in (first, second):
        page.goto(f"{site.url}/cases/{case_id}")
    for page, lead in ((first, "education03"), (second, "education04")):
        form = open_action(page, "assign")
        form.locator("select[name=lead_officer_id]").select_option(str(_id(site, lead)))
        other = "education04" if lead == "education03" else "education03"
        form.locator(f"input[name=officer_ids][value='{_id(site, other)}']").check()
    submit(first.locator("#act-assign form"))
    expect(first.locator("#done")).to_contain_text("已办理：分派")
    submit(second.locator("#act-assign form"))
    alert = second.locator("#act-assign-error")
    expect(alert).to_contain_text("案件已被他人更新")
    expect(alert).to_contain_text("请重新打开案件")
    alert.locator("a", has_text="重新打开案件").click()
    expect(second.locator(".case-hero")).to_contain_text("已分派")
    assert case_of(site, "stale").assignee_id == _id(site, "education03")  # the first writer won, nothing merged


def test_the_board_lists_an_overdue_case_and_assigns_it_after_a_confirmation(browse, site: Site) -> None:
    number = site.seeded.numbers["overdue"]
    page = browse().login("education01")
    expect(page.locator("h1")).to_have_text("督办看板")
    item = page.locator(f"tr.board-row[data-case='{number}']")
    expect(item).to_have_count(1)  # one row per case
    expect(item).to_contain_text("线索分派")
    expect(item).to_contain_text("逾期")
    late = page.locator(f"tr.board-row[data-case='{site.seeded.numbers['late']}']")
    expect(late).to_contain_text("督办")
    item.locator("input[name=case_ids]").check()
    page.select_option("#lead", str(_id(site, "education03")))
    page.select_option("#second", str(_id(site, "education04")))
    page.click("text=分派勾选的案件…")
    page.click("button:text('确认分派')")
    expect(page.locator("[role=status]")).to_contain_text(f"案件 {number} 已分派")
    assert case_of(site, "overdue").status is CaseStatus.ASSIGNED


def test_complainant_identity_is_masked_and_the_reveal_is_logged(browse, site: Site) -> None:
    case_id = site.seeded.cases["reveal"]
    officer = browse().login("education03")
    officer.goto(f"{site.url}/cases/{case_id}")
    expect(officer.locator(".person").first).to_contain_text("张*丰")
    expect(officer.locator(".person").first).to_contain_text("138****5678")
    expect(officer.locator("form[action$='/reveal']")).to_have_count(0)

    boss = browse().login("education01")
    boss.goto(f"{site.url}/cases/{case_id}")
    submit(boss.locator(f"form[action='/cases/{case_id}/reveal']"))
    expect(boss.locator(".person").first).to_contain_text("张三丰")
    expect(boss.locator(".person").first).to_contain_text("13812345678")
    expect(boss.locator(".timeline li").first).to_contain_text("查看举报人信息")
    with site.session() as s:
        logged = s.exec(select(CaseEvent).where(CaseEvent.case_id == case_id,
                                                CaseEvent.event_type == CaseEventType.REVEAL_COMPLAINANT)).all()
    assert len(logged) == 1


def test_a_case_outside_the_jurisdiction_is_a_chinese_404(browse, site: Site) -> None:
    with site.session() as s:
        other = s.exec(select(Case).where(Case.region_code != "520122100")).first()
    page = browse().login("永靖02")
    answer = page.goto(f"{site.url}/cases/{other.id}")
    assert answer.status == 404
    expect(page.locator("h1")).to_have_text("页面不存在")
    expect(page.locator(".lead")).to_contain_text("不在您的辖区内")
    assert page.goto(f"{site.url}/no-such-page").status == 404
    assert page.goto(f"{site.url}/cases/abc").status == 404


def test_register_import_reports_each_bad_row(browse, site: Site) -> None:
    page = browse().login("education01")
    page.goto(site.url + "/institutions/import")
    csv = ("机构名称,统一社会信用代码,类别,证照情况,地址,行政区划代码\n"
           "息烽县晨曦书画培训中心,,文化艺术,有证有照,永靖镇阳光路3号,520122100\n"
           "息烽县坏代码学校,123,学科类,有证有照,永靖镇,520122100\n"
           "外县机构,,体育,有证有照,某地,520102000\n").encode()
    page.set_input_files("#file", {"name": "机构.csv", "mimeType": "text/csv", "buffer": csv})
    page.click("main button[type=submit]")
    expect(page.locator("[role=alert]")).to_contain_text("未导入任何机构")
    rows = page.locator(".report-errors tbody tr")
    expect(rows.first).to_contain_text("第 3 行")
    expect(page.locator(".report-errors")).to_contain_text("第 4 行")
    page.locator("input[name=partial]").check()
    page.set_input_files("#file", {"name": "机构.csv", "mimeType": "text/csv", "buffer": csv})
    page.click("form[action='/institutions/import'] button[type=submit]")  # not the error report's download
    expect(page.locator("[role=status]")).to_contain_text("导入 1 家")
    with site.session() as s:
        assert s.exec(select(Institution).where(Institution.name == "息烽县晨曦书画培训中心")).one()
    page.goto(site.url + "/institutions?q=晨曦")
    expect(page.locator("table")).to_contain_text("息烽县晨曦书画培训中心")


def test_statistics_chart_table_and_excel(browse, site: Site) -> None:
    page = browse().login("education01")
    page.goto(site.url + "/stats?period=month")
    expect(page.locator("canvas#stats-chart")).to_be_visible()
    page.wait_for_function("() => window.Chart && Chart.getChart('stats-chart')")
    expect(page.locator("table tfoot")).to_contain_text("合计")
    with page.expect_download() as download:
        page.click("a:text('导出 Excel')")
    assert download.value.suggested_filename.endswith(".xlsx")
    with open(download.value.path(), "rb") as handle:
        sheet = load_workbook(io.BytesIO(handle.read())).active
    assert sheet["A4"].value == "主办部门" and sheet["B4"].value == "出动人次"
    assert sheet.cell(sheet.max_row, 1).value == "合计"


def test_public_complaint_round_trip(browse, site: Site) -> None:
    b = browse(390)
    page = b.page()
    page.goto(site.url + "/report")
    page.click("button[type=submit]")
    expect(page.locator("[role=alert]")).to_contain_text("发生地")
    page.select_option("#region_code", "520122100")
    page.fill("#reported_name", "永靖镇阳光小区学习室")
    page.check("input[name=violation_codes][value=rest_day_training]")
    page.fill("#content", "阳光小区3栋2单元每周六上午有二十多名小学生补习数学，家长接送。")
    page.check("input[name=anonymous]")
    expect(page.locator("#identity")).to_be_hidden()
    page.set_input_files("#photos", [photo((20, 140, 60), "招生广告.jpg")])
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/track/[0-9A-Z]+\?new=1$"))
    code = page.locator(".code-box").inner_text().strip()
    expect(page.locator(".status-steps li.current")).to_contain_text("已受理")

    other = b.page()
    other.goto(site.url + "/track")
    other.fill("#code", code.lower())
    other.click("button[type=submit]")
    expect(other.locator("#st-title")).to_have_text("办理进度")
    expect(other.locator(".status-steps li.current")).to_contain_text("已受理")
    expect(other.locator("main")).not_to_contain_text("阳光小区")  # public status only
    other.goto(site.url + "/track/ZZZZZZZZ")
    expect(other.locator("[role=alert]")).to_contain_text("未找到该查询码")

    with site.session() as s:
        complaint = s.exec(select(Complaint).where(Complaint.tracking_code == code)).one()
    assert complaint.anonymous and complaint.complainant_name == "" and complaint.channel == "web"
    staff = browse().login("education01")
    staff.goto(f"{site.url}/cases/{complaint.case_id}")
    expect(staff.locator(".complaint .photos img")).to_have_count(1)
    expect(staff.locator(".person").first).to_contain_text("匿名举报")


def _id(site: Site, username: str) -> int:
    from cases.models import Officer

    with site.session() as s:
        return s.exec(select(Officer.id).where(Officer.username == username)).one()


def _name(site: Site, username: str) -> str:
    from cases.models import Officer

    with site.session() as s:
        return s.exec(select(Officer.name).where(Officer.username == username)).one()


def test_case_page_shows_the_party_history_and_the_reoffence(browse, site: Site) -> None:
    """The institution's earlier cases within the reoffence window on the case page, with date, number,
    outcome and whether it makes this case 从重 (53号令 art. 16(一)); older ones are not listed."""
    from datetime import date

    from tests.web.seed import own_institution, past_case

    inst = own_institution(site.engine, "息烽县再犯记录测试培训学校")
    punished, _ = past_case(site.engine, inst, "2025-520122-9201", received="2025-05-06 09:00",
                            decided_on=date(2025, 6, 3))
    past_case(site.engine, inst, "2025-520122-9202", received="2025-10-10 09:00", close_reason="rectified")
    past_case(site.engine, inst, "2023-520122-9203", received="2023-04-01 09:00", decided_on=date(2023, 5, 4))
    current, _ = past_case(site.engine, inst, "2026-520122-9204", received="2026-03-12 09:00",
                           status=CaseStatus.RECEIVED)
    page = browse(390).login("supervisor")
    page.goto(f"{site.url}/cases/{current}")
    history = page.locator("#party-history")
    expect(history.locator("h2")).to_contain_text("2年内 · 2 件")
    rows = history.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("2025年10月10日")
    expect(rows.nth(0)).to_contain_text("2025-520122-9202")
    expect(rows.nth(0)).to_contain_text("整改到位")
    expect(rows.nth(0).locator("td").last).to_have_text("否")
    expect(rows.nth(1)).to_contain_text("2025年6月3日")
    expect(rows.nth(1)).to_contain_text("行政处罚：罚款人民币30000元")
    expect(rows.nth(1).locator("td").last).to_have_text("是，第十六条第（一）项")
    expect(history.locator("[role=note]")).to_contain_text("《校外培训行政处罚暂行办法》第十六条第（一）项")
    assert "2023-520122-9203" not in history.inner_text()
    expect(rows.nth(1).locator("a")).to_have_attribute("href", f"/cases/{punished}")
    assert page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
