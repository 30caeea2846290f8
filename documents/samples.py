"""Realistic sample snapshots of every document type (fictional names), for the benchmark, the
tests and the page images in `docs/documents/`. `sample(doc_type, pages=3)` makes a long 整改通知书;
`sample_with(doc_type, "short" | "typical" | "long")` varies the content of any type."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta, timezone

from cases import ports
from cases.enums import DocumentType, ServiceMethod

CST = timezone(timedelta(hours=8))

AUTHORITY = ports.Authority(
    name="清河县教育局", code="清教", address="清河县人民路18号教育局三楼执法科",
    contact="王建国", phone="0551-6288 1234", review_body="清河县人民政府", court="清河县人民法院",
    bank="中国农业银行清河县支行（罚没款代收专户）")

PARTY = ports.Party(
    name="清河县启航教育咨询有限公司", uscc="91340100MA2N0QXK4P",
    address="清河县幸福路66号金座大厦5楼502室", legal_representative="李明")

BASES = (
    ports.LegalBasis(
        violation="在法定节假日开展学科类培训",
        violated_rule="《关于进一步减轻义务教育阶段学生作业负担和校外培训负担的意见》；"
                      "《校外培训行政处罚暂行办法》第二十一条第（四）项",
        penalty_basis="《校外培训行政处罚暂行办法》第二十一条、第三十二条；《中华人民共和国行政处罚法》第二十八条"),
)

FINDINGS = (
    "你单位于2026年3月7日（星期六）上午10时许，在清河县幸福路66号金座大厦5楼502室组织"
    "初中二年级学生18人开展数学、物理学科类培训，现场查见授课教师2名、课程表1份、学员签到表1份",
    "你单位未取得学科类校外培训办学许可证，以“思维拓展”“学习能力提升”为名对外招生，"
    "已收取学员培训费用共计人民币45600元",
)

FILLER = (
    "经进一步调查核实，你单位自今年一月起利用周末及寒假时段多次组织义务教育阶段学生参加学科类培训，"
    "相关招生宣传材料、收费凭证、学员名册、授课记录和现场照片已依法调取并附卷，"
    "你单位负责人在询问笔录中对上述事实予以确认，并在现场检查笔录上签字确认"
)

REQUIREMENTS = (
    "立即停止在法定节假日、休息日开展学科类培训",
    "对已收取的学科类培训费用制定退费方案，于整改期限内退还学员家长，并保存退费凭证",
    "撤除经营场所内及网络平台上涉及学科类培训的招生宣传内容",
    "建立规范的课程管理制度，将开设课程向教育部门报备",
)


SHORT_BASES = (
    ports.LegalBasis(violation="在法定节假日开展学科类培训",
                     violated_rule="《校外培训行政处罚暂行办法》第二十一条第（四）项",
                     penalty_basis="《校外培训行政处罚暂行办法》第三十二条"),
)


def rectification_notice(pages: int = 1, **changes: object) -> ports.RectificationNoticeSnapshot:
    """A 整改通知书 that fills `pages` pages (1: one finding and one requirement, the seal on page 1;
    2 and more: all findings and requirements, plus filler findings for the extra pages)."""
    short = pages == 1
    findings = (("你单位于2026年3月7日（星期六）在经营场所组织初中学生18人开展数学学科类培训",) if short
                else FINDINGS + (FILLER,) * {2: 2, 3: 13}.get(pages, 8 * pages - 11))
    values: dict[str, object] = dict(
        number="清教责改〔2026〕3号", authority=AUTHORITY, party=PARTY, findings=findings,
        bases=SHORT_BASES if short else BASES, requirements=REQUIREMENTS[:1] if short else REQUIREMENTS,
        deadline=date(2026, 3, 23), issued_on=date(2026, 3, 9),
        inspection_on=None if short else date(2026, 3, 7),
        sealed=True, officers=() if short else OFFICERS)
    if short:  # no 法定代表人 line, no address line under the contact
        values.update(authority=dataclasses.replace(AUTHORITY, address=""),
                      party=dataclasses.replace(PARTY, legal_representative=""))
    values.update(changes)
    return ports.RectificationNoticeSnapshot(**values)  # type: ignore[arg-type]


OFFICERS = (ports.OfficerLine("王建国", "34010020260018"), ports.OfficerLine("陈晓燕", "34010020260027"))

# "typical" content as the demo county issues it: the inspection's two finding lines, one catalogue
# violation with its full legal basis, the catalogue's requirement, the department's contact lines
TYPICAL_FINDINGS = (
    "执法人员出示执法证件后对清河县启航教育咨询有限公司进行现场检查",
    "现场发现18名中小学生正在接受培训，查看了课表、收费凭证和学员花名册",
)
TYPICAL_REQUIREMENTS = ("立即停止在法定节假日、休息日及寒暑假开展学科类培训，调整培训安排",)
CONTENTS = ("short", "typical", "long")


def _typical_notice(**changes: object) -> ports.RectificationNoticeSnapshot:
    values: dict[str, object] = dict(
        number="清教责改〔2026〕3号", authority=AUTHORITY, party=PARTY, findings=TYPICAL_FINDINGS, bases=BASES,
        requirements=TYPICAL_REQUIREMENTS, deadline=date(2026, 3, 23), issued_on=date(2026, 3, 9),
        inspection_on=date(2026, 3, 7), officers=OFFICERS, inspection_record_number="清教检〔2026〕12号")
    values.update(changes)
    return ports.RectificationNoticeSnapshot(**values)  # type: ignore[arg-type]


def service_receipt(content: str = "typical", **changes: object) -> ports.ServiceReceiptSnapshot:
    values: dict[str, object] = dict(
        number="清教送〔2026〕5号", document_title="责令限期改正通知书", document_number="清教责改〔2026〕3号",
        document_issued_on=date(2026, 3, 9), authority=AUTHORITY, party=PARTY,
        method_label=ServiceMethod.DIRECT.label, place="清河县幸福路66号金座大厦5楼502室",
        served_on=date(2026, 3, 9), recipient="", servers=("王建国", "陈晓燕"),
        server_certificates=("34010020260018", "34010020260027"), issued_on=date(2026, 3, 9))
    if content == "short":
        values.update(method_label="", place="", served_on=None, servers=(), server_certificates=())
    elif content == "long":
        values.update(method_label=ServiceMethod.LEFT_AT_PREMISES.label, recipient="李明（法定代表人）",
                      refusal_reason="当事人法定代表人李明以“需请示公司股东”为由拒绝在送达回证上签名，"
                                     "执法人员当场说明留置送达的法律后果后，将文书留置于其经营场所前台并拍照记录",
                      witness="张卫东（幸福路社区居民委员会工作人员）",
                      party=dataclasses.replace(
                          PARTY, name="清河县启航教育咨询有限公司（原清河县启航文化艺术培训中心）"))
    values.update(changes)
    return ports.ServiceReceiptSnapshot(**values)  # type: ignore[arg-type]


EVIDENCE = (
    ports.EvidenceLine("现场照片（教室内学生上课情况）",
                       "9f2c4e1a7b3d58c6e0f4a2b19d7c3e5f8a1b2c3d4e5f60718293a4b5c6d7e8f9", "IMG_0312.jpg"),
    ports.EvidenceLine("课程表照片",
                       "3b8d1f0e6c2a4957b8e1d3f5a7c9e0b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2c4", "IMG_0315.jpg"),
)


def inspection_record(content: str = "typical", **changes: object) -> ports.InspectionRecordSnapshot:
    values: dict[str, object] = dict(
        number="清教检〔2026〕12号", authority=AUTHORITY, party=PARTY, case_number="清教案〔2026〕7号",
        started_at=datetime(2026, 3, 7, 10, 5, tzinfo=CST), ended_at=datetime(2026, 3, 7, 11, 20, tzinfo=CST),
        place="清河县幸福路66号金座大厦5楼502室",
        officers=(("王建国", "34010020260018"), ("陈晓燕", "34010020260027")),
        present="李明（法定代表人）", present_phone="139 5511 0123",
        findings=TYPICAL_FINDINGS, evidence_items=EVIDENCE, recorder="陈晓燕")
    if content == "short":
        values.update(findings=("现场未发现违规培训行为，培训时间、收费公示符合规定",), evidence_items=(),
                      present="", present_phone="", party=dataclasses.replace(PARTY, legal_representative=""))
    elif content == "long":
        values.update(findings=FINDINGS + (FILLER,) * 3, evidence=("课程表复印件1份", "学员签到表复印件1份"),
                      evidence_items=tuple(dataclasses.replace(e, description=f"{e.description}（{i + 1}）",
                                                               filename=f"IMG_{1000 + i}.jpg")
                                           for i, e in enumerate(EVIDENCE * 4)), refused_to_sign=True,
                      refusal_note="被检查单位负责人李明对检查情况无异议，但以需请示公司股东为由拒绝签名",
                      witness="张卫东（幸福路社区居民委员会工作人员）")
    values.update(changes)
    return ports.InspectionRecordSnapshot(**values)  # type: ignore[arg-type]


def penalty_notice(content: str = "typical", **changes: object) -> ports.PenaltyNoticeSnapshot:
    values: dict[str, object] = dict(
        number="清教罚告〔2026〕2号", authority=AUTHORITY, party=PARTY, findings=FINDINGS, bases=BASES,
        intended_penalty="警告，没收违法所得人民币45600元，并处罚款人民币30000元", hearing_offered=True,
        statement_days=5, issued_on=date(2026, 4, 2))
    if content == "short":
        values.update(findings=FINDINGS[:1], bases=SHORT_BASES, intended_penalty="警告", hearing_offered=False)
    elif content == "long":
        values.update(findings=FINDINGS + (FILLER,) * 4)
    values.update(changes)
    return ports.PenaltyNoticeSnapshot(**values)  # type: ignore[arg-type]


def penalty_decision(content: str = "typical", **changes: object) -> ports.PenaltyDecisionSnapshot:
    values: dict[str, object] = dict(
        number="清教罚决〔2026〕2号", authority=AUTHORITY, party=PARTY, findings=FINDINGS, bases=BASES,
        penalty="警告，没收违法所得人民币45600元，并处罚款人民币30000元", issued_on=date(2026, 4, 20),
        fine_yuan=30000, confiscation_yuan=45600,
        statement_summary="你单位在法定期限内提交了书面陈述申辩意见，称系初次违法且已停止培训。"
                          "本局经复核认为，你单位所述停止培训的情况属实，但违法事实清楚，证据确凿，"
                          "不符合不予处罚的情形，对陈述申辩意见不予采纳",
        evidence=(ports.EvidenceLine("现场检查笔录（清教检〔2026〕7号）", "9f2b" * 16),
                  ports.EvidenceLine("现场照片及资料（IMG_1001.jpg）", "3c1d" * 16),
                  ports.EvidenceLine("行政处罚事先告知书（清教罚告〔2026〕2号）", "a7e4" * 16),
                  ports.EvidenceLine("当事人陈述、申辩意见（2026年4月7日）")),
        review_note="本案经本局法制审核机构审核，于2026年4月15日出具审核通过意见",
        leniency=(ports.LeniencyNote("从重", "2025年6月3日因校外培训违法行为被处理后2年内再次实施",
                                     "《校外培训行政处罚暂行办法》第十六条第（一）项"),))
    if content == "short":
        values.update(findings=FINDINGS[:1], bases=SHORT_BASES, penalty="警告", fine_yuan=0, confiscation_yuan=0,
                      statement_summary="", evidence=(), review_note="", leniency=())
    elif content == "long":
        values.update(findings=FINDINGS + (FILLER,) * 5)
    values.update(changes)
    return ports.PenaltyDecisionSnapshot(**values)  # type: ignore[arg-type]


MEMBERS = (ports.PatrolMember("王建国", "34010020260018", "清河县教育局", "组长"),
           ports.PatrolMember("陈晓燕", "34010020260027", "清河县教育局", "组员"),
           ports.PatrolMember("刘强", "34010020250311", "清河县市场监督管理局", "组员"),
           ports.PatrolMember("赵磊", "34010020240907", "清河县消防救援大队", "组员"))
TARGETS = (
    ports.PatrolTarget("清河县启航教育咨询有限公司", "幸福路66号金座大厦5楼502室", "A", "学科类（无证）",
                       "节假日学科类培训"),
    ports.PatrolTarget("清河县小树苗艺术培训中心", "文昌街12号2楼", "B", "非学科类·文化艺术", "预收费"),
    ports.PatrolTarget("清河县智慧星托管服务部", "滨河小区8栋底商", "A", "托管（疑似隐形变异）", "住家教师"),
    ports.PatrolTarget("清河县蓝天体育俱乐部", "体育路3号", "C", "非学科类·体育", "消防安全"),
    ports.PatrolTarget("清河县博雅书画院", "人民路201号3楼", "D", "非学科类·文化艺术", "培训时间"),
)


def patrol_sheet(content: str = "typical", **changes: object) -> ports.PatrolSheetSnapshot:
    values: dict[str, object] = dict(
        number="清教巡〔2026〕17号", authority=AUTHORITY, patrol_date=date(2026, 5, 2), team="联合巡查第1组（城关镇）",
        members=MEMBERS, targets=TARGETS, time_window="9:00—17:00", occasion="法定节假日（劳动节）",
        issued_on=date(2026, 4, 30))
    if content == "short":  # one target, two officers: one page
        values.update(members=MEMBERS[:2], targets=TARGETS[:1], team="巡查第2组（城关镇）")
    elif content == "long":
        values.update(targets=tuple(dataclasses.replace(t, name=t.name.replace("清河县", f"清河县{n}号"))
                                    for n in range(1, 4) for t in TARGETS))
    values.update(changes)
    return ports.PatrolSheetSnapshot(**values)  # type: ignore[arg-type]


def fortnightly_report(content: str = "typical", **changes: object) -> ports.FortnightlyReportSnapshot:
    rows = (("城关镇", 46, 31, 7, 5, 2, 2, 60000), ("清河街道", 38, 27, 5, 4, 1, 1, 20000),
            ("东湖街道", 29, 18, 3, 3, 0, 0, 0), ("柳林镇", 16, 11, 2, 1, 1, 1, 10000),
            ("白马乡", 9, 6, 0, 0, 0, 0, 0))
    units = tuple(ports.UnitStatistics(*row) for row in rows)
    overdue = (
        ports.OverdueItem("清教责改〔2026〕3号", "清河县启航教育咨询有限公司", "城关镇", "整改期限",
                          date(2026, 3, 23), 4),
        ports.OverdueItem("清教罚告〔2026〕1号", "清河县明德文化传播有限公司", "清河街道", "处罚决定期限",
                          date(2026, 3, 20), 7),
    )
    highlights = (
        "3月1日至3月15日，全县各乡镇（街道）和县直有关部门紧盯双休日，坚持“四不两直”开展校外培训常态化巡查，"
        "累计出动检查人员138人次，检查校外培训机构93家（次），发现问题17个，下达责令限期改正通知书13份",
        "城关镇、清河街道巡查力度较大，问题发现率较高；白马乡本期未发现问题，但检查覆盖面偏低，需进一步加强",
    )
    values: dict[str, object] = dict(
        number="清教通报〔2026〕5号", authority=AUTHORITY, period_start=date(2026, 3, 1),
        period_end=date(2026, 3, 15), issued_on=date(2026, 3, 17), units=units, overdue=overdue,
        highlights=highlights, recipients="各乡镇人民政府、街道办事处，县直有关单位",
        copy_to="县人民政府办公室，县委教育工作领导小组秘书组", printing_office="清河县教育局办公室")
    if content == "short":
        values.update(units=units[:2], overdue=(), highlights=())
    elif content == "long":
        towns = ("城关", "柳林", "白马", "东湖", "青山", "石桥", "新华", "河西",
                 "长岭", "南关", "北关", "西河", "高坪", "安乐", "平安")
        values.update(units=tuple(dataclasses.replace(u, unit=f"{town}镇") for u, town in zip(units * 3, towns,
                                                                                           strict=True)),
                      overdue=tuple(dataclasses.replace(o, reference=o.reference.replace("〕", f"〕{i + 1}"))
                                    for i, o in enumerate(overdue * 8)), highlights=highlights * 3)
    values.update(changes)
    return ports.FortnightlyReportSnapshot(**values)  # type: ignore[arg-type]


def hearing_notice(content: str = "typical", **changes: object) -> ports.HearingNoticeSnapshot:
    values: dict[str, object] = dict(
        number="清教听通〔2026〕1号", authority=AUTHORITY, party=PARTY,
        intended_penalty="警告，没收违法所得人民币45600元，责令停止招收学员", requested_on=date(2026, 4, 7),
        hearing_on=date(2026, 4, 21), place="清河县教育局三楼会议室（清河县人民路1号）", chair="周文（法制审核科）",
        issued_on=date(2026, 4, 8))
    if content == "short":
        values.update(intended_penalty="责令停止招收学员", place="本局会议室")
    elif content == "long":
        values.update(intended_penalty="警告，没收违法所得人民币45600元，责令停止招收学员，"
                                       "对决策机构负责人、行政负责人及直接责任人限制从业三年；" * 16)
    values.update(changes)
    return ports.HearingNoticeSnapshot(**values)  # type: ignore[arg-type]


def payment_reminder(content: str = "typical", **changes: object) -> ports.PaymentReminderSnapshot:
    values: dict[str, object] = dict(
        number="清教催告〔2026〕1号", authority=AUTHORITY, party=PARTY, decision_number="清教罚决〔2026〕2号",
        decision_served_on=date(2026, 4, 21), penalty="警告，没收违法所得人民币45600元，并处罚款人民币30000元",
        fine_yuan=30000, payment_due="2026年5月6日", surcharge_yuan="9000.00", performance_days=10,
        issued_on=date(2026, 5, 11))
    if content == "short":
        values.update(penalty="罚款人民币5000元", fine_yuan=5000, surcharge_yuan="0.00")
    elif content == "long":
        values.update(penalty="警告，没收违法所得人民币45600元，并处罚款人民币30000元，责令停止招收学员；" * 16,
                      payment_due="2027年1月20日（暂定，该年度法定节假日安排尚未公布）")
    values.update(changes)
    return ports.PaymentReminderSnapshot(**values)  # type: ignore[arg-type]


CONDITIONS = ("（一）有明确的违法当事人", "（二）有证据初步证明存在违法事实", "（三）依法应当给予行政处罚",
              "（四）属于本部门管辖", "（五）在给予行政处罚的法定期限内")


def filing_approval(content: str = "typical", **changes: object) -> ports.FilingApprovalSnapshot:
    values: dict[str, object] = dict(
        number="清教立审〔2026〕4号", authority=AUTHORITY, party=PARTY, case_number="2026-340100-0007",
        cause="涉嫌占用法定节假日、休息日开展学科类培训案", source="12345政务服务便民热线（2026年3月2日受理）",
        findings=("当事人于2026年3月7日（星期六）在经营场所组织初中学生18人开展数学学科类培训",),
        bases=SHORT_BASES, intended_penalty="警告，没收违法所得人民币45600元",
        conditions=tuple(ports.FilingCondition(label, True) for label in CONDITIONS),
        handlers=OFFICERS, handler_opinion="违法事实有现场检查笔录、照片和学员签到表初步证明，"
                                           "符合立案条件，建议立案调查",
        approver="刘志远（副局长）", issued_on=date(2026, 3, 9), violation_on=date(2026, 3, 7))
    if content == "short":
        values.update(party=dataclasses.replace(PARTY, legal_representative=""), handler_opinion="",
                      intended_penalty="警告", violation_on=None)
    elif content == "long":
        values.update(findings=FINDINGS + (FILLER,) * 4, bases=BASES, violation_continuing=True,
                      conditions=tuple(ports.FilingCondition(label, i != 4) for i, label in enumerate(CONDITIONS)))
    values.update(changes)
    return ports.FilingApprovalSnapshot(**values)  # type: ignore[arg-type]


BUILDERS = {
    DocumentType.RECTIFICATION_NOTICE: rectification_notice,
    DocumentType.SERVICE_RECEIPT: service_receipt,
    DocumentType.INSPECTION_RECORD: inspection_record,
    DocumentType.PENALTY_NOTICE: penalty_notice,
    DocumentType.PENALTY_DECISION: penalty_decision,
    DocumentType.PATROL_SHEET: patrol_sheet,
    DocumentType.FORTNIGHTLY_REPORT: fortnightly_report,
    DocumentType.HEARING_NOTICE: hearing_notice,
    DocumentType.PAYMENT_REMINDER: payment_reminder,
    DocumentType.FILING_APPROVAL: filing_approval,
}


def sample(doc_type: DocumentType, **kwargs: object) -> object:
    return BUILDERS[DocumentType(doc_type)](**kwargs)


def sample_with(doc_type: DocumentType, content: str) -> object:
    """The type's sample with `content` "short", "typical" (as the demo county issues it) or "long"."""
    if DocumentType(doc_type) is DocumentType.RECTIFICATION_NOTICE:
        return {"short": lambda: rectification_notice(pages=1), "typical": _typical_notice,
                "long": lambda: rectification_notice(pages=3)}[content]()
    return BUILDERS[DocumentType(doc_type)](content=content)
