"""Who may do what (pure).

Case actions: the roles and the standing on the case each action needs are columns of the action
table (`cases.actions.ACTIONS`); `check` is the one function that applies them, called by the
checked entry point (`cases.service.perform`) before anything else and by every lifecycle guard.
Other permissions (the register, staff, patrols, reading a complainant's identity) are `PERMISSIONS`.

Jurisdiction is the region tree: an actor acts within the subtree of their department's region.
A case outside it does not exist for them (the API answers 404, not 403).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cases.actions import ACTIONS, Action, Standing
from cases.enums import Role
from cases.errors import NotAuthorised

OFF, SUP, LEG, ADM = Role.OFFICER, Role.SUPERVISOR, Role.LEGAL, Role.ADMIN

# Permissions that are not case actions → the roles that hold them.
PERMISSIONS: dict[str, frozenset[Role]] = {
    "reveal_complainant": frozenset({SUP, LEG}),
    "receive_complaint": frozenset({OFF, SUP, ADM}),
    "manage_register": frozenset({SUP, ADM}),
    "manage_staff": frozenset({ADM}),
    "plan_patrols": frozenset({SUP, ADM}),
    "raise_whistle": frozenset({OFF, SUP}),  # 吹哨 for a joint operation
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


@dataclass(frozen=True)
class ActorFacts:
    """The actor as a guard sees it: roles, and whether they are on the case's team (承办人/协办人)."""

    officer_id: int | None
    roles: frozenset[Role]
    on_team: bool

    @classmethod
    def of(cls, actor: Actor, team_officer_ids: list[int] | tuple[int, ...]) -> ActorFacts:
        return cls(actor.officer_id, actor.roles, actor.officer_id is not None and actor.officer_id in team_officer_ids)


def permitted(actor: Actor, permission: str) -> bool:
    return bool(actor.roles & PERMISSIONS.get(permission, frozenset()))


def require(actor: Actor, permission: str) -> None:
    if not permitted(actor, permission):
        raise NotAuthorised("您的角色无权执行此操作", action=permission)


def role_allows(roles: frozenset[Role], action: Action) -> bool:
    return bool(roles & ACTIONS[action].roles)


def standing_refusal(actor: ActorFacts, action: Action) -> NotAuthorised | None:
    """Why `actor` may not take `action` on this case (None: they may)."""
    spec = ACTIONS[action]
    if not actor.roles & spec.roles:
        return NotAuthorised(spec.role_refusal, action=str(action))
    if spec.standing is Standing.TEAM and not actor.on_team and SUP not in actor.roles:
        return NotAuthorised("您不是本案执法小组成员（承办人/协办人），不能办理此操作；如需办理，请科长改派",
                             code="not_on_team", action=str(action))
    if spec.standing is Standing.INDEPENDENT and actor.on_team:
        return NotAuthorised(f"本案调查人员不能{action.label}（须由非本案调查人员办理）",
                             code="investigator_not_independent", action=str(action))
    return None


def check(actor: ActorFacts | None, action: Action) -> None:
    if actor is None:
        raise NotAuthorised("未识别操作人员", code="actor_unknown", action=str(action))
    refusal = standing_refusal(actor, action)
    if refusal is not None:
        raise refusal


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
