"""Statistics by month, exact (docs/scale.md "Statistics by month").

`queries.statistics` takes the months wholly inside its period that are *clean* from the
`figure_month` and `figure_place` rows, and only the rest of the period from the inspection,
document, case and penalty rows. A month is clean when it was computed in the period's zone (a
`figure_month_done` row) and nothing was marked stale since (no `figure_dirty` row for it).

Every flush that adds, changes or deletes a row that a figure counts — an inspection, a 整改通知书, a
case's 立案 time, a penalty's decision — appends the months it touches to `figure_dirty` in the
same transaction (`_mark_stale`, a hook on every session, so no use case can forget it). Appends
only: no row is updated by every write, so writers do not queue behind one another. `refresh`
recomputes each missing or stale complete month in its own short transaction and removes exactly
the marks it read before computing: a mark committed meanwhile stays, and the month stays stale.

A case's region and lead department are fixed at intake (there is no transfer); a flush that
changes either marks every month stale (`ALL_MONTHS`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    and_,
    delete,
    event,
    func,
    insert,
    inspect,
    literal,
    not_,
    or_,
    text,
    update,
)
from sqlalchemy import case as sql_case
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, select

from cases.enums import DecisionOutcome, DocumentType
from cases.models import (
    Case,
    Document,
    FigureDirty,
    FigureMonth,
    FigureMonthDone,
    FigurePlace,
    Inspection,
    Penalty,
)
from cases.settings import get_settings

ALL_MONTHS = date(1, 1, 1)  # a `figure_dirty` month meaning "every month is stale"
ADDITIVE = ("patrol_person_times", "problems_found", "notices_issued", "cases_opened", "penalties", "fines_yuan")


ERA_MONTHS = 60  # months per `figure_place.months` bitmask (bits 0..59 of a BIGINT)


def era_bit(month: date) -> tuple[int, int]:
    """The era of a month and its bit in that era's mask."""
    index = month.year * 12 + month.month - 1
    return index // ERA_MONTHS, 1 << (index % ERA_MONTHS)


def era_masks(months: Iterable[date]) -> dict[int, int]:
    """The months as one mask per era."""
    masks: dict[int, int] = {}
    for month in months:
        era, bit = era_bit(month)
        masks[era] = masks.get(era, 0) | bit
    return masks


def month_of(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1)


def _local_month(value: datetime | date | None, zone: tzinfo) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return month_of(aware.astimezone(zone).date())
    return month_of(value)


# --- the stale marks --------------------------------------------------------------------------------

# per counted class: the column that dates it, and the columns a figure reads
_COUNTED: dict[type, tuple[str, tuple[str, ...]]] = {
    Inspection: ("started_at", ("started_at", "officer_ids", "violation_found", "violation_codes", "reinspection",
                                "case_id")),
    Document: ("issued_at", ("issued_at", "doc_type", "case_id")),
    Case: ("filed_at", ("filed_at",)),
    Penalty: ("decided_on", ("decided_on", "outcome", "fine_yuan", "confiscation_yuan", "case_id")),
}
_UNIT_COLUMNS = ("region_code", "lead_department_id")


def bureau_zone() -> ZoneInfo:
    """The zone the stale marks date rows in: the bureau's (settings)."""
    return ZoneInfo(get_settings().timezone)


def _touched(session: OrmSession, obj: Any, zone: tzinfo, new: bool) -> set[date]:
    dated, read = _COUNTED[type(obj)]
    if isinstance(obj, Document) and obj.doc_type != DocumentType.RECTIFICATION_NOTICE and new:
        return set()
    if new:
        month = _local_month(getattr(obj, dated), zone)
        return {month} if month else set()
    state = inspect(obj)
    if isinstance(obj, Case) and any(state.attrs[c].history.has_changes() for c in _UNIT_COLUMNS):
        return {ALL_MONTHS}
    if not any(state.attrs[c].history.has_changes() for c in read):
        return set()
    history = state.attrs[dated].history
    values = [*history.added, *history.deleted, *history.unchanged]
    if not values:  # not loaded: read it (without flushing from inside the flush)
        with session.no_autoflush:
            values = [getattr(obj, dated)]
    return {m for v in values if (m := _local_month(v, zone)) is not None}


@event.listens_for(OrmSession, "before_flush")
def _mark_stale(session: OrmSession, _context: Any, _instances: Any) -> None:
    months: set[date] = set()
    zone: tzinfo | None = None
    for objects, new in ((session.new, True), (session.dirty, False), (session.deleted, False)):
        for obj in objects:
            if type(obj) in _COUNTED:
                zone = zone or bureau_zone()
                months |= _touched(session, obj, zone, new)
    if months:
        session.connection().execute(insert(FigureDirty), [{"month": m} for m in sorted(months)])


# --- what a period takes from the months -------------------------------------------------------------


@dataclass(frozen=True)
class Split:
    months: list[date]  # clean months wholly inside the period, read from the month rows
    rest: list[tuple[date, date]]  # the other days, as inclusive ranges, read from the rows


def split(session: Session, start: date, end: date, zone: tzinfo) -> Split:
    """The clean months wholly inside start..end, and the days left over."""
    whole: list[date] = []
    month = month_of(start) if start.day == 1 else next_month(start)
    while next_month(month) - timedelta(days=1) <= end:
        whole.append(month)
        month = next_month(month)
    clean: set[date] = set()
    if whole:
        done = set(session.exec(select(col(FigureMonthDone.month)).where(
            col(FigureMonthDone.month).in_(whole), FigureMonthDone.zone == str(zone))).all())
        stale = set(session.exec(select(col(FigureDirty.month)).distinct().where(
            col(FigureDirty.month).in_([*whole, ALL_MONTHS]))).all())
        clean = set() if ALL_MONTHS in stale else done - stale
    rest: list[tuple[date, date]] = []
    day = start
    for month in sorted(clean):
        if day < month:
            rest.append((day, month - timedelta(days=1)))
        day = next_month(month)
    if day <= end:
        rest.append((day, end))
    return Split(sorted(clean), rest)


def utc_ranges(days: Sequence[tuple[date, date]], zone: tzinfo) -> list[tuple[datetime, datetime]]:
    """Each inclusive range of bureau-local days as [first 00:00, last+1 00:00) in UTC."""
    return [(datetime.combine(a, time(), zone).astimezone(UTC),
             datetime.combine(b + timedelta(days=1), time(), zone).astimezone(UTC)) for a, b in days]


def within(column: Any, ranges: Sequence[tuple[Any, Any]], *, inclusive: bool = False) -> ColumnElement[bool]:
    """`column` in any of the ranges: [a, b) for times, [a, b] for dates (`inclusive`)."""
    return or_(*(and_(column >= a, column <= b) if inclusive else and_(column >= a, column < b)
                 for a, b in ranges))


# --- the figures of rows, by unit ----------------------------------------------------------------------

def place_of() -> Any:
    return func.coalesce(col(Case.institution_id), -col(Case.id))  # a case without an institution counts as its own


def row_figures(session: Session, units: Sequence[Any], scope: ColumnElement[bool], *, started: Any, issued: Any,
                filed: Any, days: Sequence[tuple[date, date]], zone: tzinfo,
                with_places: bool = True) -> dict[tuple[Any, ...], dict[str, int]]:
    """The figures counted from the rows dated in `days`, per tuple of `units` (case columns).

    `started`, `issued` and `filed` are the three period columns as the caller wants them planned
    (`queries._period`); penalties are dated by their bureau-local decision day."""
    ranges = utc_ranges(days, zone)
    out: dict[tuple[Any, ...], dict[str, int]] = {}

    def fig(key: Iterable[Any]) -> dict[str, int]:
        return out.setdefault(tuple(key), {})

    officers_n = func.coalesce(func.json_array_length(Inspection.officer_ids), 0)
    codes_n = func.coalesce(func.json_array_length(Inspection.violation_codes), 0)
    problems = sql_case((and_(col(Inspection.violation_found), not_(col(Inspection.reinspection))),
                         sql_case((codes_n > 0, codes_n), else_=1)), else_=0)
    n = len(units)
    places = [func.count(func.distinct(place_of()))] if with_places else []
    for row in session.execute(sa_select(*units, func.sum(officers_n), func.sum(problems), *places)
                               .select_from(Inspection).join(Case, col(Case.id) == col(Inspection.case_id))
                               .where(scope, within(started, ranges)).group_by(*units)).all():
        f = fig(row[:n])
        f["patrol_person_times"], f["problems_found"] = int(row[n] or 0), int(row[n + 1] or 0)
        if with_places:
            f["institutions_checked"] = int(row[n + 2] or 0)
    for row in session.execute(sa_select(*units, func.count()).select_from(Document)
                               .join(Case, col(Case.id) == col(Document.case_id))
                               .where(scope, col(Document.doc_type) == DocumentType.RECTIFICATION_NOTICE,
                                      within(issued, ranges)).group_by(*units)).all():
        fig(row[:n])["notices_issued"] = int(row[n])
    for row in session.execute(sa_select(*units, func.count()).where(scope, within(filed, ranges))
                               .group_by(*units)).all():
        fig(row[:n])["cases_opened"] = int(row[n])
    for row in session.execute(sa_select(*units, func.count(), func.sum(Penalty.fine_yuan + Penalty.confiscation_yuan))
                               .select_from(Penalty).join(Case, col(Case.id) == col(Penalty.case_id))
                               .where(scope, col(Penalty.outcome) == str(DecisionOutcome.PENALTY),
                                      within(col(Penalty.decided_on), days, inclusive=True))
                               .group_by(*units)).all():
        f = fig(row[:n])
        f["penalties"], f["fines_yuan"] = int(row[n]), int(row[n + 1] or 0)
    return out


# --- refresh ------------------------------------------------------------------------------------------


def _first_month(session: Session, zone: tzinfo) -> date | None:
    """The earliest month any counted row is dated in (each a min over its own index)."""
    firsts = [session.exec(select(func.min(column))).one() for column in
              (Inspection.started_at, Document.issued_at, Case.filed_at, Penalty.decided_on)]
    months = [m for v in firsts if (m := _local_month(v, zone)) is not None]
    return min(months) if months else None


def stale_months(session: Session, zone: tzinfo, today: date) -> list[date]:
    """The complete months (before today's) that have rows and are not clean, oldest first."""
    first = _first_month(session, zone)
    if first is None:
        return []
    done = set(session.exec(select(col(FigureMonthDone.month)).where(FigureMonthDone.zone == str(zone))).all())
    stale = set(session.exec(select(col(FigureDirty.month)).distinct()).all())
    out, month = [], first
    while month < month_of(today):
        if month not in done or month in stale or ALL_MONTHS in stale:
            out.append(month)
        month = next_month(month)
    return out


def refresh_month(session: Session, month: date, zone: tzinfo, now: datetime) -> None:
    """Recompute one month's rows from the rows, in the caller's transaction (then commit it).
    The marks removed are those read first, so one committed meanwhile keeps the month stale."""
    marks = list(session.exec(select(col(FigureDirty.id)).where(FigureDirty.month == month)).all())
    days = [(month, next_month(month) - timedelta(days=1))]
    units = [col(Case.region_code), col(Case.lead_department_id)]
    figures = row_figures(session, units, literal(True), started=col(Inspection.started_at),
                          issued=col(Document.issued_at), filed=col(Case.filed_at), days=days, zone=zone,
                          with_places=False)
    session.execute(delete(FigureMonth).where(col(FigureMonth.month) == month))
    if figures:
        session.execute(insert(FigureMonth), [
            {"month": month, "region_code": region, "department_id": dept, **{k: f.get(k, 0) for k in ADDITIVE}}
            for (region, dept), f in figures.items()])
    era, bit = era_bit(month)
    place = col(FigurePlace.months)
    session.execute(update(FigurePlace).where(col(FigurePlace.era) == era, place.op("&")(bit) != 0)
                    .values(months=place.op("&")(~bit)))
    (lo, hi), = utc_ranges(days, zone)
    inspected = (sa_select(col(Case.region_code), col(Case.lead_department_id), place_of(), literal(era),
                           literal(bit, BigInteger)).distinct()
                 .select_from(Inspection).join(Case, col(Case.id) == col(Inspection.case_id))
                 .where(col(Inspection.started_at) >= lo, col(Inspection.started_at) < hi))
    upsert = (postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert)(FigurePlace)
    statement = upsert.from_select(["region_code", "department_id", "place", "era", "months"], inspected)
    session.execute(statement.on_conflict_do_update(
        index_elements=["region_code", "department_id", "place", "era"],
        set_={"months": place.op("|")(statement.excluded.months)}))
    session.execute(delete(FigurePlace).where(col(FigurePlace.era) == era, place == 0))
    if marks:
        session.execute(delete(FigureDirty).where(col(FigureDirty.id).in_(marks)))
    done = session.get(FigureMonthDone, month)
    if done is None:
        session.add(FigureMonthDone(month=month, zone=str(zone), refreshed_at=now))
    else:
        done.zone, done.refreshed_at = str(zone), now


@dataclass(frozen=True)
class Refreshed:
    months: list[date]


def refresh(sessions: Callable[[], AbstractContextManager[Session]], *, zone: tzinfo, today: date,
            now: datetime) -> Refreshed:
    """Every stale or missing complete month, one short transaction each; then the "every month"
    marks read at the start, once all months are done."""
    with sessions() as session:
        months = stale_months(session, zone, today)
        every = list(session.exec(select(col(FigureDirty.id)).where(FigureDirty.month == ALL_MONTHS)).all())
        session.rollback()
    for month in months:
        with sessions() as session:
            refresh_month(session, month, zone, now)
            session.commit()
    if every:
        with sessions() as session:
            session.execute(delete(FigureDirty).where(col(FigureDirty.id).in_(every)))
            session.commit()
    if months:
        with sessions() as session:
            if session.get_bind().dialect.name == "postgresql":
                # the planner's row counts for the tables just filled, without waiting for autovacuum:
                # with none it sorts a province's places on disk instead of hashing them (285 → 119 ms)
                session.execute(text("ANALYZE figure_month, figure_place"))
                session.commit()
    return Refreshed(months)
