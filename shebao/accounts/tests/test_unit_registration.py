import pytest

from shebao.accounts.actors import actor_for
from shebao.accounts.models import AccountEvent, SignInEvent, UnitMembership, User, VerificationCode
from shebao.accounts.services import LEGAL_REP_ADVICE, code_send, unit_register_online
from shebao.accounts.verification import RegistryIdentityVerifier, VerificationResult
from shebao.common.errors import DomainError
from shebao.registry.models import Person, Unit
from shebao.testing import (
    PASSWORD,
    last_code,
    make_individual,
    make_person,
    make_unit,
    mobile,
)

pytestmark = pytest.mark.django_db


class FaceMismatchVerifier:
    """A deployment's verifier whose provider says the face does not match."""

    def verify(self, *, name, id_number, unit=None):
        return VerificationResult(ok=False, reason="FACE_MISMATCH", method="face")


def _register(
    unit: Unit, *, rep_name=None, rep_id=None, unit_name=None, password=PASSWORD, **kwargs
):
    number = kwargs.pop("number", None) or mobile()
    code_send(mobile=number, purpose=VerificationCode.Purpose.UNIT_REGISTER)
    return unit_register_online(
        credit_code=unit.credit_code,
        unit_name=unit_name or unit.name,
        rep_name=rep_name or unit.legal_rep_name,
        rep_id_number=rep_id or unit.legal_rep_id_number,
        mobile=number,
        code=kwargs.pop("code", None) or last_code(number),
        password=password,
        **kwargs,
    )


def _unchanged(unit: Unit, users: int = 0):
    assert UnitMembership.objects.filter(unit=unit).count() == 0
    assert User.objects.count() == users
    assert AccountEvent.objects.count() == 0


def test_the_legal_representative_opens_the_units_account():
    unit = make_unit(name="吉林市江城机械有限公司（分公司）")

    membership = _register(unit, unit_name="吉林市江城机械有限公司(分公司)")

    assert (membership.role, membership.unit, membership.revoked_at) == ("legal_rep", unit, None)
    user = membership.user
    assert (user.username, user.name, user.person.id_number) == (
        unit.legal_rep_id_number,
        "王建国",
        unit.legal_rep_id_number,
    )
    assert actor_for(user, f"unit:{unit.pk}").is_unit_manager
    event = AccountEvent.objects.get()
    assert (event.action, event.unit, event.detail) == (
        "unit_registered",
        unit,
        {"verification": "registry", "linked_existing_account": False},
    )


def test_a_legal_representative_not_in_the_person_registry_is_recorded_pending():
    rep = make_person(name="王建国")
    unit = make_unit(rep=rep)
    Person.objects.filter(pk=rep.pk).delete()

    membership = _register(unit)

    assert membership.user.person.verification == "pending"
    assert membership.user.person.district_id == unit.district_id


def test_someone_else_than_the_registered_legal_representative_is_sent_to_the_counter():
    unit = make_unit()
    impostor = make_person(name="赵六")

    with pytest.raises(DomainError) as refused:
        _register(unit, rep_name="赵六", rep_id=impostor.id_number)

    assert (refused.value.code, refused.value.message) == ("LEGAL_REP_MISMATCH", LEGAL_REP_ADVICE)
    assert "请携带营业执照、身份证原件到窗口办理线下注册" in refused.value.message
    _unchanged(unit)


def test_the_registry_verifier_checks_name_and_id_against_the_unit_and_person():
    unit = make_unit()
    verifier = RegistryIdentityVerifier()

    assert verifier.verify(name="王建国", id_number=unit.legal_rep_id_number, unit=unit).ok
    assert (
        verifier.verify(name="王建民", id_number=unit.legal_rep_id_number, unit=unit).reason
        == "NAME_MISMATCH"
    )
    other = make_person(name="王建国")
    assert (
        verifier.verify(name="王建国", id_number=other.id_number, unit=unit).reason
        == "LEGAL_REP_MISMATCH"
    )


def test_the_configured_verifier_decides(settings):
    settings.SHEBAO_IDENTITY_VERIFIER = (
        "shebao.accounts.tests.test_unit_registration.FaceMismatchVerifier"
    )
    unit = make_unit()

    with pytest.raises(DomainError) as refused:
        _register(unit)

    assert refused.value.code == "LEGAL_REP_MISMATCH"
    _unchanged(unit)


def test_an_unregistered_unit_a_wrong_name_or_a_cancelled_unit_is_refused():
    unit = make_unit()
    unknown = Unit(
        credit_code="91110000600037341L",
        name="未登记单位",
        legal_rep_name="王建国",
        legal_rep_id_number=unit.legal_rep_id_number,
    )

    with pytest.raises(DomainError) as not_registered:
        _register(unknown)
    with pytest.raises(DomainError) as wrong_name:
        _register(unit, unit_name="吉林市江城机械厂")
    Unit.objects.filter(pk=unit.pk).update(status=Unit.Status.CANCELLED)
    with pytest.raises(DomainError) as cancelled:
        _register(unit)

    assert not_registered.value.code == "UNIT_NOT_REGISTERED"
    assert wrong_name.value.code == "UNIT_NAME_MISMATCH"
    assert cancelled.value.code == "UNIT_CANCELLED"
    _unchanged(unit)


def test_a_unit_with_a_legal_representative_account_is_not_registered_twice():
    unit = make_unit()
    _register(unit)

    with pytest.raises(DomainError) as refused:
        _register(unit)

    assert refused.value.code == "UNIT_ALREADY_REGISTERED"
    assert UnitMembership.objects.filter(unit=unit).count() == 1


def test_an_existing_personal_account_is_linked_with_its_own_password():
    rep = make_person(name="王建国")
    own = make_individual(person=rep)
    unit = make_unit(rep=rep)

    membership = _register(unit)

    assert membership.user == own
    assert AccountEvent.objects.get().detail["linked_existing_account"] is True


def test_a_wrong_password_for_an_existing_account_counts_as_a_failed_sign_in(settings):
    settings.SHEBAO_LOGIN_MAX_FAILURES = 5
    rep = make_person(name="王建国")
    own = make_individual(person=rep)
    unit = make_unit(rep=rep)

    with pytest.raises(DomainError) as refused:
        _register(unit, password="Another-pass-1")

    assert refused.value.code == "EXISTING_ACCOUNT_PASSWORD_WRONG"
    assert "还可尝试 4 次" in refused.value.message
    assert User.objects.get(pk=own.pk).failed_logins == 1
    assert SignInEvent.objects.get().outcome == "failure"
    assert UnitMembership.objects.count() == 0
    assert VerificationCode.objects.get().used_at is None


def test_another_units_legal_representative_can_register_a_second_unit():
    first = make_unit()
    _register(first)
    rep = Person.objects.get(id_number=first.legal_rep_id_number)
    second = make_unit(name="第二家公司", rep=rep)

    membership = _register(second)

    assert membership.user.memberships.filter(revoked_at__isnull=True).count() == 2


def test_a_double_submit_opens_one_account():
    unit = make_unit()
    number = mobile()
    code_send(mobile=number, purpose=VerificationCode.Purpose.UNIT_REGISTER)
    code = last_code(number)
    kwargs = dict(
        credit_code=unit.credit_code,
        unit_name=unit.name,
        rep_name="王建国",
        rep_id_number=unit.legal_rep_id_number,
        mobile=number,
        code=code,
        password=PASSWORD,
        submission_key="same-form",
    )

    unit_register_online(**kwargs)
    with pytest.raises(DomainError) as again:
        unit_register_online(**kwargs)

    assert again.value.code == "ALREADY_SUBMITTED"
    assert UnitMembership.objects.filter(unit=unit).count() == 1
