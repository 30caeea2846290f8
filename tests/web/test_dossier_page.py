"""The 送达 loop and the 案卷 on the case page (issue 15, items 5 and 6): the officer photographs the
signed 送达回证 and uploads it under the served document; the 组卷 button returns the dossier PDF,
the signed copy filed right after its 送达回证."""

from __future__ import annotations

import hashlib

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from cases.models import ServiceRecord
from documents import dossier
from tests.web.conftest import SCREENSHOTS, Site
from tests.web.test_pages import photo

pytestmark = pytest.mark.integration


def test_signed_receipt_upload_and_dossier_button(browse, site: Site) -> None:
    case_id = site.seeded.cases["closed"]
    outsider = browse().login("education05")  # not on the team: sees that a receipt is missing, no form
    outsider.goto(f"{site.url}/cases/{case_id}")
    expect(outsider.locator(".receipt-form")).to_have_count(0)

    field = browse(390).login("education03")
    field.goto(f"{site.url}/cases/{case_id}")
    form = field.locator(".receipt-form").first
    expect(form).to_be_visible()
    scan = photo((230, 230, 220), "送达回证签收.jpg")
    form.locator("input[name=receipt]").set_input_files(scan)
    form.locator("button[type=submit]").click()
    field.wait_for_load_state()
    expect(field.locator("#done")).to_contain_text("已办理：上传签收的送达回证")
    expect(field.locator("#documents")).to_contain_text("签收回证已存档")
    field.locator("#documents").screenshot(path=str(SCREENSHOTS / "case-signed-receipt-390.png"))
    link = field.locator("#documents a", has_text="查看扫描件").first
    got = field.request.get(site.url + link.get_attribute("href"))
    assert got.body() == scan["buffer"]  # the original bytes, write-once
    with site.session() as s:
        filed = [r for r in s.exec(select(ServiceRecord)).all() if r.receipt_sha256]
    assert [r.receipt_sha256 for r in filed] == [hashlib.sha256(scan["buffer"]).hexdigest()]

    with field.expect_download() as download:
        field.locator("a", has_text="组卷").click()
    content = download.value.path().read_bytes()
    assert content.startswith(b"%PDF") and download.value.suggested_filename.endswith(".pdf")
    labels = [label for label, _ in dossier.table_of_contents(content)]
    at = next(i for i, label in enumerate(labels) if label.startswith("送达回证"))
    assert labels[at + 1] == "证据1：已签收的送达回证（扫描件）" and labels[-1] == "备考表"
