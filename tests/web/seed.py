"""The browser tests' county: the integration county plus cases in every state and a stored patrol plan.

Everything is dated before the tests' "now" (Monday 2026-03-16 09:00 in Asia/Shanghai) so the
deadlines on the pages are meaningful: one complaint waits unassigned since 2 March (its
assignment step is overdue and on the board), others are mid-way, one is closed.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Engine
from sqlmodel import Session, select

from cases import service as case_service
from cases.actions import Action
from cases.enums import CaseStatus, Channel, DocumentType
from cases.models import Case, Department, Document, Institution, Officer, Penalty
from cases.patrols import service as patrol_service
from cases.patrols.sheets import issue_patrol_sheets
from cases.pupil_calendar import load_pupil_calendar
from cases.settings import FixedClock, get_calendar
from flows.context import actor_for
from flows.demo import seed
from tests.integration.conftest import at

PASSWORD = "demo-password-1"
NOW = "2026-03-16 09:00"


@dataclass
class Seeded:
    cases: dict[str, int] = field(default_factory=dict)
    numbers: dict[str, str] = field(default_factory=dict)
    plan_id: int | None = None
    institution_id: int | None = None


class QuickRenderer:
    """A small valid one-page PDF per document (pypdf, titled with the document type): the seeded
    history needs no WeasyPrint (the app renders for real)."""

    def __call__(self, doc_type, snapshot) -> bytes:  # noqa: ANN001
        from pypdf import PdfWriter

        writer = PdfWriter()
        writer.add_blank_page(595, 842)
        writer.add_metadata({"/Title": getattr(doc_type, "label", str(doc_type))})
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()


def _actor(session: Session, username: str, when: str):  # noqa: ANN202
    officer = session.exec(select(Officer).where(Officer.username == username)).one()
    return actor_for(officer, session.get(Department, officer.department_id), at(when).date())


def _ctx(engine: Engine, store, username: str | None, when: str) -> case_service.Ctx:  # noqa: ANN001
    from cases.authority import Actor
    from cases.enums import Role

    with Session(engine) as s:
        actor = (_actor(s, username, when) if username
                 else Actor(None, frozenset({Role.OFFICER}), None, "520122", "12345"))
    return case_service.Ctx(actor=actor, clock=FixedClock(at(when)), calendar=get_calendar(), renderer=QuickRenderer(),
                            store=store)


def _ids(engine: Engine, *usernames: str) -> list[int]:
    with Session(engine) as s:
        rows = {o.username: o.id for o in s.exec(select(Officer).where(Officer.username.in_(usernames)))}
    return [rows[u] for u in usernames]


def _institution(engine: Engine, index: int) -> Institution:
    with Session(engine) as s:
        return s.exec(select(Institution).order_by(Institution.id).offset(index)).first()


def _version(engine: Engine, case_id: int) -> int:
    with Session(engine) as s:
        return s.get(Case, case_id).version


def _step(engine: Engine, store, action: Action, username: str, when: str, case_id: int, **kw):  # noqa: ANN001, ANN003, ANN202
    ctx = _ctx(engine, store, username, when)
    version = _version(engine, case_id)
    with Session(engine, expire_on_commit=False) as s:
        return case_service.act(action, s, ctx, case_id=case_id, version=version, **kw)


COMPLAINTS = {
    "overdue": (3, "2026-03-02 09:30", "周六上午给初中生上数学课，约二十人，家长在门口等候。", "rest_day_training"),
    "walk": (4, "2026-03-13 15:20", "本周六、周日全天开设初二物理提高班，每班二十多人。", "rest_day_training"),
    "stale": (5, "2026-03-12 10:10", "晚上九点多还有小学生在上英语课。", "late_training"),
    "refuse": (6, "2026-03-09 11:00", "以“托管”名义给小学生补习语文数学。", "disguised_subject_training"),
    "notice": (7, "2026-02-24 16:40", "一次性收取一年学费一万二千元，不交不给报名。", "prepaid_fees"),
    "closed": (8, "2026-02-10 09:15", "寒假期间开设高中数学集训营。", "rest_day_training"),
    "reveal": (9, "2026-03-10 14:00", "住家教师一对一辅导，按小时收费。", "disguised_subject_training"),
    "late": (10, "2026-01-20 10:00", "晚上九点以后仍有初中生在上课。", "late_training"),
}


def seed_site(engine: Engine, store) -> Seeded:  # noqa: ANN001
    rng = random.Random(7)
    with Session(engine, expire_on_commit=False) as session:
        seed.seed_regions(session)
        seed.seed_departments(session, rng, at("2026-01-05").date(), PASSWORD)
        seed.seed_institutions(session, rng, 40, at("2026-01-05 09:00"))
        session.commit()
    out = Seeded(institution_id=_institution(engine, 7).id)
    for key, (index, when, text, code) in COMPLAINTS.items():
        inst = _institution(engine, index)
        data = case_service.ComplaintIn(
            channel=Channel.HOTLINE_12345 if key != "reveal" else Channel.WEB, content=f"{inst.name}{text}",
            region_code=inst.region_code, violation_codes=(code,), reported_name=inst.name,
            reported_address=inst.address, complainant_name="张三丰", complainant_phone="13812345678")
        with Session(engine, expire_on_commit=False) as s:
            case = case_service.receive_complaint(s, _ctx(engine, store, None, when), data).case
        out.cases[key], out.numbers[key] = case.id, case.case_number
    team = _ids(engine, "education03", "education04")
    for key, when in (("refuse", "2026-03-10 09:00"), ("notice", "2026-02-25 10:00"), ("closed", "2026-02-11 09:00"),
                      ("reveal", "2026-03-11 09:00"), ("late", "2026-01-21 09:00")):
        _step(engine, store, Action.ASSIGN, "education01", when, out.cases[key], officer_ids=team)
    for key, day, code in (("notice", "2026-02-28", "prepaid_fees"), ("closed", "2026-02-14", "rest_day_training")):
        _step(engine, store, Action.RECORD_INSPECTION, "education03", f"{day} 10:00", out.cases[key],
              officer_ids=team, findings="现场查看收费凭证和课程表，核实学员名册，询问家长和工作人员。",
              violation_codes=[code])
        doc = _step(engine, store, Action.ISSUE_RECTIFICATION, "education03", f"{day} 15:00", out.cases[key])
        _step(engine, store, Action.RECORD_SERVICE, "education03", f"{day} 16:00", out.cases[key],
              document_id=doc.id, method="direct", served_on=date.fromisoformat(day), recipient="机构负责人")
    _step(engine, store, Action.RECORD_REINSPECTION, "education04", "2026-03-02 10:00", out.cases["closed"],
          officer_ids=team, findings="已停止寒假学科类培训，现场未见学生。", rectified=True)
    out.plan_id = _plan(engine, store)
    with Session(engine, expire_on_commit=False) as s:  # this morning's sweep: 督办 levels on overdue steps
        case_service.sweep_deadlines(s, calendar=get_calendar(), clock=FixedClock(at("2026-03-16 08:00")))
    return out


def _plan(engine: Engine, store) -> int:  # noqa: ANN001
    pupils = load_pupil_calendar(get_calendar(), "520122")
    with Session(engine, expire_on_commit=False) as s:
        window = patrol_service.plan_patrols(s, region_code="520122", start=date(2026, 3, 16), days=14, pupils=pupils,
                                             clock=FixedClock(at("2026-03-11 09:00")), seed=20260316, solver="greedy")
    ctx = _ctx(engine, store, "education01", "2026-03-11 10:00")
    with Session(engine, expire_on_commit=False) as s:
        issue_patrol_sheets(s, ctx, plan_id=window.plan_row.id, pupils=pupils,
                            render_many=lambda items: [ctx.renderer(t, snap) for t, snap in items])
    return window.plan_row.id


def sheet_count(engine: Engine) -> int:
    with Session(engine) as s:
        return len(s.exec(select(Document).where(Document.doc_type == DocumentType.PATROL_SHEET)).all())



def own_institution(engine: Engine, name: str) -> int:
    """A registered institution of the county no other test's case names (the site is shared)."""
    from cases.enums import InstitutionCategory, LicenceStatus
    from cases.uscc import normalise_name

    with Session(engine, expire_on_commit=False) as s:
        inst = Institution(name=name, name_key=normalise_name(name), category=InstitutionCategory.SUBJECT,
                           licence_status=LicenceStatus.UNLICENSED, address="永靖镇阳光路18号", region_code="520122100",
                           legal_representative="周明", created_at=at("2026-01-05 09:00"))
        s.add(inst)
        s.commit()
        return inst.id


def past_case(engine: Engine, institution_id: int, number: str, *, received: str,
              status: CaseStatus = CaseStatus.CLOSED,
              close_reason: str | None = None, decided_on: date | None = None, outcome: str = "penalty",
              items: tuple[dict, ...] = ({"type": "fine", "amount_yuan": 30000},), published_on: date | None = None,
              withdrawn_on: date | None = None, person: bool = False) -> tuple[int, int | None]:
    """A case of an earlier year as its rows stand once closed (history for the page tests: no procedure is
    replayed); with `decided_on`, its penalty decision (published / withdrawn when those days are given)."""
    with Session(engine, expire_on_commit=False) as s:
        dept = s.exec(select(Department).where(Department.kind == "education",
                                               Department.region_code == "520122")).one()
        when = at(received)
        case = Case(case_number=number, status=status, region_code="520122100", lead_department_id=dept.id,
                    institution_id=institution_id, violation_codes=["disguised_subject_training"], received_at=when,
                    updated_at=when, closed_at=when if status is CaseStatus.CLOSED else None,
                    close_reason=close_reason or ("penalty_executed" if decided_on else None))
        s.add(case)
        s.flush()
        penalty = None
        if decided_on is not None:
            penalty = Penalty(case_id=case.id, intended_penalty="罚款人民币30000元", decided_on=decided_on,
                              outcome=outcome, decided_items=list(items), intended_items=list(items),
                              violation_codes=["disguised_subject_training"], party_is_person=person,
                              norms=["《校外培训行政处罚暂行办法》第十八条"], published_on=published_on,
                              withdrawn_on=withdrawn_on, fine_yuan=30000)
            s.add(penalty)
        s.commit()
        return case.id, penalty.id if penalty else None
