"""机构库 in the browser (issue 12, item 6): search by credit code and phone; an import in Chinese words
with its errors listed per cell and downloaded as Excel; a re-import of a registered institution
without a credit code matched, not registered twice."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlmodel import func, select

from cases.models import Institution, Region
from tests.web.conftest import Site

pytestmark = pytest.mark.integration
HEADER = "机构名称,统一社会信用代码,类别,证照情况,乡镇（街道）,地址,资金监管\n"


def upload(page, text: str, name: str = "机构.csv") -> None:  # noqa: ANN001
    page.set_input_files("#file", {"name": name, "mimeType": "text/csv", "buffer": text.encode("utf-8-sig")})
    page.click("form[action='/institutions/import'] button[type=submit]")
    page.wait_for_load_state()


def test_search_by_credit_code_and_phone(browse, site: Site) -> None:
    with site.session() as s:
        inst = s.exec(select(Institution).where(Institution.uscc.is_not(None), Institution.phone != "")
                      .order_by(Institution.id)).first()
    page = browse(390).login("officer")
    for q in (inst.uscc.lower(), inst.phone):
        page.goto(site.url + "/institutions")
        page.fill("#q", q)
        page.press("#q", "Enter")
        page.wait_for_load_state()
        expect(page.locator(".inst-list a")).to_have_count(1)
        expect(page.locator(".inst-list .name")).to_have_text(inst.name)


def test_import_errors_name_the_allowed_values_and_download_as_excel(browse, site: Site) -> None:
    with site.session() as s:
        before = s.exec(select(func.count()).select_from(Institution)).one()
    page = browse().login("supervisor")
    page.goto(site.url + "/institutions/import")
    expect(page.locator("#fmt-title ~ ul").last).to_contain_text("资金监管填写：已纳入、未纳入、异常")
    upload(page, HEADER + "息烽县新苗书画院,,书画,有证有照,永靖,永靖镇书院路1号,已纳入\n"
                          "息烽县新苗体育,,体育,有证有照,火星镇,永靖镇书院路2号,=1+1\n")
    expect(page.locator(".alert-danger")).to_contain_text("其中 2 行有误，未导入任何机构")
    table = page.locator("table.report-errors tbody")
    expect(table.locator("tr")).to_have_count(3)
    expect(table.locator("tr").nth(0)).to_contain_text("类别")
    expect(table.locator("tr").nth(0)).to_contain_text("书画")
    expect(table.locator("tr").nth(0)).to_contain_text("可填写：学科类、体育、文化艺术、科技、其他")
    expect(table).to_contain_text("乡镇（街道）“火星镇”不在您的辖区内或不存在")
    expect(table).to_contain_text("可填写：已纳入、未纳入、异常")
    with page.expect_download() as caught:
        page.click("#error-report")
    download = caught.value
    assert download.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(open(download.path(), "rb").read())).active
    rows = [tuple(r) for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert rows[0] == ("行号", "列", "填写内容", "问题")
    assert rows[1][:3] == (2, "类别", "书画") and "可填写" in rows[1][3]
    assert (3, "资金监管", "=1+1") in [r[:3] for r in rows[1:]]
    assert sheet.cell(row=5, column=3).data_type == "s"  # stays text, never a formula
    with site.session() as s:
        assert s.exec(select(func.count()).select_from(Institution)).one() == before


def test_reimport_without_credit_code_matches_the_registered_institution(browse, site: Site) -> None:
    with site.session() as s:
        inst = s.exec(select(Institution).where(Institution.uscc.is_(None)).order_by(Institution.id)).first()
        town = s.get(Region, inst.region_code).name
        before = s.exec(select(func.count()).select_from(Institution)).one()
    page = browse(390).login("admin")
    page.goto(site.url + "/institutions/import")
    spaced = " ".join(inst.name[:3]) + inst.name[3:]  # typed with spaces: the name key still matches
    upload(page, HEADER + f"{spaced},,{inst.category.label.removeprefix('非学科类·')},{inst.licence_status.label},"
                          f"{town},{inst.address},已纳入\n")
    expect(page.locator(".alert-ok")).to_contain_text("导入 0 家，1 行按名称和地址匹配到已登记机构，已更新")
    with site.session() as s:
        assert s.exec(select(func.count()).select_from(Institution)).one() == before
        assert s.get(Institution, inst.id).fund_supervision == "supervised"
