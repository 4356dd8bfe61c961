"""Reconciliation, on random staff sets: every bill's totals are the sums of its lines, every
adjustment is the calculator on the final parameters minus what the line charged, and the bill
it is carried into sums them — to the fen (SQLite and PostgreSQL alike: the suite runs on both).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Count, Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shebao.calculators.services import contribution_calculate
from shebao.common.money import from_fen
from shebao.common.periods import YearMonth
from shebao.contributions.assessment import month_assess
from shebao.contributions.models import Bill, ContributionAdjustment, ContributionLine
from shebao.contributions.tests.conftest import declare_bases, enrol
from shebao.contributions.trueup import month_trueup
from shebao.insurance.services import unit_injury_class_set
from shebao.policy.models import PolicyParameter
from shebao.policy.selectors import policy_cache_clear
from shebao.testing import make_staff, make_unit, staff_actor

pytestmark = pytest.mark.django_db

AUGUST = YearMonth(2020, 8)

wages = st.one_of(
    st.none(),  # never declared: the floor
    st.decimals(min_value=Decimal("0"), max_value=Decimal("40000"), places=2),
)
staff_sets = st.lists(
    st.tuples(st.integers(min_value=1, max_value=8), st.lists(wages, min_size=1, max_size=4)),
    min_size=1,
    max_size=3,
)
floors = st.decimals(min_value=Decimal("2000"), max_value=Decimal("4000"), places=2)


def finalize(floor: Decimal) -> None:
    from shebao.accounts.capabilities import Capability, capability_grant
    from shebao.policy.services import parameter_finalize

    user = make_staff(districts=("220200",))
    capability_grant(
        staff=user.staff_profile, capability=Capability.EDIT_POLICY, regions=["220200"]
    )
    for key, value in (
        ("contribution.base_floor", floor),
        ("contribution.base_ceiling", floor * 5),
    ):
        record = PolicyParameter.objects.get(
            region_id="220200", key=key, valid_from=date(2020, 7, 1)
        )
        parameter_finalize(
            actor=staff_actor(user), record=record, value=str(value), source="测试", reason="公布"
        )


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(units=staff_sets, floor=floors)
def test_lines_bills_and_adjustments_reconcile_to_the_fen(jilin, units, floor):
    try:
        with transaction.atomic():
            expected = {}
            for index, (injury_class, unit_wages) in enumerate(units):
                unit = make_unit(name=f"吉林市对账{index}厂")
                unit_injury_class_set(
                    actor=None, unit=unit, injury_class=injury_class, month=YearMonth(2020, 1)
                )
                staff = enrol(unit, *[f"职工{index}-{i}" for i in range(len(unit_wages))])
                declare_bases(
                    unit,
                    [(p, str(w)) for p, w in zip(staff, unit_wages, strict=True) if w is not None],
                )
                for person, wage in zip(staff, unit_wages, strict=True):
                    expected[person.pk] = (wage or Decimal("0"), injury_class)
            month_assess(region=jilin, month=AUGUST)
            finalize(floor)
            month_trueup(region=jilin, month=AUGUST, into=AUGUST + 1)

            for bill in Bill.objects.filter(month=AUGUST):
                sums = ContributionLine.objects.filter(
                    month=AUGUST, payer_kind=bill.payer_kind, payer_id=bill.payer_id
                ).aggregate(u=Sum("unit_fen"), i=Sum("individual_fen"), n=Count("id"))
                assert (bill.unit_total_fen, bill.individual_total_fen, bill.line_count) == (
                    sums["u"],
                    sums["i"],
                    sums["n"],
                )
            for line in ContributionLine.objects.filter(month=AUGUST):
                wage, injury_class = expected[line.person_id]
                final = contribution_calculate(
                    region="220200", month=AUGUST, wage=wage, injury_class=injury_class
                )
                (share,) = [s for s in final.lines if s.insurance == line.insurance]
                carried = line.adjustments.aggregate(
                    u=Sum("unit_diff_fen"), i=Sum("individual_diff_fen")
                )
                assert from_fen(line.unit_fen + (carried["u"] or 0)) == share.unit
                assert from_fen(line.individual_fen + (carried["i"] or 0)) == share.individual
                # A difference of zero is never written.
                assert not line.adjustments.filter(unit_diff_fen=0, individual_diff_fen=0).exists()
            for bill in Bill.objects.filter(month=AUGUST + 1):
                sums = ContributionAdjustment.objects.filter(bill=bill).aggregate(
                    u=Sum("unit_diff_fen"), i=Sum("individual_diff_fen"), n=Count("id")
                )
                assert (
                    bill.adjustment_unit_fen,
                    bill.adjustment_individual_fen,
                    bill.adjustment_count,
                ) == (sums["u"] or 0, sums["i"] or 0, sums["n"])
                assert bill.total_fen == bill.assessed_fen + bill.adjustment_fen
            transaction.set_rollback(True)
    finally:
        policy_cache_clear()  # the finalised values were rolled back with the example
