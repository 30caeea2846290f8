"""Concurrent writers: no lost update on a case, gapless document numbers under concurrent issuing."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlmodel import select

from cases import service as case_service
from cases.actions import Action
from cases.errors import DomainError, StaleVersion
from cases.models import CaseEvent
from tests.integration.conftest import County, at
from tests.integration.test_case_service import _case, _inspected, _receive

pytestmark = pytest.mark.integration


def _race(n: int, work) -> list[object]:  # noqa: ANN001
    barrier, results = threading.Barrier(n), [None] * n

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 — the outcome is what we count
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


def test_twenty_writers_on_one_version_one_wins(county: County) -> None:
    case = _receive(county)
    version = _case(county, case.id).version
    ctx = county.ctx(county.actor("education01"), at("2026-03-03 10:00"))
    team = county.team("education03", "education04")

    def assign(_i: int) -> object:
        with county.session() as s:
            return case_service.act(Action.ASSIGN, s, ctx, case_id=case.id, version=version, officer_ids=team)

    results = _race(20, assign)
    kinds = Counter(type(r).__name__ for r in results)
    assert kinds["Case"] == 1, kinds
    assert all(isinstance(r, StaleVersion) for r in results if type(r).__name__ != "Case"), kinds
    with county.session() as s:
        events = s.exec(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.event_type == "assign")).all()
    assert len(events) == 1


def test_document_numbers_stay_gapless_under_concurrent_issuing(county: County) -> None:
    cases = [_inspected(county, i) for i in range(6)]
    ctx = county.ctx(county.actor("education03"), at("2026-03-09 10:00"))
    failing = {2}  # this issuer's render fails: its number must go back to the sequence

    def issue(i: int) -> object:
        with county.session() as s:
            c = s.get(type(cases[i]), cases[i].id)
            use = ctx
            if i in failing:
                def broken(doc_type, snapshot):  # noqa: ANN001, ANN202
                    raise DomainError("渲染失败（测试）", code="render_failed")
                use = case_service.Ctx(ctx.actor, ctx.clock, ctx.calendar, broken, ctx.store)
            return case_service.act(Action.ISSUE_RECTIFICATION, s, use, case_id=c.id, version=c.version)

    results = _race(len(cases), issue)
    numbers = sorted(int(r.number.split("〕")[1].rstrip("号")) for r in results if hasattr(r, "number"))
    assert numbers == list(range(1, len(cases) - len(failing) + 1))
    assert sum(isinstance(r, DomainError) for r in results) == len(failing)
