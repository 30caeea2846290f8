"""Helpers: the API against the seeded county on SQLite and PostgreSQL, through TestClient.

The app is built by `create_app` on the fixture's engine, with a movable clock, a fast fake
renderer (a tiny PDF per document) and stores under the test's tmp dir. Tokens are minted with
the app's secret (login itself is tested through the endpoint).
"""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel import select

from api.evidence import EvidenceStore
from api.main import create_app
from api.security import start_session
from api.settings import ApiSettings
from cases.models import Case, Officer
from cases.ports import DocumentRef
from tests.integration.conftest import County, at, complaint

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

PASSWORD = "demo-password-1"  # the county fixture's shared password
SECRET = "test-secret-" + "x" * 40


@dataclass
class MovableClock:
    """A clock the test moves; each reading is a microsecond later than the last, as real time is."""

    at: datetime

    def now(self) -> datetime:
        self.at += timedelta(microseconds=1)
        return self.at

    def today(self):  # noqa: ANN201
        return self.at.date()

    def set(self, text: str) -> None:
        self.at = at(text)


class FakeRenderer:
    """A tiny PDF naming the document type and number (WeasyPrint is tested by documents/)."""

    def __call__(self, doc_type, snapshot) -> bytes:  # noqa: ANN001
        number = getattr(snapshot, "number", "") or getattr(snapshot, "document_number", "")
        return f"%PDF-1.4\n% {doc_type} {number}\n%%EOF\n".encode()


class DirStore:
    """Content-addressed, write-once, hash-checked on read: the contract of documents.storage."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def put(self, content: bytes, *, name: str) -> DocumentRef:
        sha = hashlib.sha256(content).hexdigest()
        path = self.root / f"{sha}.pdf"
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            path.write_bytes(content)
        return DocumentRef(path=path.name, sha256=sha, size=len(content))

    def get(self, ref: DocumentRef) -> bytes:
        content = (self.root / ref.path).read_bytes()
        if hashlib.sha256(content).hexdigest() != ref.sha256:
            from cases.errors import DocumentIntegrityError

            raise DocumentIntegrityError("文书校验失败")
        return content


@dataclass
class Api:
    client: TestClient
    county: County
    clock: MovableClock
    app: object
    tokens: dict[str, str] = field(default_factory=dict)

    def auth(self, username: str) -> dict[str, str]:
        if username not in self.tokens:
            officer = self.county.officer(username)
            with self.county.session() as s:  # a server-side session, as a real login makes
                since = self.clock.now() - timedelta(days=30)
                self.tokens[username] = start_session(s, SECRET.encode(), officer, since, timedelta(days=400),
                                                      "testclient")
        return {"Authorization": f"Bearer {self.tokens[username]}"}

    def get(self, url: str, user: str | None = None, **kw):  # noqa: ANN003, ANN201
        return self.client.get(url, headers={**(self.auth(user) if user else {}), **kw.pop("headers", {})}, **kw)

    def post(self, url: str, user: str | None = None, **kw):  # noqa: ANN003, ANN201
        return self.client.post(url, headers={**(self.auth(user) if user else {}), **kw.pop("headers", {})}, **kw)

    def version(self, case_id: int) -> int:
        with self.county.session() as s:
            return s.get(Case, case_id).version

    def act(self, case_id: int, action: str, user: str, body: dict | None = None, version: int | None = None,
            when: str | None = None):  # noqa: ANN201
        if when:
            self.clock.set(when)
        headers = {"If-Match": f'"{self.version(case_id) if version is None else version}"'}
        return self.post(f"/api/v1/cases/{case_id}/actions/{action}", user, json=body or {}, headers=headers)

    def officer_ids(self, *usernames: str) -> list[int]:
        with self.county.session() as s:
            rows = {o.username: o.id for o in s.exec(select(Officer).where(Officer.username.in_(usernames)))}
        return [rows[u] for u in usernames]

    def new_case(self, index: int = 0, when: str = "2026-03-02 09:30", **kw) -> int:  # noqa: ANN003
        """A received case through the public endpoint; returns its id."""
        self.clock.set(when)
        inst = self.county.institution(index)
        data = complaint(inst, **kw)
        body = {"channel": "web", "content": data.content, "region_code": data.region_code,
                "violation_codes": list(data.violation_codes), "reported_name": data.reported_name,
                "complainant_name": data.complainant_name, "complainant_phone": data.complainant_phone}
        answer = self.client.post("/api/v1/complaints", json=body)
        assert answer.status_code == 201, answer.text
        with self.county.session() as s:
            from cases.models import Complaint

            row = s.exec(select(Complaint).where(Complaint.tracking_code == answer.json()["tracking_code"])).one()
            return row.case_id

    def assigned_case(self, index: int = 0) -> int:
        case_id = self.new_case(index)
        answer = self.act(case_id, "assign", "education01", {"officer_ids": self.officer_ids("education03",
                                                                                             "education04")},
                          when="2026-03-03 10:00")
        assert answer.status_code == 200, answer.text
        return case_id

    def inspected_case(self, index: int = 0, codes: tuple[str, ...] = ("rest_day_training",)) -> int:
        case_id = self.assigned_case(index)
        inst = self.county.institution(index)
        answer = self.act(case_id, "record_inspection", "education03", {
            "officer_ids": self.officer_ids("education03", "education04"),
            "findings": "周六上午发现23名初中生在上数学课。",
            "violation_codes": list(codes), "institution_id": inst.id}, when="2026-03-07 10:00")
        assert answer.status_code == 200, answer.text
        return case_id


def api_settings(tmp_path: Path, **overrides) -> ApiSettings:  # noqa: ANN003
    values = dict(token_secret=SECRET, complaint_burst=10_000, complaint_rate_per_minute=600_000.0,
                  status_burst=10_000, status_rate_per_minute=600_000.0)
    values.update(overrides)
    return ApiSettings(**values)


def build(county: County, tmp_path: Path, **settings) -> Api:  # noqa: ANN003
    clock = MovableClock(at("2026-03-02 09:00"))
    app = create_app(engine=county.engine, settings=api_settings(tmp_path, **settings), renderer=FakeRenderer(),
                     document_store=DirStore(tmp_path / "documents"), evidence_store=EvidenceStore(tmp_path / "ev"),
                     clock=clock)
    return Api(TestClient(app), county, clock, app)
