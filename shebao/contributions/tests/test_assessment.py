"""The monthly assessment: lines and bills of a region's month, set-based, equal to the
calculator to the fen, idempotent on rerun and after a crash, provisional where the parameters
are."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command

from shebao.calculators.services import contribution_calculate, flexible_calculate
from shebao.common.errors import Conflict, PermissionDenied
from shebao.common.money import from_fen
from shebao.common.periods import YearMonth
from shebao.contributions import assessment
from shebao.contributions.assessment import assessment_start, month_assess
from shebao.contributions.explain import line_explain
from shebao.contributions.models import AssessmentRun, Bill, ContributionLine
from shebao.contributions.tests.conftest import enrol
from shebao.insurance.services import (
    unit_injury_class_set,
)
from shebao.testing import make_staff, make_unit, staff_actor

pytestmark = pytest.mark.django_db

MARCH = YearMonth(2020, 3)
AUGUST = YearMonth(2020, 8)
LEVIED = ("pension", "medical", "unemployment", "work_injury")


def lines_of(**where):
    return {
        (line.person_id, line.insurance): line
        for line in ContributionLine.objects.filter(**where).select_related("snapshot")
    }


def snapshot_of_table():
    return sorted(
        ContributionLine.objects.values_list(
            "month",
            "payer_kind",
            "payer_id",
            "person_id",
            "insurance",
            "base_fen",
            "unit_fen",
            "individual_fen",
            "bill_id",
        )
    ), sorted(
        Bill.objects.values_list(
            "number", "unit_total_fen", "individual_total_fen", "line_count", "status"
        )
    )


def test_a_units_month_is_assessed_line_by_line_as_the_calculator_computes_it(jilin, city):
    assert ContributionLine.objects.count() == 0 and Bill.objects.count() == 0

    run = month_assess(region=jilin, month=MARCH)

    assert run.status == "done" and run.problems == []
    assert (run.chunks_total, run.chunks_done) == (2, 2)  # the units, the self-payers
    assert run.lines_written == 3 * 4 + 1  # flexible medical has no rule yet
    lines = lines_of(unit=city["unit"])
    for person, wage in zip(city["staff"], city["wages"], strict=True):
        expected = contribution_calculate(
            region="220200", month=MARCH, wage=Decimal(wage), injury_class=3
        )
        for share in expected.lines:
            line = lines[(person.pk, share.insurance)]
            assert (
                from_fen(line.base_fen),
                from_fen(line.unit_fen),
                from_fen(line.individual_fen),
            ) == (
                expected.base,
                share.unit,
                share.individual,
            )
    assert lines[(city["staff"][1].pk, "pension")].base_fen == 1383500  # the ceiling
    floor_line = lines[(city["staff"][2].pk, "pension")]
    assert (floor_line.base_source, floor_line.wage_fen, floor_line.base_fen) == (
        "floor",
        None,
        276700,
    )
    assert lines[(city["staff"][0].pk, "work_injury")].injury_class == 3
    assert lines[(city["staff"][0].pk, "pension")].injury_class is None

    bill = Bill.objects.get(unit=city["unit"])
    assert bill.number == f"ZJ202003U{city['unit'].pk:010d}"
    assert bill.due_date.isoformat() == "2020-03-31"  # Jilin sets no day: the month's last
    assert bill.unit_total_fen == sum(line.unit_fen for line in lines.values())
    assert bill.individual_total_fen == sum(line.individual_fen for line in lines.values())
    assert bill.line_count == 12 and not bill.provisional and bill.status == "unpaid"

    (flex_line,) = lines_of(kind="flexible").values()
    expected = flexible_calculate(region="220200", month=MARCH, grade=100)
    assert (from_fen(flex_line.base_fen), from_fen(flex_line.individual_fen)) == (
        expected.base,
        expected.monthly,
    )
    assert flex_line.unit_fen == 0 and flex_line.payer_kind == "self"
    self_bill = Bill.objects.get(person=city["flexible"])
    assert self_bill.number == f"ZJ202003P{city['flexible'].pk:010d}"
    assert self_bill.individual_total_fen == 92240


def test_a_rerun_writes_nothing_and_changes_nothing(jilin, city):
    month_assess(region=jilin, month=MARCH)
    before = snapshot_of_table()
    again = month_assess(region=jilin, month=MARCH)
    assert again.lines_written == 0 and again.status == "done"
    assert snapshot_of_table() == before
    assert AssessmentRun.objects.count() == 2


def test_a_run_that_crashes_midway_is_completed_by_a_rerun_without_duplicates(
    jilin, city, monkeypatch
):
    # A clean assessment in a savepoint gives the expected tables.
    from django.db import transaction

    with transaction.atomic():
        month_assess(region=jilin, month=MARCH)
        expected = snapshot_of_table()
        transaction.set_rollback(True)
    assert ContributionLine.objects.count() == 0

    real = assessment._execute

    def crash_on_the_self_payers_chunk(sql, params):
        if sql.startswith("INSERT INTO contributions_contributionline") and "'self'" in sql:
            raise RuntimeError("worker killed")
        return real(sql, params)

    monkeypatch.setattr(assessment, "_execute", crash_on_the_self_payers_chunk)
    with pytest.raises(RuntimeError):
        month_assess(region=jilin, month=MARCH)
    failed = AssessmentRun.objects.get()
    assert failed.status == "failed" and "worker killed" in failed.error
    assert 0 < ContributionLine.objects.count() < 13
    assert failed.chunks_done == 1  # the unit's chunk, its bill whole

    monkeypatch.setattr(assessment, "_execute", real)
    rerun = month_assess(region=jilin, month=MARCH)
    assert rerun.status == "done"
    numbers = sorted(n for n, *_ in expected[1])
    assert sorted(n for n, *_ in snapshot_of_table()[1]) == numbers
    assert [row[3:8] for row in snapshot_of_table()[0]] == [row[3:8] for row in expected[0]]
    assert [row[1:] for row in snapshot_of_table()[1]] == [row[1:] for row in expected[1]]


def test_a_provisional_parameter_marks_the_lines_and_the_bill_provisional(jilin, city):
    month_assess(region=jilin, month=AUGUST)
    assert all(line.provisional for line in ContributionLine.objects.filter(kind="employee"))
    assert ContributionLine.objects.get(kind="flexible").provisional  # the average wage too
    assert Bill.objects.get(unit=city["unit"]).provisional
    month_assess(region=jilin, month=MARCH)
    assert not any(line.provisional for line in ContributionLine.objects.filter(month=MARCH))


def test_a_unit_without_an_injury_class_is_reported_and_completed_once_it_has_one(jilin, hall):
    unit = make_unit(name="吉林市无类别商贸有限公司")
    enrol(unit, "王五", "赵六")
    run = month_assess(region=jilin, month=MARCH)
    (problem,) = run.problems
    assert problem["code"] == "INJURY_CLASS_MISSING" and problem["sample"] == [unit.name]
    assert ContributionLine.objects.filter(insurance="work_injury").count() == 0
    bill = Bill.objects.get(unit=unit)
    assert bill.line_count == 6

    unit_injury_class_set(actor=None, unit=unit, injury_class=1, month=YearMonth(2020, 1))
    rerun = month_assess(region=jilin, month=MARCH)
    assert rerun.lines_written == 2 and rerun.problems == []
    bill.refresh_from_db()
    assert bill.line_count == 8
    assert bill.unit_total_fen == sum(
        ContributionLine.objects.filter(bill=bill).values_list("unit_fen", flat=True)
    )


def test_only_the_regions_relations_in_force_that_month_are_assessed(jilin, hall):
    here = make_unit(name="吉林市在册有限公司")
    unit_injury_class_set(actor=None, unit=here, injury_class=2, month=YearMonth(2020, 1))
    enrol(here, "在职", start=YearMonth(2020, 1))
    enrol(here, "下月入职", start=YearMonth(2020, 4))
    elsewhere = make_unit(name="武汉市外地有限公司", district="420102")
    unit_injury_class_set(actor=None, unit=elsewhere, injury_class=2, month=YearMonth(2020, 1))
    enrol(elsewhere, "外地职工")
    enrol(here, "仅生育", insurances=("maternity",))
    month_assess(region=jilin, month=MARCH)
    names = set(ContributionLine.objects.values_list("person__name", flat=True))
    assert names == {"在职"}
    assert not Bill.objects.filter(unit=elsewhere).exists()


def test_each_line_explains_itself_from_its_snapshot(jilin, city):
    month_assess(region=jilin, month=MARCH)
    for line in ContributionLine.objects.select_related("snapshot"):
        explanation = line_explain(line)
        assert explanation.matches, line
    floor = ContributionLine.objects.get(person=city["staff"][2], insurance="pension")
    trace = line_explain(floor).trace
    assert trace.notes[0] == "单位未申报该职工的缴费基数，按缴费基数下限核定。"
    assert [s.label for s in trace.steps][-3:] == ["单位合计", "个人合计", "合计"]
    assert trace.children[0].rule == "contribution.base"


def test_staff_need_the_capability_and_one_run_at_a_time(jilin, hall):
    from shebao.accounts.capabilities import Capability, capability_grant

    plain = staff_actor(make_staff(districts=("220202",)))
    with pytest.raises(PermissionDenied):
        assessment_start(actor=plain, region=jilin, month=MARCH, enqueue=False)
    user = make_staff(districts=("220202",))
    capability_grant(
        staff=user.staff_profile, capability=Capability.RUN_ASSESSMENT, regions=["220200"]
    )
    runner = staff_actor(user)
    run = assessment_start(actor=runner, region=jilin, month=MARCH, enqueue=False)
    assert run.requested_by == user and run.status == "queued"
    with pytest.raises(Conflict) as error:
        assessment_start(actor=runner, region=jilin, month=MARCH, enqueue=False)
    assert error.value.code == "ASSESSMENT_RUNNING"


def test_a_queued_run_is_executed_by_the_batch_task(
    jilin, city, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run = assessment_start(actor=None, region=jilin, month=MARCH)
    run.refresh_from_db()
    assert run.status == "done" and run.lines_written == 13


def test_the_command_assesses_a_month(jilin, city, capsys):
    call_command("month_assess", "220200", "2020-03")
    out = capsys.readouterr().out
    assert "13 new lines, 2 bills" in out
