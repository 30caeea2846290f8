"""Files behind the pages: issued PDFs and inspection photos through the API's own verified readers,
and the photos a member of the public attached to a complaint."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response
from sqlmodel import select

from api.deps import ClockDep, DocumentStoreDep, EvidenceStoreDep, SessionDep, scoped_case
from api.routes.cases import case_dossier, dossier_response, download_evidence
from api.routes.documents import document_pdf, valid_document
from api.web.deps import UserDep, require
from api.web.pages.cases import _photo_hashes
from api.web.routing import WebRoute
from api.web.templating import CASE_ROLES
from cases.errors import NotFound
from cases.fields import MAX_INT
from cases.models import Complaint

router = APIRouter(route_class=WebRoute)
Sha = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")]
Id = Annotated[int, Path(ge=1, le=MAX_INT)]


@router.get("/documents/{document_id}.pdf", summary="文书 PDF")
def document(document_id: Id, user: UserDep, session: SessionDep, store: DocumentStoreDep) -> Response:
    """The stored original, hash-checked (the same code as GET /api/v1/documents/{id}/pdf)."""
    require(user, *CASE_ROLES)
    return document_pdf(valid_document(document_id, session, user.actor), store)


@router.get("/cases/{case_id}/evidence/{sha256}", summary="现场照片")
def evidence(case_id: Id, sha256: Sha, user: UserDep, session: SessionDep, store: EvidenceStoreDep) -> Response:
    require(user, *CASE_ROLES)
    return download_evidence(scoped_case(session, user.actor, case_id), session, store, sha256)


@router.get("/cases/{case_id}/dossier.pdf", summary="案卷（组卷）")
def dossier(case_id: Id, user: UserDep, session: SessionDep, documents: DocumentStoreDep,
            store: EvidenceStoreDep, clock: ClockDep) -> Response:
    """The 案卷 bound from the stored PDFs (the same code as GET /api/v1/cases/{id}/dossier)."""
    require(user, *CASE_ROLES)
    case = scoped_case(session, user.actor, case_id)
    return dossier_response(case_dossier(session, case, documents, store, clock))


@router.get("/cases/{case_id}/complaint-photos/{sha256}", summary="举报附带照片")
def complaint_photo(case_id: Id, sha256: Sha, user: UserDep, session: SessionDep,
                    store: EvidenceStoreDep) -> Response:
    require(user, *CASE_ROLES)
    case = scoped_case(session, user.actor, case_id)
    contents = session.exec(select(Complaint.content).where(Complaint.case_id == case.id)).all()
    cited = any(sha256 in _photo_hashes(text)[1] for text in contents)
    ref = store.describe(sha256) if cited else None
    if ref is None:
        raise NotFound("本案没有该照片", code="photo_not_found")
    return Response(store.read(ref), media_type=ref.content_type,
                    headers={"Cache-Control": "private, max-age=86400", "X-Content-Type-Options": "nosniff"})
