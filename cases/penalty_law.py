"""The rules of law of the penalty procedure, as pure functions of values (docs/penalty-law.md).

What a county 法制审核 reviewer checks before signing a decision: that the penalty is one the
article allows, in its band; that the party was told of it (and of a hearing where the penalty
calls for one) and heard; that review and collective discussion happened where the law requires;
that each step kept its time limit on the working-day calendar; that service, payment and court
enforcement followed their rules; that the case could be filed at all; and which leniency or
aggravation applies. Numbers live in `cases/data/` (violations.toml [norm.*], penalty_law.toml,
periods.toml); every refusal is a `RuleViolation` whose Chinese message names the article and whose
`detail["article"]` carries the citation.

Pure: stdlib + cases.enums / errors / calendar / deadlines / catalogue. Dates are `datetime.date`,
amounts whole yuan (int), the calendar is passed in. A computation that needs a year without an
official holiday table refuses unless the caller passes `provisional_confirmed=True` (the user
confirmed the provisional date; the result then says `provisional`).
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from cases.caches import register_cache
from cases.calendar import Reckoned, WorkCalendar
from cases.catalogue import DATA, Catalogue, HearingThresholds, Norm, Tier, load_catalogue, load_hearing
from cases.deadlines import Period, add_months, compute_due, load_periods
from cases.enums import Gravity, PenaltyType, ReviewOutcome, ServiceMethod
from cases.errors import CalendarUnknown, RuleViolation, ValidationFailed

# --- citations (the articles named in refusals) ---------------------------------------------------

MO53 = "《校外培训行政处罚暂行办法》"
APL = "《行政处罚法》"
AEL = "《行政强制法》"


def _cite(law: str, *articles: str) -> str:
    return law + "、".join(articles)


def refuse(code: str, message: str, article: str, **detail: Any) -> RuleViolation:
    """A refusal naming its article: '…（《行政处罚法》第六十条）'."""
    return RuleViolation(f"{message}（{article}）", code=code, article=article, **detail)


def _yuan(amount: int) -> str:
    return f"{amount}元"


# --- configuration (penalty_law.toml + periods.toml) ---------------------------------------------


@dataclass(frozen=True)
class PenaltyLaw:
    """The configurable numbers and criteria (penalty_law.toml) and the periods (periods.toml)."""

    hearing: HearingThresholds
    periods: Mapping[str, Period]
    review_after_hearing: bool = True
    hearing_threshold_is_major: bool = True
    major_penalty_types: frozenset[PenaltyType] = frozenset()
    major_fine_yuan: int = 0
    collective_when_review_required: bool = True
    extension_allowed: bool = False
    extension_max_days: int = 0
    excluded_pauses: frozenset[str] = frozenset()
    surcharge_percent_per_day: int = 3
    surcharge_capped_at_fine: bool = True
    served_documents: frozenset[str] = frozenset()
    electronic_requires_consent: bool = True
    public_notice_requires_reason: bool = True
    limitation_years: int = 2
    limitation_extended_years: int = 5
    reoffence_years: int = 2
    decision_contacts: tuple[ContactField, ...] = ()
    decision_contacts_basis: str = ""

    def period(self, key: str) -> Period:
        try:
            return self.periods[key]
        except KeyError:
            raise ValidationFailed(f"期限表缺少“{key}”（cases/data/periods.toml）", code="periods_invalid") from None


@dataclass(frozen=True)
class ContactField:
    """One field the 决定书 must not leave empty (penalty_law.toml [decision_contacts])."""

    of: str  # "authority" (the department's settings) | "party" (the institution register)
    field: str
    label: str
    why: str
    when: str = ""  # "" always | "payment" (a fine or confiscation) | "organisation" (a unit party)


def _contact_fields(raw: Mapping[str, Any]) -> tuple[ContactField, ...]:
    try:
        return tuple(ContactField(str(f["of"]), str(f["field"]), str(f["label"]), str(f["why"]), str(f.get("when", "")))
                     for f in raw.get("fields", ()))
    except (KeyError, TypeError) as exc:
        raise ValidationFailed(f"penalty_law.toml [decision_contacts]：格式错误（{exc}）",
                               code="penalty_law_invalid") from None


def _types(values: Iterable[str]) -> frozenset[PenaltyType]:
    try:
        return frozenset(PenaltyType(v) for v in values)
    except ValueError as exc:
        raise ValidationFailed(f"penalty_law.toml：未知的处罚种类（{exc}）", code="penalty_law_invalid") from None


@lru_cache
def load_penalty_law(folder: Path = DATA) -> PenaltyLaw:
    raw = tomllib.loads((Path(folder) / "penalty_law.toml").read_text(encoding="utf-8"))
    periods_path = Path(folder) / "periods.toml"
    review, discussion, limit = raw["legal_review"], raw["collective_discussion"], raw["decision_limit"]
    return PenaltyLaw(
        hearing=load_hearing(Path(folder)),
        periods=load_periods(periods_path if periods_path.exists() else None),
        review_after_hearing=bool(review.get("after_hearing", True)),
        hearing_threshold_is_major=bool(review.get("hearing_threshold_is_major", True)),
        major_penalty_types=_types(review.get("major_penalty_types", ())),
        major_fine_yuan=int(review.get("major_fine_yuan", 0)),
        collective_when_review_required=bool(discussion.get("when_legal_review_required", True)),
        extension_allowed=bool(limit.get("extension_allowed", False)),
        extension_max_days=int(limit.get("extension_max_days", 0)),
        excluded_pauses=frozenset(limit.get("excluded_pauses", ())),
        surcharge_percent_per_day=int(raw["surcharge"]["percent_per_day"]),
        surcharge_capped_at_fine=bool(raw["surcharge"].get("capped_at_fine", True)),
        served_documents=frozenset(raw["service"]["served_documents"]),
        electronic_requires_consent=bool(raw["service"].get("electronic_requires_consent", True)),
        public_notice_requires_reason=bool(raw["service"].get("public_notice_requires_reason", True)),
        limitation_years=int(raw["limitation"]["years"]),
        limitation_extended_years=int(raw["limitation"]["extended_years"]),
        reoffence_years=int(raw["aggravation"]["reoffence_years"]),
        decision_contacts=_contact_fields(raw.get("decision_contacts", {})),
        decision_contacts_basis=str(raw.get("decision_contacts", {}).get("legal_basis", "")),
    )


register_cache("cases.penalty_law.load_penalty_law", load_penalty_law.cache_clear)


def _law(law: PenaltyLaw | None) -> PenaltyLaw:
    return law or load_penalty_law()


# --- the calendar: official tables only, unless a provisional date is confirmed --------------------


def _require_official(calendar: WorkCalendar, dates: Iterable[date], *, confirmed: bool, article: str) -> None:
    """Refuse a date whose year has no official holiday table, unless the provisional use was confirmed."""
    unknown = sorted({d.year for d in dates if calendar.table(d.year) is None})
    if unknown and not confirmed:
        raise _calendar_refusal(unknown[0], article)


def _reckon(calendar: WorkCalendar, compute: Callable[[bool], Reckoned], *, on: Iterable[date] = (),
            confirmed: bool, article: str) -> Reckoned:
    """Run `compute(provisional)` on official tables; refuse a year without one unless confirmed.

    `on` are further dates whose year must have an official table (e.g. the decision date)."""
    _require_official(calendar, on, confirmed=confirmed, article=article)
    try:
        return compute(False)
    except CalendarUnknown as exc:
        if not confirmed:
            raise _calendar_refusal(exc.year, article) from None
        return compute(True)


def _calendar_refusal(year: int, article: str) -> RuleViolation:
    return refuse("calendar_unconfirmed",
                  f"{year}年的法定节假日安排尚未载入，按暂定日历计算的期限须经确认（并在文书上注明“暂定”）后方可使用",
                  article, year=year)


def reckoned_zh(value: Reckoned) -> str:
    """A computed date as printed on a document (GB/T 9704 §7.3.5.4 style), marked when provisional:
    '2027年2月1日（暂定，该年度法定节假日安排尚未公布）'."""
    d = value.date
    text = f"{d.year}年{d.month}月{d.day}日"
    return text + "（暂定，该年度法定节假日安排尚未公布）" if value.provisional else text


def _due(law: PenaltyLaw, key: str, start: date, calendar: WorkCalendar, *, confirmed: bool, article: str,
         on: Iterable[date] = (), pauses: Iterable[tuple[date, date]] = ()) -> Reckoned:
    period = law.period(key)
    pauses = tuple(pauses)
    return _reckon(calendar, lambda p: compute_due(start, period, calendar, provisional=p, pauses=pauses),
                   on=on, confirmed=confirmed, article=article)


# --- 1. the penalty as data -----------------------------------------------------------------------

AMOUNT_TYPES = frozenset({PenaltyType.FINE, PenaltyType.CONFISCATE_INCOME, PenaltyType.CONFISCATE_PROPERTY})


@dataclass(frozen=True)
class PenaltyItem:
    """One penalty of 53号令 art. 5: a type, with its amount (罚款, 没收) or term (限制从业)."""

    type: PenaltyType
    amount_yuan: int = 0
    years: int = 0  # 限制从业: years barred
    permanent: bool = False  # 限制从业: permanently barred

    def __post_init__(self) -> None:
        object.__setattr__(self, "type", PenaltyType(self.type))
        for name in ("amount_yuan", "years"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValidationFailed(f"{self.type.label}的{'金额' if name == 'amount_yuan' else '年限'}应为非负整数",
                                       code="penalty_item_invalid")
        if self.amount_yuan and self.type not in AMOUNT_TYPES:
            raise ValidationFailed(f"{self.type.label}不带金额", code="penalty_item_invalid")
        if (self.years or self.permanent) and self.type is not PenaltyType.RESTRICT_PRACTICE:
            raise ValidationFailed(f"{self.type.label}不带年限", code="penalty_item_invalid")
        if self.years and self.permanent:
            raise ValidationFailed("限制从业应为若干年或者永久，不能同时设定", code="penalty_item_invalid")

    @property
    def text_zh(self) -> str:
        if self.type is PenaltyType.FINE:
            return f"罚款人民币{_yuan(self.amount_yuan)}"
        if self.type in AMOUNT_TYPES:
            return f"{self.type.label}人民币{_yuan(self.amount_yuan)}"
        if self.type is PenaltyType.RESTRICT_PRACTICE:
            return "限制从业（永久）" if self.permanent else f"限制从业{self.years}年"
        return self.type.label


@dataclass(frozen=True)
class IntendedPenalty:
    """The penalty for one act, as the 告知书 states it and the 决定书 imposes it."""

    items: tuple[PenaltyItem, ...] = ()

    @classmethod
    def of(cls, *items: PenaltyItem) -> IntendedPenalty:
        return cls(tuple(items))

    @property
    def types(self) -> tuple[PenaltyType, ...]:
        return tuple(i.type for i in self.items)

    def item(self, kind: PenaltyType) -> PenaltyItem | None:
        return next((i for i in self.items if i.type is kind), None)

    def amount(self, kind: PenaltyType) -> int:
        return sum(i.amount_yuan for i in self.items if i.type is kind)

    @property
    def fine_yuan(self) -> int:
        return self.amount(PenaltyType.FINE)

    @property
    def confiscation_yuan(self) -> int:
        """没收违法所得 (the figure the art. 30 hearing threshold looks at)."""
        return self.amount(PenaltyType.CONFISCATE_INCOME)

    @property
    def text_zh(self) -> str:
        """As printed on the 告知书 / 决定书: every item with its amount or term."""
        order = list(PenaltyType)
        return "；".join(i.text_zh for i in sorted(self.items, key=lambda i: order.index(i.type)))


@dataclass(frozen=True)
class IllegalIncome:
    """违法所得 (53号令 art. 42): all money collected, less unconsumed prepaid fees lawfully refunded."""

    collected_yuan: int
    refunded_unconsumed_yuan: int = 0

    def __post_init__(self) -> None:
        for name in ("collected_yuan", "refunded_unconsumed_yuan"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValidationFailed("违法所得金额应为非负整数", code="illegal_income_invalid")
        if self.refunded_unconsumed_yuan > self.collected_yuan:
            raise ValidationFailed(f"已退还的未消课款项（{self.refunded_unconsumed_yuan}元）超过所收全部款项"
                                   f"（{self.collected_yuan}元）", code="illegal_income_invalid")

    @property
    def amount_yuan(self) -> int:
        """The derived 违法所得."""
        return self.collected_yuan - self.refunded_unconsumed_yuan


# --- 2. is this penalty one the article allows? -----------------------------------------------------


@dataclass(frozen=True)
class CheckedPenalty:
    """What `check_penalty` applied: the articles and, when there is a fine, the one whose band set it."""

    norms: tuple[Norm, ...]
    fine_norm: Norm | None
    fine_band: tuple[int, int] | None

    @property
    def citations(self) -> tuple[str, ...]:
        return tuple(n.citation for n in self.norms)


def check_complete(penalty: IntendedPenalty, *, article: str = _cite(APL, "第四十四条")) -> None:
    """The penalty states every item in full: amounts for 罚款/没收, a term for 限制从业 (art. 44)."""
    if not penalty.items:
        raise refuse("penalty_empty", "未载明拟作出的行政处罚（不予处罚的，应作出不予行政处罚决定）", article)
    for item in penalty.items:
        if item.type in AMOUNT_TYPES and item.amount_yuan <= 0:
            raise refuse("penalty_amount_missing", f"{item.type.label}未载明金额", article, type=item.type.value)
        if item.type is PenaltyType.RESTRICT_PRACTICE and not (item.years or item.permanent):
            raise refuse("penalty_amount_missing", "限制从业未载明期限", article, type=item.type.value)


def _tier_zh(gravity: Gravity, norms: Iterable[Norm]) -> str:
    """'情节严重的，' / '一般情节下，' — nothing for articles that grade no tiers."""
    if all(len(n.tiers) == 1 for n in norms):
        return ""
    return "一般情节下，" if gravity is Gravity.GENERAL else f"{gravity.label}的，"


def _norms(codes: Sequence[str] | str, catalogue: Catalogue, party_is_person: bool) -> tuple[Norm, ...]:
    """Violation codes (or norm keys, e.g. 'mo53_art24') → their articles, without repeats."""
    codes = (codes,) if isinstance(codes, str) else tuple(codes)
    if not codes:
        raise ValidationFailed("未认定违法行为", code="violation_required")
    found: dict[str, Norm] = {}
    for code in codes:
        norm = catalogue.norms.get(code) or catalogue.norm_for(code, party_is_person=party_is_person)
        found.setdefault(norm.key, norm)
    return tuple(found.values())


def check_penalty(codes: Sequence[str] | str, gravity: Gravity | str, penalty: IntendedPenalty,
                  illegal_income: IllegalIncome | None = None, *, party_is_person: bool = False,
                  correction_refused: bool | None = None, catalogue: Catalogue | None = None) -> CheckedPenalty:
    """Refuse a penalty for ONE act that its article(s) do not allow.

    `codes` are the catalogue codes (or norm keys) the act breaches; several codes = one act
    breaching several norms: one fine at most, in the band of the norm with the highest fine
    (53号令 art. 13, 行政处罚法 art. 29). `illegal_income` is needed where the article counts it
    (art. 17's multiples, the 没收违法所得 of arts. 20–22 and 25). `correction_refused`: the party
    did not comply with a 责令限期改正 (art. 19 punishes only then)."""
    cat = catalogue or load_catalogue()
    gravity = Gravity(gravity)
    check_complete(penalty)
    norms = _norms(codes, cat, party_is_person)
    tiers: list[tuple[Norm, Tier]] = []
    for norm in norms:
        tier = norm.tier(gravity)
        if tier is None:
            raise refuse("tier_not_in_article", f"该条款未规定“{gravity.label}”的处罚档次", norm.citation,
                         gravity=gravity.value)
        tiers.append((norm, tier))
    where = "、".join(n.citation for n in norms)
    seen: set[PenaltyType] = set()
    for item in penalty.items:
        if item.type in seen:
            if item.type is PenaltyType.FINE:
                raise refuse("second_fine", "对当事人的同一个违法行为，不得给予两次以上罚款",
                             _cite(MO53, "第十三条第一款") + "、" + _cite(APL, "第二十九条"))
            raise refuse("duplicate_penalty_type", f"{item.type.label}重复列出", _cite(APL, "第四十四条"))
        seen.add(item.type)
    allowed = frozenset().union(*(t.allowed for _, t in tiers))
    for kind in penalty.types:
        if kind not in allowed:
            raise refuse("penalty_type_not_allowed", f"{_tier_zh(gravity, norms)}该条款不允许给予{kind.label}", where,
                         type=kind.value, gravity=gravity.value)
    income = illegal_income.amount_yuan if illegal_income else None
    given = set(penalty.types)
    for norm, tier in tiers:
        if norm.requires_refused_correction and correction_refused is not True:
            raise refuse("correction_not_refused", "须先责令限期改正，当事人逾期拒不改正的，方可予以处罚",
                         norm.citation)
        if (tier.required_if_income or tier.fine_multiple_max is not None) and income is None:
            raise refuse("illegal_income_required", "须认定违法所得（所收全部款项及依法已退还的未消课款项）",
                         norm.citation + "、" + _cite(MO53, "第四十二条"))
        needed = set(tier.required) | (set(tier.required_if_income) if income else set())
        for kind in sorted(needed - given, key=list(PenaltyType).index):
            raise refuse("penalty_type_missing", f"{_tier_zh(gravity, [norm])}该条款应当给予{kind.label}",
                         norm.citation, type=kind.value)
        if tier.one_of and len(given & set(tier.one_of)) != 1:
            names = "或者".join(k.label for k in tier.one_of)
            raise refuse("penalty_choice", f"该条款规定予以{names}，应当且只能选择其一", norm.citation)
        if tier.any_of and not given & set(tier.any_of):
            names = "、".join(k.label for k in tier.any_of)
            raise refuse("penalty_type_missing", f"{_tier_zh(gravity, [norm])}该条款应当给予{names}", norm.citation)
        if len(given & set(tier.at_most_one_of)) > 1:
            names = "或者".join(k.label for k in tier.at_most_one_of)
            raise refuse("penalty_choice", f"该条款规定予以{names}，只能选择其一", norm.citation)
    fine_norm, band = _check_fine(penalty, tiers, income, gravity)
    _check_confiscation(penalty, tiers, income, illegal_income)
    _check_practice(penalty, tiers, gravity)
    return CheckedPenalty(norms, fine_norm, band)


def _check_fine(penalty: IntendedPenalty, tiers: list[tuple[Norm, Tier]], income: int | None,
                gravity: Gravity) -> tuple[Norm | None, tuple[int, int] | None]:
    fining = [(n, t) for n, t in tiers if PenaltyType.FINE in t.allowed]
    if not fining:
        return None, None
    bands = []
    for norm, tier in fining:
        band = tier.fine_band(income)
        if band is None and penalty.item(PenaltyType.FINE):
            raise refuse("illegal_income_required", "罚款以违法所得的倍数计算，须先认定违法所得且其大于零",
                         norm.citation + "、" + _cite(MO53, "第四十二条"))
        if band is not None:
            bands.append((band[1], norm, band))
    needs_fine = any(PenaltyType.FINE in t.required or (income and PenaltyType.FINE in t.required_if_income)
                     for _, t in fining)
    fine = penalty.item(PenaltyType.FINE)
    if fine is None:
        if needs_fine:
            raise refuse("penalty_type_missing", f"{_tier_zh(gravity, [n for n, _ in fining])}该条款应当处以罚款",
                         "、".join(n.citation for n, _ in fining))
        return None, None
    _, norm, (low, high) = max(bands, key=lambda b: b[0])  # art. 13 ¶2: the norm with the higher fine
    article = norm.citation
    if norm.citation.startswith(MO53):
        article += "、" + _cite(MO53, "第四十三条")
    if len(bands) > 1:
        article += "、" + _cite(MO53, "第十三条第二款") + "、" + _cite(APL, "第二十九条")
    if not low <= fine.amount_yuan <= high:
        band_zh = f"{_yuan(high)}以下" if low <= 1 else f"{_yuan(low)}以上{_yuan(high)}以下"
        raise refuse("fine_out_of_band", f"罚款{_yuan(fine.amount_yuan)}不在法定幅度（{band_zh}，含本数）之内",
                     article, low=low, high=high, amount=fine.amount_yuan)
    return norm, (low, high)


def _check_confiscation(penalty: IntendedPenalty, tiers: list[tuple[Norm, Tier]], income: int | None,
                        illegal_income: IllegalIncome | None) -> None:
    item = penalty.item(PenaltyType.CONFISCATE_INCOME)
    if item is None:
        return
    where = "、".join(n.citation for n, t in tiers if PenaltyType.CONFISCATE_INCOME in t.allowed)
    article = where + "、" + _cite(MO53, "第四十二条")
    if income is None or illegal_income is None:
        raise refuse("illegal_income_required", "没收违法所得须先认定违法所得", article)
    if item.amount_yuan != income:
        raise refuse("confiscation_not_income",
                     f"没收金额{_yuan(item.amount_yuan)}与认定的违法所得{_yuan(income)}（所收{_yuan(illegal_income.collected_yuan)}，"
                     f"依法已退还未消课款项{_yuan(illegal_income.refunded_unconsumed_yuan)}）不符；应退还所收费用后没收违法所得",
                     article, amount=item.amount_yuan, income=income)


def _check_practice(penalty: IntendedPenalty, tiers: list[tuple[Norm, Tier]], gravity: Gravity) -> None:
    item = penalty.item(PenaltyType.RESTRICT_PRACTICE)
    if item is None:
        return
    for norm, tier in tiers:
        if PenaltyType.RESTRICT_PRACTICE not in tier.allowed:
            continue
        if item.permanent and tier.practice_permanent:
            return
        low, high = tier.practice_years_min or 1, tier.practice_years_max or 0
        if not item.permanent and low <= item.years <= high:
            return
        allowed = "永久" if tier.practice_permanent else f"{low}至{high}年"
        raise refuse("practice_term_not_allowed", f"{_tier_zh(gravity, [norm])}限制从业的期限应为{allowed}",
                     norm.citation)


# --- 3. the hearing right, from the structured penalty --------------------------------------------


def hearing_grounds(penalty: IntendedPenalty, *, party_is_person: bool, law: PenaltyLaw | None = None
                    ) -> tuple[str, ...]:
    """Why a hearing must be offered (empty: it need not be); each reason cites 53号令 art. 30."""
    h = _law(law).hearing
    reasons = []
    limit = h.fine_person_yuan if party_is_person else h.fine_organisation_yuan
    if penalty.fine_yuan >= limit:
        who = "自然人" if party_is_person else "法人或者其他组织"
        reasons.append(f"对{who}处{_yuan(limit)}以上罚款（{_cite(MO53, '第三十条第一款第（一）项')}）")
    if penalty.confiscation_yuan >= h.confiscation_yuan:
        reasons.append(f"没收{_yuan(h.confiscation_yuan)}以上违法所得（{_cite(MO53, '第三十条第一款第（二）项')}）")
    heavy = h.penalty_types or tuple(PenaltyType(v) for v in ("stop_enrolment", "stop_running", "revoke_licence",
                                                              "restrict_practice"))
    for kind in penalty.types:
        if kind in heavy:
            reasons.append(f"{kind.label}（{_cite(MO53, '第三十条第一款第（三）项')}、{_cite(APL, '第六十三条')}）")
    value = penalty.amount(PenaltyType.CONFISCATE_PROPERTY)
    if h.property_value_yuan and value >= h.property_value_yuan:
        reasons.append(f"没收较大价值非法财物（{_cite(APL, '第六十三条第一款第（二）项')}）")
    return tuple(reasons)


def hearing_offered(penalty: IntendedPenalty, *, party_is_person: bool, law: PenaltyLaw | None = None) -> bool:
    """53号令 art. 30 + 行政处罚法 art. 63: must the 告知书 tell the party of the right to a hearing?"""
    return bool(hearing_grounds(penalty, party_is_person=party_is_person, law=law))


# --- 4. the decision against the 告知书 -------------------------------------------------------------


@dataclass(frozen=True)
class ServedNotice:
    """A 行政处罚事先告知书 as served: the penalty it stated and its service date."""

    penalty: IntendedPenalty
    served_on: date


def heavier_than(decision: IntendedPenalty, notice: IntendedPenalty) -> tuple[str, ...]:
    """How `decision` is heavier than `notice`: a type the notice did not state, a higher amount, a
    longer 限制从业 (empty: not heavier)."""
    reasons = []
    for item in decision.items:
        before = notice.item(item.type)
        if before is None:
            reasons.append(f"增加了告知书未载明的{item.type.label}")
        elif item.type in AMOUNT_TYPES and item.amount_yuan > before.amount_yuan:
            reasons.append(f"{item.type.label}由{_yuan(before.amount_yuan)}提高到{_yuan(item.amount_yuan)}")
        elif item.type is PenaltyType.RESTRICT_PRACTICE and (
                (item.permanent and not before.permanent) or (not before.permanent and item.years > before.years)):
            reasons.append(f"限制从业由{before.text_zh.removeprefix('限制从业')}加重为{item.text_zh.removeprefix('限制从业')}")
    return tuple(reasons)


def statement_window_closes(served_on: date, calendar: WorkCalendar, *, provisional_confirmed: bool = False,
                            law: PenaltyLaw | None = None) -> Reckoned:
    """The last day for 陈述申辩 and the hearing request: 5 working days after service (53号令 arts. 30, 31, 43)."""
    return _due(_law(law), "statement", served_on, calendar, confirmed=provisional_confirmed,
                article=_cite(MO53, "第三十条第二款、第三十一条"))


def check_decision_vs_notice(decision: IntendedPenalty, notices: Sequence[ServedNotice], decided_on: date,
                             calendar: WorkCalendar, *, statement_waived: bool = False,
                             provisional_confirmed: bool = False, law: PenaltyLaw | None = None) -> ServedNotice:
    """Refuse a decision without a served 告知书, heavier than the last one served, or made while its
    陈述申辩 window is still open (行政处罚法 arts. 44, 45, 62). Returns the notice decided on."""
    check_complete(decision, article=_cite(APL, "第五十九条第一款第（三）项"))
    if not notices:
        raise refuse("notice_missing", "作出行政处罚决定前，未向当事人送达行政处罚事先告知书",
                     _cite(APL, "第四十四条、第六十二条"))
    latest = max(notices, key=lambda n: n.served_on)
    reasons = heavier_than(decision, latest.penalty)
    if reasons:
        raise refuse("decision_heavier_than_notice",
                     "处罚决定重于事先告知书（" + "；".join(reasons) + "），须重新制作并送达告知书，告知期满后方可决定",
                     _cite(APL, "第四十四条、第四十五条、第六十二条"), reasons=list(reasons))
    closes = statement_window_closes(latest.served_on, calendar, provisional_confirmed=provisional_confirmed, law=law)
    if decided_on <= closes.date and not statement_waived:
        raise refuse("statement_window_open",
                     f"陈述申辩期至{reckoned_zh(closes)}届满，期满前（当事人明确放弃的除外）不得作出处罚决定",
                     _cite(APL, "第六十二条") + "、" + _cite(MO53, "第三十一条"), closes=closes.date.isoformat())
    return latest


# --- 5. the hearing: request, notice, chair, absence ------------------------------------------------


def check_hearing_request(requested_on: date, notice_served_on: date, penalty: IntendedPenalty,
                          calendar: WorkCalendar, *, party_is_person: bool, provisional_confirmed: bool = False,
                          law: PenaltyLaw | None = None) -> None:
    """A hearing request counts only where the penalty calls for one and within 5 working days of service."""
    if not hearing_offered(penalty, party_is_person=party_is_person, law=law):
        raise refuse("hearing_not_offered", "拟作出的行政处罚不属于应当告知听证权利的情形",
                     _cite(MO53, "第三十条第一款"))
    if requested_on < notice_served_on:
        raise refuse("hearing_request_before_service", "听证申请日早于告知书送达日", _cite(MO53, "第三十条第二款"))
    closes = statement_window_closes(notice_served_on, calendar, provisional_confirmed=provisional_confirmed, law=law)
    if requested_on > closes.date:
        raise refuse("hearing_request_late",
                     f"听证应当自告知书送达之日起五个工作日内（至{reckoned_zh(closes)}）提出，逾期视为放弃",
                     _cite(MO53, "第三十条第二款") + "、" + _cite(APL, "第六十四条第（一）项"))


def earliest_hearing_day(hearing_notice_served_on: date, calendar: WorkCalendar, *,
                         provisional_confirmed: bool = False, law: PenaltyLaw | None = None) -> Reckoned:
    """The first day a hearing may be held: 7 working days after the 听证通知书 is served (art. 64(二))."""
    return _due(_law(law), "hearing_notice", hearing_notice_served_on, calendar, confirmed=provisional_confirmed,
                article=_cite(APL, "第六十四条第（二）项"))


def check_hearing_schedule(hearing_on: date, hearing_notice_served_on: date | None, calendar: WorkCalendar, *,
                           provisional_confirmed: bool = False, law: PenaltyLaw | None = None) -> None:
    article = _cite(APL, "第六十四条第（二）项")
    if hearing_notice_served_on is None:
        raise refuse("hearing_notice_missing", "举行听证前须制作并送达听证通知书", article)
    first = earliest_hearing_day(hearing_notice_served_on, calendar, provisional_confirmed=provisional_confirmed,
                                 law=law)
    if hearing_on < first.date:
        raise refuse("hearing_notice_too_late",
                     f"应当在举行听证的七日前通知当事人；通知于{hearing_notice_served_on.isoformat()}送达，"
                     f"听证最早于{reckoned_zh(first)}举行", article, earliest=first.date.isoformat())


def check_hearing_chair(chair_id: int | str, investigator_ids: Iterable[int | str]) -> None:
    if chair_id in set(investigator_ids):
        raise refuse("hearing_chair_investigator", "听证主持人不得由本案调查人员担任",
                     _cite(APL, "第六十四条第（四）项"))


def hearing_absence_is_waiver(*, attended: bool, justified: bool) -> bool:
    """The party (or agent) stayed away without good reason: the hearing right is waived (art. 64(六))."""
    return not attended and not justified


# --- 6. 法制审核 and 集体讨论, decided by rule -------------------------------------------------------------


def legal_review_grounds(penalty: IntendedPenalty, *, party_is_person: bool, hearing_held: bool,
                         public_interest: bool = False, complex_case: bool = False, statutory: bool = False,
                         law: PenaltyLaw | None = None) -> tuple[str, ...]:
    """Why this decision needs a 法制审核 before it is made (empty: it does not)."""
    cfg = _law(law)
    a33 = _cite(MO53, "第三十三条第一款")
    reasons = []
    if public_interest:
        reasons.append(f"涉及重大公共利益（{a33}第（一）项）")
    if hearing_held and cfg.review_after_hearing:
        reasons.append(f"经过听证程序（{a33}第（二）项）")
    if complex_case:
        reasons.append(f"案件情况疑难复杂、涉及多个法律关系（{a33}第（三）项）")
    if statutory:
        reasons.append(f"法律、法规规定应当进行法制审核（{a33}第（四）项）")
    major = "重大执法决定法制审核目录（本地配置）"
    if cfg.hearing_threshold_is_major and hearing_offered(penalty, party_is_person=party_is_person, law=cfg):
        reasons.append(f"拟处罚达到听证标准，属{major}（{a33}第（四）项、{_cite(APL, '第五十八条')}）")
    elif set(penalty.types) & cfg.major_penalty_types:
        reasons.append(f"拟处罚种类属{major}（{a33}第（四）项、{_cite(APL, '第五十八条')}）")
    elif cfg.major_fine_yuan and penalty.fine_yuan >= cfg.major_fine_yuan:
        reasons.append(f"罚款数额属{major}（{a33}第（四）项、{_cite(APL, '第五十八条')}）")
    return tuple(reasons)


def legal_review_required(penalty: IntendedPenalty, *, party_is_person: bool, hearing_held: bool,
                          public_interest: bool = False, complex_case: bool = False, statutory: bool = False,
                          law: PenaltyLaw | None = None) -> bool:
    """53号令 art. 33, 行政处罚法 art. 58: is a 法制审核 mandatory before this decision?"""
    return bool(legal_review_grounds(penalty, party_is_person=party_is_person, hearing_held=hearing_held,
                                     public_interest=public_interest, complex_case=complex_case,
                                     statutory=statutory, law=law))


@dataclass(frozen=True)
class Review:
    """One 法制审核 opinion (the 法制审核意见书)."""

    outcome: ReviewOutcome
    reviewed_on: date
    reviewer_id: int | str
    reasons: str = ""


def check_reviewer(reviewer_id: int | str, investigator_ids: Iterable[int | str]) -> None:
    if reviewer_id in set(investigator_ids):
        raise refuse("reviewer_investigator", "法制审核人员不得是本案调查人员",
                     _cite(MO53, "第三十三条") + "、" + _cite(APL, "第五十八条"))


def check_review(review: Review, investigator_ids: Iterable[int | str] = ()) -> None:
    """A review opinion as recorded: 不通过 / 退回补充调查 state their reasons; the reviewer is no investigator."""
    check_reviewer(review.reviewer_id, investigator_ids)
    if ReviewOutcome(review.outcome) is not ReviewOutcome.PASSED and not review.reasons.strip():
        raise refuse("review_reasons_required",
                     f"法制审核意见为“{ReviewOutcome(review.outcome).label}”的，应当写明理由",
                     _cite(MO53, "第三十三条"))


def check_decision_review(required: bool, reviews: Sequence[Review], *, hearing_held_on: date | None = None) -> None:
    """No decision without a passing review where one is required, after a 不通过 or 退回补充调查, or
    on a review made before the hearing ended (53号令 art. 33 ¶1 and ¶2, 行政处罚法 art. 58)."""
    article = _cite(MO53, "第三十三条") + "、" + _cite(APL, "第五十八条")
    last = max(reviews, key=lambda r: r.reviewed_on) if reviews else None
    if last is not None and ReviewOutcome(last.outcome) is not ReviewOutcome.PASSED:
        raise refuse("legal_review_not_passed",
                     f"法制审核意见为“{ReviewOutcome(last.outcome).label}”，审核未通过的，不得作出决定",
                     article, outcome=ReviewOutcome(last.outcome).value)
    if not required:
        return
    if last is None:
        raise refuse("legal_review_missing", "本案应当进行法制审核，未经法制审核的，不得作出决定", article)
    if hearing_held_on is not None and last.reviewed_on < hearing_held_on:
        raise refuse("legal_review_before_hearing", "经过听证的案件，应当在听证程序结束后进行法制审核",
                     _cite(MO53, "第三十三条第二款"))


def collective_discussion_required(penalty: IntendedPenalty, *, party_is_person: bool, public_interest: bool = False,
                                   complex_case: bool = False, statutory: bool = False, major: bool = False,
                                   law: PenaltyLaw | None = None) -> bool:
    """53号令 art. 34 ¶2: the art. 33 cases and other complex or major ones are decided by collective
    discussion before the 告知书 (the hearing of art. 33(二) lies after the notice, so it is not counted)."""
    cfg = _law(law)
    if major or complex_case:
        return True
    return cfg.collective_when_review_required and legal_review_required(
        penalty, party_is_person=party_is_person, hearing_held=False, public_interest=public_interest,
        complex_case=complex_case, statutory=statutory, law=cfg)


def check_collective_discussion(required: bool, discussed_on: date | None, notice_issued_on: date,
                                participants: Sequence[str] = ()) -> None:
    article = _cite(MO53, "第三十四条第二款") + "、" + _cite(APL, "第五十七条第二款")
    if not required:
        return
    if discussed_on is None or discussed_on > notice_issued_on:
        raise refuse("collective_discussion_first", "本案应当在行政处罚事先告知书作出之前由负责人集体讨论决定", article)
    if len({p.strip() for p in participants if p.strip()}) < 2:
        raise refuse("collective_discussion_participants", "集体讨论应当记录参加讨论的负责人（至少二人）", article)


# --- 7. the decision time limit ---------------------------------------------------------------------


@dataclass(frozen=True)
class Pause:
    """A period not counted in the 90 days: [paused_on, resumed_on), with its reason key."""

    reason: str
    paused_on: date
    resumed_on: date


def check_pause_reason(reason: str, *, law: PenaltyLaw | None = None) -> None:
    """Only the pauses penalty_law.toml [decision_limit] excluded_pauses names stop the 90 days (art. 60)."""
    cfg = _law(law)
    if reason not in cfg.excluded_pauses:
        raise refuse("pause_not_excluded", f"“{reason}”期间不属于可不计入办案期限的期间（仅听证、鉴定检测、公告期间）",
                     _cite(APL, "第六十条"), allowed=sorted(cfg.excluded_pauses))


def decision_deadline(filed_on: date, calendar: WorkCalendar, *, pauses: Sequence[Pause] = (),
                      extension_days: int = 0, provisional_confirmed: bool = False,
                      law: PenaltyLaw | None = None) -> Reckoned:
    """The last day for the decision: 90 days from 立案 (行政处罚法 art. 60), plus the excluded pauses
    and an approved extension where the configuration allows one (penalty_law.toml [decision_limit])."""
    cfg = _law(law)
    article = _cite(APL, "第六十条")
    if extension_days < 0:
        raise ValidationFailed("延长天数不能为负数", code="negative_period")
    if extension_days and not cfg.extension_allowed:
        raise refuse("decision_extension_not_allowed", "本地规定未设延长办案期限，应自立案之日起九十日内作出决定",
                     article)
    if extension_days > cfg.extension_max_days:
        raise refuse("decision_extension_too_long", f"延长办案期限不得超过{cfg.extension_max_days}日", article)
    for pause in pauses:
        check_pause_reason(pause.reason, law=cfg)
    base = cfg.period("decision")
    period = base.with_days(base.days + extension_days) if extension_days else base
    spans = tuple((p.paused_on, p.resumed_on) for p in pauses)
    return _reckon(calendar, lambda p: compute_due(filed_on, period, calendar, provisional=p, pauses=spans),
                   confirmed=provisional_confirmed, article=article)


def check_decision_in_time(decided_on: date, filed_on: date, calendar: WorkCalendar, *,
                           pauses: Sequence[Pause] = (), extension_days: int = 0,
                           provisional_confirmed: bool = False, law: PenaltyLaw | None = None) -> Reckoned:
    """Refuse a decision before 立案, after the limit, or on a year without an official calendar
    (unless the provisional date was confirmed). Returns the limit used."""
    article = _cite(APL, "第六十条")
    if decided_on < filed_on:
        raise refuse("decision_before_filing", "处罚决定日早于立案日", article)
    _require_official(calendar, (decided_on,), confirmed=provisional_confirmed, article=article)
    try:
        due = decision_deadline(filed_on, calendar, pauses=pauses, extension_days=extension_days,
                                provisional_confirmed=provisional_confirmed, law=law)
    except RuleViolation as exc:
        # The limit falls in a later year without a table: whatever that table says, the limit is no earlier
        # than 1 January of that year, so a decision in an earlier, official year is in time.
        if exc.code != "calendar_unconfirmed" or int(exc.detail.get("year", 0)) <= decided_on.year:
            raise
        return decision_deadline(filed_on, calendar, pauses=pauses, extension_days=extension_days,
                                 provisional_confirmed=True, law=law)
    if decided_on > due.date:
        raise refuse("decision_late", f"应当自立案之日起九十日内作出行政处罚决定（本案期限至{reckoned_zh(due)}）",
                     article, due=due.date.isoformat())
    return due


# --- 8. service (送达) ---------------------------------------------------------------------------------


def must_be_served(doc_type: str, *, law: PenaltyLaw | None = None) -> bool:
    """Is this document served on the party, with its own 送达回证 (penalty_law.toml [service])?"""
    return str(doc_type) in _law(law).served_documents


def check_service(doc_type: str, method: ServiceMethod | str, *, consent_recorded: bool = False,
                  public_notice_reason: str = "", law: PenaltyLaw | None = None) -> None:
    cfg = _law(law)
    method = ServiceMethod(method)
    if not must_be_served(doc_type, law=cfg):
        raise ValidationFailed(f"文书“{doc_type}”不属于应当送达当事人的文书", code="not_a_served_document")
    if method is ServiceMethod.ELECTRONIC and cfg.electronic_requires_consent and not consent_recorded:
        raise refuse("electronic_service_without_consent", "采用传真、电子邮件等方式送达，须当事人同意并签订确认书",
                     _cite(APL, "第六十一条第二款") + "、" + _cite(MO53, "第三十五条第二款"))
    if method is ServiceMethod.PUBLIC_NOTICE and cfg.public_notice_requires_reason and not public_notice_reason.strip():
        raise refuse("public_notice_reason_missing",
                     "公告送达限于当事人下落不明或者以其他方式无法送达，并应在案卷中记明原因和经过",
                     _cite(MO53, "第三十五条第三款"))


def deemed_served_on(method: ServiceMethod | str, dated: date, calendar: WorkCalendar, *,
                     provisional_confirmed: bool = False, law: PenaltyLaw | None = None) -> Reckoned:
    """The service date: the receipt date, or for 公告送达 30 days after publication (53号令 art. 35 ¶3)."""
    if ServiceMethod(method) is ServiceMethod.PUBLIC_NOTICE:
        return _due(_law(law), "public_notice_service", dated, calendar, confirmed=provisional_confirmed,
                    article=_cite(MO53, "第三十五条第三款"))
    return Reckoned(dated)


def check_receipts(receipts: Iterable[tuple[str, int | str]]) -> None:
    """(receipt number, document id) pairs: one 送达回证 serves one document, and numbers are not reused."""
    seen: dict[str, int | str] = {}
    for number, document in receipts:
        if number in seen and seen[number] != document:
            raise refuse("one_receipt_per_document",
                         f"送达回证{number}已用于另一份文书，每份应当送达的文书须有其各自的送达回证",
                         "《民事诉讼法》第八十七条、" + _cite(MO53, "第三十五条"))
        seen[number] = document


# --- 9. execution -------------------------------------------------------------------------------------


def payment_due(decision_served_on: date, calendar: WorkCalendar, *, provisional_confirmed: bool = False,
                law: PenaltyLaw | None = None) -> Reckoned:
    """15 days from receipt of the 决定书 (行政处罚法 art. 67 ¶3)."""
    return _due(_law(law), "payment", decision_served_on, calendar, confirmed=provisional_confirmed,
                article=_cite(APL, "第六十七条第三款"))


def check_payment_date(paid_on: date, decided_on: date) -> None:
    if paid_on < decided_on:
        raise refuse("payment_before_decision", f"缴款日{paid_on.isoformat()}早于处罚决定日{decided_on.isoformat()}",
                     _cite(APL, "第六十六条、第六十七条"))


def surcharge_yuan(fine_yuan: int, due_on: date, on: date, *, remedy_periods: Sequence[tuple[date, date]] = (),
                   law: PenaltyLaw | None = None) -> Decimal:
    """加处罚款 owed on `on` for a fine due on `due_on`: 3 % of the fine for each day after the due date,
    never more than the fine (行政处罚法 art. 72(一)); days in 复议 or 诉讼 [start, end) are not counted
    (art. 73 ¶3). In yuan, to the fen."""
    cfg = _law(law)
    if on <= due_on or fine_yuan <= 0:
        return Decimal("0.00")
    excluded = {o for start, end in remedy_periods for o in range(start.toordinal(), end.toordinal())}
    counted = range(due_on.toordinal() + 1, on.toordinal() + 1)  # the days after the due date, up to `on`
    days = sum(1 for o in counted if o not in excluded)
    amount = Decimal(fine_yuan) * cfg.surcharge_percent_per_day * days / 100
    if cfg.surcharge_capped_at_fine:
        amount = min(amount, Decimal(fine_yuan))
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class EnforcementWindow:
    remedies_end: Reckoned  # the last day of the 复议 (60 days) and 诉讼 (6 months) periods, the later one
    closes: Reckoned  # the last day to apply to the court (3 months after)


def court_enforcement_window(decision_served_on: date, calendar: WorkCalendar, *, deferred_until: date | None = None,
                             provisional_confirmed: bool = False, law: PenaltyLaw | None = None) -> EnforcementWindow:
    """When the court may be asked: after the remedy periods ran out, within 3 months (行政强制法 art. 53,
    53号令 art. 36); from the end of an approved deferral where that is later (行政处罚法 art. 72 ¶2)."""
    cfg = _law(law)
    article = _cite(AEL, "第五十三条") + "、" + _cite(MO53, "第三十六条")
    kw = {"confirmed": provisional_confirmed, "article": article}
    review = _due(cfg, "reconsideration", decision_served_on, calendar, **kw)
    suit = _due(cfg, "litigation", decision_served_on, calendar, **kw)
    end = max(review, suit, key=lambda r: r.date)
    if deferred_until and deferred_until > end.date:
        end = Reckoned(deferred_until, end.provisional)
    closes = _due(cfg, "court_enforcement", end.date, calendar, **kw)
    return EnforcementWindow(end, Reckoned(closes.date, closes.provisional or end.provisional))


def check_court_enforcement(applied_on: date, decision_served_on: date, calendar: WorkCalendar, *,
                            reminder_served_on: date | None, remedy_sought: bool = False, performed: bool = False,
                            deferred_until: date | None = None, provisional_confirmed: bool = False,
                            law: PenaltyLaw | None = None) -> EnforcementWindow:
    """Court enforcement only after the 复议 and 诉讼 periods ran out without either, after a 催告书 served
    10 working days before, and within the 3 months that follow (行政强制法 arts. 53, 54; 53号令 art. 36)."""
    cfg = _law(law)
    a53 = _cite(AEL, "第五十三条") + "、" + _cite(MO53, "第三十六条")
    if performed:
        raise refuse("already_performed", "当事人已履行处罚决定，无需申请强制执行", a53)
    if remedy_sought:
        raise refuse("remedy_pending",
                     "当事人已申请行政复议或者提起行政诉讼，不得以逾期不申请复议、不起诉为由申请强制执行", a53)
    window = court_enforcement_window(decision_served_on, calendar, deferred_until=deferred_until,
                                      provisional_confirmed=provisional_confirmed, law=cfg)
    if applied_on <= window.remedies_end.date:
        raise refuse("remedy_period_running",
                     f"申请复议（六十日）和提起诉讼（六个月）的期限至{reckoned_zh(window.remedies_end)}届满，届满前不得申请人民法院强制执行",
                     a53, remedies_end=window.remedies_end.date.isoformat())
    a54 = _cite(AEL, "第五十四条、第六十九条")
    if reminder_served_on is None:
        raise refuse("reminder_missing", "申请人民法院强制执行前，应当催告当事人履行义务（送达催告书）", a54)
    reminder_end = _due(cfg, "payment_reminder", reminder_served_on, calendar, confirmed=provisional_confirmed,
                        article=a54)
    if applied_on <= reminder_end.date:
        raise refuse("reminder_period_running",
                     f"催告书送达十个工作日后（{reckoned_zh(reminder_end)}之后）当事人仍未履行的，方可申请",
                     a54, reminder_end=reminder_end.date.isoformat())
    if applied_on > window.closes.date:
        raise refuse("court_enforcement_late",
                     f"应当自期限届满之日起三个月内（至{reckoned_zh(window.closes)}）申请人民法院强制执行", a53,
                     closes=window.closes.date.isoformat())
    return window


# --- 10. 立案: limitation, the five conditions, transfer ---------------------------------------------


def limitation_ends(act_ended_on: date, *, extended: bool = False, law: PenaltyLaw | None = None) -> date:
    """The last day a violation may still be discovered: 2 years (5 where life, health or financial
    security was harmed) from the act, or from the end of a continuing act (行政处罚法 art. 36)."""
    cfg = _law(law)
    years = cfg.limitation_extended_years if extended else cfg.limitation_years
    return add_months(act_ended_on, 12 * years)


def check_limitation(act_ended_on: date, discovered_on: date, *, extended: bool = False,
                     law: PenaltyLaw | None = None) -> None:
    if discovered_on < act_ended_on:
        raise ValidationFailed("发现日早于违法行为发生（终了）日", code="dates_invalid")
    end = limitation_ends(act_ended_on, extended=extended, law=law)
    if discovered_on > end:
        years = _law(law).limitation_extended_years if extended else _law(law).limitation_years
        raise refuse("limitation_expired", f"违法行为在{years}年内未被发现（{end.isoformat()}届满），不再给予行政处罚",
                     _cite(APL, "第三十六条") + "、"
                     + _cite(MO53, "第十五条第一款第（三）项、第二十六条第一款第（五）项"),
                     limitation_end=end.isoformat())


@dataclass(frozen=True)
class FilingConditions:
    """The five conditions of 53号令 art. 26 (the 立案审批表 checklist)."""

    party_identified: bool = False  # (一) 有明确的违法当事人
    prima_facie_evidence: bool = False  # (二) 有证据初步证明存在违法事实
    penalty_due: bool = False  # (三) 依法应当给予行政处罚
    within_jurisdiction: bool = False  # (四) 属于本部门管辖
    within_limitation: bool = False  # (五) 在给予行政处罚的法定期限内

    LABELS = ("（一）有明确的违法当事人", "（二）有证据初步证明存在违法事实", "（三）依法应当给予行政处罚",
              "（四）属于本部门管辖", "（五）在给予行政处罚的法定期限内")

    def missing(self) -> tuple[str, ...]:
        values = (self.party_identified, self.prima_facie_evidence, self.penalty_due, self.within_jurisdiction,
                  self.within_limitation)
        return tuple(label for label, ok in zip(self.LABELS, values, strict=True) if not ok)


def check_filing_conditions(conditions: FilingConditions) -> None:
    missing = conditions.missing()
    if missing:
        raise refuse("filing_conditions_unmet", "不符合立案条件：" + "；".join(missing),
                     _cite(MO53, "第二十六条第一款"), missing=list(missing))


def check_filing_revocation(conditions: FilingConditions, reason: str) -> None:
    """撤销立案 only when investigation shows an art. 26 condition unmet, with its reason (art. 27)."""
    article = _cite(MO53, "第二十七条")
    if not reason.strip():
        raise refuse("revocation_reason_required", "撤销立案应当写明理由", article)
    if not conditions.missing():
        raise refuse("revocation_unfounded", "经调查仍符合第二十六条规定的立案条件的，不得撤销立案", article)


def check_filing_after_rectification(*, notice_served_on: date | None, rectification_due: date | None,
                                     reinspected_on: date | None, rectified: bool | None,
                                     new_violation_inspected: bool = False) -> None:
    """立案 on a case under a 整改通知书: the notice was served, its deadline passed and a 复查 after it
    found the violation not corrected — unless a new violation is backed by its own inspection record
    (53号令 art. 32, 行政处罚法 art. 28: correction is ordered before any penalty decision)."""
    if new_violation_inspected:
        return
    article = _cite(MO53, "第三十二条") + "、" + _cite(APL, "第二十八条")
    if notice_served_on is None or rectification_due is None:
        raise refuse("rectification_not_served", "责令限期改正通知书尚未送达，不能以逾期未改正为由立案", article)
    if reinspected_on is None or reinspected_on <= rectification_due:
        raise refuse("rectification_period_running",
                     f"整改期限至{rectification_due.isoformat()}届满，须在期满后复查确认未整改到位方可立案", article)
    if rectified is not False:
        raise refuse("rectified_no_filing",
                     "复查确认已整改到位，应复查结案；及时改正并消除危害后果的，可以从轻、减轻或者免予处罚", article)


def check_transfer(received_by_transfer: bool) -> None:
    """A case received by transfer is not transferred on; the receiver asks for 指定管辖 (53号令 art. 10 ¶3)."""
    if received_by_transfer:
        raise refuse("onward_transfer_barred", "受移送的案件不得再自行移送；对管辖权有异议的，"
                     "应当报请共同的上一级主管部门或者同级人民政府指定管辖", _cite(MO53, "第十条第三款"))


# --- 11. leniency and aggravation ------------------------------------------------------------------


@dataclass(frozen=True)
class Circumstances:
    """Facts of the act that decide leniency or aggravation (the officer records them)."""

    minor: bool = False  # 违法行为轻微
    corrected_promptly: bool = False  # 及时改正
    harm: bool = True  # 造成危害后果
    harm_minor: bool = False  # 危害后果轻微
    no_fault_proven: bool = False  # 当事人有证据足以证明没有主观过错
    limitation_expired: bool = False
    serving_teacher: bool = False  # 中小学在职教师
    subject_training: bool = False  # 培训内容为学科类


@dataclass(frozen=True)
class Note:
    kind: str  # "不予处罚" | "可以不予处罚" | "从重"
    reason: str
    citation: str

    @property
    def mandatory_no_penalty(self) -> bool:
        return self.kind == "不予处罚"


@dataclass(frozen=True)
class PartyHistory:
    """Dates the party was earlier dealt with (被处理) for 校外培训 violations."""

    dealt_with_on: tuple[date, ...] = field(default_factory=tuple)


def leniency_notes(act_on: date, facts: Circumstances, history: PartyHistory | None = None, *,
                   law: PenaltyLaw | None = None) -> tuple[Note, ...]:
    """The leniency and aggravation that apply, each with its exact paragraph."""
    cfg = _law(law)
    earlier = [d for d in (history or PartyHistory()).dealt_with_on if d < act_on]
    notes = []
    if facts.minor and facts.corrected_promptly and not facts.harm:
        notes.append(Note("不予处罚", "违法行为轻微并及时改正，没有造成危害后果",
                          _cite(APL, "第三十三条第一款") + "、" + _cite(MO53, "第十五条第一款第（一）项")))
    elif not earlier and facts.harm_minor and facts.corrected_promptly:
        notes.append(Note("可以不予处罚", "初次违法且危害后果轻微并及时改正",
                          _cite(APL, "第三十三条第一款") + "、" + _cite(MO53, "第十五条第二款")))
    if facts.no_fault_proven:
        notes.append(Note("不予处罚", "当事人有证据足以证明没有主观过错",
                          _cite(APL, "第三十三条第二款") + "、" + _cite(MO53, "第十五条第一款第（二）项")))
    if facts.limitation_expired:
        notes.append(Note("不予处罚", "违法行为已经超过给予行政处罚的法定期限",
                          _cite(APL, "第三十六条") + "、" + _cite(MO53, "第十五条第一款第（三）项")))
    recent = [d for d in earlier if act_on <= add_months(d, 12 * cfg.reoffence_years)]
    if recent:
        last = max(recent)
        notes.append(Note("从重",
                          f"{last.year}年{last.month}月{last.day}日因校外培训违法行为被处理后{cfg.reoffence_years}年内再次实施",
                          _cite(MO53, "第十六条第（一）项")))
    if facts.serving_teacher and facts.subject_training:
        notes.append(Note("从重", "属于中小学在职教师且培训内容为学科类校外培训", _cite(MO53, "第十六条第（六）项")))
    return tuple(notes)


def check_penalty_allowed(notes: Sequence[Note]) -> None:
    """A penalty decision is refused where the law says 不予处罚 (the decision is 不予行政处罚 instead)."""
    for note in notes:
        if note.mandatory_no_penalty:
            raise refuse("no_penalty_required", f"{note.reason}，不予行政处罚（应当对当事人进行教育）", note.citation)


# --- the 决定书's contact fields (行政处罚法 art. 59) -------------------------------------------------


def decision_contacts_missing(authority: object, party: object, *, payment: bool, party_is_person: bool,
                              law: PenaltyLaw | None = None) -> tuple[ContactField, ...]:
    """The fields of penalty_law.toml [decision_contacts] that are empty for this decision; `authority` and
    `party` are the values printed (cases.ports.Authority, cases.ports.Party)."""
    out = []
    for f in _law(law).decision_contacts:
        if (f.when == "payment" and not payment) or (f.when == "organisation" and party_is_person):
            continue
        if not str(getattr(authority if f.of == "authority" else party, f.field, "") or "").strip():
            out.append(f)
    return tuple(out)


def check_decision_contacts(authority: object, party: object, *, payment: bool, party_is_person: bool,
                            law: PenaltyLaw | None = None) -> None:
    """No 决定书 with an empty contact field: the message names each field, why it is printed and where it is
    set (the department in 系统管理 → 部门, the party in the institution register)."""
    cfg = _law(law)
    missing = decision_contacts_missing(authority, party, payment=payment, party_is_person=party_is_person, law=cfg)
    if not missing:
        return
    where = []
    if any(f.of == "authority" for f in missing):
        where.append("本局各项请在“系统管理—部门”中填写")
    if any(f.of == "party" for f in missing):
        where.append("当事人各项请在机构名录中该机构的信息里填写")
    items = "；".join(f"{f.label}：{f.why}" for f in missing)
    raise refuse("decision_contact_missing",
                 f"行政处罚决定书不能签发，以下事项未填写——{items}。{'，'.join(where)}",
                 cfg.decision_contacts_basis or _cite(APL, "第五十九条"), missing=[f.label for f in missing])


# --- publication (一公开) ---------------------------------------------------------------------------


def check_publication(published_on: date, decided_on: date, calendar: WorkCalendar, *,
                      provisional_confirmed: bool = False, law: PenaltyLaw | None = None) -> None:
    """A decision with social impact is published within 7 working days of the decision (periods.toml)."""
    article = _cite(APL, "第四十八条第一款") + "、国办发〔2018〕118号"
    if published_on < decided_on:
        raise refuse("publication_before_decision", "公开日早于处罚决定日", article)
    due = _due(_law(law), "publication", decided_on, calendar, confirmed=provisional_confirmed, article=article)
    if published_on > due.date:
        raise refuse("publication_late", f"行政处罚决定应当自作出之日起七个工作日内公开（至{reckoned_zh(due)}）",
                     article, due=due.date.isoformat())


def check_withdrawal(withdrawn_on: date, revoked_on: date, calendar: WorkCalendar, *,
                     provisional_confirmed: bool = False, law: PenaltyLaw | None = None) -> None:
    article = _cite(APL, "第四十八条第二款、第八十五条")
    due = _due(_law(law), "publication_withdrawal", revoked_on, calendar, confirmed=provisional_confirmed,
               article=article)
    if withdrawn_on > due.date:
        raise refuse("withdrawal_late",
                     f"公开的处罚决定被变更、撤销或者确认违法、无效的，应当在三日内（至{reckoned_zh(due)}）撤回",
                     article, due=due.date.isoformat())

