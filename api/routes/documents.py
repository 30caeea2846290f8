"""Issued documents: metadata and the stored PDF (hash verified on every read, never re-rendered)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Response
from sqlmodel import select

from api import schemas, views
from api.deps import CaseWorker, DocumentStoreDep, SessionDep, in_scope
from api.errors import error_responses
from cases.errors import DocumentIntegrityError, NotFound
from cases.fields import MAX_INT
from cases.models import Case, Department, Document, ServiceRecord
from cases.ports import DocumentRef

router = APIRouter(prefix="/documents", tags=["文书"])
DocumentId = Annotated[int, Path(ge=1, le=MAX_INT, description="文书编号")]


def valid_document(document_id: DocumentId, session: SessionDep, actor: CaseWorker) -> Document:
    """The document when its case (or, for case-less documents, its department) is in the caller's area."""
    doc = session.get(Document, document_id)
    region = None
    if doc is not None and doc.case_id is not None:
        region = session.exec(select(Case.region_code).where(Case.id == doc.case_id)).first()
    elif doc is not None:
        region = session.exec(select(Department.region_code)
                              .where(Department.id == doc.department_id)).first()
    if doc is None or region is None or not in_scope(session, actor, region):
        raise NotFound("文书不存在或不在您的辖区内", document_id=document_id)
    return doc


ValidDocument = Annotated[Document, Depends(valid_document)]


@router.get("/{document_id}", response_model=schemas.DocumentOut, summary="文书信息",
            responses=error_responses(401, 403, 404, 422))
def read_document(doc: ValidDocument, session: SessionDep) -> schemas.DocumentOut:
    served = session.exec(select(ServiceRecord.served_on).where(ServiceRecord.document_id == doc.id)).first()
    return views.document_out(doc, served)


@router.get("/{document_id}/pdf", summary="下载文书 PDF", response_class=Response,
            description="返回制作时存档的 PDF 原件（校验 SHA-256 后输出，不会重新生成）。",
            responses={200: {"content": {"application/pdf": {}}, "description": "PDF 文件"},
                       **error_responses(401, 403, 404, 422)})
def document_pdf(doc: ValidDocument, store: DocumentStoreDep) -> Response:
    try:
        content = store.get(DocumentRef(path=doc.path, sha256=doc.sha256, size=doc.size))
    except OSError as exc:
        raise DocumentIntegrityError("文书存档文件缺失", code="document_missing", document_id=doc.id) from exc
    filename = quote(f"{doc.number}.pdf")
    return Response(content, media_type="application/pdf",
                    headers={"ETag": f'"{doc.sha256}"', "Cache-Control": "private, max-age=86400",
                             "Content-Disposition": f"inline; filename=document-{doc.id}.pdf; "
                                                    f"filename*=UTF-8''{filename}"})


