"""Statistics by month (cases.figures): months read from the month rows give exactly the figures the
rows give, whatever the period; a write into a computed month makes it stale until refreshed."""

from __future__ import annotations

from dataclasses import astuple
from datetime import date, datetime, timedelta

import pytest
from sqlmodel import col, select

from cases import figures, queries, repository
from cases.actions import Action
from cases.db import open_session
from cases.enums import DecisionOutcome
from cases.models import Case, FigureDirty, FigureMonth, Inspection, Penalty, Region
from tests.integration.conftest import TZ, County, at
from tests.integration.test_case_service import _inspected, _run

pytestmark = pytest.mark.integration
TODAY = date(2026, 4, 2)
PERIODS = [(date(2026, 1, 1), date(2026, 3, 31)), (date(2026, 1, 10), date(2026, 3, 20)),
           (date(2026, 2, 1), date(2026, 2, 28)), (date(2026, 2, 15), date(2026, 3, 31)),
           (date(2026, 3, 1), date(2026, 4, 2))]


def _inspection(case_id: int, when: datetime, officers: list[int], codes: list[str]) -> Inspection:
    return Inspection(case_id=case_id, started_at=when, ended_at=when + timedelta(hours=1), officer_ids=officers,
                      violation_found=bool(codes), violation_codes=codes)


def _spread(county: County) -> list[int]:
    """Three inspected cases (March), more inspections in January and February and one on the first
    morning of March (still February in UTC), a notice in March, a 立案 and a penalty in February."""
    cases = [_inspected(county, index=i) for i in range(3)]
    _run(county, Action.ISSUE_RECTIFICATION, "education03", "2026-03-09 10:00", cases[0].id)
    team = county.team("education03", "education04")
    with county.session() as s:
        s.add(_inspection(cases[0].id, at("2026-01-15 10:00"), team, ["rest_day_training"]))
        s.add(_inspection(cases[0].id, at("2026-02-10 10:00"), team[:1], []))
        s.add(_inspection(cases[1].id, at("2026-02-28 23:30"), team, ["rest_day_training", "no_licence"]))
        s.add(_inspection(cases[1].id, at("2026-03-01 07:00"), team[:1], []))  # February in UTC
        s.get(Case, cases[2].id).filed_at = at("2026-02-04 09:00")
        s.add(Penalty(case_id=cases[2].id, outcome=str(DecisionOutcome.PENALTY), decided_on=date(2026, 2, 5),
                      fine_yuan=5000, confiscation_yuan=1200))
        s.commit()
    return [c.id for c in cases]


def _figures(county: County, regions: list[str], start: date, end: date, by: str) -> list[tuple]:
    with county.session() as s:
        return [astuple(u) for u in queries.statistics(s, regions, start=start, end=end, today=TODAY, zone=TZ, by=by)]


def _all(county: County, regions: list[str]) -> dict[tuple, list[tuple]]:
    return {(a, b, by): _figures(county, regions, a, b, by) for a, b in PERIODS for by in ("department", "region")}


def _refresh(county: County) -> list[date]:
    return figures.refresh(lambda: open_session(county.engine), zone=TZ, today=TODAY, now=at("2026-04-02 01:00")).months


def test_months_give_the_figures_of_the_rows(county: County, monkeypatch: pytest.MonkeyPatch) -> None:
    _spread(county)
    with county.session() as s:
        county_regions = repository.subtree_codes(s, "520122")
        everything = list(repository.region_parents(s))
    raw = {scope: _all(county, regions) for scope, regions in (("county", county_regions), ("all", everything))}
    assert _refresh(county) == [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
    with county.session() as s:
        assert figures.split(s, date(2026, 1, 10), date(2026, 3, 31), TZ) == figures.Split(
            [date(2026, 2, 1), date(2026, 3, 1)], [(date(2026, 1, 10), date(2026, 1, 31))])
        assert s.exec(select(FigureMonth)).first() is not None
    for scope, regions in (("county", county_regions), ("all", everything)):
        assert _all(county, regions) == raw[scope]
    march = raw["all"][(date(2026, 3, 1), date(2026, 4, 2), "department")]
    feb = raw["all"][(date(2026, 2, 1), date(2026, 2, 28), "department")]
    # (key, name, persons, places, problems, notices, opened, penalties, fines, …)
    assert sum(u[2] for u in feb) == 3 and sum(u[3] for u in feb) == 2 and sum(u[7] for u in feb) == 1
    assert sum(u[8] for u in feb) == 6200 and sum(u[6] for u in feb) == 1
    assert sum(u[5] for u in march) == 1 and sum(u[2] for u in march) == 7  # three inspections of two, one of one
    assert _refresh(county) == []  # nothing stale: nothing recomputed

    monkeypatch.setattr(figures, "split", lambda _s, a, b, _z: figures.Split([], [(a, b)]))
    assert _all(county, everything) == raw["all"]  # and the rows alone still agree


def test_months_map_to_bits_of_sixty_month_eras() -> None:
    assert figures.era_bit(date(2025, 1, 1)) == (405, 1) and figures.era_bit(date(2024, 12, 1)) == (404, 1 << 59)
    assert figures.era_masks([date(2024, 12, 1), date(2025, 1, 1), date(2025, 3, 1)]) == {404: 1 << 59, 405: 0b101}


def test_a_late_write_makes_its_month_stale_until_refreshed(county: County) -> None:
    ids = _spread(county)
    assert _refresh(county)
    team = county.team("education03")
    with county.session() as s:  # an inspection recorded late, dated in February
        s.add(_inspection(ids[2], at("2026-02-20 15:00"), team, ["rest_day_training"]))
        s.commit()
        regions = list(repository.region_parents(s))
        assert figures.split(s, date(2026, 1, 1), date(2026, 3, 31), TZ).months == [date(2026, 1, 1),
                                                                                   date(2026, 3, 1)]
    feb = _figures(county, regions, date(2026, 2, 1), date(2026, 2, 28), "region")
    assert sum(u[2] for u in feb) == 4 and sum(u[3] for u in feb) == 3  # read from the rows: exact
    assert _refresh(county) == [date(2026, 2, 1)]
    assert _figures(county, regions, date(2026, 2, 1), date(2026, 2, 28), "region") == feb
    with county.session() as s:  # a penalty decided later changes its month too
        s.exec(select(Penalty).where(Penalty.case_id == ids[2])).one().fine_yuan = 8000
        s.commit()
        assert s.exec(select(FigureDirty.month)).all() == [date(2026, 2, 1)]
    assert sum(u[8] for u in _figures(county, regions, date(2026, 2, 1), date(2026, 2, 28), "region")) == 9200


def test_a_changed_unit_makes_every_month_stale(county: County) -> None:
    ids = _spread(county)
    assert _refresh(county)
    with county.session() as s:
        case = s.get(Case, ids[0])
        case.region_code = s.exec(select(Region.code).where(col(Region.code) != case.region_code)).first()
        s.commit()
        assert figures.split(s, date(2026, 1, 1), date(2026, 3, 31), TZ).months == []
    assert len(_refresh(county)) == 3
    with county.session() as s:
        assert figures.split(s, date(2026, 1, 1), date(2026, 3, 31), TZ).months != []
