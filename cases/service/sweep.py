"""The daily deadline sweep: due states, reminders before due, and the 督办 escalation ladder.

Idempotent: a second run on the same day changes nothing (reminders are keyed by the day in
`Deadline.reminded_on`, escalations by `Deadline.escalation_level`), and so is a second run at the
same time: both keys are claimed with a compare-and-set UPDATE before the alert is written. Escalations are written to
the case's event log without bumping the case version (a system note must not make an
officer's open form stale).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path

from sqlalchemy import ColumnElement, Row, or_, update
from sqlmodel import Session, col, select

from cases import deadlines, messages, repository
from cases.audit import append_event
from cases.caches import register_cache
from cases.calendar import WorkCalendar
from cases.enums import CaseEventType, DueState
from cases.models import Alert, Case, Deadline, Department, Officer
from cases.models import key as row_key
from cases.ports import Clock

_DEADLINE = Deadline.__table__
CONFIG = Path(__file__).resolve().parents[1] / "data" / "escalation.toml"


@dataclass(frozen=True)
class Level:
    level: int
    after_overdue_working_days: int
    to: str
    label: str


@dataclass(frozen=True)
class Ladder:
    remind_before: int
    levels: tuple[Level, ...]

    def target(self, overdue_working_days: int) -> Level | None:
        reached = [lv for lv in self.levels if overdue_working_days >= lv.after_overdue_working_days]
        return reached[-1] if reached else None


@lru_cache
def load_ladder(path: Path = CONFIG) -> Ladder:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    levels = tuple(sorted((Level(**lv) for lv in raw["level"]), key=lambda lv: lv.level))
    return Ladder(raw["reminder"]["working_days_before"], levels)


register_cache("cases.service.sweep.load_ladder", load_ladder.cache_clear)


@dataclass
class SweepResult:
    day: date
    checked: int = 0
    states_changed: int = 0
    reminders: int = 0
    escalations: int = 0
    by_state: dict[str, int] = field(default_factory=dict)


def sweep_deadlines(session: Session, *, calendar: WorkCalendar, clock: Clock,
                    ladder: Ladder | None = None, batch_size: int = 2_000) -> SweepResult:
    """Recompute every open step's due state, remind before due, escalate overdue steps.

    Reads plain rows in keyset pages of `batch_size` open steps and commits each page, so no
    transaction (and on SQLite no write lock) lasts longer than one page. Every reminder and
    every 督办 level is claimed with a compare-and-set UPDATE on the step's row before its alert
    is written: two sweeps running at once (a retried flow, a second worker) cannot both send
    it, and a level is sent at most once per step. 督办 goes out only on working days (the
    ladder counts overdue *working* days); on a rest day the sweep still updates states and
    reminders, and the due escalation waits for the next working day.
    """
    ladder = ladder or load_ladder()
    today = clock.today()
    result = SweepResult(today)
    escalate_today = calendar.is_working_day(today, provisional=True)
    heads = _department_heads(session)
    recipients: dict[tuple[int, int], tuple[int, str]] = {}  # (lead department, level) → (id, name)
    states: dict[tuple[date, bool], DueState] = {}
    after = 0
    while True:
        rows = session.execute(
            select(Deadline.id, Deadline.case_id, Deadline.label, Deadline.due_date, Deadline.paused_since,
                   Deadline.state, Deadline.reminded_on, Deadline.escalation_level, Deadline.step,
                   Case.case_number, Case.lead_department_id, Case.assignee_id)
            .join(Case, Case.id == Deadline.case_id)
            .where(col(Deadline.open), col(Deadline.id) > after)
            .order_by(col(Deadline.id)).limit(batch_size)).all()
        if not rows:
            break
        changed: dict[DueState, list[int]] = {}
        to_remind: list[Row] = []
        to_escalate: list[Row] = []
        for row in rows:
            result.checked += 1
            paused = row.paused_since is not None
            state = states.get((row.due_date, paused))
            if state is None:  # a state depends only on the due date (and the pause): once per date
                state = states[(row.due_date, paused)] = deadlines.due_state(
                    row.due_date, today, calendar, soon_working_days=ladder.remind_before, paused=paused,
                    provisional=True)
            result.by_state[str(state)] = result.by_state.get(str(state), 0) + 1
            if state is not DueState(row.state):
                changed.setdefault(state, []).append(row.id)
            if state in (DueState.DUE_SOON, DueState.DUE) and row.reminded_on != today:
                to_remind.append(row)
            if state is DueState.OVERDUE and escalate_today:
                to_escalate.append(row)
        result.reminders += _remind(session, to_remind, today, clock.now())
        result.escalations += _escalate(session, to_escalate, today, calendar, ladder, heads, recipients, clock)
        for state, ids in changed.items():
            session.execute(update(_DEADLINE).where(_DEADLINE.c.id.in_(ids), _DEADLINE.c.state != state)
                            .values(state=state))
            result.states_changed += len(ids)
        session.commit()
        after = rows[-1].id
        if len(rows) < batch_size:
            break
    return result


def _department_heads(session: Session) -> dict[int, int]:
    heads: dict[int, int] = {}
    rows = session.execute(select(Officer.id, Officer.department_id, Officer.roles).where(col(Officer.active))
                           .order_by(col(Officer.id))).all()
    session.rollback()  # a read only: end it before the first page
    for officer_id, department_id, roles in rows:
        if "supervisor" in (roles or []):
            heads.setdefault(department_id, officer_id)
    return heads


def _claim(session: Session, ids: list[int], held: ColumnElement[bool], **values: object) -> set[int]:
    """UPDATE the steps' rows that still satisfy `held` (the value this sweep read): the ids it won,
    one statement for the page (RETURNING).

    A Core UPDATE of the table (not the ORM entity): nothing to synchronise with the session, whose
    identity map the ORM form would scan."""
    if not ids:
        return set()
    done = session.execute(update(_DEADLINE).where(_DEADLINE.c.id.in_(ids), held).values(**values)
                           .returning(_DEADLINE.c.id))
    return set(done.scalars())


def _remind(session: Session, rows: list[Row], today: date, now: datetime | None = None) -> int:
    """The reminders of a page's steps due soon, each claimed (`reminded_on` = today) before it is written."""
    reminded = _DEADLINE.c.reminded_on
    won = _claim(session, [row.id for row in rows], or_(reminded.is_(None), reminded != today), reminded_on=today)
    with session.no_autoflush:
        for row in rows:
            if row.id not in won:
                continue
            message = f"案件{row.case_number}“{row.label}”将于{row.due_date:%Y年%m月%d日}到期"
            session.add(Alert(case_id=row.case_id, deadline_id=row.id, kind="reminder",
                              department_id=row.lead_department_id, officer_id=row.assignee_id, on_date=today,
                              message=message))
            messages.queue(session, department_id=row.lead_department_id, case_id=row.case_id,
                           topic=messages.Topic.DUE_SOON, text=messages.compose(message, "。"),
                           now=now or datetime.now(UTC))
    return len(won)


def _escalate(session: Session, rows: list[Row], today: date, calendar: WorkCalendar, ladder: Ladder,
              heads: dict[int, int], recipients: dict[tuple[int, int], tuple[int, str]], clock: Clock) -> int:
    """The 督办 of a page's overdue steps: each step's level is claimed (compare-and-set from the level
    read, one statement per (from, to) pair) before its alerts, messages and events are written; the
    cases escalated are read once, with the heads of their event chains."""
    due: dict[int, tuple[Row, Level, int]] = {}
    pairs: dict[tuple[int, int], list[int]] = {}
    for row in rows:
        overdue = -deadlines.working_days_left(today, row.due_date, calendar, provisional=True)
        target = ladder.target(overdue)
        if target is not None and target.level > row.escalation_level:
            due[row.id] = (row, target, overdue)
            pairs.setdefault((row.escalation_level, target.level), []).append(row.id)
    won: set[int] = set()
    for (old, new), ids in pairs.items():
        # another sweep may have escalated meanwhile
        won |= _claim(session, ids, _DEADLINE.c.escalation_level == old, escalation_level=new)
    cases = repository.cases_for_write(session, sorted({due[i][0].case_id for i in won}))
    written = 0
    with session.no_autoflush:  # the page's alerts, messages and events go out in batches at its commit
        for deadline_id in sorted(won):
            row, target, overdue = due[deadline_id]
            case = cases[row.case_id]
            for level in ladder.levels:
                if not row.escalation_level < level.level <= target.level:
                    continue
                key = (row.lead_department_id, level.level)
                if key not in recipients:  # plain values: nothing to reload after a page's commit
                    dept = _recipient(session, case, level)
                    recipients[key] = (row_key(dept), dept.name)
                dept_id, dept_name = recipients[key]
                message = (f"{level.label}：案件{row.case_number}“{row.label}”已于{row.due_date:%Y年%m月%d日}到期，"
                           f"逾期{overdue}个工作日")
                session.add(Alert(case_id=row.case_id, deadline_id=row.id, kind="escalation", level=level.level,
                                  department_id=dept_id, officer_id=heads.get(dept_id), on_date=today,
                                  message=message))
                messages.queue(session, department_id=dept_id, case_id=row.case_id,
                               topic=messages.Topic.OVERDUE, text=messages.compose(message, "。"), now=clock.now())
                append_event(session, case, CaseEventType.ESCALATE, actor_id=None, at=clock.now(),
                             payload={"step": row.step, "level": level.level, "to_department": dept_name,
                                      "overdue_working_days": overdue})
                written += 1
    return written


def _recipient(session: Session, case: Case, level: Level) -> Department:
    lead = session.get(Department, case.lead_department_id)
    if level.to != "parent":
        return lead
    up = repository.ancestors(session, lead.region_code)[1:]
    parent = repository.department_for(session, up[0], [lead.kind, "education"]) if up else None
    return parent or lead
