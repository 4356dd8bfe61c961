"""True-up (多退少补): when the provisional 2020 H2 base limits of Jilin are made final, each
assessed line's difference is carried into a later bill, equal to the calculator on the final
values minus what was charged, explained, and written once whatever the reruns."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command

from shebao.calculators.services import contribution_calculate
from shebao.common.errors import InvalidInput
from shebao.common.money import from_fen
from shebao.common.periods import YearMonth
from shebao.contributions.assessment import month_assess
from shebao.contributions.explain import adjustment_explain
from shebao.contributions.models import (
    Bill,
    ContributionAdjustment,
    ContributionLine,
    ParameterSnapshot,
)
from shebao.contributions.trueup import month_trueup, trueup_start
from shebao.policy.models import PolicyParameter
from shebao.testing import make_staff, staff_actor

pytestmark = pytest.mark.django_db

AUGUST = YearMonth(2020, 8)
SEPTEMBER = YearMonth(2020, 9)
FINAL = {"contribution.base_floor": "2900.00", "contribution.base_ceiling": "14500.00"}


def finalize(values=FINAL):
    """The final 2020 H2 limits published: the provisional records made final."""
    from shebao.accounts.capabilities import Capability, capability_grant
    from shebao.policy.services import parameter_finalize

    user = make_staff(districts=("220200",), name="钱政策")
    capability_grant(
        staff=user.staff_profile, capability=Capability.EDIT_POLICY, regions=["220200"]
    )
    editor = staff_actor(user)
    for key, value in values.items():
        record = PolicyParameter.objects.get(
            region_id="220200", key=key, valid_from=date(2020, 7, 1)
        )
        assert record.status == "provisional"
        parameter_finalize(
            actor=editor, record=record, value=value, source="测试：正式公布值", reason="公布"
        )


def test_the_final_limits_are_carried_into_the_next_bill_as_the_difference(jilin, city):
    month_assess(region=jilin, month=AUGUST)
    month_assess(region=jilin, month=SEPTEMBER)
    charged = {
        (line.person_id, line.insurance): line
        for line in ContributionLine.objects.filter(month=AUGUST, kind="employee")
    }
    finalize()

    run = month_trueup(region=jilin, month=AUGUST, into=SEPTEMBER)

    assert run.status == "done" and run.kind == "trueup"
    new = ParameterSnapshot.objects.get(region=jilin, month=AUGUST, version=2)
    assert not new.employee_provisional and new.floor_fen == 290000
    adjustments = {
        (a.person_id, a.insurance): a
        for a in ContributionAdjustment.objects.filter(month=AUGUST).select_related("line")
    }
    declared, above, undeclared = city["staff"]
    # 5,000 declared lies inside both pairs of limits: nothing to carry.
    assert not any(person == declared.pk for person, _ in adjustments)
    for person, wage in ((above, "20000"), (undeclared, "0")):
        expected = contribution_calculate(
            region="220200", month=AUGUST, wage=Decimal(wage), injury_class=3
        )
        for share in expected.lines:
            adjustment = adjustments[(person.pk, share.insurance)]
            line = charged[(person.pk, share.insurance)]
            assert from_fen(adjustment.base_fen) == expected.base
            assert from_fen(adjustment.unit_diff_fen) == share.unit - from_fen(line.unit_fen)
            assert from_fen(adjustment.individual_diff_fen) == share.individual - from_fen(
                line.individual_fen
            )
            assert adjustment.old_snapshot_id == line.snapshot_id != adjustment.snapshot_id
            assert adjustment.unit_diff_fen > 0  # both limits went up: 少补
    assert run.lines_written == len(adjustments) == 2 * 4

    bill = Bill.objects.get(unit=city["unit"], month=SEPTEMBER)
    assert bill.adjustment_count == len(adjustments)
    assert bill.adjustment_unit_fen == sum(a.unit_diff_fen for a in adjustments.values())
    assert bill.adjustment_individual_fen == sum(
        a.individual_diff_fen for a in adjustments.values()
    )
    assert bill.total_fen == bill.assessed_fen + bill.adjustment_fen
    # The month's own lines are untouched.
    assert bill.line_count == 12

    explained = adjustment_explain(adjustments[(above.pk, "pension")])
    assert explained.matches
    assert explained.line.base == Decimal("13835.00") and explained.new.base == Decimal("14500.00")
    assert explained.unit_diff == from_fen(adjustments[(above.pk, "pension")].unit_diff_fen)

    # A rerun writes nothing; the bill is unchanged.
    again = month_trueup(region=jilin, month=AUGUST, into=SEPTEMBER)
    assert again.lines_written == 0
    assert ContributionAdjustment.objects.count() == len(adjustments)
    refreshed = Bill.objects.get(pk=bill.pk)
    assert refreshed.adjustment_fen == bill.adjustment_fen


def test_a_true_up_into_a_month_not_assessed_yet_opens_its_bill(jilin, city):
    month_assess(region=jilin, month=AUGUST)
    finalize()
    month_trueup(region=jilin, month=AUGUST, into=SEPTEMBER)
    bill = Bill.objects.get(unit=city["unit"], month=SEPTEMBER)
    assert bill.line_count == 0 and bill.adjustment_count == 8
    # The month's assessment then adds its lines to the same bill.
    month_assess(region=jilin, month=SEPTEMBER)
    bill.refresh_from_db()
    assert bill.line_count == 12 and bill.adjustment_count == 8
    # Nothing to carry for payers without a difference: no empty bill is left behind.
    assert not Bill.objects.filter(month=SEPTEMBER, payer_kind="self", line_count=0).exists()


def test_a_second_change_carries_only_what_the_first_did_not(jilin, city):
    month_assess(region=jilin, month=AUGUST)
    finalize()
    month_trueup(region=jilin, month=AUGUST, into=SEPTEMBER)
    # The final value corrected again (a new record version): only the new difference.
    from shebao.policy.services import parameter_record

    user = make_staff(districts=("220200",), name="孙政策")
    from shebao.accounts.capabilities import Capability, capability_grant

    capability_grant(
        staff=user.staff_profile, capability=Capability.EDIT_POLICY, regions=["220200"]
    )
    record = PolicyParameter.objects.get(
        region_id="220200", key="contribution.base_floor", valid_from=date(2020, 7, 1)
    )
    record.delete()
    parameter_record(
        actor=staff_actor(user),
        region="220200",
        key="contribution.base_floor",
        valid_from=date(2020, 7, 1),
        valid_to=date(2020, 12, 31),
        value="3000.00",
        status="final",
        source="测试：更正后的公布值",
        reason="更正",
    )
    month_trueup(region=jilin, month=AUGUST, into=YearMonth(2020, 10))
    undeclared = city["staff"][2]
    for insurance in ("pension", "medical", "unemployment", "work_injury"):
        line = ContributionLine.objects.get(month=AUGUST, person=undeclared, insurance=insurance)
        expected = contribution_calculate(
            region="220200", month=AUGUST, wage=Decimal("0"), injury_class=3
        )
        (share,) = [s for s in expected.lines if s.insurance == insurance]
        carried = sum(a.unit_diff_fen for a in line.adjustments.all())
        assert line.adjustments.count() == 2
        assert from_fen(line.unit_fen + carried) == share.unit


def test_the_into_month_must_follow_the_month(jilin, city):
    with pytest.raises(InvalidInput) as error:
        trueup_start(actor=None, region=jilin, month=AUGUST, into=AUGUST, enqueue=False)
    assert error.value.code == "TRUEUP_INTO_INVALID"


def test_the_command_trues_up_a_range_of_months(jilin, city, capsys):
    month_assess(region=jilin, month=AUGUST)
    month_assess(region=jilin, month=SEPTEMBER)
    finalize()
    call_command("month_trueup", "220200", "2020-08", "2020-09", "--into", "2020-10")
    out = capsys.readouterr().out
    assert "2020-08" in out and "2020-09" in out
    assert set(ContributionAdjustment.objects.values_list("month", flat=True)) == {
        AUGUST,
        SEPTEMBER,
    }


def test_statements_issued_on_the_provisional_month_are_reissued_after_the_true_up(
    jilin, city, django_capture_on_commit_callbacks
):
    from shebao.certificates.models import Certificate
    from shebao.certificates.services import certificate_issue

    a, _b, c = city["staff"]  # 5,000 inside both limits; 张三 at the floor
    month_assess(region=jilin, month=AUGUST)
    month_assess(region=jilin, month=SEPTEMBER)
    inside = certificate_issue(actor=None, kind="rights", person=a).certificate
    floor = certificate_issue(actor=None, kind="rights", person=c).certificate
    finalize()

    with django_capture_on_commit_callbacks(execute=True):
        month_trueup(region=jilin, month=AUGUST, into=SEPTEMBER)

    inside.refresh_from_db()
    floor.refresh_from_db()
    assert ContributionAdjustment.objects.filter(person=c).exists()
    assert not ContributionAdjustment.objects.filter(person=a).exists()
    assert floor.status == Certificate.Status.REVOKED and floor.replaced_by is not None
    assert inside.status == Certificate.Status.VALID


def _finalize_average_wage(value: str) -> None:
    """Jilin province's 2020 H2 average wage published (the flexible grades' base)."""
    from shebao.accounts.capabilities import Capability, capability_grant
    from shebao.policy.services import parameter_finalize

    user = make_staff(districts=("220200",), name="孙政策")
    capability_grant(
        staff=user.staff_profile, capability=Capability.EDIT_POLICY, regions=["220000"]
    )
    record = PolicyParameter.objects.get(
        region_id="220000", key="wage.average_annual", valid_from=date(2020, 7, 1)
    )
    parameter_finalize(
        actor=staff_actor(user),
        record=record,
        value=value,
        source="测试：正式公布值",
        reason="公布",
    )


@pytest.mark.parametrize("cancelled", [False, True])
def test_a_cancelled_month_of_a_flexible_worker_takes_no_true_up(jilin, city, cancelled):
    month_assess(region=jilin, month=AUGUST)
    month_assess(region=jilin, month=SEPTEMBER)
    person = city["flexible"]
    if cancelled:  # 欠费注销 of August (the bill and its lines stay)
        Bill.objects.filter(person=person, month=AUGUST).update(status=Bill.Status.CANCELLED)
    _finalize_average_wage("60000")

    month_trueup(region=jilin, month=AUGUST, into=SEPTEMBER)

    carried = ContributionAdjustment.objects.filter(month=AUGUST, person=person)
    if cancelled:
        assert not carried.exists()
    else:  # the 100% grade's base rose with the wage: the difference is carried
        assert carried.exists() and all(a.individual_diff_fen > 0 for a in carried)
