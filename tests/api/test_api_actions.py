"""Whole paths through the HTTP actions: rectification with evidence and documents, the penalty
procedure in legal order (with the legal reviewer), clocks paused and resumed, dismissal."""

from __future__ import annotations

import hashlib

import pytest
from sqlmodel import select

from cases import repository
from cases.audit import verify_chain
from cases.models import Case
from tests.api import samples
from tests.api.support import Api

pytestmark = pytest.mark.api
JPEG = samples.image("JPEG", (90, 120, 30))  # genuine files: uploads must decode
PDF = samples.pdf()
# 53号令 art. 21, 情节严重: 警告 + 责令停止招收学员 + 没收 the derived 违法所得 (¥30,000 collected − ¥10,000 refunded)
SERIOUS = [{"type": "warning"}, {"type": "stop_enrolment"}, {"type": "confiscate_income", "amount_yuan": 20000}]


def allowed(api: Api, case_id: int, user: str) -> list[str]:
    return [a["action"] for a in api.get(f"/api/v1/cases/{case_id}", user).json()["allowed_actions"]]


def ok(response) -> dict:  # noqa: ANN001
    assert response.status_code in (200, 201), response.text
    return response.json()


def test_rectification_path_with_evidence_and_documents(api: Api) -> None:
    case_id = api.assigned_case()
    inst = api.county.institution(0)
    assert "record_inspection" in allowed(api, case_id, "education03")
    photo = ok(api.post(f"/api/v1/cases/{case_id}/evidence", "education03",
                        files={"file": ("现场.jpg", JPEG, "image/jpeg")}))
    scan = ok(api.post(f"/api/v1/cases/{case_id}/evidence", "education03",
                       files={"file": ("photo.png", PDF, "image/png")}))  # the bytes decide: a PDF
    assert photo["sha256"] == hashlib.sha256(JPEG).hexdigest() and photo["content_type"] == "image/jpeg"
    assert scan["content_type"] == "application/pdf"
    read = ok(api.act(case_id, "record_inspection", "education03", {
        "officer_ids": api.officer_ids("education03", "education04"), "findings": "周六发现学科类培训。",
        "violation_codes": ["rest_day_training"], "institution_id": inst.id, "place": "教室",
        "evidence": [photo["sha256"], scan["sha256"]]}, when="2026-03-07 10:00"))
    assert read["state"] == "inspected" and read["result"]["kind"] == "inspection"
    got = api.get(f"/api/v1/cases/{case_id}/evidence/{photo['sha256']}", "education02")
    assert got.status_code == 200 and got.content == JPEG and got.headers["content-type"] == "image/jpeg"
    assert allowed(api, case_id, "education03") == ["close_no_violation", "issue_rectification"]
    issued = ok(api.act(case_id, "issue_rectification", "education03", {"requirements": ["立即停止周末学科类培训"]},
                        when="2026-03-09 10:00"))
    assert issued["state"] == "rectification_notice" and issued["result"]["number"] == "息教责改〔2026〕1号"
    papers = ok(api.get(f"/api/v1/cases/{case_id}/documents", "education03"))
    assert [d["doc_type"] for d in papers] == ["inspection_record", "rectification_notice", "service_receipt"]
    docs = papers[1:]  # the 整改通知书 and its own 送达回证
    pdf = api.get(docs[0]["pdf_url"], "education03")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert hashlib.sha256(pdf.content).hexdigest() == docs[0]["sha256"]
    ok(api.act(case_id, "record_service", "education03", {"document_id": docs[0]["id"], "method": "direct",
                                                          "served_on": "2026-03-10", "recipient": "负责人李某"},
               when="2026-03-10 10:00"))
    assert ok(api.get(f"/api/v1/documents/{docs[0]['id']}", "education03"))["served_on"] == "2026-03-10"
    detail = ok(api.get(f"/api/v1/cases/{case_id}", "education01"))
    rect = next(d for d in detail["deadlines"] if d["step"] == "rectification")
    assert rect["due_date"] == "2026-03-25" and rect["legal_basis"] and rect["working_days_left"] == 11
    closed = ok(api.act(case_id, "record_reinspection", "education04", {
        "officer_ids": api.officer_ids("education03", "education04"), "findings": "已停止周末学科类培训。",
        "rectified": True}, when="2026-03-26 10:00"))
    assert closed["state"] == "closed" and closed["allowed_actions"] == [] and closed["deadlines"] == []
    detail = ok(api.get(f"/api/v1/cases/{case_id}", "education01"))
    assert [e["label"] for e in detail["timeline"]] == ["受理", "分派", "上传证据", "上传证据", "现场检查",
                                                        "下达责令整改通知书", "送达", "复查整改到位结案"]
    assert detail["close_reason_label"] == "整改到位"
    with api.county.session() as s:
        assert verify_chain(repository.list_events(s, case_id)) is None


def test_penalty_procedure_in_legal_order(api: Api) -> None:
    case_id = api.inspected_case()
    filed = ok(api.act(case_id, "open_penalty", "education01", {
        "penalty": SERIOUS, "gravity": "serious", "income_collected_yuan": 30000, "income_refunded_yuan": 10000},
        when="2026-03-09 10:00"))
    assert filed["state"] == "penalty" and filed["penalty_step"] == "filed"
    first = api.act(case_id, "issue_penalty_notice", "education03")
    assert first.status_code == 422 and first.json()["code"] == "collective_discussion_first"
    ok(api.act(case_id, "collective_discussion", "education01",
               {"summary": "同意立案处罚", "participants": ["局长", "副局长"]}, when="2026-03-10 10:00"))
    notice = ok(api.act(case_id, "issue_penalty_notice", "education03", when="2026-03-11 10:00"))["result"]
    ok(api.act(case_id, "record_service", "education03", {"document_id": notice["id"], "method": "direct",
                                                          "served_on": "2026-03-11", "recipient": "法定代表人"},
               when="2026-03-11 15:00"))
    early = api.act(case_id, "close_statement_window", "education03", {"hearing_requested": True},
                    when="2026-03-18 10:00")
    assert early.status_code == 422 and early.json()["code"] == "statement_window_open"
    early_decision = api.act(case_id, "decide", "education01", {"outcome": "penalty"})  # an undeclared step order
    assert early_decision.status_code == 409 and early_decision.json()["code"] == "invalid_transition"
    ok(api.act(case_id, "close_statement_window", "education03",
               {"hearing_requested": True, "hearing_requested_on": "2026-03-16"}, when="2026-03-19 10:00"))
    assert "hold_hearing" in allowed(api, case_id, "education02")  # the legal reviewer
    assert api.act(case_id, "hold_hearing", "education03", {"summary": "听证"}).status_code == 403
    hearing_notice = ok(api.act(case_id, "issue_hearing_notice", "education02",
                                {"hearing_on": "2026-03-27", "place": "本局会议室"}))["result"]
    ok(api.act(case_id, "record_service", "education03", {"document_id": hearing_notice["id"], "method": "direct",
                                                          "served_on": "2026-03-19", "recipient": "法定代表人"}))
    ok(api.act(case_id, "hold_hearing", "education02", {"summary": "举行听证，当事人陈述"}, when="2026-03-30 10:00"))
    unreviewed = api.act(case_id, "decide", "education01", {"outcome": "penalty"}, when="2026-03-30 11:00")
    assert unreviewed.status_code == 422 and unreviewed.json()["code"] == "legal_review_missing"
    assert api.act(case_id, "legal_review", "education01", {"outcome": "passed", "opinion": "同意"}).status_code == 403
    ok(api.act(case_id, "legal_review", "education02", {"outcome": "passed", "opinion": "事实清楚，证据确凿，同意"}))
    decision = ok(api.act(case_id, "decide", "education01", {"outcome": "penalty"}, when="2026-03-31 09:00"))
    ok(api.act(case_id, "record_service", "education03", {"document_id": decision["result"]["id"],
                                                          "method": "direct", "served_on": "2026-03-31",
                                                          "recipient": "法定代表人"}, when="2026-03-31 10:00"))
    assert api.act(case_id, "close_penalty", "education01", when="2026-04-01 10:00").status_code == 422
    ok(api.act(case_id, "record_execution", "education03", {"paid_on": "2026-04-09"}, when="2026-04-10 10:00"))
    unpublished = api.act(case_id, "close_penalty", "education01")
    assert unpublished.json()["code"] == "not_published"
    ok(api.act(case_id, "publish", "education03", {"published_on": "2026-04-10"}))
    closed = ok(api.act(case_id, "close_penalty", "education01", when="2026-04-13 10:00"))
    assert closed["state"] == "closed"
    detail = ok(api.get(f"/api/v1/cases/{case_id}", "education01"))
    assert detail["penalty"]["confiscation_yuan"] == 20000 and detail["penalty"]["executed_on"] == "2026-04-09"
    assert detail["close_reason"] == "penalty_executed"
    types = [d["doc_type"] for d in detail["documents"]]
    assert types.count("penalty_notice") == 1 and types.count("penalty_decision") == 1


def test_clocks_pause_and_resume(api: Api) -> None:
    case_id = api.new_case()
    assert "resume_clock" not in allowed(api, case_id, "education01")
    assert "pause_clock" not in allowed(api, case_id, "education03")  # supervisors only
    paused = ok(api.act(case_id, "pause_clock", "education01", {"step": "inspection", "reason": "等待鉴定"},
                        when="2026-03-04 10:00"))
    clock = next(d for d in paused["deadlines"] if d["step"] == "inspection")
    assert clock["due_state"] == "paused" and clock["paused_reason"] == "等待鉴定"
    assert "resume_clock" in [a["action"] for a in paused["allowed_actions"]]
    again = api.act(case_id, "pause_clock", "education01", {"step": "inspection", "reason": "再次"})
    assert again.status_code == 422 and again.json()["code"] == "already_paused"
    resumed = ok(api.act(case_id, "resume_clock", "education01", {"step": "inspection"}, when="2026-03-09 10:00"))
    assert next(d for d in resumed["deadlines"] if d["step"] == "inspection")["due_date"] == "2026-03-26"
    unknown = api.act(case_id, "resume_clock", "education01", {"step": "decision"})
    assert unknown.status_code == 422 and unknown.json()["code"] == "no_open_clock"


def test_dismiss_needs_a_reason(api: Api) -> None:
    first, second = api.new_case(0), api.new_case(1)
    missing = api.act(second, "dismiss", "education01", {"reason": "duplicate"})
    assert missing.status_code == 422 and missing.json()["code"] == "duplicate_needs_case"
    done = ok(api.act(second, "dismiss", "education01", {"reason": "duplicate", "merged_into_case_id": first}))
    assert done["state"] == "closed"
    with api.county.session() as s:
        assert s.exec(select(Case).where(Case.id == second)).one().merged_into_id == first
