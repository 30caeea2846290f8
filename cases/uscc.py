"""统一社会信用代码 (GB 32100-2015) and institution-name matching keys (pure: stdlib only).

Check character (docs/law.md §6): the 31-symbol alphabet excludes I, O, Z, S, V; the weights
are 3**i mod 31; check = ALPHABET[(31 - Σ mod 31) mod 31]. Written here rather than taken from
python-stdnum, whose `validate()` rejects codes starting with A, N or Y.

Structure checked: 18 characters from the alphabet; position 1 one of 1–9, A, N, Y (登记管理部门);
position 2 a digit (机构类别); positions 3–8 digits (GB/T 2260 region code); position 18 the
check character. The inner GB 11714 check of positions 9–17 is not enforced (UNCONFIRMED).
"""

from __future__ import annotations

import re
import unicodedata

from cases.errors import ValidationFailed

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1, 3, 9, 27, 19, 26, 16, ...
REGISTRATION_AUTHORITIES = "123456789ANY"
_EXCLUDED = "IOZSV"
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―－]+")


def normalise_uscc(code: str) -> str:
    """Full-width → half-width, drop spaces and hyphens, upper-case. Does not validate."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", code)).upper()


def uscc_check_char(first17: str) -> str:
    """The check character for the first 17 characters (used to make demo data)."""
    body = normalise_uscc(first17)
    if len(body) != 17:
        raise ValidationFailed(f"计算校验码需要前17位，实为{len(body)}位", code="uscc_length")
    _check_characters(body)
    total = sum(ALPHABET.index(char) * weight for char, weight in zip(body, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def validate_uscc(code: str) -> str:
    """The normalised code, or ValidationFailed with a precise Chinese reason and stable code."""
    value = normalise_uscc(code)
    if not value:
        raise ValidationFailed("统一社会信用代码为空", code="uscc_empty")
    if len(value) != 18:
        raise ValidationFailed(f"统一社会信用代码应为18位，实为{len(value)}位：{value}", code="uscc_length")
    _check_characters(value)
    if value[0] not in REGISTRATION_AUTHORITIES:
        raise ValidationFailed(
            f"第1位登记管理部门代码“{value[0]}”不合法（应为1–9、A、N、Y之一）", code="uscc_authority"
        )
    for position in range(1, 8):
        if not value[position].isdigit():
            what = "机构类别代码" if position == 1 else "登记管理机关行政区划码"
            raise ValidationFailed(
                f"第{position + 1}位{what}应为数字，实为“{value[position]}”", code="uscc_structure"
            )
    expected = uscc_check_char(value[:17])
    if value[17] != expected:
        raise ValidationFailed(
            f"校验码错误：第18位应为“{expected}”，实为“{value[17]}”", code="uscc_checksum",
            expected=expected, actual=value[17],
        )
    return value


def is_valid_uscc(code: str) -> bool:
    try:
        validate_uscc(code)
    except ValidationFailed:
        return False
    return True


def _check_characters(value: str) -> None:
    for position, char in enumerate(value, start=1):
        if char not in ALPHABET:
            hint = "（统一社会信用代码不使用字母 I、O、Z、S、V）" if char in _EXCLUDED else ""
            raise ValidationFailed(f"第{position}位字符“{char}”不合法{hint}", code="uscc_character")


# --- institution names --------------------------------------------------------------------------

_BRACKETS = str.maketrans({"〔": "(", "〕": ")", "【": "(", "】": ")", "[": "(", "]": ")",
                           "{": "(", "}": ")", "﹙": "(", "﹚": ")"})
_NAME_NOISE = re.compile(r"[\s\-‐‑‒–—―_·•・.,，。、;；:：'\"‘’“”`!！?？/\\|&＆+*#《》<>「」『』]+")
# Company-form suffixes: only the legal form, never the business words (培训、教育、学校 …)
_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "公司")


def normalise_name(name: str) -> str:
    """A matching key for institution names; never shown to users.

    Rule, in order: (1) NFKC, so full-width letters, digits and brackets （）become half-width;
    (2) 〔〕【】[]{} become ( ); (3) spaces, dashes, dots, commas, quotes, slashes, 《》 and other
    punctuation variants are removed; (4) Latin letters are lower-cased; (5) one trailing
    company-form suffix (股份有限公司, 有限责任公司, 有限公司, 公司) is removed, unless the name
    ends in 分公司 (a branch is a different party) or nothing would be left.
    So "北京 智学教育科技有限公司" and "北京智学教育科技公司" give the same key.
    """
    key = unicodedata.normalize("NFKC", name).translate(_BRACKETS)
    key = _NAME_NOISE.sub("", key).lower()
    if not key.endswith("分公司"):
        suffix = next((s for s in _SUFFIXES if key.endswith(s)), "")
        if suffix and len(key) > len(suffix):
            key = key[: -len(suffix)]
    return key
