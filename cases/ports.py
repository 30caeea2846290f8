"""What the domain needs from outside, as Protocols, and the frozen values passed across them.

`documents/` implements `DocumentRenderer` and `DocumentStore`; the domain never imports it.
Snapshots carry only what may be printed on the document: a snapshot addressed to an
institution has no field for complainant data, so none can leak into it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
    bank: str = ""  # 罚没款缴纳银行 (the department's configuration)
    department_id: int | None = None  # whose uploaded seal image / certificate the renderer may use


@dataclass(frozen=True)
class OfficerLine:
    """An officer as printed on a document: name and 执法证号."""

    name: str
    certificate_no: str = ""


@dataclass(frozen=True)
class EvidenceLine:
    """One piece of evidence as listed in a 现场检查笔录: what it is and the SHA-256 of its file."""

    description: str  # 现场照片（教室内学生上课）
    sha256: str = ""
    filename: str = ""


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
    officers: tuple[OfficerLine, ...] = ()  # 承办执法人员 with 执法证号
    inspection_record_number: str = ""  # the 现场检查笔录 the findings come from


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
    number: str = ""  # the receipt's own number (机关代字送〔年〕N号)
    document_issued_on: date | None = None  # the served document's date
    server_certificates: tuple[str, ...] = ()  # 执法证号 of `servers`, same order


@dataclass(frozen=True)
class InspectionRecordSnapshot:
    """现场检查笔录 (行政处罚法 arts. 42, 55: two officers, credentials shown, the record signed)."""

    number: str
    authority: Authority
    party: Party
    started_at: datetime
    ended_at: datetime | None
    place: str
    officers: tuple[tuple[str, str], ...]  # (name, 执法证号)
    findings: tuple[str, ...]
    evidence: tuple[str, ...] = ()  # evidence described in words only
    sealed: bool = False
    case_number: str = ""
    present: str = ""  # who of the party was present: 张三（负责人）
    present_phone: str = ""
    credentials_shown: bool = True  # 行政处罚法 art. 55: the officers showed their 执法证件
    evidence_items: tuple[EvidenceLine, ...] = ()  # files taken on site, with their hashes
    recorder: str = ""  # 记录人
    refused_to_sign: bool = False  # the party refused to sign: the witness signs
    refusal_note: str = ""
    witness: str = ""  # 见证人 (name, unit)


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
class FilingCondition:
    """One of the five 立案 conditions of 53号令 art. 26 ¶1 and whether the case meets it."""

    label: str  # （一）有明确的违法当事人
    met: bool


@dataclass(frozen=True)
class FilingApprovalSnapshot:
    """立案审批表 (53号令 art. 26): the five conditions, the 承办人's opinion and the head's approval, as
    recorded at 立案. An internal record of the case file: not served, not sealed."""

    number: str
    authority: Authority
    party: Party
    case_number: str
    cause: str  # 案由: 涉嫌……案
    source: str  # 案件来源: the channel and the day the clue was received
    findings: tuple[str, ...]  # 简要案情 (the inspection's findings)
    bases: tuple[LegalBasis, ...]
    intended_penalty: str
    conditions: tuple[FilingCondition, ...]
    handlers: tuple[OfficerLine, ...]  # 承办人 with 执法证号
    handler_opinion: str
    approver: str  # the head who approved the 立案
    issued_on: date  # the day of the approval (立案之日)
    violation_on: date | None = None  # the act's date, or the end of a continuing act (行政处罚法 art. 36)
    violation_continuing: bool = False
    sealed: bool = False


@dataclass(frozen=True)
class LeniencyNote:
    """A 从重 / 不予处罚 circumstance as the 决定书 states it, with its exact paragraph
    (cases.penalty_law.leniency_notes: 行政处罚法 art. 33; 53号令 arts. 15, 16)."""

    kind: str  # "不予处罚" | "可以不予处罚" | "从重"
    reason: str
    citation: str


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
    evidence: tuple[EvidenceLine, ...] = ()  # what the case holds: records, photos, documents, statements
    review_note: str = ""  # the 法制审核 that preceded the decision (53号令 art. 33)
    leniency: tuple[LeniencyNote, ...] = ()  # the 裁量 circumstances found (从重, 不予处罚) with their articles
    payment_days: int = 15  # 行政处罚法 art. 67
    surcharge_percent_per_day: int = 3  # art. 72
    review_days: int = 60  # 行政复议法 art. 20
    litigation_months: int = 6  # 行政诉讼法 art. 46
    sealed: bool = True


@dataclass(frozen=True)
class HearingNoticeSnapshot:
    """听证通知书 (行政处罚法 art. 64(二)(三)(四)): served at least 7 working days before the hearing."""

    number: str
    authority: Authority
    party: Party
    intended_penalty: str
    requested_on: date
    hearing_on: date
    place: str
    chair: str
    issued_on: date
    sealed: bool = True


@dataclass(frozen=True)
class PaymentReminderSnapshot:
    """催告书 (行政强制法 arts. 35, 54): the decision not performed after its payment period."""

    number: str
    authority: Authority
    party: Party
    decision_number: str
    decision_served_on: date
    penalty: str
    fine_yuan: int
    payment_due: str  # the last day of the 15 days, as printed (marked when provisional)
    surcharge_yuan: str  # 加处罚款 owed on the issue day, to the fen
    performance_days: int  # 十日 (working days, 行政强制法 arts. 54, 69)
    issued_on: date
    sealed: bool = True


@dataclass(frozen=True)
class PatrolMember:
    """One officer of a patrol team, as printed on the task sheet."""

    name: str
    certificate_no: str  # 执法证号
    department: str = ""
    role: str = ""  # 组长 / 组员


@dataclass(frozen=True)
class PatrolTarget:
    """One institution to visit. Never sent to the institution (四不两直)."""

    name: str
    address: str
    risk_grade: str  # A/B/C/D (configurable grading)
    category: str = ""  # 学科类 / 非学科类 …
    focus: str = ""  # 检查重点, e.g. 是否在节假日开展学科类培训


@dataclass(frozen=True)
class PatrolSheetSnapshot:
    """巡查任务单: one team's patrol on one day, with blank result columns to fill in on site."""

    number: str
    authority: Authority
    patrol_date: date
    team: str  # 第一巡查组 / 联合执法第二组
    members: tuple[PatrolMember, ...]
    targets: tuple[PatrolTarget, ...]
    time_window: str = ""  # 9:00—17:00
    occasion: str = ""  # 周末 / 法定节假日（劳动节） / 暑假
    issued_on: date | None = None
    sealed: bool = False


@dataclass(frozen=True)
class UnitStatistics:
    """One unit's row of the fortnightly report (the seeds' own statistics)."""

    unit: str  # 乡镇（街道） or department
    patrol_person_times: int  # 出动人次
    institutions_checked: int  # 检查机构数
    problems_found: int  # 发现问题数
    notices_issued: int  # 下达整改通知书数
    cases_opened: int  # 立案数
    penalties: int  # 处罚数
    fines_yuan: int  # 罚没金额（元）


@dataclass(frozen=True)
class OverdueItem:
    """An overdue deadline listed in the fortnightly report (督办)."""

    reference: str  # case or document number
    institution: str
    unit: str
    step: str  # 整改期限 / 处罚决定期限 …
    due_on: date
    days_overdue: int


@dataclass(frozen=True)
class FortnightlyReportSnapshot:
    """半月通报: statistics per unit for a half-month, charts, and the overdue list."""

    number: str
    authority: Authority
    period_start: date
    period_end: date
    issued_on: date
    units: tuple[UnitStatistics, ...]
    overdue: tuple[OverdueItem, ...] = ()
    highlights: tuple[str, ...] = ()  # paragraphs on the work done / typical cases
    recipients: str = ""  # 主送机关, e.g. 各乡镇人民政府、街道办事处，县直有关单位
    sealed: bool = True
    unverified_overdue: int = 0  # overdue steps of complaints not yet verified: counted, never named
    copy_to: str = ""  # 版记: 抄送机关 (GB/T 9704 §7.4.2)
    printing_office: str = ""  # 版记: 印发机关 (§7.4.3); the issue date is the 印发日期


class DocumentRenderer(Protocol):
    def __call__(self, doc_type: DocumentType, snapshot: object) -> bytes: ...


# The case dossier (案卷): what `cases.service.dossier` gathers and `documents.dossier` binds.

@dataclass(frozen=True)
class EvidenceFile:
    """One evidence file of an inspection: its bytes and what the record says of it."""

    description: str  # 现场照片
    filename: str
    content_type: str
    content: bytes
    sha256: str  # as recorded; checked against the bytes
    taken_on: date | None = None


@dataclass(frozen=True)
class DossierItem:
    """One stored document (its PDF bytes and catalogue data), with the evidence filed after it."""

    number: str  # 文号
    title: str  # 题名
    issued_on: date | None
    pdf: bytes
    sha256: str  # as recorded; checked against the bytes
    author: str = ""  # 责任者 (the issuing authority)
    evidence: tuple[EvidenceFile, ...] = ()
    note: str = ""  # 备注, e.g. 已送达（直接送达，2026年3月10日）


@dataclass(frozen=True)
class DossierCover:
    case_number: str
    cause: str  # 案由
    party: str  # 当事人
    authority: str  # 立卷单位
    filed_on: date | None  # 立案日期
    closed_on: date | None  # 结案日期
    handlers: tuple[str, ...]  # 承办人
    retention: str  # 保管期限
    result: str = ""  # 处理结果
    filed_by: str = ""  # 立卷人
    checked_by: str = ""  # 检查人
    archived_on: date | None = None  # 立卷时间
    notes: tuple[str, ...] = field(default_factory=tuple)  # 备考表 情况说明 lines


@dataclass(frozen=True)
class DocumentRef:
    path: str  # relative to the document store root
    sha256: str
    size: int


class DocumentStore(Protocol):
    def put(self, content: bytes, *, name: str) -> DocumentRef: ...
    def get(self, ref: DocumentRef) -> bytes: ...
