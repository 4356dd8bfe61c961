"""Fixtures for the payments tests: a unit and a self-paying person of 昌邑区 with a bill
each, the unit's administrator, finance staff of the district and of another, and staff of
another department."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest


@dataclass
class World:
    unit: Any
    person: Any
    admin: Any  # the unit's administrator (user)
    individual: Any  # the self-paying person's user
    finance: Any  # finance staff of 昌邑区 (user)
    finance_there: Any  # finance staff of 船营区
    registration: Any  # registration staff of 昌邑区 (no finance capability)
    unit_bill: Any
    self_bill: Any


@pytest.fixture
def world(reference_data) -> World:
    from shebao.testing import (
        OTHER_DISTRICT,
        make_bill,
        make_finance_staff,
        make_individual,
        make_member,
        make_staff,
        make_unit,
    )

    unit = make_unit(name="吉林市松花江纺织有限公司")
    individual = make_individual(name="赵灵活")
    return World(
        unit=unit,
        person=individual.person,
        admin=make_member(unit, "admin"),
        individual=individual,
        finance=make_finance_staff(),
        finance_there=make_finance_staff(districts=(OTHER_DISTRICT,), name="钱财务"),
        registration=make_staff(),
        unit_bill=make_bill(unit=unit, unit_fen=123_456, individual_fen=45_678),
        self_bill=make_bill(person=individual.person, unit_fen=0, individual_fen=98_765),
    )
