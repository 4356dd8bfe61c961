from datetime import timedelta

import pytest
from django.utils import timezone
from freezegun import freeze_time

from shebao.accounts.models import SignInEvent, UnitMembership, User
from shebao.accounts.services import sign_in_authenticate
from shebao.common.errors import DomainError
from shebao.testing import (
    PASSWORD,
    make_individual,
    make_member,
    make_person,
    make_staff,
    make_unit,
)

pytestmark = pytest.mark.django_db


def _sign_in(**kwargs):
    kwargs.setdefault("password", PASSWORD)
    return sign_in_authenticate(**kwargs)


def test_an_individual_signs_in_with_the_id_number_or_the_mobile():
    user = make_individual()

    by_id = _sign_in(kind="individual", identifier=user.username.lower(), ip="10.0.0.1")
    by_mobile = _sign_in(kind="individual", identifier=user.mobile)

    assert (by_id.user, by_id.context) == (user, "individual")
    assert by_mobile.user == user
    event = SignInEvent.objects.filter(user=user).order_by("id").first()
    assert (event.outcome, event.context, event.channel, str(event.ip)) == (
        "success",
        "individual",
        "page",
        "10.0.0.1",
    )


def test_a_15_digit_id_number_is_upgraded_before_lookup():
    person = make_person(id_no="11010519491231002X", name="老张")
    user = make_individual(person=person)

    result = _sign_in(kind="individual", identifier="110105491231002")

    assert result.user == user


def test_a_unit_user_signs_in_with_the_credit_code_and_own_id_number():
    unit = make_unit()
    operator = make_member(unit, UnitMembership.Role.OPERATOR)

    result = _sign_in(
        kind="unit", identifier=operator.username, credit_code=unit.credit_code.lower()
    )

    assert result.context == f"unit:{unit.pk}"


def test_a_unit_sign_in_without_an_active_membership_is_refused():
    unit = make_unit()
    other_unit = make_unit(name="另一家单位")
    user = make_member(other_unit, UnitMembership.Role.ADMIN)
    revoked = make_member(unit, UnitMembership.Role.OPERATOR)
    UnitMembership.objects.filter(user=revoked).update(revoked_at=timezone.now())

    for who in (user, revoked):
        with pytest.raises(DomainError) as refused:
            _sign_in(kind="unit", identifier=who.username, credit_code=unit.credit_code)
        assert refused.value.code == "CONTEXT_NOT_ALLOWED"
        assert refused.value.status == 403
        assert "您不是该单位的有效用户" in refused.value.message
    assert SignInEvent.objects.filter(outcome="refused").count() == 2
    assert User.objects.get(pk=user.pk).failed_logins == 0


def test_staff_sign_in_needs_a_staff_profile():
    staff = make_staff(username="S1001")
    bare = User.objects.create_user("S1002", PASSWORD, kind=User.Kind.STAFF, name="无配置")

    assert _sign_in(kind="staff", identifier="S1001").user == staff
    with pytest.raises(DomainError) as refused:
        _sign_in(kind="staff", identifier="S1002")
    assert refused.value.code == "CONTEXT_NOT_ALLOWED"
    assert bare.pk


def test_an_individual_cannot_sign_in_on_the_staff_tab():
    user = make_individual()

    with pytest.raises(DomainError) as refused:
        _sign_in(kind="staff", identifier=user.username)

    assert refused.value.code == "LOGIN_FAILED"


def test_wrong_passwords_count_down_then_lock(settings):
    settings.SHEBAO_LOGIN_MAX_FAILURES = 3
    settings.SHEBAO_LOGIN_LOCK_MINUTES = 15
    user = make_individual()

    with freeze_time("2026-03-02 01:00:00"):  # 09:00 in Asia/Shanghai
        with pytest.raises(DomainError) as first:
            _sign_in(kind="individual", identifier=user.username, password="wrong")
        assert (first.value.code, first.value.message, first.value.status) == (
            "LOGIN_FAILED",
            "账号或密码错误，还可尝试 2 次",
            401,
        )
        with pytest.raises(DomainError):
            _sign_in(kind="individual", identifier=user.username, password="wrong")
        with pytest.raises(DomainError) as third:
            _sign_in(kind="individual", identifier=user.username, password="wrong")
        assert third.value.code == "ACCOUNT_LOCKED"
        assert "账号已锁定至 2026-03-02 09:15" in third.value.message

        # locked: even the right password is refused, and not counted
        with pytest.raises(DomainError) as locked:
            _sign_in(kind="individual", identifier=user.username)
        assert locked.value.code == "ACCOUNT_LOCKED"
        # the lock is on the person, whatever the context
        unit = make_unit()
        make_member(unit, UnitMembership.Role.OPERATOR, user=user)
        with pytest.raises(DomainError) as as_unit:
            _sign_in(kind="unit", identifier=user.username, credit_code=unit.credit_code)
        assert as_unit.value.code == "ACCOUNT_LOCKED"

    with freeze_time("2026-03-02 01:15:01"):
        assert _sign_in(kind="individual", identifier=user.username).user == user
    user.refresh_from_db()
    assert (user.failed_logins, user.locked_until) == (0, None)
    outcomes = list(
        SignInEvent.objects.filter(user=user).order_by("id").values_list("outcome", "code")
    )
    assert outcomes == [
        ("failure", "LOGIN_FAILED"),
        ("failure", "LOGIN_FAILED"),
        ("failure", "ACCOUNT_LOCKED"),
        ("locked", "ACCOUNT_LOCKED"),
        ("locked", "ACCOUNT_LOCKED"),
        ("success", ""),
    ]


def test_a_success_resets_the_count():
    user = make_individual()
    with pytest.raises(DomainError):
        _sign_in(kind="individual", identifier=user.username, password="wrong")
    assert User.objects.get(pk=user.pk).failed_logins == 1

    _sign_in(kind="individual", identifier=user.username)

    assert User.objects.get(pk=user.pk).failed_logins == 0


def test_an_unknown_id_number_gets_the_same_answers(settings):
    settings.SHEBAO_LOGIN_MAX_FAILURES = 2
    person = make_person()  # in the registry, without an account

    with pytest.raises(DomainError) as first:
        _sign_in(kind="individual", identifier=person.id_number)
    with pytest.raises(DomainError) as second:
        _sign_in(kind="individual", identifier=person.id_number)
    with pytest.raises(DomainError) as third:
        _sign_in(kind="individual", identifier=person.id_number)

    assert (first.value.code, first.value.message) == (
        "LOGIN_FAILED",
        "账号或密码错误，还可尝试 1 次",
    )
    assert second.value.code == "ACCOUNT_LOCKED"
    assert third.value.code == "ACCOUNT_LOCKED"
    assert User.objects.count() == 0


def test_a_disabled_account_is_refused_after_the_password():
    user = make_individual()
    User.objects.filter(pk=user.pk).update(is_active=False)

    with pytest.raises(DomainError) as refused:
        _sign_in(kind="individual", identifier=user.username)

    assert (refused.value.code, refused.value.message) == (
        "ACCOUNT_DISABLED",
        "该账号已停用，如有疑问请联系经办机构",
    )


@pytest.mark.parametrize(
    ("kwargs", "code", "field"),
    [
        (
            {"kind": "individual", "identifier": "22020219800101001"},
            "ID_NUMBER_MALFORMED",
            "identifier",
        ),
        ({"kind": "individual", "identifier": ""}, "IDENTIFIER_REQUIRED", "identifier"),
        (
            {"kind": "unit", "identifier": "x", "credit_code": "123"},
            "CREDIT_CODE_MALFORMED",
            "credit_code",
        ),
        ({"kind": "staff", "identifier": "  "}, "STAFF_NUMBER_REQUIRED", "staff_number"),
        ({"kind": "partner", "identifier": "bank"}, "CONTEXT_INVALID", "context"),
    ],
)
def test_malformed_input_is_an_input_error_not_a_failure(kwargs, code, field):
    with pytest.raises(DomainError) as refused:
        _sign_in(**kwargs)

    assert (refused.value.code, refused.value.field, refused.value.status) == (code, field, 422)
    assert SignInEvent.objects.count() == 0


def test_a_mobile_shared_by_two_accounts_asks_for_the_id_number():
    first = make_individual()
    second = make_individual(name="李四")
    User.objects.filter(pk=second.pk).update(mobile=first.mobile)

    with pytest.raises(DomainError) as refused:
        _sign_in(kind="individual", identifier=first.mobile)

    assert refused.value.code == "MOBILE_AMBIGUOUS"


def test_the_api_refuses_a_temporary_password(settings):
    user = make_individual()
    User.objects.filter(pk=user.pk).update(password_must_change=True)

    with pytest.raises(DomainError) as refused:
        _sign_in(kind="individual", identifier=user.username, channel="api")

    assert refused.value.code == "PASSWORD_CHANGE_REQUIRED"
    assert _sign_in(kind="individual", identifier=user.username).user == user  # pages allow it


def test_the_lock_ends_on_its_own(settings):
    user = make_individual()
    User.objects.filter(pk=user.pk).update(
        locked_until=timezone.now() - timedelta(seconds=1), failed_logins=0
    )

    assert _sign_in(kind="individual", identifier=user.username).user == user
