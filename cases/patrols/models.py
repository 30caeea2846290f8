"""Tables of patrol plans and teams (weekend/holiday patrols and joint-enforcement teams).

`PatrolMember` carries the day so the database itself guarantees an officer is on at most one
team a day (unique officer_id + day), whether the team came from a plan or from a 吹哨.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from cases.models import utc_column


class PatrolPlan(SQLModel, table=True):
    __tablename__ = "patrol_plan"

    id: int | None = Field(default=None, primary_key=True)
    start_date: date = Field(index=True)
    end_date: date
    region_code: str = Field(foreign_key="region.code")
    seed: int
    solver: str = Field(max_length=16)
    status: str = Field(max_length=32)
    objective: int
    bound: int
    gap: float
    days: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    draw_pool: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    draw_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    left_out: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    stats: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    plan_json: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = utc_column()
    created_by_id: int | None = Field(default=None, foreign_key="officer.id")


class Whistle(SQLModel, table=True):
    """吹哨: a case or a township asks departments to report (报到) for a joint operation."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: int | None = Field(default=None, foreign_key="enforcement_case.id", index=True)
    region_code: str = Field(foreign_key="region.code")
    raised_by_department_id: int = Field(foreign_key="department.id")
    departments: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # kinds
    reason: str
    rest_day_only: bool = False  # rest-day-training violations are caught on pupil rest days
    raised_at: datetime = utc_column()
    answer_by: date  # 报到 deadline for each department
    slot_date: date | None = None
    state: str = Field(default="open", max_length=16)  # open / scheduled / escalated / done
    raised_by_id: int | None = Field(default=None, foreign_key="officer.id")


class WhistleAnswer(SQLModel, table=True):
    """报到: one department's answer to a whistle."""

    __tablename__ = "whistle_answer"
    __table_args__ = (UniqueConstraint("whistle_id", "department_kind", name="whistle_answer_dept_key"),)

    id: int | None = Field(default=None, primary_key=True)
    whistle_id: int = Field(foreign_key="whistle.id", index=True)
    department_kind: str = Field(max_length=32)
    department_id: int | None = Field(default=None, foreign_key="department.id")
    state: str = Field(default="pending", max_length=16)  # pending / reported / escalated
    answered_at: datetime | None = utc_column(nullable=True)
    escalated_at: datetime | None = utc_column(nullable=True)
    officer_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # who reports
    answered_by_id: int | None = Field(default=None, foreign_key="officer.id")


class PatrolTeam(SQLModel, table=True):
    __tablename__ = "patrol_team"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int | None = Field(default=None, foreign_key="patrol_plan.id", index=True)
    whistle_id: int | None = Field(default=None, foreign_key="whistle.id", index=True)
    day: date = Field(index=True)
    township: str = Field(max_length=12)
    sheet_document_id: int | None = Field(default=None, foreign_key="document.id")


class PatrolMember(SQLModel, table=True):
    __tablename__ = "patrol_member"
    __table_args__ = (UniqueConstraint("officer_id", "day", name="patrol_member_officer_day_key"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="patrol_team.id", index=True)
    officer_id: int = Field(foreign_key="officer.id")
    day: date
    department_kind: str = Field(max_length=32)


class PatrolVisit(SQLModel, table=True):
    __tablename__ = "patrol_visit"

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="patrol_team.id", index=True)
    institution_id: int = Field(foreign_key="institution.id", index=True)
    risk_grade: str = Field(max_length=1)
    reason: str = ""
    result: str | None = None  # cases.patrols.visits.VisitResult once recorded
    findings: str = ""
    evidence: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    case_id: int | None = Field(default=None, foreign_key="enforcement_case.id", index=True)
    recorded_at: datetime | None = utc_column(nullable=True)
    recorded_by_id: int | None = Field(default=None, foreign_key="officer.id")
    version: int = 0  # bumped by every recording; a form based on an older version is refused
