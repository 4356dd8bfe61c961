"""Fixtures for the contributions tests: the hall's reference data, catalogue and policy."""

from __future__ import annotations

from decimal import Decimal

import pytest


@pytest.fixture
def hall(reference_data):
    """The catalogue and the policy parameters, as a deployment has them."""
    from shebao.testing import hall_load

    hall_load()


@pytest.fixture
def jilin(hall):
    from shebao.registry.models import Region

    return Region.objects.get(code="220200")


@pytest.fixture
def unit(hall):
    from shebao.testing import make_unit

    return make_unit(name="吉林市松花江纺织有限公司")


@pytest.fixture
def admin(unit):
    from shebao.testing import make_member, unit_actor

    return unit_actor(make_member(unit, "admin"), unit)


@pytest.fixture
def reviewer(hall):
    from shebao.testing import make_staff, staff_actor

    return staff_actor(make_staff(districts=("220202",)))


def enrol(
    unit, *names, start=None, insurances=("pension", "medical", "unemployment", "work_injury")
):
    """Employees of ``unit`` from ``start`` (default 2020-01), through the insurance service."""
    from shebao.common.periods import YearMonth
    from shebao.insurance.services import Opening, relations_open
    from shebao.testing import make_person

    start = start or YearMonth(2020, 1)
    persons = [make_person(name=name) for name in names]
    relations_open(
        actor=None,
        openings=[
            Opening(person=p, insurances=tuple(insurances), start_month=start) for p in persons
        ],
        unit=unit,
    )
    return persons


@pytest.fixture
def other_person(hall):
    from shebao.testing import make_person

    return make_person(name="赵敏")


def declare_bases(unit, wages):
    """Bases in force from 2020-01 (the declaration's own tests drive the matter)."""
    from django.utils import timezone

    from shebao.common.money import to_fen
    from shebao.common.periods import YearMonth
    from shebao.contributions.models import ContributionBase

    ContributionBase.objects.bulk_create(
        ContributionBase(
            unit=unit,
            person=person,
            year=2020,
            valid_from=YearMonth(2020, 1),
            wage_fen=to_fen(Decimal(wage)),
            recorded_at=timezone.now(),
        )
        for person, wage in wages
    )


@pytest.fixture
def city(unit, other_person):
    """A unit of three (declared 5,000; declared 20,000, above the ceiling; never declared) in
    class 3, and a flexible worker at the 100% grade."""
    from shebao.common.periods import YearMonth
    from shebao.insurance.models import Category
    from shebao.insurance.services import (
        Opening,
        flexible_grade_set,
        relations_open,
        unit_injury_class_set,
    )
    from shebao.testing import make_person

    unit_injury_class_set(actor=None, unit=unit, injury_class=3, month=YearMonth(2020, 1))
    a, b, c = enrol(unit, "刘一", "陈二", "张三")
    declare_bases(unit, [(a, "5000"), (b, "20000")])
    flexible = make_person(name="周灵", district="220204")
    relations_open(
        actor=None,
        openings=[
            Opening(
                person=flexible,
                insurances=("pension", "medical"),
                start_month=YearMonth(2020, 1),
                category=Category.FLEXIBLE,
            )
        ],
        unit=None,
    )
    flexible_grade_set(actor=None, person=flexible, grade=100, month=YearMonth(2020, 1))
    return {"unit": unit, "staff": (a, b, c), "wages": ("5000", "20000", "0"), "flexible": flexible}
