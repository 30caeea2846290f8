"""Read side: case lists with filters, the supervisor's deadline board, statistics per unit, and
the web pages' reads (work list, officer pickers, institution history, patrol calendar).

SELECTs only, functions taking a Session, no commits. Every function takes the caller's scope
(`regions`: the region codes of their jurisdiction subtree, `repository.subtree_codes`) and never
returns a row outside it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    cast,
    exists,
    func,
    literal,
    literal_column,
    not_,
    or_,
    true,
    tuple_,
    union_all,
)
from sqlalchemy import case as sql_case
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.sqlite.base import SQLiteCompiler
from sqlmodel import Session, col, select

from cases import deadlines, figures, repository
from cases.calendar import WorkCalendar
from cases.clock_units import running
from cases.enums import CaseStatus, DecisionOutcome, DocumentType, DueState, VisitResult
from cases.models import (
    Case,
    Complaint,
    Deadline,
    Department,
    Document,
    FigureMonth,
    FigurePlace,
    Inspection,
    Institution,
    Officer,
    Penalty,
    Region,
    ServiceRecord,
    key,
)
from cases.patrols.models import PatrolMember, PatrolPlan, PatrolTeam, PatrolVisit, Whistle, WhistleAnswer
from cases.patrols.sheets import KIND_LABELS


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


def _sqlite_from_hint(self, table, text: str | None) -> str | None:  # noqa: ANN001
    return text


# SQLAlchemy's SQLite compiler renders no FROM hints (`with_hint(..., "sqlite")` would be dropped);
# SQLite's table hint is `INDEXED BY`, written right after the table (and its alias) as SQLAlchemy
# places it. Only statements that ask for a SQLite hint are affected.
SQLiteCompiler.get_from_hint_text = _sqlite_from_hint

RUNNING_DUE_IDX = "deadline_running_due_idx"  # (due_date, case_id) WHERE open AND paused_since IS NULL
RUNNING_CASE_IDX = "deadline_running_case_idx"  # (case_id, due_date) WHERE open AND paused_since IS NULL


def in_scope(session: Session, column, regions: Sequence[str]):  # noqa: ANN001, ANN201
    """`column IN regions` — or no condition at all when the scope is every region there is (a
    province supervisor at the installation's root): region codes are foreign keys, so nothing
    can be outside, and a 1,000-code IN-list only costs the planner and every row's check."""
    codes = list(regions)
    known = repository.region_parents(session)
    if len(codes) >= len(known) and known.keys() <= set(codes):
        return true()
    return col(column).in_(codes)


def _period(session: Session, column, regions: Sequence[str]):  # noqa: ANN001, ANN201
    """A statistics period column, usable by its index only when the scope is wide.

    For a narrow scope (a county: a few percent of the regions) the best plan starts from the
    scope's cases and their rows by case id; a wide one starts from the period's index. PostgreSQL
    chooses from its statistics; SQLite has none (the product never runs ANALYZE) and would take
    the period index for any scope, reading the whole province's year for one county. There the
    column is written `+column`, SQLite's way of keeping a term off an index."""
    if session.get_bind().dialect.name != "sqlite" or 4 * len(regions) >= len(repository.region_parents(session)):
        return col(column)
    return literal_column(f"+{column.table.name}.{column.name}", type_=column.type)


def _running(due_cmp) -> object:  # noqa: ANN001
    """Case.id IN (cases with a running clock whose due date satisfies `due_cmp`).

    Not a correlated EXISTS: the set is read once from the running-clocks index on due date (on
    SQLite named with INDEXED BY, so the choice does not depend on whether ANALYZE ever ran —
    without statistics SQLite would take the boolean `open` index inside the correlated probe)."""
    ids = (select(Deadline.case_id).where(*running(), due_cmp)
           .with_hint(Deadline, f"INDEXED BY {RUNNING_DUE_IDX}", "sqlite"))
    return col(Case.id).in_(ids)


def _conditions(session: Session, f: CaseFilter) -> list:
    conds: list = [in_scope(session, Case.region_code, f.regions)]
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
    # a running clock past due ⇔ the case's earliest one is (`Case.next_due`, cases.clock_units)
    overdue = col(Case.next_due) < f.today
    if f.overdue is True or f.due_within_days is not None:
        # implied (closing a case closes its clocks), stated for the open cases' index by region
        # (0026): the scope's open cases instead of all its cases
        conds.append(Case.status != CaseStatus.CLOSED)
    if f.overdue is True:
        conds.append(overdue)
    elif f.overdue is False:
        conds.append(or_(col(Case.next_due).is_(None), not_(overdue)))
    if f.due_within_days is not None:
        last = f.today + timedelta(days=f.due_within_days)
        conds.append(_running(and_(col(Deadline.due_date) >= f.today, col(Deadline.due_date) <= last)))
    return conds


COUNT_CAP = 10_000  # the API list counts at most this many matches (then says "at least")


@dataclass(frozen=True)
class CasePageRows:
    rows: list[CaseRow]
    total: int  # exact when `total_exact`, else a lower bound (COUNT_CAP)
    total_exact: bool
    next_after: tuple[datetime, int] | None  # keyset cursor of the next page (None on the last page)


def list_cases(session: Session, f: CaseFilter, *, limit: int, offset: int) -> tuple[list[CaseRow], int]:
    """One page of cases (newest first) and the exact total matching the filter."""
    found = list_cases_page(session, f, limit=limit, offset=offset, count_cap=None)
    return found.rows, found.total


def list_cases_page(session: Session, f: CaseFilter, *, limit: int, offset: int = 0,
                    after: tuple[datetime, int] | None = None, count_cap: int | None = COUNT_CAP) -> CasePageRows:
    """One page of cases, newest first (received_at, id descending).

    `after` (the previous page's last (received_at, id)) continues by keyset instead of OFFSET, so
    a deep page reads one page of the (region, received_at, id) or (received_at, id) index rather
    than every row before it. The count stops at `count_cap` rows (a bounded scan; None: exact)."""
    conds = _conditions(session, f)
    counted = select(Case.id).where(*conds)
    if count_cap is None:
        total = session.exec(select(func.count()).select_from(counted.subquery())).one()
        exact = True
    else:
        total = session.exec(select(func.count()).select_from(counted.limit(count_cap + 1).subquery())).one()
        exact = total <= count_cap
        total = min(total, count_cap)
    # the page's ids first, ordered and cut from the ids alone, then only those rows with their
    # names: asked for whole rows, PostgreSQL walked the whole province's received_at index
    # backwards for a county's overdue cases and filtered out the other counties' rows (35 k rows
    # for a page of 50, docs/scale.md "10^6 cases on PostgreSQL"); asked for ids it reads the
    # scope's (region, received_at, id) index and the running clocks and sorts the few matches
    newest = (col(Case.received_at).desc(), col(Case.id).desc())
    ids = select(Case.id, Case.received_at).where(*conds)
    if after is not None:
        ids = ids.where(tuple_(col(Case.received_at), col(Case.id)) < tuple_(*after))
    else:
        ids = ids.offset(offset)
    page = ids.order_by(*newest).limit(limit).subquery()
    rows = session.exec(select(Case, Institution.name, Department.name, Region.name)
                        .join(page, page.c.id == Case.id)
                        .join(Department, Department.id == Case.lead_department_id)
                        .join(Region, Region.code == Case.region_code)
                        .outerjoin(Institution, Institution.id == Case.institution_id)
                        .order_by(page.c.received_at.desc(), page.c.id.desc())).all()
    clocks = running_clocks(session, [case.id for case, *_ in rows])
    out = []
    for case, inst, dept, region in rows:
        mine = clocks.get(case.id, [])
        out.append(CaseRow(case, inst, dept, region, mine[0] if mine else None,
                           any(d.due_date < f.today for d in mine)))
    last = out[-1].case if len(out) == limit else None
    return CasePageRows(out, total, exact, (last.received_at, last.id) if last else None)


def running_clocks(session: Session, case_ids: list[int]) -> dict[int, list[Deadline]]:
    if not case_ids:
        return {}
    rows = session.exec(select(Deadline).where(col(Deadline.case_id).in_(case_ids), *running())
                        .with_hint(Deadline, f"INDEXED BY {RUNNING_CASE_IDX}", "sqlite")
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
    items: list[BoardItem] = field(default_factory=list)  # the first ones (board_page's items_per_group)
    count: int | None = None  # every item of the group (when the items are a page of it)
    overdue_count: int | None = None
    top_escalation: int | None = None

    @property
    def overdue(self) -> int:
        if self.overdue_count is not None:
            return self.overdue_count
        return sum(1 for i in self.items if i.due_state is DueState.OVERDUE)

    @property
    def total(self) -> int:
        return self.count if self.count is not None else len(self.items)

    @property
    def max_escalation(self) -> int:
        if self.top_escalation is not None:
            return self.top_escalation
        return max((i.deadline.escalation_level for i in self.items), default=0)


def soon_limit(today: date, calendar: WorkCalendar, soon_working_days: int) -> date:
    """The first due date past "due soon": a running clock due before it is overdue, due today or
    due within `soon_working_days` working days (`deadlines.due_state`), so the board is a range."""
    return calendar.add_working_days(today, soon_working_days + 1, provisional=True).date


@dataclass
class Board:
    groups: list[BoardGroup]  # this page of groups, most overdue first, each with its first items
    groups_total: int
    overdue: int  # over every group, not only this page
    due_soon: int  # due today or soon, over every group
    due_today: int = 0
    escalated: int = 0  # items with a 督办 level


def board_page(session: Session, regions: Sequence[str], today: date, calendar: WorkCalendar, *,
               soon_working_days: int = 3, department_id: int | None = None, limit: int = 100, offset: int = 0,
               items_per_group: int = 100) -> Board:
    """Open, running clocks that are overdue, due today or due within `soon_working_days` working
    days, grouped by lead department and assignee (most overdue first); most urgent first in each
    group. Two statements whatever the number of rows: the page of groups with their counts and
    the totals over all groups (GROUP BY, window sums), then the first `items_per_group` items of
    the page's groups (a window over the same range, read group by group).

    Both read the clocks alone, by the running-clocks index on due date, which includes the case's
    region, lead department and assignee copied into each clock (`cases.clock_units`); a running
    clock is a clock of an open case, since `fire` stops every clock of a case it closes. The
    case numbers and the names are joined to the page's rows only."""
    until = soon_limit(today, calendar, soon_working_days)
    where = [*running(), col(Deadline.due_date) < until, in_scope(session, Deadline.region_code, regions)]
    if department_id is not None:
        where.append(Deadline.department_id == department_id)
    late = func.sum(sql_case((col(Deadline.due_date) < today, 1), else_=0))
    due_today = func.sum(sql_case((col(Deadline.due_date) == today, 1), else_=0))
    escalated = func.sum(sql_case((col(Deadline.escalation_level) > 0, 1), else_=0))
    per = (select(Deadline.department_id, Deadline.assignee_id, func.count().label("n"), late.label("late"),
                  func.max(Deadline.escalation_level).label("top"), due_today.label("today"),
                  escalated.label("escalated"))
           .with_hint(Deadline, f"INDEXED BY {RUNNING_DUE_IDX}", "sqlite")
           .where(*where).group_by(Deadline.department_id, Deadline.assignee_id).subquery("per_group"))
    # the page cut in SQL, most overdue first, with the totals over every group as window sums: a
    # province has some 6,000 groups, and only the page's come back
    sums = (func.count(), func.sum(per.c.late), func.sum(per.c.n), func.sum(per.c.today), func.sum(per.c.escalated))
    rows = session.exec(
        select(per.c.department_id, Department.name, per.c.assignee_id, Officer.name, per.c.n, per.c.late,
               per.c.top, *(agg.over() for agg in sums))
        .select_from(per).join(Department, Department.id == per.c.department_id)
        .outerjoin(Officer, Officer.id == per.c.assignee_id)
        .order_by(per.c.late.desc(), _codepoints(session, Department.name),
                  func.coalesce(_codepoints(session, Officer.name), ""), per.c.department_id, per.c.assignee_id)
        .limit(limit).offset(offset)).all()
    if rows:
        totals = rows[0][-len(sums):]
    else:  # past the last page (or nothing on the board): the totals alone
        totals = session.exec(select(*sums).select_from(per)).one()
    groups_total, total_overdue, total_items, total_today, total_escalated = (int(v or 0) for v in totals)
    groups = {(d, a): BoardGroup(d, dn, a, an, count=n, overdue_count=int(o or 0), top_escalation=int(m or 0))
              for d, dn, a, an, n, o, m, *_totals in rows}
    if groups:
        rank = func.row_number().over(
            partition_by=(Deadline.department_id, Deadline.assignee_id),
            order_by=(col(Deadline.due_date), col(Deadline.escalation_level).desc(), col(Deadline.case_id),
                      col(Deadline.id))).label("rank")
        # the ranks from the index alone; the case number and the institution are joined to the
        # ranked items only
        inner = (select(Deadline.id.label("deadline_id"), rank)
                 .with_hint(Deadline, f"INDEXED BY {RUNNING_DUE_IDX}", "sqlite")
                 .where(*where, _groups_in(groups)).subquery())
        rows = session.exec(select(Deadline, Case.case_number, Institution.name)
                            .join(inner, inner.c.deadline_id == Deadline.id)
                            .join(Case, Case.id == Deadline.case_id)
                            .outerjoin(Institution, Institution.id == Case.institution_id)
                            .where(inner.c.rank <= items_per_group)
                            .order_by(col(Deadline.department_id), inner.c.rank)).all()
        for row, number, inst in rows:
            state = deadlines.due_state(row.due_date, today, calendar, soon_working_days=soon_working_days,
                                        provisional=True)
            left = deadlines.working_days_left(today, row.due_date, calendar, provisional=True)
            groups[row.department_id, row.assignee_id].items.append(
                BoardItem(row, row.case_id, number, inst, state, left))
    return Board(list(groups.values()), groups_total, total_overdue, total_items - total_overdue, total_today,
                 total_escalated)


def _codepoints(session: Session, column):  # noqa: ANN001, ANN202
    """`column` compared by code point, as Python and SQLite compare strings (PostgreSQL would use
    the database's collation)."""
    return column.collate("C") if session.get_bind().dialect.name == "postgresql" else column


def _groups_in(groups: dict[tuple[int, int | None], BoardGroup]):  # noqa: ANN202
    """The clocks of the page's groups only, as (lead department, assignee) pairs that the
    running-clocks index by group answers pair by pair (nobody assigned: the department with no
    assignee). A page of 100 groups out of thousands must not rank the clocks of every group."""
    assigned = sorted((d, a) for d, a in groups if a is not None)
    unassigned = sorted(d for d, a in groups if a is None)
    terms = []
    if assigned:
        terms.append(tuple_(col(Deadline.department_id), col(Deadline.assignee_id)).in_(assigned))
    if unassigned:
        terms.append(and_(col(Deadline.assignee_id).is_(None), col(Deadline.department_id).in_(unassigned)))
    return or_(*terms)


def board(session: Session, regions: Sequence[str], today: date, calendar: WorkCalendar, *,
          soon_working_days: int = 3, department_id: int | None = None) -> list[BoardGroup]:
    """Every group of the board with every item (`board_page` without a page)."""
    return board_page(session, regions, today, calendar, soon_working_days=soon_working_days,
                      department_id=department_id, limit=1_000_000, items_per_group=1_000_000).groups


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


def statistics(session: Session, regions: Sequence[str], *, start: date, end: date, today: date, zone: tzinfo,
               by: str = "department") -> list[UnitFigures]:
    """Figures per unit (`by`: "department" = lead department, "region" = the case's region) for
    the bureau-local days start..end inclusive; overdue counts are as of `today`.

    The clean months wholly inside the period come from the month rows, the other days from the
    rows themselves (`cases.figures`); 检查机构数 counts each place once over both."""
    units = _units(session, by)
    unit_col: Any = col(Case.lead_department_id) if by == "department" else col(Case.region_code)
    scope = in_scope(session, Case.region_code, regions)
    part = figures.split(session, start, end, zone)
    figures_: dict[str, UnitFigures] = {}

    def fig(key: object) -> UnitFigures:
        k = str(key)
        return figures_.setdefault(k, UnitFigures(k, units.get(k, k)))

    if part.rest:
        for (unit,), values in figures.row_figures(
                session, [unit_col], scope, started=_period(session, Inspection.started_at, regions),
                issued=_period(session, Document.issued_at, regions), filed=_period(session, Case.filed_at, regions),
                days=part.rest, zone=zone, with_places=not part.months).items():
            row = fig(unit)
            for name, value in values.items():
                setattr(row, name, value)
    if part.months:
        month_unit: Any = col(FigureMonth.department_id) if by == "department" else col(FigureMonth.region_code)
        for unit, *sums in session.execute(
                sa_select(month_unit, *(func.sum(getattr(FigureMonth, n)) for n in figures.ADDITIVE))
                .where(col(FigureMonth.month).in_(part.months), in_scope(session, FigureMonth.region_code, regions))
                .group_by(month_unit)).all():
            row = fig(unit)
            for name, total in zip(figures.ADDITIVE, sums, strict=True):
                setattr(row, name, getattr(row, name) + int(total or 0))
        place_unit: Any = col(FigurePlace.department_id) if by == "department" else col(FigurePlace.region_code)
        place_scope = in_scope(session, FigurePlace.region_code, regions)
        eras = [(era, col(FigurePlace.era) == era, col(FigurePlace.months).op("&")(mask) != 0)
                for era, mask in figures.era_masks(part.months).items()]
        if len(eras) == 1 and not part.rest:  # one row per place: a count, no DISTINCT
            counted: Any = (sa_select(place_unit, func.count()).where(place_scope, *eras[0][1:]).group_by(place_unit))
        else:
            places: Any = union_all(*(sa_select(place_unit.label("unit"), col(FigurePlace.place).label("place"))
                                      .where(place_scope, in_era, in_months) for _, in_era, in_months in eras),
                                    *([sa_select(unit_col, figures.place_of()).select_from(Inspection)
                                       .join(Case, col(Case.id) == col(Inspection.case_id))
                                       .where(scope, figures.within(_period(session, Inspection.started_at, regions),
                                                                    figures.utc_ranges(part.rest, zone)))]
                                      if part.rest else [])).subquery("places")
            counted = (sa_select(places.c.unit, func.count(func.distinct(places.c.place))).group_by(places.c.unit))
        for unit, n in session.execute(counted).all():
            fig(unit).institutions_checked = int(n)
    for unit, steps, cases in session.exec(
            select(unit_col, func.count(), func.count(func.distinct(Case.id)))
            .select_from(Deadline).with_hint(Deadline, f"INDEXED BY {RUNNING_DUE_IDX}", "sqlite")
            .join(Case, col(Case.id) == col(Deadline.case_id))
            .where(scope, col(Deadline.open), col(Deadline.paused_since).is_(None),
                   col(Deadline.due_date) < today, Case.status != CaseStatus.CLOSED)
            .group_by(unit_col)).all():
        fig(unit).overdue_steps, fig(unit).overdue_cases = steps, cases
    return sorted(figures_.values(), key=lambda f: f.unit_name)


def _units(session: Session, by: str) -> dict[str, str]:
    if by == "department":
        return {str(i): n for i, n in session.exec(select(Department.id, Department.name)).all()}
    return dict(session.exec(select(Region.code, Region.name)).all())


# --- small scoped lookups the API lists -----------------------------------------------------------


def institutions(session: Session, regions: Sequence[str], *, q: str | None = None, uscc: str | None = None,
                 region: str | None = None, category: str | None = None, licence_status: str | None = None,
                 list_status: str | None = None, limit: int, offset: int) -> tuple[list[Institution], int]:
    conds: list = [in_scope(session, Institution.region_code, regions)]
    if region is not None:
        conds.append(col(Institution.region_code).in_(repository.subtree_codes(session, region)))
    if q:
        conds.append(institution_search(q))
    for column, value in ((Institution.uscc, uscc), (Institution.category, category),
                          (Institution.licence_status, licence_status),
                          (Institution.list_status, list_status)):
        if value is not None:
            conds.append(column == value)
    total = session.exec(select(func.count()).select_from(Institution).where(*conds)).one()
    rows = session.exec(select(Institution).where(*conds).order_by(col(Institution.id)).limit(limit)
                        .offset(offset)).all()
    return list(rows), total


def institution_search(q: str) -> ColumnElement[bool]:
    """One search box over the register: name (also its normalised key, so spaces, brackets and the
    company suffix do not matter), address, phone and 统一社会信用代码 (any case, spaces ignored)."""
    from cases.uscc import normalise_name

    text = q.replace("%", "").replace("_", "").strip()
    pattern = f"%{text}%"
    compact = "".join(text.split())
    conds: list[ColumnElement[bool]] = [col(Institution.name).like(pattern), col(Institution.address).like(pattern),
                                        col(Institution.phone).like(f"%{compact}%")]
    if key := normalise_name(text):
        conds.append(col(Institution.name_key).like(f"%{key}%"))
    if compact.isalnum() and compact.isascii() and len(compact) >= 4:
        conds.append(col(Institution.uscc).like(f"%{compact.upper()}%"))
    return or_(*conds)


def departments(session: Session, regions: Sequence[str]) -> list[Department]:
    return list(session.exec(select(Department).where(in_scope(session, Department.region_code, regions))
                             .order_by(col(Department.id))).all())


def officers(session: Session, regions: Sequence[str], *, department_id: int | None = None,
             active: bool | None = None) -> list[tuple[Officer, Department]]:
    query = (select(Officer, Department).join(Department, Department.id == Officer.department_id)
             .where(in_scope(session, Department.region_code, regions)))
    if department_id is not None:
        query = query.where(Officer.department_id == department_id)
    if active is not None:
        query = query.where(Officer.active == active)
    return list(session.exec(query.order_by(col(Officer.id))).all())


# --- the web pages' reads (work list, pickers, institution history, patrol calendar) ----------------

ListedCase = CaseRow  # the web list's row is the API list's row


def member_of_team(session: Session, officer_id: int):  # noqa: ANN202
    """The case's team (JSON list of officer ids) contains `officer_id`."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(Case.team_officer_ids, JSONB).contains([officer_id])
    members = func.json_each(Case.team_officer_ids).table_valued("value")
    return exists(sa_select(literal(1)).select_from(members).where(members.c.value == officer_id))


def work_list(session: Session, regions: Sequence[str], today: date, *, member_id: int | None = None,
              q: str | None = None, state: CaseStatus | None = None, overdue_only: bool = False,
              include_closed: bool = False, limit: int = 30, offset: int = 0, department_id: int | None = None,
              next_due_from: date | None = None, next_due_before: date | None = None,
              escalated: bool = False) -> tuple[list[CaseRow], int]:
    """Cases in scope (of one officer's team when `member_id`), overdue first, then by the next due date.

    `next_due_from` / `next_due_before` keep cases whose earliest running clock falls in that range
    and `escalated` those with a 督办 level on a running clock: the buckets of the board
    (`cases.desk.board_cases`), so its tiles link here and the counts agree."""
    conds: list = [in_scope(session, Case.region_code, regions)]
    if department_id is not None:
        conds.append(Case.lead_department_id == department_id)
    next_due = col(Case.next_due)  # the earliest running clock's (cases.clock_units)
    if next_due_from is not None:
        conds.append(next_due >= next_due_from)
    if next_due_before is not None:
        conds.append(next_due < next_due_before)
    if escalated:
        conds.append(_running(col(Deadline.escalation_level) > 0))
    if state is not None:
        conds.append(Case.status == state)
    elif not include_closed:
        conds.append(Case.status != CaseStatus.CLOSED)
    if member_id is not None:
        conds.append(or_(Case.assignee_id == member_id, member_of_team(session, member_id)))
    if q:
        pattern = f"%{q.replace('%', '').replace('_', '')}%"
        conds.append(or_(col(Case.case_number).like(pattern), col(Institution.name).like(pattern),
                         col(Region.name).like(pattern),
                         exists().where(Complaint.case_id == Case.id,
                                        or_(col(Complaint.reported_name).like(pattern),
                                            col(Complaint.reported_address).like(pattern)))))
    if overdue_only:
        conds.append(next_due < today)
    counted = select(func.count()).select_from(Case)
    if q:
        counted = (counted.join(Region, Region.code == Case.region_code)
                   .outerjoin(Institution, Institution.id == Case.institution_id))
    total = session.exec(counted.where(*conds)).one()
    # overdue first is the next due date's own order (an overdue case's is before today); then the
    # newest: the order of the open cases' index on PostgreSQL (migration 0028), walked to the page
    order = (next_due.asc().nulls_last(), col(Case.received_at).desc(), col(Case.id).desc())
    # the page's ids first (ordered and cut over the case index, without the rows), then the rows
    # of those ids only: a wide scope's sort does not carry every case's columns and names
    ids = select(Case.id.label("case_id"), Case.next_due.label("next_due"), Case.received_at.label("received_at"))
    if q:
        ids = (ids.join(Region, Region.code == Case.region_code)
               .outerjoin(Institution, Institution.id == Case.institution_id))
    page = ids.where(*conds).order_by(*order).limit(limit).offset(offset).subquery("work_page")
    rows = session.exec(
        select(Case, Institution.name, Department.name, Region.name)
        .join(page, page.c.case_id == Case.id)
        .join(Department, Department.id == Case.lead_department_id)
        .join(Region, Region.code == Case.region_code)
        .outerjoin(Institution, Institution.id == Case.institution_id)
        .order_by(page.c.next_due.asc().nulls_last(), page.c.received_at.desc(), page.c.case_id.desc())).all()
    clocks = running_clocks(session, [r[0].id for r in rows])
    out = []
    for case, inst, dept, region in rows:
        mine = clocks.get(case.id, [])
        due = case.next_due
        out.append(CaseRow(case, inst, dept, region, mine[0] if mine else None, due is not None and due < today))
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
             .where(in_scope(session, Department.region_code, regions), col(Officer.active)))
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
    """The case's documents without a service record (送达 still to record), receipts and the internal
    立案审批表 excluded."""
    served = select(ServiceRecord.document_id)
    return list(session.exec(select(Document).where(Document.case_id == case_id,
                                                    Document.doc_type != DocumentType.SERVICE_RECEIPT,
                                                    Document.doc_type != DocumentType.FILING_APPROVAL,
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
    member_ids: list[int] = field(default_factory=list)

    @property
    def done(self) -> int:
        return sum(1 for v, _ in self.targets if v.result)

    @property
    def left(self) -> int:
        return len(self.targets) - self.done


def patrol_teams(session: Session, plan_id: int, today: date) -> dict[date, list[TeamView]]:
    """The plan's teams by day: members, targets (in visiting order) and the task sheet."""
    teams = list(session.exec(select(PatrolTeam).where(PatrolTeam.plan_id == plan_id)
                              .order_by(col(PatrolTeam.day), col(PatrolTeam.township), col(PatrolTeam.id))).all())
    by_day: dict[date, list[TeamView]] = defaultdict(list)
    for view in team_views(session, teams):
        by_day[view.team.day].append(view)
    return dict(by_day)


def team_views(session: Session, teams: Sequence[PatrolTeam]) -> list[TeamView]:
    """Each team with its members, its targets in visiting order (the plan's order) and its task sheet."""
    ids = [t.id for t in teams]
    names = region_names(session)
    members: dict[int, list] = defaultdict(list)
    member_ids: dict[int, list[int]] = defaultdict(list)
    visits: dict[int, list] = defaultdict(list)
    sheets: dict[int, Document] = {}
    if ids:
        for m, o, d in session.exec(select(PatrolMember, Officer, Department)
                                    .join(Officer, Officer.id == PatrolMember.officer_id)
                                    .join(Department, Department.id == Officer.department_id)
                                    .where(col(PatrolMember.team_id).in_(ids)).order_by(col(PatrolMember.id))).all():
            members[m.team_id].append((o.name, d.name, o.certified_on(m.day)))
            member_ids[m.team_id].append(key(o))
        for v, i in session.exec(select(PatrolVisit, Institution)
                                 .outerjoin(Institution, Institution.id == PatrolVisit.institution_id)
                                 .where(col(PatrolVisit.team_id).in_(ids)).order_by(col(PatrolVisit.id))).all():
            visits[v.team_id].append((v, i))
        doc_ids = [t.sheet_document_id for t in teams if t.sheet_document_id]
        if doc_ids:
            sheets = {d.id: d for d in session.exec(select(Document).where(col(Document.id).in_(doc_ids))).all()}
    return [TeamView(t, names.get(t.township, t.township), members[key(t)], visits[key(t)],
                     sheets.get(t.sheet_document_id) if t.sheet_document_id else None, member_ids[key(t)])
            for t in teams]


def my_team(session: Session, officer_id: int | None, day: date) -> TeamView | None:
    """The team the officer is on that day (a plan's or a 吹哨's; at most one: unique officer/day)."""
    if officer_id is None:
        return None
    team = session.exec(select(PatrolTeam).join(PatrolMember, col(PatrolMember.team_id) == PatrolTeam.id)
                        .where(PatrolMember.officer_id == officer_id, PatrolMember.day == day)).first()
    return team_views(session, [team])[0] if team else None


def visit_cases(session: Session, visits: Sequence[PatrolVisit]) -> dict[int, Case]:
    ids = [v.case_id for v in visits if v.case_id]
    if not ids:
        return {}
    return {key(c): c for c in session.exec(select(Case).where(col(Case.id).in_(ids))).all()}


def document_region(session: Session, doc: Document) -> str | None:
    if doc.case_id is not None:
        return session.exec(select(Case.region_code).where(Case.id == doc.case_id)).first()
    return session.exec(select(Department.region_code).where(Department.id == doc.department_id)).first()


# --- 吹哨 (joint enforcement) ----------------------------------------------------------------------


@dataclass
class AnswerView:
    answer: WhistleAnswer
    department: str  # the department's name (or its kind's label when the region has none)
    officers: list[str]  # the officers it sent (报到)


@dataclass
class WhistleView:
    whistle: Whistle
    case_number: str | None
    region: str
    raised_by: str
    answers: list[AnswerView]
    team: list[tuple[str, str]]  # the joint team: officer name, department name

    @property
    def pending(self) -> int:
        return sum(1 for a in self.answers if a.answer.state != "reported")


def whistles(session: Session, region_codes: Sequence[str], *, case_id: int | None = None,
             limit: int = 50) -> list[WhistleView]:
    """The whistles of a case, or those raised in the regions (newest first), with each department's answer."""
    query = select(Whistle)
    query = query.where(Whistle.case_id == case_id) if case_id is not None else query.where(
        col(Whistle.region_code).in_(list(region_codes)))
    rows = list(session.exec(query.order_by(col(Whistle.id).desc()).limit(limit)).all())
    if not rows:
        return []
    ids = [w.id for w in rows]
    answers: dict[int, list[WhistleAnswer]] = defaultdict(list)
    for a in session.exec(select(WhistleAnswer).where(col(WhistleAnswer.whistle_id).in_(ids))
                          .order_by(col(WhistleAnswer.id))).all():
        answers[a.whistle_id].append(a)
    depts = {d.id: d.name for d in session.exec(select(Department)).all()}
    team: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for whistle_id, name, dept_id in session.exec(
            select(PatrolTeam.whistle_id, Officer.name, Officer.department_id)
            .join(PatrolMember, col(PatrolMember.team_id) == PatrolTeam.id)
            .join(Officer, col(Officer.id) == PatrolMember.officer_id)
            .where(col(PatrolTeam.whistle_id).in_(ids)).order_by(col(PatrolMember.id))).all():
        team[whistle_id or 0].append((name, depts.get(dept_id, "")))
    officer_ids = [i for a in answers.values() for x in a for i in x.officer_ids] + [w.raised_by_id or 0 for w in rows]
    names = officer_names(session, officer_ids)
    numbers = dict(session.exec(select(Case.id, Case.case_number).where(
        col(Case.id).in_([w.case_id for w in rows if w.case_id]))).all())
    regions = region_names(session)
    return [WhistleView(w, numbers.get(w.case_id) if w.case_id else None, regions.get(w.region_code, w.region_code),
                        names.get(w.raised_by_id or 0, "") or depts.get(w.raised_by_department_id, ""),
                        [AnswerView(a, depts.get(a.department_id or 0) or KIND_LABELS.get(a.department_kind,
                                                                                          a.department_kind),
                                    [names.get(i, f"#{i}") for i in a.officer_ids]) for a in answers[key(w)]],
                        team[key(w)]) for w in rows]


def department_kinds(session: Session) -> list[tuple[str, str]]:
    """The registered department kinds with their Chinese names (the whistle form's choices)."""
    kinds = sorted(set(session.exec(select(Department.kind)).all()))
    return [(k, KIND_LABELS.get(k, k)) for k in kinds]


def pending_answers(session: Session, department_id: int | None) -> int:
    """How many whistles wait for this department's 报到."""
    if department_id is None:
        return 0
    return session.exec(select(func.count()).select_from(WhistleAnswer).where(
        WhistleAnswer.department_id == department_id, WhistleAnswer.state != "reported")).one()


# --- statistics drill-down and the risk control group (issue 12, item 7) ---------------------------

DRILL_FIGURES = ("patrol_person_times", "institutions_checked", "problems_found", "notices_issued", "cases_opened",
                 "penalties", "fines_yuan", "overdue_steps", "overdue_cases")


def statistics_case_ids(session: Session, regions: Sequence[str], figure: str, *, start: date, end: date,
                        today: date, zone: tzinfo, by: str = "department", unit: str | None = None) -> list[int]:
    """The cases behind one figure of `statistics` (same conditions, same unit), newest first: a
    figure counted from inspections lists the inspected cases, a money figure the penalised ones."""
    if figure not in DRILL_FIGURES:
        raise ValueError(figure)
    (lo, hi), = figures.utc_ranges([(start, end)], zone)
    conds: list[Any] = [in_scope(session, Case.region_code, regions)]
    if unit is not None:
        conds.append(col(Case.lead_department_id) == (int(unit) if unit.isdigit() else -1) if by == "department"
                     else col(Case.region_code) == unit)
    inner: list[Any]
    if figure in ("patrol_person_times", "institutions_checked", "problems_found"):
        started = col(Inspection.started_at)
        inner = [col(Inspection.case_id) == col(Case.id), started >= lo, started < hi]
        if figure == "problems_found":
            inner += [col(Inspection.violation_found), not_(col(Inspection.reinspection))]
        conds.append(exists().where(*inner))
    elif figure == "notices_issued":
        inner = [col(Document.case_id) == col(Case.id), col(Document.doc_type) == DocumentType.RECTIFICATION_NOTICE,
                 col(Document.issued_at) >= lo, col(Document.issued_at) < hi]
        conds.append(exists().where(*inner))
    elif figure == "cases_opened":
        conds += [col(Case.filed_at) >= lo, col(Case.filed_at) < hi]
    elif figure in ("penalties", "fines_yuan"):
        inner = [col(Penalty.case_id) == col(Case.id), col(Penalty.outcome) == str(DecisionOutcome.PENALTY),
                 col(Penalty.decided_on) >= start, col(Penalty.decided_on) <= end]
        conds.append(exists().where(*inner))
    else:
        inner = [col(Deadline.case_id) == col(Case.id), col(Deadline.open), col(Deadline.paused_since).is_(None),
                 col(Deadline.due_date) < today]
        conds += [col(Case.status) != CaseStatus.CLOSED, exists().where(*inner)]
    ids = session.exec(select(Case.id).where(*conds).order_by(col(Case.received_at).desc(), col(Case.id).desc())
                       .limit(2000)).all()
    return [i for i in ids if i is not None]


def cases_by_ids(session: Session, ids: Sequence[int], today: date) -> list[CaseRow]:
    """Rows of the case list for the given cases, in the given order."""
    if not ids:
        return []
    names = region_names(session)
    departments_by_id = dict(session.exec(select(Department.id, Department.name)).all())
    rows = {c.id: (c, n) for c, n in session.exec(
        select(Case, Institution.name).outerjoin(Institution, col(Institution.id) == col(Case.institution_id))
        .where(col(Case.id).in_(list(ids)))).all()}
    clocks = running_clocks(session, [i for i in ids if i in rows])
    out = []
    for case_id in ids:
        if case_id not in rows:
            continue
        case, institution_name = rows[case_id]
        running_ = sorted(clocks.get(case_id, []), key=lambda d: d.due_date)
        first = running_[0] if running_ else None
        out.append(CaseRow(case, institution_name, departments_by_id.get(case.lead_department_id, ""),
                           names.get(case.region_code, case.region_code), first,
                           bool(first and first.due_date < today and first.paused_since is None)))
    return out


@dataclass(frozen=True)
class VisitRow:
    district: str
    grade: str
    reason: str
    found: bool


def patrol_visit_outcomes(session: Session, regions: Sequence[str], *, start: date, end: date, today: date,
                          zone: tzinfo) -> list[VisitRow]:
    """Every patrol visit of a plan in the scope on a day start..end that has taken place (before
    `today`), with whether it found a violation: its recorded result (`VisitResult`: 发现违法 is a
    finding; 未发现问题, 已关停 and 已搬迁 are not), or — while no result is recorded — an
    inspection of the institution on the visit's day that found one (a finding on a patrol is
    recorded as a case and its 现场检查笔录)."""
    last = min(end, today - timedelta(days=1))
    if last < start:
        return []
    names = region_names(session)
    visits = session.execute(
        sa_select(col(PatrolVisit.institution_id), col(PatrolVisit.risk_grade), col(PatrolVisit.reason),
                  col(PatrolVisit.result), col(PatrolTeam.day), col(PatrolPlan.region_code))
        .join(PatrolTeam, col(PatrolTeam.id) == col(PatrolVisit.team_id))
        .join(PatrolPlan, col(PatrolPlan.id) == col(PatrolTeam.plan_id))
        .where(in_scope(session, PatrolPlan.region_code, regions), col(PatrolTeam.day) >= start,
               col(PatrolTeam.day) <= last)).all()
    institution_ids = sorted({v[0] for v in visits})
    found_on: set[tuple[int, date]] = set()
    (lo, hi), = figures.utc_ranges([(start, last)], zone)
    for chunk in range(0, len(institution_ids), 500):
        for inst_id, started in session.exec(
                select(Case.institution_id, Inspection.started_at).join(Case, col(Case.id) == col(Inspection.case_id))
                .where(col(Case.institution_id).in_(institution_ids[chunk:chunk + 500]),
                       col(Inspection.violation_found), col(Inspection.started_at) >= lo,
                       col(Inspection.started_at) < hi)).all():
            if inst_id is not None:
                found_on.add((inst_id, started.astimezone(zone).date()))
    out = []
    for inst_id, grade, reason, result, day, region in visits:
        found = result == VisitResult.VIOLATION.value or (not result and (inst_id, day) in found_on)
        out.append(VisitRow(names.get(region, region), grade or "—", reason or "", found))
    return out
# --- 一公开: decisions published to the public (行政处罚法 art. 48) ------------------------------------


@dataclass(frozen=True)
class PublicDecision:
    """A published 行政处罚决定 as the public page shows it: no address, no identity number, a person's name
    reduced to the surname (行政处罚法 art. 48; 政府信息公开条例 art. 15: personal privacy is not disclosed)."""

    id: int
    number: str
    authority: str
    party: str
    violations: tuple[str, ...]
    bases: tuple[str, ...]
    penalty: str
    decided_on: date
    published_on: date


def redacted_party(name: str, *, person: bool) -> str:
    """An organisation keeps its name; a natural person is shown as the surname and 某."""
    name = name.strip()
    return (name[:1] + "某") if person and name else (name or "（未载明）")


def _public(session: Session, penalty: Penalty) -> PublicDecision | None:
    case = session.get(Case, penalty.case_id)
    if case is None or penalty.published_on is None or penalty.decided_on is None:
        return None
    from cases.catalogue import load_catalogue  # the violation names, as in the catalogue

    catalogue = load_catalogue()
    institution = session.get(Institution, case.institution_id) if case.institution_id else None
    dept = session.get(Department, case.lead_department_id)
    doc = session.exec(select(Document).where(Document.case_id == case.id,
                                              Document.doc_type == DocumentType.PENALTY_DECISION)
                       .order_by(col(Document.id).desc())).first()
    from cases.enums import PenaltyType
    from cases.penalty_law import IntendedPenalty, PenaltyItem

    items = penalty.decided_items or penalty.intended_items
    text = IntendedPenalty(tuple(PenaltyItem(PenaltyType(r["type"]), amount_yuan=int(r.get("amount_yuan", 0)),
                                             years=int(r.get("years", 0)), permanent=bool(r.get("permanent")))
                                 for r in items)).text_zh
    names = tuple(v.name for c in (penalty.violation_codes or case.violation_codes)
                  if (v := catalogue.violations.get(c)) is not None)
    return PublicDecision(id=penalty.id or 0, number=doc.number if doc else "", authority=dept.name if dept else "",
                          party=redacted_party(institution.name if institution else "", person=penalty.party_is_person),
                          violations=names, bases=tuple(penalty.norms), penalty=text, decided_on=penalty.decided_on,
                          published_on=penalty.published_on)


def _published():  # noqa: ANN202
    return (col(Penalty.published_on).is_not(None), col(Penalty.withdrawn_on).is_(None),
            Penalty.outcome == str(DecisionOutcome.PENALTY))


def published_decisions(session: Session, *, limit: int = 50, offset: int = 0) -> tuple[list[PublicDecision], int]:
    """Published, not withdrawn penalty decisions, newest first."""
    total = session.exec(sa_select(func.count()).select_from(Penalty).where(*_published())).one()[0]
    rows = session.exec(select(Penalty).where(*_published())
                        .order_by(col(Penalty.published_on).desc(), col(Penalty.id).desc())
                        .limit(limit).offset(offset)).all()
    return [d for p in rows if (d := _public(session, p)) is not None], int(total)


def published_decision(session: Session, penalty_id: int) -> PublicDecision | None:
    penalty = session.exec(select(Penalty).where(Penalty.id == penalty_id, *_published())).first()
    return _public(session, penalty) if penalty is not None else None


# --- the party's violation history on the case page (53号令 art. 16(一)) -----------------------------


@dataclass(frozen=True)
class PriorCase:
    """An earlier case of the same institution, as the case page lists it."""

    case_id: int
    case_number: str
    day: date  # the decision's day, else the day the case was closed or received
    outcome: str
    aggravates: bool  # a penalty decided before the act and within the reoffence window: 从重


def party_record(session: Session, case: Case, act_on: date, *, years: int,
                 zone: tzinfo | None = None) -> list[PriorCase]:
    """The institution's other cases dated within `years` before `act_on` (the violation date of this case,
    or today), newest first; a penalty decided in that window is a reoffence ground (53号令 art. 16(一),
    penalty_law.toml [aggravation] reoffence_years) — the same rule `penalty_law.leniency_notes` applies."""
    if case.institution_id is None:
        return []
    rows = session.exec(select(Case, Penalty).join(Penalty, col(Penalty.case_id) == col(Case.id), isouter=True)
                        .where(Case.institution_id == case.institution_id, Case.id != case.id)).all()
    start = deadlines.add_months(act_on, -12 * years)
    out = []
    for other, penalty in rows:
        decided = penalty.decided_on if penalty is not None else None
        moment = other.closed_at or other.received_at
        day = decided or (moment.astimezone(zone).date() if zone else moment.date())
        if not start <= day <= act_on:
            continue
        punished = decided is not None and penalty is not None and penalty.outcome == str(DecisionOutcome.PENALTY)
        if punished and penalty is not None:
            outcome = "行政处罚：" + (_decided_text(penalty) if penalty.decided_items else penalty.intended_penalty)
        elif decided is not None:
            outcome = DecisionOutcome.NO_PENALTY.label
        elif other.status is CaseStatus.CLOSED:
            outcome = _close_label(other.close_reason)
        else:
            outcome = f"办理中（{other.status.label}）"
        out.append(PriorCase(other.id or 0, other.case_number, day, outcome,
                             punished and decided is not None and decided < act_on))
    return sorted(out, key=lambda p: (p.day, p.case_id), reverse=True)


def _decided_text(penalty: Penalty) -> str:
    from cases.enums import PenaltyType
    from cases.penalty_law import IntendedPenalty, PenaltyItem

    return IntendedPenalty(tuple(PenaltyItem(PenaltyType(r["type"]), amount_yuan=int(r.get("amount_yuan", 0)),
                                             years=int(r.get("years", 0)), permanent=bool(r.get("permanent")))
                                 for r in penalty.decided_items)).text_zh


def _close_label(reason: str | None) -> str:
    from cases.enums import CloseReason

    return CloseReason(reason).label if reason is not None and reason in CloseReason._value2member_map_ else "已结案"
