"""Reads the pages need beyond `cases.queries` (SELECTs only, always within the caller's scope)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, cast, exists, func, literal, or_
from sqlalchemy import case as sql_case
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Session, col, select

from cases.enums import CaseStatus, DocumentType
from cases.models import (
    Case,
    Complaint,
    Deadline,
    Department,
    Document,
    Inspection,
    Institution,
    Officer,
    Region,
    ServiceRecord,
)
from cases.patrols.models import PatrolMember, PatrolPlan, PatrolTeam, PatrolVisit
from cases.queries import running_clocks

FAR = date(9999, 12, 31)


@dataclass(frozen=True)
class ListedCase:
    case: Case
    institution_name: str | None
    department_name: str
    region_name: str
    next_deadline: Deadline | None
    overdue: bool


def _member_of_team(session: Session, officer_id: int):  # noqa: ANN202
    """The case's team (JSON list of officer ids) contains `officer_id`."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(Case.team_officer_ids, JSONB).contains([officer_id])
    members = func.json_each(Case.team_officer_ids).table_valued("value")
    return exists(sa_select(literal(1)).select_from(members).where(members.c.value == officer_id))


def _next_due():  # noqa: ANN202
    return (select(func.min(Deadline.due_date))
            .where(Deadline.case_id == Case.id, col(Deadline.open), col(Deadline.paused_since).is_(None))
            .correlate(Case).scalar_subquery())


def work_list(session: Session, regions: Sequence[str], today: date, *, member_id: int | None = None,
              q: str | None = None, state: CaseStatus | None = None, overdue_only: bool = False,
              include_closed: bool = False, limit: int = 30, offset: int = 0) -> tuple[list[ListedCase], int]:
    """Cases in scope (of one officer's team when `member_id`), overdue first, then by the next due date."""
    next_due = _next_due()
    conds: list = [col(Case.region_code).in_(list(regions))]
    if state is not None:
        conds.append(Case.status == state)
    elif not include_closed:
        conds.append(Case.status != CaseStatus.CLOSED)
    if member_id is not None:
        conds.append(or_(Case.assignee_id == member_id, _member_of_team(session, member_id)))
    if q:
        pattern = f"%{q.replace('%', '').replace('_', '')}%"
        conds.append(or_(col(Case.case_number).like(pattern), col(Institution.name).like(pattern),
                         col(Region.name).like(pattern),
                         exists().where(Complaint.case_id == Case.id,
                                        or_(col(Complaint.reported_name).like(pattern),
                                            col(Complaint.reported_address).like(pattern)))))
    if overdue_only:
        conds.append(next_due < today)
    base = (select(Case, Institution.name, Department.name, Region.name, next_due.label("next_due"))
            .join(Department, Department.id == Case.lead_department_id)
            .join(Region, Region.code == Case.region_code)
            .outerjoin(Institution, Institution.id == Case.institution_id)
            .where(*conds))
    total = session.exec(select(func.count()).select_from(base.subquery())).one()
    overdue_first = sql_case((and_(next_due.is_not(None), next_due < today), 0), else_=1)
    rows = session.exec(base.order_by(overdue_first, func.coalesce(next_due, FAR), col(Case.received_at).desc(),
                                      col(Case.id).desc()).limit(limit).offset(offset)).all()
    clocks = running_clocks(session, [r[0].id for r in rows])
    out = []
    for case, inst, dept, region, due in rows:
        mine = clocks.get(case.id, [])
        out.append(ListedCase(case, inst, dept, region, mine[0] if mine else None, due is not None and due < today))
    return out, total


@dataclass(frozen=True)
class OfficerOption:
    id: int
    name: str
    department: str
    department_id: int
    certified: bool
    badge_no: str | None
    supervisor: bool = False


def officer_options(session: Session, regions: Sequence[str], today: date, *,
                    department_ids: Sequence[int] | None = None) -> list[OfficerOption]:
    """Active field staff (officers and supervisors) of the given departments within scope."""
    query = (select(Officer, Department).join(Department, Department.id == Officer.department_id)
             .where(col(Department.region_code).in_(list(regions)), col(Officer.active)))
    if department_ids:
        query = query.where(col(Officer.department_id).in_(list(department_ids)))
    out = []
    for officer, dept in session.exec(query.order_by(col(Officer.department_id), col(Officer.id))).all():
        if not {"officer", "supervisor"} & set(officer.roles):
            continue
        out.append(OfficerOption(officer.id, officer.name, dept.name, dept.id, officer.certified_on(today),
                                 officer.badge_no, "officer" not in officer.roles))
    return sorted(out, key=lambda o: o.supervisor)  # field officers first: the usual team


def officer_names(session: Session, ids: Sequence[int]) -> dict[int, str]:
    ids = [i for i in set(ids) if i]
    if not ids:
        return {}
    return dict(session.exec(select(Officer.id, Officer.name).where(col(Officer.id).in_(ids))).all())


def unserved_documents(session: Session, case_id: int) -> list[Document]:
    """The case's documents without a service record (送达 still to record), receipts excluded."""
    served = select(ServiceRecord.document_id)
    return list(session.exec(select(Document).where(Document.case_id == case_id,
                                                    Document.doc_type != DocumentType.SERVICE_RECEIPT,
                                                    col(Document.id).not_in(served))
                             .order_by(col(Document.id))).all())


def case_versions(session: Session, case_ids: Sequence[int]) -> dict[int, tuple[int, CaseStatus]]:
    if not case_ids:
        return {}
    rows = session.exec(select(Case.id, Case.version, Case.status).where(col(Case.id).in_(list(case_ids)))).all()
    return {i: (v, s) for i, v, s in rows}


def townships(session: Session, regions: Sequence[str] | None = None) -> list[Region]:
    query = select(Region).where(Region.level == "township")
    if regions is not None:
        query = query.where(col(Region.code).in_(list(regions)))
    return list(session.exec(query.order_by(col(Region.code))).all())


def region_names(session: Session) -> dict[str, str]:
    return dict(session.exec(select(Region.code, Region.name)).all())


# --- institution history ----------------------------------------------------------------------


def institution_inspections(session: Session, institution_id: int) -> list[tuple[Inspection, str]]:
    """Inspections of the institution's cases, newest first, with the case number."""
    return list(session.exec(select(Inspection, Case.case_number).join(Case, Case.id == Inspection.case_id)
                             .where(Case.institution_id == institution_id)
                             .order_by(col(Inspection.started_at).desc())).all())


def institution_visits(session: Session, institution_id: int) -> list[tuple[PatrolVisit, PatrolTeam]]:
    return list(session.exec(select(PatrolVisit, PatrolTeam).join(PatrolTeam, PatrolTeam.id == PatrolVisit.team_id)
                             .where(PatrolVisit.institution_id == institution_id)
                             .order_by(col(PatrolTeam.day).desc())).all())


def institution_complaints(session: Session, institution_id: int) -> int:
    return session.exec(select(func.count()).select_from(Complaint)
                        .where(Complaint.institution_id == institution_id)).one()


# --- patrol calendar ------------------------------------------------------------------------------


def patrol_plans(session: Session, region_codes: Sequence[str], limit: int = 12) -> list[PatrolPlan]:
    return list(session.exec(select(PatrolPlan).where(col(PatrolPlan.region_code).in_(list(region_codes)))
                             .order_by(col(PatrolPlan.start_date).desc(), col(PatrolPlan.id).desc())
                             .limit(limit)).all())


@dataclass
class TeamView:
    team: PatrolTeam
    township: str
    members: list[tuple[str, str, bool]]  # name, department, certified
    targets: list[tuple[PatrolVisit, Institution | None]]
    sheet: Document | None


def patrol_teams(session: Session, plan_id: int, today: date) -> dict[date, list[TeamView]]:
    """The plan's teams by day: members, targets (in visiting order) and the task sheet."""
    teams = list(session.exec(select(PatrolTeam).where(PatrolTeam.plan_id == plan_id)
                              .order_by(col(PatrolTeam.day), col(PatrolTeam.township), col(PatrolTeam.id))).all())
    ids = [t.id for t in teams]
    names = region_names(session)
    members: dict[int, list] = defaultdict(list)
    visits: dict[int, list] = defaultdict(list)
    sheets: dict[int, Document] = {}
    if ids:
        for m, o, d in session.exec(select(PatrolMember, Officer, Department)
                                    .join(Officer, Officer.id == PatrolMember.officer_id)
                                    .join(Department, Department.id == Officer.department_id)
                                    .where(col(PatrolMember.team_id).in_(ids)).order_by(col(PatrolMember.id))).all():
            members[m.team_id].append((o.name, d.name, o.certified_on(m.day)))
        for v, i in session.exec(select(PatrolVisit, Institution)
                                 .outerjoin(Institution, Institution.id == PatrolVisit.institution_id)
                                 .where(col(PatrolVisit.team_id).in_(ids)).order_by(col(PatrolVisit.id))).all():
            visits[v.team_id].append((v, i))
        doc_ids = [t.sheet_document_id for t in teams if t.sheet_document_id]
        if doc_ids:
            sheets = {d.id: d for d in session.exec(select(Document).where(col(Document.id).in_(doc_ids))).all()}
    by_day: dict[date, list[TeamView]] = defaultdict(list)
    for t in teams:
        by_day[t.day].append(TeamView(t, names.get(t.township, t.township), members[t.id], visits[t.id],
                                      sheets.get(t.sheet_document_id) if t.sheet_document_id else None))
    return dict(by_day)


def document_region(session: Session, doc: Document) -> str | None:
    if doc.case_id is not None:
        return session.exec(select(Case.region_code).where(Case.id == doc.case_id)).first()
    return session.exec(select(Department.region_code).where(Department.id == doc.department_id)).first()
