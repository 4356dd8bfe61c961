"""The staff-change matters change the records; people see them on their pages and in the API,
each within their scope."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from freezegun import freeze_time
from openpyxl import load_workbook

from shebao.accounts.actors import actor_for
from shebao.accounts.models import UnitMembership
from shebao.accounts.tokens import token_issue
from shebao.applications import services as engine
from shebao.applications.models import Application
from shebao.catalogue.models import Matter
from shebao.common.errors import InvalidInput
from shebao.common.periods import YearMonth
from shebao.insurance import services
from shebao.insurance.models import Insurance, Relation
from shebao.insurance.services import Closing, Opening
from shebao.registry.models import Person
from shebao.testing import (
    id_number,
    make_individual,
    make_member,
    make_person,
    make_staff,
    signed_in,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _early_december():
    with freeze_time("2026-12-03 10:00:00+08:00"):
        yield


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
M = YearMonth
ALL = (Insurance.PENSION, Insurance.MEDICAL, Insurance.UNEMPLOYMENT, Insurance.WORK_INJURY)


def _apply(unit, user, code: str, data: dict) -> Application:
    actor = actor_for(user, f"unit:{unit.pk}")
    matter = Matter.objects.get(code=code)
    application, _ = engine.application_create(actor=actor, matter=matter, data=data)
    for spec in matter.materials:
        if spec.get("required"):
            engine.material_upload(
                actor=actor,
                application=application,
                code=spec["code"],
                file=SimpleUploadedFile("材料.pdf", PDF, content_type="application/pdf"),
            )
    return engine.application_submit(
        actor=actor, application=application, version=application.version
    )


def _approve(application: Application, staff) -> Application:
    from shebao.accounts.capabilities import capability_grant_defaults
    from shebao.accounts.models import StaffProfile

    StaffProfile.objects.filter(user=staff).update(department_id=application.department_id)
    capability_grant_defaults(staff=StaffProfile.objects.get(user=staff))
    actor = actor_for(staff, "staff")
    application = engine.application_accept(
        actor=actor, application=application, version=application.version
    )
    return engine.application_approve(
        actor=actor, application=application, version=application.version
    )


def enrol_data(person_number: str, name: str, **extra) -> dict:
    return {
        "subject_id_number": person_number,
        "subject_name": name,
        "employment_date": "2026-12-01",
        "contract_type": "fixed",
        "monthly_wage": "5200",
        "insurances": "all",
        "hukou_nature": "urban",
        "contact_mobile": "13900001111",
        **extra,
    }


@pytest.fixture
def admin(hall, unit):
    return make_member(unit, UnitMembership.Role.ADMIN)


@pytest.fixture
def reviewer(hall):
    return make_staff(districts=("220202",))


def test_approving_an_enrolment_enrols_a_person_new_to_the_registry(unit, admin, reviewer):
    number = id_number(born="19950607")
    assert not Person.objects.filter(id_number=number).exists()
    application = _apply(unit, admin, "unit.staff_enrol", enrol_data(number, "新职工"))
    assert Relation.objects.count() == 0  # submitted, not yet approved: nothing changes

    done = _approve(application, reviewer)

    person = Person.objects.get(id_number=number)
    assert done.status == Application.Status.APPROVED
    assert person.name == "新职工" and person.birth_date == date(1995, 6, 7)
    rows = Relation.objects.current().filter(person=person)
    assert {(r.insurance, r.unit_id, r.start_month, r.application_id) for r in rows} == {
        (i, unit.pk, M(2026, 12), done.pk) for i in ALL
    }


def test_an_enrolment_conflicting_with_another_unit_is_refused_at_submission(
    unit, other_unit, admin
):
    person = make_person(name="钱多")
    services.relations_open(
        actor=None, openings=[Opening(person, ALL, M(2023, 1))], unit=other_unit
    )
    before = (Application.objects.count(), Relation.objects.count())

    with pytest.raises(InvalidInput) as refused:
        _apply(unit, admin, "unit.staff_enrol", enrol_data(person.id_number, "钱多"))

    assert refused.value.code == "INSURANCE_CONFLICT"
    assert other_unit.name in refused.value.message
    assert Application.objects.filter(status="submitted").count() == 0
    assert Relation.objects.count() == before[1]


def test_a_name_that_does_not_match_the_registry_is_refused(unit, admin):
    person = make_person(name="孙好")

    with pytest.raises(InvalidInput) as refused:
        _apply(unit, admin, "unit.staff_enrol", enrol_data(person.id_number, "孙坏"))

    assert refused.value.code == "SUBJECT_NAME_MISMATCH"


def test_a_conflict_arising_after_submission_refuses_the_approval_and_changes_nothing(
    unit, other_unit, admin, reviewer
):
    person = make_person(name="李雷")
    application = _apply(unit, admin, "unit.staff_enrol", enrol_data(person.id_number, "李雷"))
    services.relations_open(
        actor=None, openings=[Opening(person, ALL, M(2024, 1))], unit=other_unit
    )
    before = list(Relation.objects.values_list("id", "superseded_at"))
    accepted = engine.application_accept(
        actor=actor_for(reviewer, "staff"), application=application, version=application.version
    )

    with pytest.raises(InvalidInput):
        engine.application_approve(
            actor=actor_for(reviewer, "staff"), application=accepted, version=accepted.version
        )

    accepted.refresh_from_db()
    assert accepted.status == Application.Status.ACCEPTED
    assert list(Relation.objects.values_list("id", "superseded_at")) == before


def test_approving_a_termination_ends_the_units_relations(unit, admin, reviewer):
    person = make_person(name="韩梅")
    services.relations_open(actor=None, openings=[Opening(person, ALL, M(2022, 1))], unit=unit)
    application = _apply(
        unit,
        admin,
        "unit.staff_leave",
        {
            "subject_id_number": person.id_number,
            "subject_name": "韩梅",
            "leave_date": "2026-12-31",
            "stop_month": "2027-01",
            "leave_reason": "contract_expired",
        },
    )

    _approve(application, reviewer)

    rows = Relation.objects.current().filter(person=person)
    assert {(r.end_month, r.end_reason) for r in rows} == {(M(2026, 12), "leave")}


def test_a_termination_for_someone_not_insured_by_the_unit_is_refused(unit, admin):
    person = make_person(name="路人")

    with pytest.raises(InvalidInput) as refused:
        _apply(
            unit,
            admin,
            "unit.staff_leave",
            {
                "subject_id_number": person.id_number,
                "subject_name": "路人",
                "leave_date": "2026-12-31",
                "stop_month": "2027-01",
                "leave_reason": "resignation",
            },
        )
    assert refused.value.code == "INSURANCE_NOT_OPEN"


# ------------------------------------------------------------------ pages and API


@pytest.fixture
def staffed(hall, unit, other_unit):
    """A unit with three staff (one left), and a person insured elsewhere."""
    people = [make_person(name=n) for n in ("陈一", "陈二", "陈三")]
    services.relations_open(
        actor=None, openings=[Opening(p, ALL, M(2021, 1)) for p in people], unit=unit
    )
    services.relations_close(actor=None, closings=[Closing(people[2], M(2023, 1))], unit=unit)
    elsewhere = make_person(name="外人")
    services.relations_open(
        actor=None, openings=[Opening(elsewhere, ALL, M(2021, 1))], unit=other_unit
    )
    return people


def test_the_person_sees_their_own_insurance(staffed, unit):
    user = make_individual(person=staffed[0])
    page = signed_in(user, "individual").get("/insurance/me/")
    assert page.status_code == 200
    text = page.content.decode()
    assert unit.name in text and "企业职工基本养老保险" in text and "2021年1月" in text

    token = token_issue(user=user, context="individual")
    body = (
        signed_in(user, "individual")
        .get("/api/v1/me/insurance", HTTP_AUTHORIZATION=f"Bearer {token}")
        .json()
    )
    assert body["person"] == {"name": "陈一", "id_number": staffed[0].id_number}
    assert {
        (r["insurance"], r["payer"]["credit_code"], r["status"]) for r in body["relations"]
    } == {(i, unit.credit_code, "active") for i in ALL}


def test_a_person_with_no_insurance_is_told_so(hall):
    user = make_individual(name="新人")
    page = signed_in(user, "individual").get("/insurance/me/")
    assert "暂无参保记录" in page.content.decode()


def test_the_unit_roster_filters_by_status_insurance_and_search(staffed, unit, admin):
    client = signed_in(admin, f"unit:{unit.pk}")
    token = token_issue(user=admin, context=f"unit:{unit.pk}")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    url = f"/api/v1/units/{unit.credit_code}/staff"

    everyone = client.get(url, **auth).json()
    active = client.get(url, {"status": "active"}, **auth).json()
    stopped = client.get(url, {"status": "stopped"}, **auth).json()
    searched = client.get(url, {"q": "陈二"}, **auth).json()

    assert everyone["total"] == 3
    assert {i["name"] for i in everyone["items"]} == {"陈一", "陈二", "陈三"}
    assert {i["name"] for i in active["items"]} == {"陈一", "陈二"}
    assert [(i["name"], i["status"], i["end_month"]) for i in stopped["items"]] == [
        ("陈三", "stopped", "2022-12")
    ]
    assert [i["id_number"] for i in searched["items"]] == [staffed[1].id_number]
    assert everyone["items"][0]["insurances"] == list(ALL)
    assert "外人" not in str(everyone)

    page = client.get("/insurance/unit/staff/", {"status": "active"})
    assert page.status_code == 200 and "陈一" in page.content.decode()
    assert "陈三" not in page.content.decode()


def test_the_roster_exports_to_xlsx_with_the_same_rows(staffed, unit, admin):
    client = signed_in(admin, f"unit:{unit.pk}")

    response = client.get("/insurance/unit/staff.xlsx", {"status": "active"})

    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [r for r in sheet.iter_rows(min_row=4, values_only=True)]
    assert sorted(r[2] for r in rows) == ["陈一", "陈二"]
    assert rows[0][3] == "基本养老保险、基本医疗保险、失业保险、工伤保险"


def test_roster_scope(staffed, unit, other_unit):
    operator_plain = make_member(unit, UnitMembership.Role.OPERATOR)
    operator_granted = make_member(unit, UnitMembership.Role.OPERATOR)
    membership = UnitMembership.objects.get(user=operator_granted, unit=unit)
    membership.grants.create(
        matter=Matter.objects.get(code="unit.staff_enrol"), granted_by=make_individual()
    )
    other_admin = make_member(other_unit, UnitMembership.Role.ADMIN)
    here, there = make_staff(districts=("220202",)), make_staff(districts=("220204",))
    url = f"/api/v1/units/{unit.credit_code}/staff"

    def status(user, context):
        token = token_issue(user=user, context=context)
        return signed_in(user, context).get(url, HTTP_AUTHORIZATION=f"Bearer {token}").status_code

    assert status(operator_granted, f"unit:{unit.pk}") == 200
    assert status(operator_plain, f"unit:{unit.pk}") == 404
    assert status(other_admin, f"unit:{other_unit.pk}") == 404
    assert status(here, "staff") == 200
    assert status(there, "staff") == 404
    assert status(make_individual(person=staffed[0]), "individual") == 404


def test_staff_look_up_a_person_of_their_district_only(staffed):
    here, there = make_staff(districts=("220202",)), make_staff(districts=("220204",))
    number = staffed[0].id_number

    found = signed_in(here, "staff").get("/insurance/staff/lookup/", {"key": number})
    hidden = signed_in(there, "staff").get("/insurance/staff/lookup/", {"key": number})

    assert found.status_code == 200 and "陈一" in found.content.decode()
    assert "陈一" not in hidden.content.decode() and "未找到" in hidden.content.decode()


def test_an_enrolment_dated_before_this_month_is_back_payment_not_enrolment(unit, admin):
    person = make_person(name="迟到")
    with pytest.raises(InvalidInput) as refused:
        _apply(
            unit,
            admin,
            "unit.staff_enrol",
            enrol_data(person.id_number, "迟到", employment_date="2026-09-01"),
        )
    assert refused.value.code == "OUTSIDE_OPEN_PERIOD" and "补缴" in refused.value.message


@freeze_time("2026-12-21 10:00:00+08:00")
def test_a_wuhan_enrolment_after_the_20th_takes_effect_next_month(hall):
    from shebao.testing import make_unit

    wuhan = make_unit(name="武汉江岸贸易有限公司", district="420102")
    admin = make_member(wuhan, UnitMembership.Role.ADMIN)
    reviewer = make_staff(districts=("420102",))
    number = id_number(area="420102", born="19920202")
    application = _apply(wuhan, admin, "unit.staff_enrol", enrol_data(number, "江岸人"))

    _approve(application, reviewer)

    starts = {r.start_month for r in Relation.objects.filter(person__id_number=number)}
    assert starts == {M(2027, 1)}


@freeze_time("2026-12-07 10:00:00+08:00")
def test_a_jiangsu_enrolment_on_the_7th_is_refused_with_the_next_open_date(hall):
    from shebao.common.errors import Conflict
    from shebao.testing import make_unit

    changzhou = make_unit(name="常州天宁机电有限公司", district="320402")
    admin = make_member(changzhou, UnitMembership.Role.ADMIN)
    person = make_person(name="常人", district="320402")
    before = Relation.objects.count()

    with pytest.raises(Conflict) as refused:
        _apply(changzhou, admin, "unit.staff_enrol", enrol_data(person.id_number, "常人"))

    assert refused.value.code == "OUTSIDE_ACCEPTANCE_WINDOW"
    assert refused.value.details["next_open"] == "2026-12-11"
    assert "11日" in refused.value.message
    assert Relation.objects.count() == before


def _rollback(unit, admin, person, business: str, month: str) -> Application:
    return _apply(
        unit,
        admin,
        "unit.staff_change_rollback",
        {
            "subject_id_number": person.id_number,
            "subject_name": person.name,
            "original_business": business,
            "business_month": month,
            "reason": "录入有误",
        },
    )


def test_an_enrolment_is_undone_within_its_collection_period(unit, admin, reviewer):
    person = make_person(name="误录")
    services.relations_open(actor=None, openings=[Opening(person, ALL, M(2026, 12))], unit=unit)

    _approve(_rollback(unit, admin, person, "staff_enrol", "2026-12"), reviewer)

    assert not Relation.objects.current().filter(person=person).exists()
    assert Relation.objects.filter(person=person, note__startswith="已回退").count() == 4


def test_a_termination_is_undone_and_the_relations_reopen(unit, admin, reviewer):
    person = make_person(name="误减")
    services.relations_open(actor=None, openings=[Opening(person, ALL, M(2022, 1))], unit=unit)
    services.relations_close(actor=None, closings=[Closing(person, M(2026, 12))], unit=unit)

    _approve(_rollback(unit, admin, person, "staff_leave", "2026-12"), reviewer)

    assert {r.end_month for r in Relation.objects.current().filter(person=person)} == {None}


def test_a_rollback_after_the_period_closed_is_refused_with_the_date(unit, admin):
    person = make_person(name="过期")
    services.relations_open(actor=None, openings=[Opening(person, ALL, M(2026, 10))], unit=unit)
    before = Relation.objects.count()

    with pytest.raises(InvalidInput) as refused:
        _rollback(unit, admin, person, "staff_enrol", "2026-10")

    assert refused.value.code == "ROLLBACK_PERIOD_CLOSED"
    assert "2026年10月31日结束" in refused.value.message
    assert Relation.objects.count() == before


# Jilin City's emergency measures (policy 220200, seed 000): from 2020-01-25, lifted on 2020-06-30,
# late handling within three months after it, without loss of rights.


@freeze_time("2020-08-14 10:00:00+08:00")
def test_under_emergency_measures_a_month_of_the_emergency_is_registered_late(
    unit, admin, reviewer
):
    number = id_number(born="19900303")
    application = _apply(
        unit, admin, "unit.staff_enrol", enrol_data(number, "补办", employment_date="2020-03-01")
    )

    _approve(application, reviewer)

    assert {r.start_month for r in Relation.objects.filter(person__id_number=number)} == {
        M(2020, 3)
    }


@freeze_time("2020-08-14 10:00:00+08:00")
def test_a_month_before_the_emergency_is_still_back_payment(unit, admin):
    person = make_person(name="早月")
    with pytest.raises(InvalidInput) as refused:
        _apply(
            unit,
            admin,
            "unit.staff_enrol",
            enrol_data(person.id_number, "早月", employment_date="2019-12-01"),
        )
    assert refused.value.code == "OUTSIDE_OPEN_PERIOD" and "补缴" in refused.value.message


@freeze_time("2020-10-09 10:00:00+08:00")
def test_three_months_after_the_lifting_late_handling_has_ended(unit, admin):
    person = make_person(name="逾期")
    with pytest.raises(InvalidInput) as refused:
        _apply(
            unit,
            admin,
            "unit.staff_enrol",
            enrol_data(person.id_number, "逾期", employment_date="2020-03-01"),
        )
    assert refused.value.code == "OUTSIDE_OPEN_PERIOD"
    assert not Relation.objects.filter(person=person).exists()


@freeze_time("2020-08-14 10:00:00+08:00")
def test_under_emergency_measures_a_termination_and_a_rollback_reach_back(unit, admin, reviewer):
    person = make_person(name="补减")
    services.relations_open(actor=None, openings=[Opening(person, ALL, M(2019, 1))], unit=unit)

    _approve(
        _apply(
            unit,
            admin,
            "unit.staff_leave",
            {
                "subject_id_number": person.id_number,
                "subject_name": person.name,
                "leave_date": "2020-03-31",
                "stop_month": "2020-04",
                "leave_reason": "contract_expired",
            },
        ),
        reviewer,
    )
    assert {r.end_month for r in Relation.objects.current().filter(person=person)} == {M(2020, 3)}

    _approve(_rollback(unit, admin, person, "staff_leave", "2020-04"), reviewer)
    assert {r.end_month for r in Relation.objects.current().filter(person=person)} == {None}


def test_the_guide_says_which_months_are_open_before_the_user_starts(hall, client):
    from shebao.catalogue.guide import guide_for
    from shebao.registry.models import Region

    matter = Matter.objects.get(code="unit.staff_enrol")
    jilin = Region.objects.get(code="220202")
    wuhan = Region.objects.get(code="420102")

    assert guide_for(matter, region=jilin, on=date(2026, 12, 3)).period_text == (
        "本期可办理2026年12月至2027年1月的人员增减"
    )
    late = guide_for(matter, region=jilin, on=date(2020, 8, 14)).period_text
    assert "2020年1月至2020年6月的人员增减可补办，2020年9月30日前" in late
    assert (
        "2026年12月20日截止" in guide_for(matter, region=wuhan, on=date(2026, 12, 21)).period_text
    )
    assert (
        guide_for(Matter.objects.get(code="person.query_insurance"), region=jilin).period_text == ""
    )

    page = client.get(f"/matters/{matter.code}/")
    assert "生效月份" in page.content.decode()


@pytest.fixture
def school(hall):
    from shebao.registry.models import Unit
    from shebao.testing import make_unit

    school = make_unit(name="吉林市昌邑区实验中学")
    school.kind = Unit.Kind.INSTITUTION
    school.save()
    return school


def test_only_an_institution_enrols_institution_staff(unit, admin, school, reviewer):
    number = id_number(born="19910303")
    data = {
        "subject_id_number": number,
        "subject_name": "编内",
        "staff_type": "civil_servant",
        "employment_date": "2026-12-01",
        "contribution_wage": "7800",
    }
    with pytest.raises(InvalidInput) as refused:
        _apply(unit, admin, "unit.institution_enrol", data)
    assert refused.value.code == "INSTITUTION_ONLY"

    school_admin = make_member(school, UnitMembership.Role.ADMIN)
    _approve(_apply(school, school_admin, "unit.institution_enrol", data), reviewer)

    rows = Relation.objects.current().filter(person__id_number=number)
    assert {(r.insurance, r.scheme) for r in rows} == {
        ("pension", "institution"),
        ("medical", "institution"),
        ("work_injury", "institution"),
    }  # a civil servant is outside unemployment insurance


def test_institution_settlement_suspends_and_resumes(school, reviewer):
    from shebao.insurance.models import Category, Scheme

    school_admin = make_member(school, UnitMembership.Role.ADMIN)
    person = make_person(name="调动")
    services.relations_open(
        actor=None,
        openings=[
            Opening(
                person,
                (Insurance.PENSION,),
                M(2015, 9),
                scheme=Scheme.INSTITUTION,
                category=Category.INSTITUTION,
            )
        ],
        unit=school,
    )
    base = {
        "subject_id_number": person.id_number,
        "subject_name": "调动",
        "effective_month": "2026-12",
    }

    _approve(
        _apply(
            school,
            school_admin,
            "unit.institution_settlement_suspend",
            {**base, "suspend_reason": "transfer"},
        ),
        reviewer,
    )
    (ended,) = Relation.objects.current().filter(person=person)
    assert (ended.end_month, ended.end_reason) == (M(2026, 11), "transfer_out")

    _approve(
        _apply(
            school,
            school_admin,
            "unit.institution_settlement_resume",
            {**base, "effective_month": "2027-01", "resume_reason": "transfer_in"},
        ),
        reviewer,
    )
    assert sorted(
        (r.start_month, r.end_month) for r in Relation.objects.current().filter(person=person)
    ) == [(M(2015, 9), M(2026, 11)), (M(2027, 1), None)]
