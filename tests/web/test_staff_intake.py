"""登记线索 (issue 12, item 5): staff register a 12345 work order, a letter or visit, a superior's referral
or a patrol finding with the public intake's matching and merging, inside their jurisdiction only."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect
from sqlmodel import select

from cases.enums import Channel
from cases.models import Case, Complaint, Institution
from tests.web.conftest import Site
from tests.web.seed import PASSWORD

pytestmark = pytest.mark.integration


def institution_without_case(site: Site, township: str = "520122100") -> Institution:
    """A registered institution of the township no case names yet — registered here when the other
    browser tests sharing the seeded site have used up the township's."""
    from cases.enums import InstitutionCategory, LicenceStatus
    from cases.uscc import normalise_name
    from tests.integration.conftest import at

    with site.session() as s:
        used = {i for i in s.exec(select(Case.institution_id)).all() if i}
        free = next((i for i in s.exec(select(Institution).where(Institution.region_code == township)
                                       .order_by(Institution.id)) if i.id not in used), None)
        if free is not None:
            return free
        name = f"启明星托管中心{len(used)}号"
        inst = Institution(name=name, name_key=normalise_name(name), category=list(InstitutionCategory)[0],
                           licence_status=list(LicenceStatus)[0], address="阳光路8号", region_code=township,
                           created_at=at("2026-01-05 09:00"))
        s.add(inst)
        s.commit()
        s.refresh(inst)
        return inst


def fill(page, channel: str, text: str, region: str, name: str = "", reference: str = "") -> None:  # noqa: ANN001
    page.check(f"input[name=channel][value={channel}]")
    page.fill("#reference", reference)
    page.select_option("#region_code", region)
    page.fill("#reported_name", name)
    page.fill("#content", text)


def submit(page) -> None:  # noqa: ANN001
    page.click("form[action='/intake'] button[type=submit]")
    page.wait_for_load_state()


def test_a_work_order_opens_a_case_and_its_number_registers_once(browse, site: Site) -> None:
    inst = institution_without_case(site)
    page = browse(390).login("supervisor")
    page.goto(site.url + "/cases")
    page.locator("nav.mainnav a[href='/intake']").click()
    expect(page.locator("h1")).to_have_text("登记线索")
    expect(page.locator("#received_on")).to_have_value("2026-03-16")
    fill(page, "hotline_12345", f"{inst.name}周六上午给初中生上数学课，约二十人。", inst.region_code, inst.name,
         reference="GY20260316-0042")
    submit(page)
    expect(page).to_have_url(re.compile(r"/cases/\d+\?intake=new$"))
    expect(page.locator("#intake-done")).to_contain_text("新建本案件")
    case_id = int(re.search(r"/cases/(\d+)", page.url)[1])
    with site.session() as s:
        case = s.get(Case, case_id)
        complaint = s.exec(select(Complaint).where(Complaint.case_id == case_id)).one()
    assert case.institution_id == inst.id and complaint.channel is Channel.HOTLINE_12345
    assert complaint.idempotency_key == "import:GY20260316-0042"  # the batch import's key of the same work order

    page.goto(site.url + "/intake")
    fill(page, "hotline_12345", "同一工单再次录入。", inst.region_code, inst.name, reference="GY20260316-0042")
    submit(page)
    expect(page).to_have_url(re.compile(rf"/cases/{case_id}\?intake=replayed$"))
    expect(page.locator("#intake-done")).to_contain_text("未重复登记")


def test_a_letter_about_an_institution_with_an_open_case_is_merged(browse, site: Site) -> None:
    with site.session() as s:
        walk = s.get(Case, site.seeded.cases["reveal"])  # assigned, open; no other test closes it
        inst = s.get(Institution, walk.institution_id)
    page = browse().login("officer")
    page.goto(site.url + "/intake")
    fill(page, "letter_visit", "家长来信反映：该机构寒假后仍在周末上课。", inst.region_code, " ".join(inst.name))
    submit(page)
    expect(page).to_have_url(re.compile(rf"/cases/{walk.id}\?intake=merged$"))
    expect(page.locator("#intake-done")).to_contain_text("已并入本案件")
    with site.session() as s:
        channels = [c.channel for c in s.exec(select(Complaint).where(Complaint.case_id == walk.id))]
    assert Channel.LETTER_VISIT in channels


def test_only_inside_the_jurisdiction_and_errors_in_chinese(browse, site: Site) -> None:
    page = browse().login("永靖01")
    page.goto(site.url + "/intake")
    options = page.locator("#region_code option").all_inner_texts()
    assert options == ["请选择", "永靖镇"]
    page.click("form[action='/intake'] button[type=submit]")  # empty: the Chinese form checks, nothing sent
    expect(page.locator(".field:has(#content) .js-error")).to_have_text("请填写此项")
    expect(page.locator(".field:has(#region_code) .js-error")).to_have_text("请选择此项")
    other = institution_without_case(site, "520122101")  # 温泉镇, outside 永靖镇
    fill(page, "superior_referral", f"县教育局交办：{other.name}违规培训。", "520122100", other.name)
    submit(page)
    expect(page.locator("#form-error")).to_contain_text(f"被举报机构“{other.name}”不在您的辖区内")
    expect(page.locator("#reported_name")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#reported_name")).to_have_value(other.name)  # what was typed stays
    page.fill("#reported_name", "")
    page.fill("#received_on", "2026-03-01")
    submit(page)
    expect(page.locator("#received_on-err")).to_contain_text("不能早于3天前")
    page.evaluate("() => { const o = document.createElement('option'); o.value = '520122101'; o.text = 'x';"
                  " document.querySelector('#region_code').append(o); }")
    page.select_option("#region_code", "520122101")
    page.fill("#received_on", "")
    submit(page)
    expect(page.locator("#region_code-err")).to_contain_text("不在您的辖区内")


def test_intake_api_for_staff_with_a_reference(site: Site) -> None:
    inst = institution_without_case(site, "520122102")
    with httpx.Client(base_url=site.url) as client:
        token = client.post("/api/v1/auth/token", data={"username": "supervisor", "password": PASSWORD}).json()
        auth = {"Authorization": f"Bearer {token['access_token']}"}
        body = {"channel": "patrol", "content": f"巡查发现{inst.name}周日开设学科类培训班。",
                "region_code": inst.region_code, "reported_name": inst.name, "reference": "XC-2026-0316-01"}
        first = client.post("/api/v1/complaints", json=body, headers=auth)
        assert first.status_code == 201, first.text
        again = client.post("/api/v1/complaints", json=body, headers=auth)
        assert again.json()["case_id"] == first.json()["case_id"]
        public = client.post("/api/v1/complaints", json={**body, "channel": "web"})
        assert public.status_code == 422 and public.json()["code"] == "reference_not_public"
    with site.session() as s:
        case = s.get(Case, first.json()["case_id"])
        complaint = s.exec(select(Complaint).where(Complaint.case_id == case.id)).one()
    assert case.institution_id == inst.id and complaint.channel is Channel.PATROL
