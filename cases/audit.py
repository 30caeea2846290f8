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
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import String, Text, bindparam, cast, tuple_, type_coerce
from sqlmodel import Session, col, select

from cases.enums import CaseEventType, CaseStatus, PenaltyStep
from cases.models import Case, CaseEvent

GENESIS = "0" * 64


def event_hash(prev_hash: str, event: CaseEvent) -> str:
    return _hash(prev_hash, event.case_id, event.seq, event.event_type, event.from_status, event.to_status,
                 event.actor_id, event.occurred_at, event.payload)


def _hash(prev_hash: str, case_id: int, seq: int, event_type: Any, from_status: Any, to_status: Any,
          actor_id: int | None, occurred_at: datetime, payload: Any) -> str:
    body = [
        case_id, seq, str(event_type),
        str(from_status) if from_status else None,
        str(to_status) if to_status else None,
        actor_id, occurred_at.astimezone(UTC).isoformat(), payload,
    ]
    canonical = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def _json_safe(payload: dict[str, Any]) -> dict[str, Any]:
    """What the JSON column will give back, so the hash is computed on the stored form."""
    stored: dict[str, Any] = json.loads(json.dumps(payload, ensure_ascii=False, default=str))
    return stored


_LAST_EVENT = (select(CaseEvent.seq, CaseEvent.hash).where(CaseEvent.case_id == bindparam("case_id"))
               .order_by(col(CaseEvent.seq).desc()).limit(1))  # built once: see cases.repository
LAST_EVENT_MEMO = "last_event_read"  # session.info: case id → (seq, hash) | None, read with the case


def last_event_columns() -> tuple[Any, Any]:
    """The last event's seq and hash of the case in the enclosing query (correlated scalar subqueries),
    so an action reads its case and the head of its chain in one statement (`remember_last`)."""
    newest = select(CaseEvent.seq).where(CaseEvent.case_id == Case.id).order_by(col(CaseEvent.seq).desc()).limit(1)
    head = select(CaseEvent.hash).where(CaseEvent.case_id == Case.id).order_by(col(CaseEvent.seq).desc()).limit(1)
    return newest.scalar_subquery(), head.scalar_subquery()


def remember_last(session: Session, case_id: int, seq: int | None, digest: str | None) -> None:
    """Keep the chain head read with the case for this transaction's first `append_event` of it.

    It is taken once: later events of the transaction link to the pending one. If a concurrent
    writer appended meanwhile, the (case_id, seq) unique key refuses the insert and `perform`
    retries or answers 409, as it does for any collision."""
    memo: dict[int, tuple[int, str] | None] = session.info.setdefault(LAST_EVENT_MEMO, {})
    memo[case_id] = (seq, digest) if seq is not None and digest is not None else None


def append_event(
    session: Session, case: Case, event_type: CaseEventType, *, actor_id: int | None, at: datetime,
    payload: dict[str, Any] | None = None, from_status: CaseStatus | None = None,
    to_status: CaseStatus | None = None,
) -> CaseEvent:
    """Add the next event of `case` to the session (the caller's transaction commits it)."""
    if case.id is None:
        raise ValueError("append_event needs a flushed case (its id)")
    pending = [e for e in session.new if isinstance(e, CaseEvent) and e.case_id == case.id]
    last: tuple[int, str] | None
    if pending:  # an earlier event of this transaction, not flushed yet
        newest = max(pending, key=lambda e: e.seq)
        last = (newest.seq, newest.hash)
    elif case.id in session.info.get(LAST_EVENT_MEMO, {}):  # read with the case (`remember_last`)
        last = session.info[LAST_EVENT_MEMO].pop(case.id)
    else:
        with session.no_autoflush:  # the case's UPDATE waits for the use case's other changes: one version bump
            row = session.exec(_LAST_EVENT, params={"case_id": case.id}).first()
        last = (row[0], row[1]) if row else None
    event = CaseEvent(
        case_id=case.id, seq=(last[0] + 1) if last else 1, event_type=event_type,
        from_status=from_status, to_status=to_status, actor_id=actor_id,
        occurred_at=at.astimezone(UTC), payload=_json_safe(payload or {}),
        prev_hash=last[1] if last else GENESIS, hash="",
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


# --- streaming verification of the whole log ------------------------------------------------------

_COLUMNS = (CaseEvent.id, CaseEvent.case_id, CaseEvent.seq, type_coerce(CaseEvent.event_type, String),
            type_coerce(CaseEvent.from_status, String), type_coerce(CaseEvent.to_status, String),
            CaseEvent.actor_id, CaseEvent.occurred_at, cast(CaseEvent.payload, Text), CaseEvent.prev_hash,
            CaseEvent.hash)
# SQLite keeps `occurred_at` as the UTC text "YYYY-MM-DD HH:MM:SS.ffffff" (SQLAlchemy's format):
# read it as text and turn it into the isoformat the hash covers without building a datetime
_SQLITE_COLUMNS = (*_COLUMNS[:7], type_coerce(CaseEvent.occurred_at, String), *_COLUMNS[8:])
_EVENT_TYPES = frozenset(str(t) for t in CaseEventType)
_STATUSES = frozenset(str(s) for s in CaseStatus)
_DUMPS = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode


@dataclass(frozen=True)
class BrokenEvent:
    id: int
    case_id: int
    seq: int
    event_type: str


@dataclass(frozen=True)
class LogVerification:
    cases: int
    events: int
    broken: BrokenEvent | None


def _iso_utc(value: datetime | str) -> str:
    if not isinstance(value, str):
        return value.astimezone(UTC).isoformat()
    if len(value) == 26 and value[10] == " " and value[19] == ".":
        return f"{value[:10]}T{value[11:19]}{'' if value[20:] == '000000' else value[19:]}+00:00"
    return datetime.fromisoformat(value).replace(tzinfo=UTC).isoformat()


def _stored_hash(prev: str, case_id: int, seq: int, event_type: str, from_status: str | None,
                 to_status: str | None, actor_id: int | None, occurred_at: datetime | str,
                 payload_text: str) -> str:
    """`_hash` of a stored row read as plain values (the payload as its JSON text).

    The canonical JSON is assembled directly when every string is one of the enum values (plain
    identifiers: nothing to escape), which is the same text `json.dumps` makes; any other value
    goes through `_hash` itself, so a forged string can only change the digest."""
    if (event_type not in _EVENT_TYPES or (from_status is not None and from_status not in _STATUSES)
            or (to_status is not None and to_status not in _STATUSES)):
        moment = datetime.fromisoformat(_iso_utc(occurred_at))
        return _hash(prev, case_id, seq, event_type, from_status, to_status, actor_id, moment,
                     json.loads(payload_text))
    payload = "{}" if payload_text == "{}" else _DUMPS(json.loads(payload_text))
    canonical = (f'[{case_id},{seq},"{event_type}",'
                 f'{"null" if from_status is None else chr(34) + from_status + chr(34)},'
                 f'{"null" if to_status is None else chr(34) + to_status + chr(34)},'
                 f'{"null" if actor_id is None else actor_id},"{_iso_utc(occurred_at)}",'
                 f'{payload}]')
    return hashlib.sha256((prev + canonical).encode()).hexdigest()


def verify_log(session: Session, *, batch_size: int = 20_000) -> LogVerification:
    """Check every case's chain in (case_id, seq) order, in keyset pages of `batch_size` rows.

    Memory stays constant (one page of plain rows, no ORM objects, one running hash per case) and
    each page is its own short read transaction, so on SQLite no lock is held between pages. Stops
    at the first event whose link or hash does not check out.
    """
    cases = events = 0
    case_id, prev, expected = None, GENESIS, 1
    after: tuple[int, int] | None = None
    key = tuple_(col(CaseEvent.case_id), col(CaseEvent.seq))
    columns = _SQLITE_COLUMNS if session.get_bind().dialect.name == "sqlite" else _COLUMNS
    while True:
        query = select(*columns).order_by(col(CaseEvent.case_id), col(CaseEvent.seq)).limit(batch_size)
        if after is not None:
            query = query.where(key > tuple_(*after))
        rows = session.connection().execute(query).all()
        session.rollback()  # end the page's read transaction
        if not rows:
            return LogVerification(cases, events, None)
        for ev_id, c_id, seq, ev_type, from_s, to_s, actor, at, payload, prev_hash, digest in rows:
            if c_id != case_id:
                case_id, prev, expected = c_id, GENESIS, 1
                cases += 1
            events += 1
            if (seq != expected or prev_hash != prev
                    or _stored_hash(prev, c_id, seq, ev_type, from_s, to_s, actor, at, payload) != digest):
                return LogVerification(cases, events, BrokenEvent(ev_id, c_id, seq, ev_type))
            prev, expected = digest, expected + 1
        after = (rows[-1][1], rows[-1][2])
        if len(rows) < batch_size:
            return LogVerification(cases, events, None)
