"""Province scale: a province-sized database built with bulk SQL, then the read paths timed per scope.

Builds one province (10 cities × 11 counties by default, 290 institutions and 66 officers per
county, 10 townships each) and `--cases N` cases spread over the counties and over the last 23
months, each with its complaint, events (a valid hash chain), deadlines, inspections, documents
and penalties; recent cases are open (about 6 %), most of them with a running clock, many overdue.
Rows are written with COPY on PostgreSQL (secondary indexes dropped during the load and rebuilt
after, then VACUUM ANALYZE) and with Core `executemany` on SQLite (no ORM objects, no use cases).

Then, for a county, a city and the province supervisor, it measures median and p95 (over
`--repeats` runs, after one warm-up) of: the API board, case lists (first page, a deep page, the
overdue filter, a state filter), one case read, statistics (this half-month and a year by
region), the web board and the web case list (first and deep page); once: the deadline sweep
over every open step, `enforce stats` and `enforce audit verify` (in a child process: events/s and
its peak RSS). Every figure is printed beside its target, with the SQL statements it ran.

    uv run --frozen python bench/scale.py --cases 200000 --backend sqlite
    uv run --frozen python bench/scale.py --cases 1000000 --backend postgres
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as time_of_day
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
# bench/ holds api.py, which would shadow the `api` package: import from the checkout root only
sys.path[:] = [str(ROOT)] + [e for e in sys.path if Path(e or ".").resolve() != ROOT / "bench"]

from bench.pgtemp import temporary_database  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=TZ)  # a Tuesday, a working day
TODAY = NOW.date()
SECRET = "bench-secret-" + "s" * 40
CHUNK = 5_000


# --- the province -----------------------------------------------------------------------------------


@dataclass
class Province:
    counties: list[str] = field(default_factory=list)
    townships: dict[str, list[str]] = field(default_factory=dict)
    education: dict[str, int] = field(default_factory=dict)  # region code → education department id
    market: dict[str, int] = field(default_factory=dict)
    officers: dict[str, list[int]] = field(default_factory=dict)  # county → officer ids
    institutions: dict[str, list[int]] = field(default_factory=dict)  # county → institution ids
    supervisors: dict[str, int] = field(default_factory=dict)  # scope name → officer id
    sample_cases: dict[str, int] = field(default_factory=dict)  # scope name → a case in scope
    counts: dict[str, int] = field(default_factory=dict)


def _tables():  # noqa: ANN202
    from sqlmodel import SQLModel

    import cases.models  # noqa: F401
    import cases.patrols.models  # noqa: F401

    return SQLModel.metadata.tables


class Writer:
    """Buffers rows per table and writes them parents before children: on PostgreSQL with COPY (one
    dedicated connection, foreign-key triggers off: the rows are consistent by construction), on
    SQLite with executemany, one transaction per flush."""

    ORDER = ("region", "department", "officer", "institution", "enforcement_case", "complaint", "case_event",
             "deadline", "inspection", "document", "penalty")

    def __init__(self, engine) -> None:  # noqa: ANN001
        self.engine, self.tables = engine, _tables()
        self.rows: dict[str, list[dict]] = {name: [] for name in self.ORDER}
        self.counts: dict[str, int] = dict.fromkeys(self.ORDER, 0)
        self.seconds = 0.0  # spent writing (the rest of a build is generating rows and hashing)
        self.copy = engine.dialect.name == "postgresql"
        self.raw = None
        if self.copy:  # what Core would bind: defaults of omitted columns, then each type's processor
            dialect = engine.dialect
            self.columns = {name: [(c.name, c.default.arg if c.default is not None else None,
                                    c.type._cached_bind_processor(dialect))  # noqa: SLF001
                                   for c in self.tables[name].columns] for name in self.ORDER}

    def add(self, table: str, **row) -> None:  # noqa: ANN003
        self.rows[table].append(row)

    def flush(self) -> None:
        t0 = time.perf_counter()
        if self.copy:
            self._copy()
        else:
            with self.engine.begin() as conn:
                for name in self.ORDER:
                    rows = self.rows[name]
                    for i in range(0, len(rows), CHUNK):
                        conn.execute(self.tables[name].insert(), rows[i:i + CHUNK])
        for name in self.ORDER:
            self.counts[name] += len(self.rows[name])
            self.rows[name].clear()
        self.seconds += time.perf_counter() - t0

    def _copy(self) -> None:
        if self.raw is None:
            self.raw = self.engine.raw_connection()
            with self.raw.cursor() as cur:
                cur.execute("SET session_replication_role = replica")  # no per-row FK trigger
                cur.execute("SET synchronous_commit = off")
        with self.raw.cursor() as cur:
            for name in self.ORDER:
                rows = self.rows[name]
                if not rows:
                    continue
                given = rows[0].keys()  # every row of a table names the same columns; the others
                # take the model's default, or the table's (server default) when the model has none
                cols = [c for c in self.columns[name] if c[0] in given or c[1] is not None]
                plain = [(c, d) for c, d, proc in cols if proc is None]
                typed = [(i, c, d, proc) for i, (c, d, proc) in enumerate(cols) if proc is not None]
                order = [c for c, _d, proc in cols if proc is None] + [c for c, _d, proc in cols if proc is not None]
                names = ", ".join(f'"{c}"' for c in order)
                with cur.copy(f'COPY "{name}" ({names}) FROM STDIN') as copy:
                    write = copy.write_row
                    for row in rows:
                        get = row.get
                        values = [get(c, d) for c, d in plain]
                        for _i, c, d, proc in typed:
                            v = get(c, d)
                            values.append(None if v is None else proc(v))
                        write(values)
        self.raw.commit()

    def close(self) -> None:
        if self.raw is not None:
            self.raw.close()
            self.raw = None


def build(engine, n_cases: int, *, cities: int = 10, counties_per_city: int = 11, seed: int = 1) -> Province:  # noqa: ANN001, C901, PLR0915
    from cases.audit import GENESIS, _hash
    from cases.enums import (
        CaseEventType as E,
    )
    from cases.enums import (
        CaseStatus as S,
    )
    from cases.enums import (
        Channel,
        DeadlineKind,
        DocumentType,
        DueState,
        InstitutionCategory,
        LicenceStatus,
        PenaltyStep,
    )

    rng = random.Random(seed)
    started = time.perf_counter()
    w, p = Writer(engine), Province()
    dropped = _drop_secondary_indexes(engine)
    w.add("region", code="520000", name="贵州省", parent_code=None, level="province")
    dept_id = officer_id = inst_id = 0

    def department(code: str, kind: str, name: str) -> int:
        nonlocal dept_id
        dept_id += 1
        w.add("department", id=dept_id, name=name, kind=kind, region_code=code, doc_code=f"教{dept_id}",
              address="", phone="", review_body="", court="")
        return dept_id

    def officer(dept: int, roles: list[str]) -> int:
        nonlocal officer_id
        officer_id += 1
        w.add("officer", id=officer_id, username=f"o{officer_id}", name=f"执法{officer_id}", department_id=dept,
              roles=roles, badge_no=f"B{officer_id:06d}", badge_valid_until=date(2028, 12, 31), phone="",
              password_hash="x", active=True, failed_logins=0, locked_until=None)
        return officer_id

    p.education["520000"] = department("520000", "education", "贵州省教育厅")
    p.supervisors["province"] = officer(p.education["520000"], ["supervisor"])
    for c in range(1, cities + 1):
        city = f"52{c:02d}00"
        w.add("region", code=city, name=f"第{c}市", parent_code="520000", level="city")
        p.education[city] = department(city, "education", f"第{c}市教育局")
        sup = officer(p.education[city], ["supervisor"])
        if c == 1:
            p.supervisors["city"] = sup
        for k in range(1, counties_per_city + 1):
            county = f"52{c:02d}{k:02d}"
            p.counties.append(county)
            w.add("region", code=county, name=f"第{c}市第{k}县", parent_code=city, level="county")
            p.education[county] = department(county, "education", f"第{c}市第{k}县教育局")
            p.market[county] = department(county, "market", f"第{c}市第{k}县市场监管局")
            p.townships[county] = [f"{county}{t:03d}" for t in range(1, 11)]
            for t, code in enumerate(p.townships[county], 1):
                w.add("region", code=code, name=f"{county}第{t}镇", parent_code=county, level="township")
            sup = officer(p.education[county], ["supervisor"])
            if c == 1 and k == 1:
                p.supervisors["county"] = sup
            p.officers[county] = [officer(p.education[county], ["officer"]) for _ in range(56)]
            p.officers[county] += [officer(p.market[county], ["officer"]) for _ in range(9)]
            p.institutions[county] = []
            for _ in range(290):
                inst_id += 1
                p.institutions[county].append(inst_id)
                w.add("institution", id=inst_id, name=f"培训机构{inst_id}", name_key=f"培训机构{inst_id}",
                      uscc=None, category=rng.choice(list(InstitutionCategory)),
                      licence_status=rng.choice(list(LicenceStatus)), non_profit=False, address="",
                      region_code=rng.choice(p.townships[county]), phone="", legal_representative="",
                      list_status="none", fund_supervision="supervised", student_count=rng.randint(10, 400),
                      capacity=None, risk_grade=None, risk_inputs={}, created_at=datetime(2024, 6, 1, tzinfo=UTC))
    w.flush()

    span_days = 700
    open_days = 45  # received in the last 45 days: still open
    ids = {"event": 0, "deadline": 0, "inspection": 0, "document": 0, "penalty": 0}
    doc_seq: dict[tuple[int, int], int] = {}

    def nid(kind: str) -> int:
        ids[kind] += 1
        return ids[kind]

    for case_id in range(1, n_cases + 1):
        county = p.counties[case_id % len(p.counties)]
        township = rng.choice(p.townships[county])
        lead = p.education[county]
        inst = rng.choice(p.institutions[county])
        team = rng.sample(p.officers[county][:56], 2)
        age = rng.random() * span_days
        received = NOW - timedelta(days=age)
        is_open = age < open_days
        received_utc = received.astimezone(UTC)
        if is_open:
            path = rng.choices(["received", "assigned", "inspected", "rectification_notice", "penalty"],
                               [10, 25, 15, 35, 15])[0]
        else:
            path = rng.choices(["dismiss", "no_violation", "rectified", "penalty"], [8, 27, 55, 10])[0]
        events: list[tuple] = [(E.RECEIVE, None, S.RECEIVED, None, received_utc, {"complaints": 1})]
        clocks: list[tuple] = []  # (step, days, start, due, open)
        t = received

        def step(days: float) -> datetime:
            nonlocal t
            t = t + timedelta(days=days)
            return t

        assignee = None
        status = S.RECEIVED
        filed_at = closed_at = close_reason = penalty_step = None
        if path == "dismiss":
            clocks.append(("assignment", 3, received.date(), (received + timedelta(days=4)).date(), False))
            events.append((E.DISMISS, S.RECEIVED, S.CLOSED, team[0], step(2).astimezone(UTC),
                           {"reason": "insufficient"}))
            status, closed_at, close_reason = S.CLOSED, t, "insufficient"
        else:
            a_due = (received + timedelta(days=4)).date()
            if path == "received":
                clocks.append(("assignment", 3, received.date(), a_due, True))
            else:
                clocks.append(("assignment", 3, received.date(), a_due, False))
                events.append((E.ASSIGN, S.RECEIVED, S.ASSIGNED, team[0], step(1 + rng.random()).astimezone(UTC),
                               {"officer_ids": team}))
                assignee, status = team[0], S.ASSIGNED
                i_due = (received + timedelta(days=21)).date()
                reached_inspection = path not in ("assigned",)
                clocks.append(("inspection", 15, t.date(), i_due, not reached_inspection))
                if reached_inspection:
                    at_insp = step(3 + rng.random() * 5)
                    found = path != "no_violation"
                    w.add("inspection", id=nid("inspection"), case_id=case_id, reinspection=False,
                          started_at=at_insp.astimezone(UTC), ended_at=(at_insp + timedelta(hours=1)).astimezone(UTC),
                          place="", officer_ids=team, findings="检查", violation_found=found,
                          violation_codes=["rest_day_training"] if found else [], rectified=None, evidence=[])
                    events.append((E.RECORD_INSPECTION, S.ASSIGNED, S.INSPECTED, team[0], at_insp.astimezone(UTC),
                                   {"inspection": ids["inspection"]}))
                    status = S.INSPECTED
                    if path == "no_violation":
                        events.append((E.CLOSE_NO_VIOLATION, S.INSPECTED, S.CLOSED, team[0],
                                       step(1).astimezone(UTC), {}))
                        status, closed_at, close_reason = S.CLOSED, t, "no_violation"
                    elif path in ("rectification_notice", "rectified"):
                        notice_at = step(1 + rng.random() * 2)
                        key = (lead, notice_at.year)
                        doc_seq[key] = doc_seq.get(key, 0) + 1
                        w.add("document", id=nid("document"), case_id=case_id,
                              doc_type=DocumentType.RECTIFICATION_NOTICE, department_id=lead, year=notice_at.year,
                              seq=doc_seq[key], number=f"教{lead}责改〔{notice_at.year}〕{doc_seq[key]}号",
                              title="责令限期改正通知书", addressee="", path=f"x/{ids['document']}.pdf",
                              sha256="0" * 64, size=1000, issued_at=notice_at.astimezone(UTC), issued_by_id=team[0],
                              related_document_id=None)
                        events.append((E.ISSUE_RECTIFICATION, S.INSPECTED, S.RECTIFICATION_NOTICE, team[0],
                                       notice_at.astimezone(UTC), {"document": ids["document"]}))
                        events.append((E.RECORD_SERVICE, None, None, team[0], step(1).astimezone(UTC),
                                       {"document": ids["document"]}))
                        status = S.RECTIFICATION_NOTICE
                        r_due = (t + timedelta(days=15)).date()
                        done = path == "rectified"
                        clocks.append(("rectification", 15, t.date(), r_due, not done))
                        if done:
                            re_at = step(10 + rng.random() * 10)
                            w.add("inspection", id=nid("inspection"), case_id=case_id, reinspection=True,
                                  started_at=re_at.astimezone(UTC), ended_at=None, place="", officer_ids=team,
                                  findings="复查", violation_found=False, violation_codes=[], rectified=True,
                                  evidence=[])
                            events.append((E.CONFIRM_RECTIFIED, S.RECTIFICATION_NOTICE, S.CLOSED, team[0],
                                           re_at.astimezone(UTC), {}))
                            status, closed_at, close_reason = S.CLOSED, t, "rectified"
                    elif path == "penalty":
                        filed_at = step(2)
                        events.append((E.OPEN_PENALTY, S.INSPECTED, S.PENALTY, team[0], filed_at.astimezone(UTC), {}))
                        status, penalty_step = S.PENALTY, PenaltyStep.FILED
                        d_due = (filed_at + timedelta(days=90)).date()
                        done = not is_open
                        clocks.append(("decision", 90, filed_at.date(), d_due, not done))
                        fine = rng.choice([5000, 10000, 20000, 50000])
                        decided = step(20 + rng.random() * 30) if done else None
                        w.add("penalty", id=nid("penalty"), case_id=case_id, intended_penalty="罚款", fine_yuan=fine,
                              confiscation_yuan=0, party_is_person=False, hearing_offered=False, major=False,
                              publish_required=True, outcome="penalty" if done else None,
                              decided_on=decided.date() if decided else None)
                        if done:
                            events.append((E.DECIDE, S.PENALTY, S.PENALTY, team[0], decided.astimezone(UTC),
                                           {"outcome": "penalty", "fine_yuan": fine}))
                            events.append((E.CLOSE_PENALTY, S.PENALTY, S.CLOSED, team[0], step(30).astimezone(UTC), {}))
                            status, penalty_step, closed_at, close_reason = S.CLOSED, None, t, "penalty_executed"
        running_dues = [due for _step, _days, _start, due, running in clocks if running and status is not S.CLOSED]
        w.add("enforcement_case", id=case_id, case_number=f"{county}-{received.year}-{case_id:07d}", status=status,
              penalty_step=penalty_step, version=len(events), region_code=township, lead_department_id=lead,
              cooperating_department_ids=[], institution_id=inst, violation_codes=["rest_day_training"],
              assignee_id=assignee, team_officer_ids=team if assignee else [], jurisdiction_basis="offline_occurrence",
              received_at=received_utc, filed_at=filed_at.astimezone(UTC) if filed_at else None,
              closed_at=closed_at.astimezone(UTC) if closed_at else None, close_reason=close_reason,
              merged_into_id=None, transferred_to="", updated_at=t.astimezone(UTC),
              next_due=min(running_dues, default=None))  # cases.clock_units
        w.add("complaint", id=case_id, tracking_code=f"T{case_id:010d}", idempotency_key=None,
              channel=Channel.HOTLINE_12345, received_at=received_utc, content="周末上课", institution_id=inst,
              reported_name=f"培训机构{inst}", reported_address="", region_code=township,
              violation_codes=["rest_day_training"], refund_related=False, anonymous=False, complainant_name="张三",
              complainant_phone="13800000000", case_id=case_id)
        prev = GENESIS
        for seq, (etype, frm, to, actor, at, payload) in enumerate(events, 1):
            digest = _hash(prev, case_id, seq, etype, frm, to, actor, at, payload)
            w.add("case_event", id=nid("event"), case_id=case_id, seq=seq, event_type=etype, from_status=frm,
                  to_status=to, actor_id=actor, occurred_at=at, payload=payload, prev_hash=prev, hash=digest)
            prev = digest
        for step_key, days, start, due, running in clocks:
            state = DueState.ON_TRACK if running else DueState.MET
            if running and due < TODAY:
                state = DueState.OVERDUE
            w.add("deadline", id=nid("deadline"), case_id=case_id, step=step_key, label=step_key, legal_basis="",
                  kind=DeadlineKind.WORKING, days=days, start_date=start, due_date=due, provisional=False,
                  open=running and status is not S.CLOSED, state=state,
                  met_at=None if running else datetime.combine(start + timedelta(days=2), datetime.min.time(), UTC),
                  paused_since=None, paused_reason="", escalation_level=0, reminded_on=None,
                  region_code=township, department_id=lead, assignee_id=assignee)  # cases.clock_units
        if county == p.counties[0] and "county" not in p.sample_cases and is_open:
            p.sample_cases["county"] = case_id
        if case_id % 20_000 == 0:
            w.flush()
    w.flush()
    p.sample_cases.setdefault("county", 2)
    p.sample_cases["city"] = p.sample_cases["province"] = p.sample_cases["county"]
    w.close()
    p.counts = dict(w.counts)
    loaded = time.perf_counter()
    if engine.dialect.name == "postgresql":
        from sqlalchemy import text

        with engine.begin() as conn:
            for name in ("department", "officer", "institution", "enforcement_case", "complaint", "case_event",
                         "deadline", "inspection", "document", "penalty"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                  f"(SELECT coalesce(max(id), 1) FROM {name}))"))
    _recreate_indexes(engine, dropped)
    indexed = time.perf_counter()
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (ANALYZE)")  # the visibility map too: index-only scans
    print(f"build: rows generated and hashed {loaded - started - w.seconds:.0f} s, written {w.seconds:.0f} s, "
          f"{len(dropped)} secondary indexes rebuilt {indexed - loaded:.0f} s, "
          f"vacuum/analyze {time.perf_counter() - indexed:.0f} s", flush=True)
    return p


def refresh_figures(engine) -> None:  # noqa: ANN001
    """The statistics of every complete month (cases.figures), as the nightly sweep keeps them."""
    from cases import figures
    from cases.db import open_session

    started = time.perf_counter()
    now = datetime.combine(TODAY, time_of_day(1), figures.bureau_zone())
    done = figures.refresh(lambda: open_session(engine), zone=figures.bureau_zone(), today=TODAY, now=now)
    print(f"figures: {len(done.months)} months summed in {time.perf_counter() - started:.1f} s", flush=True)


BIG = ("enforcement_case", "complaint", "case_event", "deadline", "inspection", "document", "penalty")


def _drop_secondary_indexes(engine) -> list[str]:  # noqa: ANN001
    """PostgreSQL: drop the indexes of the big tables that back no constraint (kept: primary keys,
    unique constraints), so the load does not maintain them row by row; their definitions, to
    recreate after."""
    if engine.dialect.name != "postgresql":
        return []
    from sqlalchemy import text

    with engine.begin() as conn:
        rows = conn.execute(text(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class t ON t.oid = i.indrelid WHERE t.relname = ANY(:tables) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)"),
            {"tables": list(BIG)}).all()
        for name, _definition in rows:
            conn.execute(text(f"DROP INDEX {name}"))
    return [definition for _name, definition in rows]


def _recreate_indexes(engine, definitions: list[str]) -> None:  # noqa: ANN001
    if not definitions:
        return
    with engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '1GB'")
        for definition in definitions:
            conn.exec_driver_sql(definition)


# --- measuring ----------------------------------------------------------------------------------------


@dataclass
class Figure:
    name: str
    scope: str
    times: list[float]
    statements: int
    target: float | None  # seconds (p95)
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def p95(self) -> float:
        ordered = sorted(self.times)
        return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


class StatementCounter:
    def __init__(self, engine) -> None:  # noqa: ANN001
        from sqlalchemy import Engine, event

        self.n = 0  # every engine: the app opens its own read engine on SQLite
        event.listen(Engine, "before_cursor_execute", self._count)

    def _count(self, *_args) -> None:  # noqa: ANN002
        self.n += 1


BUDGET_S = 40.0  # per figure: a slow operation is timed fewer times (at least once)


def _time(fn: Callable[[], object], repeats: int, counter: StatementCounter) -> tuple[list[float], int]:
    t0 = time.perf_counter()
    fn()  # warm-up (caches, plans)
    warm = time.perf_counter() - t0
    times, statements = [], 0
    for _ in range(max(1, min(repeats, int(BUDGET_S / max(warm, 1e-3))))):
        before = counter.n
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
        statements = counter.n - before
    return times, statements


COUNTER = StatementCounter(None)
SKIP: set[str] = set()
ONLY: list[str] = []  # --only: name prefixes to time (empty: all)


def _skipped(name: str) -> bool:
    return name in SKIP or bool(ONLY) and not any(name.startswith(o) for o in ONLY)


@contextmanager
def app_client(engine) -> Iterator[object]:  # noqa: ANN001
    from api.main import create_app
    from api.settings import ApiSettings
    from cases.settings import FixedClock

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
    settings = ApiSettings(token_secret=SECRET)
    app = create_app(engine=engine, settings=settings, clock=FixedClock(NOW))
    with TestClient(app) as client:
        yield client


class Captured:
    """The SELECTs one request runs, to EXPLAIN ANALYZE them afterwards (PostgreSQL)."""

    def __init__(self) -> None:
        self.on, self.rows = False, []

    def __call__(self, conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001, PLR0913
        if self.on and statement.lstrip().upper().startswith("SELECT"):
            self.rows.append((statement, parameters))


def explain(engine, client, auth: dict, ops: list, scope: str) -> None:  # noqa: ANN001
    """Server-side execution time of each operation's statements, and the plan of the slowest."""
    from sqlalchemy import Engine, event

    captured = Captured()
    event.listen(Engine, "before_cursor_execute", captured)
    try:
        for name, path, _target in ops:
            captured.on, captured.rows = True, []
            client.get(path, headers={} if name.startswith("web") else auth)
            captured.on = False
            timed = []
            with engine.connect() as conn:
                for statement, params in captured.rows:
                    plan = [r[0] for r in conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement,
                                                               params).all()]
                    ms = float(next(line for line in plan if line.startswith("Execution Time")).split()[2])
                    timed.append((ms, statement, plan))
            total = sum(t[0] for t in timed)
            slowest = max(timed, default=(0.0, "", []))
            print(f"EXPLAIN {scope:<9} {name:<26} {len(timed)} SELECTs, server time {total:8.1f} ms; "
                  f"slowest {slowest[0]:.1f} ms", flush=True)
            for ms, statement, _plan in timed:
                if ms > 10 and ms != slowest[0]:
                    print(f"    {ms:8.1f} ms  " + " ".join(statement.split())[:160])
            if slowest[0] > 20:
                print("    " + " ".join(slowest[1].split())[:600])
                for line in slowest[2]:
                    print("    | " + line)
    finally:
        event.remove(Engine, "before_cursor_execute", captured)


def measure(engine, url: str, p: Province, repeats: int, backend: str,  # noqa: ANN001
            scopes: tuple[str, ...] = ("county", "city", "province"), explain_only: bool = False) -> list[Figure]:
    from sqlmodel import Session

    from api.security import start_session
    from cases.models import Officer

    counter = COUNTER
    figures: list[Figure] = []
    list_target = 0.1 if backend == "postgres" else 0.2
    with app_client(engine) as client, Session(engine) as s:
        for scope in scopes:
            if backend == "sqlite" and scope != "county":
                target = None  # the SQLite targets are for a county
            else:
                target = list_target
            officer = s.get(Officer, p.supervisors[scope])
            token = start_session(s, SECRET.encode(), officer, NOW - timedelta(days=1), timedelta(days=30))
            auth = {"Authorization": f"Bearer {token}"}
            client.cookies.set("enforce_session", token)

            def get(path: str, headers: dict = auth) -> Callable[[], object]:  # noqa: B006
                def run() -> object:
                    answer = client.get(path, headers=headers)
                    if answer.status_code != 200:
                        raise RuntimeError(f"{path}: {answer.status_code} {answer.text[:200]}")
                    return answer
                return run

            first = client.get("/api/v1/cases?limit=1", headers=auth).json()
            total = first["total"]
            deep = max(0, min(total - 50, 10_000))
            cursor = None
            if "next_after" in first:  # the cursor at the deep page's start, found by paging (not timed)
                probe = client.get(f"/api/v1/cases?limit=1&offset={max(0, deep - 1)}", headers=auth).json()
                cursor = probe.get("next_after")
            ops = [
                ("API board", "/api/v1/board", target),
                ("API cases p1", "/api/v1/cases?limit=50", target),
                (f"API cases offset {deep}", f"/api/v1/cases?limit=50&offset={deep}", target),
                *([(f"API cases keyset at {deep}", f"/api/v1/cases?limit=50&after={cursor}", target)]
                  if cursor else []),
                ("API cases overdue", "/api/v1/cases?overdue=true&limit=50", target),
                ("API cases state", "/api/v1/cases?state=rectification_notice&limit=50", target),
                ("API case read", f"/api/v1/cases/{p.sample_cases[scope]}", target),
                ("API stats half-month", "/api/v1/stats", 0.3 if backend == "postgres" else None),
                ("API stats year by region", "/api/v1/stats?start=2025-12-01&end=2026-11-30&by=region",
                 0.3 if backend == "postgres" else None),
                ("web board", "/board", target),
                ("web cases p1", "/cases", target),
                ("web cases deep", "/cases?page=200", target),
            ]
            if explain_only:
                explain(engine, client, auth, [op for op in ops if not _skipped(op[0])], scope)
                continue
            for name, path, tgt in ops:
                if _skipped(name):
                    print(f"{scope:<9} {name:<26} skipped (--skip)", flush=True)
                    continue
                headers = {} if name.startswith("web") else auth
                times, n = _time(get(path, headers), repeats, counter)
                figures.append(Figure(name, scope, times, n, tgt))
                print(_line(figures[-1]), flush=True)
    if not explain_only:
        figures += once(engine, url, backend)
    return figures


def once(engine, url: str, backend: str) -> list[Figure]:  # noqa: ANN001
    """The figures timed once: `enforce stats`, the sweep (twice) and `audit verify`; each can be
    left out with --skip ("enforce stats", "sweep", "audit verify")."""
    out: list[Figure] = []
    for name, run in (("enforce stats", _enforce_stats), ("sweep", _sweeps), ("audit verify", _verify)):
        if _skipped(name):
            print(f"all       {name:<26} skipped (--skip)", flush=True)
            continue
        for figure in run(engine, url, backend):
            out.append(figure)
            print(_line(figure), flush=True)
    return out


def _enforce_stats(engine, _url: str, _backend: str) -> list[Figure]:  # noqa: ANN001
    from sqlmodel import Session

    from cases import repository

    with Session(engine) as s:
        before = COUNTER.n
        t0 = time.perf_counter()
        by_state = repository.count_by_status(s)
        if hasattr(repository, "overdue_summary"):  # what `enforce stats` runs
            repository.overdue_summary(s, TODAY)
        else:  # the checkout before it: every overdue row loaded
            overdue = repository.overdue_deadlines(s, TODAY)
            _ = (sum(by_state.values()), len(overdue), len({r.case_id for r in overdue}))
        return [Figure("enforce stats", "all", [time.perf_counter() - t0], COUNTER.n - before, None)]


def _settle(engine, day: date) -> int:  # noqa: ANN001
    """Every running step as the sweep of `day` left it: its due state, the 督办 level it reached
    and the reminder sent that day (the builder writes none of them; their alerts and events are
    not written). The timed sweep is then one day's work, as in production."""
    from sqlalchemy import bindparam, select, update

    from cases import deadlines
    from cases.enums import DueState
    from cases.models import Deadline
    from cases.service.sweep import load_ladder
    from cases.settings import get_calendar

    calendar, ladder = get_calendar(), load_ladder()
    table = Deadline.__table__
    with engine.begin() as conn:
        rows = conn.execute(select(table.c.id, table.c.due_date)
                            .where(table.c.open, table.c.paused_since.is_(None))).all()
        changes = []
        for row in rows:
            state = deadlines.due_state(row.due_date, day, calendar, soon_working_days=ladder.remind_before,
                                        provisional=True)
            level = 0
            if state is DueState.OVERDUE:
                target = ladder.target(-deadlines.working_days_left(day, row.due_date, calendar, provisional=True))
                level = target.level if target else 0
            reminded = day if state in (DueState.DUE_SOON, DueState.DUE) else None
            changes.append({"k": row.id, "s": state, "l": level, "r": reminded})
        if changes:
            conn.execute(update(table).where(table.c.id == bindparam("k"))
                         .values(state=bindparam("s"), escalation_level=bindparam("l"), reminded_on=bindparam("r")),
                         changes)
    return len(changes)


def _sweeps(engine, _url: str, backend: str) -> list[Figure]:  # noqa: ANN001
    from cases.db import open_session
    from cases.service import sweep_deadlines
    from cases.settings import FixedClock, get_calendar

    calendar = get_calendar()
    yesterday = TODAY - timedelta(days=1)
    while not calendar.is_working_day(yesterday, provisional=True):
        yesterday -= timedelta(days=1)
    started = time.perf_counter()
    settled = _settle(engine, yesterday)
    print(f"sweep: {settled:,} running steps settled as of {yesterday} in {time.perf_counter() - started:.0f} s "
          "(not timed)", flush=True)
    out = []
    # the day's sweep after yesterday's; then the same day again, every reminder and 督办 claimed already
    for name in ("sweep (the day after)", "sweep again (same day)"):
        with open_session(engine) as s:  # as the flow opens it
            before = COUNTER.n
            t0 = time.perf_counter()
            result = sweep_deadlines(s, calendar=calendar, clock=FixedClock(NOW))
            out.append(Figure(name, "all", [time.perf_counter() - t0], COUNTER.n - before,
                              10.0 if backend == "postgres" else None,
                              f"{result.checked} open steps, {result.escalations} 督办, {result.reminders} reminders, "
                              f"{result.states_changed} states changed"))
    return out


def _verify(_engine, url: str, _backend: str) -> list[Figure]:  # noqa: ANN001
    new = _child_verify(url, VERIFY_STREAMING)
    note = (f"{new['events']:,} events / {new['cases']:,} cases, intact={new['intact']}, "
            f"{new['rate']:,.0f} events/s (target ≥ 50,000), peak RSS {new['rss_mb']:.0f} MB (target ≤ 200)")
    if new["events"] <= 700_000:  # the old way holds every event: only where it fits
        old = _child_verify(url, VERIFY_LEGACY)
        note += (f"; all-in-memory baseline {old['seconds']:.1f} s, {old['rss_mb']:.0f} MB "
                 f"(streaming {old['seconds'] / new['seconds']:.1f}× faster)")
    else:
        note += "; all-in-memory baseline not run (would not fit at this size)"
    return [Figure("audit verify", "all", [new["seconds"]], 0, None, note)]


VERIFY_STREAMING = """
from sqlmodel import Session
from cases.audit import verify_log
r = verify_log(Session(engine))
events, cases, intact = r.events, r.cases, r.broken is None
"""
VERIFY_LEGACY = """
from itertools import groupby
from sqlmodel import Session, col, select
from cases.audit import verify_chain
from cases.models import CaseEvent
with Session(engine) as session:
    rows = session.exec(select(CaseEvent).order_by(col(CaseEvent.case_id), col(CaseEvent.seq))).all()
    cases, intact = 0, True
    for _case, chain in groupby(rows, key=lambda e: e.case_id):
        cases += 1
        intact = intact and verify_chain(chain) is None
    events = len(rows)
"""


# The child's own peak: VmHWM of its address space. `ru_maxrss` is not: Linux carries the parent's
# resident size at fork over the exec into the child's figure, so a child of this bench read
# 159–215 MB while the same verification started from a shell peaked at 82–116 MB.
PEAK_RSS = """
def peak_rss_mb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
"""


def _child_verify(url: str, body: str) -> dict:
    """Run a verification in a fresh process: its wall time and its own peak RSS."""
    code = (PEAK_RSS + "import sys, time, json\nfrom cases.db import make_engine\nengine = make_engine(sys.argv[1])\n"
            "t0 = time.perf_counter()\n" + body + "\nseconds = time.perf_counter() - t0\n"
            "print(json.dumps(dict(events=events, cases=cases, intact=intact, seconds=seconds, "
            "rss_mb=peak_rss_mb())))")
    done = subprocess.run([sys.executable, "-c", code, url], capture_output=True, text=True, cwd=ROOT, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["rate"] = result["events"] / result["seconds"]
    return result


def _line(f: Figure) -> str:
    target = f"{f.target * 1000:>7.0f}" if f.target is not None else "      -"
    verdict = "" if f.target is None else ("ok" if f.p95 <= f.target else "MISS")
    return (f"{f.scope:<9} {f.name:<26} median {f.median * 1000:>9.1f} ms  p95 {f.p95 * 1000:>9.1f} ms  "
            f"target p95 {target} ms {verdict:<4}  {f.statements:>4} stmts  {f.note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--cities", type=int, default=10)
    parser.add_argument("--counties-per-city", type=int, default=11)
    parser.add_argument("--scopes", default=None,
                        help="comma-separated: county,city,province (default: all on postgres, county on sqlite, "
                             "whose targets are for a county)")
    parser.add_argument("--skip", default="", help="comma-separated figure names not to time")
    parser.add_argument("--only", default="", help="comma-separated prefixes of the figure names to time")
    parser.add_argument("--explain", action="store_true",
                        help="PostgreSQL: EXPLAIN ANALYZE every operation's statements instead of timing")
    parser.add_argument("--db", help="build once into this SQLite file or PostgreSQL database name (kept), then "
                                     "measure a copy of it (so runs of two checkouts see the same rows)")
    args = parser.parse_args()
    SKIP.update(n for n in args.skip.split(",") if n)
    ONLY.extend(n for n in args.only.split(",") if n)
    os.environ.setdefault("ENFORCE_HOME", tempfile.mkdtemp(prefix="enforce-scale-"))
    from cases.db import make_engine, migrate

    t0 = time.perf_counter()
    if args.db is not None:
        kept = _kept_url(args.backend, args.db)
        fresh = not _has_cases(kept)
        migrate(kept)
        engine = make_engine(kept)
        if fresh:
            build(engine, args.cases, cities=args.cities, counties_per_city=args.counties_per_city)
        refresh_figures(engine)  # once, on the kept database: its copies start clean
        engine.dispose()
    with _database(args.backend, args.db) as url:
        if url is None:
            return
        if args.db is not None:
            if args.backend == "sqlite":
                shutil.copyfile(args.db, url.split("///", 1)[1])
            migrate(url)
            engine = make_engine(url)
            p = _province_of(engine, args.cities, args.counties_per_city)
        else:
            migrate(url)
            engine = make_engine(url)
            p = build(engine, args.cases, cities=args.cities, counties_per_city=args.counties_per_city)
            refresh_figures(engine)
        built = time.perf_counter() - t0
        rows = ", ".join(f"{k} {v:,}" for k, v in p.counts.items())
        print(f"{args.backend}: {p.counts.get('enforcement_case', 0):,} cases ready in {built:.0f} s ({rows})",
              flush=True)
        print(f"{len(p.counties) or args.cities * args.counties_per_city} counties; today {TODAY}; "
              f"up to {args.repeats} timed runs per figure after one warm-up")
        scopes = args.scopes or ("county,city,province" if args.backend == "postgres" else "county")
        print("load average at start: {:.1f} {:.1f} {:.1f} (1, 5, 15 min)".format(*os.getloadavg()), flush=True)
        measure(engine, url, p, args.repeats, args.backend, tuple(scopes.split(",")), explain_only=args.explain)
        print("load average at end: {:.1f} {:.1f} {:.1f} (1, 5, 15 min)".format(*os.getloadavg()), flush=True)
        engine.dispose()


def _kept_url(backend: str, name: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{Path(name).resolve()}"
    from bench.pgtemp import PG_ADMIN

    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"


def _has_cases(url: str) -> bool:
    from sqlalchemy import create_engine, inspect, text

    if url.startswith("postgresql"):
        from bench.pgtemp import PG_ADMIN

        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            name = url.rsplit("/", 1)[1]
            if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    engine = create_engine(url)
    try:
        if "enforcement_case" not in inspect(engine).get_table_names():
            return False
        with engine.connect() as conn:
            return bool(conn.execute(text("SELECT count(*) FROM enforcement_case")).scalar())
    finally:
        engine.dispose()


def _province_of(engine, cities: int, counties_per_city: int) -> Province:  # noqa: ANN001
    """The scopes of a database `build` made (a reused file)."""
    from sqlmodel import Session, func, select

    from cases.models import Case, Department, Officer

    p = Province()
    with Session(engine) as s:
        for scope, code in (("province", "520000"), ("city", "520100"), ("county", "520101")):
            dept = s.exec(select(Department.id).where(Department.region_code == code,
                                                      Department.kind == "education")).one()
            p.supervisors[scope] = s.exec(select(Officer.id).where(Officer.department_id == dept)
                                          .order_by(Officer.id)).first()
        case = s.exec(select(func.min(Case.id)).where(Case.region_code.like("520101%"),
                                                      Case.status != "closed")).one()
        p.sample_cases = dict.fromkeys(("county", "city", "province"), case)
        p.counts = {"enforcement_case": s.exec(select(func.count()).select_from(Case)).one()}
    return p


@contextmanager
def _database(backend: str, kept: str | None = None) -> Iterator[str | None]:
    if backend == "postgres":
        with temporary_database("enforce_scale", template=kept) as url:
            yield url
        return
    with tempfile.TemporaryDirectory(prefix="enforce-scale-") as folder:
        yield f"sqlite:///{folder}/scale.db"


if __name__ == "__main__":
    main()
