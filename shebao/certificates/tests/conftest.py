"""Fixtures for the certificates tests: a unit of 吉林市昌邑区 with two employees assessed for
2020-01 to 2020-03 (January and February paid at the counter), each employee's account, the
unit's administrator, staff of the district and of another."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from freezegun import freeze_time

from shebao.hall.tests.test_browser_journey import chromium  # noqa: F401  (the browser fixture)


@dataclass
class World:
    unit: Any
    admin: Any  # the unit's administrator (user)
    liu: Any  # 刘一, declared 8,000 (person)
    chen: Any  # 陈二, at the floor (person)
    liu_user: Any
    chen_user: Any
    staff_here: Any
    staff_there: Any
    receipt: Any  # the unit's January receipt


@pytest.fixture
def world(hall) -> World:
    from shebao.common.money import from_fen
    from shebao.common.periods import YearMonth
    from shebao.contributions.assessment import month_assess
    from shebao.contributions.models import Bill
    from shebao.contributions.tests.conftest import declare_bases, enrol
    from shebao.payments.services import counter_pay
    from shebao.registry.models import Region
    from shebao.testing import (
        OTHER_DISTRICT,
        make_finance_staff,
        make_individual,
        make_member,
        make_staff,
        make_unit,
        staff_actor,
    )

    unit = make_unit(name="吉林市松花江纺织有限公司")
    liu, chen = enrol(unit, "刘一", "陈二")
    declare_bases(unit, [(liu, "8000")])
    jilin = Region.objects.get(code="220200")
    for month in (1, 2, 3):
        month_assess(region=jilin, month=YearMonth(2020, month))
    finance = staff_actor(make_finance_staff())
    receipt = None
    for month in (1, 2):
        bill = Bill.objects.get(unit=unit, month=YearMonth(2020, month))
        with freeze_time(bill.due_date):  # paid on time: no late fee
            payment, _ = counter_pay(
                actor=finance, bill=bill, amount=str(from_fen(bill.total_fen)), slip=f"s{month}"
            )
        receipt = receipt or payment.receipt
    return World(
        unit=unit,
        admin=make_member(unit, "admin"),
        liu=liu,
        chen=chen,
        liu_user=make_individual(person=liu),
        chen_user=make_individual(person=chen),
        staff_here=make_staff(districts=("220202",)),
        staff_there=make_staff(districts=(OTHER_DISTRICT,)),
        receipt=receipt,
    )


@pytest.fixture
def hall(reference_data):
    from shebao.testing import hall_load

    hall_load()
