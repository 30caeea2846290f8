"""The append-only record of staff changes: departments, officers, roles, activation, passwords.

Every row stores SHA-256(previous hash + canonical JSON of the row), like the case event chain
(`cases.audit`), and the database refuses UPDATE and DELETE on the table (`GUARDS`, installed by
migration 0014). Nothing in the application deletes or edits a row; `verify_staff_chain` names
the first row that does not match.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection
from sqlmodel import Session, col, select

from cases.models import StaffAudit

GENESIS = "0" * 64
SQLITE_GUARDS = tuple(
    f"CREATE TRIGGER IF NOT EXISTS staff_audit_no_{verb.lower()} BEFORE {verb} ON staff_audit "
    "BEGIN SELECT RAISE(ABORT, 'staff_audit is append-only'); END" for verb in ("UPDATE", "DELETE"))
POSTGRES_GUARDS = (
    "CREATE OR REPLACE FUNCTION staff_audit_append_only() RETURNS trigger AS $$ BEGIN "
    "RAISE EXCEPTION 'staff_audit is append-only'; END; $$ LANGUAGE plpgsql",
    "DROP TRIGGER IF EXISTS staff_audit_no_change ON staff_audit",
    "CREATE TRIGGER staff_audit_no_change BEFORE UPDATE OR DELETE ON staff_audit "
    "FOR EACH ROW EXECUTE FUNCTION staff_audit_append_only()",
)


def install_guards(conn: Connection) -> None:
    for statement in POSTGRES_GUARDS if conn.dialect.name == "postgresql" else SQLITE_GUARDS:
        conn.exec_driver_sql(statement)


def row_hash(prev_hash: str, row: StaffAudit) -> str:
    body = [row.at.astimezone(UTC).isoformat(), row.actor_id, row.actor_name, row.action, row.target_kind,
            row.target_id, row.target_label, row.changes]
    canonical = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def record(session: Session, *, at: datetime, actor_id: int | None, actor_name: str, action: str,
           target_kind: str, target_id: int | None, target_label: str, changes: dict[str, Any]) -> StaffAudit:
    """Add the next row to the session; the caller's transaction commits it with the change itself."""
    with session.no_autoflush:
        last = session.exec(select(StaffAudit).order_by(col(StaffAudit.id).desc()).limit(1)).first()
    pending = [r for r in session.new if isinstance(r, StaffAudit)]
    prev = pending[-1].hash if pending else (last.hash if last else GENESIS)
    row = StaffAudit(at=at.astimezone(UTC), actor_id=actor_id, actor_name=actor_name[:64], action=action,
                     target_kind=target_kind, target_id=target_id, target_label=target_label[:64],
                     changes=json.loads(json.dumps(changes, ensure_ascii=False, default=str)), prev_hash=prev,
                     hash="")
    row.hash = row_hash(prev, row)
    session.add(row)
    return row


def verify_staff_chain(session: Session) -> int | None:
    """The id of the first row whose hash or link does not match, or None when the chain holds."""
    prev = GENESIS
    for row in session.exec(select(StaffAudit).order_by(col(StaffAudit.id))):
        if row.prev_hash != prev or row_hash(prev, row) != row.hash:
            return row.id
        prev = row.hash
    return None
