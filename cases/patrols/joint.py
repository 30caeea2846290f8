"""Joint enforcement, "街乡吹哨、部门报到": a case or a township whistles for departments, the
earliest slot where every one of them has a certified officer free is found, the team is formed,
and each department reports (报到) — or is escalated (督办) when it has not within its deadline.

A slot for a rest-day-training violation must be a pupil rest day (that is when it happens);
otherwise the earliest working day. An officer is free when not on leave and not on any other
team that day (the unique officer/day key on `patrol_member` holds the line).

报到 is each department's supervisor naming the officers it sends (`answer_whistle`): they replace
the officer the slot search reserved for that department; a department that has not answered by
`answer_by` (cases/data periods: `whistle_answer`) is escalated once (`escalate_unanswered`, run by
the joint-enforcement flow and the daily sweep). Raising, answering and escalating are events of
the case's hash chain when the whistle comes from a case.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session, col, select

from cases import authority, deadlines, repository
from cases.audit import append_event
from cases.calendar import WorkCalendar
from cases.enums import CaseEventType, CaseStatus, Role
from cases.errors import NotAuthorised, NotFound, RuleViolation, ValidationFailed
from cases.models import Alert, Case, Department, Officer, OfficerLeave, key
from cases.patrols.models import PatrolMember, PatrolTeam, Whistle, WhistleAnswer
from cases.ports import Clock
from cases.pupil_calendar import PupilCalendar
from cases.service._common import Ctx, periods, scoped_case


def raise_whistle(session: Session, ctx: Ctx, *, reason: str, region_code: str | None = None,
                  case_id: int | None = None, departments: list[str] | None = None) -> Whistle:
    """吹哨. From a case, the departments default to what its violations need."""
    authority.require(ctx.actor, "raise_whistle")
    case = scoped_case(session, ctx, case_id) if case_id else None
    if case is not None and case.status is CaseStatus.CLOSED:
        raise RuleViolation("案件已结案，不能再吹哨", code="case_closed")
    if case is None and region_code is not None and not authority.within(
            region_code, ctx.actor.region_code, repository.region_parents(session)):
        raise ValidationFailed("所选乡镇不在您的辖区内", code="region_out_of_scope", region=region_code)
    needed = list(departments or [])
    if case and not needed:
        needed = sorted({k for code in case.violation_codes for k in ctx.cat.get(code).needs})
    kinds = set(session.exec(select(Department.kind)).all())
    unknown = [k for k in needed if k not in kinds]
    if len(set(needed)) < 2 or unknown:
        which = f"（未知部门：{'、'.join(unknown)}）" if unknown else ""
        raise ValidationFailed("联合执法须指定至少两个已登记的部门" + which, code="whistle_departments")
    if not reason.strip():
        raise ValidationFailed("请说明吹哨事由", code="reason_required")
    region = case.region_code if case else (region_code or ctx.actor.region_code)
    rest_day = bool(case and any(ctx.cat.get(c).rest_day for c in case.violation_codes))
    raiser = ctx.actor.department_id or repository.department_for(session, region, ["township", "education"]).id
    answer_by = deadlines.compute_due(ctx.today(), periods()["whistle_answer"], ctx.calendar, provisional=True).date
    whistle = Whistle(case_id=case.id if case else None, region_code=region, raised_by_department_id=raiser,
                      departments=sorted(set(needed)), reason=reason.strip(), rest_day_only=rest_day,
                      raised_at=ctx.now(), answer_by=answer_by, raised_by_id=ctx.actor.officer_id)
    session.add(whistle)
    session.flush()
    for kind in whistle.departments:
        dept = repository.department_for(session, region, [kind])
        session.add(WhistleAnswer(whistle_id=whistle.id, department_kind=kind, department_id=dept.id if dept else None))
    if case:
        append_event(session, case, CaseEventType.RAISE_WHISTLE, actor_id=ctx.actor.officer_id, at=ctx.now(),
                     payload={"whistle_id": whistle.id, "departments": whistle.departments, "kind": "吹哨",
                              "reason": whistle.reason, "answer_by": answer_by.isoformat()})
    session.commit()
    return whistle


def _free_officers(session: Session, day: date, kind: str, region_codes: set[str]) -> list[Officer]:
    busy = set(session.exec(select(PatrolMember.officer_id).where(PatrolMember.day == day)).all())
    busy |= set(session.exec(select(OfficerLeave.officer_id).where(
        col(OfficerLeave.start_date) <= day, col(OfficerLeave.end_date) >= day)).all())
    rows = session.exec(select(Officer).join(Department, col(Department.id) == Officer.department_id)
                        .where(Department.kind == kind, col(Department.region_code).in_(region_codes),
                               col(Officer.active)).order_by(col(Officer.id))).all()
    return [o for o in rows if o.id not in busy and o.certified_on(day)
            and ("officer" in o.roles or "supervisor" in o.roles)]


def schedule_whistle(session: Session, *, whistle_id: int, pupils: PupilCalendar, calendar: WorkCalendar,
                     clock: Clock, horizon_days: int = 30) -> Whistle:
    """Find the earliest slot and form the team (idempotent: a scheduled whistle is returned as is)."""
    whistle = repository.get_or_raise(session, Whistle, whistle_id, "吹哨记录")
    if whistle.slot_date is not None:
        return whistle
    regions = set(repository.ancestors(session, whistle.region_code))
    day = clock.today()
    for _ in range(horizon_days):
        day += timedelta(days=1)
        suitable = pupils.is_rest_day(day, provisional=True) if whistle.rest_day_only else \
            calendar.is_working_day(day, provisional=True)
        if not suitable:
            continue
        sent = {a.department_kind: list(a.officer_ids) for a in session.exec(
            select(WhistleAnswer).where(WhistleAnswer.whistle_id == whistle.id)).all() if a.officer_ids}
        picks = []
        for kind in whistle.departments:
            free = _free_officers(session, day, kind, regions)
            chosen = [o for o in free if o.id in sent.get(kind, [])]
            picks.append(chosen if kind in sent and len(chosen) == len(sent[kind]) else free[:1])
        if all(picks):
            team = PatrolTeam(whistle_id=whistle.id, day=day, township=whistle.region_code)
            session.add(team)
            session.flush()
            session.add_all(PatrolMember(team_id=key(team), officer_id=key(o), day=day, department_kind=kind)
                            for p, kind in zip(picks, whistle.departments, strict=True) for o in p)
            whistle.slot_date, whistle.state = day, "scheduled"
            session.add(whistle)
            session.commit()
            return whistle
    raise RuleViolation(f"{horizon_days}天内找不到各部门均有持证执法人员空闲的日期", code="no_joint_slot")


def record_report(session: Session, ctx: Ctx, *, whistle_id: int, department_kind: str) -> WhistleAnswer:
    """报到 of one department."""
    answer = session.exec(select(WhistleAnswer).where(WhistleAnswer.whistle_id == whistle_id,
                                                      WhistleAnswer.department_kind == department_kind)).first()
    if answer is None:
        raise ValidationFailed("该部门不在本次吹哨的部门之列", code="not_whistled")
    if answer.state != "reported":
        answer.state, answer.answered_at = "reported", ctx.now()
        session.add(answer)
        session.commit()
    return answer


def answer_whistle(session: Session, ctx: Ctx, *, whistle_id: int, department_kind: str,
                   officer_ids: list[int]) -> WhistleAnswer:
    """报到: the department's supervisor names the officers it sends to the joint operation."""
    whistle = session.get(Whistle, whistle_id, with_for_update=True)
    parents = repository.region_parents(session)
    if whistle is None or not (authority.within(whistle.region_code, ctx.actor.region_code, parents)
                               or authority.within(ctx.actor.region_code, whistle.region_code, parents)):
        raise NotFound("吹哨记录不存在或不在您的辖区内", whistle_id=whistle_id)
    answer = session.exec(select(WhistleAnswer).where(WhistleAnswer.whistle_id == whistle_id,
                                                      WhistleAnswer.department_kind == department_kind)).first()
    if answer is None:
        raise ValidationFailed("该部门不在本次吹哨的部门之列", code="not_whistled")
    dept = session.get(Department, ctx.actor.department_id) if ctx.actor.department_id else None
    own = dept is not None and (dept.id == answer.department_id if answer.department_id
                                else dept.kind == department_kind)
    if dept is None or Role.SUPERVISOR not in ctx.actor.roles or not own:
        raise NotAuthorised("报到须由被吹哨部门的科长或分管领导办理", code="not_department_supervisor",
                            action="answer_whistle")
    if answer.state == "reported":
        raise RuleViolation("本部门已报到", code="whistle_answered")
    ids = list(dict.fromkeys(officer_ids))
    if not ids:
        raise ValidationFailed("请选择本部门参加联合执法的执法人员", code="officers_required")
    day = whistle.slot_date or ctx.today()
    team = session.exec(select(PatrolTeam).where(PatrolTeam.whistle_id == whistle.id)).first()
    rows = {o.id: o for o in session.exec(select(Officer).where(col(Officer.id).in_(ids))).all()}
    bad = [i for i in ids if i not in rows or rows[i].department_id != dept.id or not rows[i].active
           or not rows[i].certified_on(day)]
    if bad:
        raise ValidationFailed("所选人员须为本部门在岗、持有效执法证的执法人员", code="officer_not_eligible",
                               officer_ids=bad)
    if whistle.slot_date is not None:
        busy = set(session.exec(select(PatrolMember.officer_id).where(
            PatrolMember.day == whistle.slot_date, col(PatrolMember.officer_id).in_(ids),
            PatrolMember.team_id != (team.id if team else 0))).all())
        if busy:
            names = "、".join(rows[i].name for i in ids if i in busy)
            raise ValidationFailed(f"{names}当天已在其他巡查组或联合执法组", code="officer_busy",
                                   officer_ids=sorted(busy))
    if team is not None:  # the officers sent take the place the slot search reserved for the department
        for member in session.exec(select(PatrolMember).where(PatrolMember.team_id == team.id,
                                                              PatrolMember.department_kind == department_kind)).all():
            session.delete(member)
        session.flush()
        session.add_all(PatrolMember(team_id=key(team), officer_id=i, day=team.day, department_kind=department_kind)
                        for i in ids)
    answer.state, answer.answered_at = "reported", ctx.now()
    answer.answered_by_id, answer.officer_ids = ctx.actor.officer_id, ids
    answer.department_id = answer.department_id or dept.id
    session.add(answer)
    if whistle.case_id:
        append_event(session, repository.get_or_raise(session, Case, whistle.case_id, "案件"),
                     CaseEventType.ANSWER_WHISTLE,
                     actor_id=ctx.actor.officer_id, at=ctx.now(),
                     payload={"whistle_id": whistle.id, "department": department_kind, "officer_ids": ids})
    session.commit()
    return answer


def escalate_unanswered(session: Session, *, clock: Clock) -> int:
    """督办 every department that has not reported by its deadline (once each)."""
    today = clock.today()
    rows = session.exec(select(WhistleAnswer, Whistle).join(Whistle, col(Whistle.id) == WhistleAnswer.whistle_id)
                        .where(WhistleAnswer.state == "pending", col(Whistle.answer_by) < today)).all()
    for answer, whistle in rows:
        answer.state, answer.escalated_at = "escalated", clock.now()
        session.add(answer)
        target = answer.department_id or whistle.raised_by_department_id
        message = (f"督办：第{whistle.id}号吹哨（{whistle.reason}）要求于{whistle.answer_by:%Y年%m月%d日}前报到，"
                   "尚未报到")
        case_id = whistle.case_id
        if case_id:
            session.add(Alert(case_id=case_id, deadline_id=None, kind="whistle", level=1, department_id=target,
                              on_date=today, message=message))
            append_event(session, session.get(Case, case_id), CaseEventType.ESCALATE, actor_id=None, at=clock.now(),
                         payload={"whistle_id": whistle.id, "department": answer.department_kind,
                                  "answer_by": whistle.answer_by.isoformat(), "kind": "吹哨未报到"})
        whistle.state = "escalated"
        session.add(whistle)
    session.commit()
    return len(rows)
