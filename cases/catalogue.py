"""The violation catalogue and document numbering codes, loaded from `cases/data/*.toml` (pure)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cases.caches import register_cache
from cases.enums import DocumentType
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

    def legal_basis(self) -> LegalBasis:
        return LegalBasis(self.name, self.violated_rule, self.penalty_basis)


@dataclass(frozen=True)
class HearingThresholds:
    fine_person_yuan: int
    fine_organisation_yuan: int
    confiscation_yuan: int
    penalties: tuple[str, ...]

    def hearing_offered(self, *, fine: int, confiscation: int, party_is_person: bool, penalty: str) -> bool:
        """53号令 art. 30: a hearing must be offered for large amounts or the heavy penalties."""
        limit = self.fine_person_yuan if party_is_person else self.fine_organisation_yuan
        return fine >= limit or confiscation >= self.confiscation_yuan or any(
            p in penalty for p in self.penalties)


@dataclass(frozen=True)
class Catalogue:
    violations: dict[str, Violation]
    hearing: HearingThresholds
    type_codes: dict[DocumentType, str]

    def get(self, code: str) -> Violation:
        try:
            return self.violations[code]
        except KeyError:
            raise ValidationFailed(f"违法行为类型“{code}”不在违法行为目录中", code="unknown_violation",
                                   violation=code) from None

    def document_number(self, doc_code: str, doc_type: DocumentType, year: int, seq: int) -> str:
        return f"{doc_code}{self.type_codes[doc_type]}〔{year}〕{seq}号"


@lru_cache
def load_catalogue(folder: Path = DATA) -> Catalogue:
    raw = tomllib.loads((folder / "violations.toml").read_text(encoding="utf-8"))
    docs = tomllib.loads((folder / "documents.toml").read_text(encoding="utf-8"))
    violations = {}
    for item in raw["violation"]:
        item = dict(item, competent=tuple(item["competent"]), needs=tuple(item["needs"]))
        violations[item["code"]] = Violation(**item)
    h = raw["hearing"]
    hearing = HearingThresholds(h["fine_person_yuan"], h["fine_organisation_yuan"], h["confiscation_yuan"],
                                tuple(h["penalties"]))
    codes = {DocumentType(k): v for k, v in docs["type_codes"].items()}
    return Catalogue(violations, hearing, codes)


register_cache("cases.catalogue.load_catalogue", load_catalogue.cache_clear)
