"""Case reads: jurisdiction isolation, filters and pagination, the detail, masked and logged reveals."""

from __future__ import annotations

import pytest
from sqlmodel import select

from cases import repository
from cases.audit import verify_chain
from cases.models import Institution
from tests.api.support import Api

pytestmark = pytest.mark.api
TOWN = "520122100"  # 永靖镇: 永靖01 is its supervisor, 永靖02 an officer


def institution_index(api: Api, *, inside: bool) -> int:
    with api.county.session() as s:
        rows = s.exec(select(Institution).order_by(Institution.id)).all()
    return next(i for i, inst in enumerate(rows) if (inst.region_code == TOWN) == inside)


def test_a_township_sees_only_its_own_cases(api: Api) -> None:
    outside = api.new_case(institution_index(api, inside=False))
    inside = api.new_case(institution_index(api, inside=True))
    listed = api.get("/api/v1/cases", "永靖02").json()
    assert [c["id"] for c in listed["items"]] == [inside] and listed["total"] == 1
    assert {c["id"] for c in api.get("/api/v1/cases", "education03").json()["items"]} == {inside, outside}
    for user in ("永靖02", "永靖01"):
        hidden = api.get(f"/api/v1/cases/{outside}", user)
        assert hidden.status_code == 404 and hidden.json()["code"] == "not_found"
        assert api.get(f"/api/v1/cases/{outside}/documents", user).status_code == 404
        assert api.act(outside, "pause_clock", user, {"step": "inspection", "reason": "x"}).status_code == 404
    assert api.get(f"/api/v1/cases/{inside}", "永靖02").status_code == 200
    assert api.get("/api/v1/cases?region=520122101", "永靖02").json()["total"] == 0  # a filter cannot widen
    inst_out = api.county.institution(institution_index(api, inside=False))
    assert api.get(f"/api/v1/institutions/{inst_out.id}", "永靖02").status_code == 404
    towns = {i["region_code"] for i in api.get("/api/v1/institutions?limit=200", "永靖02").json()["items"]}
    assert towns == {TOWN}
    assert {d["region_code"] for d in api.get("/api/v1/departments", "永靖01").json()} == {TOWN}


def test_filters_and_pagination(api: Api) -> None:
    ids = [api.new_case(i, when=f"2026-03-0{2 + i} 09:00") for i in range(4)]
    api.act(ids[0], "assign", "education01", {"officer_ids": api.officer_ids("education03", "education04")},
            when="2026-03-06 10:00")
    page = api.get("/api/v1/cases?limit=2&offset=1", "education01").json()
    assert page["total"] == 4 and [c["id"] for c in page["items"]] == [ids[2], ids[1]]
    assert [c["id"] for c in api.get("/api/v1/cases?state=assigned", "education01").json()["items"]] == [ids[0]]
    window = api.get("/api/v1/cases?received_from=2026-03-03&received_to=2026-03-04", "education01").json()
    assert {c["id"] for c in window["items"]} == {ids[1], ids[2]}
    inst = api.county.institution(3)
    assert [c["id"] for c in api.get(f"/api/v1/cases?institution={inst.id}", "education01").json()["items"]] \
        == [ids[3]]
    dept = api.get(f"/api/v1/cases/{ids[0]}", "education01").json()["lead_department_id"]
    assert api.get(f"/api/v1/cases?department={dept}", "education01").json()["total"] == 4
    assert api.get("/api/v1/cases?overdue=true", "education01").json()["total"] == 0
    api.clock.set("2026-03-20 09:00")  # assignment clocks (3 working days) of the unassigned ones ran out
    overdue = api.get("/api/v1/cases?overdue=true", "education01").json()
    assert {c["id"] for c in overdue["items"]} == set(ids[1:]) and all(c["overdue"] for c in overdue["items"])
    assert api.get("/api/v1/cases?overdue=false", "education01").json()["total"] == 1
    soon = api.get("/api/v1/cases?due_within_days=3", "education01").json()["items"]
    assert ids[0] in {c["id"] for c in soon}  # its inspection clock ends 2026-03-23
    assert api.get("/api/v1/cases?received_from=2026-03-05&received_to=2026-03-01", "education01").json()[
        "total"] == 0


def test_detail_masks_the_complainant_and_logs_every_reveal(api: Api) -> None:
    case_id = api.new_case()
    detail = api.get(f"/api/v1/cases/{case_id}", "education03")
    assert detail.status_code == 200 and detail.headers["ETag"] == '"1"'
    body = detail.json()
    assert body["complaints"][0]["complainant_name"] == "张*丰"
    assert body["complaints"][0]["complainant_phone"] == "138****5678"
    assert "张三丰" not in detail.text and "13812345678" not in detail.text
    assert [a["action"] for a in body["allowed_actions"]] == []  # an officer cannot assign or dismiss
    sup = api.get(f"/api/v1/cases/{case_id}", "education01").json()
    assert [a["action"] for a in sup["allowed_actions"]] == ["assign", "dismiss", "transfer", "pause_clock"]
    labels = {d["step"]: d["label"] for d in sup["deadlines"]}
    assert labels == {"assignment": "线索分派", "inspection": "核查（现场检查）"}
    inspection = next(d for d in sup["deadlines"] if d["step"] == "inspection")
    assert inspection["due_date"] == "2026-03-23" and inspection["working_days_left"] == 15
    assert inspection["due_state"] == "on_track" and "第十八条" in inspection["legal_basis"]
    assert sup["timeline"][0]["label"] == "受理"
    refused = api.get(f"/api/v1/cases/{case_id}?reveal=true", "education03")
    assert refused.status_code == 403
    for user in ("education01", "education02"):  # supervisor, legal reviewer
        shown = api.get(f"/api/v1/cases/{case_id}?reveal=true", user).json()
        assert shown["complaints"][0]["complainant_name"] == "张三丰" and shown["complaints"][0]["revealed"]
        assert shown["version"] == 1  # reading changed nothing
    with api.county.session() as s:
        chain = repository.list_events(s, case_id)
    reveals = [e for e in chain if e.event_type.value == "reveal_complainant"]
    assert [e.actor_id for e in reveals] == api.officer_ids("education01", "education02")
    assert verify_chain(chain) is None
    assert api.get(f"/api/v1/cases/{case_id}", "education03").json()["timeline"][-1]["label"] == "查看举报人信息"
    assert api.get(f"/api/v1/cases/{case_id}", "admin").status_code == 403  # admins do not read cases


def test_keyset_pages_match_offset_pages(api: Api) -> None:
    ids = [api.new_case(index=i, when=f"2026-03-0{2 + i} 09:30") for i in range(5)]
    by_offset = [c["id"] for o in range(0, 6, 2)
                 for c in api.get(f"/api/v1/cases?limit=2&offset={o}", "education01").json()["items"]]
    pages, after = [], None
    while True:
        page = api.get("/api/v1/cases?limit=2" + (f"&after={after}" if after else ""), "education01").json()
        pages += [c["id"] for c in page["items"]]
        after = page["next_after"]
        assert page["total"] == 5 and page["total_exact"] is True
        if after is None:
            break
    assert pages == by_offset == ids[::-1]
    bad = api.get("/api/v1/cases?after=2026-13-99T00:00:00Z_1", "education01")
    assert bad.status_code == 422 and bad.json()["code"] == "cursor_invalid"
