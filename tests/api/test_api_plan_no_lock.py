"""Planning holds no transaction while it solves: logins and transitions go through meanwhile, and a
plan whose inputs changed during the solve is planned again before it is written."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlmodel import select

from cases.models import OfficerLeave
from cases.patrols import service as patrol_service
from cases.patrols.models import PatrolMember
from cases.pupil_calendar import load_pupil_calendar
from cases.settings import FixedClock, get_calendar
from tests.api.support import PASSWORD, Api
from tests.integration.conftest import at

SAT = date(2026, 3, 14)


def _plan(api: Api):  # noqa: ANN202
    with api.county.session() as s:
        return patrol_service.plan_patrols(s, region_code="520122", start=SAT, days=2,
                                           pupils=load_pupil_calendar(get_calendar(), "520122"),
                                           clock=FixedClock(at("2026-03-11 09:00")), solver="greedy")


def test_login_and_transition_while_a_plan_is_solving(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    if api.county.engine.dialect.name != "sqlite":
        pytest.skip("the write lock is SQLite's")
    case_id = api.new_case()
    solving, release = threading.Event(), threading.Event()
    real_plan = patrol_service.plan

    def slow_plan(request, **kw):  # noqa: ANN001, ANN003, ANN202
        solving.set()
        assert release.wait(60), "the test never released the solver"
        return real_plan(request, **kw)

    monkeypatch.setattr(patrol_service, "plan", slow_plan)
    outcome: dict = {}
    worker = threading.Thread(target=lambda: outcome.setdefault("window", _plan(api)))
    worker.start()
    try:
        assert solving.wait(60)
        login = api.client.post("/api/v1/auth/token", data={"username": "education01", "password": PASSWORD})
        assert login.status_code == 200, login.text
        moved = api.act(case_id, "assign", "education01", {"officer_ids": api.officer_ids("education03",
                                                                                          "education04")},
                        when="2026-03-03 10:00")
        assert moved.status_code == 200, moved.text
    finally:
        release.set()
        worker.join(120)
    assert outcome["window"].plan_row is not None


def test_an_officer_booked_during_the_solve_is_planned_again(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    real_plan = patrol_service.plan
    solves: list[int] = []
    on_leave: list[tuple[int, date]] = []

    def plan_then_leave(request, **kw):  # noqa: ANN001, ANN003, ANN202
        result = real_plan(request, **kw)
        solves.append(1)
        if len(solves) == 1:  # meanwhile, someone records leave for an officer the solve chose
            day = next(d for d in result.days if d.teams)
            officer = day.teams[0].members[0].officer_id
            with api.county.session() as s:
                s.add(OfficerLeave(officer_id=officer, start_date=day.date, end_date=day.date, reason="病假"))
                s.commit()
            on_leave.append((officer, day.date))
        return result

    monkeypatch.setattr(patrol_service, "plan", plan_then_leave)
    window = _plan(api)
    assert window.plan_row is not None and len(solves) == 2
    with api.county.session() as s:
        booked = set(s.exec(select(PatrolMember.officer_id, PatrolMember.day)).all())
    assert booked and not booked & set(on_leave)
