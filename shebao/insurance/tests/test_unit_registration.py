"""单位参保登记: a unit new to the agency registers through its legal representative, and the
legal representative then opens the unit's online account (单位网上注册)."""

from __future__ import annotations

import pytest
from django.test import Client
from freezegun import freeze_time

from shebao.accounts.actors import actor_for
from shebao.accounts.models import UnitMembership, VerificationCode
from shebao.accounts.services import code_send, unit_register_online
from shebao.accounts.tokens import token_issue
from shebao.applications import services as engine
from shebao.applications.formschema import ApplicationDataInvalid, form_fields
from shebao.applications.models import Application
from shebao.catalogue.models import Matter
from shebao.common.errors import Conflict, DomainError, InvalidInput
from shebao.common.periods import YearMonth
from shebao.insurance.models import UnitInjuryClass, UnitStatus
from shebao.insurance.tests.test_flexible import _apply, _approve
from shebao.registry.models import Region, Unit
from shebao.testing import (
    PASSWORD,
    credit_code,
    last_code,
    make_individual,
    make_person,
    make_staff,
    make_unit,
    mobile,
    signed_in,
)

pytestmark = pytest.mark.django_db
CODE = "person.unit_register"


@pytest.fixture(autouse=True)
def _december():
    with freeze_time("2026-12-03 10:00:00+08:00"):
        yield


@pytest.fixture
def rep(hall):
    """The unit's legal representative, with a personal account (insured in 昌邑区)."""
    return make_individual(name="刘振华")


def form(user, **changes) -> dict:
    """The form as the legal representative fills it in from the licence."""
    return {
        "credit_code": credit_code(),
        "unit_name": "吉林市松花湖软件科技有限公司",
        "unit_kind": "enterprise",
        "established_on": "2026-11-20",
        "registration_authority": "吉林市船营区市场监督管理局",
        "main_business": "软件开发、信息技术咨询服务",
        "district": "220204",  # 船营区: not the applicant's own district
        "address": "吉林市船营区解放西路100号",
        "phone": "0432-62000000",
        "legal_rep_name": user.name,
        "legal_rep_id_number": user.person.id_number,
        "injury_class": "1",
        **changes,
    }


def _draft(user, data):
    matter = Matter.objects.get(code=CODE)
    application, _ = engine.application_create(
        actor=actor_for(user, "individual"), matter=matter, data=data
    )
    return application


def _registered_elsewhere(credit: str) -> Unit:
    from shebao.registry.services import unit_register

    other = make_person(name="钱进")
    return unit_register(
        credit_code=credit,
        name="吉林市先到有限公司",
        kind=Unit.Kind.ENTERPRISE,
        district=Region.objects.get(code="220202"),
        legal_rep_name=other.name,
        legal_rep_id_number=other.id_number,
        registered_on=YearMonth(2026, 12).first_day,
    )


def _open_online(user, unit_name: str, credit: str):
    number = mobile()
    code_send(mobile=number, purpose=VerificationCode.Purpose.UNIT_REGISTER)
    return unit_register_online(
        credit_code=credit,
        unit_name=unit_name,
        rep_name=user.name,
        rep_id_number=user.person.id_number,
        mobile=number,
        code=last_code(number),
        password=PASSWORD,
    )


def test_approval_records_the_unit_with_its_injury_class_and_status_from_the_month(rep):
    data = form(rep)
    assert not Unit.objects.filter(credit_code=data["credit_code"]).exists()

    application = _approve(_apply(rep, CODE, data))

    unit = Unit.objects.get(credit_code=data["credit_code"])
    assert (
        unit.name,
        unit.kind,
        unit.district_id,
        unit.status,
        unit.registered_on.isoformat(),
        unit.injury_class,
    ) == ("吉林市松花湖软件科技有限公司", "enterprise", "220204", "active", "2026-12-03", 1)
    assert (unit.legal_rep_name, unit.legal_rep_id_number) == ("刘振华", rep.person.id_number)
    assert (unit.address, unit.phone) == ("吉林市船营区解放西路100号", "0432-62000000")
    assert list(
        UnitInjuryClass.objects.filter(unit=unit).values_list(
            "injury_class", "valid_from", "valid_to"
        )
    ) == [(1, YearMonth(2026, 12), None)]
    assert list(
        UnitStatus.objects.filter(unit=unit).values_list("status", "valid_from", "valid_to")
    ) == [("active", YearMonth(2026, 12), None)]
    application.refresh_from_db()
    assert application.status == Application.Status.COMPLETED
    approve = application.events.get(action="approve")
    assert approve.data["effect"] == {
        "unit": unit.pk,
        "credit_code": unit.credit_code,
        "from_month": "2026-12",
        "injury_class": 1,
    }


def test_the_case_goes_to_the_agency_of_the_units_district(rep):
    application = _apply(rep, CODE, form(rep))

    assert (rep.person.district_id, application.district_id) == ("220202", "220204")
    here = actor_for(make_staff(districts=("220204",)), "staff")
    elsewhere = actor_for(make_staff(districts=("220202",)), "staff")
    assert engine.selectors.is_reviewer(here, application)
    assert not engine.selectors.can_see(elsewhere, application)


def test_after_approval_the_legal_representative_opens_the_units_account_online(rep):
    data = form(rep)
    _approve(_apply(rep, CODE, data))
    unit = Unit.objects.get(credit_code=data["credit_code"])
    assert not UnitMembership.objects.filter(unit=unit).exists()

    membership = _open_online(rep, data["unit_name"], data["credit_code"])

    assert (membership.unit, membership.user, membership.role) == (unit, rep, "legal_rep")
    assert actor_for(rep, f"unit:{unit.pk}").is_unit_manager


def test_a_registered_credit_code_is_refused_when_the_form_is_saved(rep):
    unit = make_unit()

    with pytest.raises(Conflict) as refused:
        _draft(rep, form(rep, credit_code=unit.credit_code))

    assert refused.value.code == "UNIT_ALREADY_REGISTERED"
    assert "单位网上注册" in refused.value.message and "单位登录" in refused.value.message
    assert not Application.objects.exists()


def test_a_credit_code_registered_before_submission_is_refused_at_submit(rep):
    data = form(rep)
    application = _draft(rep, data)
    _registered_elsewhere(data["credit_code"])
    events = application.events.count()

    with pytest.raises(Conflict) as refused:
        engine.application_submit(
            actor=actor_for(rep, "individual"), application=application, version=application.version
        )

    assert refused.value.code == "UNIT_ALREADY_REGISTERED"
    application.refresh_from_db()
    assert (application.status, application.events.count()) == ("draft", events)


def test_a_credit_code_registered_before_approval_refuses_the_approval_and_writes_nothing(rep):
    data = form(rep)
    application = _apply(rep, CODE, data)
    _registered_elsewhere(data["credit_code"])  # at the counter, while the case waited

    with pytest.raises(Conflict) as refused:
        _approve(application)

    assert refused.value.code == "UNIT_ALREADY_REGISTERED"
    application.refresh_from_db()
    assert application.status == Application.Status.ACCEPTED
    assert not application.events.filter(action="approve").exists()
    assert Unit.objects.filter(credit_code=data["credit_code"]).count() == 1
    assert not UnitInjuryClass.objects.exists()
    assert not UnitStatus.objects.exists()


def test_a_bad_credit_code_is_refused(rep):
    good = credit_code()
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")

    with pytest.raises(ApplicationDataInvalid) as refused:
        _draft(rep, form(rep, credit_code=bad))

    assert set(refused.value.errors) == {"credit_code"}
    assert not Application.objects.exists()


def test_a_district_outside_the_hall_is_refused(rep):
    with pytest.raises(ApplicationDataInvalid) as refused:
        _draft(rep, form(rep, district="320583"))  # 昆山市: another region's

    assert refused.value.errors == {"district": "请选择本地区的区县"}


def test_an_applicant_who_is_not_the_legal_representative_is_refused(rep):
    boss = make_person(name="孙立群")

    with pytest.raises(InvalidInput) as refused:
        _draft(rep, form(rep, legal_rep_name=boss.name, legal_rep_id_number=boss.id_number))

    assert (refused.value.code, refused.value.field) == (
        "APPLICANT_NOT_LEGAL_REP",
        "legal_rep_id_number",
    )
    assert "法定代表人（负责人）本人" in refused.value.message
    with pytest.raises(InvalidInput) as renamed:
        _draft(rep, form(rep, legal_rep_name="刘振"))
    assert (renamed.value.code, renamed.value.field) == (
        "APPLICANT_NOT_LEGAL_REP",
        "legal_rep_name",
    )
    assert not Application.objects.exists()


def test_a_second_open_case_for_the_same_credit_code_is_refused_whoever_files_it(rep):
    data = form(rep)
    first = _apply(rep, CODE, data)
    claimant = make_individual(name="周海")  # says they are the legal rep of the same code
    second = _draft(claimant, form(claimant, credit_code=data["credit_code"]))
    again = _draft(rep, data)

    for user, draft in ((claimant, second), (rep, again)):
        with pytest.raises(Conflict) as refused:
            engine.application_submit(
                actor=actor_for(user, "individual"), application=draft, version=draft.version
            )
        assert refused.value.code == "APPLICATION_ALREADY_OPEN"
        assert refused.value.details["number"] == first.number
        assert first.number in refused.value.message
        assert data["credit_code"] in refused.value.message
        draft.refresh_from_db()
        assert draft.status == Application.Status.DRAFT


def test_after_the_first_case_is_withdrawn_another_may_be_submitted(rep):
    data = form(rep)
    first = _apply(rep, CODE, data)
    engine.application_withdraw(
        actor=actor_for(rep, "individual"), application=first, version=first.version
    )

    second = _apply(rep, CODE, data)

    assert second.status == Application.Status.SUBMITTED


def test_online_registration_of_an_unknown_unit_points_to_the_new_matter(rep):
    with pytest.raises(DomainError) as refused:
        _open_online(rep, "吉林市未登记有限公司", credit_code())

    assert refused.value.code == "UNIT_NOT_REGISTERED"
    assert "单位参保登记" in refused.value.message
    assert "到经办机构" not in refused.value.message


def test_the_forms_choices_are_the_registrys_and_the_policys(rep):
    from shebao.policy.selectors import param

    fields = {f.name: f for f in form_fields(Matter.objects.get(code=CODE).fields)}

    assert list(fields["unit_kind"].choices) == list(Unit.Kind.choices)
    classes = param(
        region="220200", key="rate.work_injury.class_rates", on=YearMonth(2026, 12).first_day
    )
    assert [int(v) for v, _ in fields["injury_class"].choices] == sorted(classes.value)
    assert [v for v, _ in fields["district"].choices] == [
        "220202",
        "220203",
        "220204",
        "220211",
        "220221",
        "220281",
        "220282",
        "220283",
        "220284",
    ]


def test_the_reviewer_sees_the_checks_and_the_applicant_the_result(rep):
    data = form(rep)
    application = _apply(rep, CODE, data)
    staff = make_staff(districts=("220204",))
    applicant_page = signed_in(rep, "individual")
    staff_page = signed_in(staff, "staff")

    review = staff_page.get(f"/applications/{application.number}/").content.decode()
    assert "登记核对" in review and "尚未登记" in review and "即申请人本人" in review
    assert "一类（基准费率 0.2%）" in review
    assert "吉林市松花湖软件科技有限公司" in review and "船营区" in review
    pending = applicant_page.get(f"/applications/{application.number}/").content.decode()
    assert "单位参保登记结果" not in pending

    _approve(application)

    done = applicant_page.get(f"/applications/{application.number}/").content.decode()
    assert "单位参保登记结果" in done and data["credit_code"] in done
    assert 'href="/accounts/register/unit/"' in done
    api = (
        Client()
        .get(
            f"/api/v1/applications/{application.number}",
            headers={"Authorization": f"Bearer {token_issue(user=rep, context='individual')}"},
        )
        .json()
    )
    assert api["result"]["credit_code"] == data["credit_code"]
    assert api["result"]["account_opened"] is False

    _open_online(rep, data["unit_name"], data["credit_code"])
    opened = applicant_page.get(f"/applications/{application.number}/").content.decode()
    assert "单位网上办事账号已开通" in opened


def test_the_guides_api_lists_the_districts_a_district_field_takes(rep, client):
    guide = client.get(f"/api/v1/catalogue/matters/{CODE}").json()

    district = next(f for f in guide["fields"] if f["name"] == "district")
    assert district["type"] == "district"
    assert district["choices"][:2] == [["220202", "昌邑区"], ["220203", "龙潭区"]]
    assert len(district["choices"]) == 9
