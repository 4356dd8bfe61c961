"""How parameters read to people: topics for grouping, and values formatted in Chinese.

:func:`display_value` turns a parsed value into one of three shapes a template can show:
``{"text": "16%"}``, ``{"lines": [...]}`` (a list of lines) or ``{"headers": [...],
"rows": [[...], ...]}`` (a small table).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from shebao.common.money import Rounding, yuan_display
from shebao.common.workcalendar import HOLIDAY_LABELS
from shebao.policy.schema import SPECS, ParameterSpec

TOPICS: list[tuple[str, str, tuple[str, ...]]] = [
    ("wages", "社平工资与缴费基数", ("wage.", "contribution.")),
    ("rates", "缴费费率", ("rate.",)),
    ("flexible", "灵活就业人员", ("flexible.",)),
    ("latefee", "滞纳金", ("latefee.",)),
    ("rounding", "舍入规则", ("rounding.",)),
    ("pension", "养老金与个人账户", ("pension.",)),
    ("retirement", "退休年龄", ("retirement.",)),
    ("unemployment", "失业保险", ("unemployment.",)),
    ("death", "丧葬补助金和抚恤金", ("death.",)),
    ("transfer", "关系转移接续", ("transfer.",)),
    ("calendar", "待遇发放与办事日历", ("payday.", "calendar.")),
    ("audit", "社会保险稽核", ("audit.",)),
    ("emergency", "应急措施", ("emergency.",)),
    ("dispute", "劳动人事争议与技能认定", ("dispute.", "skills.")),
]

INSURANCE_LABELS = {
    "pension": "养老",
    "medical": "医疗",
    "maternity": "生育",
    "unemployment": "失业",
    "work_injury": "工伤",
}
CLASS_LABELS = {
    1: "一类",
    2: "二类",
    3: "三类",
    4: "四类",
    5: "五类",
    6: "六类",
    7: "七类",
    8: "八类",
}
STATUS_LABELS = {"final": "正式", "provisional": "临时"}


def topic_of(key: str) -> str:
    for topic, _label, prefixes in TOPICS:
        if key.startswith(prefixes):
            return topic
    return "other"


def percent(value: Decimal) -> str:
    """0.16 → "16%", 0.0005 → "0.05%", 3 → "300%"."""
    text = format((value * 100).normalize(), "f")
    return f"{text}%"


def day_text(value: date | None) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


def period_text(start: date, end: date | None) -> str:
    return f"{day_text(start)}起" if end is None else f"{day_text(start)}至{day_text(end)}"


def _number(value: Decimal) -> str:
    return (
        format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")
    )


def _text(text: str) -> dict[str, Any]:
    return {"text": text}


def _money(value: Decimal, unit: str) -> str:
    return f"{yuan_display(value)} {unit}".strip()


def _emergency(value: dict[str, Any]) -> dict[str, Any]:
    items = [value["name"]]
    if value.get("lifted_on"):
        items.append(f"解除日：{day_text(value['lifted_on'])}")
    if value.get("deferral_months_after_lift"):
        items.append(f"未及时办理的业务可在解除后 {value['deferral_months_after_lift']} 个月内补办")
    for ext in value.get("collection_extensions", []):
        months = "、".join(m.label() for m in ext["months"])
        items.append(f"{months}应缴费用征收期延长至{day_text(ext['until'])}")
    flags = [
        ("waive_late_fee", "延期办理不收滞纳金"),
        ("keep_rights_record", "不影响个人权益记录"),
        ("no_certification_suspension", "未按期资格认证的不暂停发放待遇"),
        ("flag_manual_operations", "系统外经办和手工应急操作标识并事后稽核"),
        ("suspend_audit_cases", "已立案稽核案件中止，期限顺延"),
        ("priority_injury_claims", "医护人员工伤认定与待遇优先办理"),
        ("provisional_death_settlement", "死亡待遇暂按上年标准预结算，新标准公布后多退少补"),
    ]
    items.extend(label for flag, label in flags if value.get(flag))
    if value.get("unemployment_benefit_pct") is not None:
        items.append(f"失业保险金提高到最低工资标准的 {percent(value['unemployment_benefit_pct'])}")
    if value.get("unemployment_claim_limit_lifted_from") is not None:
        month = value["unemployment_claim_limit_lifted_from"].label()
        items.append(f"{month}以后失业的人员申领失业保险金不受时限限制")
    return {"lines": items}


def _json(spec: ParameterSpec, value: Any) -> dict[str, Any]:
    key = spec.key
    if key == "contribution.insurances":
        return _text("、".join(INSURANCE_LABELS.get(i, i) for i in value))
    if key == "rate.work_injury.class_rates":
        return {
            "headers": ["行业类别", "基准费率"],
            "rows": [[CLASS_LABELS[c], percent(r)] for c, r in sorted(value.items())],
        }
    if key == "rate.work_injury.float_levels":
        return {
            "headers": ["行业类别", "可浮动至基准费率的"],
            "rows": [
                [CLASS_LABELS[c], "、".join(percent(f) for f in factors)]
                for c, factors in sorted(value.items())
            ],
        }
    if key == "flexible.grades":
        return _text("、".join(f"{g}%" for g in value) + "（社平工资的百分比）")
    if key == "latefee.cap":
        parts = []
        if value.get("pct_of_principal") is not None:
            parts.append(f"不超过欠费本金的 {percent(value['pct_of_principal'])}")
        if value.get("max_amount") is not None:
            parts.append(f"最高 {_money(value['max_amount'], '元')}")
        return _text("，".join(parts) or "不封顶")
    if key == "pension.divisor_table":
        return {"pairs": [(f"{age}岁", f"{months}") for age, months in sorted(value.items())]}
    if key == "pension.min_contribution":
        base = f"{_number(Decimal(value['base_months']) / 12)}年"
        if value["step_months"] == 0 or value["cap_months"] <= value["base_months"]:
            return _text(f"累计缴费满{base}（{value['base_months']}个月）")
        cap = _number(Decimal(value["cap_months"]) / 12)
        return _text(
            f"{base}；自{value['from_year']}年起每年提高{value['step_months']}个月，最高{cap}年"
        )
    if key == "retirement.schemes":
        rows = []
        for scheme in value.values():
            if scheme["cap"] == 0:
                rule = "不延迟"
            else:
                rule = (
                    f"{scheme['cohort_start'].label()}起出生的，每{scheme['step']}个月延迟1个月，"
                    f"最多延迟{scheme['cap']}个月"
                )
            rows.append([scheme["label"], f"{scheme['original_age']}周岁", rule])
        return {"headers": ["类别", "原法定退休年龄", "延迟办法"], "rows": rows}
    if key == "retirement.elastic":
        return _text(
            f"弹性提前最多{value['max_early_months']}个月，弹性延迟最多{value['max_late_months']}个月"
        )
    if key == "unemployment.duration_table":
        return {
            "headers": ["累计缴费满", "最长领取"],
            "rows": [[f"{m // 12}年（{m}个月）", f"{n}个月"] for m, n in value],
        }
    if key == "death.scheme":
        if value["rule"] == "wage_months":
            return {
                "lines": [
                    "按社平工资月数计发",
                    f"丧葬补助金：{_number(value['funeral_months'])}个月社平工资",
                    f"抚恤金：{_number(value['relief_months'])}个月社平工资",
                ]
            }
        bands = []
        lower = Decimal(0)
        for below, months in value["relief_bands"]:
            if below is None:
                bands.append(
                    f"{_number(value['extra_per_year_above'])}年以上：{_number(months)}个月，"
                    f"超过{_number(value['extra_per_year_above'])}年的每满1年加1个月"
                )
            else:
                bands.append(f"{_number(lower)}年至不满{_number(below)}年：{_number(months)}个月")
                lower = below
        return {
            "lines": [
                "人社部发〔2021〕18号：按上年度城镇居民月人均可支配收入计发",
                f"丧葬补助金：{_number(value['funeral_months'])}个月",
                *[f"抚恤金（缴费年限 {b}）" for b in bands],
                f"抚恤金最多{_number(value['relief_cap_months'])}个月；缴费年限最多计"
                f"{_number(value['contribution_years_cap'])}年",
                f"退休人员每领取养老金1年减1个月，最少{_number(value['retiree_floor_months'])}个月",
            ]
        }
    if key == "transfer.temporary_account_ages":
        return _text(f"男{value['M']}周岁、女{value['F']}周岁及以上")
    if key == "payday.advance_before_holidays":
        if not value:
            return _text("不因节日提前")
        return _text("、".join(HOLIDAY_LABELS.get(n, n) for n in value) + "前提前发放")
    if key == "calendar.acceptance_window":
        if value["same_month"]:
            return _text(f"每月{value['open_day']}日至{value['close_day']}日受理")
        return _text(
            f"每月{value['open_day']}日至次月{value['close_day']}日受理；"
            f"{value['close_day'] + 1}日至{value['open_day'] - 1}日为核定期，暂停受理"
        )
    if key == "calendar.office_hours":
        return _text("、".join(f"{a}–{b}" for a, b in value) + "（工作日）")
    if key == "emergency.measures":
        return _emergency(value)
    if key == "contribution.deferral":
        payers = "、".join(
            {"unit": "单位", "self": "以个人身份参保人员"}[p] for p in value["payers"]
        )
        return _text(
            f"{value['name']}：{payers}{value['first_month'].label()}至"
            f"{value['last_month'].label()}的应缴费用可申请缓缴至{day_text(value['until'])}"
        )
    return _text(str(value))


NULL_TEXT = {
    "unemployment.apply_deadline_days": "不受时限限制",
    "latefee.cap": "不封顶",
}


def display_value(spec: ParameterSpec, value: Any) -> dict[str, Any]:
    """The value of ``spec`` in a form for people (see module docstring)."""
    if value is None:
        return _text(NULL_TEXT.get(spec.key, "无"))
    kind = spec.kind
    if kind == "money":
        return _text(_money(value, spec.unit))
    if kind == "rate":
        suffix = "（每年）" if spec.unit == "%/年" else ""
        text = percent(value) + suffix
        if spec.key == "latefee.daily_rate":
            text = f"每日 {percent(value)}"
        return _text(text)
    if kind == "decimal":
        if spec.key == "rate.work_injury.float":
            return _text(f"基准费率 × {_number(value)}")
        return _text(_number(value))
    if kind == "int":
        if spec.key.endswith("_day") or spec.key == "payday.day":
            return _text(f"每月{value}日")
        unit = "个月" if spec.unit == "月" else spec.unit
        return _text(f"{value}{unit}")
    if kind == "bool":
        return _text("是" if value else "否")
    if kind == "date":
        return _text(day_text(value))
    if kind == "rounding":
        assert isinstance(value, Rounding)
        return _text(value.describe())
    if kind == "json":
        return _json(spec, value)
    return _text(str(value))


@dataclass(frozen=True)
class Topic:
    code: str
    label: str
    rows: list[Any]


def group_by_topic(rows: list[Any]) -> list[Topic]:
    """Rows (dicts with "key", or objects with ``.key``) grouped in the order of
    :data:`TOPICS`; empty topics left out."""
    groups: dict[str, list[Any]] = {code: [] for code, _l, _p in TOPICS}
    groups["other"] = []
    for row in rows:
        key = row["key"] if isinstance(row, dict) else row.key
        groups[topic_of(key)].append(row)
    labels = {code: label for code, label, _p in TOPICS} | {"other": "其他"}
    return [Topic(code, labels[code], items) for code, items in groups.items() if items]


def spec_label(key: str) -> str:
    spec = SPECS.get(key)
    return spec.label if spec else key


# --- results and true-up -----------------------------------------------------------------------

KIND_LABELS = {
    "contribution": "职工缴费核定",
    "flexible": "灵活就业缴费",
    "unemployment": "失业保险金",
    "pension": "基本养老金",
    "death_benefit": "丧葬补助金和抚恤金",
    "payday": "养老金发放日",
}
SUBJECT_LABELS = {"person": "人员", "unit": "单位", "application": "申请", "bill": "缴费单"}
AMOUNT_LABELS = {
    "base": "缴费基数",
    "unit_total": "单位合计",
    "individual_total": "个人合计",
    "monthly": "月缴费/月待遇",
    "annual": "年缴费",
    "total": "合计",
    "funeral": "丧葬补助金",
    "relief": "抚恤金",
    "fee": "滞纳金",
    "principal": "本金",
    "interest": "利息",
}
SIDE_LABELS = {"unit": "单位", "individual": "个人"}


def amount_label(name: str) -> str:
    """ "pension.unit" → "养老·单位"; known names in Chinese; others as they are."""
    if name in AMOUNT_LABELS:
        return AMOUNT_LABELS[name]
    head, _, side = name.partition(".")
    if head in INSURANCE_LABELS and side in SIDE_LABELS:
        return f"{INSURANCE_LABELS[head]}·{SIDE_LABELS[side]}"
    return name


def _signed(value: Decimal) -> str:
    return ("+" if value > 0 else "") + yuan_display(value)


def trueup_rows(lines: list[Any]) -> list[dict[str, Any]]:
    """One row per result for the true-up table: what changed, by how much, and its state."""
    rows = []
    for line in lines:
        record = line.record
        changes = [
            {
                "label": amount_label(name),
                "old": yuan_display(line.old_amounts.get(name, Decimal(0))),
                "new": yuan_display(line.new_amounts.get(name, Decimal(0))),
                "diff": _signed(diff),
            }
            for name, diff in line.differences.items()
            if diff
        ]
        if line.error:
            state, badge = "无法重算", "danger"
        elif not line.changed:
            state, badge = (
                ("已是最新（仍含临时参数）", "provisional")
                if line.provisional
                else ("已是最新", "ok")
            )
        elif line.provisional:
            state, badge = "待结算（仍含临时参数）", "provisional"
        else:
            state, badge = "待结算", "final"
        rows.append(
            {
                "id": record.pk,
                "kind": KIND_LABELS.get(record.kind, record.kind),
                "subject": (
                    f"{SUBJECT_LABELS.get(record.subject_type, record.subject_type)} {record.subject_id}"
                    if record.subject_type
                    else "—"
                ),
                "changes": changes,
                "state": state,
                "badge": badge,
                "error": line.error,
            }
        )
    return rows


# A record whose value we chose (no published figure found) has the source "demo" in the data
# files; people read what it means instead of the marker.
DEMO_SOURCE = "demo"
DEMO_SOURCE_TEXT = "本系统演示取值"


def public_source(source: str) -> str:
    """A parameter's source as the public reads it: its citation, or 本系统演示取值."""
    source = (source or "").strip()
    return DEMO_SOURCE_TEXT if source == DEMO_SOURCE or not source else source
