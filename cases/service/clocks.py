"""Clocks: pause and resume with a reason (e.g. hearing, appraisal), and the provisional recompute."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from cases import deadlines, penalty_law, repository
from cases.actions import Action, PauseIn, ResumeIn
from cases.audit import append_event
from cases.calendar import Reckoned, WorkCalendar
from cases.enums import CaseEventType
from cases.errors import ValidationFailed
from cases.models import Case, Deadline, key
from cases.ports import Clock
from cases.service._common import Ctx, periods, record
from cases.service.perform import handles


def _open_clock(session: Session, case: Case, step: str) -> Deadline:
    row = repository.open_deadline(session, key(case), step)
    if row is None:
        raise ValidationFailed("该环节没有正在计时的期限", code="no_open_clock", step=step)
    return row


@handles(Action.PAUSE_CLOCK)
def pause_clock(session: Session, ctx: Ctx, case: Case, body: PauseIn) -> Deadline:
    step, reason = body.step, body.reason
    if not reason.strip():
        raise ValidationFailed("中止计时须注明理由", code="reason_required")
    row = _open_clock(session, case, step)
    if row.paused_since is not None:
        raise ValidationFailed("该期限已中止计时", code="already_paused")
    if step == "decision":  # only hearing, appraisal and public notice stop the 90 days (行政处罚法 art. 60)
        penalty_law.check_pause_reason(body.reason_code.value)
    row.paused_since, row.paused_reason = ctx.today(), reason.strip()
    row.paused_reason_code = body.reason_code.value
    session.add(row)
    record(session, ctx, case, CaseEventType.PAUSE_CLOCK, {"step": step, "reason": reason.strip(),
                                                           "reason_code": body.reason_code.value})
    return row


@handles(Action.RESUME_CLOCK)
def resume_clock(session: Session, ctx: Ctx, case: Case, body: ResumeIn) -> Deadline:
    """The paused span extends the deadline (working days for working-day periods)."""
    step = body.step
    row = _open_clock(session, case, step)
    if row.paused_since is None:
        raise ValidationFailed("该期限未中止计时", code="not_paused")
    moved = deadlines.due_after_pause(row.due_date, row.kind, row.paused_since, ctx.today(), ctx.calendar,
                                      provisional=True)
    payload = {"step": step, "paused_since": row.paused_since.isoformat(), "due_was": row.due_date.isoformat(),
               "due_now": moved.date.isoformat()}
    row.due_date, row.provisional = moved.date, row.provisional or moved.provisional
    if step == "decision" and row.paused_since < ctx.today():  # the span the 90 days exclude, by its reason
        penalty = repository.penalty_of(session, key(case))
        penalty.pauses = [*penalty.pauses, {"reason": row.paused_reason_code or "other",
                                            "paused_on": row.paused_since.isoformat(),
                                            "resumed_on": ctx.today().isoformat(), "note": row.paused_reason}]
        session.add(penalty)
    row.paused_since, row.paused_reason, row.paused_reason_code = None, "", ""
    session.add(row)
    record(session, ctx, case, CaseEventType.RESUME_CLOCK, payload)
    return row


def recompute_provisional_deadlines(session: Session, *, calendar: WorkCalendar, clock: Clock) -> int:
    """After a year's table is loaded: recount every open provisional due date; returns how many changed.

    A clock that now falls wholly in known years loses its provisional flag; each change is
    written to the case's event log.
    """
    changed = 0
    for row, reckoned in _recounted(session, calendar):
        case = session.get(Case, row.case_id)
        payload = {"step": row.step, "due_was": row.due_date.isoformat(), "due_now": reckoned.date.isoformat(),
                   "provisional": reckoned.provisional}
        row.due_date, row.provisional = reckoned.date, reckoned.provisional
        session.add(row)
        append_event(session, case, CaseEventType.DEADLINE_RECOMPUTED, actor_id=None, at=clock.now(),
                     payload=payload)
        changed += 1
    session.commit()
    return changed


def _recounted(session: Session, calendar: WorkCalendar) -> Iterator[tuple[Deadline, Reckoned]]:
    """Each open provisional clock whose due date or flag `calendar` changes, with its new reckoning."""
    for row in repository.provisional_deadlines(session):
        period = periods().get(row.step)
        if period is None:
            continue
        reckoned = deadlines.compute_due(row.start_date, period.with_days(row.days) if period.days else period,
                                         calendar, provisional=True)
        if (reckoned.date, reckoned.provisional) != (row.due_date, row.provisional):
            yield row, reckoned


@dataclass(frozen=True)
class DueChange:
    case_id: int
    step: str
    label: str
    due_was: date
    due_now: date
    provisional_now: bool


def preview_provisional_deadlines(session: Session, *, calendar: WorkCalendar) -> list[DueChange]:
    """What `recompute_provisional_deadlines` would change under `calendar` (reads only)."""
    return [DueChange(row.case_id, row.step, row.label, row.due_date, reckoned.date, reckoned.provisional)
            for row, reckoned in _recounted(session, calendar)]
