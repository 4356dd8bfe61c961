from datetime import date

import pytest

from shebao.accounts.models import AccountEvent, User, VerificationCode
from shebao.accounts.services import account_register, code_send
from shebao.common.errors import DomainError
from shebao.registry.models import Person
from shebao.testing import (
    PASSWORD,
    id_number,
    last_code,
    make_individual,
    make_person,
    mobile,
)

pytestmark = pytest.mark.django_db


def _register(*, name, id_no, number=None, code=None, **kwargs):
    number = number or mobile()
    if code is None:
        code_send(mobile=number, purpose=VerificationCode.Purpose.REGISTER)
        code = last_code(number)
    kwargs.setdefault("password", PASSWORD)
    return account_register(name=name, id_number=id_no, mobile=number, code=code, **kwargs)


def _nothing_written(persons: int = 0):
    assert User.objects.count() == 0
    assert Person.objects.count() == persons
    assert AccountEvent.objects.count() == 0


def test_a_person_in_the_registry_gets_an_account_tied_to_them():
    person = make_person(name="李丽")
    number = mobile()

    user = _register(name=" 李 丽 ", id_no=person.id_number.lower(), number=number)

    assert (user.username, user.kind, user.name, user.person, user.mobile) == (
        person.id_number,
        "individual",
        "李丽",
        person,
        number,
    )
    assert user.check_password(PASSWORD)
    assert user.password_changed_at is not None
    person.refresh_from_db()
    assert person.verification == Person.Verification.VERIFIED
    event = AccountEvent.objects.get()
    assert (event.action, event.subject, event.detail) == (
        "registered",
        user,
        {"person_verification": "verified"},
    )
    assert VerificationCode.objects.get().used_at is not None


def test_a_name_that_differs_from_the_registry_is_refused():
    person = make_person(name="李丽")

    with pytest.raises(DomainError) as refused:
        _register(name="李力", id_no=person.id_number)

    assert (refused.value.code, refused.value.message, refused.value.field) == (
        "NAME_MISMATCH",
        "姓名与公民身份号码不一致",
        "name",
    )
    _nothing_written(persons=1)
    assert VerificationCode.objects.get().used_at is None  # the code can be used after fixing


def test_a_person_with_an_account_is_sent_to_sign_in():
    user = make_individual(name="李丽")

    with pytest.raises(DomainError) as refused:
        _register(name="李丽", id_no=user.username)

    assert refused.value.code == "ACCOUNT_EXISTS"
    assert "请直接登录" in refused.value.message and "找回密码" in refused.value.message
    assert User.objects.count() == 1


def test_someone_not_in_the_registry_is_recorded_pending_from_the_id_number():
    id_no = id_number(area="220203", born="19920229", serial="024")  # even: female

    user = _register(name="周敏", id_no=id_no, district_code="220203")

    person = user.person
    assert (
        person.name,
        person.sex,
        person.birth_date,
        person.district_id,
        person.verification,
    ) == (
        "周敏",
        "F",
        date(1992, 2, 29),
        "220203",
        "pending",
    )
    assert AccountEvent.objects.get().detail == {"person_verification": "pending"}


def test_someone_not_in_the_registry_must_choose_a_district():
    with pytest.raises(DomainError) as refused:
        _register(name="周敏", id_no=id_number())

    assert (refused.value.code, refused.value.field) == ("DISTRICT_REQUIRED", "district")
    _nothing_written()


def test_a_city_is_not_a_district():
    with pytest.raises(DomainError) as refused:
        _register(name="周敏", id_no=id_number(), district_code="220200")
    assert refused.value.code == "DISTRICT_INVALID"


def test_a_wrong_code_creates_nothing_and_counts():
    person = make_person(name="李丽")
    number = mobile()
    code_send(mobile=number, purpose=VerificationCode.Purpose.REGISTER)
    wrong = "000000" if last_code(number) != "000000" else "111111"

    with pytest.raises(DomainError) as refused:
        _register(name="李丽", id_no=person.id_number, number=number, code=wrong)

    assert refused.value.code == "CODE_INVALID"
    _nothing_written(persons=1)
    assert VerificationCode.objects.get().attempts == 1


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1x", "密码不符合要求：长度不能少于 8 位。"),
        ("80571946023", "密码不符合要求：不能全部为数字。"),
        ("password", "密码不符合要求：过于常见，容易被猜中。"),
    ],
)
def test_weak_passwords_get_chinese_reasons(password, message):
    with pytest.raises(DomainError) as refused:
        _register(name="周敏", id_no=id_number(), district_code="220202", password=password)

    assert refused.value.code == "PASSWORD_TOO_WEAK"
    assert refused.value.message == message
    _nothing_written()


def test_a_double_submit_creates_one_account():
    person = make_person(name="李丽")
    number = mobile()
    code_send(mobile=number, purpose=VerificationCode.Purpose.REGISTER)
    code = last_code(number)

    first = _register(
        name="李丽", id_no=person.id_number, number=number, code=code, submission_key="k-1"
    )
    with pytest.raises(DomainError) as second:
        _register(
            name="李丽", id_no=person.id_number, number=number, code=code, submission_key="k-1"
        )

    assert second.value.code == "ALREADY_SUBMITTED"
    assert list(User.objects.all()) == [first]
    assert AccountEvent.objects.count() == 1


def test_malformed_identifiers_are_refused_before_anything(settings):
    with pytest.raises(DomainError) as bad_id:
        _register(name="周敏", id_no="220202198001010010", district_code="220202")
    assert bad_id.value.code == "ID_NUMBER_BAD_CHECK"
    with pytest.raises(DomainError) as bad_mobile:
        account_register(
            name="周敏", id_number=id_number(), mobile="12345", code="1", password=PASSWORD
        )
    assert bad_mobile.value.code == "MOBILE_INVALID"
    _nothing_written()


def test_a_registered_password_is_stored_with_argon2(settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    person = make_person(name="李丽")

    user = _register(name="李丽", id_no=person.id_number)

    stored = User.objects.get(pk=user.pk).password
    assert stored.startswith("argon2$argon2id$")
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)
