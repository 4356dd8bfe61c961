from datetime import timedelta

import pytest
from django.db import transaction
from freezegun import freeze_time

from shebao.accounts.models import VerificationCode
from shebao.accounts.services.codes import (
    CODE_DAILY_LIMIT,
    CodeRejected,
    code_request,
    code_send,
    code_take,
    code_use,
)
from shebao.common.errors import DomainError
from shebao.notifications.models import OutboundMessage
from shebao.testing import last_code, make_individual, mobile

pytestmark = pytest.mark.django_db
REGISTER = VerificationCode.Purpose.REGISTER


def _check(number: str, code: str, purpose: str = REGISTER, **kwargs) -> VerificationCode:
    """What a service does: take the code in a transaction, count a wrong guess after it."""
    try:
        with transaction.atomic():
            row = code_take(mobile=number, purposes=(purpose,), code=code, **kwargs)
            code_use(row)
            return row
    except CodeRejected as rejected:
        raise rejected.record() from None


def test_a_code_is_texted_and_only_its_hash_is_kept():
    number = mobile()

    row, raw = code_send(mobile=number, purpose=REGISTER)

    sms = OutboundMessage.objects.get(to=number)
    assert sms.purpose == OutboundMessage.Purpose.VERIFICATION
    assert raw in sms.body and "10 分钟内有效" in sms.body
    assert len(row.code_hash) == 64 and raw not in row.code_hash
    assert row.expires_at - row.created_at == timedelta(minutes=10)


def test_the_right_code_is_accepted_once():
    number = mobile()
    code_send(mobile=number, purpose=REGISTER)
    code = last_code(number)

    row = _check(number, code)

    assert row.used_at is not None
    with pytest.raises(DomainError) as refused:
        _check(number, code)
    assert refused.value.code == "CODE_INVALID"


def test_a_wrong_code_is_counted_and_the_code_dies_after_the_maximum(settings):
    settings.SHEBAO_CODE_MAX_ATTEMPTS = 3
    number = mobile()
    code_send(mobile=number, purpose=REGISTER)
    code = last_code(number)
    wrong = "000000" if code != "000000" else "111111"

    with pytest.raises(DomainError) as first:
        _check(number, wrong)
    assert (first.value.code, first.value.message) == (
        "CODE_INVALID",
        "验证码不正确，还可尝试 2 次",
    )
    with pytest.raises(DomainError):
        _check(number, wrong)
    with pytest.raises(DomainError) as third:
        _check(number, wrong)
    assert third.value.code == "CODE_TOO_MANY_ATTEMPTS"
    # now even the right code is refused
    with pytest.raises(DomainError) as dead:
        _check(number, code)
    assert dead.value.code == "CODE_TOO_MANY_ATTEMPTS"
    assert VerificationCode.objects.get().attempts == 3
    assert VerificationCode.objects.get().used_at is None


def test_a_code_expires(settings):
    settings.SHEBAO_CODE_TTL_MINUTES = 10
    number = mobile()
    with freeze_time("2026-03-02 09:00:00"):
        code_send(mobile=number, purpose=REGISTER)
    code = last_code(number)

    with freeze_time("2026-03-02 09:10:01"), pytest.raises(DomainError) as refused:
        _check(number, code)

    assert (refused.value.code, refused.value.message) == (
        "CODE_EXPIRED",
        "验证码已过期，请重新获取",
    )


def test_only_the_newest_code_counts_and_purposes_do_not_mix():
    number = mobile()
    with freeze_time("2026-03-02 09:00:00"):
        code_send(mobile=number, purpose=REGISTER)
        first = last_code(number)
    with freeze_time("2026-03-02 09:01:30"):
        code_send(mobile=number, purpose=REGISTER)
        second = last_code(number)
        if first != second:
            with pytest.raises(DomainError):
                _check(number, first)
        with pytest.raises(DomainError):
            _check(number, second, purpose=VerificationCode.Purpose.UNIT_REGISTER)
        assert _check(number, second).used_at is not None


def test_one_code_a_minute_and_ten_a_day_per_mobile():
    number = mobile()
    with freeze_time("2026-03-02 08:00:00"):
        code_send(mobile=number, purpose=REGISTER)
    with freeze_time("2026-03-02 08:00:30"), pytest.raises(DomainError) as too_soon:
        code_send(mobile=number, purpose=VerificationCode.Purpose.PASSWORD_RESET)
    assert too_soon.value.code == "CODE_TOO_FREQUENT"
    assert too_soon.value.status == 429
    assert too_soon.value.message == "验证码发送过于频繁，请 31 秒后再获取"

    for minute in range(1, CODE_DAILY_LIMIT):
        with freeze_time(f"2026-03-02 08:{minute * 2:02d}:00"):
            code_send(mobile=number, purpose=REGISTER)
    with freeze_time("2026-03-02 09:00:00"), pytest.raises(DomainError) as daily:
        code_send(mobile=number, purpose=REGISTER)
    assert daily.value.code == "CODE_DAILY_LIMIT"
    assert VerificationCode.objects.filter(mobile=number).count() == CODE_DAILY_LIMIT
    with freeze_time("2026-03-03 08:00:01"):
        code_send(mobile=number, purpose=REGISTER)


def test_one_address_may_ask_for_a_limited_number_of_codes_an_hour(monkeypatch):
    monkeypatch.setattr("shebao.accounts.services.codes.CODE_IP_HOURLY_LIMIT", 3)
    with freeze_time("2026-03-02 08:00:00"):
        for _ in range(3):
            code_send(mobile=mobile(), purpose=REGISTER, ip="10.9.9.9")
        with pytest.raises(DomainError) as refused:
            code_send(mobile=mobile(), purpose=REGISTER, ip="10.9.9.9")
        code_send(mobile=mobile(), purpose=REGISTER, ip="10.9.9.10")
    with freeze_time("2026-03-02 09:00:01"):
        code_send(mobile=mobile(), purpose=REGISTER, ip="10.9.9.9")

    assert (refused.value.code, refused.value.status) == ("CODE_IP_LIMIT", 429)
    assert VerificationCode.objects.filter(ip="10.9.9.9").count() == 4


def test_a_reset_code_goes_only_to_the_accounts_registered_mobile():
    user = make_individual()
    stranger = mobile()

    masked_right = code_request(
        purpose=VerificationCode.Purpose.PASSWORD_RESET, mobile=user.mobile, id_number=user.username
    )
    masked_wrong = code_request(
        purpose=VerificationCode.Purpose.PASSWORD_RESET, mobile=stranger, id_number=user.username
    )

    assert masked_right == user.mobile[:3] + "****" + user.mobile[7:]
    assert masked_wrong == stranger[:3] + "****" + stranger[7:]
    assert OutboundMessage.objects.filter(to=user.mobile).count() == 1
    assert OutboundMessage.objects.filter(to=stranger).count() == 0
    # the stranger's request is still counted, so its rate limit answers alike
    with pytest.raises(DomainError) as again:
        code_request(
            purpose=VerificationCode.Purpose.PASSWORD_RESET,
            mobile=stranger,
            id_number=user.username,
        )
    assert again.value.code == "CODE_TOO_FREQUENT"


def test_a_malformed_mobile_is_refused_without_a_row():
    with pytest.raises(DomainError) as refused:
        code_request(purpose=REGISTER, mobile="1380000")
    assert (refused.value.code, refused.value.message) == ("MOBILE_INVALID", "手机号码应为11位数字")
    assert VerificationCode.objects.count() == 0
