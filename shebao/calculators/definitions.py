"""The ten public calculators: their fields, the service each one calls, and its answer.

One definition serves the API (``api.py``), the pages (``views.py``) and the true-up
(``trueup.py``): the same fields are parsed the same way, the same service computes, and the
answer has the same shape everywhere — amounts as strings with two decimals, and ``trace``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from shebao.calculators import services
from shebao.calculators.inputs import (
    AMOUNT,
    BOOLEAN,
    CHOICE,
    DATE,
    INTEGER,
    MONTH,
    MONTH_AMOUNTS,
    NUMBER,
    REGION,
    Field,
    Parsed,
    parse,
)
from shebao.common.errors import DomainError, NotFound
from shebao.common.money import CONTEXT, money_str
from shebao.common.trace import Trace
from shebao.policy.schema import SPECS
from shebao.rules.retirement import CATEGORIES

CATEGORY_CHOICES = tuple(
    (value, label)
    for value, label in (
        ("male", "男职工（原60周岁）"),
        ("female_cadre", "女干部（原55周岁）"),
        ("female_worker", "女工人（原50周岁）"),
    )
    if value in CATEGORIES
)
SEX_CHOICES = (("male", "男"), ("female", "女"))
SEX_CODES = {"male": "M", "female": "F"}
INJURY_CHOICES = tuple((str(n), f"第{'一二三四五六七八'[n - 1]}类") for n in range(1, 9))
BOOL_CHOICES = (("true", "是"), ("false", "否"))


@dataclass(frozen=True)
class Calculator:
    slug: str  # URL segment of the page and of the API path
    title: str
    summary: str  # one line on the index
    fields: tuple[Field, ...]
    compute: Callable[[dict[str, Any]], Any]  # typed values → rule result
    output: Callable[[Any], dict[str, Any]]  # rule result → JSON-ready answer (without trace)
    amounts: Callable[[Any], dict[str, Decimal]]  # the amounts a true-up compares
    kind: str | None = None  # true-up kind, for region-dependent calculations
    method: str = "GET"
    note: str = ""  # what the calculator does not cover, shown on its page
    example: tuple[tuple[str, str], ...] = ()  # a worked example, as form values

    @property
    def url_name(self) -> str:
        """The page's URL name: "calculators:late_fee"."""
        return f"calculators:{self.slug.replace('-', '_')}"

    @property
    def api_path(self) -> str:
        return f"/api/v1/calculators/{self.slug}"

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


def m(value: Decimal) -> str:
    """An amount as the API writes it: "1280.00"."""
    return money_str(value)


def rate(value: Decimal) -> str:
    """A rate as an exact decimal string: "0.0005"."""
    return format(value.normalize(CONTEXT), "f") if value else "0"


def _label_params(data: dict[str, Any]) -> dict[str, Any]:
    for ref in data["params"]:
        spec = SPECS.get(ref["key"])
        ref["label"] = spec.label if spec else ref["key"]
        ref["unit"] = spec.unit if spec else ""
    for child in data["children"]:
        _label_params(child)
    return data


def trace_out(trace: Trace) -> dict[str, Any]:
    """The trace as the API returns it: ``Trace.as_dict`` with each parameter's Chinese label."""
    return _label_params(trace.as_dict())


# --- the ten -----------------------------------------------------------------------------------

REGION_FIELD = Field("region", "参保地区", REGION, help="按该地区公布的政策参数计算")
MONTH_FIELD = Field("month", "所属年月", MONTH, placeholder="2020-01", help="格式 YYYY-MM")


def _contribution_out(r: Any) -> dict[str, Any]:
    return {
        "base": m(r.base),
        "floor": m(r.floor) if r.floor is not None else None,
        "ceiling": m(r.ceiling) if r.ceiling is not None else None,
        "lines": [
            {
                "insurance": line.insurance,
                "label": line.label,
                "unit_rate": rate(line.unit_rate),
                "individual_rate": rate(line.individual_rate),
                "unit": m(line.unit),
                "individual": m(line.individual),
                "total": m(line.total),
            }
            for line in r.lines
        ],
        "unit_total": m(r.unit_total),
        "individual_total": m(r.individual_total),
        "total": m(r.total),
    }


def _contribution_amounts(r: Any) -> dict[str, Decimal]:
    amounts = {"base": r.base, "unit_total": r.unit_total, "individual_total": r.individual_total}
    for line in r.lines:
        amounts[f"{line.insurance}.unit"] = line.unit
        amounts[f"{line.insurance}.individual"] = line.individual
    return amounts


CONTRIBUTION = Calculator(
    slug="contribution",
    title="单位职工缴费测算",
    summary="按月缴费工资核定缴费基数（上下限封顶保底），测算各险种单位和个人缴费。",
    fields=(
        REGION_FIELD,
        MONTH_FIELD,
        Field("wage", "月缴费工资", AMOUNT, unit="元/月", help="上年度本人月平均工资"),
        Field(
            "injury_class",
            "工伤保险行业风险类别",
            INTEGER,
            required=False,
            choices=INJURY_CHOICES,
            minimum=1,
            maximum=8,
            help="参加工伤保险的地区必填，按单位所属行业确定",
        ),
    ),
    compute=lambda v: services.contribution_calculate(
        region=v["region"], month=v["month"], wage=v["wage"], injury_class=v["injury_class"]
    ),
    output=_contribution_out,
    amounts=_contribution_amounts,
    kind="contribution",
    example=(("region", "220200"), ("month", "2020-03"), ("wage", "8000"), ("injury_class", "1")),
)

FLEXIBLE = Calculator(
    slug="flexible",
    title="灵活就业缴费测算",
    summary="按所选缴费档次（社平工资的百分比）测算灵活就业人员养老保险月缴费额和年缴费额。",
    fields=(
        REGION_FIELD,
        MONTH_FIELD,
        Field(
            "grade",
            "缴费档次",
            INTEGER,
            unit="%",
            minimum=1,
            maximum=1000,
            help="社平工资的百分比，如 60 表示 60% 档；可选档次以当地规定为准",
        ),
    ),
    compute=lambda v: services.flexible_calculate(
        region=v["region"], month=v["month"], grade=v["grade"]
    ),
    output=lambda r: {
        "grade": r.grade,
        "base": m(r.base),
        "rate": rate(r.rate),
        "monthly": m(r.monthly),
        "annual": m(r.annual),
        "personal_account": m(r.personal_account) if r.personal_account is not None else None,
    },
    amounts=lambda r: {"base": r.base, "monthly": r.monthly, "annual": r.annual},
    kind="flexible",
    example=(("region", "220200"), ("month", "2020-03"), ("grade", "100")),
)

LATE_FEE = Calculator(
    slug="late-fee",
    title="滞纳金测算",
    summary="按欠缴金额和滞纳天数（首尾两日均计）测算滞纳金，2011年7月1日前后分段适用不同日费率。",
    fields=(
        Field("amount", "欠缴金额", AMOUNT, unit="元"),
        Field("start", "滞纳起始日", DATE, placeholder="2024-01-01", help="欠缴发生之日"),
        Field("end", "滞纳截止日", DATE, placeholder="2024-01-31", help="缴纳之日，含当日"),
        Field(
            "region",
            "参保地区",
            REGION,
            required=False,
            help="可不选；选择后适用当地滞纳金封顶规定和应急措施期间免收滞纳金的规定（如有）",
        ),
    ),
    compute=lambda v: services.late_fee_calculate(
        amount=v["amount"], start=v["start"], end=v["end"], region=v["region"]
    ),
    output=lambda r: {
        "days": r.days,
        "daily_rate": rate(r.daily_rate),
        "fee": m(r.fee),
        "capped": r.capped,
        "waived_days": r.waived_days,
        "segments": [
            {
                "start": s.start.isoformat(),
                "end": s.end.isoformat(),
                "days": s.days,
                "daily_rate": rate(s.daily_rate),
                "waived_by": s.waived_by or None,
            }
            for s in r.segments
        ],
    },
    amounts=lambda r: {"fee": r.fee},
    note="选择参保地区后，应急措施期间（含解除后补办期限内）的天数按当地措施免收滞纳金，"
    "计算过程中列明所依据的措施。",
    example=(("amount", "10000"), ("start", "2024-01-01"), ("end", "2024-01-31")),
)

BACKPAY = Calculator(
    slug="backpay-interest",
    title="补缴利息测算",
    summary="按各年度个人账户记账利率（天津办法）测算补缴养老保险费的本金和利息。",
    fields=(
        Field(
            "months",
            "补缴月份及金额",
            MONTH_AMOUNTS,
            wide=True,
            placeholder="2024-01 640.00\n2024-02 640.00",
            help="每行一个月：年月 金额，如“2024-01 640.00”",
        ),
        Field("pay_month", "补缴年月", MONTH, placeholder="2025-03", help="实际缴纳的月份"),
    ),
    compute=lambda v: services.backpay_calculate(months=v["months"], pay_month=v["pay_month"]),
    output=lambda r: {
        "principal": m(r.principal),
        "interest": m(r.interest),
        "total": m(r.total),
        "years": [{"year": y.year, "rate": rate(y.rate)} for y in r.years],
    },
    amounts=lambda r: {"principal": r.principal, "interest": r.interest},
    method="POST",
    example=(
        ("months", "2023-11 640.00\n2023-12 640.00\n2024-01 640.00"),
        ("pay_month", "2024-06"),
    ),
)

UNEMPLOYMENT = Calculator(
    slug="unemployment",
    title="失业保险金测算",
    summary="按当地最低工资标准和累计缴费时间测算失业保险金月标准和最长领取期限。",
    fields=(
        REGION_FIELD,
        Field("month", "开始领取年月", MONTH, placeholder="2024-01", help="失业登记后的首个领取月"),
        Field("contribution_months", "累计缴费月数", INTEGER, unit="个月", maximum=960),
        Field(
            "carried_months",
            "以前未领取的月数",
            INTEGER,
            required=False,
            unit="个月",
            maximum=960,
            help="重新就业前尚未领取的期限，与本次合并计算，合并后不超过规定的最长领取期限",
        ),
        Field(
            "birth",
            "出生年月",
            MONTH,
            required=False,
            placeholder="1965-06",
            help="与人员类别一起填写时，判断是否可领取至法定退休年龄",
        ),
        Field("category", "人员类别", CHOICE, required=False, choices=CATEGORY_CHOICES),
    ),
    compute=lambda v: services.unemployment_calculate(
        region=v["region"],
        month=v["month"],
        contribution_months=v["contribution_months"],
        carried_months=v["carried_months"] or 0,
        birth=v["birth"],
        category=v["category"],
    ),
    output=lambda r: {
        "eligible": r.eligible,
        "monthly": m(r.monthly),
        "max_months": r.max_months,
        "total": m(r.total),
        "extended_to_retirement": r.extended_to_retirement,
    },
    amounts=lambda r: {"monthly": r.monthly, "total": r.total},
    kind="unemployment",
    example=(("region", "420100"), ("month", "2024-03"), ("contribution_months", "72")),
)

RETIREMENT = Calculator(
    slug="retirement",
    title="退休年龄测算",
    summary="按2025年起渐进式延迟退休办法，测算法定退休年月、退休年龄和最低缴费年限。",
    fields=(
        Field("birth", "出生年月", MONTH, placeholder="1965-01"),
        Field("category", "人员类别", CHOICE, choices=CATEGORY_CHOICES),
        Field(
            "early_months",
            "弹性提前退休月数",
            INTEGER,
            required=False,
            unit="个月",
            maximum=120,
            help="提前幅度以规定为准，且不得早于原法定退休年龄",
        ),
        Field(
            "late_months",
            "弹性延迟退休月数",
            INTEGER,
            required=False,
            unit="个月",
            maximum=120,
            help="延迟幅度以规定为准，须与单位协商一致",
        ),
    ),
    compute=lambda v: services.retirement_calculate(
        birth=v["birth"],
        category=v["category"],
        early_months=v["early_months"] or 0,
        late_months=v["late_months"] or 0,
    ),
    output=lambda r: {
        "statutory_month": str(r.statutory_month),
        "statutory_age_years": r.statutory_age_months // 12,
        "statutory_age_months": r.statutory_age_months % 12,
        "retirement_month": str(r.retirement_month),
        "age_years": r.age_years,
        "age_months": r.age_extra_months,
        "min_contribution_months": r.min_contribution_months,
    },
    amounts=lambda r: {},
    example=(("birth", "1965-01"), ("category", "male")),
)

PENSION = Calculator(
    slug="pension",
    title="基本养老金测算",
    summary="按计发基数、平均缴费指数、缴费年限和个人账户储存额测算退休时的基本养老金。",
    fields=(
        Field("avg_wage", "计发基数", AMOUNT, unit="元/月", help="退休上年度全省全口径月平均工资"),
        Field(
            "index",
            "平均缴费指数",
            NUMBER,
            placeholder="1.00",
            maximum=10,
            help="历年缴费基数与社平工资之比的平均值",
        ),
        Field(
            "years",
            "累计缴费年限",
            NUMBER,
            unit="年",
            maximum=80,
            help="含视同缴费年限，可带小数，如 35.5",
        ),
        Field("balance", "个人账户储存额", AMOUNT, unit="元"),
        Field(
            "age",
            "退休年龄",
            INTEGER,
            unit="周岁",
            minimum=16,
            maximum=100,
            help="整周岁，用于查个人账户养老金计发月数",
        ),
        Field(
            "region",
            "参保地区",
            REGION,
            required=False,
            help="用于过渡性养老金计发系数；不选按全国参考值",
        ),
        Field(
            "deemed_years",
            "视同缴费年限",
            NUMBER,
            required=False,
            unit="年",
            maximum=80,
            help="个人账户建立前的视同缴费年限",
        ),
        Field(
            "indexed_wage",
            "指数化月平均缴费工资",
            AMOUNT,
            required=False,
            unit="元/月",
            help="不填按计发基数 × 平均缴费指数",
        ),
    ),
    compute=lambda v: services.pension_calculate(
        avg_wage=v["avg_wage"],
        index=v["index"],
        years=v["years"],
        balance=v["balance"],
        age=v["age"],
        region=v["region"],
        deemed_years=v["deemed_years"] if v["deemed_years"] is not None else Decimal(0),
        indexed_wage=v["indexed_wage"],
    ),
    output=lambda r: {
        "basic": m(r.basic),
        "personal": m(r.personal),
        "transitional": m(r.transitional),
        "total": m(r.total),
        "divisor": r.divisor,
    },
    amounts=lambda r: {
        "basic": r.basic,
        "personal": r.personal,
        "transitional": r.transitional,
        "total": r.total,
    },
    kind="pension",
    note="计发月数按整周岁查表；延迟退休后非整岁的计发月数尚无公开规定。",
    example=(
        ("avg_wage", "8000"),
        ("index", "1"),
        ("years", "35"),
        ("balance", "139000"),
        ("age", "60"),
        ("deemed_years", "10"),
    ),
)


def _relief_months(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.01"), context=CONTEXT), "f")


DEATH = Calculator(
    slug="death-benefit",
    title="丧葬补助金和抚恤金测算",
    summary="参保人员因病或非因工死亡，测算遗属可领取的丧葬补助金和抚恤金。",
    fields=(
        Field("date", "死亡日期", DATE, placeholder="2024-05-01"),
        Field(
            "contribution_months",
            "累计缴费月数",
            INTEGER,
            unit="个月",
            help="含视同缴费，按月计",
            maximum=1200,
        ),
        Field(
            "pension_months",
            "已领取养老金月数",
            INTEGER,
            required=False,
            unit="个月",
            maximum=1200,
            help="在职死亡的不填；退休人员死亡的填写",
        ),
        Field(
            "income",
            "月人均可支配收入",
            AMOUNT,
            required=False,
            unit="元/月",
            help="上年度城镇居民月人均可支配收入；不填时须选择地区，使用当地公布标准",
        ),
        Field("region", "参保地区", REGION, required=False),
    ),
    compute=lambda v: services.death_benefit_calculate(
        died_on=v["date"],
        contribution_months=v["contribution_months"],
        pension_months=v["pension_months"],
        income=v["income"],
        region=v["region"],
    ),
    output=lambda r: {
        "scheme": r.scheme,
        "funeral": m(r.funeral),
        "relief_months": _relief_months(r.relief_months),
        "relief": m(r.relief),
        "total": m(r.total),
    },
    amounts=lambda r: {"funeral": r.funeral, "relief": r.relief, "total": r.total},
    kind="death_benefit",
    example=(("date", "2024-05-01"), ("contribution_months", "267"), ("income", "4000")),
)

TRANSFER = Calculator(
    slug="transfer",
    title="养老保险关系转移测算",
    summary="跨省转移基本养老保险关系：判断建立一般账户还是临时缴费账户，测算统筹基金和个人账户转移额。",
    fields=(
        Field("sex", "性别", CHOICE, choices=SEX_CHOICES),
        Field("birth", "出生年月", MONTH, placeholder="1980-01"),
        Field("move_month", "转移年月", MONTH, placeholder="2025-03"),
        Field(
            "to_hukou_province",
            "是否转回户籍所在省份",
            BOOLEAN,
            choices=BOOL_CHOICES,
        ),
        Field(
            "bases_sum",
            "1998年以来缴费基数之和",
            AMOUNT,
            unit="元",
            help="历年实际缴费基数逐月相加",
        ),
        Field("personal_balance", "个人账户储存额", AMOUNT, unit="元"),
    ),
    compute=lambda v: services.transfer_calculate(
        sex=SEX_CODES[v["sex"]],
        birth=v["birth"],
        move_month=v["move_month"],
        to_hukou_province=v["to_hukou_province"],
        bases_sum=v["bases_sum"],
        personal_balance=v["personal_balance"],
    ),
    output=lambda r: {
        "account": r.account,
        "age_years": r.age_months // 12,
        "age_months": r.age_months % 12,
        "pooled_transfer": m(r.pooled_transfer),
        "personal_transfer": m(r.personal_transfer),
    },
    amounts=lambda r: {
        "pooled_transfer": r.pooled_transfer,
        "personal_transfer": r.personal_transfer,
    },
    example=(
        ("sex", "male"),
        ("birth", "1980-05"),
        ("move_month", "2025-03"),
        ("to_hukou_province", "false"),
        ("bases_sum", "600000"),
        ("personal_balance", "85000"),
    ),
)

PAYDAY = Calculator(
    slug="payday",
    title="养老金发放日查询",
    summary="查询某月基本养老金的发放日期：逢法定节假日提前，重大节日前按当地规定提前发放。",
    fields=(REGION_FIELD, Field("month", "发放年月", MONTH, placeholder="2026-02")),
    compute=lambda v: services.payday_calculate(region=v["region"], month=v["month"]),
    output=lambda r: {
        "date": r.date.isoformat(),
        "nominal_date": r.nominal.isoformat(),
        "calendar_covered": r.calendar_covered,
    },
    amounts=lambda r: {},
    kind="payday",
    example=(("region", "320400"), ("month", "2026-02")),
)

CALCULATORS: tuple[Calculator, ...] = (
    CONTRIBUTION,
    FLEXIBLE,
    LATE_FEE,
    BACKPAY,
    UNEMPLOYMENT,
    RETIREMENT,
    PENSION,
    DEATH,
    TRANSFER,
    PAYDAY,
)
BY_SLUG: dict[str, Calculator] = {c.slug: c for c in CALCULATORS}


def calculator_get(slug: str) -> Calculator:
    found = BY_SLUG.get(slug)
    if found is None:
        raise NotFound("没有这个测算项目", code="CALCULATOR_NOT_FOUND")
    return found


@dataclass
class Outcome:
    """A calculation as a page shows it: the parsed form, and the answer or the error."""

    parsed: Parsed
    answer: dict[str, Any] | None = None
    result: Any = None


def answer_of(calculator: Calculator, result: Any) -> dict[str, Any]:
    answer = calculator.output(result)
    answer["provisional"] = result.trace.provisional
    answer["trace"] = trace_out(result.trace)
    return answer


def evaluate(calculator: Calculator, data: Mapping[str, Any]) -> Outcome:
    """Parse and compute; a refused input or a missing parameter becomes a field error."""
    parsed = parse(calculator.fields, data)
    outcome = Outcome(parsed=parsed)
    if not parsed.ok:
        return outcome
    try:
        outcome.result = calculator.compute(parsed.values)
    except DomainError as error:
        parsed.errors[_field_of(calculator, error)] = error
        return outcome
    outcome.answer = answer_of(calculator, outcome.result)
    return outcome


def _field_of(calculator: Calculator, error: Any) -> str:
    """The form field an error belongs to ("months.0.amount" → "months"), or "" for the form."""
    name = (error.field or "").split(".")[0]
    return name if any(f.name == name for f in calculator.fields) else ""


def calculate(calculator: Calculator, data: Mapping[str, Any]) -> dict[str, Any]:
    """The API's answer; the first input error (or a missing parameter) is raised.

    An answer follows from the inputs, policy and the day alone, so one already given today
    under the same policy is given again (a read-only dict) instead of computed anew."""
    from django.utils import timezone

    from shebao.policy.selectors import policy_memo

    key = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)

    def compute() -> dict[str, Any]:
        parsed = parse(calculator.fields, data)
        if not parsed.ok:
            raise parsed.first_error()
        return answer_of(calculator, calculator.compute(parsed.values))

    return policy_memo(("calculate", calculator.slug, key, timezone.localdate()), compute)
