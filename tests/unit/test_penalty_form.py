"""The case page's penalty rows (type select + amount, repeated) → the action's structured input."""

from __future__ import annotations

from starlette.datastructures import FormData

from api.web.forms import body_from_form
from cases.actions import ACTIONS, Action
from cases.service.perform import parse_input


def test_rows_become_penalty_items() -> None:
    form = FormData([
        ("penalty.type", "warning"), ("penalty.amount_yuan", ""), ("penalty.years", ""),
        ("penalty.type", "confiscate_income"), ("penalty.amount_yuan", "8000"), ("penalty.years", ""),
        ("penalty.type", ""), ("penalty.amount_yuan", "5"), ("penalty.years", ""),  # an unused row
        ("gravity", "general"), ("income_collected_yuan", "8000"), ("income_refunded_yuan", "0")])
    spec = ACTIONS[Action.OPEN_PENALTY]
    data = body_from_form(spec, form)
    assert data["penalty"] == [{"type": "warning"}, {"type": "confiscate_income", "amount_yuan": "8000"}]
    body = parse_input(spec, data)
    assert [(i.type.value, i.amount_yuan) for i in body.penalty] == [("warning", 0), ("confiscate_income", 8000)]
    assert body.income_collected_yuan == 8000


def test_decision_without_rows_keeps_the_notice() -> None:
    spec = ACTIONS[Action.DECIDE]
    data = body_from_form(spec, FormData([("outcome", "penalty"), ("penalty.type", ""), ("gravity", "general")]))
    assert "penalty" not in data and parse_input(spec, data).penalty is None


def test_participants_one_per_line() -> None:
    spec = ACTIONS[Action.COLLECTIVE_DISCUSSION]
    data = body_from_form(spec, FormData([("summary", "同意"), ("participants", "局长\n\n副局长\n")]))
    assert data["participants"] == ["局长", "副局长"]
