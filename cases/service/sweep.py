"""The daily deadline sweep: due states, reminders before due, and the 督办 escalation ladder.

Idempotent: a second run on the same day changes nothing (reminders are keyed by the day in
`Deadline.reminded_on`, escalations by `Deadline.escalation_level`). Escalations are written to
the case's event log without bumping the case version (a system note must not make an
officer's open form stale).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

from sqlmodel import Session, col, select

from cases import deadlines, repository
from cases.audit import append_event
from cases.calendar import WorkCalendar
from cases.enums import CaseEventType, DueState
from cases.models import Alert, Case, Deadline, Department, Officer
from cases.ports import Clock

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


@dataclass
class SweepResult:
    day: date
    checked: int = 0
    states_changed: int = 0
    reminders: int = 0
    escalations: int = 0
    by_state: dict[str, int] = field(default_factory=dict)


def sweep_deadlines(session: Session, *, calendar: WorkCalendar, clock: Clock,
                    ladder: Ladder | None = None) -> SweepResult:
    """Recompute every open step's due state, remind before due, escalate overdue steps."""
    ladder = ladder or load_ladder()
    today = clock.today()
    result = SweepResult(today)
    rows = session.exec(select(Deadline).where(col(Deadline.open)).order_by(col(Deadline.id))).all()
    heads = _department_heads(session)
    for row in rows:
        result.checked += 1
        state = deadlines.due_state(row.due_date, today, calendar, soon_working_days=ladder.remind_before,
                                    paused=row.paused_since is not None, provisional=True)
        result.by_state[str(state)] = result.by_state.get(str(state), 0) + 1
        if state is not row.state:
            row.state = state
            result.states_changed += 1
            session.add(row)
        if state in (DueState.DUE_SOON, DueState.DUE) and row.reminded_on != today:
            _remind(session, row, today)
            result.reminders += 1
        if state is DueState.OVERDUE:
            result.escalations += _escalate(session, row, today, calendar, ladder, heads, clock)
    session.commit()
    return result


def _department_heads(session: Session) -> dict[int, int]:
    heads: dict[int, int] = {}
    for officer in session.exec(select(Officer).where(col(Officer.active)).order_by(col(Officer.id))).all():
        if "supervisor" in officer.roles:
            heads.setdefault(officer.department_id, officer.id)
    return heads


def _remind(session: Session, row: Deadline, today: date) -> None:
    case = session.get(Case, row.case_id)
    session.add(Alert(case_id=case.id, deadline_id=row.id, kind="reminder", department_id=case.lead_department_id,
                      officer_id=case.assignee_id, on_date=today,
                      message=f"案件{case.case_number}“{row.label}”将于{row.due_date:%Y年%m月%d日}到期"))
    row.reminded_on = today
    session.add(row)


def _escalate(session: Session, row: Deadline, today: date, calendar: WorkCalendar, ladder: Ladder,
              heads: dict[int, int], clock: Clock) -> int:
    overdue = -deadlines.working_days_left(today, row.due_date, calendar, provisional=True)
    target = ladder.target(overdue)
    if target is None or target.level <= row.escalation_level:
        return 0
    case = session.get(Case, row.case_id)
    written = 0
    for level in ladder.levels:
        if row.escalation_level < level.level <= target.level:
            dept = _recipient(session, case, level)
            message = (f"{level.label}：案件{case.case_number}“{row.label}”已于{row.due_date:%Y年%m月%d日}到期，"
                       f"逾期{overdue}个工作日")
            session.add(Alert(case_id=case.id, deadline_id=row.id, kind="escalation", level=level.level,
                              department_id=dept.id, officer_id=heads.get(dept.id), on_date=today, message=message))
            append_event(session, case, CaseEventType.ESCALATE, actor_id=None, at=clock.now(),
                         payload={"step": row.step, "level": level.level, "to_department": dept.name,
                                  "overdue_working_days": overdue})
            written += 1
    row.escalation_level = target.level
    session.add(row)
    return written


def _recipient(session: Session, case: Case, level: Level) -> Department:
    lead = session.get(Department, case.lead_department_id)
    if level.to != "parent":
        return lead
    up = repository.ancestors(session, lead.region_code)[1:]
    parent = repository.department_for(session, up[0], [lead.kind, "education"]) if up else None
    return parent or lead
