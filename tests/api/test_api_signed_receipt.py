"""The 送达 loop closed (issue 15, items 5 and 6): the signed 送达回证 uploaded back onto the case —
only after service, written once, an event in the hash chain, shown with the document — and the
案卷 downloaded from the case (built from the stored PDFs, the signed receipt filed after its 回证)."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlmodel import select

from api.evidence import EvidenceStore
from api.main import create_app
from cases import repository
from cases.audit import verify_chain
from cases.models import CaseEvent, CaseEvidence, ServiceRecord
from documents import dossier
from documents.render import render_document
from documents.storage import FileDocumentStore
from tests.api import samples
from tests.api.support import Api, MovableClock, api_settings
from tests.integration.conftest import County, at

pytestmark = pytest.mark.api
SCAN = samples.image("JPEG", (200, 200, 190))  # a photographed, signed receipt


def ok(response) -> dict:  # noqa: ANN001
    assert response.status_code in (200, 201), response.text
    return response.json()


def _notice(api: Api) -> tuple[int, dict]:
    case_id = api.inspected_case()
    ok(api.act(case_id, "issue_rectification", "education03", {"requirements": ["立即停止周末学科类培训"]},
               when="2026-03-09 10:00"))
    papers = ok(api.get(f"/api/v1/cases/{case_id}/documents", "education03"))
    return case_id, next(d for d in papers if d["doc_type"] == "rectification_notice")


def _upload(api: Api, case_id: int, document_id: int, user: str = "education03", content: bytes = SCAN):  # noqa: ANN202
    return api.post(f"/api/v1/cases/{case_id}/documents/{document_id}/signed-receipt", user,
                    files={"file": ("回证.jpg", content, "image/jpeg")})


def test_signed_receipt_only_after_service_written_once_and_chained(api: Api) -> None:
    case_id, notice = _notice(api)
    refused = _upload(api, case_id, notice["id"])
    assert refused.status_code == 422 and refused.json()["code"] == "not_served", refused.text
    assert "先登记送达" in refused.json()["message"]
    with api.county.session() as s:  # nothing written by the refusal
        assert not s.exec(select(CaseEvidence).where(CaseEvidence.case_id == case_id,
                                                     CaseEvidence.sha256 == hashlib.sha256(SCAN).hexdigest())).all()
    ok(api.act(case_id, "record_service", "education03", {"document_id": notice["id"], "method": "direct",
                                                          "served_on": "2026-03-10", "recipient": "负责人李某"},
               when="2026-03-10 10:00"))
    version = api.version(case_id)
    # the legal reviewer holds no field role; an officer of the county outside the team has no standing
    assert _upload(api, case_id, notice["id"], "education02").status_code == 403
    outsider = _upload(api, case_id, notice["id"], "education05")
    assert outsider.status_code == 403 and outsider.json()["code"] == "not_on_team"
    filed = ok(_upload(api, case_id, notice["id"]))
    assert filed["sha256"] == hashlib.sha256(SCAN).hexdigest()
    again = _upload(api, case_id, notice["id"], content=samples.image("JPEG", (10, 10, 10)))
    assert again.status_code == 409 and again.json()["code"] == "receipt_already_filed"
    papers = ok(api.get(f"/api/v1/cases/{case_id}/documents", "education03"))
    assert next(d for d in papers if d["id"] == notice["id"])["signed_receipt_sha256"] == filed["sha256"]
    got = api.get(f"/api/v1/cases/{case_id}/evidence/{filed['sha256']}", "education01")
    assert got.status_code == 200 and got.content == SCAN  # the original bytes
    assert api.version(case_id) == version  # an open form is not made stale by filing the receipt
    with api.county.session() as s:
        events = list(s.exec(select(CaseEvent).where(CaseEvent.case_id == case_id)).all())
        filed_events = [e for e in events if e.event_type == "attach_signed_receipt"]
        assert len(filed_events) == 1 and filed_events[0].payload["sha256"] == filed["sha256"]
        assert filed_events[0].payload["document"] == notice["number"]
        assert verify_chain(repository.list_events(s, case_id)) is None
        service = s.exec(select(ServiceRecord).where(ServiceRecord.document_id == notice["id"])).one()
        assert service.receipt_sha256 == filed["sha256"]


def test_signed_receipt_named_by_its_service_receipt_document(api: Api) -> None:
    """The officer may pick the 送达回证 itself: the receipt is filed with the document it serves."""
    case_id, notice = _notice(api)
    receipt_doc = next(d for d in ok(api.get(f"/api/v1/cases/{case_id}/documents", "education03"))
                       if d["doc_type"] == "service_receipt")
    ok(api.act(case_id, "record_service", "education03", {"document_id": notice["id"], "method": "direct",
                                                          "served_on": "2026-03-10", "recipient": "负责人李某"},
               when="2026-03-10 10:00"))
    ok(_upload(api, case_id, receipt_doc["id"]))
    papers = ok(api.get(f"/api/v1/cases/{case_id}/documents", "education03"))
    assert next(d for d in papers if d["id"] == notice["id"])["signed_receipt_sha256"]
    foreign = _upload(api, case_id, 999_999)
    assert foreign.status_code == 422  # a document of no case of this county


def test_dossier_download_files_the_signed_receipt_after_its_service_receipt(county: County, tmp_path: Path) -> None:
    """The real renderer and store: the 案卷 from the case is bound from the stored PDFs."""
    clock = MovableClock(at("2026-03-02 09:00"))
    store = FileDocumentStore(tmp_path / "documents")
    app = create_app(engine=county.engine, settings=api_settings(tmp_path), renderer=render_document,
                     document_store=store, evidence_store=EvidenceStore(tmp_path / "ev"), clock=clock)
    api = Api(TestClient(app), county, clock, app)
    case_id, notice = _notice(api)
    ok(api.act(case_id, "record_service", "education03", {"document_id": notice["id"], "method": "direct",
                                                          "served_on": "2026-03-10", "recipient": "负责人李某"},
               when="2026-03-10 10:00"))
    ok(_upload(api, case_id, notice["id"]))
    got = api.get(f"/api/v1/cases/{case_id}/dossier", "education01")
    assert got.status_code == 200 and got.headers["content-type"] == "application/pdf", got.text
    assert got.headers["x-content-sha256"] == hashlib.sha256(got.content).hexdigest()
    assert "attachment" in got.headers["content-disposition"]
    labels = [label for label, _ in dossier.table_of_contents(got.content)]
    receipt_at = next(i for i, label in enumerate(labels) if label.startswith("送达回证"))
    assert labels[receipt_at + 1] == "证据1：已签收的送达回证（扫描件）", labels
    assert labels[0] == "卷宗封面" and labels[-1] == "备考表"
    # the stored 整改通知书 is merged as stored: its page's text is in the dossier unchanged
    original = PdfReader(io.BytesIO(api.get(notice["pdf_url"], "education03").content)).pages[0].extract_text()
    assert original in [p.extract_text() for p in PdfReader(io.BytesIO(got.content)).pages]
    assert list((tmp_path / "documents").rglob("*.pdf"))  # the dossier itself is kept in the store
    outside = api.get(f"/api/v1/cases/{case_id}/dossier")
    assert outside.status_code in (401, 403)
