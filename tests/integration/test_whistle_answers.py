"""吹哨 and 报到: raised from a case or for a township, started in-process through `api.triggers`, answered
by each department's supervisor with the officers it sends, the others escalated — on the case's chain."""

from __future__ import annotations

import pytest
from sqlmodel import select

from api import triggers
from cases.enums import CaseEventType
from cases.errors import NotAuthorised, RuleViolation, ValidationFailed
from cases.models import CaseEvent, Department, Officer
from cases.patrols import joint
from cases.patrols.models import PatrolMember, PatrolTeam, Whistle, WhistleAnswer
from cases.settings import FixedClock
from tests.integration.conftest import County, at
from tests.integration.test_case_service import _inspected, _receive
from tests.integration.test_patrols_and_sweep import SAT, _pupils

pytestmark = [pytest.mark.integration, pytest.mark.parametrize("db", ["sqlite"], indirect=True)]
WHEN = "2026-03-09 10:00"


def _market_officers(county: County) -> list[Officer]:
    with county.session() as s:
        return list(s.exec(select(Officer).join(Department, Department.id == Officer.department_id)
                           .where(Department.kind == "market", Department.region_code == "520122")
                           .order_by(Officer.id)).all())


def _raised(county: County) -> Whistle:
    case = _inspected(county)
    ctx = county.ctx(county.actor("education03"), at(WHEN))
    with county.session() as s:
        whistle = joint.raise_whistle(s, ctx, case_id=case.id, reason="无证办学，需市场监管共同查处",
                                      departments=["education", "market"])
    with county.session() as s:
        started = triggers.start_whistle(s, ctx, whistle.id, pupils=_pupils())
    assert started.mode == "in_process" and started.result["slot"] == SAT.isoformat()
    return whistle


def test_a_department_supervisor_answers_with_the_officers_it_sends(county: County,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    whistle = _raised(county)
    market = _market_officers(county)
    boss, sent = market[0], [o for o in market[1:] if o.certified_on(SAT)][:2]
    with county.session() as s:
        team = s.exec(select(PatrolTeam).where(PatrolTeam.whistle_id == whistle.id)).one()
        reserved = s.exec(select(PatrolMember.officer_id).where(PatrolMember.team_id == team.id,
                                                                PatrolMember.department_kind == "market")).all()
    assert len(reserved) == 1
    ctx = county.ctx(county.actor(boss.username), at("2026-03-10 09:00"))
    officer_ctx = county.ctx(county.actor(market[1].username), at("2026-03-10 09:00"))
    with county.session() as s, pytest.raises(NotAuthorised) as not_boss:
        joint.answer_whistle(s, officer_ctx, whistle_id=whistle.id, department_kind="market",
                             officer_ids=[o.id for o in sent])
    assert not_boss.value.code == "not_department_supervisor"
    other = county.ctx(county.actor("education01"), at("2026-03-10 09:00"))
    with county.session() as s, pytest.raises(NotAuthorised):  # another department's supervisor
        joint.answer_whistle(s, other, whistle_id=whistle.id, department_kind="market", officer_ids=[sent[0].id])
    with county.session() as s, pytest.raises(ValidationFailed) as foreign:
        joint.answer_whistle(s, ctx, whistle_id=whistle.id, department_kind="market",
                             officer_ids=[county.officer("education04").id])
    assert foreign.value.code == "officer_not_eligible"
    with county.session() as s, pytest.raises(ValidationFailed) as nobody:
        joint.answer_whistle(s, ctx, whistle_id=whistle.id, department_kind="market", officer_ids=[])
    assert nobody.value.code == "officers_required"
    with county.session() as s:
        joint.answer_whistle(s, ctx, whistle_id=whistle.id, department_kind="market", officer_ids=[o.id for o in sent])
    with county.session() as s:
        members = s.exec(select(PatrolMember.officer_id).where(PatrolMember.team_id == team.id,
                                                               PatrolMember.department_kind == "market")).all()
        answer = s.exec(select(WhistleAnswer).where(WhistleAnswer.whistle_id == whistle.id,
                                                    WhistleAnswer.department_kind == "market")).one()
        events = s.exec(select(CaseEvent).where(CaseEvent.case_id == whistle.case_id)).all()
    assert sorted(members) == sorted(o.id for o in sent)  # the officers sent replace the reserved one
    assert answer.state == "reported" and answer.officer_ids == [o.id for o in sent]
    assert answer.answered_by_id == boss.id
    kinds = [e.event_type for e in events]
    assert CaseEventType.RAISE_WHISTLE in kinds and CaseEventType.ANSWER_WHISTLE in kinds
    with county.session() as s, pytest.raises(RuleViolation) as twice:
        joint.answer_whistle(s, ctx, whistle_id=whistle.id, department_kind="market", officer_ids=[sent[0].id])
    assert twice.value.code == "whistle_answered"
    with county.session() as s:  # the raising department has not answered: escalated once, on the case
        assert joint.escalate_unanswered(s, clock=FixedClock(at("2026-03-12 08:00"))) == 1
        last = s.exec(select(CaseEvent).where(CaseEvent.case_id == whistle.case_id)
                      .order_by(CaseEvent.seq.desc())).first()
    assert last.event_type is CaseEventType.ESCALATE and last.payload["department"] == "education"


def test_whistle_refusals(county: County) -> None:
    ctx = county.ctx(county.actor("education03"), at(WHEN))
    with county.session() as s, pytest.raises(ValidationFailed) as one:
        joint.raise_whistle(s, ctx, region_code="520122100", reason="联合排查", departments=["education"])
    assert one.value.code == "whistle_departments"
    with county.session() as s, pytest.raises(ValidationFailed) as reason:
        joint.raise_whistle(s, ctx, region_code="520122100", reason="  ", departments=["education", "market"])
    assert reason.value.code == "reason_required"
    township = county.ctx(county.actor("永靖02"), at(WHEN))
    with county.session() as s, pytest.raises(ValidationFailed) as outside:
        joint.raise_whistle(s, township, region_code="520122101", reason="联合排查",
                            departments=["education", "market"])
    assert outside.value.code == "region_out_of_scope"
    with county.session() as s:
        w = joint.raise_whistle(s, ctx, region_code="520122100", reason="小区内疑似无证托管",
                                departments=["education", "fire"])
    assert w.case_id is None and w.raised_by_id == county.officer("education03").id
    case = _receive(county, index=3)
    legal = county.ctx(county.actor("education02"), at(WHEN))  # 法制审核 cannot whistle
    with county.session() as s, pytest.raises(NotAuthorised):
        joint.raise_whistle(s, legal, case_id=case.id, reason="联合执法", departments=["education", "market"])


def test_with_a_prefect_api_the_page_starts_the_deployment(county: County, monkeypatch: pytest.MonkeyPatch) -> None:
    """PREFECT_API_URL set: `start_whistle` creates a run of the joint-enforcement deployment (nothing in process)."""
    calls: list[tuple[str, dict]] = []
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:4200/api")
    monkeypatch.setattr(triggers, "run_deployment_by_name",
                        lambda name, params: calls.append((name, params)) or triggers.Started("prefect", "r1", "吹哨"))
    ctx = county.ctx(county.actor("education03"), at(WHEN))
    with county.session() as s:
        whistle = joint.raise_whistle(s, ctx, region_code="520122100", reason="联合排查",
                                      departments=["education", "market"])
    with county.session() as s:
        started = triggers.start_whistle(s, ctx, whistle.id, pupils=_pupils())
        stored = s.get(Whistle, whistle.id)
    assert started.mode == "prefect" and calls == [(triggers.WHISTLE_DEPLOYMENT, {"whistle_id": whistle.id})]
    assert stored.slot_date is None  # the worker forms the team, not the page
