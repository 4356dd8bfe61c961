"""National identifiers: the resident ID number (GB 11643) and the unified social credit code
(GB 32100). See DOMAIN.md §10.

We compute the check characters ourselves instead of calling python-stdnum's ``validate``:
stdnum rejects real ID numbers whose area code was assigned after the birth year, and credit
codes whose registration authority is A, N or Y.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from shebao.common.errors import InvalidInput

# GB 11643-1999: weights 2^(17-i) mod 11, check = "10X98765432"[sum mod 11].
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID18 = re.compile(r"^\d{17}[\dX]$")
_ID15 = re.compile(r"^\d{15}$")


def id_check_digit(first17: str) -> str:
    """The check character of an 18-digit ID number from its first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def _birth_date(digits: str, *, field: str | None) -> date:
    try:
        born = date(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise InvalidInput(
            "公民身份号码中的出生日期无效", code="ID_NUMBER_BAD_BIRTH_DATE", field=field
        ) from None
    if born.year < 1880:
        raise InvalidInput(
            "公民身份号码中的出生日期无效", code="ID_NUMBER_BAD_BIRTH_DATE", field=field
        )
    return born


def normalize_id_number(
    raw: str, *, field: str | None = "id_number", today: date | None = None
) -> str:
    """Return the 18-character ID number, upgrading a 15-digit one; raise on anything invalid.

    Accepts surrounding spaces and a lower-case ``x``. The birth date must be a real date, not
    in the future; the check character must match.
    """
    text = (raw or "").strip().upper()
    if _ID15.match(text):
        # 15-digit numbers (issued before 1999) have a 2-digit year of the 1900s and no check.
        first17 = text[:6] + "19" + text[6:]
        _birth_date(first17[6:14], field=field)
        text = first17 + id_check_digit(first17)
    if not _ID18.match(text):
        raise InvalidInput(
            "公民身份号码应为18位（最后一位可为X），或15位旧号码",
            code="ID_NUMBER_MALFORMED",
            field=field,
        )
    born = _birth_date(text[6:14], field=field)
    if born > (today or timezone.localdate()):
        raise InvalidInput(
            "公民身份号码中的出生日期无效", code="ID_NUMBER_BAD_BIRTH_DATE", field=field
        )
    if id_check_digit(text[:17]) != text[17]:
        raise InvalidInput(
            "公民身份号码校验位不正确，请核对后重新输入", code="ID_NUMBER_BAD_CHECK", field=field
        )
    return text


@dataclass(frozen=True)
class IdNumberFacts:
    birth_date: date
    sex: str  # "M" or "F"
    area_code: str


def id_number_facts(id_number: str) -> IdNumberFacts:
    """Birth date, sex (odd 17th digit = male) and area code of a normalized ID number."""
    return IdNumberFacts(
        birth_date=date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14])),
        sex="M" if int(id_number[16]) % 2 == 1 else "F",
        area_code=id_number[:6],
    )


def mask_id_number(id_number: str) -> str:
    """Display form that hides the birth date: 220202********1234."""
    return id_number[:6] + "*" * 8 + id_number[14:] if len(id_number) == 18 else id_number


# GB 32100-2015: 18 characters from this alphabet (no I, O, S, V, Z).
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC = re.compile(rf"^[{USCC_ALPHABET}]{{18}}$")


def credit_code_check_char(first17: str) -> str:
    total = sum(
        USCC_ALPHABET.index(char) * weight
        for char, weight in zip(first17, _USCC_WEIGHTS, strict=True)
    )
    return USCC_ALPHABET[(31 - total % 31) % 31]


def normalize_credit_code(raw: str, *, field: str | None = "credit_code") -> str:
    """Return the upper-case 18-character unified social credit code; raise if invalid."""
    text = (raw or "").strip().upper()
    if not _USCC.match(text):
        raise InvalidInput(
            "统一社会信用代码应为18位数字或大写字母（不含I、O、S、V、Z）",
            code="CREDIT_CODE_MALFORMED",
            field=field,
        )
    if credit_code_check_char(text[:17]) != text[17]:
        raise InvalidInput(
            "统一社会信用代码校验位不正确，请核对后重新输入",
            code="CREDIT_CODE_BAD_CHECK",
            field=field,
        )
    return text


_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def normalize_mobile(raw: str, *, field: str | None = "mobile") -> str:
    """A mainland mobile number: 11 digits starting with 13–19."""
    text = re.sub(r"[\s-]", "", raw or "")
    if text.startswith("+86"):
        text = text[3:]
    if not _MOBILE.match(text):
        raise InvalidInput("手机号码应为11位数字", code="MOBILE_INVALID", field=field)
    return text


def mask_mobile(mobile: str) -> str:
    return mobile[:3] + "****" + mobile[7:] if len(mobile) == 11 else mobile
