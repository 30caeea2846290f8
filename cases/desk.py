"""Read side of the desk pages: the supervisor's board one row per case, officers' loads, the 法制审核
queue, hand-issued 督办单 and each user's 待办.

SELECTs only, functions taking a Session, no commits; every function takes the caller's scope
(`regions`, `repository.subtree_codes`) and never returns a row outside it (like `cases.queries`).

The board's buckets are those of the case list (`queries.work_list` with `next_due`): a case is
*overdue* when its earliest running clock is past due, *due today* when it is due today, *due soon*
when it falls within the board's working-day range — each case is counted once, by its most urgent
step, so the tiles, the case list they link to and the statistics' overdue cases agree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Integer, and_, cast, func, literal_column, or_, true, union
from sqlalchemy import case as sql_case
from sqlalchemy import select as sa_select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from cases import deadlines
from cases.calendar import WorkCalendar
from cases.enums import CaseStatus, DueState, PenaltyStep, ReviewOutcome
from cases.models import (
    Case,
    Deadline,
    Department,
    Institution,
    Officer,
    Penalty,
    SupervisionOrder,
    key,
)
from cases.patrols.models import Whistle, WhistleAnswer
from cases.queries import RUNNING_DUE_IDX, in_scope, member_of_team, running, running_clocks, soon_limit

# --- the board, one row per case --------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    deadline: Deadline
    due_state: DueState
    working_days_left: int


@dataclass
class BoardCase:
    case_id: int
    case_number: str
    status: CaseStatus
    version: int
    department_id: int
    department_name: str
    assignee_id: int | None
    assignee_name: str | None
    institution_name: str | None
    next_due: date
    escalation: int  # the highest 督办 level among its running clocks
    steps: list[Step] = field(default_factory=list)  # every running clock, most urgent first

    @property
    def urgent(self) -> Step | None:
        return self.steps[0] if self.steps else None


@dataclass
class CaseBoard:
    rows: list[BoardCase]
    total: int  # cases on the board (every page)
    overdue: int
    due_today: int
    due_soon: int  # after today, within the range
    escalated: int
    until: date  # first day past the range (exclusive)


def board_cases(session: Session, regions: Sequence[str], today: date, calendar: WorkCalendar, *,
                soon_working_days: int = 3, department_id: int | None = None, limit: int = 50,
                offset: int = 0) -> CaseBoard:
    """Open cases whose most urgent running clock is overdue, due today or due within
    `soon_working_days` working days; one row per case, most urgent first (by the case's next due
    date, then case id), each with all its running steps.

    Three statements: the page of the open cases by next due date (`Case.next_due`, kept by
    `cases.clock_units`; read from the open cases' index in that order on PostgreSQL) with the
    counts over the whole range as window totals, the cases with a 督办 level among them (from
    the running clocks, which carry their case's region and department), and the page's clocks. Within a due
    date the order is the case id: the 督办 level of a case's earliest clock follows from how long it
    is overdue, so cases due the same day stand at the same level."""
    until = soon_limit(today, calendar, soon_working_days)
    next_due = col(Case.next_due)
    where: list[Any] = [next_due < until, col(Case.status) != CaseStatus.CLOSED,
                        in_scope(session, Case.region_code, regions)]
    if department_id is not None:
        where.append(Case.lead_department_id == department_id)
    sums = (func.count(), func.sum(sql_case((next_due < today, 1), else_=0)),
            func.sum(sql_case((next_due == today, 1), else_=0)))
    # the page's ids cut first, with the counts over the whole range as window totals (from the
    # open cases' index alone on PostgreSQL); only the page's rows are joined to their names
    page = (sa_select(col(Case.id).label("case_id"), *(agg.over().label(f"total_{i}") for i, agg in enumerate(sums)))
            .where(*where).order_by(next_due, col(Case.id)).limit(limit).offset(offset).subquery("board_page"))
    rows = session.execute(
        sa_select(col(Case.id), col(Case.case_number), col(Case.status), col(Case.version),
                  col(Case.lead_department_id), col(Department.name), col(Case.assignee_id), col(Officer.name),
                  col(Institution.name), next_due, *(page.c[f"total_{i}"] for i in range(len(sums))))
        .select_from(page).join(Case, col(Case.id) == page.c.case_id)
        .join(Department, col(Department.id) == col(Case.lead_department_id))
        .outerjoin(Officer, col(Officer.id) == col(Case.assignee_id))
        .outerjoin(Institution, col(Institution.id) == col(Case.institution_id))
        .order_by(next_due, col(Case.id))).all()
    if rows:
        counted: Sequence[Any] = rows[0][-len(sums):]
    else:  # past the last page (or nothing on the board): the counts alone
        counted = session.execute(sa_select(*sums).select_from(Case).where(*where)).one()
    total, overdue, due_today = (int(v or 0) for v in counted)
    # the running clocks copy their case's region and department (cases.clock_units); one with a
    # 督办 level is overdue, so its case is on the board
    clock_scope: list[Any] = [*running(), col(Deadline.escalation_level) > 0, col(Deadline.due_date) < until,
                              in_scope(session, Deadline.region_code, regions)]
    if department_id is not None:
        clock_scope.append(Deadline.department_id == department_id)
    escalated = session.exec(select(func.count(func.distinct(Deadline.case_id))).where(*clock_scope)
                             .with_hint(Deadline, f"INDEXED BY {RUNNING_DUE_IDX}", "sqlite")).one()
    clocks = running_clocks(session, [r[0] for r in rows])
    out = []
    for i, n, st, v, d, dn, a, an, inst, nd, *_totals in rows:
        steps = [Step(c, deadlines.due_state(c.due_date, today, calendar, soon_working_days=soon_working_days,
                                             provisional=True),
                      deadlines.working_days_left(today, c.due_date, calendar, provisional=True))
                 for c in clocks.get(i, [])]
        steps.sort(key=lambda s: (s.deadline.due_date, -s.deadline.escalation_level, s.deadline.id))
        level = max((s.deadline.escalation_level for s in steps), default=0)
        out.append(BoardCase(i, n, CaseStatus(st), v, d, dn, a, an, inst, nd, level, steps))
    return CaseBoard(out, total, overdue, due_today, total - overdue - due_today, int(escalated or 0), until)


def officer_loads(session: Session, officer_ids: Sequence[int]) -> dict[int, int]:
    """Open cases per officer: those they lead (承办人) or are on the team of.

    Counted in SQL, one row per officer: the (case, member) pairs of the open cases led by one of
    them or of their departments, without repeats (UNION), grouped by member. A province board's
    page names dozens of departments, whose open cases are tens of thousands of rows."""
    ids = [i for i in set(officer_ids) if i]
    if not ids:
        return {}
    # the departments as values, not a subquery: the open cases of a few departments are then a
    # range of the open-cases index (PostgreSQL, migration 0025) instead of a scan of every open case
    depts = sorted(set(session.exec(select(Officer.department_id).where(col(Officer.id).in_(ids))).all()))
    open_ = col(Case.status) != CaseStatus.CLOSED
    # each case set by its own index (the open cases of the departments; the cases each leads), not
    # one OR that no index answers: a county's 64,000-row scan of every open case became two ranges
    led_by_them, of_their_units = col(Case.assignee_id).in_(ids), col(Case.lead_department_id).in_(depts)
    team = col(Case.team_officer_ids)
    if session.get_bind().dialect.name == "postgresql":
        arrays = sql_case((func.json_typeof(team) == "array", team), else_=literal_column("'[]'::json"))
        members = func.json_array_elements_text(arrays).table_valued("value")
    else:
        members = func.json_each(team).table_valued("value")
    on_team: list[Any] = [sa_select(col(Case.id).label("case_id"), cast(members.c.value, Integer).label("officer_id"))
               .select_from(Case).join(members, true()).where(open_, cases) for cases in (led_by_them, of_their_units)]
    # the 承办人 is the first of the team (`assign_case` writes both), so leading is being on the team
    pairs = union(*on_team).subquery("members")
    counted = session.execute(sa_select(pairs.c.officer_id, func.count()).where(pairs.c.officer_id.in_(ids))
                              .group_by(pairs.c.officer_id)).all()
    loads = {int(officer): int(n) for officer, n in counted}
    return {i: loads.get(i, 0) for i in ids}


# --- 法制审核 queue -------------------------------------------------------------------------------

REVIEW_STEPS = (PenaltyStep.STATEMENT_CLOSED, PenaltyStep.HEARING_HELD, PenaltyStep.LEGAL_REVIEW)


@dataclass(frozen=True)
class ReviewItem:
    case: Case
    penalty: Penalty
    department_name: str
    institution_name: str | None
    kind: str  # first / again (after 不通过 / 退回补充调查) / after_hearing
    investigator: bool  # the reviewer is on the case's team (may not review, 53号令 art. 33)

    @property
    def kind_label(self) -> str:
        return {"first": "首次审核", "again": "退回后再次审核", "after_hearing": "听证后审核"}[self.kind]


def _pending_kind(penalty: Penalty, step: PenaltyStep | None) -> str | None:
    """Why the case waits for a 法制审核 opinion (None: it does not)."""
    reviews = penalty.reviews or []
    last = max(reviews, key=lambda r: str(r.get("reviewed_on", ""))) if reviews else None
    if last is None:
        return "first" if penalty.review_required else None
    if last.get("outcome") != ReviewOutcome.PASSED.value:
        return "again"
    held = penalty.hearing_held_on
    if step is PenaltyStep.HEARING_HELD and held is not None and str(last.get("reviewed_on", "")) < held.isoformat():
        return "after_hearing"
    return None


def review_queue(session: Session, regions: Sequence[str], reviewer_id: int | None) -> list[ReviewItem]:
    """Cases in scope that wait for a 法制审核 opinion, oldest statement window first."""
    rows = session.exec(
        select(Case, Penalty, Department.name, Institution.name).join(Penalty, col(Penalty.case_id) == col(Case.id))
        .join(Department, col(Department.id) == col(Case.lead_department_id))
        .outerjoin(Institution, col(Institution.id) == col(Case.institution_id))
        .where(Case.status == CaseStatus.PENALTY, col(Case.penalty_step).in_(list(REVIEW_STEPS)),
               in_scope(session, Case.region_code, regions))
        .order_by(col(Penalty.statement_closes_on), col(Case.id))).all()
    out = []
    for case, penalty, dept, inst in rows:
        kind = _pending_kind(penalty, case.penalty_step)
        if kind is not None:
            out.append(ReviewItem(case, penalty, dept, inst, kind,
                                  reviewer_id is not None and reviewer_id in (case.team_officer_ids or [])))
    return out


def reviewed_by(session: Session, regions: Sequence[str], reviewer_id: int,
                limit: int = 20) -> list[tuple[Case, dict[str, Any]]]:
    """The reviewer's own recent opinions (case, review), newest first."""
    rows = session.exec(select(Case, Penalty).join(Penalty, col(Penalty.case_id) == col(Case.id))
                        .where(in_scope(session, Case.region_code, regions),
                               Penalty.legal_review_on.is_not(None))  # type: ignore[union-attr]
                        .order_by(col(Penalty.legal_review_on).desc()).limit(limit * 5)).all()
    mine = [(case, r) for case, p in rows for r in (p.reviews or []) if r.get("reviewer_id") == reviewer_id]
    return sorted(mine, key=lambda cr: str(cr[1].get("reviewed_on", "")), reverse=True)[:limit]


# --- 督办单 -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderRow:
    order: SupervisionOrder
    case_number: str
    from_name: str
    to_name: str


def supervision_orders(session: Session, department_ids: Sequence[int], *, received: bool | None = None,
                       case_id: int | None = None, open_only: bool = False) -> list[OrderRow]:
    """督办单 issued by or to the given departments (`received`: True only to them, False only by them)."""
    ids = list(department_ids)
    to_dept = Department.__table__.alias("to_dept")  # type: ignore[attr-defined]
    query = (select(SupervisionOrder, Case.case_number, Department.name, to_dept.c.name)
             .join(Case, col(Case.id) == col(SupervisionOrder.case_id))
             .join(Department, col(Department.id) == col(SupervisionOrder.from_department_id))
             .join(to_dept, to_dept.c.id == col(SupervisionOrder.to_department_id)))
    if received is True:
        query = query.where(col(SupervisionOrder.to_department_id).in_(ids))
    elif received is False:
        query = query.where(col(SupervisionOrder.from_department_id).in_(ids))
    else:
        query = query.where(or_(col(SupervisionOrder.to_department_id).in_(ids),
                                col(SupervisionOrder.from_department_id).in_(ids)))
    if case_id is not None:
        query = query.where(SupervisionOrder.case_id == case_id)
    if open_only:
        query = query.where(col(SupervisionOrder.feedback_at).is_(None))
    rows = session.exec(query.order_by(col(SupervisionOrder.issued_at).desc(), col(SupervisionOrder.id).desc())).all()
    return [OrderRow(o, n, f, t) for o, n, f, t in rows]


# --- 待办 -------------------------------------------------------------------------------------


@dataclass
class Inbox:
    assigned: list[Any] = field(default_factory=list)  # CaseRow: open cases you lead or are on the team of
    due_soon: list[tuple[int, str, Deadline]] = field(default_factory=list)  # (case id, number, step) in the range
    overdue: list[tuple[int, str, Deadline]] = field(default_factory=list)
    supervision: list[OrderRow] = field(default_factory=list)  # 督办单 to your unit, not answered
    reviews: list[ReviewItem] = field(default_factory=list)  # 法制审核 requested (legal reviewers)
    whistles: list[Whistle] = field(default_factory=list)  # 吹哨 your unit has not reported (报到) to

    def counts(self) -> dict[str, int]:
        return {"assigned": len(self.assigned), "due_soon": len(self.due_soon), "overdue": len(self.overdue),
                "supervision": len(self.supervision), "reviews": len(self.reviews), "whistles": len(self.whistles)}

    @property
    def total(self) -> int:
        """What asks for action: overdue and due-soon steps, 督办, reviews, whistles (assigned cases
        are the list the others come from, so they are not added again)."""
        c = self.counts()
        return c["due_soon"] + c["overdue"] + c["supervision"] + c["reviews"] + c["whistles"]


def inbox(session: Session, regions: Sequence[str], today: date, calendar: WorkCalendar, *, officer_id: int | None,
          department_id: int | None, roles: frozenset[str], soon_working_days: int = 3) -> Inbox:
    from cases.queries import work_list

    box = Inbox()
    if officer_id is None:
        return box
    if {"officer", "supervisor"} & roles:
        rows, _ = work_list(session, regions, today, member_id=officer_id, limit=200)
        box.assigned = rows
        owed = list(rows)
        if "supervisor" in roles and department_id is not None:  # the assignment their unit owes (分派)
            waiting, _ = work_list(session, regions, today, state=CaseStatus.RECEIVED, department_id=department_id,
                                   limit=200)
            mine = {r.case.id for r in rows}
            owed += [r for r in waiting if r.case.id not in mine]
        until = soon_limit(today, calendar, soon_working_days)
        clocks = running_clocks(session, [r.case.id for r in owed if r.case.id is not None])
        for r in owed:
            for d in clocks.get(r.case.id or 0, []):
                if d.due_date < today:
                    box.overdue.append((key(r.case), r.case.case_number, d))
                elif d.due_date < until:
                    box.due_soon.append((key(r.case), r.case.case_number, d))
    if department_id is not None and "supervisor" in roles:
        box.supervision = supervision_orders(session, [department_id], received=True, open_only=True)
    if "legal" in roles:
        box.reviews = [i for i in review_queue(session, regions, officer_id) if not i.investigator]
    if department_id is not None and {"officer", "supervisor"} & roles:
        box.whistles = list(session.exec(select(Whistle).where(_waiting_whistle(department_id))
                                         .order_by(col(Whistle.answer_by), col(Whistle.id))).all())
    return box


def _waiting_whistle(department_id: int) -> ColumnElement[bool]:
    """A whistle (吹哨) the department has not reported (报到) to yet."""
    return col(Whistle.id).in_(select(WhistleAnswer.whistle_id).where(
        WhistleAnswer.department_id == department_id, col(WhistleAnswer.state).in_(("pending", "escalated"))))


def todo_count(session: Session, regions: Sequence[str], today: date, calendar: WorkCalendar, *,
               officer_id: int | None, department_id: int | None, roles: frozenset[str],
               soon_working_days: int = 3) -> int:
    """The 待办 badge of every page: what `Inbox.total` adds up, counted in SQL instead of built as the
    inbox's lists (two case lists with their names and clocks, on every page; docs/scale.md "Web
    pages"). It counts the running steps of all the cases the inbox draws from, where the 待办 page
    lists those of the first 200 of each list."""
    if officer_id is None:
        return 0
    n = 0
    if {"officer", "supervisor"} & roles:
        owed: ColumnElement[bool] = or_(col(Case.assignee_id) == officer_id, member_of_team(session, officer_id))
        if "supervisor" in roles and department_id is not None:  # the assignment their unit owes (分派)
            owed = or_(owed, and_(col(Case.status) == CaseStatus.RECEIVED,
                                  col(Case.lead_department_id) == department_id))
        n += session.exec(select(func.count()).select_from(Deadline)
                          .with_hint(Deadline, f"INDEXED BY {RUNNING_DUE_IDX}", "sqlite")
                          .join(Case, col(Case.id) == col(Deadline.case_id))
                          .where(*running(), col(Case.status) != CaseStatus.CLOSED,
                                 in_scope(session, Case.region_code, regions), owed,
                                 col(Deadline.due_date) < soon_limit(today, calendar, soon_working_days))).one()
    if department_id is not None and "supervisor" in roles:
        n += len(supervision_orders(session, [department_id], received=True, open_only=True))
    if "legal" in roles:
        n += sum(1 for i in review_queue(session, regions, officer_id) if not i.investigator)
    if department_id is not None and {"officer", "supervisor"} & roles:
        n += session.exec(select(func.count()).select_from(Whistle).where(_waiting_whistle(department_id))).one()
    return n


def lower_units(session: Session, regions: Sequence[str], own_department_id: int | None) -> list[Department]:
    """Departments in scope other than one's own: those a 督办单 may be sent to."""
    return [d for d in session.exec(select(Department).where(in_scope(session, Department.region_code, regions))
                                    .order_by(col(Department.id))).all() if d.id != own_department_id]


def by_department(rows: Sequence[BoardCase]) -> dict[int, list[BoardCase]]:
    out: dict[int, list[BoardCase]] = defaultdict(list)
    for r in rows:
        out[r.department_id].append(r)
    return out


def case_by_number(session: Session, regions: Sequence[str], number: str) -> Case | None:
    """The case with this number inside the caller's scope (None outside it: it does not exist for them)."""
    return session.exec(select(Case).where(Case.case_number == number.strip(),
                                           in_scope(session, Case.region_code, regions))).first()
