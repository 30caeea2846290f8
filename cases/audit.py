"""The hash-chained case event log (全过程记录, 行政处罚法 art. 47).

Each `CaseEvent` stores the SHA-256 of (previous hash + canonical JSON of its own fields), so a
changed, inserted or deleted row breaks the chain and `verify_chain` names the first bad event.
`AuditTrail` is the lifecycle listener that writes the row of a transition in the same
transaction as the state change.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, select

from cases.enums import CaseEventType, CaseStatus, PenaltyStep
from cases.models import Case, CaseEvent

GENESIS = "0" * 64


def event_hash(prev_hash: str, event: CaseEvent) -> str:
    body = [
        event.case_id, event.seq, str(event.event_type),
        str(event.from_status) if event.from_status else None,
        str(event.to_status) if event.to_status else None,
        event.actor_id, event.occurred_at.astimezone(UTC).isoformat(), event.payload,
    ]
    canonical = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def _json_safe(payload: dict[str, Any]) -> dict[str, Any]:
    """What the JSON column will give back, so the hash is computed on the stored form."""
    stored: dict[str, Any] = json.loads(json.dumps(payload, ensure_ascii=False, default=str))
    return stored


def append_event(
    session: Session, case: Case, event_type: CaseEventType, *, actor_id: int | None, at: datetime,
    payload: dict[str, Any] | None = None, from_status: CaseStatus | None = None,
    to_status: CaseStatus | None = None,
) -> CaseEvent:
    """Add the next event of `case` to the session (the caller's transaction commits it)."""
    if case.id is None:
        raise ValueError("append_event needs a flushed case (its id)")
    pending = [e for e in session.new if isinstance(e, CaseEvent) and e.case_id == case.id]
    last: CaseEvent | None
    if pending:  # an earlier event of this transaction, not flushed yet
        last = max(pending, key=lambda e: e.seq)
    else:
        with session.no_autoflush:  # the case's UPDATE waits for the use case's other changes: one version bump
            last = session.exec(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                .order_by(col(CaseEvent.seq).desc()).limit(1)).first()
    event = CaseEvent(
        case_id=case.id, seq=(last.seq + 1) if last else 1, event_type=event_type,
        from_status=from_status, to_status=to_status, actor_id=actor_id,
        occurred_at=at.astimezone(UTC), payload=_json_safe(payload or {}),
        prev_hash=last.hash if last else GENESIS, hash="",
    )
    event.hash = event_hash(event.prev_hash, event)
    session.add(event)
    return event


class AuditTrail:
    """Lifecycle listener: one CaseEvent per transition, flushed with the use case's commit."""

    def __init__(self, session: Session, case: Case, *, actor_id: int | None, at: datetime,
                 payload: dict[str, Any] | None = None) -> None:
        self._session, self._case, self._actor_id, self._at = session, case, actor_id, at
        self._payload = payload or {}

    def after_transition(self, event: Any, source: Any, target: Any) -> None:
        # python-statemachine passes the bound Event object, not a str. A penalty-procedure event
        # keeps the case in `penalty`; its step change goes into the payload.
        payload, src, dst = self._payload, source.value, target.value
        if isinstance(src, PenaltyStep):
            payload = {**payload, "step_from": str(src), "step_to": str(dst)}
            src = dst = CaseStatus.PENALTY
        append_event(self._session, self._case, CaseEventType(event.id), actor_id=self._actor_id,
                     at=self._at, payload=payload, from_status=CaseStatus(src), to_status=CaseStatus(dst))


def verify_chain(events: Iterable[CaseEvent]) -> CaseEvent | None:
    """The first event whose link or hash does not check out, or None when the chain is intact."""
    prev, expected_seq = GENESIS, 1
    for event in events:
        if event.seq != expected_seq or event.prev_hash != prev or event_hash(prev, event) != event.hash:
            return event
        prev, expected_seq = event.hash, expected_seq + 1
    return None
