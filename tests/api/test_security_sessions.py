"""Server-side sessions: logout, deactivation, re-activation and a new password end them; cookies
are Secure over TLS behind a trusted proxy; the rate limit keys on the last untrusted hop.

Attacks (before): a logged-out cookie or token kept working for 8 hours; re-activating an account
revived its old tokens; the cookie was never Secure behind a TLS proxy; with
ENFORCE_TRUST_FORWARDED_FOR=true, rotating the first X-Forwarded-For entry got every request through.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.api.support import Api, build
from tests.integration.conftest import County, complaint

pytestmark = pytest.mark.api
PASSWORD = "demo-password-1"


def token_of(client: TestClient, username: str) -> str:
    answer = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def web_login(client: TestClient, username: str) -> object:
    form = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    seed = re.search(r"enforce_csrf=([^;]+)", form.headers["set-cookie"]).group(1)
    # sent by hand: the client's jar keeps a Secure cookie back from this plain-http test transport
    return client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": csrf},
                       headers={"Cookie": f"enforce_csrf={seed}"}, follow_redirects=False)


def complaint_body(county: County) -> dict:
    data = complaint(county.institution(0))
    return {"channel": "web", "content": data.content, "region_code": data.region_code,
            "violation_codes": list(data.violation_codes), "reported_name": data.reported_name}


def test_api_logout_ends_the_token(api: Api) -> None:
    token = token_of(api.client, "education03")
    assert api.client.get("/api/v1/auth/me", headers=bearer(token)).status_code == 200
    assert api.client.post("/api/v1/auth/logout", headers=bearer(token)).status_code == 204
    after = api.client.get("/api/v1/auth/me", headers=bearer(token))
    assert after.status_code == 401 and after.json()["code"] == "token_revoked"
    other = token_of(api.client, "education03")  # a new login is a new session
    assert api.client.get("/api/v1/auth/me", headers=bearer(other)).status_code == 200


def test_web_logout_ends_the_cookie(api: Api) -> None:
    browser = TestClient(api.app)
    assert web_login(browser, "education01").status_code == 303
    cookie = browser.cookies.get("enforce_session")
    assert browser.get("/board", follow_redirects=False).status_code == 200
    page = browser.get("/board")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    assert browser.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    thief = TestClient(api.app, cookies={"enforce_session": cookie})  # the cookie copied before logout
    assert thief.get("/board", follow_redirects=False).status_code in (302, 303)
    assert api.client.get("/api/v1/auth/me", headers=bearer(cookie)).status_code == 401


def test_deactivation_and_reactivation_end_old_tokens(api: Api) -> None:
    token = token_of(api.client, "education04")
    officer_id = api.officer_ids("education04")[0]
    off = api.client.patch(f"/api/v1/officers/{officer_id}", headers=api.auth("admin"), json={"active": False})
    assert off.status_code == 200, off.text
    assert api.client.get("/api/v1/auth/me", headers=bearer(token)).status_code == 401
    on = api.client.patch(f"/api/v1/officers/{officer_id}", headers=api.auth("admin"), json={"active": True})
    assert on.status_code == 200, on.text
    revived = api.client.get("/api/v1/auth/me", headers=bearer(token))
    assert revived.status_code == 401 and revived.json()["code"] == "token_revoked"
    assert api.client.get("/api/v1/auth/me", headers=bearer(token_of(api.client, "education04"))).status_code == 200


def test_password_change_ends_sessions(api: Api) -> None:
    token = token_of(api.client, "education05")
    officer_id = api.officer_ids("education05")[0]
    reset = api.post(f"/api/v1/officers/{officer_id}/password", "admin", json={"password": "brand-new-secret-7"})
    assert reset.status_code == 200, reset.text
    assert api.client.get("/api/v1/auth/me", headers=bearer(token)).status_code == 401


def test_secure_cookie_only_over_tls_from_a_trusted_proxy(county: County, tmp_path: Path) -> None:
    api = build(county, tmp_path, trusted_proxies="10.0.0.1")
    proxied = TestClient(api.app, client=("10.0.0.1", 40000), headers={"X-Forwarded-Proto": "https",
                                                                       "X-Forwarded-For": "198.51.100.7"})
    answer = web_login(proxied, "education01")
    assert answer.status_code == 303
    assert "secure" in answer.headers["set-cookie"].lower()
    assert "strict-transport-security" in answer.headers
    spoofed = TestClient(api.app, client=("203.0.113.5", 40000), headers={"X-Forwarded-Proto": "https"})
    plain = web_login(spoofed, "education01")
    assert plain.status_code == 303 and "secure" not in plain.headers["set-cookie"].lower()
    assert "strict-transport-security" not in plain.headers


def test_forwarded_for_keys_on_the_last_untrusted_hop(county: County, tmp_path: Path) -> None:
    api = build(county, tmp_path, trust_forwarded_for=True, complaint_burst=3, complaint_rate_per_minute=0.01)
    proxy = TestClient(api.app, client=("127.0.0.1", 40000))
    body = complaint_body(county)
    codes = [proxy.post("/api/v1/complaints", json=body,
                        headers={"X-Forwarded-For": f"192.0.2.{i}, 198.51.100.50"}).status_code for i in range(6)]
    assert codes == [201, 201, 201, 429, 429, 429]
    other = proxy.post("/api/v1/complaints", json=body, headers={"X-Forwarded-For": "198.51.100.51"})
    assert other.status_code == 201  # a different real client has its own bucket
    direct = TestClient(api.app, client=("203.0.113.80", 40000))  # not a proxy: its header is ignored
    spoof = [direct.post("/api/v1/complaints", json=body,
                         headers={"X-Forwarded-For": f"192.0.2.{i}"}).status_code for i in range(4)]
    assert spoof == [201, 201, 201, 429]
