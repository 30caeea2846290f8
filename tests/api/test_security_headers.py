"""Security headers on every kind of response: JSON, pages, /docs, static files, PDFs, errors.

Attack (before): no X-Content-Type-Options, framing protection, CSP or caching rule anywhere.
"""

from __future__ import annotations

import pytest

from tests.api.support import Api

pytestmark = pytest.mark.api
COMMON = ("x-content-type-options", "x-frame-options", "referrer-policy", "content-security-policy")


def test_every_response_type_has_the_headers(api: Api) -> None:
    case_id = api.inspected_case()
    issued = api.act(case_id, "issue_rectification", "education03", when="2026-03-09 10:00")
    assert issued.status_code == 200, issued.text
    doc = api.get(f"/api/v1/cases/{case_id}/documents", "education03").json()[0]
    answers = {
        "json": api.get("/api/v1/health"),
        "private json": api.get(f"/api/v1/cases/{case_id}", "education03"),
        "error": api.get("/api/v1/nothing-here"),
        "page": api.client.get("/login"),
        "docs": api.client.get("/docs"),
        "static": api.client.get("/static/app.js"),
        "pdf": api.get(f"/api/v1/documents/{doc['id']}/pdf", "education03"),
    }
    for kind, answer in answers.items():
        missing = [h for h in COMMON if h not in answer.headers]
        assert not missing, (kind, answer.status_code, missing)
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    page_csp = answers["page"].headers["content-security-policy"]
    assert "script-src 'self'" in page_csp and "unsafe-inline" not in page_csp.split("script-src")[1].split(";")[0]
    assert answers["json"].headers["cache-control"] == "no-store"
    assert answers["private json"].headers["cache-control"] == "no-store"
    assert answers["pdf"].headers["content-type"] == "application/pdf"
    assert answers["pdf"].headers["cache-control"].startswith("private")
    assert "strict-transport-security" not in answers["page"].headers  # plain http: no HSTS
