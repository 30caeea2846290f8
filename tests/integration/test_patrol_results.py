"""Patrol results: a visit recorded with its checks, a violation found turned into a case with no retyping."""

from __future__ import annotations

import pytest
from sqlmodel import select

from cases import service as case_service
from cases.actions import EvidenceIn
from cases.enums import CaseEventType, CaseStatus, Channel, DocumentType, Role
from cases.errors import InputInvalid, NotAuthorised, NotFound, RuleViolation, StaleVersion, ValidationFailed
from cases.models import Case, CaseEvent, CaseEvidence, Department, Document, Inspection, Institution, Officer
from cases.patrols import service as patrol_service
from cases.patrols.models import PatrolMember, PatrolTeam, PatrolVisit
from tests.integration.conftest import County, at, complaint
from tests.integration.test_patrols_and_sweep import SAT, _plan

pytestmark = pytest.mark.integration
SQLITE = pytest.mark.parametrize("db", ["sqlite"], indirect=True)
PHOTO = EvidenceIn(sha256="a" * 64, filename="现场.jpg", content_type="image/jpeg", size=1234, path="ab/aaaa.jpg")


def _team_with_educators(county: County) -> tuple[PatrolTeam, list[str], PatrolVisit]:
    """A team of SAT with two certified education officers, and its first target."""
    _plan(county)
    with county.session() as s:
        for team in s.exec(select(PatrolTeam).where(PatrolTeam.day == SAT).order_by(PatrolTeam.id)).all():
            rows = s.exec(select(Officer, Department.kind).join(PatrolMember, PatrolMember.officer_id == Officer.id)
                          .join(Department, Department.id == Officer.department_id)
                          .where(PatrolMember.team_id == team.id).order_by(PatrolMember.id)).all()
            educators = [o.username for o, kind in rows if kind == "education" and o.certified_on(SAT)
                         and "officer" in o.roles]
            visit = s.exec(select(PatrolVisit).where(PatrolVisit.team_id == team.id).order_by(PatrolVisit.id)).first()
            if len(educators) >= 2 and visit is not None:
                return team, [o.username for o, _ in rows], visit
    raise AssertionError("the plan has no team with two certified education officers")


def _record(county: County, username: str, when: str, visit_id: int, version: int | None, **data):  # noqa: ANN003, ANN202
    ctx = county.ctx(county.actor(username, at(when)), at(when))
    evidence = data.pop("evidence", ())
    with county.session() as s:
        return case_service.record_visit(s, ctx, visit_id, version, data, evidence=evidence)


def _lead_educator(county: County, usernames: list[str]) -> str:
    with county.session() as s:
        for name in usernames:
            o = s.exec(select(Officer).where(Officer.username == name)).one()
            kind = s.get(Department, o.department_id).kind
            if kind == "education" and "officer" in o.roles and o.certified_on(SAT):
                return name
    raise AssertionError("no education officer on the team")


def test_violation_found_opens_a_case_prefilled_from_the_visit(county: County) -> None:
    team, members, visit = _team_with_educators(county)
    lead = _lead_educator(county, members)
    done = _record(county, lead, "2026-03-14 10:30", visit.id, 0, result="violation",
                   findings="周六上午教室内23名初中生正在上数学课，现场查看了课表和收费凭证。",
                   violation_codes=["rest_day_training"], party_present="王某（负责人）", evidence=[PHOTO])
    assert done.case is not None and not done.merged and done.visit.version == 1
    with county.session() as s:
        case = s.get(Case, done.case.id)
        record = s.exec(select(Inspection).where(Inspection.case_id == case.id)).one()
        events = s.exec(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)).all()
        docs = s.exec(select(Document).where(Document.case_id == case.id)).all()
        lead_id = s.exec(select(Officer.id).where(Officer.username == lead)).one()
        stored = s.get(PatrolVisit, visit.id)
        evidence = s.exec(select(CaseEvidence).where(CaseEvidence.case_id == case.id)).all()
        team_ids = set(s.exec(select(PatrolMember.officer_id).where(PatrolMember.team_id == team.id)).all())
    assert case.status is CaseStatus.INSPECTED and case.institution_id == visit.institution_id
    assert case.violation_codes == ["rest_day_training"] and case.assignee_id == lead_id
    assert set(case.team_officer_ids) <= team_ids and len(case.team_officer_ids) >= 2
    assert record.violation_found and record.evidence[0]["sha256"] == PHOTO.sha256 and record.officer_ids[0] == lead_id
    assert [e.event_type for e in events][:2] == [CaseEventType.RECEIVE, CaseEventType.ASSIGN]
    assert events[0].payload["channel"] == str(Channel.PATROL) and events[0].payload["visit_id"] == visit.id
    assert CaseEventType.UPLOAD_EVIDENCE in [e.event_type for e in events]
    assert events[-1].event_type is CaseEventType.RECORD_INSPECTION
    assert [d.doc_type for d in docs] == [DocumentType.INSPECTION_RECORD]
    assert [e.sha256 for e in evidence] == [PHOTO.sha256]
    assert stored.result == "violation" and stored.case_id == case.id and stored.recorded_by_id == lead_id
    with pytest.raises(RuleViolation) as again:  # the case goes on from the case page
        _record(county, lead, "2026-03-14 10:40", visit.id, 1, result="nothing_found")
    assert again.value.code == "visit_has_case"


@SQLITE
def test_a_visit_is_checked_like_a_case_action(county: County) -> None:
    team, members, visit = _team_with_educators(county)
    lead = _lead_educator(county, members)
    with county.session() as s:
        outsider = s.exec(select(Officer.username).join(Department, Department.id == Officer.department_id)
                           .where(Department.kind == "education", Officer.username.not_in(members),
                                  Officer.roles.contains(str(Role.OFFICER)))).first()
    with pytest.raises(NotAuthorised) as refused:
        _record(county, outsider, "2026-03-14 10:00", visit.id, 0, result="nothing_found")
    assert refused.value.code == "not_on_patrol_team"
    with pytest.raises(RuleViolation) as early:
        _record(county, lead, "2026-03-13 17:00", visit.id, 0, result="nothing_found")
    assert early.value.code == "visit_before_day"
    with pytest.raises(InputInvalid):
        _record(county, lead, "2026-03-14 10:00", visit.id, 0, result="maybe")
    with pytest.raises(ValidationFailed) as codes:
        _record(county, lead, "2026-03-14 10:00", visit.id, 0, result="violation", findings="有学生")
    assert codes.value.code == "violation_codes_required"
    with pytest.raises(NotFound):
        _record(county, lead, "2026-03-14 10:00", 999_999, 0, result="nothing_found")
    done = _record(county, lead, "2026-03-14 10:00", visit.id, 0, result="closed", findings="门已上锁，招牌已拆除。")
    assert done.case is None and done.visit.result == "closed" and done.visit.version == 1
    with pytest.raises(StaleVersion) as stale:  # a teammate's form opened before the result was recorded
        _record(county, members[-1], "2026-03-14 10:05", visit.id, 0, result="nothing_found")
    assert stale.value.detail == {"expected": 0, "current": 1} and "其他人员" in stale.value.message
    supervisor = _record(county, "education01", "2026-03-14 11:00", visit.id, 1, result="moved",
                         findings="已搬离，原址改为便利店。")  # a supervisor of the jurisdiction may correct it
    assert supervisor.visit.result == "moved" and supervisor.visit.version == 2
    with county.session() as s:
        assert s.exec(select(Case).where(Case.institution_id == visit.institution_id)).first() is None
        targets = patrol_service._targets(s, "520122", SAT)  # the next plan sees the visit
    assert next(t for t in targets if t.institution_id == visit.institution_id).last_visit == SAT
    with county.session() as s:
        plan_id = s.get(PatrolTeam, team.id).plan_id
        summary = patrol_service.plan_summary(s, plan_id)
    assert next(t for t in summary["teams"] if t["team_id"] == team.id)["visits_done"] == 1


@SQLITE
def test_a_finding_at_an_institution_with_an_open_case_joins_that_case(county: County) -> None:
    team, members, visit = _team_with_educators(county)
    lead = _lead_educator(county, members)
    with county.session() as s:
        inst = s.get(Institution, visit.institution_id)
    ctx = county.ctx(county.intake_actor(), at("2026-03-10 09:00"))
    with county.session() as s:
        earlier = case_service.receive_complaint(s, ctx, complaint(inst)).case
    done = _record(county, lead, "2026-03-14 10:30", visit.id, 0, result="violation", findings="周六仍在上课。",
                   violation_codes=["rest_day_training"], evidence=[PHOTO])
    assert done.merged and done.case.id == earlier.id
    with county.session() as s:
        case = s.get(Case, earlier.id)
        last = s.exec(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq.desc())).first()
    assert case.status is CaseStatus.RECEIVED and case.version > earlier.version
    assert last.event_type in (CaseEventType.MERGE_COMPLAINT, CaseEventType.UPLOAD_EVIDENCE)
