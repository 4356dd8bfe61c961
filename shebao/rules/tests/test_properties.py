"""Properties that hold for every input, not just the worked examples."""

import dataclasses
import math
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shebao.common.periods import YearMonth
from shebao.common.trace import Trace
from shebao.rules.account import account_interest
from shebao.rules.backpay import backpay_interest
from shebao.rules.contribution import base_clamp, contribution, contribution_lines
from shebao.rules.death import death_benefit
from shebao.rules.flexible import flexible
from shebao.rules.latefee import late_fee
from shebao.rules.pension import basic_pension
from shebao.rules.tests.policy import param, params
from shebao.rules.transfer import transfer_funds
from shebao.rules.unemployment import unemployment_benefit

MODES = [
    "ROUND_HALF_UP",
    "ROUND_HALF_EVEN",
    "ROUND_HALF_DOWN",
    "ROUND_UP",
    "ROUND_DOWN",
    "ROUND_CEILING",
    "ROUND_FLOOR",
]
STEPS = ["0.01", "0.1", "1", "0.05", "10"]

amounts = st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False, allow_infinity=False)
rates = st.decimals(
    min_value=0, max_value=Decimal("0.3"), places=4, allow_nan=False, allow_infinity=False
)
roundings = st.builds(
    lambda step, mode: {"step": step, "mode": mode}, st.sampled_from(STEPS), st.sampled_from(MODES)
)


def oracle(exact: Decimal | Fraction, step: str, mode: str) -> Fraction:
    """Rounding to a multiple of ``step`` by ``mode``, computed with exact fractions (for
    non-negative values), independently of Decimal.quantize."""
    units = Fraction(exact) / Fraction(step)
    low, high = math.floor(units), math.ceil(units)
    if low == high or mode in ("ROUND_DOWN", "ROUND_FLOOR"):
        chosen = low
    elif mode in ("ROUND_UP", "ROUND_CEILING"):
        chosen = high
    elif units - low != Fraction(1, 2):
        chosen = low if units - low < Fraction(1, 2) else high
    else:
        chosen = {"ROUND_HALF_UP": high, "ROUND_HALF_DOWN": low}.get(
            mode, low if low % 2 == 0 else high
        )
    return chosen * Fraction(step)


@settings(max_examples=300)
@given(
    annual=st.decimals(min_value=1000, max_value=500000, places=2),
    floor_pct=st.decimals(min_value=Decimal("0.4"), max_value=Decimal("1"), places=2),
    ceiling_pct=st.decimals(min_value=Decimal("1"), max_value=Decimal("5"), places=2),
    wage=amounts,
    rounding=roundings,
)
def test_bases_are_always_within_the_limits(annual, floor_pct, ceiling_pct, wage, rounding):
    given_params = params(
        {
            "wage.average_annual": str(annual),
            "contribution.base_floor_pct": str(floor_pct),
            "contribution.base_ceiling_pct": str(ceiling_pct),
            "rounding.base": rounding,
        }
    )
    result = base_clamp(given_params, wage=wage)
    assert result.floor <= result.base <= result.ceiling
    # The limits and the declared wage are rounded exactly as the policy says.
    exact_floor = Fraction(annual) * Fraction(floor_pct) / 12
    assert Fraction(result.floor) == oracle(exact_floor, rounding["step"], rounding["mode"])
    rounded_wage = oracle(wage, rounding["step"], rounding["mode"])
    assert Fraction(result.base) == min(
        max(rounded_wage, Fraction(result.floor)), Fraction(result.ceiling)
    )


@settings(max_examples=300)
@given(
    base=amounts,
    pension_unit=rates,
    pension_individual=rates,
    unemployment_unit=rates,
    unemployment_individual=rates,
    injury_class=st.integers(min_value=1, max_value=8),
    rounding=roundings,
)
def test_unit_plus_individual_is_the_total_and_each_share_is_rounded_by_policy(
    base,
    pension_unit,
    pension_individual,
    unemployment_unit,
    unemployment_individual,
    injury_class,
    rounding,
):
    given_params = params(
        {
            "rate.pension.unit": str(pension_unit),
            "rate.pension.individual": str(pension_individual),
            "rate.unemployment.unit": str(unemployment_unit),
            "rate.unemployment.individual": str(unemployment_individual),
            "rounding.amount": rounding,
        }
    )
    result = contribution_lines(given_params, base=base, injury_class=injury_class)
    for line in result.lines:
        assert line.unit + line.individual == line.total
        assert Fraction(line.unit) == oracle(
            base * line.unit_rate, rounding["step"], rounding["mode"]
        )
        assert Fraction(line.individual) == oracle(
            base * line.individual_rate, rounding["step"], rounding["mode"]
        )
    assert result.unit_total == sum(line.unit for line in result.lines)
    assert result.individual_total == sum(line.individual for line in result.lines)
    assert result.unit_total + result.individual_total == result.total
    assert result.total == sum(line.total for line in result.lines)


@settings(max_examples=200)
@given(
    grade=st.sampled_from([60, 70, 80, 90, 100, 120, 150, 200, 250, 300]),
    annual=st.decimals(min_value=10000, max_value=300000, places=2),
    base_rounding=roundings,
    amount_rounding=roundings,
)
def test_flexible_amounts_are_rounded_exactly_as_policy_says(
    grade, annual, base_rounding, amount_rounding
):
    given_params = params(
        {
            "wage.average_annual": str(annual),
            "rounding.base": base_rounding,
            "rounding.amount": amount_rounding,
        }
    )
    result = flexible(given_params, grade=grade)
    exact_base = Fraction(annual) * grade / 1200
    assert Fraction(result.base) == oracle(exact_base, base_rounding["step"], base_rounding["mode"])
    assert Fraction(result.monthly) == oracle(
        result.base * result.rate, amount_rounding["step"], amount_rounding["mode"]
    )
    assert result.annual == result.monthly * 12


@settings(max_examples=200)
@given(
    amount=amounts,
    start=st.dates(min_value=date(2005, 1, 1), max_value=date(2030, 12, 31)),
    length=st.integers(min_value=0, max_value=4000),
)
def test_late_fee_equals_the_exact_sum_of_its_segments_rounded_once(amount, start, length):
    end = start + timedelta(days=length)
    rates_ = [
        param(
            "latefee.daily_rate", "0.002", valid_from=date(1999, 1, 22), valid_to=date(2011, 6, 30)
        ),
        param("latefee.daily_rate", "0.0005", valid_from=date(2011, 7, 1)),
    ]
    result = late_fee(
        amount=amount,
        start=start,
        end=end,
        daily_rates=rates_,
        rounding=param("rounding.amount", {"step": "0.01", "mode": "ROUND_HALF_UP"}),
    )
    assert result.days == length + 1 == sum(s.days for s in result.segments)
    old_days = max(0, (min(end, date(2011, 6, 30)) - start).days + 1)
    exact = Fraction(amount) * (
        Fraction("0.002") * old_days + Fraction("0.0005") * (length + 1 - old_days)
    )
    assert Fraction(result.fee) == oracle(exact, "0.01", "ROUND_HALF_UP")


def _no_float(value, where="result"):
    """Every number in a result and its trace is a Decimal or an int, never a float."""
    assert not isinstance(value, float), f"float at {where}"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            _no_float(getattr(value, f.name), f"{where}.{f.name}")
    elif isinstance(value, Trace):
        _no_float(value.as_dict(), where)
    elif isinstance(value, dict):
        for k, v in value.items():
            _no_float(v, f"{where}.{k}")
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            _no_float(v, f"{where}[{i}]")


@settings(max_examples=100)
@given(
    wage=amounts,
    injury_class=st.integers(min_value=1, max_value=8),
    months=st.integers(min_value=0, max_value=500),
)
def test_no_float_in_any_result_or_trace(wage, injury_class, months):
    given_params = params({"wage.average_annual": "55340", "wage.minimum_monthly": "1780"})
    _no_float(contribution(given_params, wage=wage, injury_class=injury_class))
    _no_float(flexible(given_params, grade=100))
    _no_float(
        unemployment_benefit(given_params, contribution_months=months, start=YearMonth(2025, 1))
    )
    _no_float(
        death_benefit(
            given_params, died_on=date(2024, 1, 1), contribution_months=months, income=wage
        )
    )


FLOAT_CALLS = {
    "base_clamp": lambda: base_clamp(params({"wage.average_annual": "55340"}), wage=5000.0),
    "contribution_lines": lambda: contribution_lines(params(), base=5000.0, injury_class=1),
    "late_fee": lambda: late_fee(
        amount=100.0,
        start=date(2024, 1, 1),
        end=date(2024, 1, 2),
        daily_rates=[param("latefee.daily_rate", "0.0005")],
        rounding=param("rounding.amount", {"step": "0.01"}),
    ),
    "backpay": lambda: backpay_interest(
        owed=[(YearMonth(2024, 1), 100.0)],
        pay_month=YearMonth(2024, 3),
        crediting_rates=[param("pension.crediting_rate", "0.0262")],
        rounding=param("rounding.amount", {"step": "0.01"}),
    ),
    "account": lambda: account_interest(
        opening_balance=Decimal(0),
        contributions=[(1, 640.0)],
        rate=param("pension.crediting_rate", "0.0262"),
        rounding=param("rounding.interest", {"step": "0.01"}),
    ),
    "pension": lambda: basic_pension(
        params(),
        avg_wage=Decimal(8000),
        index=Decimal(1),
        years=Decimal(35),
        balance=139000.0,
        age=60,
    ),
    "death": lambda: death_benefit(
        params(), died_on=date(2024, 1, 1), contribution_months=120, income=4000.0
    ),
    "transfer": lambda: transfer_funds(
        params(),
        sex="M",
        birth=YearMonth(1980, 1),
        move_month=YearMonth(2025, 1),
        to_hukou_province=True,
        bases_sum=600000.0,
        personal_balance=Decimal(0),
    ),
}


@pytest.mark.parametrize("call", FLOAT_CALLS.values(), ids=FLOAT_CALLS.keys())
def test_every_rule_refuses_a_float_amount(call):
    with pytest.raises(TypeError):
        call()


def test_a_float_parameter_value_is_refused_before_it_reaches_a_rule():
    from shebao.policy.schema import SchemaError

    with pytest.raises(SchemaError):
        param("rate.pension.unit", 0.16)
