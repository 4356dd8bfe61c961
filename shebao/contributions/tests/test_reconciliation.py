"""Reconciliation, on random staff sets and self-paying persons: every bill's totals are the sums of its lines, every
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


# --- payments and arrears ------------------------------------------------------------------------

SEPTEMBER = AUGUST + 1
# The day the books are read: both months long past due.
READ_ON = date(2020, 12, 15)
# How each bill is settled: not at all, or in full on a day (its month's 20th, before it falls
# due, or some days after its due date, late fee included), through one channel.
NONE, ON_TIME, LATE = "none", "on_time", "late"
settlements = st.tuples(
    st.sampled_from((NONE, ON_TIME, LATE)),
    st.sampled_from(("counter", "online", "bank")),
    st.integers(min_value=1, max_value=60),  # days late
)
paid_units = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=8),
        st.lists(wages, min_size=1, max_size=4),
        settlements,  # August's bill
        settlements,  # September's, with August's adjustments carried in
    ),
    min_size=1,
    max_size=3,
)
# Self-paying persons (flexible workers, pension and medical) at a grade of the city's.
self_payers = st.lists(
    st.tuples(st.sampled_from((60, 100, 300)), settlements, settlements),
    min_size=1,
    max_size=3,
)


def _pay(bill: Bill, how: tuple[str, str, int], *, finance, payer) -> None:
    """Settle ``bill`` in full as ``how`` says, through the channel's own service, on its day."""
    from datetime import datetime, time, timedelta

    from django.utils import timezone
    from freezegun import freeze_time

    from shebao.contributions.dues import amount_due
    from shebao.payments import bankfile, localbank
    from shebao.payments.services import counter_pay, order_create

    when, channel, days_late = how
    if when == NONE:
        return
    day = bill.month.day(20) if when == ON_TIME else bill.due_date + timedelta(days=days_late)
    with freeze_time(timezone.make_aware(datetime.combine(day, time(10)))):
        bill.refresh_from_db()
        if channel == "counter":
            counter_pay(actor=finance, bill=bill, amount=amount_due(bill, day), slip=f"R{bill.pk}")
        elif channel == "online":
            order, _ = order_create(actor=payer, bill=bill)
            localbank.notice_send(order)
        else:
            payer_record = {"unit": bill.unit} if bill.unit_id else {"person": bill.person}
            bankfile.agreement_sign(
                actor=None,
                bank_code=f"B{bill.pk}",
                account_number="6222020200001234562",
                account_name=(bill.unit or bill.person).name,
                **payer_record,
            )
            batch, _ = bankfile.batch_export(
                actor=None, region=bill.region, month=bill.month, bank_code=f"B{bill.pk}"
            )
            assert batch.row_count == 1
            bankfile.batch_round_trip(actor=None, batch=batch)


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(units=paid_units, persons=self_payers, floor=floors)
def test_bills_reconcile_with_payments_and_arrears_to_the_fen(jilin, units, persons, floor):
    """For every bill of units' staff and of self-paying persons: its lines sum to its totals; its total (the month's lines and the
    adjustments carried into it) is what was paid towards it plus what is still owed; and the
    late fee stands apart — a bill paid late was paid its total plus exactly the calculator's
    late fee up to the day it was paid, an unpaid one owes its total plus the fee to the day the
    books are read."""
    from datetime import timedelta

    from django.utils import timezone
    from freezegun import freeze_time

    from shebao.accounts.actors import actor_for
    from shebao.calculators.services import late_fee_calculate
    from shebao.common.money import to_fen
    from shebao.contributions.dues import dues_of
    from shebao.insurance.models import Category
    from shebao.insurance.services import Opening, flexible_grade_set, relations_open
    from shebao.payments.models import Payment
    from shebao.testing import (
        make_finance_staff,
        make_individual,
        make_member,
        make_person,
        unit_actor,
    )

    try:
        with transaction.atomic():
            finance = staff_actor(make_finance_staff(districts=("220200",)))
            plan = {}
            with freeze_time("2020-08-05 10:00:00+08:00"):
                for index, (injury_class, unit_wages, august, september) in enumerate(units):
                    unit = make_unit(name=f"吉林市缴费对账{index}厂")
                    unit_injury_class_set(
                        actor=None, unit=unit, injury_class=injury_class, month=YearMonth(2020, 1)
                    )
                    staff = enrol(unit, *[f"职工{index}-{i}" for i in range(len(unit_wages))])
                    declare_bases(
                        unit,
                        [
                            (p, str(w))
                            for p, w in zip(staff, unit_wages, strict=True)
                            if w is not None
                        ],
                    )
                    payer = unit_actor(make_member(unit, "admin", name=f"管理员{index}"), unit)
                    plan[("unit", unit.pk)] = (payer, {AUGUST: august, SEPTEMBER: september})
                for index, (grade, august, september) in enumerate(persons):
                    person = make_person(name=f"灵活{index}", district="220204")
                    relations_open(
                        actor=None,
                        openings=[
                            Opening(
                                person=person,
                                insurances=("pension", "medical"),
                                start_month=YearMonth(2020, 1),
                                category=Category.FLEXIBLE,
                            )
                        ],
                        unit=None,
                    )
                    flexible_grade_set(
                        actor=None, person=person, grade=grade, month=YearMonth(2020, 1)
                    )
                    payer = actor_for(make_individual(person=person), "individual")
                    plan[("self", person.pk)] = (payer, {AUGUST: august, SEPTEMBER: september})
                month_assess(region=jilin, month=AUGUST)
            for (kind, payer_id), (payer, how) in plan.items():
                _pay(
                    Bill.objects.get(payer_kind=kind, payer_id=payer_id, month=AUGUST),
                    how[AUGUST],
                    finance=finance,
                    payer=payer,
                )
            with freeze_time("2020-09-05 10:00:00+08:00"):
                finalize(floor)
                month_trueup(region=jilin, month=AUGUST, into=SEPTEMBER)
                month_assess(region=jilin, month=SEPTEMBER)
            for (kind, payer_id), (payer, how) in plan.items():
                _pay(
                    Bill.objects.get(payer_kind=kind, payer_id=payer_id, month=SEPTEMBER),
                    how[SEPTEMBER],
                    finance=finance,
                    payer=payer,
                )

            bills = [
                b
                for b in Bill.objects.filter(region=jilin).order_by("pk")
                if (b.payer_kind, b.payer_id) in plan
            ]
            dues = dues_of([b.pk for b in bills], on=READ_ON)
            assert len(bills) == 2 * len(plan)
            assert {b.payer_kind for b in bills} == {"unit", "self"}
            for bill in bills:
                lines = ContributionLine.objects.filter(bill=bill).aggregate(
                    u=Sum("unit_fen"), i=Sum("individual_fen")
                )
                carried = ContributionAdjustment.objects.filter(bill=bill).aggregate(
                    u=Sum("unit_diff_fen"), i=Sum("individual_diff_fen")
                )
                total = (lines["u"] or 0) + (lines["i"] or 0)
                total += (carried["u"] or 0) + (carried["i"] or 0)
                paid = list(Payment.objects.filter(bill=bill).values_list("paid_at", "amount_fen"))
                due = dues[bill.pk]
                when, _channel, days_late = plan[(bill.payer_kind, bill.payer_id)][1][bill.month]

                # Lines = the bill's totals = what was paid towards them + arrears.
                assert (bill.unit_total_fen, bill.individual_total_fen) == (
                    lines["u"] or 0,
                    lines["i"] or 0,
                )
                assert bill.total_fen == due.total_fen == total
                towards = min(sum(fen for _at, fen in paid), total)
                assert towards + due.principal_due_fen == total
                # The late fee apart: paid on top of the total, or owed on top of the arrears.
                assert total > 0  # every employee at the floor at least, every grade above 0
                if when == NONE:
                    assert paid == []
                    assert bill.status == Bill.Status.ARREARS or due.arrears
                    end = READ_ON
                else:
                    ((paid_at, fen),) = paid
                    assert bill.status == Bill.Status.PAID and due.due_fen == 0
                    day = bill.due_date + timedelta(days=days_late) if when == LATE else None
                    assert timezone.localdate(paid_at) == (day or bill.month.day(20))
                    end = day
                fee = 0
                if end is not None:
                    fee = to_fen(
                        late_fee_calculate(
                            amount=from_fen(total),
                            start=bill.due_date + timedelta(days=1),
                            end=end,
                            region="220200",
                        ).fee
                    )
                assert due.late_fee_fen == fee
                if when == NONE:
                    assert due.due_fen == total + fee
                else:
                    assert fen == total + fee
            # And over the city: the bills' totals are the payments less the late fees paid,
            # plus the arrears.
            paid_fen = Payment.objects.filter(bill__in=bills).aggregate(s=Sum("amount_fen"))["s"]
            fees_paid = sum(dues[b.pk].late_fee_fen for b in bills if b.status == Bill.Status.PAID)
            owed = sum(dues[b.pk].principal_due_fen for b in bills)
            assert sum(b.total_fen for b in bills) == (paid_fen or 0) - fees_paid + owed
            transaction.set_rollback(True)
    finally:
        policy_cache_clear()
