"""The violation catalogue and document numbering codes, loaded from `cases/data/*.toml` (pure).

Each violation names the article (`Norm`) whose penalties it allows: per tier (一般 / 情节严重 /
情节特别严重) the penalty types, the fine band and the 限制从业 term (violations.toml [norm.*]).
The hearing thresholds are read from penalty_law.toml ([hearing]); the rules that use all of this
are in `cases.penalty_law` (docs/penalty-law.md).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from cases.caches import register_cache
from cases.enums import DocumentType, Gravity, PenaltyType
from cases.errors import ValidationFailed
from cases.ports import LegalBasis

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Violation:
    code: str
    name: str
    violated_rule: str
    penalty_basis: str
    penalty: str
    competent: tuple[str, ...]  # department kinds, lead first
    needs: tuple[str, ...]  # departments a patrol / joint team must bring
    serious: bool
    rest_day: bool
    requirement: str
    norm: str = ""  # key of the article's Norm (what penalties it allows)
    norm_person: str = ""  # the Norm when the party is a natural person, where the article differs

    def legal_basis(self) -> LegalBasis:
        return LegalBasis(self.name, self.violated_rule, self.penalty_basis)


@dataclass(frozen=True)
class HearingThresholds:
    fine_person_yuan: int
    fine_organisation_yuan: int
    confiscation_yuan: int
    penalties: tuple[str, ...]
    penalty_types: tuple[PenaltyType, ...] = ()
    property_value_yuan: int = 0  # 0: no hearing on the value of confiscated property alone
    legal_basis: str = ""

    def hearing_offered(self, *, fine: int, confiscation: int, party_is_person: bool, penalty: str) -> bool:
        """53号令 art. 30: a hearing must be offered for large amounts or the heavy penalties."""
        limit = self.fine_person_yuan if party_is_person else self.fine_organisation_yuan
        return fine >= limit or confiscation >= self.confiscation_yuan or any(
            p in penalty for p in self.penalties)


@dataclass(frozen=True)
class Tier:
    """What one tier of an article allows (see the key list at the top of violations.toml [norm])."""

    allowed: frozenset[PenaltyType]
    required: tuple[PenaltyType, ...] = ()
    one_of: tuple[PenaltyType, ...] = ()
    any_of: tuple[PenaltyType, ...] = ()
    at_most_one_of: tuple[PenaltyType, ...] = ()
    required_if_income: tuple[PenaltyType, ...] = ()
    fine_min_yuan: int | None = None
    fine_max_yuan: int | None = None
    fine_multiple_min: int | None = None
    fine_multiple_max: int | None = None
    practice_years_min: int | None = None
    practice_years_max: int | None = None
    practice_permanent: bool = False

    def fine_band(self, illegal_income: int | None) -> tuple[int, int] | None:
        """The inclusive fine band in yuan (53号令 art. 43); None when it cannot be set (no income)."""
        if PenaltyType.FINE not in self.allowed:
            return None
        if self.fine_multiple_max is not None:
            if not illegal_income or illegal_income <= 0:
                return None
            return (self.fine_multiple_min or 0) * illegal_income, self.fine_multiple_max * illegal_income
        return max(self.fine_min_yuan or 1, 1), self.fine_max_yuan or 0


@dataclass(frozen=True)
class Norm:
    """One article's penalties, per tier it grades."""

    key: str
    citation: str
    tiers: Mapping[Gravity, Tier] = field(repr=False)
    requires_refused_correction: bool = False

    def tier(self, gravity: Gravity) -> Tier | None:
        """The tier for `gravity`; an article that grades nothing applies its one tier to any gravity."""
        if len(self.tiers) == 1:
            return next(iter(self.tiers.values()))
        return self.tiers.get(Gravity(gravity))


@dataclass(frozen=True)
class Catalogue:
    violations: dict[str, Violation]
    hearing: HearingThresholds
    type_codes: dict[DocumentType, str]
    norms: dict[str, Norm] = field(default_factory=dict)

    def norm_for(self, code: str, *, party_is_person: bool = False) -> Norm:
        """The article whose penalties apply to violation `code` for this kind of party."""
        violation = self.get(code)
        key = (violation.norm_person if party_is_person and violation.norm_person else violation.norm)
        if key not in self.norms:
            raise ValidationFailed(f"违法行为“{violation.name}”未载明处罚条款（违法行为目录缺少 norm）",
                                   code="norm_missing", violation=code)
        return self.norms[key]

    def get(self, code: str) -> Violation:
        try:
            return self.violations[code]
        except KeyError:
            raise ValidationFailed(f"违法行为类型“{code}”不在违法行为目录中", code="unknown_violation",
                                   violation=code) from None

    def document_number(self, doc_code: str, doc_type: DocumentType, year: int, seq: int) -> str:
        return f"{doc_code}{self.type_codes[doc_type]}〔{year}〕{seq}号"


_INVALID = "catalogue_invalid"
_TIER_LISTS = ("required", "one_of", "any_of", "at_most_one_of", "required_if_income")
_TIER_INTS = ("fine_min_yuan", "fine_max_yuan", "fine_multiple_min", "fine_multiple_max",
              "practice_years_min", "practice_years_max")


def _fail(reason: str) -> ValidationFailed:
    return ValidationFailed(f"违法行为目录：{reason}", code=_INVALID)


def _types(values: Any, where: str) -> tuple[PenaltyType, ...]:
    try:
        return tuple(PenaltyType(v) for v in values)
    except (TypeError, ValueError):
        raise _fail(f"{where} 含有未知的处罚种类 {values!r}（应为 {[t.value for t in PenaltyType]}）") from None


def parse_tier(raw: Mapping[str, Any], where: str) -> Tier:
    unknown = sorted(set(raw) - {"allowed", "practice_permanent", *_TIER_LISTS, *_TIER_INTS})
    if unknown:
        raise _fail(f"{where} 含有无法识别的字段 {unknown}")
    allowed = frozenset(_types(raw.get("allowed", ()), where))
    lists = {name: _types(raw.get(name, ()), where) for name in _TIER_LISTS}
    for name, types in lists.items():
        if not set(types) <= allowed:
            raise _fail(f"{where} 的 {name} 含有 allowed 之外的处罚种类")
    ints = {name: raw.get(name) for name in _TIER_INTS}
    for name, value in ints.items():
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            raise _fail(f"{where} 的 {name} 应为非负整数")
    fixed = ints["fine_max_yuan"] is not None
    multiple = ints["fine_multiple_max"] is not None
    if PenaltyType.FINE in allowed and fixed == multiple:
        raise _fail(f"{where} 允许罚款，应在 fine_max_yuan 与 fine_multiple_max 中恰好设定一个")
    if PenaltyType.FINE not in allowed and (fixed or multiple):
        raise _fail(f"{where} 不允许罚款，却设定了罚款幅度")
    practice = PenaltyType.RESTRICT_PRACTICE in allowed
    if practice and ints["practice_years_max"] is None and not raw.get("practice_permanent", False):
        raise _fail(f"{where} 允许限制从业，应设定 practice_years_max 或 practice_permanent")
    return Tier(allowed=allowed, practice_permanent=bool(raw.get("practice_permanent", False)), **lists, **ints)


def parse_norms(raw: Mapping[str, Any]) -> dict[str, Norm]:
    norms = {}
    for key, spec in raw.items():
        spec = dict(spec)
        citation = spec.pop("citation", "")
        if not isinstance(citation, str) or not citation.strip():
            raise _fail(f"处罚条款“{key}”缺少 citation")
        refused = spec.pop("requires_refused_correction", False)
        try:
            tiers = {Gravity(name): parse_tier(t, f"处罚条款“{key}”的 {name}") for name, t in spec.items()}
        except ValueError:
            raise _fail(f"处罚条款“{key}”的情节档次应为 {[g.value for g in Gravity]}") from None
        if not tiers:
            raise _fail(f"处罚条款“{key}”未设定任何情节档次")
        norms[key] = Norm(key, citation, tiers, bool(refused))
    return norms


def load_hearing(folder: Path = DATA) -> HearingThresholds:
    """53号令 art. 30 thresholds, from penalty_law.toml [hearing]."""
    h = tomllib.loads((folder / "penalty_law.toml").read_text(encoding="utf-8"))["hearing"]
    return HearingThresholds(h["fine_person_yuan"], h["fine_organisation_yuan"], h["confiscation_yuan"],
                             tuple(h["penalties"]), _types(h.get("penalty_types", ()), "[hearing]"),
                             int(h.get("property_value_yuan", 0)), h.get("legal_basis", ""))


@lru_cache
def load_catalogue(folder: Path = DATA) -> Catalogue:
    raw = tomllib.loads((folder / "violations.toml").read_text(encoding="utf-8"))
    docs = tomllib.loads((folder / "documents.toml").read_text(encoding="utf-8"))
    norms = parse_norms(raw.get("norm", {}))
    violations = {}
    for item in raw["violation"]:
        item = dict(item, competent=tuple(item["competent"]), needs=tuple(item["needs"]))
        violations[item["code"]] = Violation(**item)
        for key in (item.get("norm", ""), item.get("norm_person", "")):
            if key and key not in norms:
                raise _fail(f"违法行为“{item['code']}”引用了不存在的处罚条款“{key}”")
    codes = {DocumentType(k): v for k, v in docs["type_codes"].items()}
    return Catalogue(violations, load_hearing(folder), codes, norms)


register_cache("cases.catalogue.load_catalogue", load_catalogue.cache_clear)
