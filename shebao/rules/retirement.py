"""Statutory retirement age and minimum contribution months (DOMAIN.md §7, 2025 reform).

For each category (``retirement.schemes``: male 60, female cadre 55, female worker 50) the
statutory age rises by one month for every ``step`` months of birth from the cohort start, up
to ``cap`` months, with months counted as year×12+month::

    k = birth − cohort_start + 1            # 1 for the first month of the cohort
    delay = max(0, min(cap, ceil(k / step)))
    statutory_month = birth + original_age × 12 + delay

Elastic retirement (``retirement.elastic``): up to ``max_early_months`` earlier, never before
the original age (60/55/50); up to ``max_late_months`` later.

Minimum contribution (``pension.min_contribution``): ``base_months`` until ``from_year − 1``,
then ``step_months`` more each year, up to ``cap_months``. The year counted is the year of the
statutory retirement month, or of the actual month for early retirement; late retirement keeps
the statutory year.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shebao.common.errors import InvalidInput
from shebao.common.periods import YearMonth
from shebao.common.trace import Trace
from shebao.rules.params import Params, count_in, need

KEYS = ("retirement.schemes", "pension.min_contribution")
OPTIONAL_KEYS = ("retirement.elastic",)
CATEGORIES = {
    "male": "男职工",
    "female_cadre": "女干部（原55周岁）",
    "female_worker": "女工人（原50周岁）",
}


@dataclass(frozen=True)
class RetirementResult:
    category: str
    birth: YearMonth
    original_age_months: int
    delay_months: int
    statutory_month: YearMonth
    retirement_month: YearMonth  # after elastic early/late retirement
    age_months: int  # age at retirement_month, in months
    min_contribution_months: int
    trace: Trace

    @property
    def age_years(self) -> int:
        return self.age_months // 12

    @property
    def age_extra_months(self) -> int:
        return self.age_months % 12

    @property
    def statutory_age_months(self) -> int:
        return self.original_age_months + self.delay_months


def age_label(months: int) -> str:
    years, extra = divmod(months, 12)
    return f"{years}岁{extra}个月" if extra else f"{years}岁"


def _ceil_div(a: int, b: int) -> int:
    return -((-a) // b)


def min_contribution_months(params: Params, trace: Trace, *, year: int) -> int:
    """Minimum contribution months for a retirement in ``year``, recorded in ``trace``."""
    rule = need(trace, params, "pension.min_contribution")
    extra_years = max(0, year - (rule["from_year"] - 1))
    return trace.step(
        "最低缴费月数",
        f"min({rule['cap_months']}, {rule['base_months']} + {rule['step_months']} × "
        f"max(0, {year} − {rule['from_year'] - 1}))",
        min(rule["cap_months"], rule["base_months"] + rule["step_months"] * extra_years),
    )


def retirement(
    params: Params,
    *,
    birth: YearMonth,
    category: str,
    early_months: Any = 0,
    late_months: Any = 0,
) -> RetirementResult:
    """Statutory and actual retirement month, age and minimum contribution months."""
    if category not in CATEGORIES:
        raise InvalidInput(
            f"人员类别“{category}”无效，应为 male（男）、female_cadre（女干部）或 female_worker（女工人）",
            code="RETIREMENT_CATEGORY_INVALID",
            field="category",
        )
    early = count_in(early_months, field="early_months", label="提前退休月数")
    late = count_in(late_months, field="late_months", label="延迟退休月数")
    if early and late:
        raise InvalidInput(
            "弹性提前退休与弹性延迟退休只能选择一项",
            code="RETIREMENT_ELASTIC_BOTH",
            field="late_months",
        )
    trace = Trace(
        "retirement.age",
        "法定退休年龄测算",
        inputs={
            "birth": str(birth),
            "category": category,
            "early_months": early,
            "late_months": late,
        },
    )
    schemes = need(trace, params, "retirement.schemes")
    scheme = schemes[category]
    original = scheme["original_age"] * 12
    k = trace.step(
        "出生月份序号",
        f"{birth} − {scheme['cohort_start']} + 1（按月计）",
        birth - scheme["cohort_start"] + 1,
    )
    delay = trace.step(
        "延迟月数",
        f"max(0, min({scheme['cap']}, ⌈{k} ÷ {scheme['step']}⌉))",
        max(0, min(scheme["cap"], _ceil_div(k, scheme["step"]))),
    )
    statutory = trace.step(
        "法定退休年月",
        f"{birth} + {scheme['original_age']}岁 + {delay}个月",
        birth + (original + delay),
    )
    trace.step(
        "法定退休年龄", f"{scheme['original_age']}岁 + {delay}个月", age_label(original + delay)
    )
    actual = statutory
    if early or late:
        elastic = need(trace, params, "retirement.elastic")
        if early:
            if early > elastic["max_early_months"]:
                raise InvalidInput(
                    f"弹性提前退休最多提前 {elastic['max_early_months']} 个月",
                    code="RETIREMENT_EARLY_TOO_MANY",
                    field="early_months",
                )
            earliest = birth + original
            if statutory - early < earliest:
                raise InvalidInput(
                    f"弹性提前退休不得早于原法定退休年龄 {scheme['original_age']} 周岁"
                    f"（最早 {earliest}，即最多提前 {statutory - earliest} 个月）",
                    code="RETIREMENT_TOO_EARLY",
                    field="early_months",
                )
            actual = trace.step("弹性提前退休年月", f"{statutory} − {early}个月", statutory - early)
            trace.note("弹性提前退休须本人自愿，并提前 3 个月书面告知所在单位。")
        else:
            if late > elastic["max_late_months"]:
                raise InvalidInput(
                    f"弹性延迟退休最多延迟 {elastic['max_late_months']} 个月",
                    code="RETIREMENT_LATE_TOO_MANY",
                    field="late_months",
                )
            actual = trace.step("弹性延迟退休年月", f"{statutory} + {late}个月", statutory + late)
            trace.note("弹性延迟退休须与所在单位协商一致；最低缴费年限仍按法定退休年份确定。")
    age = actual - birth
    trace.step("退休时年龄", f"{actual} − {birth}", age_label(age))
    # Early retirement counts the actual year; late retirement keeps the statutory year.
    year = actual.year if early else statutory.year
    minimum = min_contribution_months(params, trace, year=year)
    return RetirementResult(
        category=category,
        birth=birth,
        original_age_months=original,
        delay_months=delay,
        statutory_month=statutory,
        retirement_month=actual,
        age_months=age,
        min_contribution_months=minimum,
        trace=trace,
    )
