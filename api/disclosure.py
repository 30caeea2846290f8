"""The audit record of a complainant-identity read (行政处罚法 art. 47 全过程记录; docs/law.md §2).

A reveal appends a `reveal_complainant` event to the case's hash chain without touching the case
row (its version does not move: reading changes nothing). The case row is locked (FOR UPDATE, a
no-op on SQLite, whose writers are serialised anyway) so appends to one chain queue instead of
colliding; should a writer still take our sequence number, the unique (case_id, seq) refuses
ours and we retry once on the new tail.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from api.errors import Conflict
from cases.audit import append_event
from cases.authority import Actor
from cases.enums import CaseEventType
from cases.models import Case


def log_reveal(session: Session, case_id: int, actor: Actor, at: datetime, complaint_ids: list[int]) -> None:
    for attempt in range(2):
        case = session.exec(select(Case).where(Case.id == case_id).with_for_update()).one()
        append_event(session, case, CaseEventType.REVEAL_COMPLAINANT, actor_id=actor.officer_id, at=at,
                     payload={"complaint_ids": complaint_ids, "actor": actor.name})
        try:
            session.commit()
            return
        except IntegrityError:
            session.rollback()
            if attempt:
                raise Conflict("案件正被他人操作，请稍后重试", code="concurrent_update") from None
