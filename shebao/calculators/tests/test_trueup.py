"""The true-up recomputes stored results with the calculators' own services."""

from datetime import date
from decimal import Decimal

import pytest

from shebao.calculators import services
from shebao.calculators.definitions import CONTRIBUTION
from shebao.common.periods import YearMonth
from shebao.policy.calculations import (
    calculation_record,
    parameter_finalize_preview,
    registered_kinds,
)
from shebao.policy.models import CalculationRecord, PolicyParameter

pytestmark = pytest.mark.usefixtures("policy_data")


def test_every_region_dependent_calculator_is_registered():
    assert set(registered_kinds()) >= {
        "contribution",
        "flexible",
        "unemployment",
        "pension",
        "death_benefit",
        "payday",
    }


def test_finalizing_jilins_provisional_floor_recomputes_a_stored_contribution(editor):
    # Given a bill line computed in July 2020 on the provisional floor of 2,767 …
    inputs = {"region": "220200", "month": "2020-07", "wage": "2000", "injury_class": 1}
    result = services.contribution_calculate(
        region="220200", month=YearMonth(2020, 7), wage=Decimal("2000"), injury_class=1
    )
    assert result.trace.provisional
    stored = calculation_record(
        kind="contribution",
        region="220200",
        inputs=inputs,
        amounts=CONTRIBUTION.amounts(result),
        trace=result.trace,
    )
    floor = PolicyParameter.objects.get(
        region_id="220200", key="contribution.base_floor", valid_from=date(2020, 7, 1)
    )

    # … when the final floor is 2,900 …
    lines = parameter_finalize_preview(
        actor=editor, record=floor, value="2900.00", source="吉人社联字〔2020〕测试号"
    )

    # … the recomputation through the registered service charges the difference.
    (line,) = lines
    assert line.record.pk == stored.pk
    assert line.error == ""
    assert line.new_amounts["base"] == Decimal("2900.00")
    assert line.differences["base"] == Decimal("133.00")
    assert line.differences["pension.unit"] == Decimal("21.28")  # 133 × 16%
    assert line.differences["pension.individual"] == Decimal("10.64")  # 133 × 8%
    assert line.provisional  # the ceiling of the same half-year is still provisional
    assert CalculationRecord.objects.count() == 1  # a preview writes nothing
