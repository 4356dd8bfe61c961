"""Fixtures of the dispute tests: a unit of 昌邑区 with its administrator and an operator
without the dispute matters, a worker, labour-relations staff of 昌邑区 and of 船营区, and
registration staff of 昌邑区 (counter work: the 12333 seat)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest


@dataclass
class World:
    unit: Any
    admin: Any
    operator: Any
    worker: Any  # an individual's user
    labour: Any  # labour-relations staff of 昌邑区
    labour_there: Any  # labour-relations staff of 船营区
    seat: Any  # registration staff of 昌邑区 (COUNTER there)


@pytest.fixture
def world(reference_data) -> World:
    from shebao.testing import (
        OTHER_DISTRICT,
        make_individual,
        make_member,
        make_staff,
        make_unit,
        policy_data_load,
    )

    policy_data_load()
    unit = make_unit(name="吉林市江城机械有限公司")
    return World(
        unit=unit,
        admin=make_member(unit, "admin"),
        operator=make_member(unit, "operator", name="经办人乙"),
        worker=make_individual(name="刘劳动"),
        labour=make_staff(department="labour_relations", name="韩仲裁"),
        labour_there=make_staff(
            department="labour_relations", districts=(OTHER_DISTRICT,), name="钱仲裁"
        ),
        seat=make_staff(department="registration", name="孙专席"),
    )
