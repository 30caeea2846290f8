"""A city plan fans out to one plan per county: mapped tasks on a process pool (the
`patrol-counties` subflow) give the same plans as planning the counties one after the other.

Runs under `prefect_test_harness` (a temporary in-process Prefect API, not the real-server suite
in tests/prefect). Two homes are seeded with the same city of three counties; one is planned with
`fan_out="processes"`, the other with `fan_out="serial"`, and the stored plans are compared.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from cases.db import get_engine, migrate
from cases.enums import InstitutionCategory, LicenceStatus, Role
from cases.errors import ValidationFailed
from cases.models import Department, Institution, Officer, Region
from cases.passwords import hash_password
from cases.patrols.models import PatrolPlan, PatrolTeam
from cases.uscc import normalise_name
from tests.integration.conftest import at

pytestmark = pytest.mark.integration

CITY = "520100"
COUNTIES = {"520102": "南明区", "520103": "云岩区", "520111": "花溪区"}
START = date(2026, 12, 5)  # a Saturday: the window holds that weekend
KINDS = (("education", "教育局", 4), ("market", "市场监督管理局", 3), ("fire", "消防救援大队", 2))


def _seed_city(home: Path, mp: pytest.MonkeyPatch) -> None:
    from tests.conftest import _clear_caches

    mp.setenv("ENFORCE_HOME", str(home))
    _clear_caches()
    migrate()
    rng = random.Random(16)
    password = hash_password("fanout-test-pw-2026")
    with Session(get_engine(), expire_on_commit=False) as s:
        s.add(Region(code="520000", name="贵州省", parent_code=None, level="province"))
        s.add(Region(code=CITY, name="贵阳市", parent_code="520000", level="city"))
        s.flush()
        for code, name in COUNTIES.items():
            s.add(Region(code=code, name=name, parent_code=CITY, level="county"))
            s.flush()
            towns = [f"{code}{i:03d}" for i in (1, 2)]
            for i, town in enumerate(towns):
                s.add(Region(code=town, name=f"{name}第{i + 1}街道", parent_code=code, level="township"))
            s.flush()
            for kind, dept_name, count in KINDS:
                dept = Department(name=name + dept_name, kind=kind, region_code=code, doc_code=name[:1] + kind[:1])
                s.add(dept)
                s.flush()
                for j in range(count):
                    s.add(Officer(username=f"{code}-{kind}-{j}", name=f"{name}{kind}{j}", department_id=dept.id,
                                  roles=[str(Role.OFFICER)], badge_no=f"贵{code}{kind[:2]}{j}",
                                  badge_valid_until=START + timedelta(days=400), password_hash=password))
            for j in range(8):
                licence = LicenceStatus.UNLICENSED if j % 4 == 3 else LicenceStatus.LICENSED
                label = f"{name}第{j + 1}培训中心"
                s.add(Institution(name=label, name_key=normalise_name(label), category=InstitutionCategory.SUBJECT,
                                  licence_status=licence, region_code=rng.choice(towns), student_count=80,
                                  capacity=100, created_at=at("2026-01-05 09:00")))
        s.commit()


@pytest.fixture(scope="module")
def harness() -> Iterator[None]:
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


def _plans() -> dict[str, dict]:
    with Session(get_engine()) as s:
        rows = s.exec(select(PatrolPlan).order_by(PatrolPlan.id)).all()
        sheets = {t.plan_id: t.sheet_document_id for t in s.exec(select(PatrolTeam))}
        assert all(sheets.get(r.id) for r in rows)  # every plan has its task sheets
        return {r.region_code: r.plan_json for r in rows}


def test_city_plan_fans_out_per_county_like_the_serial_path(harness, tmp_path: Path,  # noqa: ANN001
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from flows.patrols import patrol_planning
    from tests.conftest import _clear_caches

    try:
        _seed_city(tmp_path / "pool", monkeypatch)
        with pytest.raises(ValidationFailed, match="未知的分县方式"):
            patrol_planning(start=START, days=2, region_code=CITY, fan_out="everywhere")
        pooled = patrol_planning(start=START, days=2, region_code=CITY, fan_out="processes", time_limit=1.0)
        assert sorted(pooled["plans"]) == sorted(COUNTIES) and all(pooled["plans"].values())
        assert pooled["sheets"] > 0
        by_pool = _plans()
        assert sorted(by_pool) == sorted(COUNTIES)  # one plan per county, none for the city
        again = patrol_planning(start=START, days=2, region_code=CITY, fan_out="processes", time_limit=1.0)
        assert not any(again["plans"].values())  # every county's days are planned already

        _seed_city(tmp_path / "serial", monkeypatch)
        serial = patrol_planning(start=START, days=2, region_code=CITY, fan_out="serial", time_limit=1.0)
        assert sorted(serial["plans"]) == sorted(COUNTIES)
        assert _plans() == by_pool
        assert all(p["days"] and any(d["teams"] for d in p["days"]) for p in by_pool.values())
    finally:
        monkeypatch.delenv("ENFORCE_HOME")
        _clear_caches()
