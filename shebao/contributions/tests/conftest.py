"""Fixtures for the contributions tests: the hall's reference data, catalogue and policy."""

from __future__ import annotations

import pytest


@pytest.fixture
def hall(reference_data):
    """The catalogue and the policy parameters, as a deployment has them."""
    from shebao.catalogue.services import catalogue_load
    from shebao.policy.services import policy_load

    catalogue_load()
    policy_load()


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
