from datetime import date
from decimal import Decimal

import pytest

from shebao.common.errors import Conflict, PermissionDenied
from shebao.common.money import quantize
from shebao.common.trace import Trace
from shebao.policy import calculations
from shebao.policy.calculations import (
    calculation_record,
    parameter_finalize_preview,
    register,
    trueup_preview,
    trueup_settle,
)
from shebao.policy.models import CalculationRecord, PolicyChange, PolicyParameter
from shebao.policy.selectors import param
from shebao.policy.services import parameter_finalize

from .conftest import actor_of

pytestmark = pytest.mark.usefixtures("policy_data")

KIND = "test_base_clamp"


def base_clamp(inputs):
    """A small computation on the policy store: the wage clamped to the month's base limits."""
    on = date.fromisoformat(inputs["on"])
    wage = Decimal(inputs["wage"])
    trace = Trace(rule="test.base_clamp", title="缴费基数核定", inputs=inputs)
    floor = trace.use(param(region=inputs["region"], key="contribution.base_floor", on=on))
    ceiling = trace.use(param(region=inputs["region"], key="contribution.base_ceiling", on=on))
    rounding = trace.use(param(region=inputs["region"], key="rounding.amount", on=on))
    base = trace.step(
        "缴费基数",
        f"min(max({wage}, {floor}), {ceiling})",
        quantize(min(max(wage, floor), ceiling), rounding),
    )
    pension = quantize(base * Decimal("0.08"), rounding)
    return {"base": base, "pension": pension}, trace


@pytest.fixture(autouse=True)
def registered():
    register(KIND, base_clamp)
    yield
    calculations._COMPUTE.pop(KIND, None)


def stored(wage: str, on: str = "2020-08-01", subject: str = "220202198001010011"):
    inputs = {"region": "220202", "on": on, "wage": wage}
    amounts, trace = base_clamp(inputs)
    return calculation_record(
        kind=KIND,
        region="220202",
        inputs=inputs,
        amounts=amounts,
        trace=trace,
        subject=("person", subject),
    )


def h2_floor():
    return PolicyParameter.objects.get(
        region_id="220200", key="contribution.base_floor", valid_from=date(2020, 7, 1)
    )


def test_a_result_on_a_provisional_limit_is_provisional_and_linked_to_the_rows_it_used():
    record = stored("2000")

    assert record.provisional is True
    assert record.amounts == {"base": "2767.00", "pension": "221.36"}
    assert record.trace["provisional"] is True
    assert set(record.parameters.values_list("key", "valid_from")) == {
        ("contribution.base_floor", date(2020, 7, 1)),
        ("contribution.base_ceiling", date(2020, 7, 1)),
        ("rounding.amount", date(2000, 1, 1)),
    }
    assert record.inputs == {"region": "220202", "on": "2020-08-01", "wage": "2000"}


def test_floats_never_reach_a_stored_result():
    amounts, trace = base_clamp({"region": "220202", "on": "2020-08-01", "wage": "2000"})
    with pytest.raises(TypeError):
        calculation_record(
            kind=KIND, region="220202", inputs={"wage": 1.5}, amounts=amounts, trace=trace
        )
    with pytest.raises(TypeError):
        calculation_record(
            kind=KIND, region="220202", inputs={}, amounts={"base": 2767.0}, trace=trace
        )
    assert CalculationRecord.objects.count() == 0


def test_finalizing_a_provisional_jilin_limit_previews_and_settles_the_differences(editor):
    low = stored("2000", subject="A")
    middle = stored("5000", subject="B")
    first_half = stored("2000", on="2020-03-01", subject="C")
    record = h2_floor()

    preview = parameter_finalize_preview(
        actor=editor, record=record, value="2900.00", source="吉人社〔2020〕9号"
    )

    assert [
        (line.record.pk, line.differences, line.changed, line.provisional) for line in preview
    ] == [
        (low.pk, {"base": Decimal("133.00"), "pension": Decimal("10.64")}, True, True),
        (middle.pk, {"base": Decimal("0.00"), "pension": Decimal("0.00")}, True, True),
    ]
    record.refresh_from_db()
    assert (record.value, record.status) == (
        "2767.00",
        "provisional",
    )  # the preview changed nothing
    assert PolicyChange.objects.filter(action="finalized").count() == 0

    parameter_finalize(
        actor=editor, record=record, value="2900.00", source="吉人社〔2020〕9号", reason="已公布"
    )
    lines = trueup_preview(parameter=record)
    assert [(line.old_amounts, line.new_amounts) for line in lines] == [
        (
            {"base": Decimal("2767.00"), "pension": Decimal("221.36")},
            {"base": Decimal("2900.00"), "pension": Decimal("232.00")},
        ),
        (
            {"base": Decimal("5000.00"), "pension": Decimal("400.00")},
            {"base": Decimal("5000.00"), "pension": Decimal("400.00")},
        ),
    ]

    settled = trueup_settle(actor=editor, parameter=record)

    assert [(r.subject_id, r.settlement, r.amounts, r.provisional) for r in settled] == [
        (
            "A",
            {"base": "133.00", "pension": "10.64"},
            {"base": "2900.00", "pension": "232.00"},
            True,
        ),
        ("B", {"base": "0.00", "pension": "0.00"}, {"base": "5000.00", "pension": "400.00"}, True),
    ]
    low.refresh_from_db()
    middle.refresh_from_db()
    first_half.refresh_from_db()
    assert (low.superseded_by, middle.superseded_by, first_half.superseded_by) == (
        settled[0],
        settled[1],
        None,
    )
    assert settled[0].created_by == editor.user
    assert settled[0].trace["params"][0]["status"] == "final"
    audit = PolicyChange.objects.get(action="settled")
    assert (audit.record, audit.actor) == (record, editor.user)
    assert audit.reason == "按当前参数重算 2 条结果，差额记入新结果（正数补收，负数退还）"


def test_a_second_settlement_writes_nothing(editor):
    stored("2000")
    record = h2_floor()
    parameter_finalize(
        actor=editor, record=record, value="2900.00", source="吉人社〔2020〕9号", reason="已公布"
    )
    trueup_settle(actor=editor, parameter=record)
    counts = (CalculationRecord.objects.count(), PolicyChange.objects.count())

    again = trueup_settle(actor=editor, parameter=record)

    assert again == []
    assert (CalculationRecord.objects.count(), PolicyChange.objects.count()) == counts
    assert [line.changed for line in trueup_preview(parameter=record)] == [False]


def test_settling_the_ceiling_later_makes_the_result_final(editor):
    stored("16000")
    floor, ceiling = (
        h2_floor(),
        PolicyParameter.objects.get(
            region_id="220200", key="contribution.base_ceiling", valid_from=date(2020, 7, 1)
        ),
    )
    parameter_finalize(
        actor=editor, record=floor, value="2900.00", source="吉人社〔2020〕9号", reason="已公布"
    )
    trueup_settle(actor=editor, parameter=floor)
    parameter_finalize(
        actor=editor, record=ceiling, value="14500.00", source="吉人社〔2020〕9号", reason="已公布"
    )

    settled = trueup_settle(actor=editor, parameter=ceiling)

    assert [(r.settlement, r.provisional) for r in settled] == [
        ({"base": "665.00", "pension": "53.20"}, False)
    ]
    live = CalculationRecord.objects.filter(superseded_by__isnull=True)
    assert [r.pk for r in live] == [settled[0].pk]


def test_a_result_that_cannot_be_recomputed_blocks_the_whole_settlement(editor):
    stored("2000")
    unknown = stored("2100", subject="X")
    CalculationRecord.objects.filter(pk=unknown.pk).update(kind="not_registered")
    record = h2_floor()
    parameter_finalize(
        actor=editor, record=record, value="2900.00", source="吉人社〔2020〕9号", reason="已公布"
    )
    count = CalculationRecord.objects.count()

    with pytest.raises(Conflict) as raised:
        trueup_settle(actor=editor, parameter=record)

    assert raised.value.code == "TRUEUP_RECOMPUTE_FAILED"
    assert f"#{unknown.pk} 计算类型“not_registered”未登记重算方法" in raised.value.message
    assert CalculationRecord.objects.count() == count
    assert not CalculationRecord.objects.filter(superseded_by__isnull=False).exists()


def test_only_editors_may_settle(people):
    stored("2000")
    actor = actor_of(people, "staff")

    with pytest.raises(PermissionDenied):
        trueup_settle(actor=actor, parameter=h2_floor())

    assert CalculationRecord.objects.count() == 1
