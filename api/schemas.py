"""Response models (and the public complaint form), separate from the tables.

Descriptions are Chinese: they are what integrators read in /openapi.json.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from cases.enums import Channel
from cases.fields import Code, Id, Moment, Str32, Str64, Str128, Str256, Str5000


class ErrorOut(BaseModel):
    """所有错误响应的统一格式。"""

    code: str = Field(description="稳定的错误代码，供程序判断", examples=["stale_version"])
    message: str = Field(description="给用户看的中文说明",
                         examples=["案件已被他人修改（当前版本 4，提交版本 3），请刷新后重试"])
    detail: dict[str, Any] = Field(default_factory=dict, description="补充信息，例如当前版本号或逐项错误")


# --- auth -----------------------------------------------------------------------------------------


class UserOut(BaseModel):
    id: int
    username: str = Field(examples=["education01"])
    name: str = Field(examples=["王伟"])
    roles: list[str] = Field(description="角色：officer 执法人员 / supervisor 科长 / legal 法制审核 / admin 管理员",
                             examples=[["supervisor"]])
    department_id: int
    department: str = Field(examples=["息烽县教育局"])
    region_code: str = Field(description="辖区（行政区划代码）", examples=["520122"])
    certified: bool = Field(description="今天是否持有有效执法证")


class TokenOut(BaseModel):
    access_token: str = Field(description="访问令牌，放在请求头 Authorization: Bearer <令牌>")
    token_type: str = Field(default="bearer", examples=["bearer"])
    expires_in: int = Field(description="有效期（秒）", examples=[28800])
    user: UserOut


# --- public complaints ----------------------------------------------------------------------------


class ComplaintCreate(BaseModel):
    """举报投诉（线索）。公众可匿名举报；举报人信息受保护，不会出现在发给机构的文书中。"""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "channel": "web", "content": "某某学科辅导周六上午给初中生上数学课，约二十人。", "region_code": "520122100",
        "reported_name": "息烽县启明学科辅导", "reported_address": "息烽县永靖镇新华路12号",
        "violation_codes": ["rest_day_training"], "anonymous": False, "complainant_name": "张三",
        "complainant_phone": "13812345678"}]})

    channel: Channel = Field(default=Channel.WEB,
                             description="来源渠道；公众只能使用 web、snapshot_app、social_supervisor")
    content: Str5000 = Field(min_length=1, description="举报内容（5至5000字）")
    region_code: str = Field(pattern=r"^[0-9]{6,12}$", description="发生地的行政区划代码（县或乡镇）",
                             examples=["520122100"])
    violation_codes: list[Code] = Field(default_factory=list, max_length=10,
                                        description="违法行为类型代码（可不填，由执法人员认定）")
    institution_id: Id | None = Field(default=None, description="被举报机构编号（已知时）")
    reported_name: Str128 = Field(default="", description="被举报机构名称")
    reported_uscc: Str32 = Field(default="", description="被举报机构统一社会信用代码（可不填）")
    reported_phone: Str32 = ""
    reported_address: Str256 = ""
    refund_related: bool = Field(default=False, description="是否涉及退费")
    anonymous: bool = Field(default=False, description="匿名举报：不保存举报人姓名和电话")
    complainant_name: Str32 = Field(default="", description="举报人姓名（受保护）")
    complainant_phone: Str32 = Field(default="", description="举报人电话（受保护）")
    received_at: Moment | None = Field(default=None, description="受理时间（仅工作人员录入热线工单时可填）")
    reference: Str64 = Field(default="", description="工单号或来文编号（仅工作人员）：同一编号只登记一次，"
                                                   "与批量导入热线工单的工单号一致")


class ComplaintReceipt(BaseModel):
    tracking_code: str = Field(description="查询码：凭此查询办理状态", examples=["7K3M9QX2PA"])
    status: str = Field(description="received 已受理 / handling 处理中 / closed 已办结", examples=["received"])
    status_label: str = Field(examples=["已受理"])
    received_on: date
    case_id: int | None = Field(default=None, description="案件编号（仅工作人员可见）")
    merged: bool | None = Field(default=None, description="是否并入已有案件（仅工作人员可见）")


class ComplaintStatus(BaseModel):
    tracking_code: str
    status: str = Field(description="received 已受理 / handling 处理中 / closed 已办结")
    status_label: str = Field(examples=["处理中"])
    received_on: date
    updated_on: date
    stage: str = Field(default="received", description="received 已受理 / assigned 已指派核查 / handling 核查处理 / "
                                                        "closed 已办结")
    stage_label: str = Field(default="已受理", examples=["核查处理"])
    stage_detail: str = Field(default="", description="当前环节的说明（不含举报人、执法人员和被举报机构信息）")
    expected_by: date | None = Field(default=None, description="下一环节的办理期限（办结后为空）")
    outcome: str | None = Field(default=None, description="办结后的处理结果（通俗说明）")


# --- cases ----------------------------------------------------------------------------------------


class DeadlineOut(BaseModel):
    id: int
    step: str = Field(examples=["inspection"])
    label: str = Field(description="环节", examples=["核查（现场检查）"])
    legal_basis: str = Field(description="期限的法律依据")
    kind: str = Field(description="working 工作日 / natural 自然日")
    days: int
    start_date: date
    due_date: date
    working_days_left: int = Field(description="距到期的工作日数；当天到期为0，逾期为负数")
    due_state: str = Field(description="on_track 正常 / due_soon 即将到期 / due 今日到期 / overdue 已逾期 / "
                                       "paused 已中止计时 / met 已完成")
    due_state_label: str = Field(examples=["即将到期"])
    provisional: bool = Field(description="暂定：所跨年度的节假日安排尚未公布")
    open: bool
    paused_since: date | None = None
    paused_reason: str = ""
    escalation_level: int = Field(description="督办级别，0 为未督办")


class ActionOut(BaseModel):
    action: str = Field(examples=["assign"])
    label: str = Field(examples=["分派"])
    path: str = Field(description="执行该操作的接口路径", examples=["/api/v1/cases/12/actions/assign"])


class CaseSummary(BaseModel):
    id: int
    case_number: str = Field(examples=["2026-520122-0012"])
    state: str = Field(description="案件状态", examples=["assigned"])
    state_label: str = Field(examples=["已分派"])
    penalty_step: str | None = Field(default=None, description="处罚程序当前环节（仅行政处罚阶段）")
    penalty_step_label: str | None = None
    version: int = Field(description="版本号：提交操作时放在 If-Match 请求头中")
    region_code: str
    region_name: str = Field(examples=["永靖镇"])
    lead_department_id: int
    lead_department: str = Field(examples=["息烽县教育局"])
    institution_id: int | None = None
    institution_name: str | None = None
    violation_codes: list[str]
    assignee_id: int | None = None
    received_at: datetime
    closed_at: datetime | None = None
    overdue: bool = Field(description="是否有环节已逾期")
    next_deadline: DeadlineOut | None = Field(default=None, description="最近到期的环节")


class CasePage(BaseModel):
    items: list[CaseSummary]
    total: int = Field(description="符合条件的案件总数（total_exact 为 false 时表示“至少”这么多）")
    total_exact: bool = Field(True, description="false：符合条件的超过 total 件，只计到 total 为止")
    limit: int
    offset: int
    next_after: str | None = Field(None, description="下一页的翻页游标（传给 after）；最后一页为空")


class ActionResult(BaseModel):
    kind: str = Field(description="case / document / inspection / penalty / deadline / service")
    id: int | None = None
    number: str | None = Field(default=None, description="文书编号（生成文书时）")


class CaseRead(CaseSummary):
    """案件当前状态、可执行的操作和期限（操作后返回）。"""

    allowed_actions: list[ActionOut] = Field(description="当前状态下您的角色可执行的操作")
    deadlines: list[DeadlineOut] = Field(description="正在计时的期限")
    result: ActionResult | None = Field(default=None, description="本次操作产生的记录")


class EventOut(BaseModel):
    seq: int
    event_type: str = Field(examples=["assign"])
    label: str = Field(examples=["分派"])
    from_status: str | None = None
    to_status: str | None = None
    actor_id: int | None = None
    actor_name: str | None = None
    occurred_at: datetime
    payload: dict[str, Any]


class ComplaintOut(BaseModel):
    id: int
    tracking_code: str
    channel: str
    channel_label: str
    received_at: datetime
    content: str
    anonymous: bool
    complainant_name: str = Field(description="举报人姓名；无权查看时已脱敏")
    complainant_phone: str = Field(description="举报人电话；无权查看时已脱敏")
    revealed: bool = Field(description="本次是否显示了举报人身份（每次显示均记入审计日志）")


class DocumentOut(BaseModel):
    id: int
    case_id: int | None
    doc_type: str
    doc_type_label: str
    number: str = Field(examples=["息教责改〔2026〕1号"])
    title: str
    addressee: str
    sha256: str
    size: int
    issued_at: datetime
    served_on: date | None = Field(default=None, description="送达日期（已送达时）")
    signed_receipt_sha256: str = Field(default="", description="已上传的签收送达回证（证据文件的 SHA-256；未上传为空）")
    pdf_url: str = Field(examples=["/api/v1/documents/3/pdf"])


class InspectionOut(BaseModel):
    id: int
    reinspection: bool
    started_at: datetime
    place: str
    officer_ids: list[int]
    findings: str
    violation_found: bool
    violation_codes: list[str]
    rectified: bool | None
    evidence: list[dict[str, Any]]


class ViolationOut(BaseModel):
    code: str
    name: str
    violated_rule: str
    penalty_basis: str


class PenaltyItemOut(BaseModel):
    type: str = Field(description="处罚种类（校外培训行政处罚暂行办法第五条）")
    amount_yuan: int = 0
    years: int = 0
    permanent: bool = False


class PenaltyOut(BaseModel):
    intended_penalty: str = Field(description="拟作出的处罚（告知书载明的文字）")
    intended_items: list[PenaltyItemOut] = Field(default_factory=list, description="拟作出的处罚（逐项）")
    notice_items: list[PenaltyItemOut] = Field(default_factory=list, description="已送达的告知书载明的处罚")
    decided_items: list[PenaltyItemOut] = Field(default_factory=list, description="决定的处罚")
    gravity: str = Field(default="general",
                         description="情节：general 一般 / serious 情节严重 / especially_serious 情节特别严重")
    income_collected_yuan: int | None = Field(default=None, description="违法所得认定：所收全部款项")
    income_refunded_yuan: int = Field(default=0, description="依法已退还的未消课款项")
    illegal_income_yuan: int | None = Field(default=None, description="违法所得（第四十二条）")
    norms: list[str] = Field(default_factory=list, description="处罚依据条款")
    fine_yuan: int
    confiscation_yuan: int
    major: bool = Field(description="须集体讨论（校外培训行政处罚暂行办法第三十四条，按规则判断）")
    review_required: bool = Field(default=False, description="须法制审核（第三十三条，按规则判断）")
    reviews: list[dict[str, Any]] = Field(default_factory=list, description="法制审核意见（逐次）")
    discussion_participants: list[str] = Field(default_factory=list, description="参加集体讨论的负责人")
    statement_text: str = Field(default="", description="当事人陈述申辩内容")
    statement_on: date | None = Field(default=None, description="陈述申辩日期")
    statement_accepted: bool | None = Field(default=None, description="是否采纳")
    statement_answer: str = Field(default="", description="采纳或不采纳的理由")
    statement_waived: bool = Field(default=False, description="当事人书面放弃陈述申辩")
    hearing_offered: bool
    hearing_requested: bool
    statement_closes_on: date | None
    outcome: str | None
    decided_on: date | None
    decision_served_on: date | None
    executed_on: date | None
    court_enforcement_on: date | None
    published_on: date | None


class CaseDetail(CaseRead):
    """案件详情：状态、期限、可执行操作、办案经过（时间线）、举报线索、检查、文书。"""

    cooperating_department_ids: list[int]
    team_officer_ids: list[int]
    violations: list[ViolationOut]
    close_reason: str | None = None
    close_reason_label: str | None = None
    merged_into_id: int | None = None
    transferred_to: str = ""
    filed_at: datetime | None = None
    timeline: list[EventOut]
    complaints: list[ComplaintOut]
    inspections: list[InspectionOut]
    documents: list[DocumentOut]
    penalty: PenaltyOut | None = None


class EvidenceOut(BaseModel):
    sha256: str = Field(description="证据文件的 SHA-256；在现场检查记录的 evidence 中引用", examples=["9f86d0…"])
    content_type: str = Field(examples=["image/jpeg"])
    size: int
    filename: str


# --- board and statistics -------------------------------------------------------------------------


class BoardItemOut(BaseModel):
    case_id: int
    case_number: str
    institution_name: str | None
    deadline: DeadlineOut


class BoardGroupOut(BaseModel):
    department_id: int
    department: str
    assignee_id: int | None = Field(description="承办人；为空表示尚未分派（由部门负责人分派）")
    assignee: str | None
    overdue: int
    due_soon: int
    max_escalation_level: int
    items: list[BoardItemOut]


class BoardOut(BaseModel):
    today: date
    soon_working_days: int
    overdue: int
    due_soon: int
    groups: list[BoardGroupOut]
    groups_total: int = Field(0, description="分组总数（groups 为其中一页）")
    limit: int = 100
    offset: int = 0


class UnitStatsOut(BaseModel):
    unit_key: str
    unit: str = Field(examples=["息烽县教育局"])
    patrol_person_times: int = Field(description="出动人次")
    institutions_checked: int = Field(description="检查机构数")
    problems_found: int = Field(description="发现问题数")
    notices_issued: int = Field(description="下达整改通知书数")
    cases_opened: int = Field(description="立案数")
    penalties: int = Field(description="处罚数")
    fines_yuan: int = Field(description="罚没金额（元）")
    overdue_steps: int = Field(description="逾期环节数（截至今天）")
    overdue_cases: int = Field(description="有逾期环节的案件数")


class StatsOut(BaseModel):
    start: date
    end: date
    by: str = Field(description="department 按部门 / region 按乡镇（街道）")
    units: list[UnitStatsOut]
    total: UnitStatsOut
