"""Failed logins cannot be used to lock a user out, and do not tell which accounts exist.

Attack (before): five wrong passwords from anyone locked the account for 15 minutes for
everybody, and only existing names ever answered 429.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from api.ratelimit import LoginThrottle
from tests.api.support import Api, build
from tests.integration.conftest import County

pytestmark = pytest.mark.api
PASSWORD = "demo-password-1"


class Ticks:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def client_at(api: Api, address: str) -> TestClient:
    return TestClient(api.app, client=(address, 40000))


def attempt(client: TestClient, username: str, password: str):  # noqa: ANN201
    return client.post("/api/v1/auth/token", data={"username": username, "password": password})


def test_an_attacker_cannot_lock_the_real_user_out(api: Api) -> None:
    attacker, user = client_at(api, "203.0.113.66"), client_at(api, "198.51.100.20")
    codes = [attempt(attacker, "education05", "guess-number-x").status_code for _ in range(8)]
    assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}
    assert attempt(attacker, "education05", PASSWORD).status_code == 429  # the attacker's client waits
    mine = attempt(user, "education05", PASSWORD)  # the real user, at their own desk, gets in
    assert mine.status_code == 200, mine.text
    web = TestClient(api.app, client=("198.51.100.21", 40000))
    assert web.get("/login").status_code == 200


def test_unknown_and_existing_names_answer_alike(api: Api) -> None:
    def sequence(name: str, address: str) -> list[tuple[int, dict, str | None]]:
        client = client_at(api, address)
        out = []
        for _ in range(7):
            answer = attempt(client, name, "wrong-password-1")
            body = answer.json()
            body.get("detail", {}).pop("retry_after", None)
            out.append((answer.status_code, body, answer.headers.get("Retry-After")))
        return out

    assert sequence("education06", "203.0.113.1") == sequence("no-such-officer", "203.0.113.2")


def test_delays_grow_and_end(county: County, tmp_path: Path) -> None:
    api = build(county, tmp_path)
    ticks = Ticks()
    api.app.state.login_throttle = LoginThrottle(5, 30, 30.0, 900.0, clock=ticks)
    client = client_at(api, "203.0.113.9")
    for _ in range(5):
        assert attempt(client, "education07", "not-the-password").status_code == 401
    first = attempt(client, "education07", "not-the-password")
    assert first.status_code == 429 and first.json()["code"] == "login_locked"
    assert int(first.headers["Retry-After"]) == 30
    ticks.now += 31
    assert attempt(client, "education07", "not-the-password").status_code == 401  # the 6th failure
    second = attempt(client, "education07", "not-the-password")
    assert second.status_code == 429 and int(second.headers["Retry-After"]) == 60  # doubled
    ticks.now += 61
    assert attempt(client, "education07", PASSWORD).status_code == 200  # and it ends
    assert attempt(client, "education07", "not-the-password").status_code == 401  # a success clears the pair


def test_one_client_spraying_many_names_is_slowed(county: County, tmp_path: Path) -> None:
    api = build(county, tmp_path, login_client_max_failures=6)
    client = client_at(api, "203.0.113.10")
    codes = [attempt(client, f"sprayed{i:02d}", "wrong-password-1").status_code for i in range(8)]
    assert codes[:6] == [401] * 6 and codes[6:] == [429, 429]
    assert attempt(client_at(api, "198.51.100.30"), "education05", PASSWORD).status_code == 200
