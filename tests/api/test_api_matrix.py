"""Role × endpoint: every operation of the OpenAPI, called as each role (and anonymously).

Allowed → anything but 401/403 (the request may still be refused for its content); not allowed →
403 for staff, 401 for the anonymous caller. The table must name every operation, so a new
endpoint cannot slip in without an access rule.
"""

from __future__ import annotations

import pytest

from cases.actions import ROUTED
from tests.api.support import Api

pytestmark = pytest.mark.api

ROLES = {"anonymous": None, "officer": "education03", "supervisor": "education01", "legal": "education02",
         "admin": "admin"}
PUBLIC = frozenset(ROLES)
STAFF = frozenset(ROLES) - {"anonymous"}
WORKERS = frozenset({"officer", "supervisor", "legal"})
SUP, ADMIN, MANAGERS = frozenset({"supervisor"}), frozenset({"admin"}), frozenset({"supervisor", "admin"})
V = "/api/v1"

ACCESS: dict[tuple[str, str], frozenset[str]] = {
    ("POST", f"{V}/auth/token"): PUBLIC, ("GET", f"{V}/auth/me"): STAFF, ("POST", f"{V}/auth/logout"): STAFF,
    ("POST", f"{V}/complaints"): PUBLIC, ("GET", f"{V}/complaints/{{tracking_code}}/status"): PUBLIC,
    ("GET", f"{V}/cases"): WORKERS, ("GET", f"{V}/cases/{{case_id}}"): WORKERS,
    ("GET", f"{V}/cases/{{case_id}}/documents"): WORKERS,
    ("POST", f"{V}/cases/{{case_id}}/evidence"): frozenset({"officer", "supervisor"}),
    ("GET", f"{V}/cases/{{case_id}}/evidence/{{sha256}}"): WORKERS,
    ("POST", f"{V}/cases/{{case_id}}/documents/{{document_id}}/signed-receipt"): frozenset({"officer", "supervisor"}),
    ("GET", f"{V}/cases/{{case_id}}/dossier"): WORKERS,
    ("GET", f"{V}/documents/{{document_id}}"): WORKERS, ("GET", f"{V}/documents/{{document_id}}/pdf"): WORKERS,
    ("GET", f"{V}/institutions"): STAFF, ("POST", f"{V}/institutions"): MANAGERS,
    ("GET", f"{V}/institutions/{{institution_id}}"): STAFF, ("PATCH", f"{V}/institutions/{{institution_id}}"): MANAGERS,
    ("DELETE", f"{V}/institutions/{{institution_id}}"): MANAGERS, ("POST", f"{V}/institutions/import"): MANAGERS,
    ("POST", f"{V}/intake/uploads"): WORKERS,
    ("GET", f"{V}/departments"): STAFF, ("POST", f"{V}/departments"): ADMIN,
    ("PATCH", f"{V}/departments/{{department_id}}"): ADMIN,
    ("GET", f"{V}/officers"): STAFF, ("POST", f"{V}/officers"): ADMIN, ("GET", f"{V}/officers/{{officer_id}}"): ADMIN,
    ("PATCH", f"{V}/officers/{{officer_id}}"): ADMIN, ("POST", f"{V}/officers/{{officer_id}}/password"): ADMIN,
    ("POST", f"{V}/officers/{{officer_id}}/unlock"): ADMIN,
    ("GET", f"{V}/board"): SUP, ("GET", f"{V}/stats"): frozenset({"supervisor", "legal", "admin"}),
    ("GET", f"{V}/violations"): PUBLIC, ("GET", f"{V}/regions"): PUBLIC, ("GET", f"{V}/health"): PUBLIC,
}
for _spec in ROUTED:  # the actions follow the action table, the single statement of who may act
    ACCESS[("POST", f"{V}/cases/{{case_id}}/actions/{_spec.name}")] = frozenset(
        name for name, user in ROLES.items() if user and {r.value for r in _spec.roles} & {name})

JPEG = b"\xff\xd8\xff\xe0" + b"matrix" * 10
CSV = "机构名称,类别,证照情况,行政区划代码\n矩阵测试机构,体育,无证无照,520122100\n".encode()


def fixtures(api: Api) -> dict[str, str]:
    case_id = api.inspected_case(0)
    api.act(case_id, "issue_rectification", "education03", when="2026-03-09 10:00")
    doc = api.get(f"/api/v1/cases/{case_id}/documents", "education03").json()[0]
    fresh = api.assigned_case(1)  # the officer of the matrix (education03) is on its team
    tracking = api.get(f"/api/v1/cases/{fresh}", "education01").json()["complaints"][0]["tracking_code"]
    return {"case_id": str(fresh), "document_id": str(doc["id"]), "tracking_code": tracking,
            "institution_id": str(api.county.institution(30).id), "department_id": "1",
            "officer_id": str(api.officer_ids("education10")[0]), "sha256": "0" * 64}


def call(api: Api, method: str, path: str, params: dict[str, str], user: str | None):  # noqa: ANN201
    url = path.format(**params)
    headers = dict(api.auth(user)) if user else {}
    if "/actions/" in path:
        headers["If-Match"] = str(api.version(int(params["case_id"])))
    if path.endswith("/auth/logout"):  # a session of its own: the shared token stays valid for the other cells
        if user:
            fresh = api.client.post(f"{V}/auth/token", data={"username": user, "password": "demo-password-1"})
            headers = {"Authorization": f"Bearer {fresh.json()['access_token']}"}
        return api.client.post(url, headers=headers)
    if path.endswith("/auth/token"):
        return api.client.post(url, data={"username": user or "education06", "password": "demo-password-1"})
    if path.endswith(("/evidence", "/signed-receipt")):
        return api.client.post(url, headers=headers, files={"file": ("a.jpg", JPEG, "image/jpeg")})
    if path.endswith(("/import", "/uploads")):
        return api.client.post(url, headers=headers, files={"file": ("a.csv", CSV, "text/csv")})
    if method in ("POST", "PATCH"):
        return api.client.request(method, url, headers=headers, json={})
    return api.client.request(method, url, headers=headers)


def test_role_endpoint_matrix(api: Api) -> None:
    operations = [(m.upper(), p) for p, item in api.app.openapi()["paths"].items() for m in item]
    assert sorted(operations) == sorted(ACCESS), "every operation needs an access rule"
    params = fixtures(api)
    wrong = []
    for method, path in operations:
        for role, user in ROLES.items():
            status = call(api, method, path, params, user).status_code
            allowed = role in ACCESS[(method, path)]
            expected = "not 401/403" if allowed else (401 if user is None else 403)
            if status >= 500 or (allowed and status in (401, 403)) or (not allowed and status != expected):
                wrong.append((method, path, role, status, expected))
    print(f"role x endpoint matrix: {len(operations)} operations x {len(ROLES)} roles = "
          f"{len(operations) * len(ROLES)} cells")
    assert wrong == []
