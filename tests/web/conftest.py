"""Browser tests: the app served by uvicorn on 127.0.0.1 (a thread), Debian's Chromium through Playwright.

One seeded SQLite county per session (`tests/web/seed.py`); the app's clock is pinned to Monday
2026-03-16 09:00 so deadlines read the same on every run. Chromium is installed with apt when
it is missing (as root), never downloaded by Playwright.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy import Engine
from sqlmodel import Session

from api.evidence import EvidenceStore
from api.main import create_app
from tests.api.support import MovableClock, api_settings
from tests.integration.conftest import at
from tests.web.seed import NOW, PASSWORD, Seeded, seed_site

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
ROOT = Path(__file__).resolve().parents[2]
ARTEFACTS = ROOT / "test-artifacts" / "screenshots"
SCREENSHOTS = ROOT / "docs" / "screenshots"


def ensure_chromium() -> str:
    """Debian's Chromium, installed with apt-get when missing (Playwright's own download does not work here)."""
    if os.path.exists(CHROMIUM):
        return CHROMIUM
    sudo = [] if os.geteuid() == 0 else (["sudo", "-n"] if shutil.which("sudo") else None)
    if sudo is None:
        pytest.fail(f"{CHROMIUM} is missing and this user cannot install it: run `apt-get install -y chromium` as root")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium"], check=True,
                   env=env)
    assert os.path.exists(CHROMIUM), "apt-get installed chromium but /usr/bin/chromium is still missing"
    return CHROMIUM


@dataclass
class Site:
    url: str
    engine: Engine
    clock: MovableClock
    seeded: Seeded
    evidence_root: Path
    app: object = None  # the FastAPI app served (its routes give the page list of tests/web/test_no_english.py)

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    from cases.db import make_engine, migrate
    from documents.storage import FileDocumentStore

    root = tmp_path_factory.mktemp("web")
    url = f"sqlite:///{root / 'web.db'}"
    migrate(url)
    engine = make_engine(url)
    store = FileDocumentStore(root / "documents")
    seeded = seed_site(engine, store)
    clock = MovableClock(at(NOW))
    app = create_app(engine=engine, settings=api_settings(root, token_ttl_minutes=7 * 24 * 60),
                     document_store=store, evidence_store=EvidenceStore(root / "evidence"), clock=clock)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, name="web-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the test server did not start")
        time.sleep(0.05)
    yield Site(f"http://127.0.0.1:{port}", engine, clock, seeded, root / "evidence", app)
    server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Chromium for one test module. Playwright's sync API keeps an asyncio loop running on the
    calling thread while it is open; closing it with the module keeps that loop from reaching the
    next module on the same worker (pyHanko and Prefect's sync calls refuse to run inside one)."""
    from playwright.sync_api import sync_playwright

    executable = ensure_chromium()
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Browse:
    """Pages of one browser context, with the login form filled like a user would."""

    def __init__(self, browser, site: Site, width: int = 1280) -> None:  # noqa: ANN001
        self.site = site
        self.context = browser.new_context(viewport={"width": width, "height": 844 if width < 600 else 900},
                                           locale="zh-CN", timezone_id="Asia/Shanghai")
        self.context.set_default_timeout(15_000)

    def page(self):  # noqa: ANN201
        return self.context.new_page()

    def login(self, username: str, password: str = PASSWORD):  # noqa: ANN201
        page = self.page()
        page.goto(self.site.url + "/login")
        page.fill("#username", username)
        page.fill("#password", password)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        return page

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def browse(browser, site: Site) -> Iterator[Callable[..., Browse]]:  # noqa: ANN001
    opened: list[Browse] = []

    def make(width: int = 1280) -> Browse:
        b = Browse(browser, site, width)
        opened.append(b)
        return b

    yield make
    for b in opened:
        b.close()

