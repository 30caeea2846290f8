"""A clock carries its case's region, lead department and assignee; a case, its next due date.

The supervisor's board counts the running clocks of a scope per (lead department, 承办人): at
province scale some 30,000 clocks per request. Joined to their cases for those three values, the
count was a hash join over every open case (docs/scale.md
"The board and the work list without an aggregate per request"); with
the values on the clock it is one read of the running-clocks index on due date, which includes
them (migration 0028).

The copy lives here, once, as a flush hook on every ORM session (registered by importing this
module from `cases.db`): a new clock takes the values of its case, and a case whose region, lead
department or assignee changes passes them to its open clocks in the same transaction (a clock
stopped by that very flush, like the assignment clock at 分派, takes them too). A closed clock then
keeps the values it had when it stopped. Bulk SQL that writes clocks without the ORM (the
scale benchmark's builder, migration 0028's backfill) writes the values itself.

The other way round, `Case.next_due` is the earliest due date of the case's running clocks (open,
not paused), which orders the work list: at province scale computing it per request was an
aggregate of all 55,000 running clocks for every page. After each flush that added a clock, or
changed one's open flag, pause or due date, one UPDATE recomputes it for those cases from their
rows, in the same transaction (the case row is already locked by its version check there).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm.attributes import instance_state, set_committed_value
from sqlmodel import col

from cases.models import Case, Deadline

# the case's column → the clock's copy
COPIED: dict[str, str] = {"region_code": "region_code", "lead_department_id": "department_id",
                          "assignee_id": "assignee_id"}
# a clock's columns that decide its case's next due date
DUE_COLUMNS = ("open", "paused_since", "due_date")


def running() -> list[Any]:
    """The terms of a running clock (open, not paused), written as the partial indexes' WHERE."""
    return [col(Deadline.open), col(Deadline.paused_since).is_(None)]


def values_of(case: Case) -> dict[str, Any]:
    """The clock's copies of `case`'s columns."""
    return {mine: getattr(case, theirs) for theirs, mine in COPIED.items()}


@event.listens_for(OrmSession, "before_flush")
def _copy_units(session: OrmSession, _context: Any, _instances: Any) -> None:
    changed = [obj for obj in session.dirty if isinstance(obj, Case)
               and any(instance_state(obj).attrs[c].history.has_changes() for c in COPIED)]
    new_clocks = [obj for obj in session.new if isinstance(obj, Deadline)]
    if not changed and not new_clocks:
        return
    with session.no_autoflush:
        for clock in new_clocks:
            case = session.get(Case, clock.case_id)
            if case is not None:
                for name, value in values_of(case).items():
                    setattr(clock, name, value)
        # written to the rows only: nothing reads the copies from a loaded clock (the board reads
        # SQL), and walking the identity map per case made a long session's flushes quadratic
        for case in changed:
            session.connection().execute(update(Deadline).where(col(Deadline.case_id) == case.id, col(Deadline.open))
                                         .values(**values_of(case)))


def _due_changed(obj: Any, new: bool) -> bool:
    return new or any(instance_state(obj).attrs[c].history.has_changes() for c in DUE_COLUMNS)


@event.listens_for(OrmSession, "after_flush")
def _next_due(session: OrmSession, _context: Any) -> None:
    ids = {obj.case_id for objects, new in ((session.new, True), (session.dirty, False), (session.deleted, True))
           for obj in objects if isinstance(obj, Deadline) and _due_changed(obj, new)}
    if not ids:
        return
    earliest = (select(func.min(Deadline.due_date))
                .where(col(Deadline.case_id) == Case.id, *running())
                .scalar_subquery())
    rows = session.connection().execute(update(Case).where(col(Case.id).in_(sorted(ids)))
                                        .values(next_due=earliest).returning(col(Case.id), col(Case.next_due)))
    for case_id, due in rows:  # a loaded case shows what its row now holds
        case = session.identity_map.get(session.identity_key(Case, case_id))
        if case is not None:
            set_committed_value(case, "next_due", due)
