"""A small real county on each backend, and a context factory with the real renderer and store."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from cases import service as case_service
from cases.authority import Actor
from cases.db import new_session
from cases.enums import Channel, Role
from cases.models import Department, Institution, Officer
from cases.service import Ctx
from cases.settings import FixedClock, get_calendar
from flows.context import actor_for
from flows.demo import seed

TZ = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    """A bureau-local moment, e.g. at("2026-03-02 10:00")."""
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


@dataclass
class County:
    engine: Engine
    store_root: Path

    def session(self) -> Session:
        """A session as the application makes them (on SQLite, writers queue on the file's lock)."""
        return new_session(self.engine)

    def ctx(self, actor: Actor, when: datetime) -> Ctx:
        from documents.render import render_document
        from documents.storage import FileDocumentStore

        return Ctx(actor=actor, clock=FixedClock(when), calendar=get_calendar(), renderer=render_document,
                   store=FileDocumentStore(self.store_root))

    def officer(self, username: str) -> Officer:
        with self.session() as s:
            return s.exec(select(Officer).where(Officer.username == username)).one()

    def actor(self, username: str, when: datetime | None = None) -> Actor:
        with self.session() as s:
            officer = s.exec(select(Officer).where(Officer.username == username)).one()
            return actor_for(officer, s.get(Department, officer.department_id), (when or at("2026-03-02")).date())

    def team(self, *usernames: str) -> list[int]:
        return [self.officer(u).id for u in usernames]

    def institution(self, index: int = 0) -> Institution:
        with self.session() as s:
            return s.exec(select(Institution).order_by(Institution.id).offset(index)).first()

    def intake_actor(self) -> Actor:
        return Actor(None, frozenset({Role.OFFICER}), None, "520122", "12345")


@pytest.fixture
def county(db: Engine, tmp_path: Path) -> County:
    rng = random.Random(7)
    with Session(db, expire_on_commit=False) as session:
        seed.seed_regions(session)
        seed.seed_departments(session, rng, at("2026-01-05").date(), "demo-password-1")
        seed.seed_institutions(session, rng, 40, at("2026-01-05 09:00"))
        session.commit()
    return County(db, tmp_path / "documents")


def complaint(inst: Institution, code: str = "rest_day_training", **kw) -> case_service.ComplaintIn:  # noqa: ANN003
    fields = dict(channel=Channel.HOTLINE_12345, content=f"{inst.name}周末给初中生上数学课，每次二十多人。",
                  region_code=inst.region_code, violation_codes=(code,), reported_name=inst.name,
                  complainant_name="张三丰", complainant_phone="13812345678")
    fields.update(kw)
    return case_service.ComplaintIn(**fields)


Step = Callable[..., object]
