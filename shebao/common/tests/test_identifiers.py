from datetime import date

import pytest

from shebao.common.errors import InvalidInput
from shebao.common.identifiers import (
    credit_code_check_char,
    id_check_digit,
    id_number_facts,
    mask_id_number,
    normalize_credit_code,
    normalize_id_number,
    normalize_mobile,
)


def test_known_valid_id_number():
    assert normalize_id_number("11010519491231002x") == "11010519491231002X"


def test_fifteen_digit_number_is_upgraded():
    assert normalize_id_number("110105491231002") == "11010519491231002X"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("11010519491231002", "ID_NUMBER_MALFORMED"),
        ("1101051949123100ZX", "ID_NUMBER_MALFORMED"),
        ("110105194912310021", "ID_NUMBER_BAD_CHECK"),
        ("110105194902300027", "ID_NUMBER_BAD_BIRTH_DATE"),  # 30 February
        ("110105491331002", "ID_NUMBER_BAD_BIRTH_DATE"),  # month 13, old format
    ],
)
def test_invalid_id_numbers_get_a_stable_code_and_chinese_message(raw, code):
    with pytest.raises(InvalidInput) as error:
        normalize_id_number(raw)
    assert error.value.code == code
    assert "公民身份号码" in error.value.message


def test_future_birth_date_is_refused():
    first17 = "11010520990101001"
    with pytest.raises(InvalidInput) as error:
        normalize_id_number(first17 + id_check_digit(first17), today=date(2026, 11, 22))
    assert error.value.code == "ID_NUMBER_BAD_BIRTH_DATE"


def test_area_codes_assigned_later_are_not_refused():
    # 220211 (丰满区) with a 1950 birth date: python-stdnum's validate() would refuse this.
    first17 = "22021119500101001"
    assert normalize_id_number(first17 + id_check_digit(first17)).startswith("220211")


def test_facts_and_masking():
    facts = id_number_facts("11010519491231002X")
    assert facts.birth_date == date(1949, 12, 31)
    assert facts.sex == "F"  # 17th digit 2 is even
    assert mask_id_number("11010519491231002X") == "110105********002X"


def test_known_valid_credit_code():
    assert normalize_credit_code(" 91110000600037341l ") == "91110000600037341L"


def test_credit_codes_starting_with_letters_are_valid():
    first17 = "N2220202MA0000001"
    code = first17 + credit_code_check_char(first17)
    assert normalize_credit_code(code) == code


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("91110000600037341", "CREDIT_CODE_MALFORMED"),
        ("9111000060003734IL", "CREDIT_CODE_MALFORMED"),  # I is not in the alphabet
        ("91110000600037341M", "CREDIT_CODE_BAD_CHECK"),
    ],
)
def test_invalid_credit_codes(raw, code):
    with pytest.raises(InvalidInput) as error:
        normalize_credit_code(raw)
    assert error.value.code == code
    assert "统一社会信用代码" in error.value.message


def test_mobile_numbers():
    assert normalize_mobile("+86 138-0000-1234") == "13800001234"
    with pytest.raises(InvalidInput):
        normalize_mobile("12345")
