"""Shared value types (StrEnum): tables, the lifecycle, the API and documents all use these.

The Chinese label of each member is what users see; the value is what is stored and sent.
"""

from __future__ import annotations

from enum import StrEnum


class Labeled(StrEnum):
    """A StrEnum whose members carry a Chinese label: `Member = ("value", "标签")`."""

    label: str  # set on each member by __new__ (an annotation only: not a member)

    def __new__(cls, value: str, label: str = "") -> Labeled:
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.label = label or value
        return obj


class CaseStatus(Labeled):
    RECEIVED = ("received", "已受理")
    ASSIGNED = ("assigned", "已分派")
    INSPECTED = ("inspected", "已检查")
    RECTIFICATION_NOTICE = ("rectification_notice", "责令整改")
    PENALTY = ("penalty", "行政处罚")
    CLOSED = ("closed", "已结案")


class CaseEventType(Labeled):
    """Lifecycle events (state transitions) and recorded actions that do not move the state."""

    # transitions
    ASSIGN = ("assign", "分派")
    DISMISS = ("dismiss", "不予立案/终止")
    RECORD_INSPECTION = ("record_inspection", "现场检查")
    CLOSE_NO_VIOLATION = ("close_no_violation", "未发现违法结案")
    ISSUE_RECTIFICATION = ("issue_rectification", "下达责令整改通知书")
    OPEN_PENALTY = ("open_penalty", "立案")
    CONFIRM_RECTIFIED = ("confirm_rectified", "复查整改到位结案")
    CLOSE_PENALTY = ("close_penalty", "处罚结案")
    REVOKE_FILING = ("revoke_filing", "撤销立案")
    TERMINATE_INVESTIGATION = ("terminate_investigation", "终止调查")
    TRANSFER = ("transfer", "移送")
    # penalty steps (self-transitions of `penalty`, in 行政处罚法 order)
    COLLECTIVE_DISCUSSION = ("collective_discussion", "集体讨论")
    ISSUE_PENALTY_NOTICE = ("issue_penalty_notice", "制作行政处罚事先告知书")
    SERVE_PENALTY_NOTICE = ("serve_penalty_notice", "送达行政处罚事先告知书")
    CLOSE_STATEMENT_WINDOW = ("close_statement_window", "陈述申辩期届满")
    HOLD_HEARING = ("hold_hearing", "听证")
    LEGAL_REVIEW = ("legal_review", "法制审核")
    DECIDE = ("decide", "作出决定")
    SERVE_DECISION = ("serve_decision", "送达决定书")
    EXECUTE = ("execute", "执行")
    PUBLISH = ("publish", "公示")
    EXTEND_TIME_LIMIT = ("extend_time_limit", "延长办案期限")
    ISSUE_HEARING_NOTICE = ("issue_hearing_notice", "制作听证通知书")
    ISSUE_PAYMENT_REMINDER = ("issue_payment_reminder", "制作催告书")
    APPLY_COURT_ENFORCEMENT = ("apply_court_enforcement", "申请法院强制执行")
    RECORD_REINSPECTION = ("record_reinspection", "复查")
    # actions inside a state
    RECEIVE = ("receive", "受理")
    MERGE_COMPLAINT = ("merge_complaint", "合并线索")
    RECORD_SERVICE = ("record_service", "送达")
    UPLOAD_EVIDENCE = ("upload_evidence", "上传证据")
    ATTACH_SIGNED_RECEIPT = ("attach_signed_receipt", "上传签收的送达回证")
    COURT_ENFORCEMENT = ("court_enforcement", "申请法院强制执行")
    RECORD_REMEDY = ("record_remedy", "当事人申请复议或提起诉讼")
    PAUSE_CLOCK = ("pause_clock", "中止计时")
    WITHDRAW_PUBLICATION = ("withdraw_publication", "撤回公示")
    RESUME_CLOCK = ("resume_clock", "恢复计时")
    ESCALATE = ("escalate", "督办")
    RAISE_WHISTLE = ("raise_whistle", "吹哨")
    ANSWER_WHISTLE = ("answer_whistle", "部门报到")
    REVEAL_COMPLAINANT = ("reveal_complainant", "查看举报人信息")
    DEADLINE_RECOMPUTED = ("deadline_recomputed", "期限重算")


class PenaltyStep(Labeled):
    """The 行政处罚法 steps inside the `penalty` state, in their legal order."""

    FILED = ("filed", "立案")
    COLLECTIVE_DISCUSSION = ("collective_discussion", "集体讨论")
    NOTICE_ISSUED = ("notice_issued", "事先告知书已制作")
    NOTICE_SERVED = ("notice_served", "事先告知书送达")
    STATEMENT_CLOSED = ("statement_closed", "陈述申辩/听证申请期届满")
    HEARING_HELD = ("hearing_held", "听证")
    LEGAL_REVIEW = ("legal_review", "法制审核")
    DECIDED = ("decided", "作出处罚决定")
    DECISION_SERVED = ("decision_served", "决定书送达")
    EXECUTED = ("executed", "执行完毕")


class DecisionOutcome(Labeled):
    PENALTY = ("penalty", "给予行政处罚")
    NO_PENALTY = ("no_penalty", "不予行政处罚")


class Role(Labeled):
    OFFICER = ("officer", "执法人员")
    SUPERVISOR = ("supervisor", "科长/分管领导")
    LEGAL = ("legal", "法制审核")
    ADMIN = ("admin", "系统管理员")


class DeadlineKind(Labeled):
    WORKING = ("working", "工作日")
    NATURAL = ("natural", "自然日")


class DueState(Labeled):
    ON_TRACK = ("on_track", "正常")
    DUE_SOON = ("due_soon", "即将到期")
    DUE = ("due", "今日到期")
    OVERDUE = ("overdue", "已逾期")
    PAUSED = ("paused", "已中止计时")
    MET = ("met", "已完成")


class InstitutionCategory(Labeled):
    SUBJECT = ("subject", "学科类")
    SPORTS = ("sports", "非学科类·体育")
    ARTS = ("arts", "非学科类·文化艺术")
    SCIENCE = ("science", "非学科类·科技")
    OTHER = ("other", "非学科类·其他")


class LicenceStatus(Labeled):
    LICENSED = ("licensed", "有证有照")
    UNLICENSED_REGISTERED = ("unlicensed_registered", "无证有照")
    UNLICENSED = ("unlicensed", "无证无照")
    CONVERTED = ("converted", "营转非")


class ListStatus(Labeled):
    NONE = ("none", "未列入")
    WHITE = ("white", "白名单")
    BLACK = ("black", "黑名单")


class Channel(Labeled):
    HOTLINE_12345 = ("hotline_12345", "12345热线")
    SNAPSHOT_APP = ("snapshot_app", "随手拍小程序")
    GRID_OFFICER = ("grid_officer", "网格员")
    SOCIAL_SUPERVISOR = ("social_supervisor", "社会监督员")
    PATROL = ("patrol", "日常巡查")
    WEB = ("web", "网上举报")
    REFERRAL = ("referral", "部门移送")
    LETTER_VISIT = ("letter_visit", "来信来访")
    SUPERIOR = ("superior_referral", "上级交办")


class VisitResult(Labeled):
    """What a patrol team found at a target (巡查结果)."""

    NOTHING_FOUND = ("nothing_found", "未发现问题")
    CLOSED = ("closed", "已关停")
    MOVED = ("moved", "已搬迁")
    VIOLATION = ("violation", "发现违法")


class DocumentType(Labeled):
    RECTIFICATION_NOTICE = ("rectification_notice", "责令限期改正通知书")
    SERVICE_RECEIPT = ("service_receipt", "送达回证")
    INSPECTION_RECORD = ("inspection_record", "现场检查笔录")
    PENALTY_NOTICE = ("penalty_notice", "行政处罚事先告知书")
    PENALTY_DECISION = ("penalty_decision", "行政处罚决定书")
    PATROL_SHEET = ("patrol_sheet", "巡查任务单")
    FORTNIGHTLY_REPORT = ("fortnightly_report", "半月通报")
    HEARING_NOTICE = ("hearing_notice", "听证通知书")
    PAYMENT_REMINDER = ("payment_reminder", "催告书")
    FILING_APPROVAL = ("filing_approval", "立案审批表")  # internal: issued at 立案, not served (53号令 art. 26)


class ServiceMethod(Labeled):
    """送达 methods (民事诉讼法 arts. 87–95)."""

    DIRECT = ("direct", "直接送达")
    LEFT_AT_PREMISES = ("left_at_premises", "留置送达")
    ELECTRONIC = ("electronic", "电子送达")
    POSTAL = ("postal", "邮寄送达")
    PUBLIC_NOTICE = ("public_notice", "公告送达")


class CloseReason(Labeled):
    DUPLICATE = ("duplicate", "重复线索，已并案")
    TRANSFERRED = ("transferred", "不属本机关管辖，已移送")
    INSUFFICIENT = ("insufficient", "线索信息不足，无法核查")
    NO_VIOLATION = ("no_violation", "经核查未发现违法行为")
    RECTIFIED = ("rectified", "整改到位")
    PENALTY_EXECUTED = ("penalty_executed", "处罚执行完毕")
    NO_PENALTY = ("no_penalty", "不予行政处罚")
    COURT_ENFORCEMENT = ("court_enforcement", "已申请法院强制执行")
    FILING_REVOKED = ("filing_revoked", "撤销立案")
    INVESTIGATION_TERMINATED = ("investigation_terminated", "终止调查")


class PauseReason(Labeled):
    """Why a clock is paused; the decision limit excludes only the kinds penalty_law.toml
    [decision_limit] excluded_pauses names (行政处罚法 art. 60)."""

    HEARING = ("hearing", "听证")
    APPRAISAL = ("appraisal", "鉴定、检测")
    PUBLIC_NOTICE = ("public_notice", "公告")
    OTHER = ("other", "其他")


# --- the penalty as data (cases/penalty_law.py; docs/penalty-law.md) ----------------------------


class PenaltyType(Labeled):
    """The kinds of 校外培训行政处罚 (校外培训行政处罚暂行办法 art. 5, items (一)–(六))."""

    WARNING = ("warning", "警告")
    CIRCULATED_CRITICISM = ("circulated_criticism", "通报批评")
    FINE = ("fine", "罚款")
    CONFISCATE_INCOME = ("confiscate_income", "没收违法所得")
    CONFISCATE_PROPERTY = ("confiscate_property", "没收非法财物")
    STOP_ENROLMENT = ("stop_enrolment", "责令停止招收学员")
    STOP_RUNNING = ("stop_running", "责令停止举办")
    REVOKE_LICENCE = ("revoke_licence", "吊销许可证件")
    RESTRICT_PRACTICE = ("restrict_practice", "限制从业")


class Gravity(Labeled):
    """The tiers an article grades (e.g. 校外培训行政处罚暂行办法 arts. 18, 23)."""

    GENERAL = ("general", "一般")
    SERIOUS = ("serious", "情节严重")
    ESPECIALLY_SERIOUS = ("especially_serious", "情节特别严重")


class ReviewOutcome(Labeled):
    """The opinion of a 法制审核 (校外培训行政处罚暂行办法 art. 33, 行政处罚法 art. 58)."""

    PASSED = ("passed", "通过")
    FAILED = ("failed", "不通过")
    RETURNED = ("returned", "退回补充调查")
