"""Use cases end to end on SQLite and PostgreSQL, with real PDFs, clocks and the event log."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from cases import lifecycle, repository
from cases import service as case_service
from cases.actions import Action
from cases.audit import verify_chain
from cases.enums import CaseStatus, CloseReason, DecisionOutcome, DocumentType, PenaltyStep, ServiceMethod
from cases.errors import InvalidTransition, NotAuthorised, NotFound, RuleViolation, StaleVersion, ValidationFailed
from cases.models import Case, CaseEvent, Complaint, Deadline, Document
from tests.integration.conftest import County, at, complaint

pytestmark = pytest.mark.integration


def _receive(county: County, when: str = "2026-03-02 09:30", index: int = 0, **kw) -> Case:  # noqa: ANN003
    ctx, data = county.ctx(county.intake_actor(), at(when)), complaint(county.institution(index), **kw)
    with county.session() as s:
        return case_service.receive_complaint(s, ctx, data).case


def _case(county: County, case_id: int) -> Case:
    with county.session() as s:
        return s.get(Case, case_id)


def _run(county: County, fn, username: str, when: str, case_id: int, **kw):  # noqa: ANN001, ANN003, ANN201
    # SQLite sessions take the write lock at BEGIN: never open a second one inside the first
    ctx = county.ctx(county.actor(username, at(when)), at(when))
    version = _case(county, case_id).version
    with county.session() as s:
        return case_service.act(fn, s, ctx, case_id=case_id, version=version, **kw)


def _inspected(county: County, index: int = 0) -> Case:
    case = _receive(county, index=index)
    _run(county, Action.ASSIGN, "education01", "2026-03-03 10:00", case.id,
         officer_ids=county.team("education03", "education04"))
    _run(county, Action.RECORD_INSPECTION, "education03", "2026-03-07 10:00", case.id,
         officer_ids=county.team("education03", "education04"), findings="周六上午发现23名初中生在上数学课。",
         violation_codes=["rest_day_training"])
    return _case(county, case.id)


def _events(county: County, case_id: int) -> list[CaseEvent]:
    with county.session() as s:
        return list(repository.list_events(s, case_id))


def test_rectification_path_closes_and_the_log_replays(county: County) -> None:
    case = _inspected(county)
    doc = _run(county, Action.ISSUE_RECTIFICATION, "education03", "2026-03-09 10:00", case.id)
    assert doc.number == "息教责改〔2026〕1号"
    _run(county, Action.RECORD_SERVICE, "education03", "2026-03-10 10:00", case.id, document_id=doc.id,
         method=ServiceMethod.DIRECT, served_on=date(2026, 3, 10), recipient="负责人李某")
    with county.session() as s:
        rect = repository.open_deadline(s, case.id, "rectification")
        assert rect.due_date == date(2026, 3, 25)  # 15 natural days from service (a Wednesday)
        assert repository.open_deadline(s, case.id, "reinspection").due_date == date(2026, 4, 1)
    _run(county, Action.RECORD_REINSPECTION, "education04", "2026-03-26 10:00", case.id,
         officer_ids=county.team("education03", "education04"), findings="已停止周末学科类培训。", rectified=True)
    final = _case(county, case.id)
    assert final.status is CaseStatus.CLOSED and final.close_reason == "rectified"
    events = _events(county, case.id)
    assert verify_chain(events) is None
    history = [(e.event_type.value, e.from_status, e.to_status) for e in events if e.to_status]
    assert lifecycle.replay(history) is CaseStatus.CLOSED
    with county.session() as s:
        assert not repository.open_deadlines(s, case.id)


def _penalty_case(county: County) -> Case:
    case = _inspected(county)
    _run(county, Action.OPEN_PENALTY, "education01", "2026-03-09 10:00", case.id,
         penalty=[{"type": "warning"}, {"type": "stop_enrolment"}, {"type": "confiscate_income", "amount_yuan": 20000}],
         gravity="serious", income_collected_yuan=20000)  # 53号令 art. 21, 情节严重
    return _case(county, case.id)


def test_penalty_path_in_legal_order(county: County) -> None:
    case = _penalty_case(county)
    assert case.status is CaseStatus.PENALTY and case.penalty_step is PenaltyStep.FILED
    with county.session() as s:  # 立案 from `inspected` issued the correction order with it (art. 32)
        assert repository.latest_document(s, case.id, DocumentType.RECTIFICATION_NOTICE) is not None
        assert repository.penalty_of(s, case.id).hearing_offered  # 责令停止招收学员 (53号令 art. 30)
    with pytest.raises(RuleViolation) as refused:
        _run(county, Action.ISSUE_PENALTY_NOTICE, "education03", "2026-03-10 10:00", case.id)
    assert refused.value.code == "collective_discussion_first"
    _run(county, Action.COLLECTIVE_DISCUSSION, "education01", "2026-03-10 10:00", case.id, summary="同意",
         participants=["局长", "副局长"])
    notice = _run(county, Action.ISSUE_PENALTY_NOTICE, "education03", "2026-03-11 10:00", case.id)
    _run(county, Action.RECORD_SERVICE, "education03", "2026-03-11 15:00", case.id, document_id=notice.id,
         method=ServiceMethod.DIRECT, served_on=date(2026, 3, 11), recipient="法定代表人")
    with pytest.raises(RuleViolation) as early:  # the 5-working-day window runs to 3-18
        _run(county, Action.CLOSE_STATEMENT_WINDOW, "education03", "2026-03-18 10:00", case.id,
             hearing_requested=True)
    assert early.value.code == "statement_window_open"
    with pytest.raises(InvalidTransition):  # no decision before the statement window closes (undeclared)
        _run(county, Action.DECIDE, "education01", "2026-03-18 10:00", case.id, outcome=DecisionOutcome.PENALTY)
    _run(county, Action.CLOSE_STATEMENT_WINDOW, "education03", "2026-03-19 10:00", case.id,
         hearing_requested=True, hearing_requested_on=date(2026, 3, 16))  # within 5 working days (art. 30)
    hearing_notice = _run(county, Action.ISSUE_HEARING_NOTICE, "education02", "2026-03-19 10:00", case.id,
                          hearing_on=date(2026, 3, 30), place="本局会议室")
    _run(county, Action.RECORD_SERVICE, "education03", "2026-03-19 15:00", case.id, document_id=hearing_notice.id,
         method=ServiceMethod.DIRECT, served_on=date(2026, 3, 19), recipient="法定代表人")
    with pytest.raises(RuleViolation) as too_soon:  # 7 working days after the 听证通知书 (art. 64(二))
        _run(county, Action.HOLD_HEARING, "education02", "2026-03-27 10:00", case.id, summary="听证")
    assert too_soon.value.code == "hearing_notice_too_late"
    _run(county, Action.HOLD_HEARING, "education02", "2026-03-30 10:00", case.id, summary="听证")
    with pytest.raises(RuleViolation) as unreviewed:
        _run(county, Action.DECIDE, "education01", "2026-03-31 10:00", case.id, outcome=DecisionOutcome.PENALTY)
    assert unreviewed.value.code == "legal_review_missing"
    _run(county, Action.LEGAL_REVIEW, "education02", "2026-03-31 10:00", case.id, outcome="passed",
         opinion="同意")
    decision = _run(county, Action.DECIDE, "education01", "2026-03-31 15:00", case.id,
                    outcome=DecisionOutcome.PENALTY)
    _run(county, Action.RECORD_SERVICE, "education03", "2026-03-31 16:00", case.id, document_id=decision.id,
         method=ServiceMethod.DIRECT, served_on=date(2026, 3, 31), recipient="法定代表人")
    with pytest.raises(RuleViolation):  # not executed yet
        _run(county, Action.CLOSE_PENALTY, "education01", "2026-04-01 10:00", case.id)
    _run(county, Action.RECORD_EXECUTION, "education03", "2026-04-10 10:00", case.id, paid_on=date(2026, 4, 9))
    with pytest.raises(RuleViolation) as unpublished:
        _run(county, Action.CLOSE_PENALTY, "education01", "2026-04-10 11:00", case.id)
    assert unpublished.value.code == "not_published"
    _run(county, Action.PUBLISH, "education03", "2026-04-10 12:00", case.id, published_on=date(2026, 4, 10))
    closed = _run(county, Action.CLOSE_PENALTY, "education01", "2026-04-13 10:00", case.id)
    assert closed.status is CaseStatus.CLOSED and closed.close_reason == "penalty_executed"
    events = _events(county, case.id)
    assert verify_chain(events) is None
    assert [e.event_type.value for e in events][-11:] == [
        "serve_penalty_notice", "close_statement_window", "issue_hearing_notice", "record_service", "hold_hearing",
        "legal_review", "decide", "serve_decision", "execute", "publish", "close_penalty"]


def test_refused_action_writes_nothing(county: County) -> None:
    case = _receive(county)
    before = (_case(county, case.id).version, len(_events(county, case.id)))
    expired = county.team("market12")  # the last market officer's 执法证 lapsed
    with pytest.raises(RuleViolation) as refused:
        _run(county, Action.ASSIGN, "education01", "2026-03-03 10:00", case.id,
             officer_ids=county.team("education03") + expired)
    assert refused.value.code == "team_needs_two_certified"
    assert (_case(county, case.id).version, len(_events(county, case.id))) == before


def test_stale_version_is_a_conflict(county: County) -> None:
    case = _receive(county)
    ctx = county.ctx(county.actor("education01"), at("2026-03-03 10:00"))
    team = county.team("education03", "education04")
    with county.session() as s:
        case_service.act(Action.ASSIGN, s, ctx, case_id=case.id, version=case.version, officer_ids=team)
    with county.session() as s, pytest.raises(StaleVersion) as stale:
        case_service.act(Action.ASSIGN, s, ctx, case_id=case.id, version=case.version, officer_ids=team)
    assert stale.value.current == case.version + 1


def test_jurisdiction_and_roles(county: County) -> None:
    case = _receive(county)
    township = county.actor("永靖01")
    other_town = case.region_code != "520122100"
    if other_town:
        with county.session() as s, pytest.raises(NotFound):
            case_service.act(Action.ASSIGN, s, county.ctx(township, at("2026-03-03 10:00")), case_id=case.id,
                                     version=case.version, officer_ids=[])
    with county.session() as s, pytest.raises(NotAuthorised):
        case_service.act(Action.ASSIGN, s, county.ctx(county.actor("education03"), at("2026-03-03 10:00")),
                                 case_id=case.id, version=case.version, officer_ids=[])


def test_intake_is_idempotent_and_merges_by_institution(county: County) -> None:
    ctx = county.ctx(county.intake_actor(), at("2026-03-02 09:00"))
    inst = county.institution(3)
    with county.session() as s:
        first = case_service.receive_complaint(s, ctx, complaint(inst), idempotency_key="k-1")
        again = case_service.receive_complaint(s, ctx, complaint(inst), idempotency_key="k-1")
        assert again.replayed and again.complaint.id == first.complaint.id
        other = case_service.receive_complaint(s, ctx, complaint(inst, code="late_training"))
        assert other.merged and other.case.id == first.case.id
        assert set(other.case.violation_codes) == {"rest_day_training", "late_training"}
        assert len(s.exec(select(Complaint)).all()) == 2
    with county.session() as s, pytest.raises(ValidationFailed):
        case_service.receive_complaint(s, ctx, complaint(inst, content="短"))


def test_dismiss_needs_a_reason_and_closes_clocks(county: County) -> None:
    case = _receive(county)
    with pytest.raises(RuleViolation):
        _run(county, Action.DISMISS, "education01", "2026-03-03 10:00", case.id,
             reason=CloseReason.TRANSFERRED)
    _run(county, Action.DISMISS, "education01", "2026-03-03 10:00", case.id,
         reason=CloseReason.TRANSFERRED, transferred_to="县人社局")
    with county.session() as s:
        assert not repository.open_deadlines(s, case.id)


def test_pause_and_resume_extend_the_clock(county: County) -> None:
    case = _receive(county)
    with county.session() as s:
        due = repository.open_deadline(s, case.id, "inspection").due_date
    assert due == date(2026, 3, 23)  # 15 working days after Monday 2026-03-02
    _run(county, Action.PAUSE_CLOCK, "education01", "2026-03-04 10:00", case.id, step="inspection",
         reason="等待鉴定")
    resumed = _run(county, Action.RESUME_CLOCK, "education01", "2026-03-09 10:00", case.id, step="inspection")
    assert resumed.due_date == date(2026, 3, 26)  # paused Wed–Fri: three working days more


def test_provisional_deadline_recomputed_when_the_year_is_loaded(county: County, tmp_path) -> None:  # noqa: ANN001
    from pathlib import Path

    from cases.settings import FixedClock

    case = _receive(county, when="2026-12-21 09:00")
    with county.session() as s:
        row = repository.open_deadline(s, case.id, "inspection")
        assert row.provisional and row.due_date.year == 2027
    calendar = _calendar_with(Path(__file__).parents[1] / "data" / "calendar_2027_invented.toml")
    with county.session() as s:
        changed = case_service.recompute_provisional_deadlines(s, calendar=calendar,
                                                               clock=FixedClock(at("2026-12-22 08:00")))
        row = repository.open_deadline(s, case.id, "inspection")
    assert changed >= 1 and not row.provisional
    assert verify_chain(_events(county, case.id)) is None


def _calendar_with(year_file):  # noqa: ANN001, ANN202
    import shutil
    import tempfile
    from pathlib import Path

    from cases.calendar import load_calendar
    from cases.settings import get_settings

    folder = Path(tempfile.mkdtemp())
    shutil.copy(year_file, folder / "2027.toml")
    return load_calendar(get_settings().calendar_dir, folder)


def test_document_numbers_are_gapless_per_authority_type_year(county: County) -> None:
    numbers = []
    for index in range(3):
        case = _receive(county, index=index)
        _run(county, Action.ASSIGN, "education01", "2026-03-03 10:00", case.id,
             officer_ids=county.team("education03", "education04"))
        _run(county, Action.RECORD_INSPECTION, "education03", "2026-03-07 10:00", case.id,
             officer_ids=county.team("education03", "education04"), findings="发现违规。",
             violation_codes=["rest_day_training"])
        numbers.append(_run(county, Action.ISSUE_RECTIFICATION, "education03", "2026-03-09 10:00",
                            case.id).number)
    assert numbers == [f"息教责改〔2026〕{n}号" for n in (1, 2, 3)]
    with county.session() as s:
        assert len(s.exec(select(Document)).all()) == 9  # each 现场检查笔录, each notice with its 送达回证
        assert all(d.provisional is False for d in s.exec(select(Deadline)).all())


def test_no_complainant_data_in_documents_to_the_institution(county: County) -> None:
    import subprocess

    from cases.ports import DocumentRef
    from documents.storage import FileDocumentStore

    name, phone = "欧阳举报", "13900001111"
    case = _receive(county, complainant_name=name, complainant_phone=phone,
                    content=f"我是{name}，电话{phone}，某机构周末给初中生上数学课。")
    team = county.team("education03", "education04")
    _run(county, Action.ASSIGN, "education01", "2026-03-03 10:00", case.id, officer_ids=team)
    _run(county, Action.RECORD_INSPECTION, "education03", "2026-03-07 10:00", case.id, officer_ids=team,
         findings="周六上午发现23名初中生在上数学课。", violation_codes=["rest_day_training"])
    _run(county, Action.OPEN_PENALTY, "education01", "2026-03-09 10:00", case.id,
         penalty=[{"type": "warning"}, {"type": "confiscate_income", "amount_yuan": 8000}], income_collected_yuan=8000)
    notice = _run(county, Action.ISSUE_PENALTY_NOTICE, "education03", "2026-03-10 10:00", case.id)
    _run(county, Action.RECORD_SERVICE, "education03", "2026-03-10 11:00", case.id, document_id=notice.id,
         method=ServiceMethod.DIRECT, served_on=date(2026, 3, 10), recipient="负责人")
    _run(county, Action.CLOSE_STATEMENT_WINDOW, "education03", "2026-03-18 10:00", case.id,
         hearing_requested=False)
    _run(county, Action.DECIDE, "education01", "2026-03-19 10:00", case.id, outcome=DecisionOutcome.PENALTY)
    with county.session() as s:
        docs = repository.case_documents(s, case.id)
        assert {d.doc_type for d in docs} >= {DocumentType.RECTIFICATION_NOTICE, DocumentType.PENALTY_NOTICE,
                                              DocumentType.PENALTY_DECISION, DocumentType.SERVICE_RECEIPT}
    store = FileDocumentStore(county.store_root)
    for doc in docs:
        pdf = store.get(DocumentRef(doc.path, doc.sha256, doc.size))
        text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
        if doc.doc_type is not DocumentType.SERVICE_RECEIPT:  # a 送达回证 prints the served document's number
            assert doc.number in text.replace(" ", "")
        assert name not in text and phone not in text and "我是" not in text
