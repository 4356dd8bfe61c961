from datetime import timedelta

import pytest
from django.utils import timezone

from shebao.accounts.models import AccountEvent, ApiToken, User, VerificationCode
from shebao.accounts.services import code_request, password_change, password_reset
from shebao.accounts.tokens import token_actor, token_issue
from shebao.common.errors import DomainError
from shebao.testing import PASSWORD, last_code, make_individual, mobile

pytestmark = pytest.mark.django_db
NEW = "Brand-new-pass-9"


def test_a_signed_in_user_changes_the_password_with_the_old_one():
    user = make_individual()
    raw = token_issue(user=user, context="individual", name="app", ttl=timedelta(hours=1))

    password_change(user=user, old_password=PASSWORD, new_password=NEW, ip="10.1.1.1")

    user.refresh_from_db()
    assert user.check_password(NEW)
    assert user.password_changed_at is not None
    assert token_actor(raw).is_anonymous  # apps sign in again
    event = AccountEvent.objects.get()
    assert (event.action, event.actor, str(event.ip), event.detail) == (
        "password_changed",
        user,
        "10.1.1.1",
        {"tokens_revoked": 1},
    )


@pytest.mark.parametrize(
    ("old", "new", "code"),
    [
        ("wrong-old", NEW, "OLD_PASSWORD_WRONG"),
        (PASSWORD, PASSWORD, "PASSWORD_UNCHANGED"),
        (PASSWORD, "1234", "PASSWORD_TOO_WEAK"),
    ],
)
def test_a_refused_change_keeps_the_old_password(old, new, code):
    user = make_individual()

    with pytest.raises(DomainError) as refused:
        password_change(user=user, old_password=old, new_password=new)

    assert refused.value.code == code
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)
    assert AccountEvent.objects.count() == 0


def test_the_temporary_password_flag_is_cleared_by_a_change():
    user = make_individual()
    User.objects.filter(pk=user.pk).update(password_must_change=True)

    password_change(user=User.objects.get(pk=user.pk), old_password=PASSWORD, new_password=NEW)

    assert User.objects.get(pk=user.pk).password_must_change is False


def test_a_reset_by_sms_code_sets_the_password_and_unlocks():
    user = make_individual()
    User.objects.filter(pk=user.pk).update(
        failed_logins=3, locked_until=timezone.now() + timedelta(minutes=10)
    )
    code_request(purpose="password_reset", mobile=user.mobile, id_number=user.username)

    password_reset(
        id_number=user.username, mobile=user.mobile, code=last_code(user.mobile), new_password=NEW
    )

    user.refresh_from_db()
    assert user.check_password(NEW)
    assert (user.failed_logins, user.locked_until) == (0, None)
    assert AccountEvent.objects.get().action == "password_reset"


def test_a_reset_code_works_once():
    user = make_individual()
    code_request(purpose="password_reset", mobile=user.mobile, id_number=user.username)
    code = last_code(user.mobile)
    password_reset(id_number=user.username, mobile=user.mobile, code=code, new_password=NEW)

    with pytest.raises(DomainError) as again:
        password_reset(
            id_number=user.username, mobile=user.mobile, code=code, new_password="Third-pass-77"
        )

    assert again.value.code == "CODE_INVALID"
    assert User.objects.get(pk=user.pk).check_password(NEW)


def test_every_mismatch_gets_the_same_answer():
    user = make_individual()
    other = make_individual(name="李四")
    code_request(purpose="password_reset", mobile=user.mobile, id_number=user.username)
    code = last_code(user.mobile)
    answers = []
    for id_no, number, given in [
        (user.username, user.mobile, "000000" if code != "000000" else "111111"),  # wrong code
        (other.username, user.mobile, code),  # another account's ID number
        (user.username, mobile(), code),  # another mobile
        ("11010519491231002X", user.mobile, code),  # no account at all
    ]:
        with pytest.raises(DomainError) as refused:
            password_reset(id_number=id_no, mobile=number, code=given, new_password=NEW)
        answers.append((refused.value.code, refused.value.message))

    assert set(answers) == {("CODE_INVALID", "验证码不正确或已失效，请核对或重新获取")}
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)
    assert VerificationCode.objects.get().attempts == 1


def test_a_registration_code_does_not_reset_a_password():
    user = make_individual()
    code_request(purpose="register", mobile=user.mobile)

    with pytest.raises(DomainError) as refused:
        password_reset(
            id_number=user.username,
            mobile=user.mobile,
            code=last_code(user.mobile),
            new_password=NEW,
        )

    assert refused.value.code == "CODE_INVALID"


def test_a_reset_signs_apps_out():
    user = make_individual()
    token_issue(user=user, context="individual", name="app", ttl=timedelta(hours=1))
    code_request(purpose="password_reset", mobile=user.mobile, id_number=user.username)

    password_reset(
        id_number=user.username, mobile=user.mobile, code=last_code(user.mobile), new_password=NEW
    )

    assert ApiToken.objects.get().revoked_at is not None
