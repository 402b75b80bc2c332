"""Unified social credit codes: both check characters, the division code, the generator."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhengkedai.imports.uscc import (
    CHARSET,
    division_code,
    is_valid_uscc,
    make_uscc,
    org_check_char,
    organisation_code,
    uscc_check_char,
    uscc_error,
)

# Worked by hand for make_uscc("410100", 1):
#   organisation body 00000001, GB 11714 weights 3,7,9,10,5,8,4,2:
#     sum = 1 x 2 = 2; 11 - 2 mod 11 = 9  -> organisation code 000000019
#   first 17 = 9 1 4 1 0 1 0 0 0 0 0 0 0 0 0 1 9, weights 1,3,9,27,19,26,16,17,20,29,25,13,8,24,10,30,28
#     9x1 + 1x3 + 4x9 + 1x27 + 0 + 1x26 + 0 ... + 1x30 + 9x28 = 9+3+36+27+26+30+252 = 383
#     383 mod 31 = 11; 31 - 11 = 20; CHARSET[20] = "L"   (0-9, A10 ... H17 J18 K19 L20)
HAND_CHECKED = "91410100000000019L"


def test_a_hand_checked_code_is_what_the_generator_makes_and_it_verifies():
    assert make_uscc("410100", 1) == HAND_CHECKED
    assert uscc_error(HAND_CHECKED) is None


@pytest.mark.parametrize("code", [
    "91350100M000100Y43",  # the example of GB 32100-2015
    "91110000600037341L",
    "91440300708461136T",
])
def test_published_codes_verify(code):
    assert is_valid_uscc(code)


def test_lower_case_and_full_width_codes_are_normalised_before_checking():
    assert is_valid_uscc(HAND_CHECKED.lower())
    assert is_valid_uscc("９１４１０１０００００００００１９Ｌ")


def test_a_wrong_check_character_names_the_right_one():
    assert uscc_error("91410100000000019M") == (
        "check character is M, should be L (GB 32100-2015)")


def test_a_wrong_organisation_check_digit_is_refused_even_when_the_18th_fits():
    first17 = "91410100000000018"  # organisation check should be 9
    code = first17 + uscc_check_char(first17)
    assert "organisation code 000000018 does not verify" in uscc_error(code)


@pytest.mark.parametrize(("code", "reason"), [
    ("9141010000000001", "18 characters, not 16"),
    ("91410100000000019LL", "18 characters, not 19"),
    ("9141010000000001IL", "character 'I' is not allowed"),
    ("914101O0000000019L", "character 'O' is not allowed"),
    ("91A10100000000019L", "six-digit division code"),
])
def test_malformed_codes_are_refused_with_the_reason(code, reason):
    assert reason in uscc_error(code)


def test_the_division_and_organisation_codes_are_read_from_their_positions():
    code = make_uscc("410200", 7)
    assert division_code(code) == "410200"
    assert organisation_code(code) == "000000078"


def test_organisation_check_digits_ten_and_eleven_are_x_and_zero():
    bodies = {org_check_char(f"{i:08d}") for i in range(200)}
    assert "X" in bodies and "0" in bodies


def test_the_generator_refuses_a_bad_division():
    with pytest.raises(ValueError):
        make_uscc("4101", 1)


@given(st.sampled_from(["410100", "410102", "410200", "110000"]), st.integers(0, 10**8 - 1))
def test_every_generated_code_verifies_and_one_changed_character_does_not(division, seq):
    code = make_uscc(division, seq)
    assert uscc_error(code) is None
    for pos in (0, 5, 12, 17):
        other = CHARSET[(CHARSET.index(code[pos]) + 1) % len(CHARSET)]
        assert uscc_error(code[:pos] + other + code[pos + 1:]) is not None
