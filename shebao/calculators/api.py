"""Public calculators: ``/api/v1/calculators/…``. No login needed; a valid token changes
nothing (an invalid one is refused, as everywhere in the API). Nothing is stored.

Amounts are strings with two decimals; rates are exact decimal strings; every answer carries
``trace`` (rule, inputs, parameters with source and validity, steps, notes, nested traces) and
``provisional`` (true when a parameter used is provisional). Bad input is 422 with a stable
``code``, a Chinese ``message`` and the ``field``; an unknown region or a period without
published parameters is 404 (``REGION_NOT_FOUND``, ``POLICY_PARAM_MISSING``).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import StrictInt, StrictStr

from shebao.accounts.api_auth import optional_token
from shebao.calculators.definitions import (
    BACKPAY,
    CONTRIBUTION,
    DEATH,
    FLEXIBLE,
    LATE_FEE,
    PAYDAY,
    PENSION,
    RETIREMENT,
    TRANSFER,
    UNEMPLOYMENT,
    calculate,
)
from shebao.common.schemas import ErrorOut

router = Router(tags=["在线测算"], auth=optional_token)

# An unknown region or a period without published parameters (REGION_NOT_FOUND,
# POLICY_PARAM_MISSING); 400, 401 and 422 are documented for every operation (shebao/api.py).
NOT_FOUND = {404: ErrorOut}


class Answer(Schema):
    provisional: bool
    trace: dict[str, Any]


class LineOut(Schema):
    insurance: str
    label: str
    unit_rate: str
    individual_rate: str
    unit: str
    individual: str
    total: str


class ContributionOut(Answer):
    base: str
    floor: str | None
    ceiling: str | None
    lines: list[LineOut]
    unit_total: str
    individual_total: str
    total: str


class FlexibleOut(Answer):
    grade: int
    base: str
    rate: str
    monthly: str
    annual: str
    personal_account: str | None


class SegmentOut(Schema):
    start: str
    end: str
    days: int
    daily_rate: str
    waived_by: str | None  # the emergency measure that waives the late fee on these days


class LateFeeOut(Answer):
    days: int
    daily_rate: str
    fee: str
    capped: bool
    waived_days: int  # days an emergency measure waives the late fee on
    segments: list[SegmentOut]


class MonthAmountIn(Schema):
    month: StrictStr
    amount: StrictStr | StrictInt  # "640.00"; a JSON number with a fraction is refused


class BackpayIn(Schema):
    months: list[MonthAmountIn]
    pay_month: StrictStr


class YearRateOut(Schema):
    year: int
    rate: str


class BackpayOut(Answer):
    principal: str
    interest: str
    total: str
    years: list[YearRateOut]


class UnemploymentOut(Answer):
    eligible: bool
    monthly: str
    max_months: int
    total: str
    extended_to_retirement: bool


class RetirementOut(Answer):
    statutory_month: str
    statutory_age_years: int
    statutory_age_months: int
    retirement_month: str
    age_years: int
    age_months: int
    min_contribution_months: int


class PensionOut(Answer):
    basic: str
    personal: str
    transitional: str
    total: str
    divisor: int


class DeathOut(Answer):
    scheme: str
    funeral: str
    relief_months: str
    relief: str
    total: str


class TransferOut(Answer):
    account: str
    age_years: int
    age_months: int
    pooled_transfer: str
    personal_transfer: str


class PaydayOut(Answer):
    date: str
    nominal_date: str
    calendar_covered: bool


@router.get(
    "/contribution", response={200: ContributionOut, **NOT_FOUND}, summary="单位职工缴费测算"
)
def contribution(
    request: HttpRequest, region: str, month: str, wage: str, injury_class: str | None = None
) -> dict[str, Any]:
    """缴费基数按上下限核定后，各险种单位与个人缴费。"""
    return calculate(
        CONTRIBUTION,
        {"region": region, "month": month, "wage": wage, "injury_class": injury_class},
    )


@router.get("/flexible", response={200: FlexibleOut, **NOT_FOUND}, summary="灵活就业缴费测算")
def flexible(request: HttpRequest, region: str, month: str, grade: str) -> dict[str, Any]:
    """``grade`` 为社平工资的百分比（60 = 60% 档）。"""
    return calculate(FLEXIBLE, {"region": region, "month": month, "grade": grade})


@router.get("/late-fee", response={200: LateFeeOut, **NOT_FOUND}, summary="滞纳金测算")
def late_fee(
    request: HttpRequest, amount: str, start: str, end: str, region: str | None = None
) -> dict[str, Any]:
    """首尾两日均计；按日期适用全国日费率（2011-07-01 前后分段）；``region`` 适用当地封顶，
    以及应急措施期间免收滞纳金（``waived_days``，各段 ``waived_by``）。
    ``daily_rate`` 为截止日适用的费率，各段见 ``segments`` 与 ``trace``。"""
    return calculate(LATE_FEE, {"amount": amount, "start": start, "end": end, "region": region})


@router.post("/backpay-interest", response={200: BackpayOut, **NOT_FOUND}, summary="补缴利息测算")
def backpay_interest(request: HttpRequest, payload: BackpayIn) -> dict[str, Any]:
    """各年度记账利率计息（天津办法）；使用暂定利率时 ``provisional`` 为 true。"""
    return calculate(
        BACKPAY,
        {
            "months": [{"month": row.month, "amount": row.amount} for row in payload.months],
            "pay_month": payload.pay_month,
        },
    )


@router.get("/unemployment", response={200: UnemploymentOut, **NOT_FOUND}, summary="失业保险金测算")
def unemployment(
    request: HttpRequest,
    region: str,
    month: str,
    contribution_months: str,
    carried_months: str | None = None,
    birth: str | None = None,
    category: str | None = None,
) -> dict[str, Any]:
    """缴费不满 12 个月的返回 ``eligible: false``、0.00 与 0 个月。给出 ``birth`` 与
    ``category`` 时适用“距法定退休年龄不足一年可领至退休”的规定。"""
    return calculate(
        UNEMPLOYMENT,
        {
            "region": region,
            "month": month,
            "contribution_months": contribution_months,
            "carried_months": carried_months,
            "birth": birth,
            "category": category,
        },
    )


@router.get("/retirement", response={200: RetirementOut, **NOT_FOUND}, summary="退休年龄测算")
def retirement(
    request: HttpRequest,
    birth: str,
    category: str,
    early_months: str | None = None,
    late_months: str | None = None,
) -> dict[str, Any]:
    """``category``：male、female_cadre（原55周岁）、female_worker（原50周岁）。"""
    return calculate(
        RETIREMENT,
        {
            "birth": birth,
            "category": category,
            "early_months": early_months,
            "late_months": late_months,
        },
    )


@router.get("/pension", response={200: PensionOut, **NOT_FOUND}, summary="基本养老金测算")
def pension(
    request: HttpRequest,
    avg_wage: str,
    index: str,
    years: str,
    balance: str,
    age: str,
    region: str | None = None,
    deemed_years: str | None = None,
    indexed_wage: str | None = None,
) -> dict[str, Any]:
    """``years`` 含视同缴费年限；``age`` 为整周岁（计发月数表 40–70 岁）。"""
    return calculate(
        PENSION,
        {
            "avg_wage": avg_wage,
            "index": index,
            "years": years,
            "balance": balance,
            "age": age,
            "region": region,
            "deemed_years": deemed_years,
            "indexed_wage": indexed_wage,
        },
    )


@router.get(
    "/death-benefit", response={200: DeathOut, **NOT_FOUND}, summary="丧葬补助金和抚恤金测算"
)
def death_benefit(
    request: HttpRequest,
    date: str,
    contribution_months: str,
    pension_months: str | None = None,
    income: str | None = None,
    region: str | None = None,
) -> dict[str, Any]:
    """在职死亡不传 ``pension_months``。给出 ``income``（月人均可支配收入）或 ``region``。"""
    return calculate(
        DEATH,
        {
            "date": date,
            "contribution_months": contribution_months,
            "pension_months": pension_months,
            "income": income,
            "region": region,
        },
    )


@router.get("/transfer", response={200: TransferOut, **NOT_FOUND}, summary="养老保险关系转移测算")
def transfer(
    request: HttpRequest,
    sex: str,
    birth: str,
    move_month: str,
    to_hukou_province: str,
    bases_sum: str,
    personal_balance: str,
) -> dict[str, Any]:
    """``account`` 为 regular（一般账户）或 temporary（临时缴费账户，本次不转移资金）。"""
    return calculate(
        TRANSFER,
        {
            "sex": sex,
            "birth": birth,
            "move_month": move_month,
            "to_hukou_province": to_hukou_province,
            "bases_sum": bases_sum,
            "personal_balance": personal_balance,
        },
    )


@router.get("/payday", response={200: PaydayOut, **NOT_FOUND}, summary="养老金发放日查询")
def payday(request: HttpRequest, region: str, month: str) -> dict[str, Any]:
    return calculate(PAYDAY, {"region": region, "month": month})
