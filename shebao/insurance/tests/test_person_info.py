"""The basic-information matters change the records: 人员基础信息采集 and each kind of change,
records before → after, driven through the workflow engine as a unit or a person does it."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from freezegun import freeze_time

from shebao.accounts.actors import actor_for
from shebao.accounts.models import UnitMembership, User
from shebao.applications import services as engine
from shebao.applications.models import Application
from shebao.applications.selectors import application_overview
from shebao.catalogue.models import Matter
from shebao.common.errors import Conflict, InvalidInput
from shebao.common.periods import YearMonth
from shebao.insurance import services
from shebao.insurance.models import Category, Insurance, Relation, Scheme
from shebao.insurance.services import Opening
from shebao.insurance.tests.test_flexible import _apply as apply_own
from shebao.insurance.tests.test_records import PDF, _apply, _approve
from shebao.notifications.models import Notification
from shebao.registry.models import Person, PersonInfo, Unit
from shebao.testing import (
    PASSWORD,
    id_number,
    make_individual,
    make_member,
    make_person,
    make_staff,
    signed_in,
)

pytestmark = pytest.mark.django_db
M = YearMonth
ALL = (Insurance.PENSION, Insurance.MEDICAL, Insurance.UNEMPLOYMENT, Insurance.WORK_INJURY)


@pytest.fixture(autouse=True)
def _early_december():
    with freeze_time("2026-12-03 10:00:00+08:00"):
        yield


@pytest.fixture
def admin(hall, unit):
    return make_member(unit, UnitMembership.Role.ADMIN)


@pytest.fixture
def reviewer(hall):
    return make_staff(districts=("220202",))


@pytest.fixture
def employee(unit):
    """An employee of the unit, born 1979-03-15, male, with an online account."""
    person = make_person(name="周建", id_no=id_number(area="220211", born="19790315", serial="031"))
    services.relations_open(actor=None, openings=[Opening(person, ALL, M(2020, 5))], unit=unit)
    make_individual(person=person)
    return person


def subject(person: Person, **answers) -> dict:
    return {"subject_id_number": person.id_number, "subject_name": person.name, **answers}


def snapshot(person: Person) -> tuple:
    """Everything a change may write: the person's row, their versions, their account."""
    row = Person.objects.values_list("id_number", "name", "mobile").get(pk=person.pk)
    infos = list(PersonInfo.objects.filter(person=person).values_list("version", "superseded_at"))
    users = list(User.objects.filter(person=person).values_list("username", "name"))
    return row, infos, users


def current(person: Person) -> PersonInfo:
    return PersonInfo.objects.get(person=person, superseded_at__isnull=True)


def _reject(application: Application, staff) -> Application:
    from shebao.accounts.capabilities import capability_grant_defaults
    from shebao.accounts.models import StaffProfile

    StaffProfile.objects.filter(user=staff).update(department_id=application.department_id)
    capability_grant_defaults(staff=StaffProfile.objects.get(user=staff))
    actor = actor_for(staff, "staff")
    accepted = engine.application_accept(
        actor=actor, application=application, version=application.version
    )
    return engine.application_reject(
        actor=actor, application=accepted, version=accepted.version, reason="证明材料与申请不符"
    )


# ------------------------------------------------------------------ 人员基础信息采集

COLLECTED = {
    "ethnicity": "11",
    "hukou_type": "21",
    "hukou_address": "吉林省吉林市昌邑区通江街5号",
    "contact_address": "吉林省吉林市船营区解放路20号",
    "postal_code": "132011",
    "education": "college",
    "work_start_date": "2001-07-01",
    "identity": "worker",
    "mobile": "13904320001",
}


def test_collecting_a_person_new_to_the_registry_registers_them_on_approval_only(
    unit, admin, reviewer
):
    number = id_number(area="220211", born="19790315", serial="041")
    data = {"subject_id_number": number, "subject_name": "新采集", **COLLECTED}

    application = _apply(unit, admin, "unit.person_info_collect", data)
    assert not Person.objects.filter(id_number=number).exists()  # submitted: nothing yet

    _approve(application, reviewer)

    person = Person.objects.get(id_number=number)
    info = current(person)
    assert (info.version, info.kind, info.application_id) == (1, "collect", application.pk)
    assert (info.ethnicity, info.hukou_type, info.education, info.identity) == (
        "11",
        "21",
        "college",
        "worker",
    )
    assert info.work_start_date == date(2001, 7, 1)
    assert (person.mobile, person.district_id) == ("13904320001", unit.district_id)
    with pytest.raises(InvalidInput) as again:
        _apply(unit, admin, "unit.person_info_collect", data)
    assert again.value.code == "PERSON_NOT_INSURED_BY_UNIT"  # registered, but not insured here


def test_a_unit_collects_for_a_person_it_is_enrolling_but_not_for_one_it_does_not_insure(
    unit, other_unit, admin, reviewer
):
    elsewhere = make_person(name="外单位")
    services.relations_open(
        actor=None, openings=[Opening(elsewhere, ALL, M(2021, 1))], unit=other_unit
    )
    with pytest.raises(InvalidInput) as refused:
        _apply(unit, admin, "unit.person_info_collect", subject(elsewhere, **COLLECTED))
    assert refused.value.code == "PERSON_NOT_INSURED_BY_UNIT"
    assert PersonInfo.objects.filter(person=elsewhere).count() == 0

    joining = make_person(name="入职中")
    _apply(
        unit,
        admin,
        "unit.staff_enrol",
        {
            **subject(joining),
            "employment_date": "2026-12-01",
            "contract_type": "fixed",
            "monthly_wage": "5200",
            "insurances": "all",
            "hukou_nature": "urban",
            "contact_mobile": "13900001111",
        },
    )
    _approve(
        _apply(unit, admin, "unit.person_info_collect", subject(joining, **COLLECTED)), reviewer
    )
    assert current(joining).kind == "collect"

    with pytest.raises(InvalidInput) as twice:
        _apply(unit, admin, "unit.person_info_collect", subject(joining, **COLLECTED))
    assert twice.value.code == "INFO_ALREADY_COLLECTED"


# ------------------------------------------------------------------ direct and general changes


def test_a_change_of_contact_details_applies_at_once(unit, admin, employee):
    application = _apply(
        unit,
        admin,
        "unit.staff_info_change",
        subject(employee, mobile="13904320099", contact_address="吉林市丰满区吉林大街1号"),
    )

    assert application.status == Application.Status.COMPLETED
    info = current(employee)
    assert (info.version, info.mobile, info.contact_address) == (
        2,
        "13904320099",
        "吉林市丰满区吉林大街1号",
    )
    assert PersonInfo.objects.get(person=employee, version=1).kind == "baseline"
    assert Person.objects.get(pk=employee.pk).mobile == "13904320099"
    overview = application_overview(
        actor=actor_for(admin, f"unit:{unit.pk}"), application=application
    )
    assert overview["mode_label"] == "即办"


def test_the_draft_of_a_contact_change_says_it_completes_at_once_and_needs_no_material(
    unit, admin, employee
):
    actor = actor_for(admin, f"unit:{unit.pk}")
    matter = Matter.objects.get(code="unit.staff_info_change")
    contact, _ = engine.application_create(
        actor=actor, matter=matter, data=subject(employee, postal_code="132013")
    )
    proven, _ = engine.application_create(
        actor=actor, matter=matter, data=subject(employee, work_start_date="1999-07-01")
    )

    quick = application_overview(actor=actor, application=contact)
    slow = application_overview(actor=actor, application=proven)

    assert (quick["instant"], quick["mode_label"], quick["missing"]) == (True, "即办", [])
    assert (slow["instant"], slow["mode_label"]) == (False, "容缺受理")
    assert {m["code"] for m in slow["missing"]} == {"change_form", "change_proof"}


def test_a_change_a_document_proves_waits_for_its_material_and_the_reviewer(
    unit, admin, reviewer, employee
):
    actor = actor_for(admin, f"unit:{unit.pk}")
    matter = Matter.objects.get(code="unit.staff_info_change")
    application, _ = engine.application_create(
        actor=actor,
        matter=matter,
        data=subject(employee, hukou_address="吉林省吉林市龙潭区遵义东路3号", reason="户口迁移"),
    )
    application = engine.application_submit(
        actor=actor, application=application, version=application.version
    )
    before = snapshot(employee)
    assert application.status == Application.Status.SUBMITTED  # 容缺: accepted without material

    staff = actor_for(reviewer, "staff")
    from shebao.accounts.capabilities import capability_grant_defaults
    from shebao.accounts.models import StaffProfile

    capability_grant_defaults(staff=StaffProfile.objects.get(user=reviewer))
    accepted = engine.application_accept(
        actor=staff, application=application, version=application.version
    )
    assert {d.code for d in accepted.deferred.all()} == {"change_form", "change_proof"}
    with pytest.raises(Conflict):
        engine.application_approve(actor=staff, application=accepted, version=accepted.version)
    assert snapshot(employee) == before

    for code in ("change_form", "change_proof"):
        engine.deferred_material_supply(
            actor=actor,
            application=Application.objects.get(pk=accepted.pk),
            code=code,
            file=SimpleUploadedFile("材料.pdf", PDF, content_type="application/pdf"),
        )
    fresh = Application.objects.get(pk=accepted.pk)
    engine.application_approve(actor=staff, application=fresh, version=fresh.version)

    assert current(employee).hukou_address == "吉林省吉林市龙潭区遵义东路3号"
    assert current(employee).reason == "户口迁移"


# ------------------------------------------------------------------ key changes


def test_a_key_change_applies_on_approval_only_and_a_refused_one_writes_nothing(
    unit, admin, reviewer, employee
):
    first = _apply(
        unit, admin, "unit.staff_key_info_change", subject(employee, ethnicity="03", reason="更正")
    )
    before = snapshot(employee)
    assert first.status == Application.Status.SUBMITTED
    _reject(first, reviewer)
    assert snapshot(employee) == before

    second = _apply(
        unit,
        admin,
        "unit.staff_key_info_change",
        subject(employee, new_name="周建国", identity="cadre", reason="改名并转干"),
    )
    assert snapshot(employee) == before
    _approve(second, reviewer)

    info = current(employee)
    assert (info.name, info.identity, info.application_id) == ("周建国", "cadre", second.pk)
    assert Person.objects.get(pk=employee.pk).name == "周建国"
    assert User.objects.get(person=employee).name == "周建国"
    old = PersonInfo.objects.get(person=employee, version=info.version - 1)
    assert (old.name, old.identity) == ("周建", "")


def test_an_id_number_change_keeps_the_person_and_moves_the_login_name(
    unit, admin, reviewer, employee
):
    old = employee.id_number
    new = id_number(area="220204", born="19790315", serial="033")
    relations = set(Relation.objects.filter(person=employee).values_list("pk", flat=True))
    application = _apply(
        unit,
        admin,
        "unit.staff_key_info_change",
        subject(employee, new_id_number=new, reason="公安机关更正号码"),
    )
    review = application_overview(actor=actor_for(reviewer, "staff"), application=application)[
        "review"
    ]
    assert [(c["label"], c["old"], c["new"]) for c in review["changes"]] == [
        ("公民身份号码", old, new)
    ]
    assert any("登录名同步改为新号码" in note for note in review["notes"])

    _approve(application, reviewer)

    person = Person.objects.get(pk=employee.pk)
    assert person.id_number == new
    assert set(Relation.objects.filter(person=person).values_list("pk", flat=True)) == relations
    user = User.objects.get(person=person)
    assert user.username == new and user.check_password(PASSWORD)
    assert not User.objects.filter(username=old).exists()
    assert Notification.objects.filter(recipient=user, category="account").count() == 1
    assert PersonInfo.objects.filter(person=person, id_number=old).exists()
    page = signed_in(reviewer, "staff").get("/insurance/staff/lookup/", {"key": old})
    text = page.content.decode()
    assert "周建" in text and "变更前的公民身份号码" in text and new in text


def test_an_id_number_already_in_use_is_refused_at_submission_and_at_approval(
    unit, admin, reviewer, employee
):
    taken = make_person(name="他人", id_no=id_number(area="220204", born="19790315", serial="035"))
    with pytest.raises(Conflict) as refused:
        _apply(
            unit,
            admin,
            "unit.staff_key_info_change",
            subject(employee, new_id_number=taken.id_number, reason="更正"),
        )
    assert refused.value.code == "ID_NUMBER_TAKEN"

    new = id_number(area="220204", born="19790315", serial="037")
    application = _apply(
        unit,
        admin,
        "unit.staff_key_info_change",
        subject(employee, new_id_number=new, reason="更正"),
    )
    make_person(name="抢先", id_no=new)  # registered by someone else meanwhile
    before = snapshot(employee)
    with pytest.raises(Conflict) as late:
        _approve(application, reviewer)
    assert late.value.code == "ID_NUMBER_TAKEN"
    assert snapshot(employee) == before
    assert Application.objects.get(pk=application.pk).status == Application.Status.ACCEPTED


def test_an_id_number_that_signs_in_another_account_is_refused(unit, admin, employee):
    new = id_number(area="220204", born="19790315", serial="039")
    User.objects.create_user(new, PASSWORD, kind=User.Kind.INDIVIDUAL, name="同号账号")
    before = snapshot(employee)

    with pytest.raises(InvalidInput) as refused:
        _apply(
            unit,
            admin,
            "unit.staff_key_info_change",
            subject(employee, new_id_number=new, reason="更正"),
        )

    assert refused.value.code == "ID_NUMBER_LOGIN_TAKEN"
    assert snapshot(employee) == before


def test_a_unit_cannot_change_a_person_it_does_not_insure(unit, other_unit, admin, employee):
    other_admin = make_member(other_unit, UnitMembership.Role.ADMIN)
    left = make_person(name="已离职")
    services.relations_open(actor=None, openings=[Opening(left, ALL, M(2019, 1))], unit=unit)
    services.relations_close(actor=None, closings=[services.Closing(left, M(2026, 1))], unit=unit)
    before = (snapshot(employee), snapshot(left))

    for who, where, person, code, answers in (
        (other_admin, other_unit, employee, "unit.staff_info_change", {"mobile": "13904329999"}),
        (other_admin, other_unit, employee, "unit.staff_key_info_change", {"ethnicity": "03"}),
        (admin, unit, left, "unit.staff_info_change", {"mobile": "13904329999"}),
    ):
        with pytest.raises(InvalidInput) as refused:
            _apply(where, who, code, subject(person, reason="变更", **answers))
        assert refused.value.code == "PERSON_NOT_INSURED_BY_UNIT", (code, person.name)

    assert (snapshot(employee), snapshot(left)) == before


def test_the_reviewer_sees_old_and_new_on_the_case(unit, admin, reviewer, employee):
    application = _apply(
        unit,
        admin,
        "unit.staff_key_info_change",
        subject(employee, ethnicity="11", hukou_type="10", reason="户口簿更正"),
    )
    from shebao.accounts.capabilities import capability_grant_defaults
    from shebao.accounts.models import StaffProfile

    capability_grant_defaults(staff=StaffProfile.objects.get(user=reviewer))

    page = signed_in(reviewer, "staff").get(f"/applications/{application.number}/")

    text = page.content.decode()
    assert "信息变更核对" in text
    assert "（未登记）" in text and "满族" in text and "非农业户口（城镇）" in text
    assert "居民户口簿或公安机关证明" in text
    body = (
        signed_in(reviewer, "staff")
        .get(
            f"/api/v1/applications/{application.number}",
            HTTP_AUTHORIZATION=f"Bearer {_token(reviewer)}",
        )
        .json()
    )
    assert [(c["label"], c["new"]) for c in body["review"]["changes"]] == [
        ("民族", "满族"),
        ("户籍性质", "非农业户口（城镇）"),
    ]


def _token(user) -> str:
    from shebao.accounts.tokens import token_issue

    return token_issue(user=user, context="staff")


# ------------------------------------------------------------------ institutions


@pytest.fixture
def school(hall):
    from shebao.testing import make_unit

    school = make_unit(name="吉林市昌邑区实验中学")
    Unit.objects.filter(pk=school.pk).update(kind=Unit.Kind.INSTITUTION)
    school.refresh_from_db()
    return school


def test_an_institution_changes_the_reform_time_facts_of_its_staff_only(
    unit, admin, school, reviewer, employee
):
    teacher = make_person(
        name="孙老师", id_no=id_number(area="220211", born="19720901", serial="052")
    )
    services.relations_open(
        actor=None,
        openings=[
            Opening(
                teacher,
                (Insurance.PENSION,),
                M(2014, 10),
                scheme=Scheme.INSTITUTION,
                category=Category.INSTITUTION,
            )
        ],
        unit=school,
    )
    school_admin = make_member(school, UnitMembership.Role.ADMIN)
    answers = {
        "work_start_date": "1993-08-01",
        "reform_post": "中学一级教师",
        "reform_grade": "专业技术十级",
        "reform_wage": "3180.50",
        "deemed_start": "1993-08",
        "deemed_end": "2014-09",
        "reason": "按人事档案核定",
    }
    with pytest.raises(InvalidInput) as enterprise:
        _apply(unit, admin, "unit.institution_person_info_change", subject(employee, **answers))
    assert enterprise.value.code == "INSTITUTION_ONLY"
    with pytest.raises(InvalidInput) as too_late:
        _apply(
            school,
            school_admin,
            "unit.institution_person_info_change",
            subject(teacher, **{**answers, "deemed_end": "2014-10"}),
        )
    assert too_late.value.code == "DEEMED_AFTER_REFORM"
    assert PersonInfo.objects.filter(person=teacher).count() == 0

    _approve(
        _apply(
            school, school_admin, "unit.institution_person_info_change", subject(teacher, **answers)
        ),
        reviewer,
    )

    info = current(teacher)
    assert (info.reform_post, info.reform_grade, info.reform_wage_fen) == (
        "中学一级教师",
        "专业技术十级",
        318050,
    )
    assert (info.deemed_start, info.deemed_end, info.work_start_date) == (
        M(1993, 8),
        M(2014, 9),
        date(1993, 8, 1),
    )
    staff_page = signed_in(reviewer, "staff").get(
        "/insurance/staff/lookup/", {"key": teacher.id_number}
    )
    assert "3,180.50 元" in staff_page.content.decode()


# ------------------------------------------------------------------ a person's own changes


def test_a_flexible_worker_changes_their_own_contact_details_at_once(hall):
    user = make_individual(name="灵活")
    services.relations_open(
        actor=None,
        openings=[
            Opening(user.person, (Insurance.PENSION,), M(2024, 1), category=Category.FLEXIBLE)
        ],
        unit=None,
        district=user.person.district,
    )
    employee_user = make_individual(name="职工")

    done = apply_own(
        user, "person.flexible_info_change", {"postal_code": "132001", "education": "bachelor"}
    )

    assert done.status == Application.Status.COMPLETED
    assert (current(user.person).postal_code, current(user.person).education) == (
        "132001",
        "bachelor",
    )
    with pytest.raises(InvalidInput) as refused:
        apply_own(employee_user, "person.flexible_info_change", {"postal_code": "132001"})
    assert refused.value.code == "INSURANCE_NOT_OPEN"
    assert PersonInfo.objects.filter(person=employee_user.person).count() == 0


def test_a_resident_changes_their_address_and_sees_it_with_its_history(hall):
    user = make_individual(name="居民")
    services.relations_open(
        actor=None,
        openings=[
            Opening(
                user.person,
                (Insurance.PENSION,),
                M(2020, 1),
                scheme=Scheme.RESIDENT,
                category=Category.RESIDENT,
            )
        ],
        unit=None,
        district=user.person.district,
    )

    apply_own(user, "person.resident_info_change", {"contact_address": "吉林市昌邑区桃源路7号"})
    page = signed_in(user, "individual").get("/insurance/me/")

    text = page.content.decode()
    assert "个人基础信息" in text and "吉林市昌邑区桃源路7号" in text
    assert "信息变更记录（2个版本）" in text
    assert user.person.id_number not in text  # the person reads their own number masked
    assert "修改联系方式" in text
