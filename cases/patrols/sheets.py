"""巡查任务单: one PDF per team and day, issued exactly once.

All sheets of a plan are numbered, rendered (in a batch: the caller passes `render_many`, e.g.
a two-process pool) and stored in one transaction; a team that already has its sheet is
skipped, so a re-run after a crash produces each sheet once. Nothing is ever sent to a target
institution (四不两直): the sheet goes to the team only.

Teams are numbered within their day in the order the patrol page lists them (township, then team
id: `team_numbers`), and the sheet names the township and each member's own department.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlmodel import Session, col, select

from cases import repository
from cases.enums import DocumentType
from cases.errors import NotFound
from cases.models import Department, Document, Institution, Officer, Region
from cases.patrols.models import PatrolMember, PatrolPlan, PatrolTeam, PatrolVisit
from cases.ports import PatrolMember as SheetMember
from cases.ports import PatrolSheetSnapshot, PatrolTarget
from cases.pupil_calendar import PupilCalendar
from cases.service._common import Ctx, allocate_number, authority_of, store_document

RenderMany = Callable[[Sequence[tuple[DocumentType, object]]], list[bytes]]
KIND_LABELS = {"education": "教育", "market": "市场监管", "police": "公安", "fire": "消防救援", "civil": "民政",
               "comprehensive": "综合执法", "township": "乡镇（街道）"}
FOCUS = {"subject": "是否在休息日、节假日开展学科类培训，是否超标超前", "unlicensed": "是否无证无照办学",
         "unlicensed_registered": "是否超范围开展培训"}


def _focus(inst: Institution) -> str:
    return FOCUS.get(str(inst.licence_status)) or FOCUS.get(str(inst.category)) or "收费公示、预收费监管、消防安全"


def team_numbers(teams: Sequence[PatrolTeam]) -> dict[int, int]:
    """Team id → its number within its day, as the patrol page numbers them: by township, then id."""
    numbers: dict[int, int] = {}
    by_day: dict[object, list[PatrolTeam]] = {}
    for team in teams:
        by_day.setdefault(team.day, []).append(team)
    for day_teams in by_day.values():
        for n, team in enumerate(sorted(day_teams, key=lambda t: (t.township, t.id or 0)), start=1):
            numbers[team.id] = n
    return numbers


def _snapshot(session: Session, team: PatrolTeam, index: int, number: str, dept: Department, ctx: Ctx,
              pupils: PupilCalendar) -> PatrolSheetSnapshot:
    members = session.exec(select(PatrolMember).where(PatrolMember.team_id == team.id)
                           .order_by(col(PatrolMember.id))).all()
    officers = {o.id: o for o in session.exec(select(Officer).where(
        col(Officer.id).in_([m.officer_id for m in members]))).all()}
    departments = dict(session.exec(select(Department.id, Department.name)).all())
    region = session.get(Region, team.township)
    township = f"（{region.name}）" if region else ""
    visits = session.exec(select(PatrolVisit).where(PatrolVisit.team_id == team.id).order_by(col(PatrolVisit.id))).all()
    joint = len({m.department_kind for m in members}) > 1
    return PatrolSheetSnapshot(
        number=number, authority=authority_of(dept), patrol_date=team.day,
        team=f"{'联合巡查' if joint else '巡查'}第{index}组{township}",
        members=tuple(SheetMember(officers[m.officer_id].name, officers[m.officer_id].badge_no or "",
                                  departments.get(officers[m.officer_id].department_id)
                                  or KIND_LABELS.get(m.department_kind, m.department_kind),
                                  "组长" if i == 0 else "组员")
                      for i, m in enumerate(members)),
        targets=tuple(PatrolTarget(inst.name, inst.address, v.risk_grade, inst.category.label, _focus(inst))
                      for v in visits if (inst := session.get(Institution, v.institution_id))),
        time_window="9:00—17:00", occasion=pupils.reason(team.day, provisional=True) or "", issued_on=ctx.today())


def issue_patrol_sheets(session: Session, ctx: Ctx, *, plan_id: int, pupils: PupilCalendar,
                        render_many: RenderMany) -> list[Document]:
    """Number, render and store the sheets of every team of the plan that has none yet."""
    plan = session.get(PatrolPlan, plan_id)
    if plan is None:
        raise NotFound("巡查计划不存在", plan_id=plan_id)
    teams = session.exec(select(PatrolTeam).where(PatrolTeam.plan_id == plan_id)
                         .order_by(col(PatrolTeam.day), col(PatrolTeam.id))).all()
    dept = repository.department_for(session, plan.region_code, ["education"])
    index_in_day = team_numbers(teams)
    todo = [team for team in teams if team.sheet_document_id is None]
    numbered = [allocate_number(session, ctx, dept, DocumentType.PATROL_SHEET) for _ in todo]
    snapshots = [(DocumentType.PATROL_SHEET, _snapshot(session, t, index_in_day[t.id], n[2], dept, ctx, pupils))
                 for t, n in zip(todo, numbered, strict=True)]
    contents = render_many(snapshots)
    docs = []
    for team, num, content in zip(todo, numbered, contents, strict=True):
        doc = store_document(session, ctx, None, dept, DocumentType.PATROL_SHEET, num, content,
                             addressee="巡查组（内部文书，不向被检查对象送达）")
        team.sheet_document_id = doc.id
        session.add(team)
        docs.append(doc)
    session.commit()
    return docs
