"""现场检查笔录 and per-document 送达回证 (cases.paperwork), and the case dossier built from the stored
PDFs (documents.dossier via `cases.service.dossier.dossier_material`), on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import date
from pathlib import Path

import pdfplumber
import pytest
from pypdf import PdfReader

from cases import repository
from cases import service as case_service
from cases.actions import Action
from cases.enums import DocumentType, ServiceMethod
from cases.errors import DocumentIntegrityError
from cases.models import Case, Department, Document
from cases.ports import DocumentRef
from cases.service import paperwork
from cases.service.dossier import dossier_material
from documents import dossier
from tests.integration.conftest import TZ, County, at, complaint
from tests.integration.test_case_service import _case, _run

pytestmark = pytest.mark.integration


def _text(county: County, doc: Document) -> str:
    content = county.ctx(county.intake_actor(), at("2026-03-20 10:00")).store.get(
        DocumentRef(doc.path, doc.sha256, doc.size))
    with pdfplumber.open(io.BytesIO(content)) as pdf:
        return re.sub(r"\s+", "", "".join(p.extract_text() for p in pdf.pages))


def _cells(county: County, doc: Document) -> list[str]:
    content = county.ctx(county.intake_actor(), at("2026-03-20 10:00")).store.get(
        DocumentRef(doc.path, doc.sha256, doc.size))
    with pdfplumber.open(io.BytesIO(content)) as pdf:
        return [re.sub(r"\s+", "", cell or "") for p in pdf.pages for t in p.extract_tables() for row in t
                for cell in row]


def _photo(tmp: Path) -> dict:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 220, 240)).save(out, format="JPEG")
    content = out.getvalue()
    sha = hashlib.sha256(content).hexdigest()
    path = tmp / "evidence" / sha[:2] / f"{sha}.jpg"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return {"sha256": sha, "filename": "IMG_0001.jpg", "content_type": "image/jpeg", "path": f"{sha[:2]}/{sha}.jpg",
            "size": len(content)}


@pytest.fixture
def penalty_case(county: County, tmp_path: Path) -> tuple[Case, dict]:
    with county.session() as s:
        dept = s.exec(repository.select(Department).where(Department.doc_code == "息教")).one()
        dept.contact = "王联系"
        s.add(dept)
        s.commit()
    ctx = county.ctx(county.intake_actor(), at("2026-03-02 09:30"))
    with county.session() as s:
        case = case_service.receive_complaint(s, ctx, complaint(county.institution(0))).case
    team = county.team("education03", "education04")
    _run(county, Action.ASSIGN, "education01", "2026-03-03 10:00", case.id, officer_ids=team)
    photo = _photo(tmp_path)
    _run(county, Action.UPLOAD_EVIDENCE, "education03", "2026-03-07 09:50", case.id, **photo)
    _run(county, Action.RECORD_INSPECTION, "education03", "2026-03-07 10:00", case.id, officer_ids=team,
         findings="执法人员出示执法证件后进行现场检查。\n周六上午发现23名初中生在上数学课。",
         violation_codes=["rest_day_training"], place="息烽县永靖镇新华路8号", evidence=[photo["sha256"]],
         party_present="李某（负责人）")
    return _case(county, case.id), photo


def test_inspection_record_and_receipts(county: County, penalty_case) -> None:  # noqa: ANN001
    case, photo = penalty_case
    when = at("2026-03-07 11:30")
    ctx = county.ctx(county.actor("education03", when), when)
    with county.session() as s:  # issued with the inspection (record_inspection)
        record = repository.latest_document(s, case.id, DocumentType.INSPECTION_RECORD)
    assert record.number == "息教检〔2026〕1号" and record.doc_type is DocumentType.INSPECTION_RECORD
    text = _text(county, record)
    officers = [county.officer("education03"), county.officer("education04")]
    for officer in officers:
        assert officer.name in text and officer.badge_no in text
    assert "第五十五条" in text and "出示执法证件" in text and "李某（负责人）" in text
    assert photo["sha256"] in _cells(county, record) and "IMG_0001.jpg" in text
    assert "被检查单位（人）签名" in text and "见证人签名" in text and case.case_number in text

    notice = _run(county, Action.ISSUE_RECTIFICATION, "education03", "2026-03-09 10:00", case.id)
    with county.session() as s:
        live = s.get(Case, case.id)
        party = paperwork.party(s, live)
        existing = paperwork.issue_service_receipt(s, ctx, live, notice, party)  # issued with the notice already
        assert existing.related_document_id == notice.id
        again = paperwork.issue_service_receipt(s, ctx, live, record, party)
        assert paperwork.issue_service_receipt(s, ctx, live, record, party).id == again.id  # once per document
        s.commit()
    assert again.number == "息教送〔2026〕2号" and again.related_document_id == record.id
    text = _text(county, again)
    assert "息教送〔2026〕2号" in text and record.number in text and "2026年3月7日签发" in text
    assert officers[0].badge_no in text
    assert "王联系" in _text(county, notice)  # the department's contact person on the notice


def test_dossier_of_a_case_from_its_stored_pdfs(county: County, penalty_case, tmp_path: Path) -> None:  # noqa: ANN001
    case, photo = penalty_case
    notice = _run(county, Action.ISSUE_RECTIFICATION, "education03", "2026-03-09 10:00", case.id)
    _run(county, Action.RECORD_SERVICE, "education03", "2026-03-10 10:00", case.id, document_id=notice.id,
         method=ServiceMethod.DIRECT, served_on=date(2026, 3, 10), recipient="负责人李某")
    store = county.ctx(county.intake_actor(), at("2026-03-10 11:00")).store
    with county.session() as s:
        cover, items = dossier_material(s, case.case_number, store=store, evidence_root=tmp_path / "evidence",
                                        zone=TZ, today=date(2026, 4, 1))
        docs = repository.case_file(s, case.case_number).documents
    # legal order: the 笔录 (with its photo), the notice, the notice's receipt
    assert [d.doc_type for d in docs] == [DocumentType.INSPECTION_RECORD, DocumentType.RECTIFICATION_NOTICE,
                                          DocumentType.SERVICE_RECEIPT]
    assert [len(i.evidence) for i in items] == [1, 0, 0] and "直接送达" in items[1].note
    assert cover.cause == "涉嫌占用法定节假日、休息日、寒暑假开展学科类培训案" and cover.filed_on is None
    pdf = dossier.build_dossier(cover, items)
    reader = PdfReader(io.BytesIO(pdf))
    pages = [item for item in items for _ in range(len(PdfReader(io.BytesIO(item.pdf)).pages))]
    assert len(reader.pages) == 1 + 1 + len(pages) + 1 + 1  # cover, 目录, documents, one photo page, 备考表
    bookmarks = dossier.table_of_contents(pdf)
    assert [b[0] for b in bookmarks][:3] == ["卷宗封面", "卷内目录", f"现场检查笔录（{items[0].number}）"]
    toc = re.sub(r"\s+", "", reader.pages[1].extract_text())
    for label, first in bookmarks[2:-1]:
        if label.startswith("证据"):
            continue
        number = label[label.rindex("（") + 1:-1]
        assert number in toc
        assert re.search(re.escape(number) + r".*?" + str(first), toc)  # its first page is printed
    assert "备考表" + str(len(reader.pages)) in toc.replace("卷内备考表", "")
    cover_text = re.sub(r"\s+", "", reader.pages[0].extract_text())
    assert case.case_number in cover_text and "短期（10年）" in cover_text and "未立案" in cover_text
    # the issued documents are the stored bytes, not re-rendered: their page content is byte-identical
    first = PdfReader(io.BytesIO(items[0].pdf)).pages[0].get_contents().get_data()
    assert reader.pages[2].get_contents().get_data() == first
    photo_page = reader.pages[2 + len(PdfReader(io.BytesIO(items[0].pdf)).pages)]
    assert photo["sha256"] in re.sub(r"\s+", "", photo_page.extract_text()) and photo_page.images
    # an altered stored document is refused
    tampered = [items[0].__class__(**{**items[0].__dict__, "pdf": items[0].pdf + b"%"})] + items[1:]
    with pytest.raises(DocumentIntegrityError):
        dossier.build_dossier(cover, tampered)


def test_filing_approval_issued_at_filing_and_filed_first(county: County, penalty_case,  # noqa: ANN001
                                                          tmp_path: Path) -> None:
    """立案 issues the 立案审批表 (53号令 art. 26): the five conditions, the 承办人's opinion with the
    handlers' 执法证号, the approving head; the dossier files it first, before the 现场检查笔录."""
    case, _ = penalty_case
    _run(county, Action.OPEN_PENALTY, "education01", "2026-03-09 10:00", case.id,
         penalty=[{"type": "warning"}, {"type": "confiscate_income", "amount_yuan": 8000}],
         income_collected_yuan=8000, handler_opinion="违法事实有现场检查笔录和照片初步证明，建议立案调查")
    with county.session() as s:
        approval = repository.latest_document(s, case.id, DocumentType.FILING_APPROVAL)
        docs = repository.case_file(s, case.case_number).documents
    assert approval is not None and approval.number == "息教立审〔2026〕1号"
    text = _text(county, approval)
    for label in ("（一）有明确的违法当事人", "（五）在给予行政处罚的法定期限内"):
        assert label + "符合" in text
    assert "承办人意见：违法事实有现场检查笔录和照片初步证明，建议立案调查。" in text
    assert county.officer("education03").badge_no in text and county.officer("education01").name in text
    assert case.case_number in text and "违法行为发生日期：2026年3月7日" in text and "2026年3月9日" in text
    assert "12345" in text or "受理" in text  # 案件来源
    assert [d.doc_type for d in docs][:2] == [DocumentType.FILING_APPROVAL, DocumentType.INSPECTION_RECORD]
    from cases import queries

    with county.session() as s:  # internal: nothing to serve
        assert approval.id not in {d.id for d in queries.unserved_documents(s, case.id)}
    store = county.ctx(county.intake_actor(), at("2026-03-10 11:00")).store
    with county.session() as s:
        _, items = dossier_material(s, case.case_number, store=store, evidence_root=tmp_path / "evidence",
                                    zone=TZ, today=date(2026, 4, 1))
    assert [i.title for i in items][:2] == ["立案审批表", "现场检查笔录"]
