"""系统管理 in a real browser (issue 12, item 1): officers (new, roles and 执法证, password reset,
deactivation that ends the officer's sessions), the departments' document details, a year
calendar uploaded, previewed and confirmed, the violation catalogue, seal upload, message channels
with their delivery log, and the audit view with its filters and export — every change audited."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlmodel import Session, select

from cases import deadlines
from cases.caches import reset_all
from cases.calendar import WorkCalendar
from cases.calendar_files import parse_upload, with_table
from cases.enums import DeadlineKind
from cases.models import Deadline, Department, MessageChannel, Officer, StaffAudit
from cases.service._common import periods
from cases.settings import get_calendar
from tests.web.conftest import ROOT, Site
from tests.web.test_desk import screenshots

pytestmark = pytest.mark.integration
INVENTED_2027 = ROOT / "tests" / "data" / "calendar_2027_invented.toml"
NEW_PASSWORD = "Xifeng-audit-2026"


def _audit(site: Site, action: str) -> list[StaffAudit]:
    with Session(site.engine) as s:
        return list(s.exec(select(StaffAudit).where(StaffAudit.action == action)).all())


def test_the_administrator_manages_officers_and_deactivation_ends_their_sessions(browse, site: Site) -> None:
    admin = browse().login("admin")
    expect(admin.locator(".mainnav")).to_contain_text("系统管理")
    admin.goto(site.url + "/admin/officers")
    admin.fill("#n-username", "education31")
    admin.fill("#n-name", "田晓东")
    admin.select_option("#n-dept", label="息烽县教育局")
    admin.fill("#n-badge", "贵52012209931")
    admin.fill("#n-valid", "2028-12-31")
    admin.locator("input[name=roles][value=officer]").last.check()
    admin.fill("#n-pw", "123456")  # too short: refused in Chinese, nothing created
    admin.click("main button:text('新增')")
    expect(admin.locator("[role=alert]")).to_contain_text("密码")
    with Session(site.engine) as s:
        assert s.exec(select(Officer).where(Officer.username == "education31")).first() is None
    admin.locator("input[name=roles][value=officer]").last.check()
    admin.fill("#n-pw", NEW_PASSWORD)
    admin.click("main button:text('新增')")
    expect(admin.locator("[role=status]")).to_contain_text("已新增人员")
    row = admin.locator("tr[data-username='education31']")
    expect(row).to_contain_text("贵52012209931")
    expect(row).to_contain_text("2028年12月31日")
    assert _audit(site, "officer_created")

    newcomer = browse(390).login("education31", NEW_PASSWORD)
    expect(newcomer.locator("h1")).to_have_text("我的案件")

    row.locator("a:text('修改')").click()
    admin.locator("#edit input[name=roles][value=legal]").check()
    admin.fill("#e-valid", "2029-06-30")
    admin.click("#edit button:text('保存')")
    expect(admin.locator("[role=status]")).to_contain_text("人员信息已更新")
    with Session(site.engine) as s:
        officer = s.exec(select(Officer).where(Officer.username == "education31")).one()
        assert sorted(officer.roles) == ["legal", "officer"] and officer.badge_valid_until == date(2029, 6, 30)
    changed = _audit(site, "officer_updated")[-1]
    assert changed.changes["after"]["roles"] == ["officer", "legal"] and changed.changes["before"]["roles"] == [
        "officer"]

    admin.goto(f"{site.url}/admin/officers?edit={officer.id}")
    admin.once("dialog", lambda dialog: dialog.accept())
    admin.click("#edit button:text('停用账号')")
    expect(admin.locator("[role=status]")).to_contain_text("登录会话已全部结束")
    newcomer.goto(site.url + "/cases")
    expect(newcomer).to_have_url(re.compile(r"/login\?"))  # the open session ended with the deactivation
    refused = browse().login("education31", NEW_PASSWORD)
    expect(refused).to_have_url(re.compile(r"/login"))
    expect(refused.locator("[role=alert]")).to_be_visible()

    admin.goto(f"{site.url}/admin/officers?edit={officer.id}")
    admin.once("dialog", lambda dialog: dialog.accept())
    admin.click("#edit button:text('启用账号')")
    admin.goto(f"{site.url}/admin/officers?edit={officer.id}")
    admin.fill("#e-pw", "Another-pass-77")
    admin.click("#edit button:text('重置密码')")
    expect(admin.locator("[role=status]")).to_contain_text("已重置密码")
    assert _audit(site, "password_reset")


def test_department_details_printed_on_documents_are_edited_and_audited(browse, site: Site) -> None:
    admin = browse().login("admin")
    admin.goto(site.url + "/admin/departments")
    expect(admin.locator(".region-tree")).to_contain_text("永靖镇")
    with Session(site.engine) as s:
        dept = s.exec(select(Department).where(Department.name == "息烽县教育局")).one()
    admin.fill(f"#contact-{dept.id}", "王红梅")
    admin.fill(f"#review-{dept.id}", "息烽县人民政府")
    admin.click(f"section[aria-labelledby='d-{dept.id}'] button:text('保存')")
    expect(admin.locator("[role=status]")).to_contain_text("部门信息已更新")
    with Session(site.engine) as s:
        fresh = s.get(Department, dept.id)
        assert fresh.contact == "王红梅" and fresh.review_body == "息烽县人民政府"
    assert _audit(site, "department_updated")[-1].changes["review_body"] == "息烽县人民政府"


def test_a_year_calendar_is_previewed_then_loaded_and_recomputes_provisional_deadlines(
        browse, site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENFORCE_HOME", str(tmp_path / "home"))
    reset_all()
    try:
        current = get_calendar()
        period = periods()["assignment"]
        start = date(2027, 2, 3)
        before = deadlines.compute_due(start, period, current, provisional=True)
        after = deadlines.compute_due(start, period, with_table(current, parse_upload(INVENTED_2027.read_bytes())),
                                      provisional=True)
        assert before.provisional and before.date != after.date  # the invented 2027 break moves it
        case_id = site.seeded.cases["walk"]
        with Session(site.engine, expire_on_commit=False) as s:
            row = Deadline(case_id=case_id, step="assignment", label="线索分派（测试：跨入2027年）",
                           kind=DeadlineKind(period.kind),
                           days=period.days, start_date=start, due_date=before.date, provisional=True, open=False)
            s.add(row)
            s.commit()
            row.open = True  # open only now: the board and lists never saw it
            s.add(row)
            s.commit()
        admin = browse().login("admin")
        admin.goto(site.url + "/admin/calendar")
        admin.set_input_files("#file", str(INVENTED_2027))
        admin.click("main button:text('上传并预览')")
        expect(admin.locator("#preview-title")).to_contain_text("2027年")
        expect(admin.locator("#change-count")).to_have_text("1 项")
        expect(admin.locator("table")).to_contain_text(f"{after.date.year}年{after.date.month}月{after.date.day}日")
        for width in (390, 1280):
            admin.set_viewport_size({"width": width, "height": 844 if width < 600 else 900})
            from tests.web.test_screenshots import save

            save(admin, f"admin-calendar-preview-{width}")
        with Session(site.engine) as s:
            assert s.get(Deadline, row.id).due_date == before.date  # nothing written by the preview
        admin.click("button:text('确认载入')")
        expect(admin.locator("[role=status]")).to_contain_text("2027年节假日安排已载入，重算期限 1 项")
        with Session(site.engine) as s:
            moved = s.get(Deadline, row.id)
            assert moved.due_date == after.date and moved.provisional == after.provisional
            moved.open = False
            s.add(moved)
            s.commit()
        assert (tmp_path / "home" / "calendar" / "2027.toml").read_bytes() == INVENTED_2027.read_bytes()
        assert _audit(site, "calendar_loaded")[-1].changes["year"] == 2027
        admin.set_input_files("#file", {"name": "坏.toml", "mimeType": "text/plain", "buffer": b"year = 'x'"})
        admin.click("main button:text('上传并预览')")
        expect(admin.locator("[role=alert]")).to_contain_text("坏.toml")
    finally:
        monkeypatch.undo()
        reset_all()
    assert isinstance(get_calendar(), WorkCalendar) and 2027 not in get_calendar().known_years


def test_catalogue_seals_channels_and_the_audit_view(browse, site: Site, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from PIL import Image

    monkeypatch.setenv("ENFORCE_SEAL_DIR", str(tmp_path / "seals"))
    reset_all()
    try:
        admin = browse().login("admin")
        admin.goto(site.url + "/admin/catalogue")
        expect(admin.locator("main")).to_contain_text("情节严重")
        expect(admin.locator("main")).to_contain_text("罚款")

        admin.goto(site.url + "/admin/seals")
        with Session(site.engine) as s:
            dept = s.exec(select(Department).where(Department.name == "息烽县教育局")).one()
        buffer = io.BytesIO()
        Image.new("RGBA", (400, 400), (200, 0, 0, 0)).save(buffer, "PNG")
        admin.set_input_files(f"#seal-{dept.id}", {"name": "印章.png", "mimeType": "image/png",
                                                   "buffer": buffer.getvalue()})
        admin.click(f"form[aria-label='上传 {dept.name} 的印章图片'] button")
        expect(admin.locator("[role=status]")).to_contain_text("印章图片已更新")
        assert (tmp_path / "seals" / f"{dept.id}.png").exists()
        flat = io.BytesIO()
        Image.new("RGB", (400, 400), (200, 0, 0)).save(flat, "PNG")
        admin.set_input_files(f"#seal-{dept.id}", {"name": "无透明.png", "mimeType": "image/png",
                                                   "buffer": flat.getvalue()})
        admin.click(f"form[aria-label='上传 {dept.name} 的印章图片'] button")
        expect(admin.locator("[role=alert]")).to_be_visible()
    finally:
        monkeypatch.undo()
        reset_all()

    admin.goto(site.url + "/admin/channels")
    admin.select_option("#c-dept", label="温泉镇人民政府")
    admin.select_option("#c-kind", "sms")
    admin.fill("#c-url", "https://sms.example.invalid/send")
    admin.click("main button:text('新增')")
    expect(admin.locator("[role=alert]")).to_contain_text("接收号码")
    admin.select_option("#c-dept", label="温泉镇人民政府")
    admin.select_option("#c-kind", "sms")
    admin.fill("#c-url", "https://sms.example.invalid/send")
    admin.fill("#c-phones", "13900000011,13900000012")
    admin.click("main button:text('新增')")
    expect(admin.locator("[role=status]")).to_contain_text("消息渠道已更新")
    with Session(site.engine, expire_on_commit=False) as s:
        added = s.exec(select(MessageChannel).where(MessageChannel.url == "https://sms.example.invalid/send")).one()
        added.active = False  # never sent to: the test makes no request outside 127.0.0.1
        s.add(added)
        s.commit()

    boss = browse().login("education01")  # a reveal to find in the audit view (not test_pages' "reveal" case)
    case_id = site.seeded.cases["late"]
    boss.goto(f"{site.url}/cases/{case_id}")
    boss.once("dialog", lambda dialog: dialog.accept())
    boss.locator(f"form[action='/cases/{case_id}/reveal'] button[type=submit]").click()
    admin.goto(site.url + "/admin/audit?kind=reveal")
    expect(admin.locator("table.audit")).to_contain_text("查看举报人身份")
    expect(admin.locator("table.audit")).to_contain_text(site.seeded.numbers["late"])
    expect(admin.locator("table.audit")).not_to_contain_text("新增消息渠道")
    admin.goto(site.url + "/admin/audit?kind=staff")
    expect(admin.locator("table.audit")).to_contain_text("新增消息渠道")
    expect(admin.locator("table.audit")).not_to_contain_text("查看举报人身份")
    admin.goto(site.url + "/admin/audit")
    rows = admin.locator("table.audit tbody tr").count()
    with admin.expect_download() as download:
        admin.click("a:text('导出 Excel')")
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    assert sheet["A4"].value == "时间" and sheet.max_row - 4 == rows
    admin.goto(site.url + "/admin/audit?start=2026-13-01")
    expect(admin.locator(".lead")).to_contain_text("日期格式")


def test_screenshots_of_the_administration_pages(browse, site: Site) -> None:
    screenshots(browse, site, "admin", [("/admin/officers", "admin-officers"),
                                        ("/admin/departments", "admin-departments"),
                                        ("/admin/calendar", "admin-calendar"),
                                        ("/admin/catalogue", "admin-catalogue"), ("/admin/seals", "admin-seals"),
                                        ("/admin/channels", "admin-channels"), ("/admin/audit", "admin-audit")])
