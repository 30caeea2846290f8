"""统一社会信用代码 validation (vectors listed in docs/law.md §6) and institution-name keys."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cases.errors import ValidationFailed
from cases.uscc import ALPHABET, WEIGHTS, is_valid_uscc, normalise_name, uscc_check_char, validate_uscc


@pytest.mark.parametrize(
    "code",
    [
        "914403001922038216",
        "9144030071526726XG",
        "91440300708461136T",
        "91110000600037341L",
        "121200004013590816",
    ],
)
def test_valid_vectors(code: str) -> None:
    assert validate_uscc(code) == code
    assert uscc_check_char(code[:17]) == code[17]


def test_weights_are_powers_of_three_mod_31() -> None:
    assert WEIGHTS[:6] == (1, 3, 9, 27, 19, 26) and WEIGHTS[-1] == 28
    assert len(ALPHABET) == 31 and not set("IOZSV") & set(ALPHABET)


def test_wrong_check_character_names_expected_and_actual() -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_uscc("91110000600037341N")
    assert caught.value.code == "uscc_checksum"
    assert "应为“L”" in caught.value.message and "实为“N”" in caught.value.message


def test_excluded_letters_are_refused_with_the_position() -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_uscc("9111000060003IOZSV")
    assert caught.value.code == "uscc_character"
    assert "第14位" in caught.value.message and "I、O、Z、S、V" in caught.value.message


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("", "uscc_empty"),
        ("91440300192203821", "uscc_length"),
        ("9144030019220382161", "uscc_length"),
        ("014403001922038216", "uscc_authority"),
        ("B14403001922038216", "uscc_authority"),
        ("9A4403001922038216", "uscc_structure"),
        ("9144A3001922038216", "uscc_structure"),
        ("91440300192203821!", "uscc_character"),
    ],
)
def test_structure_errors(code: str, error: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_uscc(code)
    assert caught.value.code == error
    assert not is_valid_uscc(code)


def test_normalisation_full_width_spaces_hyphens_case() -> None:
    assert validate_uscc(" ９１４４－０３００ １９２２－０３８２１６ ") == "914403001922038216"
    assert validate_uscc("9144030071526726xg") == "9144030071526726XG"
    assert validate_uscc("9144\u30000300-7152-6726-XG") == "9144030071526726XG"


@pytest.mark.parametrize("first", ["A", "N", "Y"])
def test_agriculture_other_and_military_codes_are_accepted(first: str) -> None:
    body = f"{first}1110000600037341"
    assert validate_uscc(body + uscc_check_char(body)) == body + uscc_check_char(body)


@given(st.text(alphabet=ALPHABET, min_size=17, max_size=17))
def test_generated_codes_round_trip(body: str) -> None:
    code = body + uscc_check_char(body)
    if code[0] in "123456789ANY" and code[1:8].isdigit():
        assert validate_uscc(code) == code
    # any single-character change of the check character is caught
    other = ALPHABET[(ALPHABET.index(code[17]) + 1) % 31]
    assert not is_valid_uscc(code[:17] + other)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("腾讯科技（深圳）有限公司", "腾讯科技(深圳)有限公司"),
        ("北京 智学教育科技有限公司", "北京智学教育科技公司"),
        ("智学教育科技有限责任公司", "智学·教育科技"),
        ("ＡＢＣ艺术培训学校", "abc艺术培训学校"),
        ("星火【南明】培训中心", "星火(南明)培训中心"),
        ("“博学”教育咨询股份有限公司", "博学教育咨询"),
    ],
)
def test_name_variants_share_a_key(a: str, b: str) -> None:
    assert normalise_name(a) == normalise_name(b)


def test_name_keys_keep_what_distinguishes() -> None:
    assert normalise_name("智学教育科技有限公司南明分公司") != normalise_name("智学教育科技有限公司")
    assert normalise_name("智学培训学校") != normalise_name("智学")
    assert normalise_name("有限公司") == "有限公司"
