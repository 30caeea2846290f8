"""The officer app offline, in Debian's Chromium at 390 px: the service worker serves the synced
pages with the network off, an inspection with a photo filled offline waits in the device's
outbox (IndexedDB) across a reload and is sent when the network returns — the photo stored
byte for byte with its EXIF, its SHA-256, capture time, device time and position — and a
conflict (the case moved on meanwhile) is shown with both versions until the officer resends
it on top of the new version or discards it."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect
from sqlmodel import Session, select

from cases import service as case_service
from cases.actions import Action
from cases.enums import CaseStatus, Channel
from cases.models import Case, CaseEvidence, Inspection
from tests.api import samples
from tests.web.conftest import Site
from tests.web.seed import _ctx, _institution, _step
from tests.web.test_screenshots import save

pytestmark = pytest.mark.integration
POSITION = {"latitude": 27.0983, "longitude": 106.7372, "accuracy": 15}


def new_assigned_case(site: Site, index: int, text: str) -> tuple[int, str]:
    """A fresh case of this test alone, assigned to education03 and education04 (the other browser
    tests share the seeded ones)."""
    for candidate in range(index, index + 20):  # an institution whose complaint opens a case of its own
        inst = _institution(site.engine, candidate)
        data = case_service.ComplaintIn(channel=Channel.HOTLINE_12345, content=f"{inst.name}{text}",
                                        region_code=inst.region_code, violation_codes=("rest_day_training",),
                                        reported_name=inst.name, reported_address=inst.address)
        with Session(site.engine, expire_on_commit=False) as s:
            case = case_service.receive_complaint(s, _ctx(site.engine, None, None, "2026-03-15 09:00"), data).case
        if case.status is CaseStatus.RECEIVED:  # not merged into a case another test moved on
            break
    with Session(site.engine) as s:
        from cases.models import Officer

        team = [s.exec(select(Officer).where(Officer.username == u)).one().id for u in ("education03", "education04")]
    _step(site.engine, None, Action.ASSIGN, "education01", "2026-03-15 10:00", case.id, officer_ids=team)
    return case.id, case.case_number


def ready_offline(site: Site, browse, case_id: int):  # noqa: ANN001, ANN201
    """Signed in as education03 on a phone, the case page open, the worker in control, the sync done."""
    b = browse(390)
    b.context.set_default_timeout(30_000)  # this machine is shared: generous waits, the same checks
    b.context.grant_permissions(["geolocation"], origin=site.url)
    b.context.set_geolocation(POSITION)
    page = b.login("education03")
    page.goto(f"{site.url}/cases/{case_id}")
    page.wait_for_function("() => navigator.serviceWorker.getRegistration().then(r => !!(r && r.active))")
    for attempt in range(4):  # the first page after login registers the worker; a later load is controlled
        page.reload()
        try:
            page.wait_for_function("() => !!navigator.serviceWorker.controller", timeout=10_000)
            break
        except PlaywrightTimeout:
            if attempt == 3:
                raise
    page.wait_for_function("() => (JSON.parse(localStorage.getItem('enforce.sync') || 'null') || {}).count > 2",
                           timeout=45_000)  # every case page of the officer's: slower on a busy machine
    return b, page


def fill_inspection(page, findings: str, photo: bytes | None = None, share_position: bool = False):  # noqa: ANN001, ANN201
    details = page.locator("#act-record_inspection")
    if details.get_attribute("open") is None:
        details.locator(":scope > summary").click()
    form = details.locator("form")
    form.locator("textarea[name=findings]").fill(findings)
    if photo is not None:
        form.locator("#insp-photos").set_input_files([{"name": "IMG_0412.jpg", "mimeType": "image/jpeg",
                                                        "buffer": photo}])
    if share_position:
        form.locator("input[name=share_position]").check()
    form.locator("button[type=submit]").click()
    return form


def test_inspection_with_a_photo_recorded_offline_survives_a_reload_and_is_sent_when_online(
        site: Site, browse) -> None:  # noqa: ANN001
    case_id, number = new_assigned_case(site, 11, "周六上午在居民楼内给初中生上数学课。")
    b, page = ready_offline(site, browse, case_id)
    photo = samples.photo_with_exif("2026:03:16 08:41:07", "+08:00", size=(800, 600))
    sha = hashlib.sha256(photo).hexdigest()

    b.context.set_offline(True)
    assert page.evaluate("() => fetch('/offline/sync').then(() => 'network', () => 'offline')") == "offline"
    answer = page.reload()
    assert answer is not None and answer.from_service_worker  # the page came from the device
    expect(page.locator(".offline-banner")).to_be_visible(timeout=15_000)
    expect(page.locator(".case-hero .case-no")).to_have_text(number, timeout=15_000)
    listing = page.goto(f"{site.url}/cases")  # my cases, synced: also there offline
    assert listing is not None and listing.from_service_worker
    expect(page.locator("main")).to_contain_text(number, timeout=15_000)
    patrols = page.goto(f"{site.url}/patrols")  # the team's patrol day, synced at login
    assert patrols is not None and patrols.from_service_worker
    expect(page.locator("h1")).to_contain_text("巡查", timeout=15_000)
    never = page.goto(f"{site.url}/institutions")  # never synced: the offline page, in Chinese
    assert never is not None and never.from_service_worker
    expect(page.locator("h1")).to_have_text("当前离线", timeout=15_000)
    page.goto(f"{site.url}/cases/{case_id}")

    fill_inspection(page, "居民楼三层发现18名初中生在上数学课，现场有收费二维码。", photo, share_position=True)
    outbox = page.locator("#outbox")
    expect(outbox).to_contain_text("本机待发送 1 项", timeout=15_000)
    expect(outbox).to_contain_text("当前离线，联网后自动发送", timeout=15_000)
    expect(outbox).to_contain_text("已记录位置", timeout=15_000)
    save(page, "offline-outbox-390")
    page.reload()  # still offline: the item is on the device, not in the page
    expect(page.locator("#outbox")).to_contain_text("本机待发送 1 项", timeout=15_000)
    with site.session() as s:
        assert s.exec(select(Inspection).where(Inspection.case_id == case_id)).first() is None  # nothing sent yet

    b.context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")  # what the phone fires when the network returns
    expect(page.locator("#done")).to_contain_text("现场检查", timeout=20_000)
    expect(page.locator("#outbox")).to_have_count(0, timeout=15_000)
    stored = page.request.get(f"{site.url}/cases/{case_id}/evidence/{sha}")
    assert stored.status == 200 and stored.body() == photo  # byte-identical: the phone's own bytes
    assert hashlib.sha256(stored.body()).hexdigest() == sha
    from PIL import Image

    with Image.open(io.BytesIO(stored.body())) as image:
        exif = image.getexif()
        assert exif.get_ifd(0x8769)[36867] == "2026:03:16 08:41:07" and exif[271] == "HUAWEI"
    with site.session() as s:
        [row] = s.exec(select(CaseEvidence).where(CaseEvidence.case_id == case_id)).all()
        inspection = s.exec(select(Inspection).where(Inspection.case_id == case_id)).one()
    assert row.sha256 == sha and row.captured_at == datetime(2026, 3, 16, 0, 41, 7, tzinfo=UTC)
    assert row.device_at is not None and row.capture_source == "exif"
    assert (round(row.latitude, 4), round(row.longitude, 4)) == (27.0983, 106.7372) and row.accuracy_m == 15
    assert [e["sha256"] for e in inspection.evidence] == [sha]
    expect(page.locator("#ev-title")).to_contain_text("1 件", timeout=15_000)
    expect(page.locator(".evidence-list")).to_contain_text("照片EXIF", timeout=15_000)
    save(page, "offline-synced-evidence-390")


def test_a_conflict_is_shown_with_both_versions_and_resent_on_top_only_when_the_officer_says_so(
        site: Site, browse) -> None:  # noqa: ANN001
    case_id, _ = new_assigned_case(site, 12, "周日下午在地下室托管班里讲初二物理。")
    b, page = ready_offline(site, browse, case_id)
    with site.session() as s:
        before = s.get(Case, case_id).version

    b.context.set_offline(True)
    page.reload()
    fill_inspection(page, "地下室内有12名学生，黑板上写着物理题。")
    expect(page.locator("#outbox")).to_contain_text("本机待发送 1 项", timeout=15_000)
    # meanwhile, at the office, the supervisor pauses the case's clock: the case moves to a new version
    _step(site.engine, None, Action.PAUSE_CLOCK, "education01", "2026-03-16 09:05", case_id, step="inspection",
          reason="等待区教育局核实办学资质")
    with site.session() as s:
        assert s.get(Case, case_id).version > before

    b.context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    item = page.locator(".outbox-conflict")
    expect(item).to_contain_text("提交冲突", timeout=20_000)
    sides = item.locator(".conflict-side")
    expect(sides.nth(0)).to_contain_text(f"按第{before}版填写", timeout=15_000)
    expect(sides.nth(0)).to_contain_text("地下室内有12名学生", timeout=15_000)
    expect(sides.nth(1)).to_contain_text("案件现在", timeout=15_000)
    expect(sides.nth(1)).to_contain_text("中止计时", timeout=15_000)
    save(page, "offline-conflict-390")
    page.reload()  # the conflict waits on the device for the officer's choice: nothing was dropped
    expect(page.locator(".outbox-conflict")).to_contain_text("提交冲突", timeout=15_000)
    with site.session() as s:
        assert s.exec(select(Inspection).where(Inspection.case_id == case_id)).first() is None

    page.locator(".outbox-conflict").get_by_role("button", name="在最新版本上重新提交").click()
    expect(page.locator("#done")).to_contain_text("现场检查", timeout=20_000)
    with site.session() as s:
        inspection = s.exec(select(Inspection).where(Inspection.case_id == case_id)).one()
    assert inspection.findings == "地下室内有12名学生，黑板上写着物理题。"


def test_a_conflict_can_be_discarded(site: Site, browse) -> None:  # noqa: ANN001
    case_id, _ = new_assigned_case(site, 13, "晚上九点半还有小学生在上英语课。")
    b, page = ready_offline(site, browse, case_id)
    b.context.set_offline(True)
    page.reload()
    fill_inspection(page, "到场时已无学生。")
    _step(site.engine, None, Action.PAUSE_CLOCK, "education01", "2026-03-16 09:05", case_id, step="inspection",
          reason="等待核实")
    b.context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    expect(page.locator(".outbox-conflict")).to_contain_text("提交冲突", timeout=20_000)
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(".outbox-conflict").get_by_role("button", name="放弃此记录").click()
    expect(page.locator(".outbox-conflict")).to_have_count(0, timeout=15_000)
    assert page.evaluate("() => window.enforceOutbox.items().then(items => items.length)") == 0
    with site.session() as s:
        assert s.exec(select(Inspection).where(Inspection.case_id == case_id)).first() is None


def test_a_post_lost_to_a_dropping_network_is_kept_and_sent_later(site: Site, browse) -> None:  # noqa: ANN001
    """The phone believes it is online, but the post never reaches the server: the worker brings the
    officer back to the case, the draft kept on the device becomes an outbox item, sent later."""
    case_id, _ = new_assigned_case(site, 14, "周六在小区会所开设初三化学班。")
    b, page = ready_offline(site, browse, case_id)
    action = f"**/cases/{case_id}/actions/record_inspection"
    b.context.route(action, lambda route: route.abort("internetdisconnected"))
    fill_inspection(page, "会所内有9名初三学生，正在做化学实验题。", samples.photo_with_exif(), share_position=True)
    expect(page).to_have_url(f"{site.url}/cases/{case_id}?unsent=record_inspection", timeout=15_000)
    expect(page.locator("#outbox")).to_contain_text("网络中断", timeout=15_000)
    expect(page.locator("#outbox")).to_contain_text("本机待发送 1 项", timeout=15_000)
    with site.session() as s:
        assert s.exec(select(Inspection).where(Inspection.case_id == case_id)).first() is None
    b.context.unroute(action)
    page.evaluate("() => window.enforceOutbox.flush()")  # as on the next 'online' event or page load
    expect(page.locator("#done")).to_contain_text("现场检查", timeout=20_000)
    with site.session() as s:
        inspection = s.exec(select(Inspection).where(Inspection.case_id == case_id)).one()
        [row] = s.exec(select(CaseEvidence).where(CaseEvidence.case_id == case_id)).all()
    assert inspection.findings.startswith("会所内有9名初三学生") and row.latitude is not None


def test_the_app_is_installable_and_its_worker_covers_the_site(site: Site, browse) -> None:  # noqa: ANN001
    page = browse(390).login("education03")
    manifest = page.request.get(f"{site.url}/manifest.webmanifest")
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    body = manifest.json()
    assert body["name"] == "双减执法办案平台" and body["start_url"] == "/cases" and body["display"] == "standalone"
    for icon in body["icons"]:
        assert page.request.get(site.url + icon["src"]).headers["content-type"] == "image/png"
    worker = page.request.get(f"{site.url}/sw.js")
    assert worker.headers["service-worker-allowed"] == "/" and "javascript" in worker.headers["content-type"]
    assert page.locator("link[rel=manifest]").get_attribute("href") == "/manifest.webmanifest"
    assert "/cases" in page.request.get(f"{site.url}/offline/sync").json()["urls"]
    anonymous = browse(390).page().request.get(f"{site.url}/offline/sync", max_redirects=0)
    assert anonymous.status == 303  # signed-in staff only: the sync list is the officer's own work


def test_a_body_camera_video_goes_by_resumable_upload_from_the_form(site: Site, browse) -> None:  # noqa: ANN001
    """A video attached to the inspection goes through the vendored tus client (cookie session +
    CSRF header) and becomes evidence with the creation time its MP4 header carries."""
    case_id, _ = new_assigned_case(site, 15, "周六在写字楼内开设初一数学班。")
    b, page = ready_offline(site, browse, case_id)
    video = samples.mp4(1_773_621_667, bytes(range(256)) * 4096)  # 1 MB, created 2026-03-16 08:41:07 (UTC+8)
    details = page.locator("#act-record_inspection")
    details.locator(":scope > summary").click()
    form = details.locator("form")
    form.locator("textarea[name=findings]").fill("执法记录仪全程录像，现场有15名初一学生。")
    form.locator("#insp-photos").set_input_files([{"name": "DV_0316.mp4", "mimeType": "video/mp4", "buffer": video}])
    form.locator("button[type=submit]").click()
    expect(page.locator("#done")).to_contain_text("现场检查", timeout=20_000)
    sha = hashlib.sha256(video).hexdigest()
    with site.session() as s:
        [row] = s.exec(select(CaseEvidence).where(CaseEvidence.case_id == case_id)).all()
        inspection = s.exec(select(Inspection).where(Inspection.case_id == case_id)).one()
    assert (row.sha256, row.content_type, row.capture_source) == (sha, "video/mp4", "mp4")
    assert row.captured_at == datetime(2026, 3, 16, 0, 41, 7, tzinfo=UTC)
    assert [e["sha256"] for e in inspection.evidence] == [sha]
    stored = page.request.get(f"{site.url}/cases/{case_id}/evidence/{sha}")
    assert stored.status == 200 and stored.body() == video
    expect(page.locator(".evidence-list")).to_contain_text("视频", timeout=15_000)
