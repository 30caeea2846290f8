"""Patrol sheets name the township and the members' own departments and number the teams as the
patrol page does; the 半月通报 names only verified findings, has its 版记 and is dated on a working day."""

from __future__ import annotations

import io
import re
from datetime import date

import pdfplumber
import pytest
from sqlmodel import col, select

from cases import reports
from cases.actions import Action
from cases.models import Document, Region
from cases.patrols.models import PatrolTeam
from cases.patrols.sheets import issue_patrol_sheets, team_numbers
from cases.ports import DocumentRef
from cases.settings import get_calendar
from tests.integration.conftest import County, at
from tests.integration.test_case_service import _inspected, _receive, _run
from tests.integration.test_patrols_and_sweep import _plan, _pupils

pytestmark = pytest.mark.integration


def _text(county: County, doc: Document) -> str:
    content = county.ctx(county.intake_actor(), at("2026-03-20 10:00")).store.get(
        DocumentRef(doc.path, doc.sha256, doc.size))
    with pdfplumber.open(io.BytesIO(content)) as pdf:
        return re.sub(r"\s+", "", "".join(p.extract_text() for p in pdf.pages))


def test_issue_date_is_a_working_day_by_the_calendar() -> None:
    calendar = get_calendar()
    assert reports.issue_date(date(2026, 1, 1), calendar) == date(2026, 1, 4)  # 元旦 off to 1-3, Sunday 1-4 调休
    assert reports.issue_date(date(2026, 5, 16), calendar) == date(2026, 5, 18)  # a Saturday
    assert reports.issue_date(date(2026, 3, 16), calendar) == date(2026, 3, 16)  # a Monday
    assert reports.issue_date(date(2026, 2, 14), calendar) == date(2026, 2, 14)  # a 调休 working Saturday
    assert reports.issue_date(date(2026, 10, 1), calendar) == date(2026, 10, 8)  # 国庆 off 10-1 to 10-7


def test_team_numbers_follow_the_patrol_page_order() -> None:
    teams = [PatrolTeam(id=1, day=date(2026, 3, 14), township="520122103"),
             PatrolTeam(id=2, day=date(2026, 3, 14), township="520122100"),
             PatrolTeam(id=3, day=date(2026, 3, 15), township="520122101"),
             PatrolTeam(id=4, day=date(2026, 3, 14), township="520122100")]
    assert team_numbers(teams) == {2: 1, 4: 2, 1: 3, 3: 1}


def test_sheets_name_the_township_and_the_members_departments(county: County) -> None:
    _receive(county)
    window = _plan(county)
    ctx = county.ctx(county.actor("education01"), at("2026-03-11 09:00"))

    def sequential(items):  # noqa: ANN001, ANN202
        from documents.render import render_document

        return [render_document(t, snap) for t, snap in items]

    with county.session() as s:
        issue_patrol_sheets(s, ctx, plan_id=window.plan_row.id, pupils=_pupils(), render_many=sequential)
        teams = s.exec(select(PatrolTeam).where(PatrolTeam.plan_id == window.plan_row.id)
                       .order_by(col(PatrolTeam.day), col(PatrolTeam.township), col(PatrolTeam.id))).all()
        names = dict(s.exec(select(Region.code, Region.name)).all())
        sheets = {t.id: s.get(Document, t.sheet_document_id) for t in teams}
    assert teams
    seen: dict[date, int] = {}
    for team in teams:
        seen[team.day] = seen.get(team.day, 0) + 1  # the page's loop.index within the day
        text = _text(county, sheets[team.id])
        assert re.search(rf"巡查组：(联合巡查|巡查)第{seen[team.day]}组（{names[team.township]}）", text), text[:300]
        assert "乡镇（街道）" not in text


def test_report_names_only_verified_findings_and_has_its_colophon(county: County) -> None:
    verified = _inspected(county, index=0)  # an inspection found a violation; its notice's term runs out
    _run(county, Action.ISSUE_RECTIFICATION, "education03", "2026-03-09 10:00", verified.id)
    _receive(county, index=1)  # a complaint nobody has inspected yet: its inspection clock runs out
    ctx = county.ctx(county.actor("education01"), at("2026-05-16 08:30"))  # a Saturday
    start, end = reports.period_for(date(2026, 5, 16))
    with county.session() as s:
        doc, _ = reports.issue_fortnightly_report(s, ctx, start=start, end=end)
        from cases.models import Case, Institution

        named = s.get(Institution, s.get(Case, verified.id).institution_id).name
        unverified = s.exec(select(Case).where(Case.id != verified.id)).first()
        hidden = s.get(Institution, unverified.institution_id).name if unverified.institution_id else None
    text = _text(county, doc)
    assert "2026年5月18日印发" in text and "息烽县教育局办公室" in text  # 版记, dated Monday
    assert "2026年5月16日" not in text.replace("2026年5月16日至", "")
    section = text[text.index("三、逾期未办结事项"):text.index("四、")]
    assert named[:7] in section  # (a wrapped table cell: its first line)
    if hidden:
        assert hidden[:7] not in text
    assert re.search(r"另有\d+项群众反映线索的核查已超过办理期限", text)
