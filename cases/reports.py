"""半月通报 (fortnightly report): the seeds' statistics per unit for a half-month, as PDF and CSV.

Periods: a report issued on the 16th covers the 1st–15th; one issued on the 1st covers the 16th
to the end of the previous month. Issuing is idempotent: the period's report is numbered,
rendered and stored once (its title names the period); a re-run returns it.

The report is dated (成文日期 and 印发日期 of its 版记) on a working day by the calendar: the run
day itself, or the next working day when the run falls on a weekend or holiday (`issue_date`).
It names only verified findings: an overdue item names its institution only when an inspection
of the case found a violation; overdue steps of unverified complaints are counted, not named.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import date, timedelta, tzinfo

from sqlmodel import Session, col, select

from cases import deadlines, queries, repository
from cases.calendar import WorkCalendar
from cases.enums import DocumentType
from cases.errors import ValidationFailed
from cases.models import Case, Deadline, Department, Document, Inspection, Institution, Officer
from cases.patrols.models import PatrolMember
from cases.ports import FortnightlyReportSnapshot, OverdueItem, UnitStatistics
from cases.service._common import Ctx, authority_of, issue_document

HEADERS = ["单位", "出动人次", "检查机构数", "发现问题数", "下达整改通知书数", "立案数", "处罚数", "罚没金额（元）",
           "逾期环节数"]


def period_for(day: date) -> tuple[date, date]:
    """The half-month a report issued on `day` covers (the one that has just ended)."""
    if day.day >= 16:
        return day.replace(day=1), day.replace(day=15)
    last = day.replace(day=1) - timedelta(days=1)
    return last.replace(day=16), last


def issue_date(day: date, calendar: WorkCalendar) -> date:
    """The working day a report run on `day` is dated: `day`, or the next working day (元旦, a
    weekend, a holiday); 调休 working days count. Years without a table use the statutory days."""
    for offset in range(31):
        candidate = day + timedelta(days=offset)
        if calendar.is_working_day(candidate, provisional=True):
            return candidate
    raise ValueError(f"no working day within a month of {day}")  # no calendar has such a gap


def _title(start: date, end: date) -> str:
    return f"半月通报（{start:%Y年%m月%d日}—{end:%Y年%m月%d日}）"


def _zone_of(ctx: Ctx) -> tzinfo:
    zone = ctx.now().tzinfo
    if zone is None:
        raise ValueError("the clock must give aware times")
    return zone


def unit_rows(session: Session, ctx: Ctx, start: date, end: date) -> list[queries.UnitFigures]:
    regions = repository.subtree_codes(session, ctx.actor.region_code)
    rows = queries.statistics(session, regions, start=start, end=end, today=ctx.today(), zone=_zone_of(ctx))
    # patrol duty counts as 出动 too: one person-time per officer and patrol day, by their department
    patrols = Counter(session.exec(
        select(Department.id).select_from(PatrolMember)
        .join(Officer, col(Officer.id) == PatrolMember.officer_id)
        .join(Department, col(Department.id) == Officer.department_id)
        .where(col(PatrolMember.day) >= start, col(PatrolMember.day) <= end)).all())
    by_key = {r.unit_key: r for r in rows}
    names = dict(session.exec(select(Department.id, Department.name)).all())
    for dept_id, n in patrols.items():
        row = by_key.get(str(dept_id)) or queries.UnitFigures(str(dept_id), names[dept_id])
        row.patrol_person_times += n
        by_key[row.unit_key] = row
    return sorted(by_key.values(), key=lambda r: r.unit_name)


def verified_case_ids(session: Session, case_ids: list[int]) -> set[int]:
    """The cases among `case_ids` in which an inspection found a violation (a verified finding)."""
    if not case_ids:
        return set()
    return set(session.exec(select(Inspection.case_id).where(col(Inspection.case_id).in_(case_ids),
                                                             col(Inspection.violation_found))).all())


def overdue_items(session: Session, ctx: Ctx, limit: int = 30) -> list[OverdueItem]:
    """Overdue steps of cases with a verified finding (the institution is named), most overdue first."""
    return _overdue(session, ctx, limit)[0]


def _overdue(session: Session, ctx: Ctx, limit: int = 30) -> tuple[list[OverdueItem], int]:
    """(verified overdue items, the number of overdue steps of unverified cases, not named)."""
    today = ctx.today()
    rows = session.exec(select(Deadline, Case).join(Case, col(Case.id) == Deadline.case_id)
                        .where(col(Deadline.open), col(Deadline.paused_since).is_(None),
                               col(Deadline.due_date) < today).order_by(col(Deadline.due_date))).all()
    verified = verified_case_ids(session, sorted({case.id for _, case in rows}))
    names = dict(session.exec(select(Department.id, Department.name)).all())
    out, unverified = [], 0
    for row, case in rows:
        if case.id not in verified:
            unverified += 1
            continue
        if len(out) >= limit:
            continue
        inst = session.get(Institution, case.institution_id) if case.institution_id else None
        out.append(OverdueItem(case.case_number, inst.name if inst else "（未确认）", names[case.lead_department_id],
                               row.label, row.due_date,
                               -deadlines.working_days_left(today, row.due_date, ctx.calendar, provisional=True)))
    return out, unverified


def to_csv(rows: list[queries.UnitFigures]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for r in rows:
        writer.writerow([r.unit_name, r.patrol_person_times, r.institutions_checked, r.problems_found,
                         r.notices_issued, r.cases_opened, r.penalties, r.fines_yuan, r.overdue_steps])
    return out.getvalue()


def issue_fortnightly_report(session: Session, ctx: Ctx, *, start: date, end: date) -> tuple[Document, str]:
    """The period's report (PDF stored once) and its figures as CSV."""
    rows = unit_rows(session, ctx, start, end)
    existing = session.exec(select(Document).where(Document.doc_type == DocumentType.FORTNIGHTLY_REPORT,
                                                   Document.title == _title(start, end))).first()
    if existing:
        return existing, to_csv(rows)
    dept = repository.department_for(session, ctx.actor.region_code, ["education"])
    if dept is None:
        raise ValidationFailed("辖区内没有教育行政部门，无法制发半月通报", code="no_education_department")
    units = tuple(UnitStatistics(r.unit_name, r.patrol_person_times, r.institutions_checked, r.problems_found,
                                 r.notices_issued, r.cases_opened, r.penalties, r.fines_yuan) for r in rows)
    overdue, unverified = _overdue(session, ctx)
    doc = issue_document(session, ctx, None, dept, DocumentType.FORTNIGHTLY_REPORT, lambda number: (
        FortnightlyReportSnapshot(number=number, authority=authority_of(dept), period_start=start, period_end=end,
                                  issued_on=issue_date(ctx.today(), ctx.calendar), units=units,
                                  overdue=tuple(overdue), unverified_overdue=unverified,
                                  recipients="各乡镇人民政府，县直有关单位", printing_office=f"{dept.name}办公室")),
        addressee="各乡镇人民政府，县直有关单位")
    doc.title = _title(start, end)
    session.add(doc)
    session.commit()
    return doc, to_csv(rows)
