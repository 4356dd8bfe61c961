"""Fixtures of the training tests: two trades, an institution teaching one, an enterprise of
昌邑区 with its administrator (an assessment institution to be), a worker, talent staff (the
assessment centre) of 昌邑区 and of 船营区."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest


@dataclass
class World:
    electrician: Any
    welder: Any
    school: Any  # a training institution teaching electricians
    unit: Any
    admin: Any
    operator: Any  # no grant of the assessment matter
    worker: Any
    centre: Any
    centre_there: Any


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
    from shebao.training.models import Trade, TrainingInstitution

    policy_data_load()
    electrician = Trade.objects.create(code="6-31-01-03", name="电工")
    welder = Trade.objects.create(code="6-18-02-04", name="焊工")
    school = TrainingInstitution.objects.create(
        name="吉林市江城职业技能培训学校",
        district_id="220202",
        address="解放北路88号",
        phone="0432-1",
    )
    school.trades.set([electrician])
    unit = make_unit(name="吉林市松江机械制造有限公司")
    return World(
        electrician=electrician,
        welder=welder,
        school=school,
        unit=unit,
        admin=make_member(unit, "admin"),
        operator=make_member(unit, "operator", name="经办人乙"),
        worker=make_individual(name="刘学员"),
        centre=make_staff(department="talent", name="谢鉴定"),
        centre_there=make_staff(department="talent", districts=(OTHER_DISTRICT,), name="钱鉴定"),
    )
