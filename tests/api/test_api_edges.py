"""Evidence upload rules, body limits, document integrity, settings, the token bucket, the OpenAPI."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from api.ratelimit import TokenBucket
from api.settings import stored_secret
from cases.errors import DomainError
from cases.models import Document
from tests.api import samples
from tests.api.support import Api, build
from tests.integration.conftest import County

pytestmark = pytest.mark.api
PNG = samples.image("PNG")  # genuine files: uploads must decode (api.evidence.inspect_content)
WEBP = samples.image("WEBP")


def test_evidence_is_sniffed_hashed_and_limited(county: County, tmp_path: Path) -> None:
    api = build(county, tmp_path, evidence_max_bytes=1000)
    case_id = api.assigned_case()
    url = f"/api/v1/cases/{case_id}/evidence"
    one = api.post(url, "education03", files={"file": ("a.png", PNG, "image/png")}).json()
    two = api.post(url, "education04", files={"file": ("b.png", PNG, "image/png")}).json()
    assert one["sha256"] == two["sha256"] and one["filename"] == "a.png"  # stored once, first name kept
    stored = list((tmp_path / "ev").rglob(f"{one['sha256']}.png"))
    assert len(stored) == 1
    assert stat.S_IMODE(stored[0].stat().st_mode) == 0o444
    webp = api.post(url, "education03", files={"file": ("x.jpg", WEBP, "image/jpeg")}).json()
    assert webp["content_type"] == "image/webp"
    fake = api.post(url, "education03", files={"file": ("photo.jpg", b"MZ\x90\x00 not an image", "image/jpeg")})
    assert fake.status_code == 415 and fake.json()["code"] == "evidence_type"
    big = api.post(url, "education03", files={"file": ("big.png", PNG + b"\x00" * 2000, "image/png")})
    assert big.status_code == 413 and big.json()["code"] == "payload_too_large"
    empty = api.post(url, "education03", files={"file": ("e.png", b"", "image/png")})
    assert empty.status_code == 422 and empty.json()["code"] == "empty_file"
    unknown = api.act(case_id, "record_inspection", "education03", {
        "officer_ids": api.officer_ids("education03", "education04"), "findings": "检查", "evidence": ["a" * 64]})
    assert unknown.status_code == 422 and unknown.json()["code"] == "evidence_unknown"
    legal = api.post(url, "education02", files={"file": ("a.png", PNG, "image/png")})
    assert legal.status_code == 403
    mine = api.get(f"/api/v1/cases/{case_id}/evidence/{one['sha256']}", "education03")
    assert mine.status_code == 200 and mine.content == PNG  # uploaded to this case: part of its record
    other = api.assigned_case(1)
    elsewhere = api.get(f"/api/v1/cases/{other}/evidence/{one['sha256']}", "education03")
    assert elsewhere.status_code == 404  # another case's evidence is not reachable by its hash
    cited = api.act(other, "record_inspection", "education03", {
        "officer_ids": api.officer_ids("education03", "education04"), "findings": "检查", "evidence": [one["sha256"]]})
    assert cited.status_code == 422 and cited.json()["code"] == "evidence_unknown"


def test_oversized_bodies_are_refused_before_parsing(api: Api) -> None:
    answer = api.client.post("/api/v1/complaints", content=b"{}",
                             headers={"Content-Length": str(50 * 1024 * 1024), "Content-Type": "application/json"})
    assert answer.status_code == 413 and answer.json()["code"] == "payload_too_large"


def test_a_tampered_document_is_refused_not_served(api: Api, tmp_path: Path) -> None:
    case_id = api.inspected_case()
    api.act(case_id, "issue_rectification", "education03", when="2026-03-09 10:00")
    with api.county.session() as s:
        doc = s.get(Document, api.get(f"/api/v1/cases/{case_id}/documents", "education03").json()[0]["id"])
    (tmp_path / "documents" / doc.path).chmod(0o644)
    (tmp_path / "documents" / doc.path).write_bytes(b"%PDF-1.4 forged")
    answer = api.get(f"/api/v1/documents/{doc.id}/pdf", "education03")
    assert answer.status_code == 500 and answer.json()["message"]
    assert b"forged" not in answer.content
    assert api.get("/api/v1/documents/999999/pdf", "education03").status_code == 404


def test_secret_key_file_is_private_and_stable(tmp_path: Path) -> None:
    path = tmp_path / "home" / "secret_key"
    first = stored_secret(path)
    assert len(first) >= 32 and stored_secret(path) == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_token_bucket() -> None:
    now = [0.0]
    bucket = TokenBucket(2, 6.0, clock=lambda: now[0])  # one token per 10 s
    bucket.take("a"), bucket.take("a")
    with pytest.raises(DomainError) as refused:
        bucket.take("a")
    assert refused.value.code == "rate_limited" and refused.value.detail["retry_after"] == 10
    bucket.take("b")  # another client has its own bucket
    now[0] = 10.0
    bucket.take("a")


def test_openapi_is_complete_and_chinese(api: Api) -> None:
    spec = api.client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    for path, item in spec["paths"].items():
        for method, op in item.items():
            text = op.get("summary", "") + op.get("description", "")
            assert any("\u4e00" <= ch <= "\u9fff" for ch in text), (method, path)
            ref = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            if "$ref" in ref:
                assert ref["$ref"].rsplit("/", 1)[-1] in schemas, (method, path)
    assign = spec["paths"]["/api/v1/cases/{case_id}/actions/assign"]["post"]
    assert {p["name"] for p in assign["parameters"]} >= {"case_id", "If-Match"}
    assert {"409", "428", "422", "403", "404"} <= set(assign["responses"])
    assert schemas["AssignIn"]["properties"]["officer_ids"]["examples"]
    assert spec["info"]["title"] == "双减执法办案系统 API"
