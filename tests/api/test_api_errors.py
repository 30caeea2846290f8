"""One JSON shape for every error, statuses as meant, and the order of the action checks."""

from __future__ import annotations

import pytest
from sqlmodel import select

from cases.models import CaseEvent
from tests.api.support import Api

pytestmark = pytest.mark.api


def shape(response, status: int, code: str | None = None) -> dict:  # noqa: ANN001
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"code", "message", "detail"}
    assert isinstance(body["detail"], dict)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"]), body["message"]  # a Chinese message
    if code:
        assert body["code"] == code, body
    return body


def test_framework_errors_share_the_shape(api: Api) -> None:
    shape(api.get("/api/v1/nowhere"), 404, "not_found")
    shape(api.client.delete("/api/v1/cases"), 405, "method_not_allowed")
    shape(api.get("/api/v1/cases"), 401, "not_authenticated")
    shape(api.get("/api/v1/cases", headers={"Authorization": "Bearer forged.token"}), 401, "token_invalid")
    bad = shape(api.get("/api/v1/cases?limit=0&state=nonsense", "education01"), 422, "request_invalid")
    assert {tuple(e["loc"]) for e in bad["detail"]["errors"]} == {("query", "limit"), ("query", "state")}
    assert all(e["message"] for e in bad["detail"]["errors"])
    shape(api.get("/api/v1/cases/0", "education01"), 422, "request_invalid")
    shape(api.get("/api/v1/cases/99999", "education01"), 404, "not_found")
    shape(api.get(f"/api/v1/officers/{api.officer_ids('education05')[0]}", "education01"), 403, "not_authorised")


def test_action_checks_in_order(api: Api) -> None:
    case_id = api.new_case()
    url = f"/api/v1/cases/{case_id}/actions/assign"
    team = {"officer_ids": api.officer_ids("education03", "education04")}
    shape(api.post(url, json=team), 401, "not_authenticated")
    shape(api.post("/api/v1/cases/99999/actions/assign", "education01", json=team,
                   headers={"If-Match": "1"}), 404, "not_found")
    shape(api.post(url, "education01", json=team), 428, "precondition_required")
    shape(api.post(url, "education01", json=team, headers={"If-Match": "abc"}), 428, "if_match_invalid")
    # a stale version wins over everything else wrong with the request: role, body, even bad JSON
    for user, payload in (("education01", team), ("education03", team), ("education01", {"nope": 1})):
        answer = api.post(url, user, json=payload, headers={"If-Match": '"7"'})
        stale = shape(answer, 409, "stale_version")
        assert answer.headers["ETag"] == '"1"'  # the version to retry with
        assert stale["detail"]["current_version"] == 1 and stale["detail"]["expected_version"] == 7
    stale = shape(api.post(url, "education01", content=b"{not json", headers={"If-Match": "0"}), 409)
    assert stale["detail"]["current_version"] == 1
    shape(api.act(case_id, "assign", "education03", team), 403, "not_authorised")  # officers do not assign
    bad = shape(api.act(case_id, "assign", "education01", {"officer_ids": "x"}), 422, "request_invalid")
    assert bad["detail"]["errors"][0]["loc"] == ["body", "officer_ids"]
    shape(api.post(url, "education01", content=b"{not json", headers={"If-Match": "1"}), 422, "request_invalid")
    refused = shape(api.act(case_id, "assign", "education01", {"officer_ids": api.officer_ids("education03")}),
                    422, "team_needs_two_certified")
    assert "行政处罚法第四十二条" in refused["message"]
    shape(api.act(case_id, "record_inspection", "education03", {  # no team yet: nobody's field work
        "officer_ids": api.officer_ids("education03", "education04"), "findings": "x"}), 403, "not_on_team")
    shape(api.act(case_id, "record_inspection", "education01", {
        "officer_ids": api.officer_ids("education03", "education04"), "findings": "x"}), 409, "invalid_transition")
    ok = api.act(case_id, "assign", "education01", team)
    assert ok.status_code == 200 and ok.headers["ETag"] == '"2"' and ok.json()["version"] == 2
    with api.county.session() as s:  # the refusals wrote nothing
        events = s.exec(select(CaseEvent).where(CaseEvent.case_id == case_id)).all()
    assert [e.event_type.value for e in events] == ["receive", "assign"]


def test_if_match_accepts_etag_forms(api: Api) -> None:
    case_id = api.new_case()
    url = f"/api/v1/cases/{case_id}/actions/assign"
    team = {"officer_ids": api.officer_ids("education03", "education04")}
    for tag in ('"1"', 'W/"2"', " 3 "):
        answer = api.post(url, "education01", json=team, headers={"If-Match": tag})
        assert answer.status_code == 200, answer.text
    shape(api.post(url, "education01", json=team, headers={"If-Match": "*"}), 428, "if_match_invalid")
    read = api.get(f"/api/v1/cases/{case_id}", "education01")
    assert read.headers["ETag"] == '"4"' and read.json()["version"] == 4


def test_unexpected_errors_are_a_logged_500_in_the_shape(api: Api) -> None:
    from fastapi import APIRouter

    router = APIRouter()

    @router.get("/api/v1/boom")
    def boom() -> None:
        raise RuntimeError("bug")

    api.app.include_router(router)
    from starlette.testclient import TestClient

    answer = TestClient(api.app, raise_server_exceptions=False).get("/api/v1/boom")
    shape(answer, 500, "internal_error")
    assert "bug" not in answer.text
