"""Login with argon2 hashes, token expiry and revocation (throttling: tests/api/test_security_login.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.api.support import Api

pytestmark = pytest.mark.api
PASSWORD = "demo-password-1"


def login(api: Api, username: str, password: str):  # noqa: ANN201
    return api.client.post("/api/v1/auth/token", data={"username": username, "password": password})


def test_login_issues_a_working_token(api: Api) -> None:
    answer = login(api, "education01", PASSWORD)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["token_type"] == "bearer" and body["user"]["roles"] == ["supervisor"]
    me = api.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200 and me.json()["username"] == "education01"
    wrong = login(api, "education01", "wrong-password")
    assert wrong.status_code == 401 and wrong.json()["code"] == "invalid_credentials"
    assert wrong.headers["WWW-Authenticate"] == "Bearer"
    assert login(api, "nobody", PASSWORD).json()["code"] == "invalid_credentials"
    assert login(api, "education01\u0000", PASSWORD).status_code == 401


def test_expired_and_revoked_tokens(api: Api) -> None:
    token = login(api, "education03", PASSWORD).json()["access_token"]
    header = {"Authorization": f"Bearer {token}"}
    assert api.client.get("/api/v1/cases", headers=header).status_code == 200
    tampered = {"Authorization": f"Bearer {token[:-2]}xx"}
    assert api.client.get("/api/v1/cases", headers=tampered).json()["code"] == "token_invalid"
    officer_id = api.officer_ids("education03")[0]
    reset = api.post(f"/api/v1/officers/{officer_id}/password", "admin", json={"password": "new-password-9"})
    assert reset.status_code == 200, reset.text
    revoked = api.client.get("/api/v1/cases", headers=header)
    assert revoked.status_code == 401 and revoked.json()["code"] == "token_revoked"
    fresh = login(api, "education03", "new-password-9").json()["access_token"]
    api.clock.at += timedelta(hours=9)
    expired = api.client.get("/api/v1/cases", headers={"Authorization": f"Bearer {fresh}"})
    assert expired.status_code == 401 and expired.json()["code"] == "token_expired"
