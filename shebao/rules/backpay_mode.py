"""How a unit's back-payment (补缴) is accepted: directly, by commitment (承诺制) or with missing
materials (容缺受理) — Beijing's rules (seed 003, DOMAIN.md §12 "Acceptance modes for
back-payment"), a decision table over the case:

- **directly** (直接办理): a unit declaring an individual's back-payment of the last three months
  (the three months before the month it declares in);
- **by commitment** (承诺制, no materials): a general account (一般账户) with more than 10 years of
  pension contributions paid locally, back-paying months from 2011-07 on over at most 3 years;
  a temporary account (临时账户), months from 2011-07 on, at most 3 years;
- **with missing materials** (容缺受理): a general account whose theoretical contribution years —
  from now to 60 for a man, 50 for a woman — plus the years paid locally are fewer than 10,
  back-paying months from 2011-07 on and reaching back further than the last three months; a
  unit declaring an individual's back-payment of months from 2011-07 on over more than 3 years.

"Within three months" is how far back the period reaches (its first month among the three
months before the declaration); "3 years" is how long it is (36 months or fewer). Months before
2011-07 — the Social Insurance Law — fit no mode and are handled at the counter.

A case may fit several modes; :func:`backpay_routes` lists them all, best first (direct, then
commitment, then 容缺). A case outside every mode is refused with a stable code. Pure: no
database, every input given.
"""

from __future__ import annotations

from dataclasses import dataclass

from shebao.common.errors import InvalidInput
from shebao.common.periods import YearMonth, check_period

# The Social Insurance Law's month (社会保险法 施行, 2011-07-01): the seed's "2011年7月之后".
LAW_MONTH = YearMonth(2011, 7)
# The last three months before the declaration month: "近三个月".
RECENT_MONTHS = 3
# At most 3 years long: "不超过3年".
SHORT_SPAN_MONTHS = 36
# More than 10 years paid locally (commitment) / fewer than 10 (容缺): "10年".
TEN_YEARS_MONTHS = 120
# The ages the theoretical years run to: "男距60週歲、女距50週歲".
THEORETICAL_AGE = {"M": 60, "F": 50}

GENERAL, TEMPORARY = "general", "temporary"
DIRECT, COMMITMENT, TOLERANCE = "direct", "commitment", "tolerance"

# The catalogue's matters, one per route.
RECENT = "unit.staff_back_payment_recent"
GENERAL_COMMITMENT = "unit.back_payment_general_account"
TEMPORARY_COMMITMENT = "unit.back_payment_temporary_account"
GENERAL_SHORT = "unit.back_payment_general_account_short"
OVER_3Y = "unit.staff_back_payment_over_3y"
# The matters whose case depends on the account type (the rest do not ask for it).
ACCOUNT_MATTERS = (GENERAL_COMMITMENT, TEMPORARY_COMMITMENT, GENERAL_SHORT)


@dataclass(frozen=True)
class BackpayCase:
    """A unit's back-payment for one employee.

    ``account``: general or temporary, or None where the matter does not ask (the recent and
    the over-3-years matters depend on no account type). ``local_months``: pension months paid
    locally; ``theoretical_months``: from the declaration month to the month the employee
    reaches 60 (men) or 50 (women), 0 once past it; None where unknown."""

    first: YearMonth
    last: YearMonth
    declared_in: YearMonth
    account: str | None = None
    local_months: int | None = None
    theoretical_months: int | None = None

    @property
    def span(self) -> int:
        """How long: the number of months back-paid."""
        return self.last - self.first + 1

    @property
    def recent(self) -> bool:
        """How far back: within the three months before the declaration month."""
        return self.first >= self.declared_in - RECENT_MONTHS


@dataclass(frozen=True)
class Route:
    """A mode the case fits: the matter it is filed under, the mode and why (Chinese)."""

    matter: str
    mode: str
    reason: str


def theoretical_months(*, sex: str, birth_year: int, birth_month: int, on: YearMonth) -> int:
    """Months from ``on`` to the month a person born then reaches 60 (men) or 50 (women)."""
    age = THEORETICAL_AGE.get(sex, 60)
    return max(0, YearMonth(birth_year + age, birth_month) - on)


def _check_period(case: BackpayCase) -> None:
    check_period(
        case.first,
        case.last,
        reversed_message="补缴起始年月不能晚于补缴截止年月",
        reversed_code="BACKPAY_PERIOD_REVERSED",
        reversed_field="start_month",
        before=case.declared_in,
        not_past_message=f"补缴截止年月须早于申报当月（{case.declared_in.label()}）；"
        "当月及以后的费款按月度核定缴纳",
    )


def backpay_routes(case: BackpayCase) -> list[Route]:
    """Every mode the case fits, best first; empty when it fits none. Refuses a period whose
    first month is after its last, or that reaches the declaration month."""
    _check_period(case)
    found: list[Route] = []
    if case.recent:
        found.append(
            Route(RECENT, DIRECT, f"补缴{case.first.label()}起的近三个月内费款，可直接办理")
        )
    if case.first < LAW_MONTH:
        return found
    short = case.span <= SHORT_SPAN_MONTHS
    years = f"补缴{case.span}个月（{'不超过' if short else '超过'}3年）"
    if case.account == GENERAL and short and (case.local_months or 0) > TEN_YEARS_MONTHS:
        found.append(
            Route(
                GENERAL_COMMITMENT,
                COMMITMENT,
                f"一般账户、在本市缴纳养老保险费超过10年，{years}，由单位承诺办理",
            )
        )
    if case.account == TEMPORARY and short:
        found.append(Route(TEMPORARY_COMMITMENT, COMMITMENT, f"临时账户，{years}，由单位承诺办理"))
    if (
        case.account == GENERAL
        and not case.recent
        and case.local_months is not None
        and case.theoretical_months is not None
        and case.local_months + case.theoretical_months < TEN_YEARS_MONTHS
    ):
        found.append(
            Route(
                GENERAL_SHORT,
                TOLERANCE,
                "一般账户、理论缴费年限加本市实际缴费年限不足10年，补缴超过近三个月，容缺受理",
            )
        )
    if not short:
        found.append(Route(OVER_3Y, TOLERANCE, f"单位申报个人补缴2011年7月之后、{years}，容缺受理"))
    return found


def backpay_route(case: BackpayCase, *, matter: str, names: dict[str, str]) -> Route:
    """The route of ``case`` filed under ``matter``, or the refusal (stable code, Chinese
    message naming the matter to use from ``names``, code → name):

    - ``BACKPAY_BEFORE_2011_07``: months before 2011-07, not among the last three months;
    - ``BACKPAY_NO_ACCEPTANCE_MODE``: the case fits no mode (the counter handles it);
    - ``BACKPAY_OTHER_MATTER``: it fits, but under another matter (named in the message and in
      ``details["matters"]``)."""
    routes = backpay_routes(case)
    for route in routes:
        if route.matter == matter:
            return route
    if routes:
        best = routes[0]
        raise InvalidInput(
            f"本次补缴应通过“{names.get(best.matter, best.matter)}”办理：{best.reason}",
            code="BACKPAY_OTHER_MATTER",
            field="start_month",
            details={"matters": [r.matter for r in routes]},
        )
    if case.first < LAW_MONTH:
        raise InvalidInput(
            "补缴2011年7月以前的社会保险费不适用网上直接办理、承诺制或容缺受理，"
            "请携带劳动合同、工资发放凭证等材料到经办机构窗口办理",
            code="BACKPAY_BEFORE_2011_07",
            field="start_month",
        )
    if case.account is None and case.span <= SHORT_SPAN_MONTHS:
        # The recent and the over-3-years matters ask no account type; the rest depend on it.
        choices = "、".join(f"“{names.get(code, code)}”" for code in ACCOUNT_MATTERS)
        raise InvalidInput(
            f"补缴期间不在近三个月内且不超过3年的，请按职工的账户类别办理{choices}",
            code="BACKPAY_OTHER_MATTER",
            field="start_month",
            details={"matters": list(ACCOUNT_MATTERS)},
        )
    raise InvalidInput(
        "该补缴不符合直接办理、告知承诺制或容缺受理的条件（一般账户须在本市缴费超过10年，"
        "或理论缴费年限加本市缴费年限不足10年），请携带劳动合同、工资发放凭证等材料到经办机构窗口办理",
        code="BACKPAY_NO_ACCEPTANCE_MODE",
        field="start_month",
    )
