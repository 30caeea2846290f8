"""The supervisor's deadline board and the seeds' statistics per period and unit."""

from __future__ import annotations

import pytest

from api.routes.board import BOARD_ITEMS
from tests.api.support import Api

pytestmark = pytest.mark.api


def ok(response) -> dict:  # noqa: ANN001
    assert response.status_code in (200, 201), response.text
    return response.json()


def penalised(api: Api, index: int, fine: int) -> int:
    """A lawful fine: 53号令 art. 18, 情节严重 (警告 and a fine of at most ¥50,000)."""
    case_id = api.inspected_case(index, codes=("disguised_subject_training",))
    ok(api.act(case_id, "open_penalty", "education01", {
        "penalty": [{"type": "warning"}, {"type": "fine", "amount_yuan": fine}], "gravity": "serious"},
        when="2026-03-09 10:00"))
    notice = ok(api.act(case_id, "issue_penalty_notice", "education03"))["result"]["id"]
    ok(api.act(case_id, "record_service", "education03", {"document_id": notice, "method": "direct",
                                                          "served_on": "2026-03-09", "recipient": "负责人"}))
    ok(api.act(case_id, "close_statement_window", "education03", {"hearing_requested": False, "waived": True}))
    ok(api.act(case_id, "decide", "education01", {"outcome": "penalty"}, when="2026-03-10 10:00"))
    return case_id


def test_statistics_per_unit(api: Api) -> None:
    notice_case = api.inspected_case(0)
    ok(api.act(notice_case, "issue_rectification", "education03", when="2026-03-09 10:00"))
    penalised(api, 1, 5000)
    clean = api.assigned_case(2)
    ok(api.act(clean, "record_inspection", "education03", {"officer_ids": api.officer_ids(
        "education03", "education04", "education05"), "findings": "未发现违规", "violation_codes": []},
        when="2026-03-12 10:00"))
    api.new_case(3, when="2026-03-12 11:00")
    api.clock.set("2026-03-20 09:00")
    assert api.get("/api/v1/stats", "education03").status_code == 403
    stats = ok(api.get("/api/v1/stats?start=2026-03-01&end=2026-03-31", "education01"))
    edu = next(u for u in stats["units"] if u["unit"] == "息烽县教育局")
    assert {k: edu[k] for k in ("patrol_person_times", "institutions_checked", "problems_found", "notices_issued",
                                "cases_opened", "penalties", "fines_yuan")} == {
        "patrol_person_times": 7, "institutions_checked": 3, "problems_found": 2, "notices_issued": 2,
        "cases_opened": 1, "penalties": 1, "fines_yuan": 5000}
    assert edu["overdue_steps"] >= 1 and stats["total"]["fines_yuan"] == 5000
    by_town = ok(api.get("/api/v1/stats?start=2026-03-01&end=2026-03-31&by=region", "admin"))
    assert sum(u["patrol_person_times"] for u in by_town["units"]) == 7
    assert ok(api.get("/api/v1/stats?start=2026-04-01&end=2026-04-15", "education01"))["total"]["penalties"] == 0
    default = ok(api.get("/api/v1/stats", "education02"))
    assert (default["start"], default["end"]) == ("2026-03-16", "2026-03-31")
    bad = api.get("/api/v1/stats?start=2026-03-10&end=2026-03-01", "education01")
    assert bad.status_code == 422 and bad.json()["code"] == "period_invalid"


def test_board_groups_overdue_and_due_soon_steps(api: Api) -> None:
    waiting = api.new_case(0, when="2026-03-02 09:00")  # assignment due 03-05, inspection due 03-23
    handled = api.assigned_case(1)
    api.clock.set("2026-03-19 09:00")
    assert api.get("/api/v1/board", "education03").status_code == 403
    board = ok(api.get("/api/v1/board", "education01"))
    assert board["overdue"] >= 1 and board["today"] == "2026-03-19"
    unassigned = next(g for g in board["groups"] if g["assignee_id"] is None)
    steps = {(i["case_id"], i["deadline"]["step"]): i["deadline"] for i in unassigned["items"]}
    assert steps[(waiting, "assignment")]["due_state"] == "overdue"
    assert steps[(waiting, "assignment")]["working_days_left"] < 0
    assert steps[(waiting, "inspection")]["due_state"] == "due_soon"
    mine = next(g for g in board["groups"] if g["assignee_id"] == api.officer_ids("education03")[0])
    assert {i["case_id"] for i in mine["items"]} == {handled} and mine["department"] == "息烽县教育局"
    assert board["groups"][0]["overdue"] >= board["groups"][-1]["overdue"]
    assert all(len(g["items"]) <= BOARD_ITEMS for g in board["groups"])  # a handful per group by default
    first = ok(api.get("/api/v1/board?items=1", "education01"))
    assert [len(g["items"]) for g in first["groups"]] == [1] * len(board["groups"])
    assert [g["overdue"] + g["due_soon"] for g in first["groups"]] == [g["overdue"] + g["due_soon"]
                                                                         for g in board["groups"]]
    narrow = ok(api.get("/api/v1/board?soon_working_days=0", "education01"))
    assert all(i["deadline"]["due_state"] in ("overdue", "due") for g in narrow["groups"] for i in g["items"])
