"""Request bodies are limited while they stream in, and the public rate limit comes before the body.

Attack (before): an anonymous chunked body (no Content-Length) to POST /api/v1/complaints was read
whole before any limit — 400 MB grew the server by 1.2 GB before the 422.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from tests.api.support import build
from tests.integration.conftest import County

pytestmark = pytest.mark.api
CHUNK = b"x" * 65536


class Counted:
    """A chunked body of `total` bytes (after `head`) that counts what the server made it send."""

    def __init__(self, total: int, head: bytes = b"") -> None:
        self.total, self.sent, self.head = total, 0, head

    def __iter__(self) -> Iterator[bytes]:
        if self.head:
            yield self.head
        while self.sent < self.total:
            self.sent += len(CHUNK)
            yield CHUNK


def serve(app) -> tuple[str, uvicorn.Server, threading.Thread]:  # noqa: ANN001
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server, thread


def send(url: str, body: Counted, content_type: str = "application/json") -> httpx.Response | None:
    try:
        return httpx.post(url, content=body, headers={"Content-Type": content_type}, timeout=30)
    except httpx.HTTPError:  # the server closed the connection after answering
        return None


@pytest.fixture
def live(county: County, tmp_path: Path):  # noqa: ANN201
    api = build(county, tmp_path, complaint_burst=2, complaint_rate_per_minute=0.01)
    url, server, thread = serve(api.app)
    yield url
    server.should_exit = True
    thread.join(timeout=10)


def test_a_chunked_body_is_cut_off_at_the_limit(live: str) -> None:
    body = Counted(50 * 1024 * 1024)
    answer = send(f"{live}/api/v1/complaints", body)
    assert answer is None or (answer.status_code == 413 and answer.json()["code"] == "payload_too_large")
    # the 256 KB limit, plus what the sockets' buffers took before the server hung up
    assert body.sent < 16 * 1024 * 1024, body.sent
    part = (b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n'
            b"Content-Type: image/png\r\n\r\n")
    multipart = Counted(50 * 1024 * 1024, part)
    answer = send(f"{live}/api/v1/cases/1/evidence", multipart, "multipart/form-data; boundary=x")
    assert answer is None or answer.status_code == 413
    assert multipart.sent < 32 * 1024 * 1024, multipart.sent  # the 11 MB upload limit, plus buffers


def test_the_rate_limit_refuses_before_reading_the_body(live: str, county: County) -> None:
    from tests.api.test_security_sessions import complaint_body

    for _ in range(2):
        assert httpx.post(f"{live}/api/v1/complaints", json=complaint_body(county)).status_code == 201
    body = Counted(20 * 1024 * 1024)
    answer = send(f"{live}/api/v1/complaints", body)
    assert answer is None or answer.status_code == 429
    assert body.sent < 8 * 1024 * 1024, body.sent


def test_declared_length_over_the_limit_is_refused_unread(county: County, tmp_path: Path) -> None:
    api = build(county, tmp_path)
    answer = api.client.post("/api/v1/complaints", content=b"{" + b" " * (300 * 1024) + b"}",
                             headers={"Content-Type": "application/json"})
    assert answer.status_code == 413 and answer.json()["code"] == "payload_too_large"
    login = api.client.post("/login", content=b"a=" + b"b" * (300 * 1024),
                            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"})
    assert login.status_code == 413 and "请求内容过大" in login.text
