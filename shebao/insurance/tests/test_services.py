"""Opening, closing and correcting relations: the records before and after, and the invariant
that one person's relations for one insurance never cover a month twice."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shebao.common.errors import Conflict, InvalidInput
from shebao.common.periods import YearMonth
from shebao.insurance import selectors, services
from shebao.insurance.models import (
    Category,
    Insurance,
    PersonDistrict,
    Relation,
    Scheme,
    UnitInjuryClass,
)
from shebao.insurance.services import Closing, LinesRefused, Opening
from shebao.registry.models import Region
from shebao.testing import make_person, make_unit

pytestmark = pytest.mark.django_db

ALL = (Insurance.PENSION, Insurance.MEDICAL, Insurance.UNEMPLOYMENT, Insurance.WORK_INJURY)
M = YearMonth


def current(person):
    return list(Relation.objects.current().filter(person=person).order_by("insurance"))


def test_an_opening_creates_one_current_relation_per_insurance(unit, person):
    assert current(person) == []

    rows = services.relations_open(
        actor=None, openings=[Opening(person, ALL, M(2021, 3))], unit=unit
    )

    assert len(rows) == 4
    assert {(r.insurance, r.start_month, r.end_month, r.unit_id) for r in current(person)} == {
        (i, M(2021, 3), None, unit.pk) for i in ALL
    }
    assert all(r.payer_kind == "unit" and r.district_id == unit.district_id for r in rows)
    assert len({r.spell for r in rows}) == 4


def test_a_second_unit_cannot_insure_the_same_person_in_the_same_month(unit, other_unit, person):
    services.relations_open(actor=None, openings=[Opening(person, ALL, M(2021, 3))], unit=unit)
    before = Relation.objects.count()

    with pytest.raises(LinesRefused) as refused:
        services.relations_open(
            actor=None, openings=[Opening(person, ALL, M(2022, 1))], unit=other_unit
        )

    assert refused.value.code == "INSURANCE_CONFLICT"
    assert refused.value.problems[0].line == 1
    assert unit.name in refused.value.problems[0].reason
    assert Relation.objects.count() == before


def test_an_employee_cannot_also_be_a_flexible_worker_for_pension(unit, person):
    services.relations_open(actor=None, openings=[Opening(person, ALL, M(2021, 3))], unit=unit)

    with pytest.raises(LinesRefused) as refused:
        services.relations_open(
            actor=None,
            openings=[
                Opening(person, (Insurance.PENSION,), M(2021, 6), category=Category.FLEXIBLE)
            ],
            unit=None,
        )

    assert "同一月份不能重复参保" in refused.value.problems[0].reason


def test_a_set_with_one_bad_line_writes_nothing_and_names_every_bad_line(unit, other_unit):
    busy = make_person(name="钱多")
    services.relations_open(actor=None, openings=[Opening(busy, ALL, M(2020, 1))], unit=other_unit)
    fine = make_person(name="孙好")
    before = Relation.objects.count()

    with pytest.raises(LinesRefused) as refused:
        services.relations_open(
            actor=None,
            openings=[
                Opening(fine, ALL, M(2021, 1)),
                Opening(busy, ALL, M(2021, 1)),
                Opening(fine, ALL, M(2021, 1)),
            ],
            unit=unit,
        )

    assert [p.line for p in refused.value.problems] == [2, 3]
    assert "第1行是同一人" in refused.value.problems[1].reason
    assert Relation.objects.count() == before


def test_closing_ends_the_relation_before_the_stop_month_and_keeps_the_old_version(unit, person):
    services.relations_open(actor=None, openings=[Opening(person, ALL, M(2021, 3))], unit=unit)

    services.relations_close(actor=None, closings=[Closing(person, M(2023, 7))], unit=unit)

    rows = current(person)
    assert {(r.end_month, r.end_reason, r.version) for r in rows} == {(M(2023, 6), "leave", 2)}
    assert Relation.objects.filter(person=person, superseded_at__isnull=False).count() == 4
    assert {r.spell for r in rows} == set(
        Relation.objects.filter(person=person, version=1).values_list("spell", flat=True)
    )


def test_closing_in_may_does_not_change_what_april_reads(unit, person):
    services.relations_open(actor=None, openings=[Opening(person, ALL, M(2024, 1))], unit=unit)
    april = {r.insurance for r in selectors.relations_in_month(person=person, month=M(2024, 4))}

    services.relations_close(actor=None, closings=[Closing(person, M(2024, 5))], unit=unit)

    assert (
        {r.insurance for r in selectors.relations_in_month(person=person, month=M(2024, 4))}
        == april
        == set(ALL)
    )
    assert selectors.relations_in_month(person=person, month=M(2024, 5)) == []


def test_closing_what_is_not_open_is_refused(unit, other_unit, person):
    services.relations_open(actor=None, openings=[Opening(person, ALL, M(2021, 3))], unit=unit)
    before = list(Relation.objects.values_list("id", "superseded_at"))

    with pytest.raises(LinesRefused) as refused:
        services.relations_close(
            actor=None, closings=[Closing(person, M(2022, 1))], unit=other_unit
        )
    assert refused.value.code == "INSURANCE_NOT_OPEN"

    with pytest.raises(LinesRefused) as early:
        services.relations_close(actor=None, closings=[Closing(person, M(2021, 3))], unit=unit)
    assert "人员变更回退" in early.value.problems[0].reason
    assert list(Relation.objects.values_list("id", "superseded_at")) == before


def test_rejoining_after_leaving_opens_a_new_spell(unit, person):
    services.relations_open(actor=None, openings=[Opening(person, ALL, M(2020, 1))], unit=unit)
    services.relations_close(actor=None, closings=[Closing(person, M(2021, 1))], unit=unit)

    services.relations_open(actor=None, openings=[Opening(person, ALL, M(2022, 5))], unit=unit)

    rows = current(person)
    assert sorted((r.start_month, r.end_month) for r in rows if r.insurance == "pension") == [
        (M(2020, 1), M(2020, 12)),
        (M(2022, 5), None),
    ]


def test_a_correction_is_a_new_version_with_who_and_why(unit, person):
    from shebao.accounts.actors import actor_for
    from shebao.testing import make_staff

    staff = actor_for(make_staff(), "staff")
    (pension, *_) = services.relations_open(
        actor=None, openings=[Opening(person, (Insurance.PENSION,), M(2021, 3))], unit=unit
    )

    corrected = services.relation_correct(
        actor=staff, relation=pension, start_month=M(2021, 1), why="劳动合同约定的用工日期为1月"
    )

    pension.refresh_from_db()
    assert pension.superseded_at is not None and pension.start_month == M(2021, 3)
    assert corrected.start_month == M(2021, 1) and corrected.version == 2
    assert corrected.recorded_by == staff.user and "劳动合同" in corrected.note
    with pytest.raises(Conflict):
        services.relation_correct(actor=staff, relation=pension, start_month=M(2020, 1), why="再改")
    with pytest.raises(InvalidInput):
        services.relation_correct(actor=staff, relation=corrected, start_month=M(2020, 1), why=" ")


def test_dated_facts_keep_what_a_past_month_read(unit, person):
    jilin_cy = Region.objects.get(code="220202")
    jilin_cyy = Region.objects.get(code="220204")
    services.person_district_set(actor=None, person=person, district=jilin_cy, month=M(2020, 1))
    services.person_district_set(actor=None, person=person, district=jilin_cyy, month=M(2023, 5))
    services.unit_injury_class_set(actor=None, unit=unit, injury_class=2, month=M(2020, 1))
    services.unit_injury_class_set(actor=None, unit=unit, injury_class=4, month=M(2022, 1))

    assert list(
        PersonDistrict.objects.filter(person=person)
        .order_by("valid_from")
        .values_list("district_id", "valid_from", "valid_to")
    ) == [("220202", M(2020, 1), M(2023, 4)), ("220204", M(2023, 5), None)]
    assert list(
        UnitInjuryClass.objects.filter(unit=unit)
        .order_by("valid_from")
        .values_list("injury_class", "valid_to")
    ) == [(2, M(2021, 12)), (4, None)]
    person.refresh_from_db()
    unit.refresh_from_db()
    assert person.district_id == "220204" and unit.injury_class == 4
    with pytest.raises(Conflict):
        services.unit_injury_class_set(actor=None, unit=unit, injury_class=3, month=M(2021, 1))
    with pytest.raises(InvalidInput):
        services.unit_injury_class_set(actor=None, unit=unit, injury_class=9, month=M(2025, 1))


# ---------------------------------------------------------------- the invariant, as a property

MONTHS = st.integers(min_value=0, max_value=47).map(lambda i: M(2020, 1) + i)
OPS = st.lists(
    st.tuples(
        st.sampled_from(["open", "close"]),
        st.integers(0, 2),
        MONTHS,
        st.sampled_from([(Insurance.PENSION,), ALL, (Insurance.WORK_INJURY,)]),
    ),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=OPS)
def test_one_persons_relations_for_one_insurance_never_overlap(reference_data, ops):
    payers = [make_unit(name="甲公司"), make_unit(name="乙公司"), None]
    person = make_person(name="周全")
    for op, payer_index, month, insurances in ops:
        payer = payers[payer_index]
        try:
            if op == "open":
                services.relations_open(
                    actor=None,
                    openings=[
                        Opening(
                            person,
                            insurances,
                            month,
                            category=Category.EMPLOYEE if payer else Category.FLEXIBLE,
                            scheme=Scheme.EMPLOYEE,
                        )
                    ],
                    unit=payer,
                    district=person.district,
                )
            else:
                services.relations_close(
                    actor=None, closings=[Closing(person, month, insurances=insurances)], unit=payer
                )
        except (LinesRefused, InvalidInput):
            pass
    rows = list(Relation.objects.current().filter(person=person))
    for insurance in Insurance.values:
        covered: set[YearMonth] = set()
        for row in (r for r in rows if r.insurance == insurance):
            end = row.end_month or M(2024, 12)
            months = {row.start_month + i for i in range(end - row.start_month + 1)}
            assert not covered & months, (insurance, row)
            covered |= months
