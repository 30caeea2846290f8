"""The demo `officer` account's field day: its team out on patrol today, and a whistle of one of its
cases waiting for the departments' 报到.

The weekly plan covers the coming pupil rest days (`flows.demo.schedules`); today's team is a
special inspection (专项检查) of the county's highest-risk targets in one township without an open
case, with the reason each was chosen (risk grade from `cases.patrols.risk`, recent complaints).
The first visit is recorded through the real use case (`cases.service.record_visit`), so the page
opens mid-route. The whistle is raised and scheduled by the same use cases the joint-enforcement
flow calls; its departments have not answered yet.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlmodel import Session, col, select

from cases import repository
from cases import service as case_service
from cases.enums import CaseStatus, Role
from cases.errors import DomainError
from cases.models import Case, Complaint, Department, Institution, Officer, key
from cases.patrols import joint
from cases.patrols.models import PatrolMember, PatrolTeam, PatrolVisit, Whistle
from cases.patrols.planner_prep import HOTSPOT
from cases.pupil_calendar import load_pupil_calendar
from cases.settings import get_calendar, get_clock, get_settings
from flows.context import actor_for, make_ctx

TARGETS = 4
GRADES = "ABCD"


def _demo_officer(session: Session) -> tuple[Officer, Department] | None:
    me = session.exec(select(Officer).where(Officer.username == "officer")).first()
    return (me, repository.get_or_raise(session, Department, me.department_id, "部门")) if me else None


def field_day(session: Session) -> dict[str, object]:
    """Today's team for the `officer` account (once: nothing is added when it is on a team today)."""
    today = get_clock().today()
    found = _demo_officer(session)
    if found is None:
        return {}
    me, dept = found
    if session.exec(select(PatrolMember).where(PatrolMember.officer_id == me.id, PatrolMember.day == today)).first():
        return {"team": "exists"}
    busy = set(session.exec(select(PatrolMember.officer_id).where(PatrolMember.day == today)).all())
    colleague = next((o for o in session.exec(select(Officer).where(
        Officer.department_id == dept.id, col(Officer.active)).order_by(col(Officer.id))).all()
        if o.id != me.id and str(Role.OFFICER) in o.roles and o.certified_on(today) and o.id not in busy
        and o.username[-1].isdigit()), None)
    if colleague is None:
        return {}
    open_cases = set(session.exec(select(Case.institution_id).where(Case.status != CaseStatus.CLOSED)).all())
    since = get_clock().now() - timedelta(days=90)
    recent = Counter(session.exec(select(Complaint.institution_id).where(col(Complaint.received_at) >= since)).all())
    candidates = [i for i in session.exec(select(Institution).order_by(col(Institution.id))).all()
                  if i.id not in open_cases and i.risk_grade]
    by_town: dict[str, list[Institution]] = {}
    for inst in candidates:
        by_town.setdefault(inst.region_code, []).append(inst)

    def rank(inst: Institution) -> tuple[int, int]:
        return GRADES.index(inst.risk_grade or "D"), -int(inst.risk_inputs.get("score", 0))

    if not by_town:
        return {}
    town = min(by_town, key=lambda code: sorted(rank(i) for i in by_town[code])[:TARGETS])
    chosen = sorted(by_town[town], key=rank)[:TARGETS]
    team = PatrolTeam(day=today, township=town)
    session.add(team)
    session.flush()
    session.add_all(PatrolMember(team_id=key(team), officer_id=key(o), day=today, department_kind=dept.kind)
                    for o in (me, colleague))
    visits = [PatrolVisit(team_id=key(team), institution_id=key(i), risk_grade=i.risk_grade or "D",
                          reason="；".join(([HOTSPOT] if recent[i.id] else []) + [f"{i.risk_grade}级风险专项检查"]))
              for i in chosen]
    session.add_all(visits)
    session.commit()
    ctx = make_ctx(actor_for(me, dept, today))
    findings = "出示执法证件后进场检查：现场未见中小学生培训，收费公示齐全，未发现违规行为。"
    case_service.record_visit(session, ctx, key(visits[0]), 0, {"result": "nothing_found", "findings": findings})
    return {"team": team.id, "targets": len(visits)}


def waiting_whistle(session: Session) -> dict[str, object]:
    """A whistle of one of the `officer` account's open cases, scheduled, waiting for 报到."""
    found = _demo_officer(session)
    if found is None:
        return {}
    me, dept = found
    order = [CaseStatus.INSPECTED, CaseStatus.RECTIFICATION_NOTICE, CaseStatus.ASSIGNED, CaseStatus.PENALTY]
    mine = sorted((c for c in session.exec(select(Case).where(col(Case.status).in_(order))).all()
                   if me.id in c.team_officer_ids), key=lambda c: (order.index(c.status), key(c)))
    if not mine or session.exec(select(Whistle).where(col(Whistle.case_id).in_([c.id for c in mine]))).first():
        return {}
    case = mine[0]
    ctx = make_ctx(actor_for(me, dept))
    whistle = joint.raise_whistle(session, ctx, case_id=case.id, departments=["education", "market"],
                                  reason="机构涉嫌超范围经营并违规预收费，需市场监管部门共同查处。")
    try:
        joint.schedule_whistle(session, whistle_id=key(whistle), pupils=load_pupil_calendar(
            get_calendar(), get_settings().region_code), calendar=get_calendar(), clock=get_clock())
    except DomainError:
        session.rollback()
    return {"whistle": whistle.id, "case": case.case_number}
