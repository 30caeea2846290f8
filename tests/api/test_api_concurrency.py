"""Twenty clients race the same transition with the same version: one wins, nineteen hear 409 with
the winner's version, and the log holds exactly one new event (no lost update)."""

from __future__ import annotations

import threading

import pytest
from sqlmodel import func, select

from cases import repository
from cases.audit import verify_chain
from cases.models import CaseEvent
from tests.api.support import Api

pytestmark = pytest.mark.api
RACERS = 20


def race(api: Api, case_id: int, action: str, user: str, body: dict) -> list:
    version = api.version(case_id)
    headers = {**api.auth(user), "If-Match": f'"{version}"'}
    url = f"/api/v1/cases/{case_id}/actions/{action}"
    start = threading.Barrier(RACERS)
    answers: list = [None] * RACERS

    def client(i: int) -> None:
        start.wait()
        answers[i] = api.client.post(url, json=body, headers=headers)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(RACERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def events(api: Api, case_id: int) -> int:
    with api.county.session() as s:
        return s.exec(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case_id)).one()


@pytest.mark.parametrize("action", ["assign", "pause_clock"])
def test_twenty_racers_one_winner(api: Api, action: str) -> None:
    case_id = api.new_case()
    body = ({"officer_ids": api.officer_ids("education03", "education04")} if action == "assign"
            else {"step": "inspection", "reason": "等待鉴定"})
    before, version = events(api, case_id), api.version(case_id)
    answers = race(api, case_id, action, "education01", body)
    codes = sorted(a.status_code for a in answers)
    assert codes == [200] + [409] * (RACERS - 1), [a.text for a in answers if a.status_code not in (200, 409)]
    losers = [a.json() for a in answers if a.status_code == 409]
    assert {(b["code"], b["detail"]["current_version"]) for b in losers} == {("stale_version", version + 1)}
    assert events(api, case_id) == before + 1
    assert api.version(case_id) == version + 1
    with api.county.session() as s:
        assert verify_chain(repository.list_events(s, case_id)) is None


def test_reads_that_reveal_do_not_block_or_bump_writes(api: Api) -> None:
    """Logged reveals append to the same hash chain concurrently with a transition."""
    case_id = api.new_case()
    version = api.version(case_id)
    barrier = threading.Barrier(6)
    results: list = []

    def reveal() -> None:
        barrier.wait()
        results.append(api.get(f"/api/v1/cases/{case_id}?reveal=true", "education01").status_code)

    def assign() -> None:
        barrier.wait()
        results.append(api.act(case_id, "assign", "education01",
                               {"officer_ids": api.officer_ids("education03", "education04")},
                               version=version).status_code)

    threads = [threading.Thread(target=reveal) for _ in range(5)] + [threading.Thread(target=assign)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200] * 6
    assert api.version(case_id) == version + 1  # the reveals did not move the version
    with api.county.session() as s:
        chain = repository.list_events(s, case_id)
    assert verify_chain(chain) is None
    assert sum(1 for e in chain if e.event_type.value == "reveal_complainant") == 5
