"""The catalogue of policy parameters: every key, its type, unit and meaning.

A parameter record holds one value of one key for one region and one validity period. Values
are stored as JSON; this module turns them into Python values (Decimals from strings, never
from floats) and checks them. The rules engine reads parameters only through these keys: a key
is part of the contract between the data files, the policy store and the rules, so keys are
never renamed.

Kinds:
- ``money``: yuan, a Decimal string ("2767.00");
- ``rate``: a fraction, a Decimal string ("0.16" = 16%); between 0 and 1 unless ``max`` says more;
- ``decimal``: any Decimal string (e.g. a multiplier "1.2");
- ``int`` / ``bool`` / ``date`` (ISO "2011-07-01") / ``text``;
- ``rounding``: {"step": "0.01", "mode": "ROUND_HALF_UP"};
- ``json``: structured data checked by the spec's own ``check`` function.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from shebao.common.errors import InvalidInput
from shebao.common.money import ROUNDING_MODES, Rounding, to_decimal
from shebao.common.periods import YearMonth


class SchemaError(InvalidInput):
    default_code = "POLICY_VALUE_INVALID"


@dataclass(frozen=True)
class ParameterSpec:
    key: str
    kind: str
    label: str  # Chinese name shown on pages
    unit: str = ""  # 元, 元/月, 元/年, %, 天, 月 …
    description: str = ""
    nullable: bool = False  # whether null is a meaningful value (e.g. "no claim deadline")
    max: Decimal | None = None  # for rates above 100% (e.g. ceiling 300%)
    check: Callable[[Any], Any] | None = None  # for json kinds: validate and convert

    def parse(self, raw: Any) -> Any:
        """Turn a stored/loaded value into its Python form; raise SchemaError if it is wrong."""
        if raw is None:
            if self.nullable:
                return None
            raise SchemaError(f"参数“{self.label}”（{self.key}）不能为空")
        if isinstance(raw, float):
            raise SchemaError(
                f'参数“{self.label}”（{self.key}）的数值必须写成带引号的字符串（如 "0.16"），'
                f"不能写成浮点数 {raw!r}"
            )
        try:
            return _PARSERS[self.kind](self, raw)
        except SchemaError:
            raise
        except (InvalidInput, ValueError, TypeError, KeyError, AttributeError) as error:
            message = getattr(error, "message", str(error))
            raise SchemaError(
                f"参数“{self.label}”（{self.key}）的值 {raw!r} 无效：{message}"
            ) from None

    def dump(self, value: Any) -> Any:
        """The JSON form of a Python value of this kind (inverse of :meth:`parse`)."""
        if value is None:
            return None
        if self.kind in {"money", "rate", "decimal"}:
            return format(value, "f")
        if self.kind == "date":
            return value.isoformat()
        if self.kind == "rounding":
            return value.as_dict()
        if self.kind == "json":
            return _json_dump(value)
        return value


def _json_dump(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, YearMonth):
        return str(value)
    if isinstance(value, Rounding):
        return value.as_dict()
    if isinstance(value, dict):
        return {str(k): _json_dump(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_dump(v) for v in value]
    return value


def _decimal(spec: ParameterSpec, raw: Any) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise SchemaError(f"参数“{spec.label}”（{spec.key}）应为数值字符串，而不是 {raw!r}")
    return to_decimal(str(raw))


def _money(spec: ParameterSpec, raw: Any) -> Decimal:
    value = _decimal(spec, raw)
    if value < 0:
        raise SchemaError(f"参数“{spec.label}”（{spec.key}）不能为负数")
    return value


def _rate(spec: ParameterSpec, raw: Any) -> Decimal:
    value = _decimal(spec, raw)
    upper = spec.max if spec.max is not None else Decimal(1)
    if not (0 <= value <= upper):
        raise SchemaError(f"参数“{spec.label}”（{spec.key}）应在 0 到 {upper} 之间，而不是 {value}")
    return value


def _int(spec: ParameterSpec, raw: Any) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise SchemaError(f"参数“{spec.label}”（{spec.key}）应为整数，而不是 {raw!r}")
    return raw


def _bool(spec: ParameterSpec, raw: Any) -> bool:
    if not isinstance(raw, bool):
        raise SchemaError(f"参数“{spec.label}”（{spec.key}）应为 true 或 false，而不是 {raw!r}")
    return raw


def _date(spec: ParameterSpec, raw: Any) -> date:
    if isinstance(raw, date):
        return raw
    return date.fromisoformat(str(raw))


def _text(spec: ParameterSpec, raw: Any) -> str:
    if not isinstance(raw, str):
        raise SchemaError(f"参数“{spec.label}”（{spec.key}）应为文字，而不是 {raw!r}")
    return raw


def _rounding(spec: ParameterSpec, raw: Any) -> Rounding:
    if not isinstance(raw, dict) or raw.get("mode", "ROUND_HALF_UP") not in ROUNDING_MODES:
        raise SchemaError(
            f"参数“{spec.label}”（{spec.key}）应为 {{step, mode}}，mode 取 {', '.join(ROUNDING_MODES)}"
        )
    return Rounding.parse(raw)


def _json(spec: ParameterSpec, raw: Any) -> Any:
    return spec.check(raw) if spec.check else raw


_PARSERS: dict[str, Callable[[ParameterSpec, Any], Any]] = {
    "money": _money,
    "rate": _rate,
    "decimal": _decimal,
    "int": _int,
    "bool": _bool,
    "date": _date,
    "text": _text,
    "rounding": _rounding,
    "json": _json,
}


# --- checks for structured values ------------------------------------------------------------


def _dec(value: Any) -> Decimal:
    if isinstance(value, (float, bool)):
        raise SchemaError(f"数值 {value!r} 必须写成带引号的字符串")
    return to_decimal(str(value))


def check_injury_class_rates(raw: Any) -> dict[int, Decimal]:
    """{"1": "0.002", …, "8": "0.019"}: base rates of the eight industry risk classes."""
    rates = {int(k): _dec(v) for k, v in dict(raw).items()}
    if sorted(rates) != list(range(1, 9)):
        raise SchemaError("工伤保险行业基准费率应包含第1至第8类")
    return rates


def check_divisor_table(raw: Any) -> dict[int, int]:
    """{"40": 233, …, "70": 56}: months of the personal-account divisor by retirement age."""
    table = {int(k): int(v) for k, v in dict(raw).items()}
    ages = sorted(table)
    if not ages or ages != list(range(ages[0], ages[-1] + 1)):
        raise SchemaError("计发月数表的年龄应连续")
    return table


def check_duration_table(raw: Any) -> list[tuple[int, int]]:
    """[{"min_months": 12, "months": 12}, …]: benefit months by contribution months, ascending."""
    rows = sorted((int(r["min_months"]), int(r["months"])) for r in raw)
    if not rows:
        raise SchemaError("领取期限表不能为空")
    return rows


def check_grades(raw: Any) -> list[int]:
    """[60, 70, …, 300]: allowed flexible-employment grades, percent of the average wage."""
    grades = sorted({int(g) for g in raw})
    if not grades or grades[0] <= 0:
        raise SchemaError("缴费档次应为正整数百分比")
    return grades


def check_month_schemes(raw: Any) -> dict[str, dict[str, Any]]:
    """Statutory retirement schemes by category (2025 reform)."""
    schemes: dict[str, dict[str, Any]] = {}
    for category, row in dict(raw).items():
        schemes[category] = {
            "label": str(row["label"]),
            "original_age": int(row["original_age"]),
            "cohort_start": YearMonth.parse(str(row["cohort_start"])),
            "step": int(row["step"]),
            "cap": int(row["cap"]),
        }
    if set(schemes) != {"male", "female_cadre", "female_worker"}:
        raise SchemaError("退休年龄方案应包含 male、female_cadre、female_worker 三类")
    return schemes


def check_min_contribution(raw: Any) -> dict[str, int]:
    """{"base_months": 180, "from_year": 2030, "step_months": 6, "cap_months": 240}."""
    return {k: int(raw[k]) for k in ("base_months", "from_year", "step_months", "cap_months")}


def check_elastic(raw: Any) -> dict[str, int]:
    """{"max_early_months": 36, "max_late_months": 36}."""
    return {k: int(raw[k]) for k in ("max_early_months", "max_late_months")}


def check_death_scheme(raw: Any) -> dict[str, Any]:
    """Death benefits. ``rule`` is "income_2021" (人社部发〔2021〕18号) or "wage_months" (an
    earlier local rule in months of the average wage)."""
    rule = str(raw["rule"])
    if rule == "income_2021":
        return {
            "rule": rule,
            "funeral_months": _dec(raw["funeral_months"]),
            "relief_bands": [
                (
                    _dec(r["below_years"]) if r.get("below_years") is not None else None,
                    _dec(r["months"]),
                )
                for r in raw["relief_bands"]
            ],
            "extra_per_year_above": _dec(raw["extra_per_year_above"]),
            "relief_cap_months": _dec(raw["relief_cap_months"]),
            "contribution_years_cap": _dec(raw["contribution_years_cap"]),
            "retiree_floor_months": _dec(raw["retiree_floor_months"]),
        }
    if rule == "wage_months":
        return {
            "rule": rule,
            "funeral_months": _dec(raw["funeral_months"]),
            "relief_months": _dec(raw["relief_months"]),
        }
    raise SchemaError(f"未知的丧葬抚恤计发办法 {rule!r}")


def check_temporary_account_ages(raw: Any) -> dict[str, int]:
    """{"M": 50, "F": 40}: from these ages a move outside the hukou province opens a temporary
    account (国办发〔2009〕66号)."""
    return {"M": int(raw["M"]), "F": int(raw["F"])}


def check_window(raw: Any) -> dict[str, Any]:
    """{"open_day": 11, "close_day": 6}: business accepted from the open day of a month to the
    close day of the next; closed in between (Jiangsu from 2021-08).

    With ``"same_month": true`` the window lies inside one month instead, e.g. the 6th to the
    25th (Jiangsu before 2021-08); the result always carries ``same_month``.
    """
    same_month = bool(raw.get("same_month", False))
    window: dict[str, Any] = {
        "open_day": int(raw["open_day"]),
        "close_day": int(raw["close_day"]),
        "same_month": same_month,
    }
    if same_month:
        if not (1 <= window["open_day"] < window["close_day"] <= 31):
            raise SchemaError("当月受理窗口应为：开始日 < 截止日")
    elif not (1 <= window["close_day"] < window["open_day"] <= 28):
        raise SchemaError("受理窗口应为：当月开始日 > 次月截止日")
    return window


def check_injury_float_levels(raw: Any) -> dict[int, list[Decimal]]:
    """{"1": ["1.2", "1.5"], "2": ["1.2", "1.5", "0.8", "0.5"], …}: the factors a unit's
    work-injury rate may float to, by industry class (人社部发〔2015〕71号)."""
    levels = {int(k): [_dec(v) for v in values] for k, values in dict(raw).items()}
    if sorted(levels) != list(range(1, 9)):
        raise SchemaError("工伤保险浮动档次应包含第1至第8类")
    for factors in levels.values():
        if any(f <= 0 for f in factors):
            raise SchemaError("工伤保险浮动系数应为正数")
    return levels


def check_office_hours(raw: Any) -> list[tuple[str, str]]:
    """[["08:30", "11:30"], ["13:30", "17:00"]]."""
    return [(str(a), str(b)) for a, b in raw]


def check_insurances(raw: Any) -> list[str]:
    allowed = {"pension", "medical", "maternity", "unemployment", "work_injury"}
    items = [str(x) for x in raw]
    if not set(items) <= allowed:
        raise SchemaError(f"险种只能是 {', '.join(sorted(allowed))}")
    return items


def check_latefee_cap(raw: Any) -> dict[str, Decimal | None]:
    """{"pct_of_principal": "0.40", "max_amount": "8000"}; either may be absent."""
    return {
        "pct_of_principal": _dec(raw["pct_of_principal"]) if raw.get("pct_of_principal") else None,
        "max_amount": _dec(raw["max_amount"]) if raw.get("max_amount") else None,
    }


def check_holiday_names(raw: Any) -> list[str]:
    """Holidays before which payday is advanced, by chinese-calendar name ("Spring Festival")."""
    return [str(x) for x in raw]


def check_emergency(raw: Any) -> dict[str, Any]:
    """An emergency-policy record (DOMAIN.md §12): which measures apply while it is in force."""
    measures = dict(raw)
    claim_limit_from = measures.get("unemployment_claim_limit_lifted_from")
    result: dict[str, Any] = {
        # a stable identifier of the measures (the API's ``code``); "" where the record has none
        "code": str(measures.get("code", "")),
        "name": str(measures["name"]),
        "lifted_on": date.fromisoformat(measures["lifted_on"])
        if measures.get("lifted_on")
        else None,
        "deferral_months_after_lift": int(measures.get("deferral_months_after_lift", 0)),
        "waive_late_fee": bool(measures.get("waive_late_fee", False)),
        "keep_rights_record": bool(measures.get("keep_rights_record", False)),
        "no_certification_suspension": bool(measures.get("no_certification_suspension", False)),
        "unemployment_benefit_pct": _dec(measures["unemployment_benefit_pct"])
        if measures.get("unemployment_benefit_pct")
        else None,
        "collection_extensions": [
            {
                "months": [YearMonth.parse(m) for m in ext["months"]],
                "until": date.fromisoformat(ext["until"]),
            }
            for ext in measures.get("collection_extensions", [])
        ],
        "flag_manual_operations": bool(measures.get("flag_manual_operations", False)),
        "suspend_audit_cases": bool(measures.get("suspend_audit_cases", False)),
        "priority_injury_claims": bool(measures.get("priority_injury_claims", False)),
        "provisional_death_settlement": bool(measures.get("provisional_death_settlement", False)),
        # people unemployed from this month claim without the claim time limit (Jilin, seed 000)
        "unemployment_claim_limit_lifted_from": YearMonth.parse(claim_limit_from)
        if claim_limit_from
        else None,
    }
    return result


def check_deferral(raw: Any) -> dict[str, Any]:
    """A phased deferral policy (阶段性缓缴): who may defer (``payers``: "unit", "self"), the
    months whose contributions may be deferred (``first_month``–``last_month``) and the last day
    they may then be paid by, without late fee and without loss of rights (``until``)."""
    value = dict(raw)
    payers = [str(p) for p in value.get("payers", [])]
    if not payers or not set(payers) <= {"unit", "self"}:
        raise SchemaError("可申请缓缴的缴费主体只能是 unit（单位）或 self（个人）")
    first = YearMonth.parse(str(value["first_month"]))
    last = YearMonth.parse(str(value["last_month"]))
    if last < first:
        raise SchemaError("可缓缴的最后月份不能早于第一个月份")
    until = date.fromisoformat(str(value["until"]))
    if until <= last.last_day:
        raise SchemaError("缓缴截止日期应晚于可缓缴的最后一个月")
    return {
        "name": str(value["name"]),
        "payers": payers,
        "first_month": first,
        "last_month": last,
        "until": until,
    }


# --- the catalogue -----------------------------------------------------------------------------

HUNDRED_PERCENT = Decimal(1)
SPECS: dict[str, ParameterSpec] = {}


def _spec(*args: Any, **kwargs: Any) -> None:
    spec = ParameterSpec(*args, **kwargs)
    SPECS[spec.key] = spec


# Wages and base limits
_spec(
    "wage.average_annual",
    "money",
    "社会平均工资（年）",
    "元/年",
    "核定缴费基数上下限与灵活就业缴费档次所用的全口径城镇单位就业人员平均工资",
)
_spec("wage.minimum_monthly", "money", "月最低工资标准", "元/月", "失业保险金以此为计发基础")
_spec("contribution.base_floor_pct", "rate", "缴费基数下限比例", "", "下限 = 社平工资 × 该比例")
_spec(
    "contribution.base_ceiling_pct",
    "rate",
    "缴费基数上限比例",
    "",
    "上限 = 社平工资 × 该比例",
    max=Decimal(10),
)
_spec("contribution.base_floor", "money", "缴费基数下限", "元/月", "公布的下限；未公布时按比例计算")
_spec(
    "contribution.base_ceiling", "money", "缴费基数上限", "元/月", "公布的上限；未公布时按比例计算"
)
_spec(
    "contribution.declared_wage_max_ratio",
    "decimal",
    "申报工资合理上限倍数",
    "倍",
    "申报的月平均工资超过缴费基数上限的该倍数时视为录入错误，不予受理",
)
_spec(
    "contribution.base_change_review_ratio",
    "rate",
    "申报工资变动提示比例",
    "",
    "本次申报的月平均工资比上次申报增减超过该比例时，提示审核人员核实",
    max=Decimal(10),
)
_spec(
    "contribution.insurances",
    "json",
    "征缴险种",
    "",
    "本地单位职工参加的险种",
    check=check_insurances,
)

# Rounding
_spec("rounding.base", "rounding", "缴费基数舍入", "", "缴费基数（含灵活就业档次基数）的舍入规则")
_spec("rounding.amount", "rounding", "金额舍入", "", "缴费额、滞纳金、利息等金额的舍入规则")
_spec("rounding.benefit", "rounding", "待遇舍入", "", "失业保险金等按月待遇的舍入规则")
_spec("rounding.interest", "rounding", "个人账户利息舍入", "", "个人账户记账利息的舍入规则")

# Contribution rates (unit / individual)
for _insurance, _name in (
    ("pension", "养老保险"),
    ("medical", "医疗保险（含生育）"),
    ("maternity", "生育保险"),
    ("unemployment", "失业保险"),
):
    _spec(f"rate.{_insurance}.unit", "rate", f"{_name}单位费率", "")
    _spec(f"rate.{_insurance}.individual", "rate", f"{_name}个人费率", "")
_spec("rate.medical.individual_fixed", "money", "医疗保险个人定额", "元/月", "如北京个人另缴 3 元")
_spec(
    "rate.work_injury.class_rates",
    "json",
    "工伤保险行业基准费率",
    "",
    "一类至八类行业基准费率（人社部发〔2015〕71号）",
    check=check_injury_class_rates,
)
_spec(
    "rate.work_injury.float",
    "decimal",
    "工伤保险费率浮动系数",
    "",
    "本地统一执行的浮动或阶段性下调系数",
)

_spec(
    "rate.work_injury.float_levels",
    "json",
    "工伤保险单位费率浮动档次",
    "",
    "各类行业单位费率可上浮或下浮到的基准费率倍数（人社部发〔2015〕71号）",
    check=check_injury_float_levels,
)

# Flexible employment
_spec("flexible.rate", "rate", "灵活就业养老保险费率", "")
_spec("flexible.personal_account_rate", "rate", "灵活就业记入个人账户比例", "")
_spec(
    "flexible.grades",
    "json",
    "灵活就业缴费档次",
    "%",
    "可选档次，为社平工资的百分比",
    check=check_grades,
)
_spec("flexible.grade_locked_in_year", "bool", "年度内档次不得变更", "")
_spec(
    "contribution.deferral",
    "json",
    "阶段性缓缴政策",
    "",
    "可申请缓缴的缴费主体、费款所属月份和缓缴截止日期；缓缴期间不加收滞纳金、不影响权益",
    check=check_deferral,
)

# Late fees
_spec("latefee.daily_rate", "rate", "滞纳金日费率", "", "2011-07-01 前万分之二十，此后万分之五")
_spec(
    "latefee.cap",
    "json",
    "滞纳金上限",
    "",
    "地方规定的滞纳金封顶",
    check=check_latefee_cap,
    nullable=True,
)

# Personal account and pension
_spec("pension.crediting_rate", "rate", "职工养老保险个人账户记账利率", "%/年")
_spec("pension.divisor_table", "json", "个人账户养老金计发月数表", "月", check=check_divisor_table)
_spec("pension.base_monthly", "money", "基本养老金计发基数", "元/月", "上年度全口径社平工资（月）")
_spec("pension.transitional_coefficient", "rate", "过渡性养老金计发系数", "")
_spec("pension.transitional_index_floor_one", "bool", "过渡性养老金缴费指数低于1按1计", "")
_spec("pension.min_contribution", "json", "最低缴费年限", "月", check=check_min_contribution)

# Retirement age
_spec(
    "retirement.schemes",
    "json",
    "法定退休年龄方案",
    "",
    "全国人大常委会 2024-09-13 决定及国务院办法",
    check=check_month_schemes,
)
_spec("retirement.elastic", "json", "弹性提前、延迟退休上限", "月", check=check_elastic)

# Unemployment
_spec("unemployment.min_contribution_months", "int", "领取失业保险金最低缴费月数", "月")
_spec("unemployment.duration_table", "json", "失业保险金领取期限", "月", check=check_duration_table)
_spec("unemployment.max_months", "int", "失业保险金最长领取期限（含累计）", "月")
_spec("unemployment.benefit_pct_of_min_wage", "rate", "失业保险金占最低工资比例", "")
_spec(
    "unemployment.apply_deadline_days",
    "int",
    "失业保险金申领时限",
    "天",
    "失业后须在此天数内申领；为空表示不受时限限制",
    nullable=True,
)
_spec("unemployment.near_retirement_months", "int", "距法定退休年龄不足此月数可领至退休", "月")
# Stabilising-employment refund (稳岗返还), read on the first day of the year the refund is
# applied for; the year assessed is the one before.
_spec(
    "unemployment.retention_layoff_rate_cap",
    "rate",
    "稳岗返还裁员率上限",
    "",
    "上年度裁员率不高于上年度全国城镇调查失业率控制目标",
)
_spec("unemployment.retention_small_unit_staff", "int", "稳岗返还按小企业认定的参保人数上限", "人")
_spec(
    "unemployment.retention_small_unit_layoff_rate_cap",
    "rate",
    "稳岗返还小企业裁员率上限",
    "",
    "参保职工在此人数（含）以下的企业，裁员率不高于参保职工总数的该比例",
)
_spec(
    "unemployment.retention_min_paid_months",
    "int",
    "稳岗返还须足额缴纳失业保险费的月数",
    "月",
)
_spec(
    "unemployment.retention_large_unit_staff",
    "int",
    "稳岗返还按大型企业返还的月均参保人数",
    "人",
    "上年度月均参保人数达到该数的按大型企业比例返还",
)
_spec(
    "unemployment.retention_pct_large",
    "rate",
    "稳岗返还比例（大型企业）",
    "",
    "占企业及其职工上年度实际缴纳失业保险费的比例",
)
_spec(
    "unemployment.retention_pct_sme",
    "rate",
    "稳岗返还比例（中小微企业）",
    "",
    "占企业及其职工上年度实际缴纳失业保险费的比例",
)

# Death benefits
_spec("death.scheme", "json", "丧葬补助金和抚恤金计发办法", "", check=check_death_scheme)
_spec("death.disposable_income_annual", "money", "上年度城镇居民人均可支配收入", "元/年")

# Transfers
_spec("transfer.pooled_rate", "rate", "统筹基金转移比例", "", "1998 年起实际缴费基数之和的 12%")
_spec("transfer.pooled_since", "date", "统筹基金转移计算起点", "")
_spec(
    "transfer.temporary_account_ages",
    "json",
    "建立临时缴费账户的年龄",
    "周岁",
    check=check_temporary_account_ages,
)

# Social security cards
_spec(
    "card.replacement_fee",
    "money",
    "社会保障卡补换卡工本费",
    "元/张",
    "补卡、换卡时收取的工本费；首次申领不收费，EMS 邮寄费另行到付",
)

# Payday and business calendar
_spec("payday.day", "int", "养老金发放日", "日")
_spec("payday.shift_on_weekend", "bool", "发放日逢周末提前", "")
_spec("payday.makeup_day_is_workday", "bool", "调休上班日视为发放工作日", "")
_spec(
    "payday.advance_before_holidays",
    "json",
    "节前提前发放的节日",
    "",
    "发放日前当月有这些节日假期的，提前到假期前最后一个工作日",
    check=check_holiday_names,
)
_spec("calendar.acceptance_window", "json", "业务受理时间窗口", "日", check=check_window)
_spec(
    "calendar.assessment_window",
    "json",
    "月度缴费核定期",
    "日",
    "每月这几日暂停对外办理业务、核定当月应缴社保费；核定只在此期间执行",
    check=check_window,
)
_spec("calendar.staff_change_deadline_day", "int", "人员增减申报截止日", "日")
_spec("calendar.payment_deadline_day", "int", "缴费存入截止日", "日")
_spec("calendar.office_hours", "json", "窗口办公时间", "", check=check_office_hours)
_spec(
    "appointments.slot_minutes",
    "int",
    "预约时段长度",
    "分钟",
    "办公时间按此长度划分为可预约的时段",
)
_spec("appointments.slot_capacity", "int", "每个时段可预约人数", "人", "每个部门、每个时段的名额")
_spec(
    "appointments.booking_days",
    "int",
    "可预约天数",
    "天",
    "可预约今后多少天内的时段（自次日起算，含休息日）",
)

# Labour disputes (劳动人事争议调解与仲裁) and skills assessment (职业技能等级认定)
_spec(
    "dispute.mediation_days",
    "int",
    "调解期限",
    "天",
    "自收到调解申请之日起，逾期未达成调解协议的可申请仲裁",
)
_spec(
    "dispute.arbitration_accept_days",
    "int",
    "仲裁受理决定期限",
    "天",
    "自收到仲裁申请之日起作出受理或不予受理的决定",
)
_spec(
    "dispute.hearing_notice_days",
    "int",
    "开庭通知提前天数",
    "天",
    "开庭日期须在书面通知当事人之日起的此天数之后",
)
_spec("dispute.award_days", "int", "仲裁结案期限", "天", "自受理仲裁申请之日起作出裁决")
_spec(
    "skills.plan_lead_days",
    "int",
    "认定计划提前提交天数",
    "天",
    "评价机构须不晚于开考前此天数提交认定计划和考生信息",
)

# Audit (稽核)
_spec(
    "audit.case_time_limit_days",
    "int",
    "稽核案件办理时限",
    "个工作日",
    "投诉举报立案之日起办结稽核的时限；中止期间不计入",
)

# Emergency measures
_spec(
    "emergency.measures",
    "json",
    "应急措施",
    "",
    "突发事件期间的经办应急措施",
    check=check_emergency,
)


def spec_for(key: str) -> ParameterSpec:
    spec = SPECS.get(key)
    if spec is None:
        raise SchemaError(f"未知的政策参数“{key}”", code="POLICY_KEY_UNKNOWN")
    return spec
