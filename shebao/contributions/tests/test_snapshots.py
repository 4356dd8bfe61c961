"""The parameter snapshot of a region's month: resolved once, versioned when the parameters
change, and read back into the very explanation the calculator gives."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shebao.calculators.services import contribution_calculate, flexible_calculate
from shebao.common.errors import NotFound
from shebao.common.periods import YearMonth
from shebao.contributions.models import ParameterSnapshot
from shebao.contributions.snapshots import (
    explain_employee,
    explain_flexible,
    payment_deadline_day,
    snapshot_params,
    snapshot_resolve,
)
from shebao.policy.models import PolicyParameter
from shebao.registry.models import Region

pytestmark = pytest.mark.django_db

MARCH = YearMonth(2020, 3)
AUGUST = YearMonth(2020, 8)


def test_a_month_is_resolved_once_with_its_limits_in_fen_and_its_records(jilin):
    snapshot = snapshot_resolve(region=jilin, month=MARCH)
    assert (snapshot.floor_fen, snapshot.ceiling_fen) == (276700, 1383500)
    assert not snapshot.provisional
    assert snapshot.params["rate.pension.unit"]["value"] == "0.16"
    floor = PolicyParameter.objects.get(
        region_id="220200", key="contribution.base_floor", valid_from="2020-01-01"
    )
    assert snapshot.parameters.get(key="contribution.base_floor").record == floor
    assert snapshot.params["contribution.base_floor"]["ref"]["record_id"] == floor.pk
    again = snapshot_resolve(region=jilin, month=MARCH)
    assert again.pk == snapshot.pk
    assert ParameterSnapshot.objects.count() == 1


def test_a_provisional_limit_marks_the_employees_month_provisional(jilin):
    snapshot = snapshot_resolve(region=jilin, month=AUGUST)
    assert snapshot.employee_provisional
    assert snapshot.flexible_provisional  # the grades read the provisional average wage
    assert snapshot.params["contribution.base_floor"]["ref"]["status"] == "provisional"


def test_the_final_value_makes_a_new_version_and_the_old_one_keeps_what_it_used(jilin):
    first = snapshot_resolve(region=jilin, month=AUGUST)
    PolicyParameter.objects.filter(
        region_id="220200", key="contribution.base_floor", valid_from="2020-07-01"
    ).update(value="2900.00", status="final")
    second = snapshot_resolve(region=jilin, month=AUGUST)
    assert (first.version, second.version) == (1, 2)
    assert second.floor_fen == 290000
    first.refresh_from_db()
    assert first.floor_fen == 276700
    old = explain_employee(first, insurance="pension", wage=Decimal("2000"), injury_class=None)
    assert old.base == Decimal("2767.00")
    assert old.trace.provisional


@pytest.mark.parametrize(
    ("insurance", "wage", "injury_class"),
    [("pension", "15000", None), ("unemployment", "2000.40", None), ("work_injury", "5000", 6)],
)
def test_an_explanation_rebuilt_from_the_snapshot_is_the_calculators(
    jilin, insurance, wage, injury_class
):
    snapshot = snapshot_resolve(region=jilin, month=MARCH)
    rebuilt = explain_employee(
        snapshot, insurance=insurance, wage=Decimal(wage), injury_class=injury_class
    )
    calculated = contribution_calculate(
        region="220200", month=MARCH, wage=Decimal(wage), injury_class=injury_class or 1
    )
    assert rebuilt.trace.children[0].as_dict() == calculated.trace.children[0].as_dict()
    (line,) = rebuilt.lines
    assert line == next(x for x in calculated.lines if x.insurance == insurance)
    steps = {s.label: s.as_dict() for s in calculated.trace.steps}
    for step in rebuilt.trace.steps:
        if step.label.startswith(line.label):
            assert step.as_dict() == steps[step.label]
    used = {ref.key for ref in rebuilt.trace.all_params()}
    assert {ref.key for ref in calculated.trace.all_params()} >= used
    assert rebuilt.trace.inputs["month"] == "2020-03"


def test_a_flexible_explanation_rebuilt_from_the_snapshot_is_the_calculators(jilin):
    snapshot = snapshot_resolve(region=jilin, month=MARCH)
    rebuilt = explain_flexible(snapshot, grade=100)
    calculated = flexible_calculate(region="220200", month=MARCH, grade=100)
    assert rebuilt.trace.as_dict() == calculated.trace.as_dict()
    assert (rebuilt.base, rebuilt.monthly) == (Decimal("4612.00"), Decimal("922.40"))


def test_parameters_read_back_are_the_schema_values(jilin):
    params = snapshot_params(snapshot_resolve(region=jilin, month=MARCH))
    assert params["rate.work_injury.class_rates"].value[1] == Decimal("0.002")
    assert params["rounding.base"].value.step == Decimal("1")
    assert payment_deadline_day(snapshot_resolve(region=jilin, month=MARCH)) is None


def test_wuhan_has_a_payment_deadline_day(hall):
    wuhan = Region.objects.get(code="420100")
    assert payment_deadline_day(snapshot_resolve(region=wuhan, month=YearMonth(2024, 3))) == 20


def test_a_month_without_its_parameters_is_refused_naming_the_parameter(hall):
    with pytest.raises(NotFound) as error:
        snapshot_resolve(region=Region.objects.get(code="220200"), month=YearMonth(2001, 1))
    assert error.value.code == "POLICY_PARAM_MISSING"
    assert ParameterSnapshot.objects.count() == 0
