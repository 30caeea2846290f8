"""The institution register's writes: create, update, delete and the table import.

One transaction each, ending in the commit. Every institution a use case touches, and every
region it writes, lies inside the actor's jurisdiction: an institution outside it is "not found"
(its existence is not revealed), a region outside it is refused (`region_out_of_jurisdiction`).
Only roles allowed `manage_register` (`cases.authority`) write. A USCC (统一社会信用代码) is
checked with its check character (GB 32100) and unique in the register.

The import reads the file with `cases.tabular` (CSV in UTF-8/GB18030 or .xlsx). Headers may be
Chinese or the field names, values the stored values or their Chinese labels (学科类, 有证有照,
白名单, 是/否 …). The caller passes `parse`, the field model of one row (the API's request model,
so a row and a request body obey the same field rules); the use case adds the register rules
(USCC, region, duplicates in the file and against the register) and the all-or-nothing rule:
with any bad row nothing is imported, unless `partial`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from cases import authority, repository
from cases.authority import Actor
from cases.enums import InstitutionCategory, LicenceStatus, ListStatus
from cases.errors import Conflict, DomainError, NotFound, ValidationFailed
from cases.models import Case, Complaint, Institution, Region
from cases.tabular import Limits, read_table
from cases.uscc import normalise_name, validate_uscc

# The import's columns: field → accepted headers (the second is the one the template writes).
IMPORT_HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("name", "机构名称", "名称"), "uscc": ("uscc", "统一社会信用代码", "信用代码"),
    "category": ("category", "类别", "机构类别"), "licence_status": ("licence_status", "证照情况", "证照状态"),
    "non_profit": ("non_profit", "非营利", "是否非营利"), "address": ("address", "地址", "办学地址"),
    "region_code": ("region_code", "行政区划代码", "所在地区代码", "区划代码", "乡镇（街道）", "乡镇", "所在乡镇",
                    "乡镇街道", "所在地区"),
    "phone": ("phone", "联系电话", "电话"),
    "legal_representative": ("legal_representative", "法定代表人", "举办者"),
    "list_status": ("list_status", "名单", "黑白名单"), "fund_supervision": ("fund_supervision", "资金监管"),
    "student_count": ("student_count", "学员数", "在读学员数"),
}
_ALIASES = {alias: name for name, names in IMPORT_HEADERS.items() for alias in names}
_SHORT: dict[str, Any] = {"学科类": "subject", "体育": "sports", "文化艺术": "arts", "科技": "science", "其他": "other",
                          "是": True, "否": False, "true": True, "false": False, "1": True, "0": False, "": None}
_LABELS = {member.label: member.value for enum in (InstitutionCategory, LicenceStatus, ListStatus) for member in enum}
USCC_TAKEN = "该统一社会信用代码已登记"

# What users type in the import for each coded column (besides the stored value and the enum's label),
# and the words an error lists as allowed. 资金监管: cases.patrols.risk.FundSupervision.
FUND_LABELS = {"supervised": "已纳入资金监管", "not_supervised": "未纳入资金监管", "abnormal": "资金监管异常"}
_WORDS: dict[str, dict[str, str]] = {
    "category": {"学科类": "subject", "学科": "subject", "体育": "sports", "体育类": "sports", "文化艺术": "arts",
                 "文化艺术类": "arts", "艺术": "arts", "艺术类": "arts", "科技": "science", "科技类": "science",
                 "其他": "other", "其它": "other"},
    "licence_status": {"有证有照": "licensed", "无证有照": "unlicensed_registered", "无证无照": "unlicensed",
                       "营转非": "converted"},
    "list_status": {"未列入": "none", "无": "none", "白名单": "white", "黑名单": "black"},
    "fund_supervision": {"已纳入": "supervised", "已纳入监管": "supervised", "已纳入资金监管": "supervised",
                         "纳入": "supervised", "未纳入": "not_supervised", "未纳入监管": "not_supervised",
                         "未纳入资金监管": "not_supervised", "异常": "abnormal", "账户异常": "abnormal",
                         "监管账户异常": "abnormal", "资金监管异常": "abnormal"},
    "non_profit": {"是": "true", "否": "false", "非营利": "true", "营利": "false"},
}
ALLOWED: dict[str, tuple[str, ...]] = {
    "category": ("学科类", "体育", "文化艺术", "科技", "其他"),
    "licence_status": tuple(m.label for m in LicenceStatus),
    "list_status": tuple(m.label for m in ListStatus),
    "fund_supervision": ("已纳入", "未纳入", "异常"),
    "non_profit": ("是", "否"),
}
COLUMN_LABELS = {"category": "类别", "licence_status": "证照情况", "list_status": "名单",
                 "fund_supervision": "资金监管", "non_profit": "非营利", "region_code": "乡镇（街道）"}
_STORED = {m.value for enum in (InstitutionCategory, LicenceStatus, ListStatus) for m in enum} | set(FUND_LABELS)
_ADDRESS_NOISE = re.compile(r"[\s\-‐‑‒–—―_·•・.,，。、;；:：'\"‘’“”`!！?？/\\|()（）【】〔〕\[\]#＃]+")


@dataclass(frozen=True)
class RowError:
    row: int  # the row's line in the file (the header is line 1)
    field: str | None
    code: str
    message: str
    value: str = ""  # the cell as typed (for the error report)


class RowInvalid(ValidationFailed):
    """Raised by `parse`: the row's field errors."""

    code = "row_invalid"

    def __init__(self, errors: list[tuple[str | None, str, str]]) -> None:
        super().__init__("行内容不合法", errors=errors)
        self.errors = errors  # (field, code, message)


@dataclass
class ImportResult:
    total_rows: int
    institution_ids: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    matched_ids: list[int] = field(default_factory=list)  # rows without a USCC matched to a registered institution

    @property
    def imported(self) -> int:
        return len(self.institution_ids)

    @property
    def matched(self) -> int:
        return len(self.matched_ids)

    @property
    def skipped(self) -> int:
        return self.total_rows - self.imported - self.matched


RowParser = Callable[[dict[str, Any]], dict[str, Any]]


# --- checks ---------------------------------------------------------------------------------------


def check_region(session: Session, actor: Actor, code: str) -> None:
    """The region exists and lies inside the actor's jurisdiction (ValidationFailed otherwise)."""
    if session.get(Region, code) is None:
        raise ValidationFailed("行政区划代码不存在", code="unknown_region", region=code)
    if not authority.within(code, actor.region_code, repository.region_parents(session)):
        raise ValidationFailed("该地区不在您的辖区内", code="region_out_of_jurisdiction", region=code)


def institution_values(session: Session, actor: Actor, values: Mapping[str, Any]) -> dict[str, Any]:
    """Normalised column values (USCC checked, name key derived, region in jurisdiction)."""
    out = dict(values)
    if "uscc" in out:
        out["uscc"] = validate_uscc(out["uscc"]) if out["uscc"] and out["uscc"].strip() else None
    if "name" in out:
        out["name"] = out["name"].strip()
        if not out["name"]:
            raise ValidationFailed("机构名称不能为空", code="name_required")
        out["name_key"] = normalise_name(out["name"])[:128] or out["name"][:128]
    if "region_code" in out:
        check_region(session, actor, out["region_code"])
    return out


def scoped_institution(session: Session, actor: Actor, institution_id: int) -> Institution:
    """The institution, when it lies in the actor's jurisdiction; NotFound otherwise."""
    inst = session.get(Institution, institution_id)
    if inst is None or not authority.within(inst.region_code, actor.region_code, repository.region_parents(session)):
        raise NotFound("机构不存在或不在您的辖区内", institution_id=institution_id)
    return inst


def _uscc_taken(session: Session, uscc: str | None, other_than: int | None = None) -> bool:
    if not uscc:
        return False
    found = session.exec(select(Institution.id).where(Institution.uscc == uscc)).first()
    return found is not None and found != other_than


def _commit(session: Session, message: str, code: str) -> None:
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(message, code=code) from None


# --- use cases ------------------------------------------------------------------------------------


def create_institution(session: Session, actor: Actor, values: Mapping[str, Any], now: datetime) -> Institution:
    authority.require(actor, "manage_register")
    row = institution_values(session, actor, values)
    if _uscc_taken(session, row.get("uscc")):
        raise Conflict(USCC_TAKEN, code="uscc_exists", uscc=row["uscc"])
    inst = Institution(**row, created_at=now)
    session.add(inst)
    _commit(session, USCC_TAKEN, "uscc_exists")
    return inst


def update_institution(session: Session, actor: Actor, institution_id: int, changes: Mapping[str, Any],
                       ) -> Institution:
    authority.require(actor, "manage_register")
    inst = scoped_institution(session, actor, institution_id)
    row = institution_values(session, actor, changes)
    if _uscc_taken(session, row.get("uscc"), other_than=inst.id):
        raise Conflict(USCC_TAKEN, code="uscc_exists", uscc=row["uscc"])
    for key, value in row.items():
        setattr(inst, key, value)
    session.add(inst)
    _commit(session, USCC_TAKEN, "uscc_exists")
    return inst


def delete_institution(session: Session, actor: Actor, institution_id: int) -> None:
    """Only an institution no case or complaint refers to (one registered by mistake)."""
    authority.require(actor, "manage_register")
    inst = scoped_institution(session, actor, institution_id)
    used = session.exec(select(Case.id).where(Case.institution_id == inst.id).limit(1)).first() or \
        session.exec(select(Complaint.id).where(Complaint.institution_id == inst.id).limit(1)).first()
    if used:
        raise Conflict("该机构已有案件或举报记录，不能删除（可改为更新其状态）", code="institution_in_use")
    session.delete(inst)
    _commit(session, "该机构已被引用，不能删除", "institution_in_use")


def import_institutions(session: Session, actor: Actor, content: bytes, *, parse: RowParser, now: datetime,
                        partial: bool = False, limits: Limits | None = None) -> ImportResult:
    """Read, check and write the rows of an uploaded table in one transaction.

    A row without a USCC whose normalised name and address (`normalise_name`, `normalise_address`)
    match an institution registered in the jurisdiction updates that institution (the columns the
    file has, except the name) instead of registering it twice. With any bad row and not `partial`: ValidationFailed
    `import_invalid` listing every row error, and nothing written. Otherwise the good rows are
    written; the result lists the rest."""
    authority.require(actor, "manage_register")
    table = read_table(content, limits)
    if "name" not in {_ALIASES.get(h) for h in table.header}:
        raise ValidationFailed("表头须包含“机构名称”（或 name）列", code="import_header", header=table.header[:20])
    rows = table.records(_ALIASES)
    good, matches, errors = _checked_rows(session, actor, rows, parse)
    if errors and not partial:
        raise ValidationFailed(f"{len({e.row for e in errors})}行有误，未导入任何机构；请更正后重新导入，"
                               f"或使用 partial=true 只导入正确的行", code="import_invalid",
                               errors=[e.__dict__ for e in errors], total_rows=len(rows))
    result = ImportResult(total_rows=len(rows), errors=errors)
    for inst, changes in matches:
        for key, value in changes.items():
            setattr(inst, key, value)
        session.add(inst)
    insts = [Institution(**values, created_at=now) for _, values in good]
    session.add_all(insts)
    if good or matches:
        _commit(session, "导入时统一社会信用代码与已登记机构重复，请重试", "uscc_exists")
    result.institution_ids = [i.id for i in insts if i.id is not None]
    result.matched_ids = [inst.id for inst, _ in matches if inst.id is not None]
    return result


def normalise_address(address: str, region_names: Sequence[str] = ()) -> str:
    """A matching key for addresses; never shown to users. NFKC; spaces, punctuation and brackets
    removed; Latin letters lower-cased; then any leading names of the row's region chain (province,
    city, county, township) removed, so "息烽县永靖镇阳光路 3 号" and "永靖镇阳光路3号" give one key."""
    key = _ADDRESS_NOISE.sub("", unicodedata.normalize("NFKC", address)).lower()
    names = sorted({n for n in region_names if n}, key=len, reverse=True)
    stripped = True
    while stripped:
        stripped = False
        for name in names:
            if key.startswith(name) and len(key) > len(name):
                key, stripped = key[len(name):], True
                break
    return key


@dataclass
class _Regions:
    """The regions an import resolves against: names and parents, and the actor's jurisdiction."""

    names: dict[str, str]
    parents: dict[str, str | None]
    inside: list[str]
    by_name: dict[str, list[str]]

    @classmethod
    def load(cls, session: Session, actor: Actor) -> _Regions:
        rows = session.exec(select(Region.code, Region.name, Region.parent_code)).all()
        inside = repository.subtree_codes(session, actor.region_code)
        inside_set = set(inside)
        by_name: dict[str, list[str]] = {}
        for code, name, _parent in rows:
            if code in inside_set and code != actor.region_code:
                for word in {name, _short_region(name)}:
                    if word:
                        by_name.setdefault(word, []).append(code)
        return cls({c: n for c, n, _ in rows}, {c: p for c, _, p in rows}, list(inside), by_name)

    def chain_names(self, code: str | None) -> list[str]:
        out: list[str] = []
        seen: set[str] = set()
        while code and code not in seen:
            seen.add(code)
            name = self.names.get(code)
            if name:
                out += [name, _short_region(name)]
            code = self.parents.get(code)
        return out

    def township_names(self) -> list[str]:
        return [self.names[c] for c in self.inside if len(c) == 9 and c in self.names]


def _short_region(name: str) -> str:
    """永靖镇 → 永靖, 小寨坝镇 → 小寨坝, 息烽县 → 息烽 (a name as often typed without its suffix)."""
    for suffix in ("街道办事处", "街道", "社区", "镇", "乡", "县", "区", "市", "省"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return ""


def _word(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).strip()
    text = re.sub(r"[\s·•・\-—_/（）()]+", "", text)
    return text.removeprefix("非学科类") if text != "非学科类" else text


def _not_allowed(name: str, text: str) -> tuple[str, str, str]:
    allowed = "、".join(ALLOWED[name])
    return name, "value_not_allowed", f"{COLUMN_LABELS[name]}“{text}”无法识别，可填写：{allowed}"


def _coerce(raw: Mapping[str, str], regions: _Regions) -> tuple[dict[str, Any], list[tuple[str, str, str]]]:
    """The row's cells as the field model's values; Chinese words and township names resolved.
    Returns (values, errors as (field, code, message))."""
    out: dict[str, Any] = {}
    errors: list[tuple[str, str, str]] = []
    for name, text in raw.items():
        text = text.strip()
        value: Any = text
        if not text:
            continue
        if name == "non_profit":
            word = _WORDS[name].get(_word(text)) or text.lower()
            value = _SHORT.get(word, None)
            if value is None:
                errors.append(_not_allowed(name, text))
                continue
        elif name in ALLOWED:
            value = _LABELS.get(text) or _WORDS[name].get(_word(text)) or (text if text in _STORED else None)
            if value is None:
                errors.append(_not_allowed(name, text))
                continue
        elif name == "region_code" and not text.isdigit():
            codes = regions.by_name.get(unicodedata.normalize("NFKC", text).replace(" ", ""), [])
            if len(codes) != 1:
                towns = "、".join(regions.township_names()[:40])
                why = "有多个同名地区，请填写行政区划代码" if codes else "不在您的辖区内或不存在"
                errors.append(("region_code", "unknown_region",
                               f"乡镇（街道）“{text}”{why}；可填写：{towns}（或其行政区划代码）"))
                continue
            value = codes[0]
        out[name] = value
    return out, errors


def _checked_rows(session: Session, actor: Actor, rows: list[tuple[int, dict[str, str]]], parse: RowParser,
                  ) -> tuple[list[tuple[int, dict[str, Any]]], list[tuple[Institution, dict[str, Any]]],
                             list[RowError]]:
    good: list[tuple[int, dict[str, Any]]] = []
    matches: list[tuple[Institution, dict[str, Any]]] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    seen_keys: dict[tuple[str, str], int] = {}
    regions = _Regions.load(session, actor)
    for number, raw in rows:
        coerced, problems = _coerce(raw, regions)
        if problems:
            errors += [RowError(number, f, c, m, raw.get(f, "")) for f, c, m in problems]
            continue
        try:
            values = institution_values(session, actor, parse(coerced))
        except RowInvalid as exc:
            errors += [RowError(number, name, code,
                                _not_allowed(name, raw[name])[2] if name in ALLOWED and raw.get(name) else message,
                                raw.get(name or "", "")) for name, code, message in exc.errors]
            continue
        except DomainError as exc:
            where = _field_of(exc.code)
            errors.append(RowError(number, where, exc.code, exc.message, raw.get(where or "", "")))
            continue
        uscc = values.get("uscc")
        if uscc and uscc in seen:
            message = f"与第{seen[uscc]}行的统一社会信用代码重复"
            errors.append(RowError(number, "uscc", "uscc_duplicate_in_file", message, raw.get("uscc", "")))
            continue
        if uscc:
            seen[uscc] = number
            good.append((number, values))
            continue
        key = (values["name_key"], normalise_address(values.get("address") or "",
                                                      regions.chain_names(values.get("region_code"))))
        if key in seen_keys:
            errors.append(RowError(number, "name", "row_duplicate_in_file",
                                   f"与第{seen_keys[key]}行的机构名称和地址相同", raw.get("name", "")))
            continue
        seen_keys[key] = number
        registered = _registered_match(session, regions, key)
        if registered is None:
            good.append((number, values))
        else:
            keep = {"name", "name_key", "uscc"}  # the registered name stays: it is what the row was matched by
            matches.append((registered, {k: v for k, v in values.items() if k in raw and k not in keep}))
    taken = set(session.exec(select(Institution.uscc).where(col(Institution.uscc).in_(list(seen)))).all()) \
        if seen else set()
    for number, values in list(good):
        if values.get("uscc") in taken:
            errors.append(RowError(number, "uscc", "uscc_exists", USCC_TAKEN, values.get("uscc") or ""))
            good.remove((number, values))
    return good, matches, sorted(errors, key=lambda e: e.row)


def _registered_match(session: Session, regions: _Regions, key: tuple[str, str]) -> Institution | None:
    """The institution of the jurisdiction with the same name key and address key, if exactly one."""
    found = [inst for inst in session.exec(select(Institution).where(Institution.name_key == key[0],
                                                                     col(Institution.region_code).in_(regions.inside)))
             if normalise_address(inst.address, regions.chain_names(inst.region_code)) == key[1]]
    return found[0] if len(found) == 1 else None


def _field_of(code: str) -> str | None:
    if code.startswith("uscc"):
        return "uscc"
    if "region" in code:
        return "region_code"
    return "name" if code == "name_required" else None
