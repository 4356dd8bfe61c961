import pytest
from django.utils import timezone

from shebao.accounts.actors import actor_for
from shebao.accounts.models import AccountEvent, MatterGrant, UnitMembership, User
from shebao.accounts.services import (
    grants_version,
    password_reset,
    sign_in_authenticate,
    unit_user_appoint,
    unit_user_grants_set,
    unit_user_revoke,
)
from shebao.common.errors import DomainError
from shebao.notifications.models import Notification, OutboundMessage
from shebao.testing import (
    PASSWORD,
    id_number,
    last_code,
    make_individual,
    make_matter,
    make_member,
    make_person,
    make_unit,
    mobile,
    unit_actor,
)

pytestmark = pytest.mark.django_db
Role = UnitMembership.Role


@pytest.fixture
def unit():
    return make_unit()


@pytest.fixture
def legal_rep(unit):
    return make_member(unit, Role.LEGAL_REP)


@pytest.fixture
def admin(unit, legal_rep):
    return make_member(unit, Role.ADMIN, by=legal_rep)


@pytest.fixture
def operator(unit, admin):
    return make_member(unit, Role.OPERATOR, by=admin)


def _membership(user, unit):
    return UnitMembership.objects.get(user=user, unit=unit, revoked_at__isnull=True)


def _appoint(actor_user, unit, role, *, name="新同事", person=None, number=None, **kwargs):
    person = person or make_person(name=name)
    return unit_user_appoint(
        actor=unit_actor(actor_user, unit),
        role=role,
        name=name,
        id_number=person.id_number,
        mobile=number or mobile(),
        **kwargs,
    )


def test_the_legal_representative_appoints_an_administrator(unit, legal_rep):
    membership = _appoint(legal_rep, unit, Role.ADMIN, name="管理员丙")

    assert (membership.role, membership.appointed_by, membership.unit) == ("admin", legal_rep, unit)
    event = AccountEvent.objects.get()
    assert (event.action, event.actor, event.subject, event.detail) == (
        "role_appointed",
        legal_rep,
        membership.user,
        {"role": "admin", "account_created": True},
    )
    note = Notification.objects.get(recipient=membership.user)
    assert (note.context, note.title) == (f"unit:{unit.pk}", "您已被授权为单位管理员")


def test_a_person_without_an_account_gets_one_and_activates_it_with_the_sms_code(unit, admin):
    number = mobile()

    membership = _appoint(admin, unit, Role.OPERATOR, name="经办人丁", number=number)

    user = membership.user
    assert user.has_usable_password() is False
    sms = OutboundMessage.objects.get(to=number)
    assert "激活码" in sms.body and "72 小时内" in sms.body
    password_reset(
        id_number=user.username, mobile=number, code=last_code(number), new_password=PASSWORD
    )
    result = sign_in_authenticate(
        kind="unit", identifier=user.username, password=PASSWORD, credit_code=unit.credit_code
    )
    assert result.context == f"unit:{unit.pk}"


def test_a_person_not_in_the_registry_is_recorded_pending_in_the_units_district(unit, admin):
    id_no = id_number()

    membership = unit_user_appoint(
        actor=unit_actor(admin, unit),
        role=Role.OPERATOR,
        name="新人",
        id_number=id_no,
        mobile=mobile(),
    )

    person = membership.user.person
    assert (person.id_number, person.verification, person.district_id) == (
        id_no,
        "pending",
        unit.district_id,
    )


def test_a_person_with_an_account_is_told_by_sms(unit, admin):
    own = make_individual(name="老李")

    membership = _appoint(admin, unit, Role.OPERATOR, name="老李", person=own.person)

    assert membership.user == own
    assert "请选择“单位登录”" in OutboundMessage.objects.get(to=own.mobile).body
    assert AccountEvent.objects.get().detail == {"role": "operator", "account_created": False}


def test_only_the_legal_representative_appoints_administrators(unit, admin):
    with pytest.raises(DomainError) as refused:
        _appoint(admin, unit, Role.ADMIN)

    assert (refused.value.code, refused.value.message) == (
        "LEGAL_REP_REQUIRED",
        "只有法定代表人可以设置或取消单位管理员",
    )
    assert UnitMembership.objects.filter(role=Role.ADMIN).count() == 1
    assert AccountEvent.objects.count() == 0


def test_an_operator_appoints_nobody(unit, operator):
    with pytest.raises(DomainError) as refused:
        _appoint(operator, unit, Role.OPERATOR)

    assert refused.value.code == "UNIT_MANAGER_REQUIRED"
    assert UnitMembership.objects.count() == 3


def test_nobody_appoints_a_legal_representative_or_themselves(unit, legal_rep, admin):
    with pytest.raises(DomainError) as rep:
        _appoint(legal_rep, unit, Role.LEGAL_REP)
    with pytest.raises(DomainError) as myself:
        _appoint(admin, unit, Role.OPERATOR, name=admin.name, person=admin.person)

    assert rep.value.code == "LEGAL_REP_NOT_CHANGEABLE"
    assert myself.value.code == "CANNOT_CHANGE_SELF"
    assert UnitMembership.objects.count() == 2


def test_a_wrong_name_or_an_existing_member_is_refused(unit, legal_rep, operator):
    person = make_person(name="周九")
    with pytest.raises(DomainError) as wrong_name:
        _appoint(legal_rep, unit, Role.OPERATOR, name="周久", person=person)
    with pytest.raises(DomainError) as member:
        _appoint(legal_rep, unit, Role.ADMIN, name=operator.name, person=operator.person)

    assert wrong_name.value.code == "NAME_MISMATCH"
    assert member.value.code == "ALREADY_MEMBER"
    assert UnitMembership.objects.count() == 3
    assert not User.objects.filter(username=person.id_number).exists()


def test_a_double_submit_appoints_once(unit, admin):
    person = make_person(name="周九")
    number = mobile()

    _appoint(
        admin, unit, Role.OPERATOR, name="周九", person=person, number=number, submission_key="a1"
    )
    with pytest.raises(DomainError) as again:
        _appoint(
            admin,
            unit,
            Role.OPERATOR,
            name="周九",
            person=person,
            number=number,
            submission_key="a1",
        )

    assert again.value.code == "ALREADY_SUBMITTED"
    assert UnitMembership.objects.filter(user__username=person.id_number).count() == 1


def test_revoking_takes_effect_at_once(unit, admin, operator):
    membership = _membership(operator, unit)

    unit_user_revoke(actor=unit_actor(admin, unit), membership_id=membership.pk)

    membership.refresh_from_db()
    assert membership.revoked_at is not None and membership.revoked_by == admin
    assert actor_for(operator, f"unit:{unit.pk}").is_anonymous
    assert AccountEvent.objects.get().action == "role_revoked"


def test_revoke_rules(unit, legal_rep, admin, operator):
    second_admin = make_member(
        unit, Role.ADMIN, user=make_individual(name="管理员戊"), by=legal_rep
    )
    cases = [
        (admin, legal_rep, "LEGAL_REP_NOT_CHANGEABLE"),
        (admin, second_admin, "LEGAL_REP_REQUIRED"),
        (admin, admin, "CANNOT_CHANGE_SELF"),
        (legal_rep, legal_rep, "CANNOT_CHANGE_SELF"),
        (operator, operator, "UNIT_MANAGER_REQUIRED"),
    ]
    for who, target, code in cases:
        with pytest.raises(DomainError) as refused:
            unit_user_revoke(
                actor=unit_actor(who, unit), membership_id=_membership(target, unit).pk
            )
        assert refused.value.code == code, (who.name, target.name)
    assert UnitMembership.objects.filter(revoked_at__isnull=False).count() == 0

    unit_user_revoke(
        actor=unit_actor(legal_rep, unit), membership_id=_membership(second_admin, unit).pk
    )
    assert UnitMembership.objects.filter(revoked_at__isnull=False).count() == 1


def test_another_units_membership_is_not_found(unit, admin):
    other = make_unit(name="别家")
    stranger = make_member(other, Role.OPERATOR)

    with pytest.raises(DomainError) as refused:
        unit_user_revoke(
            actor=unit_actor(admin, unit), membership_id=_membership(stranger, other).pk
        )

    assert refused.value.code == "UNIT_USER_NOT_FOUND"


def test_grants_are_set_one_by_one_and_take_effect_at_once(unit, admin, operator):
    enrol, leave, base = (
        make_matter(
            "enrol",
            name="事项enrol",
            applicant_kind="unit",
            department="registration",
            category="参保登记",
            materials=[],
            fields=[],
        ),
        make_matter(
            "leave",
            name="事项leave",
            applicant_kind="unit",
            department="registration",
            category="参保登记",
            materials=[],
            fields=[],
        ),
        make_matter(
            "base",
            name="事项base",
            applicant_kind="both",
            department="registration",
            category="参保登记",
            materials=[],
            fields=[],
        ),
    )
    membership = _membership(operator, unit)
    before = actor_for(operator, f"unit:{unit.pk}")
    assert before.may_handle_matter(enrol.pk) is False

    change = unit_user_grants_set(
        actor=unit_actor(admin, unit),
        membership_id=membership.pk,
        matter_ids=[enrol.pk, base.pk],
        version=grants_version([]),
    )

    assert (change.added, change.removed) == (sorted([enrol.pk, base.pk]), [])
    now = actor_for(operator, f"unit:{unit.pk}")
    assert (now.may_handle_matter(enrol.pk), now.may_handle_matter(leave.pk)) == (True, False)

    change = unit_user_grants_set(
        actor=unit_actor(admin, unit),
        membership_id=membership.pk,
        matter_ids=[leave.pk, base.pk],
        version=grants_version([enrol.pk, base.pk]),
    )
    assert (change.added, change.removed) == ([leave.pk], [enrol.pk])
    later = actor_for(operator, f"unit:{unit.pk}")
    assert (later.may_handle_matter(enrol.pk), later.may_handle_matter(leave.pk)) == (False, True)
    events = list(AccountEvent.objects.order_by("id").values_list("action", "detail__matter"))
    assert events == [
        ("matter_granted", enrol.pk),
        ("matter_granted", base.pk),
        ("matter_granted", leave.pk),
        ("matter_revoked", enrol.pk),
    ]
    assert MatterGrant.objects.get(membership=membership, matter=leave).granted_by == admin


def test_a_stale_grants_form_changes_nothing(unit, admin, operator):
    enrol, leave = (
        make_matter(
            "enrol",
            name="事项enrol",
            applicant_kind="unit",
            department="registration",
            category="参保登记",
            materials=[],
            fields=[],
        ),
        make_matter(
            "leave",
            name="事项leave",
            applicant_kind="unit",
            department="registration",
            category="参保登记",
            materials=[],
            fields=[],
        ),
    )
    membership = _membership(operator, unit)
    shown = grants_version([])
    unit_user_grants_set(
        actor=unit_actor(admin, unit), membership_id=membership.pk, matter_ids=[enrol.pk]
    )

    with pytest.raises(DomainError) as stale:
        unit_user_grants_set(
            actor=unit_actor(admin, unit),
            membership_id=membership.pk,
            matter_ids=[leave.pk],
            version=shown,
        )

    assert (stale.value.code, stale.value.status) == ("GRANTS_STALE", 409)
    assert list(MatterGrant.objects.values_list("matter_id", flat=True)) == [enrol.pk]


def test_grants_only_for_operators_only_grantable_matters_and_never_to_oneself(
    unit, legal_rep, admin, operator
):
    personal = make_matter(
        "flex",
        name="事项flex",
        applicant_kind="individual",
        department="registration",
        category="参保登记",
        materials=[],
        fields=[],
    )
    disabled = make_matter(
        "old",
        name="事项old",
        applicant_kind="unit",
        department="registration",
        category="参保登记",
        materials=[],
        fields=[],
        enabled=False,
    )
    ok = make_matter(
        "enrol",
        name="事项enrol",
        applicant_kind="unit",
        department="registration",
        category="参保登记",
        materials=[],
        fields=[],
    )
    cases = [
        (legal_rep, admin, [ok.pk], "GRANTS_ONLY_FOR_OPERATORS"),
        (admin, operator, [personal.pk], "MATTER_NOT_GRANTABLE"),
        (admin, operator, [disabled.pk], "MATTER_NOT_GRANTABLE"),
        (operator, operator, [ok.pk], "UNIT_MANAGER_REQUIRED"),
    ]
    for who, target, matters, code in cases:
        with pytest.raises(DomainError) as refused:
            unit_user_grants_set(
                actor=unit_actor(who, unit),
                membership_id=_membership(target, unit).pk,
                matter_ids=matters,
            )
        assert refused.value.code == code
    assert MatterGrant.objects.count() == 0


def test_a_revoked_manager_can_no_longer_act(unit, legal_rep, admin, operator):
    stale_actor = unit_actor(admin, unit)  # loaded before the revocation
    UnitMembership.objects.filter(user=admin).update(revoked_at=timezone.now())

    with pytest.raises(DomainError) as refused:
        unit_user_revoke(actor=stale_actor, membership_id=_membership(operator, unit).pk)

    assert refused.value.code == "FORBIDDEN"
    assert _membership(operator, unit).revoked_at is None
