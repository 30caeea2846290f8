"""Which actions a case offers an actor now (pure): the action table, filtered by what the two
machines declare from the case's state and step, and by the actor's role and standing on the case."""

from __future__ import annotations

from dataclasses import dataclass

from cases import authority
from cases.actions import Action, ActionSpec, available
from cases.authority import Actor, ActorFacts
from cases.enums import CaseStatus, PenaltyStep
from cases.errors import NotAuthorised
from cases.lifecycle import declared_events


@dataclass(frozen=True)
class Offer:
    spec: ActionSpec
    refusal: NotAuthorised | None  # None: the actor may take it


def offers(status: CaseStatus, step: PenaltyStep | None, team: list[int], actor: Actor, *,
           running_clock: bool, paused_clock: bool) -> list[Offer]:
    """Every action available in the case's state (clock actions only with a clock to act on), each
    with the reason the actor may not take it, if any."""
    declared = set(declared_events(status, step))
    facts = ActorFacts.of(actor, team)
    out = []
    for spec in available(status, declared):
        if (spec.action is Action.PAUSE_CLOCK and not running_clock) or (
                spec.action is Action.RESUME_CLOCK and not paused_clock):
            continue
        out.append(Offer(spec, authority.standing_refusal(facts, spec.action)))
    return out


def allowed(status: CaseStatus, step: PenaltyStep | None, team: list[int], actor: Actor, *,
            running_clock: bool, paused_clock: bool) -> list[ActionSpec]:
    return [o.spec for o in offers(status, step, team, actor, running_clock=running_clock,
                                   paused_clock=paused_clock) if o.refusal is None]
