"""Public intake: anonymous complaints, public status only, rate limits, idempotent retries."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlmodel import func, select

from cases.models import Case, Complaint
from tests.api.support import Api, build
from tests.integration.conftest import County

pytestmark = pytest.mark.api


def form(api: Api, index: int = 0, **extra) -> dict:  # noqa: ANN003
    inst = api.county.institution(index)
    return {"content": f"{inst.name}周末给初中生上数学课。", "region_code": inst.region_code,
            "reported_name": inst.name, **extra}


def test_public_complaint_and_its_public_status(api: Api) -> None:
    receipt = api.post("/api/v1/complaints", json=form(api, anonymous=True, complainant_name="不应保存"))
    assert receipt.status_code == 201, receipt.text
    body = receipt.json()
    assert body["status"] == "received" and body["status_label"] == "已受理" and body["case_id"] is None
    with api.county.session() as s:
        stored = s.exec(select(Complaint).where(Complaint.tracking_code == body["tracking_code"])).one()
    assert stored.anonymous and stored.complainant_name == ""
    status = api.get(f"/api/v1/complaints/{body['tracking_code']}/status")
    assert status.status_code == 200
    assert set(status.json()) == {"tracking_code", "status", "status_label", "received_on", "updated_on",
                                  "stage", "stage_label", "stage_detail", "expected_by", "outcome"}  # issue 12, item 8
    assert status.json()["stage"] == "received" and status.json()["expected_by"] is not None
    assert api.county.institution(0).name not in status.text
    api.act(stored.case_id, "assign", "education01", {"officer_ids": api.officer_ids("education03", "education04")})
    assert api.get(f"/api/v1/complaints/{body['tracking_code']}/status").json()["status_label"] == "处理中"
    missing = api.get("/api/v1/complaints/ZZZZZZZZZZ/status")
    assert missing.status_code == 404 and missing.json()["code"] == "complaint_not_found"


def test_public_limits_and_staff_intake(api: Api) -> None:
    staff_only = api.post("/api/v1/complaints", json=form(api, channel="hotline_12345"))
    assert staff_only.status_code == 422 and staff_only.json()["code"] == "channel_not_public"
    short = api.post("/api/v1/complaints", json=form(api, content="短"))
    assert short.status_code == 422 and short.json()["code"] == "content_too_short"
    bad_region = api.post("/api/v1/complaints", json=form(api, region_code="999999"))
    assert bad_region.status_code == 422 and bad_region.json()["code"] == "unknown_region"
    nul = api.post("/api/v1/complaints", json=form(api, content="内容\u0000内容内容内容"))
    assert nul.status_code == 422 and nul.json()["code"] == "request_invalid"
    hotline = api.post("/api/v1/complaints", "education03",
                       json=form(api, channel="hotline_12345", received_at="2026-03-01T20:00:00+08:00"))
    assert hotline.status_code == 201 and hotline.json()["case_id"] is not None


def test_rate_limit_per_client(county: County, tmp_path: Path) -> None:
    api = build(county, tmp_path, complaint_burst=2, complaint_rate_per_minute=1.0)
    codes = [api.post("/api/v1/complaints", json=form(api, i)).status_code for i in range(3)]
    assert codes == [201, 201, 429]
    limited = api.post("/api/v1/complaints", json=form(api, 3))
    assert limited.json()["code"] == "rate_limited" and int(limited.headers["Retry-After"]) >= 1
    assert api.post("/api/v1/complaints", "education03", json=form(api, 4)).status_code == 201  # staff: no limit


def test_idempotent_retry_returns_the_first_answer(api: Api) -> None:
    body, key = form(api), {"Idempotency-Key": "0b7f3a52-retry"}
    first = api.post("/api/v1/complaints", json=body, headers=key)
    again = api.post("/api/v1/complaints", json=body, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    other = api.post("/api/v1/complaints", json=form(api, 1), headers=key)  # same key, other content
    assert other.json()["tracking_code"] != first.json()["tracking_code"]
    with api.county.session() as s:
        assert s.exec(select(func.count()).select_from(Complaint)).one() == 2


def test_concurrent_retries_create_one_complaint(api: Api) -> None:
    body, key = form(api, 2), {"Idempotency-Key": "concurrent-key-1"}

    def send(_: int):  # noqa: ANN202
        return api.client.post("/api/v1/complaints", json=body, headers=key)

    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(send, range(10)))
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["tracking_code"] for a in answers}) == 1
    with api.county.session() as s:
        assert s.exec(select(func.count()).select_from(Complaint)).one() == 1
        assert s.exec(select(func.count()).select_from(Case)).one() == 1
