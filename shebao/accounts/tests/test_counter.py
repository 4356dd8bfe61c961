import re

import pytest
from django.utils import timezone

from shebao.accounts.models import AccountEvent, UnitMembership, User
from shebao.accounts.services import UnitDraft, sign_in_authenticate, unit_register_at_counter
from shebao.common.errors import DomainError
from shebao.common.periods import YearMonth
from shebao.insurance.models import UnitStatus
from shebao.notifications.models import OutboundMessage
from shebao.registry.models import Unit
from shebao.testing import (
    credit_code,
    id_number,
    make_individual,
    make_member,
    make_person,
    make_staff,
    make_unit,
    mobile,
    staff_actor,
    unit_actor,
)

pytestmark = pytest.mark.django_db


def _counter(staff, unit_code, **kwargs):
    kwargs.setdefault("holder_role", "legal_rep")
    kwargs.setdefault("holder_mobile", mobile())
    return unit_register_at_counter(actor=staff_actor(staff), credit_code=unit_code, **kwargs)


def _temporary_password(to: str) -> str:
    body = OutboundMessage.objects.filter(to=to).latest("id").body
    return re.search(r"临时密码 (\S+) 登录", body).group(1)


def test_staff_open_the_legal_representatives_account_with_a_temporary_password():
    staff = make_staff(districts=("220202",))
    unit = make_unit()
    number = mobile()

    done = _counter(
        staff,
        unit.credit_code,
        holder_name="王建国",
        holder_id_number=unit.legal_rep_id_number,
        holder_mobile=number,
    )

    membership = done.membership
    assert (done.account_created, done.unit_created) == (True, False)
    assert (membership.role, membership.appointed_by, membership.note) == (
        "legal_rep",
        staff,
        "窗口注册（法定代表人本人）",
    )
    user = membership.user
    assert user.password_must_change is True
    password = _temporary_password(number)
    assert len(password) == 10
    result = sign_in_authenticate(
        kind="unit", identifier=user.username, password=password, credit_code=unit.credit_code
    )
    assert result.context == f"unit:{unit.pk}"
    event = AccountEvent.objects.get()
    assert (event.action, event.actor, event.subject, event.unit) == (
        "counter_registered",
        staff,
        user,
        unit,
    )


def test_an_authorised_administrator_needs_the_power_of_attorney_noted():
    staff = make_staff()
    unit = make_unit()
    admin = make_person(name="钱七")

    with pytest.raises(DomainError) as refused:
        _counter(
            staff,
            unit.credit_code,
            holder_role="admin",
            holder_name="钱七",
            holder_id_number=admin.id_number,
        )
    assert (refused.value.code, refused.value.field) == ("ATTORNEY_REQUIRED", "attorney_note")
    assert UnitMembership.objects.count() == 0

    done = _counter(
        staff,
        unit.credit_code,
        holder_role="admin",
        holder_name="钱七",
        holder_id_number=admin.id_number,
        attorney_note="2026-03-02 委托书，编号 WT-018",
    )

    assert done.membership.role == "admin"
    assert done.membership.note == "窗口注册（授权委托书：2026-03-02 委托书，编号 WT-018）"
    assert AccountEvent.objects.get().detail["attorney_note"] == "2026-03-02 委托书，编号 WT-018"


def test_a_holder_who_is_not_the_legal_representative_cannot_take_that_role():
    staff = make_staff()
    unit = make_unit()
    other = make_person(name="钱七")

    with pytest.raises(DomainError) as refused:
        _counter(staff, unit.credit_code, holder_name="钱七", holder_id_number=other.id_number)

    assert refused.value.code == "LEGAL_REP_MISMATCH"
    assert User.objects.filter(kind="individual").count() == 0
    assert UnitMembership.objects.count() == 0


def test_a_unit_of_another_district_is_refused():
    staff = make_staff(districts=("220203",))
    unit = make_unit(district="220202")

    with pytest.raises(DomainError) as refused:
        _counter(
            staff, unit.credit_code, holder_name="王建国", holder_id_number=unit.legal_rep_id_number
        )

    assert (refused.value.code, refused.value.status) == ("OUTSIDE_DISTRICTS", 403)
    assert User.objects.filter(kind="individual").count() == 0


def test_a_unit_unknown_to_the_registry_is_recorded_in_the_staff_members_district():
    staff = make_staff(districts=("220202", "220203"))
    rep_id = id_number()
    code = credit_code()
    draft = UnitDraft(
        name="吉林市新开商贸有限公司",
        kind="enterprise",
        district_code="220203",
        competent_department="",
        legal_rep_name="孙八",
        legal_rep_id_number=rep_id,
    )

    done = _counter(staff, code.lower(), holder_name="孙八", holder_id_number=rep_id, unit=draft)

    unit = Unit.objects.get(credit_code=code)
    assert (unit.name, unit.district_id, unit.legal_rep_name, unit.status) == (
        "吉林市新开商贸有限公司",
        "220203",
        "孙八",
        "active",
    )
    assert done.unit_created is True
    assert done.membership.user.person.verification == "pending"
    # the same dated fact 单位参保登记 writes: active from this month, recorded by the staff member
    fact = UnitStatus.objects.get(unit=unit)
    assert (fact.status, fact.recorded_by, fact.valid_to) == ("active", staff, None)
    assert fact.valid_from == YearMonth.of(timezone.localdate())
    assert list(AccountEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "unit_recorded",
        "counter_registered",
    ]


def test_a_new_unit_outside_the_staff_members_districts_is_refused():
    staff = make_staff(districts=("220202",))
    rep_id = id_number()
    draft = UnitDraft(
        name="外区单位",
        kind="enterprise",
        district_code="220204",
        competent_department="",
        legal_rep_name="孙八",
        legal_rep_id_number=rep_id,
    )

    with pytest.raises(DomainError) as refused:
        _counter(staff, credit_code(), holder_name="孙八", holder_id_number=rep_id, unit=draft)

    assert refused.value.code == "OUTSIDE_DISTRICTS"
    assert Unit.objects.count() == 0


def test_an_unknown_unit_without_details_is_not_found():
    staff = make_staff()

    with pytest.raises(DomainError) as refused:
        _counter(staff, credit_code(), holder_name="孙八", holder_id_number=id_number())

    assert refused.value.code == "UNIT_NOT_REGISTERED"


def test_a_holder_with_an_account_keeps_their_password_and_is_told_by_sms():
    staff = make_staff()
    rep = make_person(name="王建国")
    own = make_individual(person=rep)
    unit = make_unit(rep=rep)

    done = _counter(staff, unit.credit_code, holder_name="王建国", holder_id_number=rep.id_number)

    assert (done.account_created, done.membership.user) == (False, own)
    own.refresh_from_db()
    assert own.password_must_change is False
    sms = OutboundMessage.objects.get(to=own.mobile)
    assert "临时密码" not in sms.body and "您个人账号的密码" in sms.body


def test_the_same_person_is_not_added_twice_and_a_second_legal_rep_is_refused():
    staff = make_staff()
    unit = make_unit()
    _counter(
        staff, unit.credit_code, holder_name="王建国", holder_id_number=unit.legal_rep_id_number
    )

    with pytest.raises(DomainError) as twice:
        _counter(
            staff, unit.credit_code, holder_name="王建国", holder_id_number=unit.legal_rep_id_number
        )
    admin = make_member(unit, "admin")
    with pytest.raises(DomainError) as member:
        _counter(
            staff,
            unit.credit_code,
            holder_role="admin",
            holder_name=admin.name,
            holder_id_number=admin.username,
            attorney_note="委托书",
        )

    assert twice.value.code == "UNIT_ALREADY_REGISTERED"
    assert member.value.code == "ALREADY_MEMBER"
    assert UnitMembership.objects.filter(unit=unit).count() == 2


def test_only_staff_register_at_the_counter():
    unit = make_unit()
    legal_rep = make_member(unit, "legal_rep")

    with pytest.raises(DomainError) as refused:
        unit_register_at_counter(
            actor=unit_actor(legal_rep, unit),
            credit_code=unit.credit_code,
            holder_role="admin",
            holder_name="钱七",
            holder_id_number=id_number(),
            holder_mobile=mobile(),
            attorney_note="x",
        )

    assert refused.value.code == "FORBIDDEN"
