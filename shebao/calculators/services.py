"""Calculations with the policy in force: resolve the parameters, call the rule.

Each function here takes typed inputs (``Decimal``, ``int``, ``YearMonth``, ``date``), reads the
parameters it needs from the policy store for the region and date that apply, and calls the one
rule in :mod:`shebao.rules` that computes the amount. These are the functions the public
calculators call, that bills and benefits call, and that the true-up after a provisional
parameter is made final calls again (:mod:`shebao.calculators.trueup`): there is no second copy
of any rule. Nothing is stored here.

Dates used to look parameters up:
- contribution, flexible, unemployment, payday: the first day of the month asked about;
- death benefit: the day of death; transfer: the first day of the month of the move;
- retirement and pension: today (the law in force now);
- late fee: each day of the period for the daily rate and the emergency measures, the last day
  for a local cap;
- back-payment interest: 1 January of each year for that year's crediting rate.
Calculators without a region use the national values (region ``000000``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from django.utils import timezone

from shebao.common.errors import InvalidInput, NotFound
from shebao.common.periods import YearMonth
from shebao.common.trace import Param
from shebao.policy import selectors as policy
from shebao.registry.models import NATIONAL
from shebao.rules import (
    account,
    backpay,
    contribution,
    death,
    flexible,
    latefee,
    payday,
    pension,
    retirement,
    transfer,
    unemployment,
)

R = TypeVar("R")

MISSING = "POLICY_PARAM_MISSING"


def params_for(
    *, region: str, on: date, keys: Iterable[str], optional: Iterable[str] = ()
) -> dict[str, Param[Any]]:
    """The parameters a rule reads, in force in ``region`` on ``on``.

    A key of ``keys`` that has no value raises ``NotFound`` ``POLICY_PARAM_MISSING`` (naming the
    parameter, the region and the date); keys of ``optional`` without a value are left out.
    An unknown region raises ``NotFound`` ``REGION_NOT_FOUND``.
    """
    found: dict[str, Param[Any]] = {}
    for key in keys:
        found[key] = policy.param(region=region, key=key, on=on)
    for key in optional:
        if key in found:
            continue
        value = policy.param_or_none(region=region, key=key, on=on)
        if value is not None:
            found[key] = value
    return found


def _run(region: str, on: date, compute: Callable[[], R]) -> R:
    """Run a rule; a parameter it needed only in this case and did not get is reported with the
    region and date, as the policy store reports it."""
    try:
        return compute()
    except NotFound as error:
        key = error.details.get("key")
        if error.code == MISSING and key and "region" not in error.details:
            policy.param(region=region, key=key, on=on)  # raises the store's own message
        raise


def today() -> date:
    return timezone.localdate()


# --- contributions -----------------------------------------------------------------------------


def contribution_calculate(
    *, region: str, month: YearMonth, wage: Decimal, injury_class: int | None = None
) -> contribution.ContributionResult:
    """An employee's monthly contributions in ``region`` for ``month`` (wage in yuan/month)."""
    on = month.first_day
    params = params_for(
        region=region, on=on, keys=contribution.KEYS, optional=contribution.OPTIONAL_KEYS
    )
    result = _run(
        region,
        on,
        lambda: contribution.contribution(params, wage=wage, injury_class=injury_class),
    )
    result.trace.inputs.update({"region": region, "month": str(month)})
    return result


def base_limits_for(*, region: str, month: YearMonth) -> contribution.BaseResult:
    """The base floor and ceiling in force (the clamp of a zero wage carries both)."""
    on = month.first_day
    params = params_for(
        region=region,
        on=on,
        keys=contribution.LIMIT_KEYS,
        optional=contribution.LIMIT_OPTIONAL_KEYS,
    )
    return _run(region, on, lambda: contribution.base_clamp(params, wage=Decimal(0)))


def flexible_calculate(*, region: str, month: YearMonth, grade: int) -> flexible.FlexibleResult:
    """A flexible worker's pension contribution at ``grade`` percent of the average wage."""
    on = month.first_day
    params = params_for(region=region, on=on, keys=flexible.KEYS, optional=flexible.OPTIONAL_KEYS)
    result = _run(region, on, lambda: flexible.flexible(params, grade=grade))
    result.trace.inputs.update({"region": region, "month": str(month)})
    return result


def flexible_grades(*, region: str, month: YearMonth) -> list[int]:
    """The grades a flexible worker may choose in ``region`` in ``month``, for pickers."""
    return list(policy.param(region=region, key="flexible.grades", on=month.first_day).value)


def late_fee_calculate(
    *,
    amount: Decimal,
    start: date,
    end: date,
    region: str | None = None,
    payments: Sequence[tuple[date, Decimal]] = (),
) -> latefee.LateFeeResult:
    """The late fee on ``amount`` yuan from ``start`` to ``end`` (both counted), at the national
    daily rate by date; ``region`` adds its local cap, if it has one, and its emergency measures:
    the days a measure waives the late fee on are not charged (seeds 000, 003). ``payments``
    (day, yuan) are paid on the arrears within the period (a bill's due asks with them).

    The one computation of a late fee: the calculator and every bill's amount due
    (:mod:`shebao.contributions.dues`) call it, so both read the same emergency record."""
    if end < start:
        raise InvalidInput(
            f"截止日期 {end.isoformat()} 早于起始日期 {start.isoformat()}",
            code="PERIOD_REVERSED",
            field="end",
        )
    where = region or NATIONAL
    rates = policy.param_series(region=where, key=latefee.RATE_KEY, start=start, end=end)
    rounding = policy.param(region=where, key="rounding.amount", on=end)
    cap = policy.param_or_none(region=where, key="latefee.cap", on=end) if region else None
    waivers = (
        policy.param_series(region=where, key=latefee.EMERGENCY_KEY, start=start, end=end)
        if region
        else []
    )
    result = _run(
        where,
        start,
        lambda: latefee.late_fee(
            amount=amount,
            start=start,
            end=end,
            daily_rates=rates,
            rounding=rounding,
            cap=cap,
            payments=payments,
            waivers=waivers,
        ),
    )
    if region:
        result.trace.inputs["region"] = region
    return result


def backpay_calculate(
    *, months: Sequence[tuple[YearMonth, Decimal]], pay_month: YearMonth
) -> backpay.BackpayResult:
    """Principal and interest of paying the owed (month, amount) pairs in ``pay_month``, at
    the national crediting rate of each year."""
    first = min((m for m, _a in months), default=pay_month)
    rates = policy.param_series(
        region=NATIONAL,
        key=backpay.RATE_KEY,
        start=date(min(first.year, pay_month.year), 1, 1),
        end=date(pay_month.year, 1, 1),
    )
    rounding = policy.param(region=NATIONAL, key="rounding.amount", on=pay_month.first_day)
    return backpay.backpay_interest(
        owed=months, pay_month=pay_month, crediting_rates=rates, rounding=rounding
    )


def account_interest_calculate(
    *,
    year: int,
    opening_balance: Decimal,
    contributions: Sequence[tuple[int, Decimal]],
    method: str = account.YEARLY,
    region: str = NATIONAL,
) -> account.AccountYear:
    """One year of a personal account at that year's national crediting rate, interest rounded
    as ``region`` says."""
    on = date(year, 1, 1)
    rate = policy.param(region=NATIONAL, key=backpay.RATE_KEY, on=on)
    rounding = policy.param(region=region, key="rounding.interest", on=on)
    return account.account_interest(
        opening_balance=opening_balance,
        contributions=contributions,
        rate=rate,
        rounding=rounding,
        method=method,
    )


# --- benefits ----------------------------------------------------------------------------------


def unemployment_calculate(
    *,
    region: str,
    month: YearMonth,
    contribution_months: int,
    carried_months: int = 0,
    birth: YearMonth | None = None,
    category: str | None = None,
) -> unemployment.UnemploymentResult:
    """Unemployment benefit for a claim whose first benefit month is ``month``.

    With ``birth`` and ``category`` the near-retirement rule applies (the retirement rule is
    nested in the trace); an emergency measure in force may raise the amount.
    """
    on = month.first_day
    optional: tuple[str, ...] = ()
    if birth is not None and category is not None:
        optional = unemployment.OPTIONAL_KEYS
    params = params_for(region=region, on=on, keys=unemployment.KEYS, optional=optional)
    emergency = policy.emergency_in_force(region=region, on=on)
    result = _run(
        region,
        on,
        lambda: unemployment.unemployment_benefit(
            params,
            contribution_months=contribution_months,
            carried_months=carried_months,
            start=month,
            birth=birth,
            category=category,
            emergency=emergency,
        ),
    )
    result.trace.inputs["region"] = region
    return result


def retirement_calculate(
    *, birth: YearMonth, category: str, early_months: int = 0, late_months: int = 0
) -> retirement.RetirementResult:
    """Statutory and elastic retirement month and minimum contribution months (national law)."""
    on = today()
    params = params_for(
        region=NATIONAL, on=on, keys=retirement.KEYS, optional=retirement.OPTIONAL_KEYS
    )
    return _run(
        NATIONAL,
        on,
        lambda: retirement.retirement(
            params,
            birth=birth,
            category=category,
            early_months=early_months,
            late_months=late_months,
        ),
    )


def pension_calculate(
    *,
    avg_wage: Decimal,
    index: Decimal,
    years: Decimal,
    balance: Decimal,
    age: int,
    region: str | None = None,
    deemed_years: Decimal = Decimal(0),
    indexed_wage: Decimal | None = None,
) -> pension.PensionResult:
    """The monthly basic pension. Without ``region`` the transitional coefficient is the
    national reference value, and the trace says so."""
    where = region or NATIONAL
    on = today()
    params = params_for(region=where, on=on, keys=pension.KEYS, optional=pension.OPTIONAL_KEYS)
    result = _run(
        where,
        on,
        lambda: pension.basic_pension(
            params,
            avg_wage=avg_wage,
            index=index,
            years=years,
            balance=balance,
            age=age,
            deemed_years=deemed_years,
            indexed_wage=indexed_wage,
        ),
    )
    if region:
        result.trace.inputs["region"] = region
    elif deemed_years > 0:
        result.trace.note(
            "未选择地区：过渡性养老金计发系数采用全国参考值，各省实际系数不同，以参保地规定为准。"
        )
    return result


def death_benefit_calculate(
    *,
    died_on: date,
    contribution_months: int,
    pension_months: int | None = None,
    income: Decimal | None = None,
    region: str | None = None,
) -> death.DeathResult:
    """Funeral subsidy and survivors' relief. Give ``income`` (the monthly figure the scheme in
    force multiplies) or ``region`` (whose published figure is used); ``region`` also selects a
    local scheme for deaths before the national 2021 rule."""
    if income is None and region is None:
        raise InvalidInput(
            "请填写月人均可支配收入，或选择参保地区以使用当地公布的标准",
            code="DEATH_INCOME_OR_REGION_REQUIRED",
            field="income",
        )
    where = region or NATIONAL
    scheme = policy.param_or_none(region=where, key="death.scheme", on=died_on)
    if scheme is None and region is None:
        raise InvalidInput(
            f"{died_on.isoformat()} 适用的丧葬补助金和抚恤金办法由各地规定，请选择参保地区",
            code="DEATH_REGION_REQUIRED",
            field="region",
        )
    params = params_for(region=where, on=died_on, keys=death.KEYS, optional=death.OPTIONAL_KEYS)
    result = _run(
        where,
        died_on,
        lambda: death.death_benefit(
            params,
            died_on=died_on,
            contribution_months=contribution_months,
            pension_months=pension_months,
            income=income,
        ),
    )
    if region:
        result.trace.inputs["region"] = region
    return result


def transfer_calculate(
    *,
    sex: str,
    birth: YearMonth,
    move_month: YearMonth,
    to_hukou_province: bool,
    bases_sum: Decimal,
    personal_balance: Decimal,
) -> transfer.TransferResult:
    """Account type and the funds that move with a cross-province pension transfer."""
    on = move_month.first_day
    params = params_for(region=NATIONAL, on=on, keys=transfer.KEYS)
    return transfer.transfer_funds(
        params,
        sex=sex,
        birth=birth,
        move_month=move_month,
        to_hukou_province=to_hukou_province,
        bases_sum=bases_sum,
        personal_balance=personal_balance,
    )


def payday_calculate(*, region: str, month: YearMonth) -> payday.PaydayResult:
    """The day the month's pension is paid in ``region``."""
    on = month.first_day
    params = params_for(region=region, on=on, keys=payday.KEYS, optional=payday.OPTIONAL_KEYS)
    result = payday.payday(params, month=month)
    result.trace.inputs["region"] = region
    return result
