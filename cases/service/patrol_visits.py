"""Patrol results (巡查结果): a team records what it found at each target of its day, and a violation
found opens a case pre-filled from the visit — institution, team, inspection record, evidence.

A visit is not a case, so recording it is a use case of its own with the checks `perform` makes
for a case action, in the same order:
1. the visit, in the actor's jurisdiction (the target's region) — otherwise `NotFound`;
2. the version the form was based on — missing `VersionRequired`, stale `StaleVisit` (a teammate
   recorded it meanwhile; an offline form replayed late is caught here);
3. standing: a member of the visit's team, or a supervisor of the jurisdiction — `NotAuthorised`;
4. the input, against `VisitIn` — `InputInvalid`; the patrol day must have come;
5. one commit.

A violation found ("发现违法") goes on through the case machine, never around it, in the same
transaction: the case is received (channel 日常巡查), the team the plan sent is assigned to it (the
assignment is the plan's: supervisors make plans, `authority.PERMISSIONS["plan_patrols"]`; the
recording officer leads as 承办人), the photos become the case's evidence, and the 现场检查 is
recorded with the visit's findings and violations — each through the use case registered for its
row of the action table, so every guard applies (≥2 certified officers, 行政处罚法 art. 42). If
the institution already has an open case, the finding is added to that case instead (the team of
that case goes on with it) — as a complaint about it would be merged (`intake.receive_complaint`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta

from pydantic import Field, ValidationError
from sqlmodel import Session, col, select

from cases import authority, repository
from cases.actions import Action, AssignIn, EvidenceIn, InspectionIn
from cases.audit import append_event
from cases.authority import Actor
from cases.enums import CaseEventType, Channel, Role, VisitResult
from cases.errors import (
    InputInvalid,
    NotAuthorised,
    NotFound,
    RuleViolation,
    StaleVersion,
    ValidationFailed,
    VersionRequired,
)
from cases.fields import Code, In, Str128, Str256, Str5000
from cases.models import Case, Department, Institution, Officer, key
from cases.patrols.models import PatrolMember, PatrolTeam, PatrolVisit
from cases.service import inspection as field_work
from cases.service._common import Ctx, touch
from cases.service.intake import ComplaintIn, new_case
from cases.service.perform import check_references

MERGE_WINDOW = timedelta(days=30)  # as a complaint is merged into its institution's open case (intake)


class VisitIn(In):
    result: VisitResult = Field(title="巡查结果", description=" / ".join(f"{r.value} {r.label}" for r in VisitResult))
    findings: Str5000 = Field(default="", title="检查情况", description="现场看到的情况（发现违法时必填）")
    violation_codes: list[Code] = Field(default_factory=list, max_length=10, title="违法行为",
                                        description="发现违法时认定的违法行为")
    place: Str256 = Field(default="", title="检查地点", description="默认机构登记地址")
    party_present: Str128 = Field(default="", title="当事人在场人员")
    party_refused_to_sign: bool = Field(default=False, title="当事人拒绝签名")
    witness: Str128 = Field(default="", title="见证人")


class StaleVisit(StaleVersion):
    """The visit was recorded by someone else after the form was opened."""

    def __init__(self, *, expected: int, current: int) -> None:
        super().__init__(expected=expected, current=current)
        self.message = (f"该巡查对象的结果已由组内其他人员登记（您打开时为第{expected}版，现为第{current}版），"
                        "请刷新查看后再登记")
        self.args = (self.message,)


@dataclass(frozen=True)
class VisitRecorded:
    visit: PatrolVisit
    case: Case | None  # the case the finding opened or was added to
    merged: bool = False  # added to the institution's open case


def _within(session: Session, region_code: str, root: str) -> bool:
    return authority.within(region_code, root, repository.region_parents(session))


def team_members(session: Session, team_id: int) -> list[int]:
    return list(session.exec(select(PatrolMember.officer_id).where(PatrolMember.team_id == team_id)
                             .order_by(col(PatrolMember.id))).all())


def record_visit(session: Session, ctx: Ctx, visit_id: int, expected_version: int | None,
                 data: dict[str, object] | VisitIn, *, evidence: Sequence[EvidenceIn] = ()) -> VisitRecorded:
    """Record the result of one patrol visit (one transaction, committed here)."""
    visit = session.get(PatrolVisit, visit_id, with_for_update=True)
    inst = session.get(Institution, visit.institution_id) if visit else None
    if visit is None or inst is None or not _within(session, inst.region_code, ctx.actor.region_code):
        raise NotFound("巡查对象不存在或不在您的辖区内", visit_id=visit_id)
    if expected_version is None:
        raise VersionRequired("缺少巡查记录的版本号，请刷新页面后重试")
    if visit.version != expected_version:
        raise StaleVisit(expected=expected_version, current=visit.version)
    team = repository.get_or_raise(session, PatrolTeam, visit.team_id, "巡查组")
    members = team_members(session, key(team))
    roles = ctx.actor.roles
    if not roles & {Role.OFFICER, Role.SUPERVISOR}:
        raise NotAuthorised("您的角色无权登记巡查结果", action="record_visit")
    if ctx.actor.officer_id not in members and Role.SUPERVISOR not in roles:
        raise NotAuthorised("您不是该巡查组成员，不能登记巡查结果；如需登记，请科长办理", code="not_on_patrol_team",
                            action="record_visit")
    body = _parse(data)
    if team.day > ctx.today():
        raise RuleViolation(f"巡查日（{team.day:%Y年%m月%d日}）尚未到，不能登记巡查结果", code="visit_before_day")
    if visit.case_id is not None:
        number = session.exec(select(Case.case_number).where(Case.id == visit.case_id)).first()
        raise RuleViolation(f"该巡查对象已发现违法并转为案件 {number}，请在案件中继续办理", code="visit_has_case",
                            case_id=visit.case_id)
    if body.result is VisitResult.VIOLATION:
        if not body.violation_codes:
            raise ValidationFailed("发现违法时请选择认定的违法行为", code="violation_codes_required")
        if not body.findings.strip():
            raise ValidationFailed("发现违法时请填写检查情况", code="findings_required")
        for code in body.violation_codes:
            ctx.cat.get(code)
    case, merged = None, False
    if body.result is VisitResult.VIOLATION:
        case, merged = _open_case(session, ctx, visit, team, inst, members, body, evidence)
    visit.result, visit.findings = str(body.result), body.findings.strip()
    visit.evidence = [{"sha256": e.sha256, "filename": e.filename, "content_type": e.content_type, "size": e.size,
                       "path": e.path} for e in evidence]
    visit.case_id = case.id if case else None
    visit.recorded_at, visit.recorded_by_id = ctx.now(), ctx.actor.officer_id
    visit.version += 1
    session.add(visit)
    session.commit()
    return VisitRecorded(visit, case, merged)


def _parse(data: dict[str, object] | VisitIn) -> VisitIn:
    if isinstance(data, VisitIn):
        return data
    try:
        return VisitIn.model_validate(dict(data))
    except ValidationError as exc:
        raise InputInvalid([dict(e) for e in exc.errors(include_url=False)]) from None


def _open_case(session: Session, ctx: Ctx, visit: PatrolVisit, team: PatrolTeam, inst: Institution,
               members: list[int], body: VisitIn, evidence: Sequence[EvidenceIn]) -> tuple[Case, bool]:
    payload = {"channel": str(Channel.PATROL), "visit_id": visit.id, "patrol_team_id": team.id,
               "findings": body.findings.strip(), "violation_codes": list(body.violation_codes)}
    open_case = repository.open_case_for_institution(session, key(inst), ctx.now() - MERGE_WINDOW)
    if open_case is not None:  # the institution's open case takes the finding (its team goes on)
        case = session.get(Case, key(open_case), with_for_update=True) or open_case
        case.violation_codes = sorted(set(case.violation_codes) | set(body.violation_codes))
        append_event(session, case, CaseEventType.MERGE_COMPLAINT, actor_id=ctx.actor.officer_id, at=ctx.now(),
                     payload=payload)
        touch(session, ctx, case)
        _evidence(session, ctx, case, evidence)
        return case, True
    lead = ctx.actor.officer_id
    officers = ([lead] if lead in members else []) + [m for m in members if m != lead]
    officers = _of_jurisdiction(session, ctx, inst.region_code, officers)
    data = ComplaintIn(channel=Channel.PATROL, content=body.findings.strip(), region_code=inst.region_code,
                       violation_codes=tuple(body.violation_codes), institution_id=inst.id)
    case = new_case(session, ctx, inst.region_code, inst, data, ctx.now())
    session.flush()
    append_event(session, case, CaseEventType.RECEIVE, actor_id=ctx.actor.officer_id, at=ctx.now(), payload=payload)
    plan = Actor.system(case.region_code, "巡查计划")  # the plan sent this team (see the module's docstring)
    field_work.assign_case(session, replace(ctx, actor=plan, action=Action.ASSIGN), case,
                           AssignIn(officer_ids=officers))
    _evidence(session, ctx, case, evidence)
    inspection = InspectionIn(officer_ids=officers, findings=body.findings, violation_codes=list(body.violation_codes),
                              place=body.place or inst.address, institution_id=inst.id,
                              evidence=[e.sha256 for e in evidence], party_present=body.party_present,
                              party_refused_to_sign=body.party_refused_to_sign, witness=body.witness)
    acting = replace(ctx, action=Action.RECORD_INSPECTION)
    check_references(session, acting, case, inspection)
    field_work.record_inspection(session, acting, case, inspection)
    return case, False


def _evidence(session: Session, ctx: Ctx, case: Case, evidence: Sequence[EvidenceIn]) -> None:
    acting = replace(ctx, action=Action.UPLOAD_EVIDENCE)
    for item in evidence:
        field_work.register_evidence(session, acting, case, item)


def _of_jurisdiction(session: Session, ctx: Ctx, region_code: str, officer_ids: list[int]) -> list[int]:
    """The team's officers who may be named on the case (`perform`'s officer reference rule): of a department
    inside the actor's jurisdiction whose territory covers the case. The guards then need two certified."""
    rows = dict(session.exec(select(Officer.id, Department.region_code)
                             .join(Department, col(Department.id) == Officer.department_id)
                             .where(col(Officer.id).in_(officer_ids))).all())
    out = [o for o in officer_ids if o in rows and _within(session, rows[o], ctx.actor.region_code)
           and _within(session, region_code, rows[o])]
    if not out:
        raise ValidationFailed("巡查组中没有本辖区内对该机构有管辖权的执法人员，不能据此立卷",
                               code="officer_out_of_scope")
    return out
