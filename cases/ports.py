"""What the domain needs from outside, as Protocols, and the frozen values passed across them.

`documents/` implements `DocumentRenderer` and `DocumentStore`; the domain never imports it.
Snapshots carry only what may be printed on the document: a snapshot addressed to an
institution has no field for complainant data, so none can leak into it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from cases.enums import DocumentType


class Clock(Protocol):
    def now(self) -> datetime: ...
    def today(self) -> date: ...


@dataclass(frozen=True)
class Authority:
    """The issuing authority (发文机关) as printed."""

    name: str  # 某某县教育局
    code: str  # 机关代字 prefix of document numbers, e.g. "某教"
    address: str = ""
    contact: str = ""  # contact person
    phone: str = ""
    review_body: str = ""  # 行政复议机关: the county people's government (行政复议法 art. 24)
    court: str = ""  # 有管辖权的人民法院


@dataclass(frozen=True)
class Party:
    """The party (当事人) a document is addressed to: an institution or a person."""

    name: str
    uscc: str = ""  # 统一社会信用代码, empty for unlicensed operators
    address: str = ""
    legal_representative: str = ""


@dataclass(frozen=True)
class LegalBasis:
    """One violation from the catalogue, as printed: what rule was broken and the penalty basis."""

    violation: str  # 在法定节假日开展学科类培训
    violated_rule: str  # 违反的规定
    penalty_basis: str  # 依据 (article)


@dataclass(frozen=True)
class RectificationNoticeSnapshot:
    number: str  # 某教责改〔2026〕3号
    authority: Authority
    party: Party
    findings: tuple[str, ...]  # 经查 …
    bases: tuple[LegalBasis, ...]
    requirements: tuple[str, ...]  # concrete 整改要求
    deadline: date  # 整改期限
    issued_on: date
    inspection_on: date | None = None
    sealed: bool = True


@dataclass(frozen=True)
class ServiceReceiptSnapshot:
    """送达回证 (民事诉讼法 art. 87)."""

    document_title: str
    document_number: str
    authority: Authority
    party: Party
    method_label: str = ""
    place: str = ""
    served_on: date | None = None
    recipient: str = ""
    refusal_reason: str = ""
    witness: str = ""
    servers: tuple[str, ...] = ()
    issued_on: date | None = None
    sealed: bool = True


@dataclass(frozen=True)
class InspectionRecordSnapshot:
    """现场检查笔录."""

    number: str
    authority: Authority
    party: Party
    started_at: datetime
    ended_at: datetime | None
    place: str
    officers: tuple[tuple[str, str], ...]  # (name, 执法证号)
    findings: tuple[str, ...]
    evidence: tuple[str, ...] = ()
    sealed: bool = False


@dataclass(frozen=True)
class PenaltyNoticeSnapshot:
    """行政处罚事先告知书 (行政处罚法 art. 44; 53号令 arts. 29–31)."""

    number: str
    authority: Authority
    party: Party
    findings: tuple[str, ...]
    bases: tuple[LegalBasis, ...]
    intended_penalty: str
    hearing_offered: bool
    statement_days: int  # 5 working days (53号令 art. 31)
    issued_on: date
    sealed: bool = True


@dataclass(frozen=True)
class PenaltyDecisionSnapshot:
    """行政处罚决定书 (行政处罚法 art. 59), with the remedies and payment notice."""

    number: str
    authority: Authority
    party: Party
    findings: tuple[str, ...]
    bases: tuple[LegalBasis, ...]
    penalty: str
    issued_on: date
    fine_yuan: int = 0
    confiscation_yuan: int = 0
    statement_summary: str = ""
    payment_days: int = 15  # 行政处罚法 art. 67
    surcharge_percent_per_day: int = 3  # art. 72
    review_days: int = 60  # 行政复议法 art. 20
    litigation_months: int = 6  # 行政诉讼法 art. 46
    sealed: bool = True


class DocumentRenderer(Protocol):
    def __call__(self, doc_type: DocumentType, snapshot: object) -> bytes: ...


@dataclass(frozen=True)
class DocumentRef:
    path: str  # relative to the document store root
    sha256: str
    size: int


class DocumentStore(Protocol):
    def put(self, content: bytes, *, name: str) -> DocumentRef: ...
    def get(self, ref: DocumentRef) -> bytes: ...
