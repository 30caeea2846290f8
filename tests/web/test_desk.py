"""Desk work in a real browser (issue 12, items 2–4): the supervisor's board one row per case with
tiles that agree with the case list and the statistics, assignment by explicit choice and
confirmation (one case or many), exports and print; the 法制审核 queue, form and history; a 督办单
issued by hand and answered; the 待办 inbox with its header count; and the messages the actions send,
delivered to fake 企业微信 / 钉钉 / SMS servers on 127.0.0.1 (with a retry and a dead channel).

The module adds its own cases to the shared county (two fresh complaints, a penalty case waiting
for 法制审核), so the other browser tests' cases are left as they expect them.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlmodel import Session, select

from api.messaging import Deliverer
from cases import queries, repository
from cases import service as case_service
from cases.actions import Action
from cases.channels import dingtalk_signed
from cases.enums import CaseStatus, Channel, PenaltyStep
from cases.models import Case, Department, Institution, MessageChannel, MessageDelivery, Penalty, SupervisionOrder
from documents.storage import FileDocumentStore
from tests.integration.conftest import at
from tests.web.conftest import ARTEFACTS, ROOT, Site
from tests.web.seed import NOW, _ctx, _ids, _step
from tests.web.test_pages import open_action
from tests.web.test_screenshots import check, compact, save

pytestmark = pytest.mark.integration
MESSAGES_REPORT = ROOT / "test-artifacts" / "messages.txt"


# --- fake channels on 127.0.0.1 -------------------------------------------------------------------


@dataclass
class FakeChannel:
    """An HTTP server that answers like a robot webhook or an SMS gateway and keeps what it got."""

    kind: str
    fail_first: int = 0  # answer HTTP 500 to the first N requests (to exercise the retries)
    received: list[dict] = field(default_factory=list)
    queries: list[dict] = field(default_factory=list)
    headers: list[dict] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/send?key=robot"

    def start(self) -> FakeChannel:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
                if fake.fail_first > 0:
                    fake.fail_first -= 1
                    self.send_response(500)
                    self.end_headers()
                    return
                fake.received.append(body)
                fake.queries.append(parse_qs(urlparse(self.path).query))
                fake.headers.append(dict(self.headers))
                answer = {"code": 0, "message": "ok"} if fake.kind == "sms" else {"errcode": 0, "errmsg": "ok"}
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def texts(self) -> list[str]:
        return [b.get("content") or b.get("text", {}).get("content", "") for b in self.received]

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


@dataclass
class Desk:
    site: Site
    cases: dict[str, int]
    numbers: dict[str, str]
    wecom: FakeChannel
    dingtalk: FakeChannel
    sms: FakeChannel
    city: FakeChannel  # the city bureau's 企业微信 robot: fails once, then accepts
    dead_channel_id: int


def _dept(s: Session, name: str) -> Department:
    return s.exec(select(Department).where(Department.name == name)).one()


def _complaint(engine, store, index: int, when: str, text: str, code: str) -> Case:  # noqa: ANN001
    with Session(engine) as s:
        inst = s.exec(select(Institution).order_by(Institution.id).offset(index)).first()
    data = case_service.ComplaintIn(
        channel=Channel.HOTLINE_12345, content=f"{inst.name}{text}", region_code=inst.region_code,
        violation_codes=(code,), reported_name=inst.name, reported_address=inst.address,
        complainant_name="李四海", complainant_phone="13987654321")
    with Session(engine, expire_on_commit=False) as s:
        return case_service.receive_complaint(s, _ctx(engine, store, None, when), data).case


@pytest.fixture(scope="module")
def desk(site: Site, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    engine, store = site.engine, FileDocumentStore(tmp_path_factory.mktemp("desk-docs"))
    out: dict[str, int] = {}
    for key, index, when in (("bulk1", 12, "2026-03-04 10:00"), ("bulk2", 13, "2026-03-04 11:00")):
        out[key] = _complaint(engine, store, index, when, "周六上午给初中生上数学课。", "rest_day_training").id
    review = _complaint(engine, store, 14, "2026-02-16 09:00", "寒假期间开设初三数学集训班，约三十人。",
                        "rest_day_training").id
    team = _ids(engine, "education03", "education04")
    _step(engine, store, Action.ASSIGN, "education01", "2026-02-16 15:00", review, officer_ids=team)
    _step(engine, store, Action.RECORD_INSPECTION, "education03", "2026-02-17 10:00", review, officer_ids=team,
          findings="现场查看课程表和学员名册，二十八名初三学生在上数学课。", violation_codes=["rest_day_training"])
    _step(engine, store, Action.OPEN_PENALTY, "education01", "2026-02-18 10:00", review,
          penalty=[{"type": "warning"}, {"type": "stop_enrolment"},
                   {"type": "confiscate_income", "amount_yuan": 20000}],
          gravity="serious", income_collected_yuan=20000)  # 53号令 art. 21, 情节严重
    _step(engine, store, Action.COLLECTIVE_DISCUSSION, "education01", "2026-02-19 10:00", review,
          summary="同意立案处罚", participants=["局长", "副局长"])
    notice = _step(engine, store, Action.ISSUE_PENALTY_NOTICE, "education03", "2026-02-20 10:00", review)
    _step(engine, store, Action.RECORD_SERVICE, "education03", "2026-02-20 15:00", review, document_id=notice.id,
          method="direct", served_on=date(2026, 2, 20), recipient="法定代表人")
    _step(engine, store, Action.CLOSE_STATEMENT_WINDOW, "education03", "2026-03-02 10:00", review,
          hearing_requested=False)
    out["review"] = review
    with Session(engine) as s:
        numbers = {k: s.get(Case, v).case_number for k, v in out.items()}
        penalty = s.exec(select(Penalty).where(Penalty.case_id == review)).one()
        assert penalty.review_required, "the seeded penalty needs a 法制审核 (53号令 art. 33)"
    wecom, dingtalk, sms = FakeChannel("wecom").start(), FakeChannel("dingtalk").start(), FakeChannel("sms").start()
    city = FakeChannel("wecom", fail_first=1).start()
    with Session(engine, expire_on_commit=False) as s:
        county, town = _dept(s, "息烽县教育局"), _dept(s, "贵阳市教育局")
        dead = MessageChannel(department_id=county.id, kind="wecom", url="http://127.0.0.1:9/unreachable")
        s.add_all([MessageChannel(department_id=county.id, kind="wecom", url=wecom.url),
                   MessageChannel(department_id=county.id, kind="dingtalk", url=dingtalk.url, secret="SEC-robot-1"),
                   MessageChannel(department_id=county.id, kind="sms", url=sms.url, secret="gateway-key-1",
                                  recipients=["13900000001", "13900000002"]),
                   MessageChannel(department_id=town.id, kind="wecom", url=city.url), dead])
        s.commit()
        dead_id = dead.id
    previous = site.app.state.deliver_messages
    site.app.state.deliver_messages = Deliverer(engine, background=False, sleep=lambda _s: None)
    yield Desk(site, out, numbers, wecom, dingtalk, sms, city, dead_id)
    site.app.state.deliver_messages = previous
    with Session(engine) as s:  # later browser tests in the session send nothing to these channels
        for row in s.exec(select(MessageChannel)).all():
            row.active = False
            s.add(row)
        s.commit()
    _write_report(site, wecom, dingtalk, sms, city)
    for fake in (wecom, dingtalk, sms, city):
        fake.stop()


def _write_report(site: Site, *fakes: FakeChannel) -> None:
    lines = []
    for fake in fakes:
        for text in fake.texts():
            lines.append(f"{fake.kind} {fake.url.split('/send')[0]}: {text}")
    with Session(site.engine) as s:
        for row in s.exec(select(MessageDelivery).order_by(MessageDelivery.id)).all():
            lines.append(f"log #{row.id} channel {row.channel_id} {row.topic} {row.state} attempts={row.attempts}"
                         + (f" error={row.last_error}" if row.last_error else ""))
    MESSAGES_REPORT.parent.mkdir(parents=True, exist_ok=True)
    MESSAGES_REPORT.write_text("\n".join(lines) + "\n", encoding="utf-8")


def screenshots(browse, site: Site, username: str, pages: list[tuple[str, str]],  # noqa: ANN001
                overwrite: bool = False) -> None:
    """Each page at 390 px and 1280 px (one sign-in per width), checked like test_screenshots' pages."""
    for width in (390, 1280):
        page = browse(width).login(username)
        for path, name in pages:
            page.goto(site.url + path)
            check(page, width)
            save(page, f"{name}-{width}")
            if overwrite:
                compact((ARTEFACTS / f"{name}-{width}.png").read_bytes(),
                        Path(ROOT / "docs" / "screenshots" / f"{name}-{width}.png"))


# --- item 3: the board ----------------------------------------------------------------------------


def test_the_board_has_one_row_per_case_and_its_tiles_open_the_same_cases(browse, desk: Desk) -> None:
    site = desk.site
    page = browse().login("education01")
    page.goto(site.url + "/board")
    numbers = page.locator("tr.board-row").evaluate_all("rows => rows.map(r => r.dataset.case)")
    assert numbers and len(numbers) == len(set(numbers)), "one row per case"
    assert desk.numbers["bulk1"] in numbers
    row = page.locator(f"tr.board-row[data-case='{site.seeded.numbers['late']}']")
    expect(row).to_contain_text("督办")
    tiles = {}
    for label in ("已逾期", "今日到期", "即将到期", "已督办"):
        tile = page.locator(".kpi-link", has=page.locator(f".label:text-is('{label}')"))
        tiles[label] = (int(tile.locator(".value").inner_text().rstrip("件")), tile.get_attribute("href"))
    assert tiles["已逾期"][0] >= 3  # the seeded overdue assignment and the two fresh complaints
    for count, href in tiles.values():
        page.goto(site.url + href)
        expect(page.locator("#list-title .count")).to_contain_text(f"共 {count} 件")
    with Session(site.engine) as s:  # the statistics' overdue cases are the board's overdue cases
        regions = repository.subtree_codes(s, "520122")
        today = at(NOW).date()
        figures = queries.statistics(s, regions, start=today.replace(day=1), end=today, today=today,
                                     zone=at(NOW).tzinfo)
    assert sum(f.overdue_cases for f in figures) == tiles["已逾期"][0]


def test_assignment_needs_an_explicit_choice_and_a_confirmation_and_goes_in_bulk(browse, desk: Desk) -> None:
    site = desk.site
    page = browse().login("education01")
    page.goto(site.url + "/board")
    expect(page.locator("#lead")).to_have_value("")  # nothing pre-filled
    expect(page.locator("#second")).to_have_value("")
    assert "在办" in page.locator("#lead option").nth(1).inner_text()  # each officer's load is shown
    for key in ("bulk1", "bulk2"):
        page.locator(f"tr.board-row[data-case='{desk.numbers[key]}'] input[name=case_ids]").check()
    page.click("text=分派勾选的案件…")
    expect(page.locator("h1")).to_have_text("填写有误")
    expect(page.locator(".lead")).to_contain_text("请选择承办人和协办人")
    page.go_back()
    page.goto(site.url + "/board")
    for key in ("bulk1", "bulk2"):
        page.locator(f"tr.board-row[data-case='{desk.numbers[key]}'] input[name=case_ids]").check()
    lead, second = _ids(site.engine, "education05", "education06")
    page.select_option("#lead", str(lead))
    page.select_option("#second", str(second))
    page.click("text=分派勾选的案件…")
    expect(page.locator("h1")).to_have_text("确认分派")
    expect(page.locator(".confirm-list")).to_contain_text(desk.numbers["bulk1"])
    with Session(site.engine) as s:
        assert s.get(Case, desk.cases["bulk1"]).status is CaseStatus.RECEIVED  # nothing until confirmed
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 844 if width < 600 else 900})
        save(page, f"board-confirm-{width}")
    page.click("button:text('确认分派')")
    expect(page.locator("h1")).to_have_text("分派结果")
    expect(page.locator("[role=status]")).to_contain_text("已分派")
    with Session(site.engine) as s:
        for key in ("bulk1", "bulk2"):
            case = s.get(Case, desk.cases[key])
            assert case.status is CaseStatus.ASSIGNED and case.team_officer_ids == [lead, second]
    texts = desk.wecom.texts()
    assert any(desk.numbers["bulk1"] in t and "已分派" in t for t in texts)
    assert desk.dingtalk.queries and "sign" in desk.dingtalk.queries[-1] and "timestamp" in desk.dingtalk.queries[-1]
    assert desk.sms.received[-1]["phones"] == ["13900000001", "13900000002"]
    assert desk.sms.headers[-1].get("Authorization") == "Bearer gateway-key-1"
    for text in texts + desk.dingtalk.texts() + desk.sms.texts():
        assert "李四海" not in text and "13987654321" not in text, "no complainant data in messages"
    with Session(site.engine) as s:
        dead = s.exec(select(MessageDelivery).where(MessageDelivery.channel_id == desk.dead_channel_id)).all()
    assert dead and all(d.state == "failed" and d.attempts == 3 and d.last_error for d in dead)


def test_the_board_and_the_case_list_export_to_excel_and_print(browse, desk: Desk) -> None:
    site = desk.site
    page = browse().login("education01")
    page.goto(site.url + "/board")
    with page.expect_download() as download:
        page.click("a:text('导出 Excel')")
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    assert sheet["A4"].value == "案件编号" and sheet["F4"].value == "最紧急环节"
    exported = [sheet.cell(r, 1).value for r in range(5, sheet.max_row + 1)]
    assert len(exported) == len(set(exported)) == page.locator("tr.board-row").count()
    page.emulate_media(media="print")
    expect(page.locator("header.topbar")).to_be_hidden()
    expect(page.locator("tr.board-row").first).to_be_visible()
    page.emulate_media(media="screen")
    page.goto(site.url + "/cases?scope=all&overdue=1")
    with page.expect_download() as download:
        page.click("a:text('导出 Excel')")
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    total = int(page.locator("#list-title .count").inner_text().split("共 ")[1].split(" 件")[0])
    assert sheet.max_row - 4 == total and sheet["A4"].value == "案件编号"
    screenshots(browse, site, "education01", [("/board", "board")], overwrite=True)


# --- item 2: 法制审核 -------------------------------------------------------------------------------


def test_the_legal_reviewer_works_the_queue_with_the_six_points_and_sees_the_history(browse, desk: Desk) -> None:
    site = desk.site
    number, case_id = desk.numbers["review"], desk.cases["review"]
    page = browse().login("education02")
    expect(page.locator(".mainnav")).to_contain_text("法制审核")
    page.goto(site.url + "/reviews")
    row = page.locator(f"tr[data-case='{number}']")
    expect(row).to_contain_text("首次审核")
    assert int(page.locator("#review-total").inner_text().rstrip("件")) >= 1
    expect(page.locator(".todo-link .badge")).not_to_have_text("0")
    screenshots(browse, site, "education02", [("/reviews", "reviews")])
    row.locator("a:text('审核')").click()
    form = page.locator("#act-legal_review form")
    expect(form.locator("legend", has_text="审核要点")).to_be_visible()  # the link opened the form
    for label in ("主体", "事实", "证据", "程序", "法律适用", "裁量"):
        expect(form.locator("label", has_text=label).first).to_be_visible()
    form.locator("input[name=outcome][value=returned]").check()
    form.locator("#review-on_subject").fill("执法主体合法，执法人员均持有效执法证。")
    form.locator("#review-on_evidence").fill("缺少学员家长询问笔录，收费凭证未核对原件。")
    form.locator("#review-opinion").fill("证据不足，退回补充调查。")
    page.once("dialog", lambda dialog: dialog.accept())
    form.locator("button[type=submit]").click()
    expect(page.locator("[role=alert]").first).to_contain_text("应当写明理由")
    form = open_action(page, "legal_review")
    form.locator("input[name=outcome][value=returned]").check()
    form.locator("#review-reasons").fill("补充家长询问笔录，核对收费凭证原件。")
    form.locator("#review-opinion").fill("证据不足，退回补充调查。")
    form.locator("#review-on_evidence").fill("缺少学员家长询问笔录，收费凭证未核对原件。")
    page.once("dialog", lambda dialog: dialog.accept())
    form.locator("button[type=submit]").click()
    history = page.locator("#review-history")
    expect(history).to_contain_text("退回补充调查")
    expect(history).to_contain_text("证据：缺少学员家长询问笔录")
    expect(history).to_contain_text("理由：补充家长询问笔录")
    with Session(site.engine) as s:
        penalty = s.exec(select(Penalty).where(Penalty.case_id == case_id)).one()
        assert penalty.reviews[-1]["points"]["on_evidence"].startswith("缺少")
        assert s.get(Case, case_id).penalty_step is PenaltyStep.LEGAL_REVIEW
    page.goto(site.url + "/reviews")
    expect(page.locator(f"tr[data-case='{number}']")).to_contain_text("退回后再次审核")
    page.goto(f"{site.url}/cases/{case_id}#review-history")
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 844 if width < 600 else 900})
        save(page, f"case-review-{width}")


# --- item 3: 督办单; item 4: 待办 ---------------------------------------------------------------------


def test_a_hand_issued_supervision_order_reaches_the_unit_which_answers(browse, desk: Desk) -> None:
    site = desk.site
    number = site.seeded.numbers["notice"]
    city = browse().login("筑教01")
    city.goto(site.url + "/supervision")
    city.fill("#case_number", number)
    city.select_option("#to_department_id", label="息烽县教育局")
    city.fill("#due_date", "2026-03-10")  # in the past: refused, in Chinese
    city.fill("#requirement", "请于期限内完成复查并报送整改情况。")
    city.click("main button:text('签发')")
    expect(city.locator("[role=alert]")).to_contain_text("督办期限须在今天之后")
    city.fill("#due_date", "2026-03-25")
    city.click("main button:text('签发')")
    expect(city.locator("[role=status]")).to_contain_text("已签发")
    assert any(number in t and "督办单" in t for t in desk.wecom.texts())

    county = browse().login("education01")
    badge = int(county.locator(".todo-link .badge").inner_text())
    county.goto(site.url + "/inbox")
    expect(county.locator("#supervision")).to_contain_text(number)
    expect(county.locator("#supervision")).to_contain_text("2026年3月25日前反馈")
    counts = county.locator(".inbox-counts")
    assert badge == sum(int(counts.locator(f"a[href='#{k}'] .value").inner_text().rstrip("项件"))
                        for k in ("overdue", "due-soon", "supervision", "reviews", "whistles"))
    screenshots(browse, site, "education01", [("/inbox", "inbox")])
    county.goto(site.url + "/supervision")
    order = county.locator("article.order", has_text=number)
    order.locator("textarea").fill("已于3月17日完成复查，机构已整改到位。")
    order.locator("button:text('提交反馈')").click()
    expect(county.locator("[role=status]")).to_contain_text("已反馈")
    city.goto(site.url + "/supervision")
    expect(city.locator("table")).to_contain_text("已于3月17日完成复查")
    screenshots(browse, site, "筑教01", [("/supervision", "supervision")])
    assert any("已反馈督办单" in t for t in desk.city.texts())  # after one refused attempt
    with Session(site.engine) as s:
        order_row = s.exec(select(SupervisionOrder).where(SupervisionOrder.feedback != "")).first()
        feedback_log = s.exec(select(MessageDelivery).where(MessageDelivery.topic == "feedback")).one()
        events = repository.list_events(s, site.seeded.cases["notice"])
    assert order_row.due_date == date(2026, 3, 25)
    assert feedback_log.state == "sent" and feedback_log.attempts == 2
    kinds = [e.payload.get("kind") for e in events if e.payload.get("kind") in ("督办单", "督办反馈")]
    assert kinds == ["督办单", "督办反馈"]


def test_an_officers_inbox_lists_their_due_steps(browse, desk: Desk) -> None:
    site = desk.site
    page = browse(390).login("education03")
    expect(page.locator(".todo-link")).to_be_visible()
    page.click(".todo-link")
    expect(page.locator("h1")).to_have_text("待办")
    assigned = page.locator("#assigned")
    expect(assigned).to_contain_text(site.seeded.numbers["reveal"])
    expect(page.locator("#reviews")).to_contain_text("没有待您审核的案件")


def test_the_dingtalk_signature_is_the_documented_hmac() -> None:
    import base64
    import hashlib
    import hmac
    from datetime import UTC, datetime

    url = dingtalk_signed("http://127.0.0.1:1/robot/send?access_token=t", "SEC1", datetime(2026, 3, 16, 1, tzinfo=UTC))
    query = parse_qs(urlparse(url).query)
    stamp = query["timestamp"][0]
    expected = base64.b64encode(hmac.new(b"SEC1", f"{stamp}\nSEC1".encode(), hashlib.sha256).digest()).decode()
    assert stamp == "1773622800000" and query["sign"][0] == expected and query["access_token"] == ["t"]
