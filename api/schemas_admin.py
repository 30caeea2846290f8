"""Request/response models of the register (institutions) and the staff (departments, officers)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from cases.enums import InstitutionCategory, LicenceStatus, ListStatus, Role
from cases.fields import Clean, Code, Day, Id, In, Str32, Str64, Str128, Str256

RegionCode = Annotated[str, Field(pattern=r"^[0-9]{6,12}$", description="行政区划代码", examples=["520122100"])]
Fund = Literal["supervised", "not_supervised", "abnormal"]  # cases.patrols.risk.FundSupervision
DocCode = Annotated[str, Field(min_length=1, max_length=16, pattern=r"^[^\x00-\x1f]+$",
                               description="机关代字（文书编号前缀）", examples=["息教"]), Clean]


class InstitutionIn(In):
    """校外培训机构登记信息。"""

    name: Str128 = Field(min_length=1, description="机构名称", examples=["息烽县启明学科辅导中心"])
    uscc: Str32 | None = Field(default=None, description="统一社会信用代码（无证无照机构可不填）",
                               examples=["52520122MJY0000000"])
    category: InstitutionCategory = Field(description="类别：subject 学科类 / sports 体育 / arts 文化艺术 / "
                                                      "science 科技 / other 其他")
    licence_status: LicenceStatus = Field(description="licensed 有证有照 / unlicensed_registered 无证有照 / "
                                                      "unlicensed 无证无照 / converted 营转非")
    non_profit: bool = False
    address: Str256 = ""
    region_code: RegionCode
    phone: Str32 = ""
    legal_representative: Str32 = ""
    list_status: ListStatus = Field(default=ListStatus.NONE, description="none 未列入 / white 白名单 / black 黑名单")
    fund_supervision: Fund = Field(default="supervised",
                                   description="预收费资金监管：supervised（已纳入监管）/ not_supervised（未纳入）/ "
                                               "abnormal（账户异常）")
    student_count: int = Field(default=0, ge=0, le=1_000_000)


class InstitutionPatch(In):
    name: Str128 | None = Field(default=None, min_length=1)
    uscc: Str32 | None = None
    category: InstitutionCategory | None = None
    licence_status: LicenceStatus | None = None
    non_profit: bool | None = None
    address: Str256 | None = None
    region_code: RegionCode | None = None
    phone: Str32 | None = None
    legal_representative: Str32 | None = None
    list_status: ListStatus | None = None
    fund_supervision: Fund | None = None
    student_count: int | None = Field(default=None, ge=0, le=1_000_000)


class InstitutionOut(BaseModel):
    id: int
    name: str
    name_key: str = Field(description="名称比对键（用于查重、匹配举报）")
    uscc: str | None
    category: str
    category_label: str
    licence_status: str
    licence_status_label: str
    non_profit: bool
    address: str
    region_code: str
    phone: str
    legal_representative: str
    list_status: str
    fund_supervision: str
    student_count: int
    risk_grade: str | None
    created_at: datetime


class InstitutionPage(BaseModel):
    items: list[InstitutionOut]
    total: int
    limit: int
    offset: int


class RowError(BaseModel):
    row: int = Field(description="文件中的行号（含表头，表头为第1行）")
    field: str | None = Field(description="出错的列")
    code: str
    message: str
    value: str = Field(default="", description="该格填写的内容")


class ImportReport(BaseModel):
    total_rows: int
    imported: int
    matched: int = Field(default=0, description="无信用代码、按名称和地址匹配到已登记机构并更新的行数")
    skipped: int = Field(description="因有误未导入的行数（partial=true 时）")
    errors: list[RowError]
    institution_ids: list[int]
    matched_ids: list[int] = Field(default_factory=list, description="按名称和地址匹配并更新的机构")


class DepartmentIn(In):
    name: Str64 = Field(min_length=1, examples=["息烽县教育局"])
    kind: Code = Field(description="education 教育 / market 市场监管 / police 公安 / fire 消防 / civil 民政 / "
                                   "comprehensive 综合执法 / township 乡镇（街道）", examples=["education"])
    region_code: RegionCode
    doc_code: DocCode
    address: Str256 = ""
    phone: Str32 = ""
    review_body: Str128 = Field(default="", description="行政复议机关")
    court: Str128 = Field(default="", description="有管辖权的人民法院")
    bank: Str128 = Field(default="", description="罚没款缴纳银行（印在行政处罚决定书上）")


class DepartmentPatch(In):
    name: Str64 | None = Field(default=None, min_length=1)
    doc_code: DocCode | None = None
    address: Str256 | None = None
    phone: Str32 | None = None
    review_body: Str128 | None = None
    court: Str128 | None = None
    bank: Str128 | None = None
    contact: Str32 | None = Field(default=None, description="联系人（印在文书上）")


class DepartmentOut(BaseModel):
    id: int
    name: str
    kind: str
    region_code: str
    doc_code: str
    address: str
    phone: str
    review_body: str
    court: str
    bank: str = ""


Username = Annotated[str, Field(min_length=2, max_length=64, pattern=r"^[0-9A-Za-z_.\-\u4e00-\u9fff]+$",
                                examples=["education07"])]
Password = Annotated[str, Field(min_length=10, max_length=256,
                                description="至少10位、至少4种字符，不能是常见密码或用户名"), Clean]


class OfficerIn(In):
    username: Username
    name: Str32 = Field(min_length=1)
    department_id: Id
    roles: list[Role] = Field(min_length=1, max_length=4)
    badge_no: Str32 | None = Field(default=None, description="执法证号")
    badge_valid_until: Day | None = Field(default=None, description="执法证有效期至")
    phone: Str32 = ""
    password: Password


class OfficerPatch(In):
    name: Str32 | None = Field(default=None, min_length=1)
    department_id: Id | None = None
    roles: list[Role] | None = Field(default=None, min_length=1, max_length=4)
    badge_no: Str32 | None = None
    badge_valid_until: Day | None = None
    phone: Str32 | None = None
    active: bool | None = None


class PasswordIn(In):
    password: Password


class OfficerBrief(BaseModel):
    """工作人员（供分派、组队选择）。"""

    id: int
    username: str
    name: str
    department_id: int
    department: str
    roles: list[str]
    certified: bool = Field(description="今天是否持有有效执法证")
    active: bool


class OfficerOut(OfficerBrief):
    badge_no: str | None
    badge_valid_until: date | None
    phone: str
    locked_until: datetime | None
    failed_logins: int
