from datetime import date
from decimal import Decimal

import pytest

from shebao.common.errors import InvalidInput, NotFound
from shebao.rules.latefee import late_fee
from shebao.rules.tests.policy import param

RATES = [
    param("latefee.daily_rate", "0.002", valid_from=date(1999, 1, 22), valid_to=date(2011, 6, 30)),
    param("latefee.daily_rate", "0.0005", valid_from=date(2011, 7, 1)),
]
FEN = param("rounding.amount", {"step": "0.01", "mode": "ROUND_HALF_UP"})


def fee(amount, start, end, **kwargs):
    return late_fee(
        amount=Decimal(amount), start=start, end=end, daily_rates=RATES, rounding=FEN, **kwargs
    )


def test_domain_example_10000_for_31_days_is_155():
    result = fee("10000", date(2024, 1, 1), date(2024, 1, 31))
    assert (result.days, result.daily_rate, result.fee) == (
        31,
        Decimal("0.0005"),
        Decimal("155.00"),
    )
    assert len(result.segments) == 1


def test_one_day_counts_both_ends():
    assert fee("10000", date(2024, 3, 5), date(2024, 3, 5)).days == 1


def test_the_period_is_split_at_2011_07_01():
    result = fee("10000", date(2011, 6, 21), date(2011, 7, 10))
    assert [(s.start, s.end, s.days, s.daily_rate) for s in result.segments] == [
        (date(2011, 6, 21), date(2011, 6, 30), 10, Decimal("0.002")),
        (date(2011, 7, 1), date(2011, 7, 10), 10, Decimal("0.0005")),
    ]
    # 10,000 × 0.2% × 10 + 10,000 × 0.05% × 10
    assert result.fee == Decimal("250.00")
    assert result.daily_rate == Decimal("0.0005")
    assert any("分段计算" in note for note in result.trace.notes)
    assert [s.label for s in result.trace.steps[1:3]] == [
        "2011-06-21 至 2011-06-30",
        "2011-07-01 至 2011-07-10",
    ]


@pytest.mark.parametrize(
    ("start", "end", "rate", "segments"),
    [
        (date(2011, 6, 30), date(2011, 6, 30), "0.002", 1),
        (date(2011, 7, 1), date(2011, 7, 1), "0.0005", 1),
        (date(2011, 6, 30), date(2011, 7, 1), "0.0005", 2),
    ],
)
def test_the_days_either_side_of_the_change(start, end, rate, segments):
    result = fee("1000", start, end)
    assert result.daily_rate == Decimal(rate)
    assert len(result.segments) == segments


def test_the_fee_is_rounded_once_on_the_sum():
    # 333.33 × 0.05% × 3 = 0.499995 → 0.50; per-day rounding would give 0.51.
    assert fee("333.33", date(2024, 1, 1), date(2024, 1, 3)).fee == Decimal("0.50")


def test_a_local_cap_limits_the_fee():
    cap = param("latefee.cap", {"pct_of_principal": "0.40", "max_amount": "8000"}, region="110000")
    small = fee("10000", date(2012, 1, 1), date(2020, 12, 31), cap=cap)
    assert small.capped and small.fee == Decimal("4000.00")
    large = fee("100000", date(2012, 1, 1), date(2020, 12, 31), cap=cap)
    assert large.fee == Decimal("8000")
    below = fee("10000", date(2024, 1, 1), date(2024, 1, 31), cap=cap)
    assert not below.capped and below.fee == Decimal("155.00")


def test_a_reversed_period_is_refused():
    with pytest.raises(InvalidInput) as error:
        fee("10000", date(2024, 2, 1), date(2024, 1, 31))
    assert (error.value.code, error.value.field) == ("PERIOD_REVERSED", "end")


def test_a_negative_amount_is_refused():
    with pytest.raises(InvalidInput) as error:
        fee("-1", date(2024, 1, 1), date(2024, 1, 2))
    assert error.value.code == "NEGATIVE_AMOUNT"


def test_days_without_a_rate_are_a_missing_parameter():
    with pytest.raises(NotFound) as error:
        fee("10000", date(1998, 12, 1), date(1999, 2, 1))
    assert error.value.code == "POLICY_PARAM_MISSING"
    assert "1998-12-01" in error.value.message


def test_a_float_amount_is_refused():
    with pytest.raises(TypeError):
        late_fee(
            amount=10000.0,
            start=date(2024, 1, 1),
            end=date(2024, 1, 31),
            daily_rates=RATES,
            rounding=FEN,
        )


# --- payments and emergency waivers ------------------------------------------------------------

BEIJING_2020 = param(
    "emergency.measures",
    {
        "code": "COVID19-110000",
        "name": "新冠肺炎疫情防控期间社会保险经办措施（北京市）",
        "lifted_on": "2020-06-30",
        "deferral_months_after_lift": 3,
        "waive_late_fee": True,
    },
    region="110000",
    valid_from=date(2020, 1, 31),
    valid_to=date(2020, 9, 30),
)


def test_a_partial_payment_stops_the_fee_on_what_it_paid_after_its_day():
    # 10,000 from 1 to 10 March, 4,000 paid on the 10th: 6,000 from the 11th to the 20th.
    result = fee(
        "10000", date(2024, 3, 1), date(2024, 3, 20), payments=[(date(2024, 3, 10), "4000")]
    )
    assert [(s.start, s.days, s.principal) for s in result.segments] == [
        (date(2024, 3, 1), 10, Decimal("10000")),
        (date(2024, 3, 11), 10, Decimal("6000")),
    ]
    # 10,000 × 0.05% × 10 + 6,000 × 0.05% × 10
    assert result.fee == Decimal("80.00")
    assert any("尚未缴纳的金额" in note for note in result.trace.notes)


def test_the_late_fee_is_waived_inside_an_emergency_window_and_charged_outside_it():
    inside = fee("10000", date(2020, 4, 1), date(2020, 8, 31), waivers=[BEIJING_2020])
    assert (inside.fee, inside.waived_days, inside.days) == (Decimal("0.00"), 153, 153)
    assert inside.trace.params[-2].key == "emergency.measures"
    assert any("免收滞纳金" in note for note in inside.trace.notes)

    # Across the end of the window: September waived, October charged (31 days).
    across = fee("10000", date(2020, 9, 1), date(2020, 10, 31), waivers=[BEIJING_2020])
    assert [(s.start, s.end, bool(s.waived_by)) for s in across.segments] == [
        (date(2020, 9, 1), date(2020, 9, 30), True),
        (date(2020, 10, 1), date(2020, 10, 31), False),
    ]
    assert (across.fee, across.waived_days) == (Decimal("155.00"), 30)

    # Outside it the record changes nothing.
    outside = fee("10000", date(2024, 1, 1), date(2024, 1, 31), waivers=[BEIJING_2020])
    assert (outside.fee, outside.waived_days) == (Decimal("155.00"), 0)


def test_a_measure_that_does_not_waive_the_fee_charges_it():
    no_waiver = param(
        "emergency.measures",
        {"name": "不免滞纳金的措施", "waive_late_fee": False},
        region="110000",
        valid_from=date(2020, 1, 31),
        valid_to=date(2020, 9, 30),
    )
    result = fee("10000", date(2020, 4, 1), date(2020, 4, 30), waivers=[no_waiver])
    assert (result.fee, result.waived_days) == (Decimal("150.00"), 0)
