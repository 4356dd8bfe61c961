"""The person's basic information: versions never overwritten, the checks on each value, and
the code lists the forms offer."""

from __future__ import annotations

from datetime import date

import pytest
from freezegun import freeze_time

from shebao.common.errors import Conflict, InvalidInput
from shebao.common.periods import YearMonth
from shebao.registry import info_fields, selectors, services
from shebao.registry.models import Person, PersonInfo, Unit
from shebao.testing import id_number, make_person, make_unit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _december():
    with freeze_time("2026-12-03 10:00:00+08:00"):
        yield


def versions(person) -> list[tuple[int, str, bool]]:
    """(version, kind, current) of every version of the person's information."""
    rows = PersonInfo.objects.filter(person=person).order_by("version")
    return [(r.version, r.kind, r.superseded_at is None) for r in rows]


# ------------------------------------------------------------------ code lists


def test_the_ethnicity_list_is_the_56_groups_of_gb_t_3304_and_its_two_extra_codes():
    codes = info_fields.code_lists()["ethnicity"]["codes"]

    assert [c for c in codes if c not in ("97", "98")] == [f"{n:02d}" for n in range(1, 57)]
    assert (codes["01"], codes["56"], codes["98"]) == ("汉族", "基诺族", "外国血统中国籍人士")
    assert len(set(codes.values())) == 58
    assert "GB/T 3304" in info_fields.code_lists()["ethnicity"]["source"]


def test_every_catalogue_choice_of_a_basic_information_field_offers_the_code_list(
    reference_data,
):
    from shebao.catalogue.models import Matter
    from shebao.catalogue.services import catalogue_load

    catalogue_load()
    lists = info_fields.code_lists()
    seen = set()
    for code, names in info_fields.MATTER_FIELDS.items():
        fields = {f["name"]: f for f in Matter.objects.get(code=code).fields}
        for name in names:
            spec = info_fields.BY_NAME[name]
            form = fields[info_fields.form_name(name)]  # every field the matter records
            if spec.value == "code":
                assert dict(form["choices"]) == lists[spec.codes]["codes"], (code, name)
                seen.add(spec.codes)
    assert seen == set(lists)


def test_every_field_has_one_class_and_every_key_field_is_beijings():
    key = {f.label for f in info_fields.FIELDS if f.klass == info_fields.KEY}

    # seed 003: 姓名、身份证号码、民族、户籍性质、缴费人员类别、工人变更干部身份
    assert key == {
        "姓名",
        "公民身份号码",
        "民族",
        "户籍性质",
        "缴费人员类别",
        "用工身份（工人/干部）",
    }
    assert all(f.proof for f in info_fields.FIELDS if f.klass != info_fields.DIRECT)


# ------------------------------------------------------------------ versions


def test_a_first_change_keeps_what_the_registry_held_as_version_one(reference_data):
    person = make_person(name="王芳")
    Person.objects.filter(pk=person.pk).update(mobile="13900000001")
    person.refresh_from_db()

    record = services.person_info_record(
        actor=None, person=person, values={"mobile": "13900000002"}, reason="换号"
    )

    assert versions(person) == [(1, "baseline", False), (2, "change", True)]
    first = PersonInfo.objects.get(person=person, version=1)
    assert (first.mobile, first.name, first.id_number) == ("13900000001", "王芳", person.id_number)
    assert (record.mobile, record.reason) == ("13900000002", "换号")
    assert Person.objects.get(pk=person.pk).mobile == "13900000002"


def test_the_history_keeps_every_version_and_one_is_current(reference_data):
    person = make_person(name="李明")
    services.person_info_record(actor=None, person=person, values={"ethnicity": "01"})
    services.person_info_record(actor=None, person=person, values={"ethnicity": "03"})
    services.person_info_record(actor=None, person=person, values={"name": "李明明"})

    assert versions(person) == [
        (1, "baseline", False),
        (2, "change", False),
        (3, "change", False),
        (4, "change", True),
    ]
    history = selectors.person_info_history(person=person)
    assert [v.record.version for v in history] == [4, 3, 2, 1]
    assert [(c.label, c.old, c.new) for c in history[0].changes] == [("姓名", "李明", "李明明")]
    assert [(c.label, c.old, c.new) for c in history[1].changes] == [("民族", "汉族", "回族")]
    assert Person.objects.get(pk=person.pk).name == "李明明"
    assert selectors.person_info_current(person=person).ethnicity == "03"


def test_a_change_that_changes_nothing_is_refused_and_writes_nothing(reference_data):
    person = make_person()
    services.person_info_record(actor=None, person=person, values={"postal_code": "132000"})
    before = versions(person)

    with pytest.raises(InvalidInput) as refused:
        services.person_info_record(actor=None, person=person, values={"postal_code": "132000"})

    assert refused.value.code == "INFO_UNCHANGED"
    assert versions(person) == before


# ------------------------------------------------------------------ checks


def test_an_id_number_change_keeps_the_person_row_and_the_old_number_in_history(reference_data):
    person = make_person(name="赵强", id_no=id_number(area="220211", born="19790315", serial="011"))
    old = person.id_number
    new = id_number(area="220203", born="19790315", serial="013")

    services.person_info_record(actor=None, person=person, values={"id_number": new})

    fresh = Person.objects.get(pk=person.pk)
    assert fresh.id_number == new
    assert PersonInfo.objects.filter(person=person, id_number=old).count() == 1
    assert selectors.person_by_former_number(id_number=old) == fresh
    assert selectors.person_by_former_number(id_number=new) is None  # current, not former


def test_a_unit_whose_legal_representative_is_renumbered_or_renamed_follows(reference_data):
    rep = make_person(name="赵强", id_no=id_number(area="220211", born="19790315", serial="011"))
    unit = make_unit(rep=rep)
    other = make_unit(name="吉林市另一家有限公司")  # another representative: untouched
    new = id_number(area="220203", born="19790315", serial="013")

    services.person_info_record(actor=None, person=rep, values={"id_number": new, "name": "赵刚"})

    unit.refresh_from_db()
    assert (unit.legal_rep_id_number, unit.legal_rep_name) == (new, "赵刚")
    assert Unit.objects.get(pk=other.pk).legal_rep_name == "王建国"


@pytest.mark.parametrize(
    ("new", "code"),
    [
        (
            lambda: id_number(area="220211", born="19810101", serial="013"),
            "ID_NUMBER_BIRTH_DATE_MISMATCH",
        ),
        (lambda: id_number(area="220211", born="19790315", serial="012"), "ID_NUMBER_SEX_MISMATCH"),
    ],
)
def test_a_new_id_number_must_carry_the_registered_birth_date_and_sex(reference_data, new, code):
    person = make_person(id_no=id_number(area="220211", born="19790315", serial="011"))  # male
    before = Person.objects.values_list("id_number", flat=True).get(pk=person.pk)

    with pytest.raises(InvalidInput) as refused:
        services.person_info_record(actor=None, person=person, values={"id_number": new()})

    assert refused.value.code == code
    assert Person.objects.get(pk=person.pk).id_number == before
    assert PersonInfo.objects.count() == 0


def test_a_number_that_is_or_was_another_persons_is_refused(reference_data):
    person = make_person(id_no=id_number(area="220211", born="19790315", serial="011"))
    holder = make_person(id_no=id_number(area="220211", born="19790315", serial="013"))
    former = id_number(area="220211", born="19790315", serial="015")
    moved = make_person(id_no=former)
    services.person_info_record(
        actor=None,
        person=moved,
        values={"id_number": id_number(area="220211", born="19790315", serial="017")},
    )
    count = PersonInfo.objects.count()

    with pytest.raises(Conflict) as taken:
        services.person_info_record(
            actor=None, person=person, values={"id_number": holder.id_number}
        )
    with pytest.raises(Conflict) as used:
        services.person_info_record(actor=None, person=person, values={"id_number": former})

    assert (taken.value.code, used.value.code) == ("ID_NUMBER_TAKEN", "ID_NUMBER_USED_BEFORE")
    assert PersonInfo.objects.count() == count


def test_work_before_sixteen_and_a_deemed_period_after_the_reform_are_refused(reference_data):
    person = make_person(id_no=id_number(born="19800101"))

    with pytest.raises(InvalidInput) as young:
        services.person_info_record(
            actor=None, person=person, values={"work_start_date": date(1995, 12, 31)}
        )
    with pytest.raises(InvalidInput) as late:
        services.person_info_record(
            actor=None,
            person=person,
            values={"deemed_start": YearMonth(2000, 7), "deemed_end": YearMonth(2014, 10)},
        )

    assert (young.value.code, young.value.field) == (
        "WORK_START_BEFORE_WORKING_AGE",
        "work_start_date",
    )
    assert (late.value.code, late.value.field) == ("DEEMED_AFTER_REFORM", "deemed_end")
    assert PersonInfo.objects.count() == 0
    services.person_info_record(
        actor=None, person=person, values={"work_start_date": date(1996, 1, 1)}
    )
