"""Flexible workers and residents: their own enrolment, suspension, grade and cancellation."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from freezegun import freeze_time

from shebao.accounts.actors import actor_for
from shebao.applications import services as engine
from shebao.catalogue.models import Matter
from shebao.common.errors import Conflict, InvalidInput
from shebao.common.periods import YearMonth
from shebao.insurance import services
from shebao.insurance.models import Category, FlexibleGrade, Insurance, Relation, Scheme
from shebao.insurance.services import Opening
from shebao.testing import make_individual, make_person, make_staff

pytestmark = pytest.mark.django_db
M = YearMonth
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _december():
    with freeze_time("2026-12-03 10:00:00+08:00"):
        yield


def _apply(user, code: str, data: dict):
    actor = actor_for(user, "individual")
    matter = Matter.objects.get(code=code)
    application, _ = engine.application_create(actor=actor, matter=matter, data=data)
    for spec in matter.materials:
        if spec.get("required"):
            engine.material_upload(
                actor=actor,
                application=application,
                code=spec["code"],
                file=SimpleUploadedFile("证件.pdf", PDF, content_type="application/pdf"),
            )
    return engine.application_submit(
        actor=actor, application=application, version=application.version
    )


def _approve(application):
    staff = actor_for(make_staff(districts=(application.district_id,)), "staff")
    from shebao.accounts.capabilities import capability_grant_defaults
    from shebao.accounts.models import StaffProfile

    StaffProfile.objects.filter(user=staff.user).update(department_id=application.department_id)
    capability_grant_defaults(staff=StaffProfile.objects.get(user=staff.user))
    staff = actor_for(staff.user, "staff")
    accepted = engine.application_accept(
        actor=staff, application=application, version=application.version
    )
    return engine.application_approve(actor=staff, application=accepted, version=accepted.version)


FLEX = {
    "insurances": "pension_medical",
    "start_month": "2027-01",
    "grade": "60",
    "hukou_nature": "urban",
    "residence_address": "吉林市昌邑区演示街1号",
    "payment_account": "6222020200001234567",
    "contact_mobile": "13900002222",
}


def test_a_flexible_worker_enrols_with_a_grade_and_then_suspends(hall):
    user = make_individual(name="自由")
    _approve(_apply(user, "person.flexible_enrol", FLEX))

    rows = Relation.objects.current().filter(person=user.person)
    assert {(r.insurance, r.category, r.payer_kind, r.start_month) for r in rows} == {
        (Insurance.PENSION, Category.FLEXIBLE, "self", M(2027, 1)),
        (Insurance.MEDICAL, Category.FLEXIBLE, "self", M(2027, 1)),
    }
    assert list(
        FlexibleGrade.objects.filter(person=user.person).values_list("grade", "valid_from")
    ) == [(60, M(2027, 1))]

    with pytest.raises(InvalidInput):  # stopping where it starts: a rollback, not a suspension
        _apply(
            user,
            "person.flexible_suspend",
            {"stop_month": "2027-01", "insurances": "pension", "stop_reason": "hardship"},
        )


def test_a_flexible_worker_suspends_from_this_month(hall):
    user = make_individual(name="暂停")
    services.relations_open(
        actor=None,
        openings=[
            Opening(
                user.person,
                (Insurance.PENSION, Insurance.MEDICAL),
                M(2025, 1),
                category=Category.FLEXIBLE,
            )
        ],
        unit=None,
        district=user.person.district,
    )

    _approve(
        _apply(
            user,
            "person.flexible_suspend",
            {"stop_month": "2026-12", "insurances": "pension", "stop_reason": "hardship"},
        )
    )

    rows = {r.insurance: r for r in Relation.objects.current().filter(person=user.person)}
    assert (rows["pension"].end_month, rows["pension"].end_reason) == (M(2026, 11), "suspend")
    assert rows["medical"].end_month is None


def test_an_employee_cannot_enrol_as_a_flexible_worker(hall, unit):
    user = make_individual(name="在职")
    services.relations_open(
        actor=None,
        openings=[Opening(user.person, (Insurance.PENSION,), M(2020, 1))],
        unit=unit,
    )
    with pytest.raises(InvalidInput) as refused:
        _apply(user, "person.flexible_enrol", FLEX)
    assert refused.value.code == "INSURANCE_CONFLICT" and unit.name in refused.value.message


def test_jilin_locks_the_grade_for_the_year(hall):
    person = make_person(name="定档")
    services.relations_open(
        actor=None,
        openings=[Opening(person, (Insurance.PENSION,), M(2027, 1), category=Category.FLEXIBLE)],
        unit=None,
        district=person.district,
    )
    services.flexible_grade_set(actor=None, person=person, grade=60, month=M(2027, 1))

    with pytest.raises(Conflict) as refused:
        services.flexible_grade_set(actor=None, person=person, grade=100, month=M(2027, 6))
    assert refused.value.code == "GRADE_LOCKED"
    with pytest.raises(InvalidInput) as not_offered:
        services.flexible_grade_set(actor=None, person=person, grade=70, month=M(2028, 1))
    assert not_offered.value.code == "GRADE_NOT_OFFERED"
    services.flexible_grade_set(actor=None, person=person, grade=100, month=M(2028, 1))
    assert list(
        FlexibleGrade.objects.filter(person=person)
        .order_by("valid_from")
        .values_list("grade", "valid_to")
    ) == [(60, M(2027, 12)), (100, None)]


def test_a_grade_change_takes_effect_next_month_at_the_earliest(hall):
    user = make_individual(name="换档")
    with pytest.raises(InvalidInput) as refused:
        _apply(
            user, "person.flexible_grade_change", {"new_grade": "100", "effective_month": "2026-12"}
        )
    assert refused.value.code == "GRADE_CHANGE_TOO_EARLY"


RESIDENT = {
    "hukou_address": "吉林市昌邑区演示村",
    "annual_grade": "500",
    "payment_account": "6222020200001234567",
    "contact_mobile": "13900003333",
}


def test_a_resident_enrols_when_the_registry_says_they_may(hall):
    user = make_individual(name="居民")
    user.person.hukou_region_id = "220202"
    user.person.save()

    _approve(_apply(user, "person.resident_enrol", RESIDENT))

    (row,) = Relation.objects.current().filter(person=user.person)
    assert (row.scheme, row.category, row.start_month) == (
        Scheme.RESIDENT,
        Category.RESIDENT,
        M(2026, 12),
    )


def test_a_resident_from_elsewhere_or_already_insured_is_refused(hall, unit):
    away = make_individual(name="外地")
    away.person.hukou_region_id = "420102"
    away.person.save()
    with pytest.raises(InvalidInput) as refused:
        _apply(away, "person.resident_enrol", RESIDENT)
    assert refused.value.code == "RESIDENT_HUKOU_ELSEWHERE"

    worker = make_individual(name="职工")
    worker.person.hukou_region_id = "220202"
    worker.person.save()
    services.relations_open(
        actor=None, openings=[Opening(worker.person, (Insurance.PENSION,), M(2020, 1))], unit=unit
    )
    with pytest.raises(InvalidInput) as covered:
        _apply(worker, "person.resident_enrol", RESIDENT)
    assert covered.value.code == "INSURANCE_CONFLICT"


def _students_file(tmp_path, *rows: str):
    path = tmp_path / "学籍.csv"
    path.write_text("\n".join(["公民身份号码,姓名,学校,入学年月,离校年月", *rows]), "utf-8-sig")
    return path


def test_a_student_is_refused_until_the_month_after_leaving_school(hall, tmp_path):
    from django.core.management import call_command

    user = make_individual(name="学生")
    user.person.hukou_region_id = "220202"
    user.person.save()
    number = user.person.id_number
    call_command(
        "student_status_import",
        str(_students_file(tmp_path, f"{number},学生,北华大学,2023-09,2027-06")),
    )

    with pytest.raises(InvalidInput) as refused:
        _apply(user, "person.resident_enrol", RESIDENT)
    assert refused.value.code == "RESIDENT_STUDENT"
    assert "北华大学" in refused.value.message and "2027年7月起" in refused.value.message
    assert not Relation.objects.filter(person=user.person).exists()

    # The department shares that the student left early: the same admission, a new leaving month.
    call_command(
        "student_status_import",
        str(_students_file(tmp_path, f"{number},学生,北华大学,2023-09,2026-11")),
    )
    _approve(_apply(user, "person.resident_enrol", RESIDENT))
    assert Relation.objects.current().filter(person=user.person).count() == 1


def test_a_shared_student_file_with_a_bad_row_writes_nothing(hall, tmp_path):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from shebao.insurance.models import StudentStatus

    known = make_person(name="甲生")
    path = _students_file(
        tmp_path,
        f"{known.id_number},甲生,吉林化工学院,2024-09,",
        f"{known.id_number},乙生,吉林化工学院,2025-09,",
        "220202200801011234,丙生,吉林一中,2023-13,",
    )
    with pytest.raises(CommandError) as refused:
        call_command("student_status_import", str(path))
    assert "第3行" in str(refused.value)
    assert StudentStatus.objects.count() == 0
