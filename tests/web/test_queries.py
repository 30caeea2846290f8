"""The pages' own reads (api/web/queries.py) on SQLite and PostgreSQL: the work list (team membership
in a JSON column, overdue first, search) and the patrol calendar."""

from __future__ import annotations

import pytest

from cases import queries, repository
from cases import service as case_service
from cases.actions import Action
from tests.integration.conftest import County, at, complaint, county  # noqa: F401  (the fixture)

pytestmark = pytest.mark.integration


def _receive(county: County, index: int, when: str) -> int:  # noqa: F811
    ctx = county.ctx(county.intake_actor(), at(when))
    with county.session() as s:
        return case_service.receive_complaint(s, ctx, complaint(county.institution(index))).case.id


def test_work_list_is_the_team_overdue_first_and_searchable(county: County) -> None:  # noqa: F811
    old = _receive(county, 0, "2026-03-02 09:00")  # assignment due 03-05: overdue on 03-16
    mine = _receive(county, 1, "2026-03-13 09:00")
    other = _receive(county, 2, "2026-03-12 09:00")
    for case_id, team in ((mine, ("education03", "education04")), (other, ("education05", "education06"))):
        ctx = county.ctx(county.actor("education01", at("2026-03-13 10:00")), at("2026-03-13 10:00"))
        with county.session() as s:
            case_service.act(Action.ASSIGN, s, ctx, case_id=case_id, version=1, officer_ids=county.team(*team))
    today = at("2026-03-16 09:00").date()
    member, name = county.officer("education04").id, county.institution(2).name
    with county.session() as s:
        regions = repository.subtree_codes(s, "520122")
        everything, total = queries.work_list(s, regions, today)
        assert total == 3 and everything[0].case.id == old and everything[0].overdue
        team, n = queries.work_list(s, regions, today, member_id=member)
        assert n == 1 and [r.case.id for r in team] == [mine]
        found, n = queries.work_list(s, regions, today, q=name[-6:])
        assert other in [r.case.id for r in found]
        overdue, n = queries.work_list(s, regions, today, overdue_only=True)
        assert [r.case.id for r in overdue] == [old]
        none, n = queries.work_list(s, ["520122999"], today)
        assert n == 0 and none == []
