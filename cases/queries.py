"""Read side: case lists with filters, the supervisor's deadline board, statistics per unit.

SELECTs only, functions taking a Session, no commits. Every function takes the caller's scope
(`regions`: the region codes of their jurisdiction subtree, `repository.subtree_codes`) and never
returns a row outside it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from sqlalchemy import and_, exists, func, not_, or_
from sqlmodel import Session, col, select

from cases import deadlines, repository
from cases.calendar import WorkCalendar
from cases.enums import CaseStatus, DecisionOutcome, DocumentType, DueState
from cases.models import (
    Case,
    Deadline,
    Department,
    Document,
    Inspection,
    Institution,
    Officer,
    Penalty,
    Region,
)


@dataclass(frozen=True)
class CaseFilter:
    regions: Sequence[str]  # the caller's scope
    today: date
    state: CaseStatus | None = None
    overdue: bool | None = None
    due_within_days: int | None = None  # an open clock due in [today, today + n] (natural days)
    region: str | None = None  # a region inside the scope: cases in its subtree
    department_id: int | None = None  # lead department
    institution_id: int | None = None
    assignee_id: int | None = None
    received_from: datetime | None = None  # inclusive
    received_before: datetime | None = None  # exclusive


@dataclass(frozen=True)
class CaseRow:
    case: Case
    institution_name: str | None
    department_name: str
    region_name: str
    next_deadline: Deadline | None
    overdue: bool


def _running(today_cmp) -> object:  # noqa: ANN001
    """EXISTS an open, running clock of the outer case satisfying `today_cmp`."""
    return exists().where(Deadline.case_id == Case.id, col(Deadline.open),
                          col(Deadline.paused_since).is_(None), today_cmp)


def _conditions(session: Session, f: CaseFilter) -> list:
    conds: list = [col(Case.region_code).in_(list(f.regions))]
    if f.region is not None:
        conds.append(col(Case.region_code).in_(repository.subtree_codes(session, f.region)))
    if f.state is not None:
        conds.append(Case.status == f.state)
    for column, value in ((Case.lead_department_id, f.department_id), (Case.institution_id, f.institution_id),
                          (Case.assignee_id, f.assignee_id)):
        if value is not None:
            conds.append(column == value)
    if f.received_from is not None:
        conds.append(col(Case.received_at) >= f.received_from)
    if f.received_before is not None:
        conds.append(col(Case.received_at) < f.received_before)
    overdue = _running(col(Deadline.due_date) < f.today)
    if f.overdue is True:
        conds.append(overdue)
    elif f.overdue is False:
        conds.append(not_(overdue))
    if f.due_within_days is not None:
        last = f.today + timedelta(days=f.due_within_days)
        conds.append(_running(and_(col(Deadline.due_date) >= f.today, col(Deadline.due_date) <= last)))
    return conds


def list_cases(session: Session, f: CaseFilter, *, limit: int, offset: int) -> tuple[list[CaseRow], int]:
    """One page of cases (newest first) and the total matching the filter."""
    conds = _conditions(session, f)
    total = session.exec(select(func.count()).select_from(Case).where(*conds)).one()
    query = (select(Case, Institution.name, Department.name, Region.name)
             .join(Department, Department.id == Case.lead_department_id)
             .join(Region, Region.code == Case.region_code)
             .outerjoin(Institution, Institution.id == Case.institution_id)
             .where(*conds).order_by(col(Case.received_at).desc(), col(Case.id).desc())
             .limit(limit).offset(offset))
    rows = session.exec(query).all()
    clocks = running_clocks(session, [case.id for case, *_ in rows])
    out = []
    for case, inst, dept, region in rows:
        mine = clocks.get(case.id, [])
        out.append(CaseRow(case, inst, dept, region, mine[0] if mine else None,
                           any(d.due_date < f.today for d in mine)))
    return out, total


def running_clocks(session: Session, case_ids: list[int]) -> dict[int, list[Deadline]]:
    if not case_ids:
        return {}
    rows = session.exec(select(Deadline).where(col(Deadline.case_id).in_(case_ids), col(Deadline.open),
                                               col(Deadline.paused_since).is_(None))
                        .order_by(col(Deadline.due_date), col(Deadline.id))).all()
    out: dict[int, list[Deadline]] = defaultdict(list)
    for row in rows:
        out[row.case_id].append(row)
    return out


# --- the supervisor's board ---------------------------------------------------------------------


@dataclass(frozen=True)
class BoardItem:
    deadline: Deadline
    case_id: int
    case_number: str
    institution_name: str | None
    due_state: DueState
    working_days_left: int


@dataclass
class BoardGroup:
    department_id: int
    department_name: str
    assignee_id: int | None  # None: nobody assigned yet (the department's supervisor owes the step)
    assignee_name: str | None
    items: list[BoardItem] = field(default_factory=list)

    @property
    def overdue(self) -> int:
        return sum(1 for i in self.items if i.due_state is DueState.OVERDUE)

    @property
    def max_escalation(self) -> int:
        return max((i.deadline.escalation_level for i in self.items), default=0)


def board(session: Session, regions: Sequence[str], today: date, calendar: WorkCalendar, *,
          soon_working_days: int = 3, department_id: int | None = None) -> list[BoardGroup]:
    """Open, running clocks that are overdue, due today or due within `soon_working_days` working
    days, grouped by lead department and assignee; most urgent first in each group."""
    horizon = today + timedelta(days=2 * soon_working_days + 14)  # covers any holiday run
    query = (select(Deadline, Case.case_number, Case.lead_department_id, Department.name, Case.assignee_id,
                    Officer.name, Institution.name)
             .join(Case, Case.id == Deadline.case_id)
             .join(Department, Department.id == Case.lead_department_id)
             .outerjoin(Officer, Officer.id == Case.assignee_id)
             .outerjoin(Institution, Institution.id == Case.institution_id)
             .where(col(Deadline.open), col(Deadline.paused_since).is_(None),
                    col(Deadline.due_date) <= horizon, Case.status != CaseStatus.CLOSED,
                    col(Case.region_code).in_(list(regions))))
    if department_id is not None:
        query = query.where(Case.lead_department_id == department_id)
    groups: dict[tuple[int, int | None], BoardGroup] = {}
    for row, number, dept_id, dept, assignee_id, assignee, inst in session.exec(query).all():
        state = deadlines.due_state(row.due_date, today, calendar, soon_working_days=soon_working_days,
                                    provisional=True)
        if state not in (DueState.OVERDUE, DueState.DUE, DueState.DUE_SOON):
            continue
        left = deadlines.working_days_left(today, row.due_date, calendar, provisional=True)
        group = groups.setdefault((dept_id, assignee_id), BoardGroup(dept_id, dept, assignee_id, assignee))
        group.items.append(BoardItem(row, row.case_id, number, inst, state, left))
    for group in groups.values():
        group.items.sort(key=lambda i: (i.deadline.due_date, -i.deadline.escalation_level, i.case_id))
    return sorted(groups.values(), key=lambda g: (-g.overdue, g.department_name, g.assignee_name or ""))


# --- statistics (the seeds' own figures, 半月通报) ---------------------------------------------------


@dataclass
class UnitFigures:
    unit_key: str
    unit_name: str
    patrol_person_times: int = 0  # 出动人次: officers × inspections
    institutions_checked: int = 0  # 检查机构数
    problems_found: int = 0  # 发现问题数: violations found at inspections
    notices_issued: int = 0  # 下达整改通知书数
    cases_opened: int = 0  # 立案数
    penalties: int = 0  # 处罚数
    fines_yuan: int = 0  # 罚没金额
    overdue_steps: int = 0  # open clocks past due today
    overdue_cases: int = 0


def _bounds(start: date, end: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """[start 00:00, end+1 00:00) in the bureau's zone, as UTC."""
    first = datetime.combine(start, time(), zone).astimezone(UTC)
    return first, datetime.combine(end + timedelta(days=1), time(), zone).astimezone(UTC)


def statistics(session: Session, regions: Sequence[str], *, start: date, end: date, today: date, zone: tzinfo,
               by: str = "department") -> list[UnitFigures]:
    """Figures per unit (`by`: "department" = lead department, "region" = the case's region) for
    the bureau-local days start..end inclusive; overdue counts are as of `today`."""
    lo, hi = _bounds(start, end, zone)
    units = _units(session, by)
    unit_col = Case.lead_department_id if by == "department" else Case.region_code
    scope = col(Case.region_code).in_(list(regions))
    figures: dict[str, UnitFigures] = {}

    def fig(key: object) -> UnitFigures:
        k = str(key)
        return figures.setdefault(k, UnitFigures(k, units.get(k, k)))

    checked: dict[str, set] = defaultdict(set)
    for unit, officers, codes, found, reinspection, inst, case_id in session.exec(
            select(unit_col, Inspection.officer_ids, Inspection.violation_codes, Inspection.violation_found,
                   Inspection.reinspection, Case.institution_id, Case.id)
            .select_from(Inspection).join(Case, Case.id == Inspection.case_id)
            .where(scope, col(Inspection.started_at) >= lo, col(Inspection.started_at) < hi)).all():
        row = fig(unit)
        row.patrol_person_times += len(officers or [])
        checked[str(unit)].add(inst if inst is not None else f"case:{case_id}")
        if found and not reinspection:
            row.problems_found += len(codes or []) or 1
    for key, seen in checked.items():
        fig(key).institutions_checked = len(seen)
    for unit, n in session.exec(
            select(unit_col, func.count()).select_from(Document).join(Case, Case.id == Document.case_id)
            .where(scope, Document.doc_type == DocumentType.RECTIFICATION_NOTICE,
                   col(Document.issued_at) >= lo, col(Document.issued_at) < hi).group_by(unit_col)).all():
        fig(unit).notices_issued = n
    for unit, n in session.exec(
            select(unit_col, func.count()).where(scope, col(Case.filed_at) >= lo, col(Case.filed_at) < hi)
            .group_by(unit_col)).all():
        fig(unit).cases_opened = n
    for unit, n, money in session.exec(
            select(unit_col, func.count(), func.sum(Penalty.fine_yuan + Penalty.confiscation_yuan))
            .select_from(Penalty).join(Case, Case.id == Penalty.case_id)
            .where(scope, Penalty.outcome == str(DecisionOutcome.PENALTY), col(Penalty.decided_on) >= start,
                   col(Penalty.decided_on) <= end).group_by(unit_col)).all():
        fig(unit).penalties, fig(unit).fines_yuan = n, int(money or 0)
    for unit, steps, cases in session.exec(
            select(unit_col, func.count(), func.count(func.distinct(Case.id)))
            .select_from(Deadline).join(Case, Case.id == Deadline.case_id)
            .where(scope, col(Deadline.open), col(Deadline.paused_since).is_(None),
                   col(Deadline.due_date) < today, Case.status != CaseStatus.CLOSED)
            .group_by(unit_col)).all():
        fig(unit).overdue_steps, fig(unit).overdue_cases = steps, cases
    return sorted(figures.values(), key=lambda f: f.unit_name)


def _units(session: Session, by: str) -> dict[str, str]:
    if by == "department":
        return {str(i): n for i, n in session.exec(select(Department.id, Department.name)).all()}
    return dict(session.exec(select(Region.code, Region.name)).all())


# --- small scoped lookups the API lists -----------------------------------------------------------


def institutions(session: Session, regions: Sequence[str], *, q: str | None = None, uscc: str | None = None,
                 region: str | None = None, category: str | None = None, licence_status: str | None = None,
                 list_status: str | None = None, limit: int, offset: int) -> tuple[list[Institution], int]:
    conds: list = [col(Institution.region_code).in_(list(regions))]
    if region is not None:
        conds.append(col(Institution.region_code).in_(repository.subtree_codes(session, region)))
    if q:
        pattern = f"%{q.replace('%', '').replace('_', '')}%"
        conds.append(or_(col(Institution.name).like(pattern), col(Institution.address).like(pattern)))
    for column, value in ((Institution.uscc, uscc), (Institution.category, category),
                          (Institution.licence_status, licence_status),
                          (Institution.list_status, list_status)):
        if value is not None:
            conds.append(column == value)
    total = session.exec(select(func.count()).select_from(Institution).where(*conds)).one()
    rows = session.exec(select(Institution).where(*conds).order_by(col(Institution.id)).limit(limit)
                        .offset(offset)).all()
    return list(rows), total


def departments(session: Session, regions: Sequence[str]) -> list[Department]:
    return list(session.exec(select(Department).where(col(Department.region_code).in_(list(regions)))
                             .order_by(col(Department.id))).all())


def officers(session: Session, regions: Sequence[str], *, department_id: int | None = None,
             active: bool | None = None) -> list[tuple[Officer, Department]]:
    query = (select(Officer, Department).join(Department, Department.id == Officer.department_id)
             .where(col(Department.region_code).in_(list(regions))))
    if department_id is not None:
        query = query.where(Officer.department_id == department_id)
    if active is not None:
        query = query.where(Officer.active == active)
    return list(session.exec(query.order_by(col(Officer.id))).all())
