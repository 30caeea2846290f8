"""Who may do what: the single statement of roles per lifecycle event and action (pure).

Jurisdiction is the region tree: an actor acts within the subtree of their department's
region. A case outside it does not exist for them (the API answers 404, not 403).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cases.enums import Role
from cases.errors import NotAuthorised

O, SUP, LEG, ADM = Role.OFFICER, Role.SUPERVISOR, Role.LEGAL, Role.ADMIN
FIELD = frozenset({O, SUP})

# Lifecycle events and in-state actions → the roles that may take them.
EVENT_ROLES: dict[str, frozenset[Role]] = {
    "assign": frozenset({SUP}),
    "dismiss": frozenset({SUP}),
    "record_inspection": FIELD,
    "close_no_violation": FIELD,
    "issue_rectification": FIELD,
    "open_penalty": frozenset({SUP}),  # 立案 is approved by the head
    "confirm_rectified": FIELD,
    "close_penalty": frozenset({SUP}),  # 结案 is approved by the head
    "collective_discussion": frozenset({SUP}),
    "serve_penalty_notice": FIELD,
    "close_statement_window": FIELD,
    "hold_hearing": frozenset({LEG, SUP}),
    "legal_review": frozenset({LEG}),
    "decide": frozenset({SUP}),
    "serve_decision": FIELD,
    "execute": FIELD,
    "publish": FIELD,
    # actions that do not move the state
    "record_service": FIELD,
    "record_reinspection": FIELD,
    "pause_clock": frozenset({SUP}),
    "resume_clock": frozenset({SUP}),
    "reveal_complainant": frozenset({SUP, LEG}),
    "receive_complaint": frozenset({O, SUP, ADM}),
    "manage_register": frozenset({SUP, ADM}),
    "manage_staff": frozenset({ADM}),
    "plan_patrols": frozenset({SUP, ADM}),
    "raise_whistle": FIELD,  # 吹哨 for a joint operation
}


@dataclass(frozen=True)
class Actor:
    officer_id: int | None  # None: the scheduler or the public
    roles: frozenset[Role]
    department_id: int | None
    region_code: str  # root of the actor's jurisdiction subtree
    name: str = ""
    certified: bool = False

    @classmethod
    def system(cls, region_code: str, name: str = "系统") -> Actor:
        return cls(None, frozenset({SUP}), None, region_code, name)


def may(actor: Actor, action: str) -> bool:
    return bool(actor.roles & EVENT_ROLES.get(action, frozenset()))


def require(actor: Actor, action: str) -> None:
    if not may(actor, action):
        raise NotAuthorised(f"您的角色无权执行此操作（{action}）", action=action)


def within(code: str, root: str, parents: Mapping[str, str | None]) -> bool:
    """True when region `code` is `root` or lies below it in the region tree."""
    seen: set[str] = set()
    current: str | None = code
    while current is not None and current not in seen:
        if current == root:
            return True
        seen.add(current)
        current = parents.get(current)
    return False
