"""`enforce demo`: seed a realistic county and drive its cases through every path of the lifecycle.

Re-running is safe: a seeded database is left as it is and only the summary is printed
(`--reset` starts over by deleting ENFORCE_HOME's database and documents first).
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, col, func, select

from cases.authority import Actor
from cases.enums import Role
from cases.models import Case, Deadline, Department, Document, Institution, Officer
from cases.settings import get_clock, get_settings
from flows.context import actor_for, make_ctx
from flows.demo import data, penalty, seed  # noqa: F401 — penalty registers its paths
from flows.demo.drive import Driver, Staff, schedule_complaints


@dataclass(frozen=True)
class DemoScale:
    institutions: int = 320
    complaints: int = 230
    days_back: int = 120

    @property
    def plan_time_limit(self) -> float:
        """CP-SAT seconds for this morning's patrol plan: patrol.toml's 10 s for the full county
        (320 institutions), in proportion for a smaller one, at least 2 s. Measured on the tests'
        60-institution county (14 days, 4 rest days): 2 s reached the objective that 10 s reached
        (the search after the first solve improved nothing), in a quarter of the time."""
        return max(2.0, 10.0 * self.institutions / DemoScale.institutions)


def _staff(session: Session, today) -> Staff:  # noqa: ANN001
    staff = Staff()
    depts = {d.id: d for d in session.exec(select(Department)).all()}
    for officer in session.exec(select(Officer).order_by(col(Officer.id))).all():
        dept = depts[officer.department_id]
        actor = actor_for(officer, dept, today)
        if str(Role.SUPERVISOR) in officer.roles and officer.department_id not in staff.supervisor:
            staff.supervisor[officer.department_id] = actor
        if str(Role.LEGAL) in officer.roles and staff.legal is None:
            staff.legal = actor
        if str(Role.OFFICER) in officer.roles and officer.certified_on(today) and officer.username[-1].isdigit():
            staff.field_team.setdefault(officer.department_id, []).append(officer)
        if officer.username == "officer":
            staff.demo_officer = officer
    county = next(d for d in depts.values() if d.kind == "education" and d.region_code == data.COUNTY[0])
    staff.intake = Actor(None, frozenset({Role.OFFICER}), county.id, county.region_code, "12345热线转办")
    return staff


def run_demo(session: Session, *, scale: DemoScale = DemoScale(), seed_value: int = 20261123) -> tuple[str, bool]:
    """Seed and drive the county unless already seeded. Returns (password note, seeded now)."""
    settings, clock = get_settings(), get_clock()
    password = settings.demo_password or secrets.token_urlsafe(9)
    note = "（ENFORCE_DEMO_PASSWORD）" if settings.demo_password else "（随机生成，仅本次显示）"
    if seed.is_seeded(session):
        return "已有演示数据，未重新生成；密码为首次运行时设置的密码", False
    rng = random.Random(seed_value)
    now = clock.now()
    today = now.date()
    seed.seed_regions(session)
    seed.seed_departments(session, rng, today, password)
    institutions = seed.seed_institutions(session, rng, scale.institutions, now)
    session.commit()
    driver = Driver(session=session, make_ctx=make_ctx, staff=_staff(session, today), rng=rng, now=now,
                    zone=clock.zone)
    schedule_complaints(driver, institutions, scale.complaints, scale.days_back)
    driver.run()
    if driver.errors:  # every path is legal, so a refusal here is a bug worth seeing
        raise RuntimeError(f"{len(driver.errors)} demo steps were refused, first: {driver.errors[0]}")
    return f"{password} {note}", True


def demo_dossier(session: Session) -> dict[str, object] | None:
    """The 案卷 of one closed penalty case (the one with most documents), bound from the stored PDFs
    as `enforce documents dossier` does, kept in the store and written to ENFORCE_HOME/dossiers/."""
    from cases.enums import CaseStatus
    from cases.service.dossier import dossier_material, store_dossier
    from documents.dossier import build_dossier
    from flows.context import document_store

    counts = func.count(col(Document.id))
    row = session.exec(select(Case.case_number, counts).join(Document, col(Document.case_id) == Case.id)
                       .where(Case.status == CaseStatus.CLOSED, col(Case.filed_at).is_not(None))
                       .group_by(Case.case_number).order_by(counts.desc(), Case.case_number)).first()
    if row is None:
        return None
    clock, store, settings = get_clock(), document_store(), get_settings()  # type: ignore[no-untyped-call]
    cover, items = dossier_material(session, row[0], store=store, evidence_root=settings.resolved_home / "evidence",
                                    zone=clock.zone, today=clock.today())
    bound = store_dossier(store, row[0], build_dossier(cover, items), len(items))
    out = settings.resolved_home / "dossiers" / f"{''.join(c if c.isalnum() else '-' for c in row[0])}.pdf"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(bound.content)
    return {"case_number": row[0], "items": bound.items, "path": str(out), "sha256": bound.sha256}


def summary(session: Session) -> dict[str, object]:
    today = get_clock().today()
    by_state = dict(session.exec(select(Case.status, func.count()).group_by(Case.status)).all())
    docs = dict(session.exec(select(Document.doc_type, func.count()).group_by(Document.doc_type)).all())
    overdue = session.exec(select(func.count()).select_from(Deadline).where(
        col(Deadline.open), col(Deadline.due_date) < today, col(Deadline.paused_since).is_(None))).one()
    return {
        "departments": session.exec(select(func.count()).select_from(Department)).one(),
        "officers": session.exec(select(func.count()).select_from(Officer)).one(),
        "institutions": session.exec(select(func.count()).select_from(Institution)).one(),
        "cases_by_state": {str(k): v for k, v in by_state.items()},
        "documents_by_type": {str(k): v for k, v in docs.items()},
        "overdue_steps": overdue,
        "documents_dir": str(get_settings().documents_dir),
        "since": str(today - timedelta(days=DemoScale().days_back)),
    }
