"""The read side at scale: the paged board agrees with the full board and runs a fixed number of
statements; running-clock filters use the partial index on SQLite without ANALYZE; statistics in SQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event, text, update
from sqlmodel import col, select

from cases import queries, repository
from cases.enums import DueState
from cases.models import Deadline
from cases.settings import get_calendar
from tests.integration.conftest import County
from tests.integration.test_case_service import _inspected, _receive

pytestmark = pytest.mark.integration
TODAY = date(2026, 3, 20)  # a Friday


def _cases(county: County, n: int) -> list[int]:
    ids = [_receive(county, index=i).id for i in range(n)]
    with county.session() as s:  # spread the due dates over overdue, today and soon
        for k, case_id in enumerate(ids):
            s.execute(update(Deadline).where(Deadline.case_id == case_id, col(Deadline.open))
                      .values(due_date=date(2026, 3, 16 + k % 6)))
        s.commit()
    return ids


def _statements(county: County, fn) -> int:  # noqa: ANN001
    seen: list[str] = []
    listener = lambda *a: seen.append(a[2])  # noqa: E731
    event.listen(county.engine, "before_cursor_execute", listener)
    try:
        fn()
    finally:
        event.remove(county.engine, "before_cursor_execute", listener)
    return len(seen)


def test_paged_board_matches_the_full_board_and_its_statements_do_not_grow(county: County) -> None:
    regions = None

    def page(**kw):  # noqa: ANN003, ANN202
        with county.session() as s:
            return queries.board_page(s, regions, TODAY, get_calendar(), **kw)

    _cases(county, 2)
    with county.session() as s:
        regions = repository.subtree_codes(s, "520122")
    few = _statements(county, page)
    _cases(county, 6)
    many = _statements(county, page)
    assert few == many <= 3  # groups, items (and BEGIN IMMEDIATE on SQLite)
    full = page()
    flat = [(i.case_id, i.deadline.id) for g in full.groups for i in g.items]
    assert full.overdue + full.due_soon == len(flat) and full.groups_total == len(full.groups)
    for g in full.groups:
        assert g.overdue == sum(i.due_state is DueState.OVERDUE for i in g.items)
        assert [i.deadline.due_date for i in g.items] == sorted(i.deadline.due_date for i in g.items)
        assert all(i.due_state in (DueState.OVERDUE, DueState.DUE, DueState.DUE_SOON) for i in g.items)
    capped = page(limit=1, items_per_group=1)
    assert len(capped.groups) == 1 and len(capped.groups[0].items) == 1
    assert (capped.overdue, capped.due_soon, capped.groups_total) == (full.overdue, full.due_soon, full.groups_total)
    assert capped.groups[0].total == full.groups[0].total
    second = page(limit=1, offset=1)
    if full.groups_total > 1:
        assert second.groups[0].department_id == full.groups[1].department_id


def test_soon_limit_is_the_due_state_boundary() -> None:
    cal = get_calendar()
    for today in (date(2026, 9, 30), date(2026, 10, 9), date(2026, 3, 20)):
        for soon in (0, 1, 3, 5):
            limit = queries.soon_limit(today, cal, soon)
            from cases import deadlines

            before = limit.fromordinal(limit.toordinal() - 1)
            assert deadlines.due_state(before, today, cal, soon_working_days=soon, provisional=True) in (
                DueState.OVERDUE, DueState.DUE, DueState.DUE_SOON) or before < today
            assert deadlines.due_state(limit, today, cal, soon_working_days=soon,
                                       provisional=True) is DueState.ON_TRACK


def test_overdue_filter_reads_the_cases_next_due_without_analyze(county: County) -> None:
    """The overdue filter is the case's own next due date (cases.clock_units): no probe into the
    clocks whose plan would depend on statistics SQLite never gathers, and the same cases."""
    if county.engine.dialect.name != "sqlite":
        pytest.skip("the plan read is SQLite's")
    _cases(county, 3)
    with county.session() as s:
        regions = repository.subtree_codes(s, "520122")
        f = queries.CaseFilter(regions=regions, today=TODAY, overdue=True)
        stmt = select(queries.Case.id).where(*queries._conditions(s, f))
        compiled = stmt.compile(s.get_bind(), compile_kwargs={"literal_binds": True})
        plan = " ".join(str(r) for r in s.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all())
        rows, total = queries.list_cases(s, f, limit=50, offset=0)
        late = {d.case_id for d in repository.overdue_deadlines(s, TODAY)}
    assert "deadline" not in plan
    assert late and total == len(rows) == len(late) and {r.case.id for r in rows} == late
    assert all(r.overdue for r in rows)


def test_statistics_count_inspections_in_sql(county: County) -> None:
    _inspected(county, index=0)
    _inspected(county, index=1)
    with county.session() as s:
        regions = repository.subtree_codes(s, "520122")
        from zoneinfo import ZoneInfo

        units = queries.statistics(s, regions, start=date(2026, 3, 1), end=date(2026, 3, 31), today=TODAY,
                                   zone=ZoneInfo("Asia/Shanghai"))
    edu = next(u for u in units if u.patrol_person_times)
    assert (edu.patrol_person_times, edu.institutions_checked, edu.problems_found) == (4, 2, 2)


def test_scope_of_every_region_needs_no_in_list(county: County) -> None:
    with county.session() as s:
        everything = list(repository.region_parents(s))
        some = repository.subtree_codes(s, "520122")
        full = queries.in_scope(s, queries.Case.region_code, everything)
        part = queries.in_scope(s, queries.Case.region_code, some)
    assert str(full) == "true" and "IN" in str(part)
    assert len(some) < len(everything)


def test_narrow_scope_statistics_agree_with_the_indexed_form(county: County, monkeypatch: pytest.MonkeyPatch) -> None:
    from zoneinfo import ZoneInfo

    case = _inspected(county, index=0)
    with county.session() as s:
        township = [s.get(queries.Case, case.id).region_code]

        def figures():  # noqa: ANN202
            return [(u.unit_key, u.patrol_person_times, u.institutions_checked, u.problems_found, u.notices_issued)
                    for u in queries.statistics(s, township, start=date(2026, 3, 1), end=date(2026, 3, 31),
                                                today=TODAY, zone=ZoneInfo("Asia/Shanghai"))]

        narrow = figures()
        monkeypatch.setattr(queries, "_period", lambda session, column, regions: col(column))
        indexed = figures()
    assert narrow == indexed and narrow and narrow[0][1] == 2
