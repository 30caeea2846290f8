"""SQLModel tables. Schema changes go through Alembic (`cases/migrations/`).

Conventions: `_at` columns are UTC-aware datetimes, `_date` / `_on` columns are bureau-local
dates, JSON columns hold small lists. `Case.status` and `Case.penalty_step` are written only by
`cases.lifecycle`; `Case.version` is SQLAlchemy's version counter, so a stale write raises.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, DateTime, Index, Integer, TypeDecorator, UniqueConstraint, text
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel

from cases.enums import (
    CaseEventType,
    CaseStatus,
    Channel,
    DeadlineKind,
    DocumentType,
    DueState,
    InstitutionCategory,
    LicenceStatus,
    ListStatus,
    PenaltyStep,
    ServiceMethod,
)

SQLModel.metadata.naming_convention = {
    "ix": "%(column_0_label)s_idx",
    "uq": "%(table_name)s_%(column_0_name)s_key",
    "ck": "%(table_name)s_%(constraint_name)s_check",
    "fk": "%(table_name)s_%(column_0_name)s_fkey",
    "pk": "%(table_name)s_pkey",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC; always returns aware UTC datetimes (SQLite drops the offset otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store timezone-aware values")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc_column(nullable: bool = False, **kw: Any) -> Any:
    return Field(sa_column=Column(UTCDateTime(), nullable=nullable, **kw), default=None)


def enum_type(enum_cls: type) -> Any:
    """Enums stored as their value in a VARCHAR (no native PG enum types to migrate)."""
    return SAEnum(enum_cls, native_enum=False, create_constraint=False, length=32,
                  values_callable=lambda members: [m.value for m in members])


def json_column() -> Any:
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class Region(SQLModel, table=True):
    """GB/T 2260 region (province → city → county → township); jurisdiction is this tree."""

    code: str = Field(primary_key=True, max_length=12)
    name: str = Field(max_length=64)
    parent_code: str | None = Field(default=None, foreign_key="region.code", index=True)
    level: str = Field(max_length=16)  # province / city / county / township


class Department(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, unique=True)
    kind: str = Field(max_length=32, index=True)  # education, market, police, fire, civil, …
    region_code: str = Field(foreign_key="region.code", index=True)
    doc_code: str = Field(max_length=16)  # 机关代字 for document numbers, e.g. "息教"
    address: str = ""
    phone: str = ""
    review_body: str = ""  # 行政复议机关
    court: str = ""
    contact: str = Field(default="", max_length=32)  # 联系人 printed on documents (migration 0015)
    bank: str = Field(default="", max_length=128)  # 罚没款缴纳银行, printed on the 决定书 (migration 0017)


class Officer(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=32)
    department_id: int = Field(foreign_key="department.id", index=True)
    roles: list[str] = json_column()
    badge_no: str | None = Field(default=None, max_length=32, unique=True)  # 执法证号
    badge_valid_until: date | None = None
    phone: str = ""
    password_hash: str = ""
    active: bool = True
    failed_logins: int = 0
    locked_until: datetime | None = utc_column(nullable=True)

    def certified_on(self, day: date) -> bool:
        return bool(self.active and self.badge_no and self.badge_valid_until and self.badge_valid_until >= day)


class OfficerLeave(SQLModel, table=True):
    __tablename__ = "officer_leave"

    id: int | None = Field(default=None, primary_key=True)
    officer_id: int = Field(foreign_key="officer.id", index=True)
    start_date: date
    end_date: date
    reason: str = ""


class Recusal(SQLModel, table=True):
    """回避: the officer may not act on cases or patrols of this institution."""

    id: int | None = Field(default=None, primary_key=True)
    officer_id: int = Field(foreign_key="officer.id", index=True)
    institution_id: int = Field(foreign_key="institution.id", index=True)
    reason: str = ""


class Institution(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=128)
    name_key: str = Field(max_length=128, index=True)  # cases.uscc.normalise_name
    uscc: str | None = Field(default=None, max_length=18, unique=True)  # 统一社会信用代码
    category: InstitutionCategory = Field(sa_type=enum_type(InstitutionCategory))
    licence_status: LicenceStatus = Field(sa_type=enum_type(LicenceStatus))
    non_profit: bool = False
    address: str = ""
    region_code: str = Field(foreign_key="region.code", index=True)  # township
    phone: str = ""
    legal_representative: str = ""
    list_status: ListStatus = Field(default=ListStatus.NONE, sa_type=enum_type(ListStatus))
    fund_supervision: str = "supervised"  # supervised / not_supervised / abnormal (预收费资金监管)
    student_count: int = 0  # 在读学员数
    capacity: int | None = None  # 核定容量
    risk_grade: str | None = Field(default=None, max_length=1)
    risk_inputs: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = utc_column()


_CASE_VERSION = Column("version", Integer, nullable=False)


class Case(SQLModel, table=True):
    __tablename__ = "enforcement_case"  # "case" is an SQL keyword

    id: int | None = Field(default=None, primary_key=True)
    case_number: str = Field(max_length=32, unique=True)
    # status and penalty_step are written only by cases.lifecycle
    status: CaseStatus = Field(default=CaseStatus.RECEIVED, index=True, sa_type=enum_type(CaseStatus))
    penalty_step: PenaltyStep | None = Field(default=None, sa_type=enum_type(PenaltyStep))
    version: int = Field(default=1, sa_column=_CASE_VERSION)
    region_code: str = Field(foreign_key="region.code", index=True)
    lead_department_id: int = Field(foreign_key="department.id", index=True)
    cooperating_department_ids: list[int] = json_column()
    institution_id: int | None = Field(default=None, foreign_key="institution.id", index=True)
    violation_codes: list[str] = json_column()
    assignee_id: int | None = Field(default=None, foreign_key="officer.id", index=True)
    team_officer_ids: list[int] = json_column()
    jurisdiction_basis: str = "offline_occurrence"  # 53号令 arts. 8–11
    received_at: datetime = utc_column()
    filed_at: datetime | None = utc_column(nullable=True)  # 立案
    closed_at: datetime | None = utc_column(nullable=True)
    close_reason: str | None = None
    merged_into_id: int | None = Field(default=None, foreign_key="enforcement_case.id")
    transferred_to: str = ""
    received_by_transfer: bool = False  # received by 移送: not transferred on (53号令 art. 10 ¶3), migration 0017
    updated_at: datetime = utc_column()
    # the earliest due date of its running clocks (None: none runs), kept by cases.clock_units
    # (migration 0028): the work list's order and its due-date filters read it from an index
    next_due: date | None = None

    __mapper_args__ = {"version_id_col": _CASE_VERSION}  # UPDATE … WHERE version = :old
    __table_args__ = (  # read paths at scale: migration 0016, docs/scale.md
        Index("enforcement_case_received_idx", "received_at", "id", postgresql_include=["region_code"]),  # 0028
        Index("enforcement_case_region_received_idx", "region_code", "received_at", "id"),
        Index("enforcement_case_filed_idx", "filed_at"),
        # the open cases with what the board and the work list group, join and order by, and "my
        # cases" among them (PostgreSQL only: migration 0025)
        Index("enforcement_case_open_idx", "lead_department_id", "assignee_id", "id",
              postgresql_where=text("status <> 'closed'"),
              postgresql_include=["region_code", "institution_id", "received_at", "status", "team_officer_ids"],
              ).ddl_if(dialect="postgresql"),
        # the open cases by region, newest first: the overdue and due-soon lists of a scope (0026)
        Index("enforcement_case_open_region_idx", "region_code", "received_at", "id",
              postgresql_where=text("status <> 'closed'")).ddl_if(dialect="postgresql"),
        # the open cases in the work list's order: next due date first, then the newest (0028)
        Index("enforcement_case_open_next_due_idx", "next_due", text("received_at DESC"), text("id DESC"),
              postgresql_where=text("status <> 'closed'"), postgresql_include=["region_code", "lead_department_id"],
              ).ddl_if(dialect="postgresql"),
        Index("enforcement_case_region_units_idx", "region_code", "id",
              postgresql_include=["lead_department_id", "institution_id"]).ddl_if(dialect="postgresql"),
        Index("enforcement_case_open_team_idx", text("(team_officer_ids::jsonb) jsonb_path_ops"),
              postgresql_using="gin", postgresql_where=text("status <> 'closed'")).ddl_if(dialect="postgresql"),
    )


class Complaint(SQLModel, table=True):
    """线索. Complainant fields are protected: never printed on documents to the institution."""

    id: int | None = Field(default=None, primary_key=True)
    tracking_code: str = Field(max_length=16, unique=True)
    idempotency_key: str | None = Field(default=None, max_length=128, unique=True)
    channel: Channel = Field(sa_type=enum_type(Channel))
    received_at: datetime = utc_column()
    content: str
    institution_id: int | None = Field(default=None, foreign_key="institution.id", index=True)
    reported_name: str = ""
    reported_address: str = ""
    region_code: str = Field(foreign_key="region.code", index=True)
    violation_codes: list[str] = json_column()
    refund_related: bool = False
    anonymous: bool = False
    complainant_name: str = ""  # protected
    complainant_phone: str = ""  # protected
    case_id: int | None = Field(default=None, foreign_key="enforcement_case.id", index=True)


class CaseEvent(SQLModel, table=True):
    """Append-only, hash-chained (全过程记录): `hash` covers the row and the previous hash."""

    __tablename__ = "case_event"
    __table_args__ = (UniqueConstraint("case_id", "seq", name="case_event_case_id_seq_key"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="enforcement_case.id", index=True)
    seq: int
    event_type: CaseEventType = Field(sa_type=enum_type(CaseEventType))
    from_status: CaseStatus | None = Field(default=None, sa_type=enum_type(CaseStatus))
    to_status: CaseStatus | None = Field(default=None, sa_type=enum_type(CaseStatus))
    actor_id: int | None = Field(default=None, foreign_key="officer.id")
    occurred_at: datetime = utc_column()
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


RUNNING_PG = "open AND paused_since IS NULL"
RUNNING_SQLITE = "open = 1 AND paused_since IS NULL"


class Deadline(SQLModel, table=True):
    """One clock of one step of one case (e.g. inspection, rectification, decision)."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="enforcement_case.id", index=True)
    step: str = Field(max_length=32)  # period key in cases/data/periods.toml
    label: str = ""
    legal_basis: str = ""
    kind: DeadlineKind = Field(sa_type=enum_type(DeadlineKind))
    days: int
    start_date: date
    due_date: date = Field(index=True)
    provisional: bool = False  # computed with statutory days only (year without official table)
    open: bool = True  # its index over every clock ever kept went in 0028: the partial indexes serve open clocks
    state: DueState = Field(default=DueState.ON_TRACK, index=True, sa_type=enum_type(DueState))  # by the sweep
    met_at: datetime | None = utc_column(nullable=True)
    paused_since: date | None = None
    paused_reason: str = ""
    paused_reason_code: str = ""  # PauseReason (migration 0017)
    escalation_level: int = 0
    reminded_on: date | None = None
    # the case's, copied into the clock (cases.clock_units, migration 0028): the board groups and
    # scopes the running clocks by them without joining every clock to its case
    region_code: str | None = None
    department_id: int | None = None  # the case's lead department (主办部门)
    assignee_id: int | None = None  # the case's 承办人

    __table_args__ = (  # running clocks (open, not paused) and open steps: migration 0016, docs/scale.md
        Index("deadline_running_due_idx", "due_date", "case_id", postgresql_where=text(RUNNING_PG),
              postgresql_include=["escalation_level", "region_code", "department_id", "assignee_id"],
              sqlite_where=text(RUNNING_SQLITE)),  # include: 0025, 0028
        # a board page's groups, pair by pair, most urgent first (0028)
        Index("deadline_running_group_idx", "department_id", "assignee_id", "due_date",
              postgresql_where=text(RUNNING_PG), sqlite_where=text(RUNNING_SQLITE)),
        Index("deadline_running_case_idx", "case_id", "due_date", postgresql_where=text(RUNNING_PG),
              sqlite_where=text(RUNNING_SQLITE)),
        Index("deadline_open_id_idx", "id", postgresql_where=text("open"), sqlite_where=text("open = 1")),
    )


class Alert(SQLModel, table=True):
    """A reminder before a due date or a 督办 escalation, addressed to a department (and officer)."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: int | None = Field(default=None, foreign_key="enforcement_case.id", index=True)
    deadline_id: int | None = Field(default=None, foreign_key="deadline.id", index=True)
    kind: str = Field(max_length=16)  # reminder / escalation / whistle
    level: int = 0
    department_id: int = Field(foreign_key="department.id", index=True)
    officer_id: int | None = Field(default=None, foreign_key="officer.id", index=True)
    on_date: date
    message: str
    read_at: datetime | None = utc_column(nullable=True)


class Inspection(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    case_id: int | None = Field(default=None, foreign_key="enforcement_case.id", index=True)
    reinspection: bool = False  # 复查
    started_at: datetime = utc_column()
    ended_at: datetime | None = utc_column(nullable=True)
    place: str = ""
    officer_ids: list[int] = json_column()
    findings: str = ""
    violation_found: bool = False
    violation_codes: list[str] = json_column()
    rectified: bool | None = None  # re-inspections only
    evidence: list[dict[str, Any]] = json_column()  # {sha256, filename, content_type, path}

    __table_args__ = (Index("inspection_started_idx", "started_at"),)  # statistics periods: migration 0016


class Document(SQLModel, table=True):
    """An issued document: stored write-once, its SHA-256 here; never re-rendered."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: int | None = Field(default=None, foreign_key="enforcement_case.id", index=True)
    doc_type: DocumentType = Field(index=True, sa_type=enum_type(DocumentType))
    department_id: int = Field(foreign_key="department.id")
    year: int
    seq: int
    number: str = Field(max_length=64, unique=True)  # 机关代字〔2026〕N号
    title: str = ""
    addressee: str = ""
    path: str
    sha256: str = Field(max_length=64)
    size: int
    issued_at: datetime = utc_column()
    issued_by_id: int | None = Field(default=None, foreign_key="officer.id")
    related_document_id: int | None = Field(default=None, foreign_key="document.id")

    __table_args__ = (Index("document_type_issued_idx", "doc_type", "issued_at"),)  # statistics: migration 0016


class Counter(SQLModel, table=True):
    """Gapless sequences: document numbers per authority/type/year, case numbers per region/year."""

    key: str = Field(primary_key=True, max_length=96)
    last: int = 0


class ServiceRecord(SQLModel, table=True):
    """送达: the service date starts the next clock."""

    __tablename__ = "service_record"

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    method: ServiceMethod = Field(sa_type=enum_type(ServiceMethod))
    served_on: date
    place: str = ""
    recipient: str = ""
    refusal_reason: str = ""
    witness: str = ""
    recorded_by_id: int | None = Field(default=None, foreign_key="officer.id")
    recorded_at: datetime = utc_column()
    # the signed 送达回证 uploaded back (photo or scan): a `case_evidence` hash, written once (migration 0023)
    receipt_sha256: str = Field(default="", max_length=64)


class Penalty(SQLModel, table=True):
    """Facts of the penalty procedure; the step pointer itself is `Case.penalty_step`."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="enforcement_case.id", unique=True)
    intended_penalty: str = ""
    fine_yuan: int = 0
    confiscation_yuan: int = 0
    party_is_person: bool = False
    hearing_offered: bool = False
    major: bool = False  # 集体讨论 required before the 告知书 (53号令 art. 34), derived at 立案
    collective_discussion_on: date | None = None
    notice_served_on: date | None = None
    statement_closes_on: date | None = None
    hearing_requested: bool = False
    hearing_held_on: date | None = None
    legal_review_on: date | None = None
    legal_reviewer_id: int | None = Field(default=None, foreign_key="officer.id")
    outcome: str | None = None  # DecisionOutcome
    decided_on: date | None = None
    decision_served_on: date | None = None
    executed_on: date | None = None
    court_enforcement_on: date | None = None
    publish_required: bool = True
    published_on: date | None = None
    # the penalty as data (校外培训行政处罚暂行办法 arts. 5, 42): items as {type, amount_yuan, years, permanent};
    # `intended_penalty` is their printed wording, `fine_yuan`/`confiscation_yuan` their derived figures
    gravity: str = "general"  # Gravity
    intended_items: list[dict[str, Any]] = json_column()
    notice_items: list[dict[str, Any]] = json_column()  # as the served 告知书 stated them
    decided_items: list[dict[str, Any]] = json_column()
    income_collected_yuan: int | None = None
    income_refunded_yuan: int = 0
    illegal_income_yuan: int | None = None  # derived: collected − lawfully refunded unconsumed fees
    correction_refused: bool = False  # a 责令限期改正 was not complied with (53号令 art. 19)
    violation_codes: list[str] = json_column()  # the violations found by inspection that the penalty punishes
    norms: list[str] = json_column()  # the articles the penalty was checked against
    statement_waived: bool = False  # the party waived 陈述申辩 in writing
    # 法制审核 and 集体讨论 by rule (53号令 arts. 33, 34): the grounds given at 立案, what they require
    # (`major` above is now the derived "集体讨论 required"), and every review opinion in order
    public_interest: bool = False
    complex_case: bool = False
    review_required: bool = False
    reviews: list[dict[str, Any]] = json_column()  # {outcome, reviewed_on, reviewer_id, opinion, reasons}
    discussion_participants: list[str] = json_column()
    # 陈述申辩 (行政处罚法 arts. 7, 45): what the party said, when, and whether it was accepted and why
    statement_text: str = ""
    statement_on: date | None = None
    statement_accepted: bool | None = None
    statement_answer: str = ""
    # issue 10 (migration 0017): the rules wired into the procedure's guards (docs/penalty-law.md)
    pauses: list[dict[str, Any]] = json_column()  # decision-limit pauses {reason, paused_on, resumed_on} (art. 60)
    extension_days: int = 0  # approved extension of the 90 days (penalty_law.toml [decision_limit])
    extension_reason: str = ""
    violation_on: date | None = None  # the act, or the end of a continuing act (行政处罚法 art. 36)
    violation_continuing: bool = False
    limitation_extended: bool = False  # 5 years: 生命健康安全、金融安全 with harm (art. 36)
    filing_conditions: list[str] = json_column()  # the 53号令 art. 26 conditions the 立案审批表 found met
    handler_opinion: str = ""  # 承办人意见 on the 立案审批表
    filing_approved_by_id: int | None = None  # the head who approved 立案
    hearing_requested_on: date | None = None
    hearing_on: date | None = None  # as the 听证通知书 states it
    hearing_notice_served_on: date | None = None
    hearing_chair_id: int | None = None
    hearing_waived: bool = False  # unjustified absence (行政处罚法 art. 64(六))
    reminder_served_on: date | None = None  # 催告书 served (行政强制法 art. 54)
    remedy_sought_on: date | None = None  # 复议 applied for or 诉讼 brought
    revoked_on: date | None = None  # the decision changed, revoked or held unlawful or void (art. 48 ¶2)
    withdrawn_on: date | None = None  # its publication withdrawn
    withdrawal_reason: str = ""
    leniency: list[dict[str, Any]] = json_column()  # {kind, reason, citation} applied at the decision

    __table_args__ = (Index("penalty_decided_idx", "decided_on"),)  # statistics periods: migration 0016

class CaseEvidence(SQLModel, table=True):
    """Evidence uploaded to a case (photos, video, files): only these may be cited by its records."""

    __tablename__ = "case_evidence"
    __table_args__ = (UniqueConstraint("case_id", "sha256", name="case_evidence_case_id_sha256_key"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="enforcement_case.id", index=True)
    sha256: str = Field(max_length=64)
    filename: str = Field(default="", max_length=256)
    content_type: str = Field(max_length=128)
    size: int
    path: str = Field(default="", max_length=256)  # in the evidence store (content-addressed)
    uploaded_by_id: int | None = Field(default=None, foreign_key="officer.id")
    uploaded_at: datetime = utc_column()  # the server's receipt time
    # provenance (migration 0018): capture time read from the file ("exif", "mp4" or ""), the
    # device's clock at attaching, and the position the device reported with the officer's permission
    captured_at: datetime | None = utc_column(nullable=True)
    capture_source: str = Field(default="", max_length=16)
    device_at: datetime | None = utc_column(nullable=True)
    latitude: float | None = None
    longitude: float | None = None
    accuracy_m: float | None = None


def key(row: SQLModel) -> int:
    """The primary key of a row that has been flushed (SQLModel types `id` as optional before that)."""
    value = getattr(row, "id", None)
    if not isinstance(value, int):
        raise RuntimeError(f"{type(row).__name__} has no id yet: flush it first")
    return value

class AuthSession(SQLModel, table=True):
    """A signed-in session (web cookie or API token): the token names it, logout and account
    changes end it. Only the SHA-256 of the session id is stored."""

    __tablename__ = "auth_session"

    id: str = Field(primary_key=True, max_length=64)  # sha256 hex of the random session id
    officer_id: int = Field(foreign_key="officer.id", index=True)
    created_at: datetime = utc_column()
    expires_at: datetime = utc_column()
    ended_at: datetime | None = utc_column(nullable=True)
    ended_reason: str = Field(default="", max_length=32)  # logout / password / deactivated / reactivated / roles
    client: str = Field(default="", max_length=64)


class StaffAudit(SQLModel, table=True):
    """Append-only record of changes to departments, officers, roles and passwords. The database
    refuses UPDATE and DELETE on this table (triggers in its migration); rows are hash-chained."""

    __tablename__ = "staff_audit"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = utc_column()
    actor_id: int | None = Field(default=None, foreign_key="officer.id")
    actor_name: str = Field(default="", max_length=64)
    action: str = Field(max_length=32)
    target_kind: str = Field(max_length=16)  # officer / department
    target_id: int | None = None
    target_label: str = Field(default="", max_length=64)
    changes: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    prev_hash: str = Field(default="", max_length=64, unique=True)  # a forked chain fails to commit
    hash: str = Field(max_length=64)


class SupervisionOrder(SQLModel, table=True):
    """督办单 issued by hand to a lower unit about one case, with its own deadline and the unit's
    feedback (migration 0020; `cases/service/supervision.py`)."""

    __tablename__ = "supervision_order"

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=32, unique=True)
    case_id: int = Field(foreign_key="enforcement_case.id", index=True)
    from_department_id: int = Field(foreign_key="department.id", index=True)
    to_department_id: int = Field(foreign_key="department.id", index=True)
    issued_by_id: int | None = Field(default=None, foreign_key="officer.id")
    issued_at: datetime = utc_column()
    requirement: str = Field(max_length=2000)
    due_date: date
    feedback: str = Field(default="", max_length=2000)
    feedback_at: datetime | None = utc_column(nullable=True)
    feedback_by_id: int | None = Field(default=None, foreign_key="officer.id")


class MessageChannel(SQLModel, table=True):
    """One delivery channel of a department: a 企业微信 or 钉钉 group robot webhook, or an SMS
    gateway with its recipients (migration 0020; `cases/messages.py`)."""

    __tablename__ = "message_channel"

    id: int | None = Field(default=None, primary_key=True)
    department_id: int = Field(foreign_key="department.id", index=True)
    kind: str = Field(max_length=16)  # wecom / dingtalk / sms (cases.messages.ChannelKind)
    url: str = Field(max_length=512)
    secret: str = Field(default="", max_length=128)  # 钉钉 signing secret or the SMS gateway's key
    recipients: list[str] = json_column()  # SMS: phone numbers
    active: bool = True


class MessageDelivery(SQLModel, table=True):
    """The delivery log: one message to one channel, its attempts and the last answer."""

    __tablename__ = "message_delivery"

    id: int | None = Field(default=None, primary_key=True)
    channel_id: int = Field(foreign_key="message_channel.id", index=True)
    department_id: int = Field(foreign_key="department.id", index=True)
    case_id: int | None = Field(default=None, foreign_key="enforcement_case.id", index=True)
    topic: str = Field(max_length=24)  # assigned / due_soon / overdue / supervision / review
    text: str = Field(max_length=500)
    state: str = Field(default="pending", max_length=12, index=True)  # pending / sent / failed
    attempts: int = 0
    last_error: str = Field(default="", max_length=256)
    created_at: datetime = utc_column()
    sent_at: datetime | None = utc_column(nullable=True)


# --- statistics by month (cases.figures; docs/scale.md "Statistics by month") ----------------------


class FigureMonth(SQLModel, table=True):
    """The additive figures of `queries.statistics` for one bureau-local month and one unit (the
    case's region and lead department): recomputed from the rows by `figures.refresh`."""

    __tablename__ = "figure_month"

    month: date = Field(primary_key=True)  # the first day of the month
    region_code: str = Field(primary_key=True)
    department_id: int = Field(primary_key=True)
    patrol_person_times: int = 0
    problems_found: int = 0
    notices_issued: int = 0
    cases_opened: int = 0
    penalties: int = 0
    fines_yuan: int = 0


class FigurePlace(SQLModel, table=True):
    """检查机构数 does not add up across months: each place (institution, or -case id for a case
    without one) inspected under a unit, with the months it was inspected in as bits of `months`
    (bit k: month k of the 60-month era `era`, `cases.figures.era_bit`), so a period's count is one
    row per place whatever its length: `months & mask <> 0`."""

    __tablename__ = "figure_place"

    region_code: str = Field(primary_key=True)
    department_id: int = Field(primary_key=True)
    place: int = Field(primary_key=True)
    era: int = Field(primary_key=True)
    months: int = Field(sa_type=BigInteger)


class FigureMonthDone(SQLModel, table=True):
    """A month whose rows above were computed, in which zone and when."""

    __tablename__ = "figure_month_done"

    month: date = Field(primary_key=True)
    zone: str = Field(max_length=64)
    refreshed_at: datetime = utc_column()


class FigureDirty(SQLModel, table=True):
    """A write touched this month's figures after (or while) it was computed: appended by the flush
    hook of `cases.figures` in the writing transaction, removed by the refresh that covers it."""

    __tablename__ = "figure_dirty"

    id: int | None = Field(default=None, primary_key=True)
    month: date = Field(index=True)
