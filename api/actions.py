"""The case actions: one request body per action and the table action → use case.

`POST /cases/{id}/actions/{action}` is registered once per entry of `ACTIONS`. Each entry names
the use case in `cases.service`, the authority key its role check uses (`cases.authority`), the
lifecycle events that make it available (for `allowed_actions`) and how to describe its result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field

from api.fields import Code, Day, Id, In, Moment, Sha256, Str128, Str256, Str2000, Str5000, Yuan
from cases import service as case_service
from cases.enums import CaseStatus, DecisionOutcome, PenaltyStep, ServiceMethod
from cases.lifecycle import declared_events

Team = list[Id]


class EmptyIn(In):
    """无需填写内容。"""


class AssignIn(In):
    officer_ids: Team = Field(min_length=1, max_length=12, description="执法小组成员（第一位为主办人）；"
                              "须至少2名持有效执法证、属有管辖权部门的执法人员", examples=[[21, 22]])


class DismissIn(In):
    reason: Literal["duplicate", "transferred", "insufficient"] = Field(
        description="duplicate 重复线索（并案） / transferred 不属本机关管辖（移送） / insufficient 信息不足")
    merged_into_case_id: Id | None = Field(default=None, description="并入的案件编号（重复线索时必填）")
    transferred_to: Str128 = Field(default="", description="接收机关（移送时必填）")
    note: Str2000 = ""


class InspectionIn(In):
    officer_ids: Team = Field(min_length=1, max_length=12, description="在场执法人员（至少2名持证）")
    findings: Str5000 = Field(description="检查发现的情况", examples=["周六上午发现23名初中生在上数学课。"])
    violation_codes: list[Code] = Field(default_factory=list, max_length=10, description="认定的违法行为；空表示未发现违法",
                                        examples=[["rest_day_training"]])
    place: Str256 = ""
    started_at: Moment | None = Field(default=None, description="检查开始时间（默认现在）")
    institution_id: Id | None = Field(default=None, description="被检查机构（关联当事人）")
    evidence: list[Sha256] = Field(default_factory=list, max_length=50,
                                   description="已上传证据的 SHA-256（见 POST /cases/{id}/evidence）")


class RectificationIn(In):
    deadline: Day | None = Field(default=None, description="整改期限（默认：自送达之日起15日）")
    requirements: list[Str2000] | None = Field(default=None, max_length=20, description="整改要求（默认按违法行为目录）")


class ServiceIn(In):
    document_id: Id
    method: ServiceMethod = Field(description="送达方式")
    served_on: Day = Field(description="送达日期（不晚于今天）")
    recipient: Str128 = Field(default="", description="受送达人或签收人")
    place: Str256 = ""
    refusal_reason: Str2000 = Field(default="", description="拒收理由（留置送达）")
    witness: Str128 = Field(default="", description="见证人（留置送达）")


class ReinspectionIn(In):
    officer_ids: Team = Field(min_length=1, max_length=12)
    findings: Str5000 = Field(description="复查情况")
    rectified: bool = Field(description="是否整改到位（到位则结案）")


class OpenPenaltyIn(In):
    intended_penalty: Str2000 = Field(description="拟作出的行政处罚", examples=["警告，并处罚款人民币10000元"])
    fine_yuan: Yuan = 0
    confiscation_yuan: Yuan = 0
    party_is_person: bool = Field(default=False, description="当事人为自然人")
    major: bool = Field(default=False, description="重大案件（须集体讨论和法制审核）")
    new_serious_violation: bool = Field(default=False, description="发现新的严重违法行为")
    rectification_deadline: Day | None = Field(default=None, description="同时责令改正时的整改期限")


class SummaryIn(In):
    summary: Str5000 = Field(min_length=1, description="讨论或听证情况")


class StatementIn(In):
    hearing_requested: bool = Field(description="当事人是否申请听证")
    waived: bool = Field(default=False, description="当事人书面放弃陈述申辩")
    statement_summary: Str5000 = ""


class OpinionIn(In):
    opinion: Str5000 = Field(min_length=1, description="法制审核意见")


class DecideIn(In):
    outcome: DecisionOutcome = Field(description="penalty 给予处罚 / no_penalty 不予处罚")
    penalty_text: Str2000 = ""
    fine_yuan: Yuan | None = None
    confiscation_yuan: Yuan | None = None


class ExecutionIn(In):
    paid_on: Day | None = Field(default=None, description="缴款（执行）日期")
    court_enforcement_on: Day | None = Field(default=None, description="申请法院强制执行日期")


class PublishIn(In):
    published_on: Day = Field(description="公示日期")


class PauseIn(In):
    step: Code = Field(description="环节，例如 inspection、decision", examples=["inspection"])
    reason: Str2000 = Field(min_length=1, description="中止计时理由", examples=["等待鉴定"])


class ResumeIn(In):
    step: Code = Field(examples=["inspection"])


@dataclass(frozen=True)
class ActionSpec:
    name: str
    label: str
    body: type[In]
    use_case: Callable[..., Any]
    role_key: str  # the `cases.authority.EVENT_ROLES` key the use case checks
    events: tuple[str, ...] = ()  # lifecycle events that make the action available
    states: tuple[CaseStatus, ...] = ()  # …or states in which it is always available
    description: str = ""

    def available(self, status: CaseStatus, step: PenaltyStep | None, declared: set[str]) -> bool:
        return status in self.states or any(e in declared for e in self.events)


OPEN = tuple(s for s in CaseStatus if s is not CaseStatus.CLOSED)
_S = case_service

ACTIONS: dict[str, ActionSpec] = {a.name: a for a in (
    ActionSpec("assign", "分派", AssignIn, _S.assign_case, "assign", ("assign",),
               description="分派（或改派）执法小组。仅科长/分管领导。"),
    ActionSpec("dismiss", "不予立案/终止", DismissIn, _S.dismiss_case, "dismiss", ("dismiss",),
               description="重复线索并案、移送或信息不足，终止办理。仅科长/分管领导。"),
    ActionSpec("record_inspection", "现场检查", InspectionIn, _S.record_inspection, "record_inspection",
               ("record_inspection",), description="登记现场检查：2名以上持证执法人员在场，填写检查情况与证据。"),
    ActionSpec("close_no_violation", "未发现违法结案", EmptyIn, _S.close_no_violation, "close_no_violation",
               ("close_no_violation",), description="检查未发现违法行为，结案。"),
    ActionSpec("issue_rectification", "下达责令整改通知书", RectificationIn, _S.issue_rectification,
               "issue_rectification", ("issue_rectification",),
               description="下达责令限期改正通知书：编号、生成PDF并存档，同一事务完成。"),
    ActionSpec("record_service", "登记送达", ServiceIn, _S.record_service, "record_service",
               ("serve_penalty_notice", "serve_decision"), (CaseStatus.RECTIFICATION_NOTICE,),
               description="登记文书送达；送达日期起算下一期限。"),
    ActionSpec("record_reinspection", "复查", ReinspectionIn, _S.record_reinspection, "record_reinspection",
               ("confirm_rectified",), description="整改复查：整改到位则结案，未到位则可立案。"),
    ActionSpec("open_penalty", "立案", OpenPenaltyIn, _S.open_penalty, "open_penalty", ("open_penalty",),
               description="立案（科长批准）。从“已检查”立案时同时下达责令改正通知书。"),
    ActionSpec("collective_discussion", "集体讨论", SummaryIn, _S.collective_discussion, "collective_discussion",
               ("collective_discussion",), description="重大案件集体讨论。"),
    ActionSpec("issue_penalty_notice", "制作事先告知书", EmptyIn, _S.issue_penalty_notice, "serve_penalty_notice",
               ("serve_penalty_notice",), description="制作行政处罚事先告知书；送达后进入陈述申辩期。"),
    ActionSpec("close_statement_window", "陈述申辩期届满", StatementIn, _S.close_statement_window,
               "close_statement_window", ("close_statement_window",), description="陈述申辩、听证申请期届满或当事人放弃。"),
    ActionSpec("hold_hearing", "听证", SummaryIn, _S.hold_hearing, "hold_hearing", ("hold_hearing",),
               description="举行听证（当事人申请时）。"),
    ActionSpec("legal_review", "法制审核", OpinionIn, _S.legal_review, "legal_review", ("legal_review",),
               description="法制审核（法制审核人员）。"),
    ActionSpec("decide", "作出决定", DecideIn, _S.decide, "decide", ("decide",),
               description="作出行政处罚决定（或不予处罚），同时生成决定书。"),
    ActionSpec("record_execution", "登记执行", ExecutionIn, _S.record_execution, "execute", ("execute",),
               description="登记罚款缴纳（执行完毕）或申请法院强制执行。"),
    ActionSpec("publish", "公示", PublishIn, _S.publish, "publish", ("publish",), description="公示处罚决定。"),
    ActionSpec("close_penalty", "处罚结案", EmptyIn, _S.close_penalty, "close_penalty", ("close_penalty",),
               description="处罚案件结案（科长批准）。"),
    ActionSpec("pause_clock", "中止计时", PauseIn, _S.pause_clock, "pause_clock", (), OPEN,
               description="中止某一环节的计时（须注明理由），例如听证、鉴定期间。"),
    ActionSpec("resume_clock", "恢复计时", ResumeIn, _S.resume_clock, "resume_clock", (), OPEN,
               description="恢复计时；中止期间顺延期限。"),
)}


def available_actions(status: CaseStatus, step: PenaltyStep | None) -> list[ActionSpec]:
    declared = set(declared_events(status, step))
    return [spec for spec in ACTIONS.values() if spec.available(status, step, declared)]
