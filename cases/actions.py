"""The action table: every case action, once.

Each row names the action (`cases.enums.Action`), the lifecycle events it may fire, the roles that
may take it and who on the case (`Standing`), its input model, the documents it issues, its Chinese
label and description. Everything else is derived from this table: the checked entry point
(`cases.service.perform`), the lifecycle's `authorised` guard (`cases.authority.check`), the API
routes and their OpenAPI text (`api/routes/actions.py`), the web forms and the list of allowed
actions on every case read. The use case of an action is the function registered for it with
`@handles(Action.X)` in `cases/service/`.

Adding an action: a row here (with its input model), the use case, the form in
`api/web/templates/_action_forms.html` — see docs/architecture.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from cases.enums import (
    CaseStatus,
    DecisionOutcome,
    DocumentType,
    Gravity,
    Labeled,
    PauseReason,
    PenaltyType,
    ReviewOutcome,
    Role,
    ServiceMethod,
)
from cases.fields import Code, Day, Id, In, Moment, Sha256, Str128, Str256, Str2000, Str5000, Yuan


class Action(Labeled):
    """The case actions of the action table (`cases.actions.ACTIONS`); the label is what users see."""

    ASSIGN = ("assign", "分派")
    DISMISS = ("dismiss", "不予立案/终止")
    RECORD_INSPECTION = ("record_inspection", "现场检查")
    CLOSE_NO_VIOLATION = ("close_no_violation", "未发现违法结案")
    ISSUE_RECTIFICATION = ("issue_rectification", "下达责令整改通知书")
    RECORD_SERVICE = ("record_service", "登记送达")
    RECORD_REINSPECTION = ("record_reinspection", "复查")
    OPEN_PENALTY = ("open_penalty", "立案")
    COLLECTIVE_DISCUSSION = ("collective_discussion", "集体讨论")
    ISSUE_PENALTY_NOTICE = ("issue_penalty_notice", "制作事先告知书")
    CLOSE_STATEMENT_WINDOW = ("close_statement_window", "陈述申辩期届满")
    HOLD_HEARING = ("hold_hearing", "听证")
    LEGAL_REVIEW = ("legal_review", "法制审核")
    DECIDE = ("decide", "作出决定")
    RECORD_EXECUTION = ("record_execution", "登记执行")
    PUBLISH = ("publish", "公示")
    WITHDRAW_PUBLICATION = ("withdraw_publication", "撤回公示")
    CLOSE_PENALTY = ("close_penalty", "处罚结案")
    EXTEND_TIME_LIMIT = ("extend_time_limit", "延长办案期限")
    ISSUE_HEARING_NOTICE = ("issue_hearing_notice", "制作听证通知书")
    ISSUE_PAYMENT_REMINDER = ("issue_payment_reminder", "制作催告书")
    REVOKE_FILING = ("revoke_filing", "撤销立案")
    TERMINATE_INVESTIGATION = ("terminate_investigation", "终止调查")
    TRANSFER = ("transfer", "移送")
    PAUSE_CLOCK = ("pause_clock", "中止计时")
    RESUME_CLOCK = ("resume_clock", "恢复计时")
    UPLOAD_EVIDENCE = ("upload_evidence", "上传证据")
    ATTACH_SIGNED_RECEIPT = ("attach_signed_receipt", "上传签收的送达回证")


class Standing(Labeled):
    """Who on the case may take an action, beyond holding the role."""

    TEAM = ("team", "本案执法小组成员（承办人/协办人）或本辖区科长")
    JURISDICTION = ("jurisdiction", "本辖区内持该角色的人员")
    INDEPENDENT = ("independent", "非本案调查人员")


Team = list[Id]


class EmptyIn(In):
    """无需填写内容。"""


class AssignIn(In):
    officer_ids: Team = Field(min_length=1, max_length=12, title="执法人员",
                              description="执法小组成员（第一位为主办人）；"
                              "须至少2名持有效执法证、属有管辖权部门的执法人员", examples=[[21, 22]])


class DismissIn(In):
    reason: Literal["duplicate", "transferred", "insufficient"] = Field(
        title="理由",
        description="duplicate 重复线索（并案） / transferred 不属本机关管辖（移送） / insufficient 信息不足")
    merged_into_case_id: Id | None = Field(default=None, title="并入案件编号",
                                           description="并入的案件编号（重复线索时必填）")
    transferred_to: Str128 = Field(default="", title="接收机关", description="接收机关（移送时必填）")
    note: Str2000 = Field(default="", title="备注")


class InspectionIn(In):
    officer_ids: Team = Field(min_length=1, max_length=12, title="执法人员", description="在场执法人员（至少2名持证）")
    findings: Str5000 = Field(title="检查情况", description="检查发现的情况",
                              examples=["周六上午发现23名初中生在上数学课。"])
    violation_codes: list[Code] = Field(default_factory=list, max_length=10, title="违法行为",
                                        description="认定的违法行为；空表示未发现违法",
                                        examples=[["rest_day_training"]])
    place: Str256 = Field(default="", title="检查地点")
    started_at: Moment | None = Field(default=None, title="检查时间", description="检查开始时间（默认现在）")
    institution_id: Id | None = Field(default=None, title="被检查机构", description="被检查机构（关联当事人）")
    evidence: list[Sha256] = Field(default_factory=list, max_length=50, title="现场照片",
                                   description="已上传到本案的证据的 SHA-256（见 POST /cases/{id}/evidence）")
    party_present: Str128 = Field(default="", title="当事人在场人员", description="被检查单位在场人员（姓名、职务）")
    party_refused_to_sign: bool = Field(default=False, title="当事人拒绝签名")
    witness: Str128 = Field(default="", title="见证人", description="当事人拒绝签名时的见证人")


class RectificationIn(In):
    deadline: Day | None = Field(default=None, title="整改期限", description="整改期限（默认：自送达之日起15日）")
    requirements: list[Str2000] | None = Field(default=None, max_length=20, title="整改要求",
                                               description="整改要求（默认按违法行为目录）")


class ServiceIn(In):
    document_id: Id = Field(title="文书")
    method: ServiceMethod = Field(title="送达方式", description="送达方式")
    served_on: Day = Field(title="送达日期", description="送达日期（不晚于今天）")
    recipient: Str128 = Field(default="", title="受送达人", description="受送达人或签收人")
    place: Str256 = Field(default="", title="送达地点")
    refusal_reason: Str2000 = Field(default="", title="拒收理由", description="拒收理由（留置送达）")
    witness: Str128 = Field(default="", title="见证人", description="见证人（留置送达）")
    consent_recorded: bool = Field(default=False, title="当事人同意电子送达",
                                   description="当事人同意并签订确认书（电子送达时必需，行政处罚法第六十一条第二款）")
    public_notice_reason: Str2000 = Field(default="", title="公告送达原因",
                                          description="当事人下落不明或者以其他方式无法送达的原因和经过（公告送达时必填）")


class ReinspectionIn(In):
    officer_ids: Team = Field(min_length=1, max_length=12, title="执法人员")
    findings: Str5000 = Field(title="复查情况", description="复查情况")
    rectified: bool = Field(title="复查结论", description="是否整改到位（到位则结案）")


class PenaltyItemIn(In):
    """One penalty of 校外培训行政处罚暂行办法 art. 5, with its amount or term."""

    type: PenaltyType = Field(title="处罚种类", description=" / ".join(f"{t.value} {t.label}" for t in PenaltyType))
    amount_yuan: Yuan = Field(default=0, title="金额（元）", description="罚款、没收的金额（元）")
    years: int = Field(default=0, ge=0, le=99, title="限制从业年限")
    permanent: bool = Field(default=False, title="永久限制从业")


PenaltyItems = list[PenaltyItemIn]
GRAVITY_HELP = "general 一般 / serious 情节严重 / especially_serious 情节特别严重（条款分档的）"


class OpenPenaltyIn(In):
    penalty: PenaltyItems = Field(max_length=9, title="拟作出的处罚",
                                  description="拟作出的行政处罚，每项一种（校外培训行政处罚暂行办法第五条），罚款、没收须载明金额",
                                  examples=[[{"type": "warning"}, {"type": "confiscate_income", "amount_yuan": 8000}]])
    gravity: Gravity = Field(default=Gravity.GENERAL, title="情节", description=GRAVITY_HELP)
    income_collected_yuan: Yuan | None = Field(default=None, title="所收全部款项（元）",
                                               description="违法所得认定：所收全部款项（第四十二条）；未认定时留空")
    income_refunded_yuan: Yuan = Field(default=0, title="依法已退还的未消课款项（元）")
    party_is_person: bool = Field(default=False, title="当事人为自然人", description="当事人为自然人")
    public_interest: bool = Field(default=False, title="涉及重大公共利益",
                                  description="涉及重大公共利益（须法制审核，校外培训行政处罚暂行办法第三十三条第一款第（一）项）")
    complex_case: bool = Field(default=False, title="疑难复杂案件",
                               description="案件情况疑难复杂、涉及多个法律关系（须法制审核和集体讨论，第三十三条第一款第（三）项）")
    major: bool = Field(default=False, title="其他重大案件",
                        description="其他复杂或者重大的案件（须集体讨论，第三十四条第二款）；法制审核是否必需按规则判断")
    new_serious_violation: bool = Field(default=False, title="新的严重违法行为",
                                        description="发现新的严重违法行为（须有其现场检查笔录）")
    rectification_deadline: Day | None = Field(default=None, title="整改期限", description="同时责令改正时的整改期限")
    violation_on: Day | None = Field(default=None, title="违法行为发生日期",
                                     description="违法行为发生日期；连续或者继续状态的，为行为终了之日（行政处罚法第三十六条）；"
                                     "留空：按认定违法的现场检查日期")
    violation_continuing: bool = Field(default=False, title="连续或继续状态", description="违法行为有连续或者继续状态")
    limitation_extended: bool = Field(default=False, title="涉及生命健康安全、金融安全且有危害后果",
                                      description="追责期限延长至五年（行政处罚法第三十六条第一款）")
    handler_opinion: Str2000 = Field(default="", title="承办人意见", description="立案审批表：承办人意见")


class SummaryIn(In):
    summary: Str5000 = Field(min_length=1, title="情况记录", description="讨论或听证情况")


class HearingIn(SummaryIn):
    chair_id: Id | None = Field(default=None, title="听证主持人",
                                description="听证主持人（非本案调查人员，行政处罚法第六十四条第（四）项；默认本人）")
    party_attended: bool = Field(default=True, title="当事人到场", description="当事人或者其代理人是否到场")
    absence_justified: bool = Field(default=False, title="有正当理由未到场",
                                    description="当事人有正当理由未到场的，延期举行；无正当理由拒不到场的，视为放弃听证")


class HearingNoticeIn(In):
    hearing_on: Day = Field(title="听证日期", description="举行听证的日期（通知书送达后七个工作日以后）")
    place: Str256 = Field(min_length=1, title="听证地点")
    chair: Str128 = Field(default="", title="听证主持人", description="听证主持人姓名（非本案调查人员）")


class ExtensionIn(In):
    days: int = Field(ge=1, le=365, title="延长天数", description="延长的天数（本地规定允许时，行政处罚法第六十条）")
    reason: Str2000 = Field(min_length=1, title="延长理由")


class RevokeFilingIn(In):
    unmet: list[Literal["party_identified", "prima_facie_evidence", "penalty_due", "within_jurisdiction",
                        "within_limitation"]] = Field(
        default_factory=list, max_length=5, title="不符合的立案条件",
        description="经调查不符合的立案条件（校外培训行政处罚暂行办法第二十六条第一款第（一）至（五）项）")
    reason: Str2000 = Field(default="", title="撤销理由")


class ReasonIn(In):
    reason: Str2000 = Field(default="", title="理由")


class TransferIn(In):
    transferred_to: Str128 = Field(default="", title="接收机关")
    reason: Str2000 = Field(default="", title="移送理由")


class StatementIn(In):
    hearing_requested: bool = Field(title="是否申请听证", description="当事人是否申请听证")
    hearing_requested_on: Day | None = Field(default=None, title="听证申请日期",
                                             description="当事人提出听证申请的日期（告知书送达之日起五个工作日内，默认今天）")
    waived: bool = Field(default=False, title="放弃陈述申辩", description="当事人书面放弃陈述申辩")
    statement_summary: Str5000 = Field(default="", title="陈述申辩情况", description="当事人陈述、申辩的内容")
    statement_on: Day | None = Field(default=None, title="陈述申辩日期", description="当事人提出陈述申辩的日期")
    statement_accepted: bool | None = Field(default=None, title="是否采纳",
                                            description="陈述申辩是否采纳（有陈述申辩时必填，行政处罚法第四十五条）")
    statement_answer: Str2000 = Field(default="", title="采纳或不采纳的理由",
                                      description="复核意见：采纳或者不采纳的理由")


class DiscussionIn(In):
    summary: Str5000 = Field(min_length=1, title="讨论情况", description="集体讨论情况和结论")
    participants: list[Str128] = Field(default_factory=list, max_length=30, title="参加讨论的负责人",
                                       description="参加集体讨论的负责人（至少二人，校外培训行政处罚暂行办法第三十四条）")


class OpinionIn(In):
    outcome: ReviewOutcome = Field(title="审核结论", description="passed 通过 / failed 不通过 / returned 退回补充调查")
    opinion: Str5000 = Field(min_length=1, title="审核意见", description="法制审核意见")
    reasons: Str5000 = Field(default="", title="理由", description="不通过或退回补充调查的理由（必填）")
    # the points a 法制审核 covers (国办发〔2018〕118号: 主体、事实、证据、程序、法律适用、裁量), one opinion each
    on_subject: Str2000 = Field(default="", title="主体",
                                description="执法主体是否合法、执法人员是否具备执法资格、当事人认定是否准确")
    on_facts: Str2000 = Field(default="", title="事实", description="案件事实是否清楚")
    on_evidence: Str2000 = Field(default="", title="证据", description="证据是否确凿、充分")
    on_procedure: Str2000 = Field(default="", title="程序", description="程序是否合法")
    on_law: Str2000 = Field(default="", title="法律适用", description="适用法律依据是否准确")
    on_discretion: Str2000 = Field(default="", title="裁量", description="行政裁量是否适当")


REVIEW_POINTS = ("on_subject", "on_facts", "on_evidence", "on_procedure", "on_law", "on_discretion")


class DecideIn(In):
    outcome: DecisionOutcome = Field(title="决定", description="penalty 给予处罚 / no_penalty 不予处罚")
    penalty: PenaltyItems | None = Field(default=None, max_length=9, title="决定的处罚",
                                         description="决定的行政处罚（留空：按事先告知书载明的处罚）；不得重于告知书")
    gravity: Gravity | None = Field(default=None, title="情节", description=GRAVITY_HELP + "；留空：按立案时认定")
    confirm_provisional: bool = Field(default=False, title="确认使用暂定日历",
                                      description="该年度法定节假日安排尚未载入时，确认按暂定日历计算期限（记入案件记录）")
    minor: bool = Field(default=False, title="违法行为轻微")
    corrected_promptly: bool = Field(default=False, title="及时改正")
    harm: bool = Field(default=True, title="造成危害后果")
    harm_minor: bool = Field(default=False, title="危害后果轻微")
    no_fault_proven: bool = Field(default=False, title="有证据足以证明没有主观过错")
    serving_teacher: bool = Field(default=False, title="中小学在职教师")
    subject_training: bool = Field(default=False, title="培训内容为学科类")


class ExecutionIn(In):
    paid_on: Day | None = Field(default=None, title="缴款日期", description="缴款（执行）日期")
    court_enforcement_on: Day | None = Field(default=None, title="申请强制执行日期", description="申请法院强制执行日期")
    remedy_sought_on: Day | None = Field(default=None, title="申请复议或起诉日期",
                                         description="当事人申请行政复议或者提起行政诉讼的日期")
    confirm_provisional: bool = Field(default=False, title="确认使用暂定日历",
                                      description="该年度法定节假日安排尚未载入时，确认按暂定日历计算期限（记入案件记录）")


class PublishIn(In):
    published_on: Day = Field(title="公示日期", description="公示日期（作出决定之日起七个工作日内）")
    confirm_provisional: bool = Field(default=False, title="确认使用暂定日历",
                                      description="该年度法定节假日安排尚未载入时，确认按暂定日历计算期限（记入案件记录）")


class WithdrawIn(In):
    revoked_on: Day = Field(title="决定被变更或撤销日期",
                            description="处罚决定被依法变更、撤销、确认违法或者确认无效的日期")
    reason: Str2000 = Field(min_length=1, title="撤回理由")


class PauseIn(In):
    step: Code = Field(title="环节", description="环节，例如 inspection、decision", examples=["inspection"])
    reason_code: PauseReason = Field(default=PauseReason.OTHER, title="中止类别",
                                     description=" / ".join(f"{r.value} {r.label}" for r in PauseReason)
                                     + "；办案期限（decision）只能因听证、鉴定检测、公告中止（行政处罚法第六十条）")
    reason: Str2000 = Field(min_length=1, title="理由", description="中止计时理由", examples=["等待鉴定"])


class ResumeIn(In):
    step: Code = Field(title="环节", examples=["inspection"])


class EvidenceIn(In):
    sha256: Sha256
    filename: Str256 = ""
    content_type: Str128
    size: int = Field(ge=1)
    path: Str256 = ""  # where the evidence store keeps it
    captured_at: Moment | None = Field(default=None, title="拍摄时间", description="文件自带的拍摄时间")
    capture_source: Literal["", "exif", "mp4"] = Field(default="", title="拍摄时间来源")
    device_at: Moment | None = Field(default=None, title="设备时间", description="上传时手机的时钟")
    latitude: float | None = Field(default=None, ge=-90, le=90, title="纬度")
    longitude: float | None = Field(default=None, ge=-180, le=180, title="经度")
    accuracy_m: float | None = Field(default=None, ge=0, le=100_000, title="定位精度（米）")


class SignedReceiptIn(EvidenceIn):
    """The signed 送达回证 (photo or scan) of a served document: the stored file, and the document."""

    document_id: Id = Field(title="送达的文书")


FIELD = frozenset({Role.OFFICER, Role.SUPERVISOR})
HEAD = frozenset({Role.SUPERVISOR})
OPEN = tuple(s for s in CaseStatus if s is not CaseStatus.CLOSED)
SUPERVISOR_ONLY = "此操作须由本辖区的科长或分管领导办理"


@dataclass(frozen=True)
class ActionSpec:
    action: Action
    body: type[In]
    roles: frozenset[Role]
    standing: Standing
    events: tuple[str, ...] = ()  # lifecycle events the action fires (it is available where one is declared)
    states: tuple[CaseStatus, ...] = ()  # …or states in which it is always available
    documents: tuple[DocumentType, ...] = ()  # documents it issues
    description: str = ""
    mark: str = ""  # one character on the case page's action button
    role_refusal: str = "您的角色无权执行此操作"
    routed: bool = True  # exposed as POST /cases/{id}/actions/{name}; False: reached through its own route
    versioned: bool = True  # needs the case's current version (If-Match)

    @property
    def name(self) -> str:
        return self.action.value

    @property
    def label(self) -> str:
        return self.action.label

    def available(self, status: CaseStatus, declared: set[str]) -> bool:
        return status in self.states or any(e in declared for e in self.events)


A, T, J, IND = Action, Standing.TEAM, Standing.JURISDICTION, Standing.INDEPENDENT
_ROWS = (
    ActionSpec(A.ASSIGN, AssignIn, HEAD, J, ("assign",), description="分派（或改派）执法小组。仅科长/分管领导。",
               mark="派", role_refusal="分派案件须由本辖区的科长或分管领导办理"),
    ActionSpec(A.DISMISS, DismissIn, HEAD, J, ("dismiss",),
               description="重复线索并案、移送或信息不足，终止办理。仅科长/分管领导。", mark="终",
               role_refusal=SUPERVISOR_ONLY),
    ActionSpec(A.RECORD_INSPECTION, InspectionIn, FIELD, T, ("record_inspection",),
               description="登记现场检查：2名以上持证执法人员在场，填写检查情况与证据。本案执法小组成员办理。",
               mark="检"),
    ActionSpec(A.CLOSE_NO_VIOLATION, EmptyIn, FIELD, T, ("close_no_violation",),
               description="检查未发现违法行为，结案。", mark="结"),
    ActionSpec(A.ISSUE_RECTIFICATION, RectificationIn, FIELD, T, ("issue_rectification",),
               documents=(DocumentType.RECTIFICATION_NOTICE, DocumentType.SERVICE_RECEIPT),
               description="下达责令限期改正通知书：编号、生成PDF并存档，同一事务完成。须现场检查已认定违法行为。",
               mark="改"),
    ActionSpec(A.RECORD_SERVICE, ServiceIn, FIELD, T, ("serve_penalty_notice", "serve_decision"),
               (CaseStatus.RECTIFICATION_NOTICE, CaseStatus.PENALTY),
               description="登记文书送达；送达日期起算下一期限。", mark="送"),
    ActionSpec(A.RECORD_REINSPECTION, ReinspectionIn, FIELD, T, ("record_reinspection", "confirm_rectified"),
               description="整改复查：整改到位则结案，未到位则可立案。", mark="复"),
    ActionSpec(A.OPEN_PENALTY, OpenPenaltyIn, HEAD, J, ("open_penalty",),
               documents=(DocumentType.RECTIFICATION_NOTICE, DocumentType.SERVICE_RECEIPT),
               description="立案（科长批准）。从“已检查”立案时同时下达责令改正通知书。", mark="立",
               role_refusal="立案须经本辖区的科长或分管领导批准（校外培训行政处罚暂行办法第二十六条）"),
    ActionSpec(A.COLLECTIVE_DISCUSSION, DiscussionIn, HEAD, J, ("collective_discussion",),
               description="集体讨论（依法应当集体讨论的案件，制作事先告知书之前；至少二名负责人参加）。", mark="议",
               role_refusal="集体讨论由本机关负责人组织（校外培训行政处罚暂行办法第三十四条）"),
    ActionSpec(A.ISSUE_PENALTY_NOTICE, EmptyIn, FIELD, T, ("issue_penalty_notice",),
               documents=(DocumentType.PENALTY_NOTICE,),
               description="制作行政处罚事先告知书；送达后进入陈述申辩期。", mark="告"),
    ActionSpec(A.CLOSE_STATEMENT_WINDOW, StatementIn, FIELD, T, ("close_statement_window",),
               description="陈述申辩、听证申请期届满或当事人放弃。", mark="申"),
    ActionSpec(A.ISSUE_HEARING_NOTICE, HearingNoticeIn, frozenset({Role.LEGAL, Role.SUPERVISOR}), IND,
               ("issue_hearing_notice",), documents=(DocumentType.HEARING_NOTICE, DocumentType.SERVICE_RECEIPT),
               description="制作听证通知书（当事人申请听证时），送达后七个工作日以后举行听证。", mark="通",
               role_refusal="听证由法制审核人员或科长组织、非本案调查人员主持（行政处罚法第六十四条）"),
    ActionSpec(A.HOLD_HEARING, HearingIn, frozenset({Role.LEGAL, Role.SUPERVISOR}), IND, ("hold_hearing",),
               description="举行听证（当事人申请时），由非本案调查人员主持。", mark="听",
               role_refusal="听证由法制审核人员或科长组织、非本案调查人员主持（行政处罚法第六十四条）"),
    ActionSpec(A.LEGAL_REVIEW, OpinionIn, frozenset({Role.LEGAL}), IND, ("legal_review",),
               description="法制审核（法制审核人员，非本案调查人员）：通过、不通过或退回补充调查。", mark="审",
               role_refusal="法制审核须由法制审核人员办理（行政处罚法第五十八条）"),
    ActionSpec(A.DECIDE, DecideIn, HEAD, J, ("decide",), documents=(DocumentType.PENALTY_DECISION,),
               description="作出行政处罚决定（或不予处罚），同时生成决定书。", mark="决",
               role_refusal="行政处罚决定由本机关负责人作出（行政处罚法第五十七条）"),
    ActionSpec(A.RECORD_EXECUTION, ExecutionIn, FIELD, T, ("execute", "apply_court_enforcement"),
               description="登记罚款缴纳（执行完毕）或申请法院强制执行。", mark="执"),
    ActionSpec(A.ISSUE_PAYMENT_REMINDER, EmptyIn, FIELD, T, ("issue_payment_reminder",),
               documents=(DocumentType.PAYMENT_REMINDER, DocumentType.SERVICE_RECEIPT),
               description="缴款期限届满未履行的，制作催告书（行政强制法第五十四条）；送达十个工作日后方可申请法院强制执行。",
               mark="催"),
    ActionSpec(A.PUBLISH, PublishIn, FIELD, T, ("publish",), description="公示处罚决定。", mark="公"),
    ActionSpec(A.WITHDRAW_PUBLICATION, WithdrawIn, HEAD, J, (), (CaseStatus.PENALTY, CaseStatus.CLOSED),
               description="处罚决定被变更、撤销或确认违法、无效的，三日内撤回公示（行政处罚法第四十八条第二款）。",
               mark="回", role_refusal=SUPERVISOR_ONLY),
    ActionSpec(A.CLOSE_PENALTY, EmptyIn, HEAD, J, ("close_penalty",), description="处罚案件结案（科长批准）。",
               mark="结", role_refusal="结案须经本辖区的科长或分管领导批准（校外培训行政处罚暂行办法第三十七条）"),
    ActionSpec(A.EXTEND_TIME_LIMIT, ExtensionIn, HEAD, J, ("extend_time_limit",),
               description="经负责人批准延长办案期限（本地规定允许时，行政处罚法第六十条）。", mark="延",
               role_refusal=SUPERVISOR_ONLY),
    ActionSpec(A.REVOKE_FILING, RevokeFilingIn, HEAD, J, ("revoke_filing",),
               description="经调查不符合立案条件的，撤销立案（校外培训行政处罚暂行办法第二十七条）。", mark="撤",
               role_refusal=SUPERVISOR_ONLY),
    ActionSpec(A.TERMINATE_INVESTIGATION, ReasonIn, HEAD, J, ("terminate_investigation",),
               description="终止调查并结案（校外培训行政处罚暂行办法第三十七条第一款第（三）项）。", mark="止",
               role_refusal=SUPERVISOR_ONLY),
    ActionSpec(A.TRANSFER, TransferIn, HEAD, J, ("transfer",),
               description="作出决定前移送有管辖权的机关；受移送的案件不得再移送（校外培训行政处罚暂行办法第十条）。",
               mark="移", role_refusal=SUPERVISOR_ONLY),
    ActionSpec(A.PAUSE_CLOCK, PauseIn, HEAD, J, (), OPEN,
               description="中止某一环节的计时（须注明理由），例如听证、鉴定期间。", mark="停",
               role_refusal=SUPERVISOR_ONLY),
    ActionSpec(A.RESUME_CLOCK, ResumeIn, HEAD, J, (), OPEN, description="恢复计时；中止期间顺延期限。", mark="续",
               role_refusal=SUPERVISOR_ONLY),
    ActionSpec(A.UPLOAD_EVIDENCE, EvidenceIn, FIELD, T, (), OPEN,
               description="上传现场证据（照片、视频、文件），记入案件记录。", routed=False, versioned=False),
    ActionSpec(A.ATTACH_SIGNED_RECEIPT, SignedReceiptIn, FIELD, T, (), tuple(CaseStatus),
               description="上传已签收的送达回证（照片或扫描件），只写一次存档，记入案件记录。", routed=False,
               versioned=False),
)
ACTIONS: dict[Action, ActionSpec] = {row.action: row for row in _ROWS}
ROUTED: tuple[ActionSpec, ...] = tuple(row for row in _ROWS if row.routed)


def available(status: CaseStatus, declared: set[str]) -> list[ActionSpec]:
    """Routed actions available in `status` given the events the machines declare from there."""
    return [spec for spec in ROUTED if spec.available(status, declared)]
