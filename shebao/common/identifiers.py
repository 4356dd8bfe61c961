"""National identifiers: the resident ID number (GB 11643) and the unified social credit code
(GB 32100). See DOMAIN.md §10.

We compute the check characters ourselves instead of calling python-stdnum's ``validate``:
stdnum rejects real ID numbers whose area code was assigned after the birth year, and credit
codes whose registration authority is A, N or Y.

One spelling per identity: every identifier that comes in — from a page, the API, a file —
goes through :func:`identifier_text` (Unicode NFKC, every Unicode decimal digit as its ASCII
digit, no invisible format characters, trimmed) and then its kind's ``normalize_*`` function
(no inner spaces or dashes, upper-case check letter, then validated). ``２２０２０２１９８４０５２１０２６ｘ``,
`` 220202 19840521 026x`` and ``22020219840521026X`` are one person. Forms use
:class:`shebao.common.forms.IdentifierField` and the API the annotated types of
:mod:`shebao.common.schemas`; both apply :data:`SPELLINGS`, and the services validate with
:data:`NORMALIZERS`. ``manage.py identities_check`` finds stored rows spelled otherwise.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from shebao.common.errors import InvalidInput

# GB 11643-1999: weights 2^(17-i) mod 11, check = "10X98765432"[sum mod 11].
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID18 = re.compile(r"^[0-9]{17}[0-9X]$")
_ID15 = re.compile(r"^[0-9]{15}$")

# Characters that never belong inside a number a person types: spaces of every kind and the
# dashes people use to group digits (after NFKC the full-width ones are these ASCII ones).
_GROUPING = re.compile(r"[\s\-\u2010-\u2015\u2212]")


def identifier_text(raw: object) -> str:
    """The spelling step every identifier shares: NFKC, ASCII digits, no format characters,
    trimmed. It never raises and never changes letter case (staff numbers keep theirs).

    NFKC folds full-width and other compatibility forms (``２`` → ``2``, ``Ｘ`` → ``X``); digits
    of other scripts that NFKC keeps (Arabic-Indic ``٢``, Devanagari ``२`` …) are mapped to
    their ASCII value too, since Python's ``int`` and ``\\d`` accept them and a lookup would
    not. Zero-width and other format characters (category Cf) are dropped.
    """
    if raw is None:
        return ""
    text = unicodedata.normalize("NFKC", str(raw))
    chars = []
    for char in text:
        if char.isascii():
            chars.append(char)
            continue
        digit = unicodedata.decimal(char, None)
        if digit is not None:
            chars.append(str(digit))
        elif unicodedata.category(char) != "Cf":
            chars.append(char)
    return "".join(chars).strip()


def _compact(raw: object) -> str:
    """A number's one spelling: :func:`identifier_text`, no spaces or dashes, upper-case."""
    return _GROUPING.sub("", identifier_text(raw)).upper()


def id_number_spelling(raw: object) -> str:
    """An ID number's one spelling, without validating it (a 15-digit one stays 15 digits)."""
    return _compact(raw)


def credit_code_spelling(raw: object) -> str:
    """A credit code's one spelling, without validating it."""
    return _compact(raw)


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

    Accepts any spelling :func:`identifier_text` folds, spaces and a lower-case ``x``. The birth
    date must be a real date, not in the future; the check character must match.
    """
    text = _compact(raw)
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
    text = _compact(raw)
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


_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")


def mobile_spelling(raw: object) -> str:
    """A mobile number's one spelling, without validating it: ``+86`` and ``0086`` dropped."""
    text = _compact(raw)
    for prefix in ("+86", "0086"):
        if text.startswith(prefix) and len(text) == len(prefix) + 11:
            text = text[len(prefix) :]
    return text


def normalize_mobile(raw: str, *, field: str | None = "mobile") -> str:
    """A mainland mobile number: 11 digits starting with 13–19."""
    text = mobile_spelling(raw)
    if not _MOBILE.match(text):
        raise InvalidInput("手机号码应为11位数字", code="MOBILE_INVALID", field=field)
    return text


def looks_like_mobile(raw: object) -> bool:
    """Whether a sign-in identifier is a mobile number rather than an ID number."""
    return bool(_MOBILE.match(mobile_spelling(raw)))


def mask_mobile(mobile: str) -> str:
    return mobile[:3] + "****" + mobile[7:] if len(mobile) == 11 else mobile


_CODE = re.compile(r"^[0-9]{6}$")


def verification_code_spelling(raw: object) -> str:
    """An SMS verification (or activation) code in its one spelling, without validating it."""
    return _compact(raw)


def normalize_verification_code(raw: str, *, field: str | None = "code") -> str:
    """A 6-digit SMS code; raise if it is not one."""
    text = verification_code_spelling(raw)
    if not _CODE.match(text):
        raise InvalidInput("短信验证码应为6位数字", code="CODE_MALFORMED", field=field)
    return text


# Bank accounts. A bank card number (a social security card's financial account, a type-I debit
# card) is 16–19 digits ending in a Luhn (ISO/IEC 7812) check digit; other accounts (a unit's
# basic deposit account, a passbook) are 8–30 digits with no check digit anyone can verify.
_BANK_CARD = re.compile(r"^[0-9]{16,19}$")
_BANK_ACCOUNT = re.compile(r"^[0-9]{8,30}$")


def luhn_valid(digits: str) -> bool:
    """Whether ``digits`` (ASCII digits, check digit last) passes the Luhn check."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def bank_account_spelling(raw: object) -> str:
    """A bank card or account number in its one spelling, without validating it."""
    return _compact(raw)


def normalize_bank_card(raw: str, *, field: str | None = "bank_card") -> str:
    """A bank card number: 16–19 digits whose last digit is its Luhn check digit."""
    text = bank_account_spelling(raw)
    if not _BANK_CARD.match(text):
        raise InvalidInput("银行卡号应为16至19位数字", code="BANK_CARD_MALFORMED", field=field)
    if not luhn_valid(text):
        raise InvalidInput(
            "银行卡号校验位不正确，请核对卡面号码后重新输入",
            code="BANK_CARD_BAD_CHECK",
            field=field,
        )
    return text


def normalize_bank_account(raw: str, *, field: str | None = "bank_account") -> str:
    """A bank account number (not necessarily a card): 8–30 digits."""
    text = bank_account_spelling(raw)
    if not _BANK_ACCOUNT.match(text):
        raise InvalidInput("银行账号应为8至30位数字", code="BANK_ACCOUNT_MALFORMED", field=field)
    return text


def mask_bank_account(number: str) -> str:
    """Display form that keeps the bank's prefix and the last four: 622202*********4567."""
    if len(number) <= 10:
        return number[:2] + "*" * max(len(number) - 4, 0) + number[-2:]
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


# Postal item numbers (邮件号) of EMS and China Post parcels: the UPU S10 form, two letters for
# the service, eight serial digits, a check digit and the country code (EA123456785CN). The check
# digit weighs the serial digits 8 6 4 2 3 5 9 7; 11 minus the sum modulo 11, with 10 read as 0
# and 11 as 5 (UPU standard S10).
_TRACKING = re.compile(r"^[A-Z]{2}[0-9]{9}[A-Z]{2}$")
_S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


def s10_check_digit(serial: str) -> str:
    """The S10 check digit of an eight-digit serial."""
    remainder = 11 - sum(int(d) * w for d, w in zip(serial, _S10_WEIGHTS, strict=True)) % 11
    return {10: "0", 11: "5"}.get(remainder, str(remainder))


def tracking_number_spelling(raw: object) -> str:
    """A postal item number in its one spelling (upper case, no spaces), without validating."""
    return _compact(raw)


def normalize_tracking_number(raw: str, *, field: str | None = "tracking_number") -> str:
    """An EMS / China Post item number in the S10 form, its check digit verified."""
    text = tracking_number_spelling(raw)
    if not _TRACKING.match(text):
        raise InvalidInput(
            "邮件号应为13位：2位字母、9位数字和2位国家代码，如 EA123456785CN",
            code="TRACKING_NUMBER_MALFORMED",
            field=field,
        )
    if s10_check_digit(text[2:10]) != text[10]:
        raise InvalidInput(
            "邮件号校验位不正确，请核对邮件详情单上的号码后重新输入",
            code="TRACKING_NUMBER_BAD_CHECK",
            field=field,
        )
    return text


def mask_card_number(number: str) -> str:
    """A social security card number (社会保障卡卡号, 9 characters) as shown: A1****678."""
    if len(number) <= 5:
        return number
    return number[:2] + "*" * (len(number) - 5) + number[-3:]


# The one table of identifier kinds: the spelling step a form or API field applies (never
# raises) and the normaliser a service validates with (raises InvalidInput with a Chinese
# message). ``identifier`` is a sign-in name that may be an ID number, a mobile or a staff
# number: it gets only the shared step until the service knows which it is.
SPELLINGS: dict[str, Callable[[object], str]] = {
    "id_number": id_number_spelling,
    "credit_code": credit_code_spelling,
    "mobile": mobile_spelling,
    "verification_code": verification_code_spelling,
    "bank_card": bank_account_spelling,
    "bank_account": bank_account_spelling,
    "tracking_number": tracking_number_spelling,
    "identifier": identifier_text,
}
NORMALIZERS: dict[str, Callable[..., str]] = {
    "id_number": normalize_id_number,
    "credit_code": normalize_credit_code,
    "mobile": normalize_mobile,
    "verification_code": normalize_verification_code,
    "bank_card": normalize_bank_card,
    "bank_account": normalize_bank_account,
    "tracking_number": normalize_tracking_number,
}


# How a field that carries an identifier is recognised by its name, and the kinds it may be
# spelled as. Page forms, API schemas and the catalogue's form definitions are checked against
# it (tests, and the catalogue loader), so a new identifier field cannot skip the normaliser.
FIELD_NAME_KINDS: tuple[tuple[re.Pattern[str], frozenset[str]], ...] = (
    (re.compile(r"(^|_)id_number$"), frozenset({"id_number"})),
    (re.compile(r"(^|_)credit_code$"), frozenset({"credit_code"})),
    (re.compile(r"(^|_)mobile$"), frozenset({"mobile"})),
    (re.compile(r"(^|_)(card_number|bank_card)$"), frozenset({"bank_card"})),
    (re.compile(r"(^|_)(account|bank_account)$"), frozenset({"bank_account", "bank_card"})),
    (re.compile(r"(^|_)tracking_number$"), frozenset({"tracking_number"})),
    (re.compile(r"^(identifier|username|staff_number)$"), frozenset({"identifier"})),
    (re.compile(r"^(code|verification_code|sms_code)$"), frozenset({"verification_code"})),
)


def identifier_kinds_for_name(name: str) -> frozenset[str] | None:
    """The identifier kinds a field named ``name`` must be spelled as, or None if the name
    does not say it carries an identifier."""
    for pattern, kinds in FIELD_NAME_KINDS:
        if pattern.search(name):
            return kinds
    return None
