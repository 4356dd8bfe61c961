"""稳岗返还 (the unemployment insurance's stabilising-employment refund): a unit's eligibility
for a year and the amount, computed from its records.

The rule (the national notices of 2022–2025: 人社部发〔2022〕23号, 国办发〔2023〕11号, the 2024
notice of the ministry, finance and tax administration, 人社部发〔2025〕18号; each number is a
dated record of the policy data, ``unemployment.retention_*``, read on the first day of the
year the refund is applied for, with its source):

1. the unit paid its unemployment insurance in full for at least ``min_paid_months`` months of
   the year (its bills of those months carrying unemployment lines are paid);
2. it has no arrears now (no unpaid bill past its due date);
3. its layoff rate — the employees whose unemployment insurance with the unit ended in the year
   because the unit ended the employment, over the year's average monthly number of employees
   insured for unemployment with it — is not above the national control target of the urban
   surveyed unemployment rate (``layoff_rate_cap``); a unit of at most ``small_unit_staff``
   employees may lay off up to ``small_unit_layoff_rate_cap`` of them;
4. the refund is ``pct`` of the unemployment contributions (the unit's and the employees'
   shares) actually paid for the months of the year — the lines of its paid bills and the
   adjustments carried into paid bills — at the large-enterprise rate from
   ``large_unit_staff`` average employees on, the small and medium rate below; rounded by the
   region's amount rounding.

What counts as a layoff (裁员) is a separation the unit initiated, read from the reason given
when the employee was removed (退工停保's 解除或终止原因, one by one or by roster):
用人单位解除劳动合同, 用人单位提出、协商一致解除, and 因用人单位过错劳动者被迫解除. A contract
that simply expired, a resignation, retirement and death are not layoffs (the notices do not
define the term; local rules differ, some counting new unemployment-benefit claimants).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Q, Sum
from django.utils import timezone

from shebao.common.money import from_fen, quantize
from shebao.common.periods import YearMonth
from shebao.contributions.models import (
    Bill,
    ContributionAdjustment,
    ContributionLine,
    PayerKind,
)
from shebao.insurance.models import EndReason, Relation, StaffChangeLine
from shebao.registry.models import Unit

UNEMPLOYMENT = "unemployment"
# Separations the unit initiated (the codes of 退工停保's leave_reason choices).
LAYOFF_REASONS = {
    "unit_dismissal": "用人单位解除劳动合同",
    "mutual_by_unit": "用人单位提出、协商一致解除",
    "forced_resignation": "因用人单位过错劳动者被迫解除",
}
PARAMS = (
    "layoff_rate_cap",
    "small_unit_staff",
    "small_unit_layoff_rate_cap",
    "min_paid_months",
    "large_unit_staff",
    "pct_large",
    "pct_sme",
)
RATE_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class Condition:
    """One condition of the rule, met or not, with the figures that decide it in Chinese."""

    label: str
    met: bool
    detail: str


@dataclass(frozen=True)
class Source:
    label: str
    value: str
    source: str
    period: str


@dataclass
class Assessment:
    """A unit's 稳岗返还 for ``year`` (the year assessed), applied for in ``year + 1``."""

    unit: Unit
    year: int
    available: bool = True  # False: no policy in force for the application year
    staff_avg: Decimal = Decimal("0.00")
    layoffs: list[tuple[str, str, str]] = field(default_factory=list)  # name, month, reason
    layoff_rate: Decimal = Decimal("0.0000")
    rate_cap: Decimal = Decimal(0)
    paid_months: int = 0
    arrears: list[str] = field(default_factory=list)  # bill numbers
    paid_fen: int = 0
    large: bool = False
    pct: Decimal = Decimal(0)
    amount_fen: int = 0
    conditions: list[Condition] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return self.available and all(c.met for c in self.conditions) and self.amount_fen > 0

    @property
    def amount(self) -> Decimal:
        return from_fen(self.amount_fen)

    @property
    def paid(self) -> Decimal:
        return from_fen(self.paid_fen)

    @property
    def pct_text(self) -> str:
        return _percent(self.pct)

    @property
    def unmet(self) -> list[Condition]:
        return [c for c in self.conditions if not c.met]


def _percent(value: Decimal) -> str:
    text = format((value * 100).normalize(), "f")
    return f"{text}%"


def _params(region: str, on: date) -> dict[str, Any] | None:
    from shebao.policy.display import period_text, public_source, spec_label
    from shebao.policy.selectors import param_or_none

    found = {
        name: param_or_none(region=region, key=f"unemployment.retention_{name}", on=on)
        for name in PARAMS
    }
    if any(p is None for p in found.values()):
        return None
    sources = [
        Source(
            label=spec_label(p.ref.key),
            value=_percent(p.value) if isinstance(p.value, Decimal) else str(p.value),
            source=public_source(p.ref.source),
            period=period_text(p.ref.valid_from, p.ref.valid_to),
        )
        for p in found.values()
        if p is not None
    ]
    return {"values": {k: p.value for k, p in found.items() if p is not None}, "sources": sources}


def _months(year: int) -> list[YearMonth]:
    return [YearMonth(year, m) for m in range(1, 13)]


def _staff_avg(unit: Unit, year: int) -> Decimal:
    """The year's average monthly number of employees insured for unemployment with the unit."""
    months = _months(year)
    spells = list(
        Relation.objects.current()
        .filter(unit=unit, insurance=UNEMPLOYMENT, start_month__lte=months[-1])
        .filter(Q(end_month__isnull=True) | Q(end_month__gte=months[0]))
        .values_list("person_id", "start_month", "end_month")
    )  # one read for the year, counted month by month as ``covering`` does
    total = sum(
        len(
            {
                person
                for person, start, end in spells
                if start <= month and (end is None or end >= month)
            }
        )
        for month in months
    )
    return (Decimal(total) / 12).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _layoffs(unit: Unit, year: int) -> list[tuple[str, str, str]]:
    """The employees whose unemployment insurance with the unit ended in ``year`` because the
    unit ended the employment: (name, last month, reason)."""
    ended = (
        Relation.objects.current()
        .filter(
            unit=unit,
            insurance=UNEMPLOYMENT,
            end_reason=EndReason.LEAVE,
            end_month__gte=YearMonth(year, 1),
            end_month__lte=YearMonth(year, 12),
        )
        .select_related("person", "application")
        .order_by("end_month", "person_id")
    )
    found: dict[int, tuple[str, str, str]] = {}
    for relation in ended:
        reason = ""
        if relation.application is not None:
            reason = str(relation.application.data.get("leave_reason", ""))
            if not reason:
                reason = (
                    StaffChangeLine.objects.filter(
                        application=relation.application, person=relation.person
                    )
                    .values_list("leave_reason", flat=True)
                    .first()
                    or ""
                )
        if reason in LAYOFF_REASONS:
            found[relation.person_id] = (
                relation.person.name,
                relation.end_month.label(),
                LAYOFF_REASONS[reason],
            )
    return list(found.values())


def _paid_months(unit: Unit, year: int) -> int:
    """Months of the year whose bill carries unemployment lines and is paid."""
    months = set(
        ContributionLine.objects.filter(
            payer_kind=PayerKind.UNIT,
            payer_id=unit.pk,
            insurance=UNEMPLOYMENT,
            month__gte=YearMonth(year, 1),
            month__lte=YearMonth(year, 12),
        )
        .values_list("month", flat=True)
        .distinct()
    )
    paid = set(
        Bill.objects.filter(
            payer_kind=PayerKind.UNIT,
            payer_id=unit.pk,
            month__in=list(months),
            status=Bill.Status.PAID,
        ).values_list("month", flat=True)
    )
    return len(months & paid)


def _paid_fen(unit: Unit, year: int) -> int:
    """The unemployment contributions paid for the months of ``year``: the lines of the paid
    bills of those months, and the adjustments of those months carried into paid bills."""
    months = Q(month__gte=YearMonth(year, 1), month__lte=YearMonth(year, 12))
    lines = ContributionLine.objects.filter(
        months,
        payer_kind=PayerKind.UNIT,
        payer_id=unit.pk,
        insurance=UNEMPLOYMENT,
        bill__status=Bill.Status.PAID,
    ).aggregate(u=Sum("unit_fen"), i=Sum("individual_fen"))
    adjustments = ContributionAdjustment.objects.filter(
        months,
        payer_kind=PayerKind.UNIT,
        payer_id=unit.pk,
        insurance=UNEMPLOYMENT,
        bill__status=Bill.Status.PAID,
    ).aggregate(u=Sum("unit_diff_fen"), i=Sum("individual_diff_fen"))
    return sum(int(v or 0) for v in (*lines.values(), *adjustments.values()))


def _arrears(unit: Unit, today: date) -> list[str]:
    from shebao.contributions.dues import dues_of, overdue_q

    # Past the day they were payable by (a deferral's included), whether or not the daily
    # step has marked them arrears yet.
    unpaid = dict(
        Bill.objects.filter(
            overdue_q(today), payer_kind=PayerKind.UNIT, payer_id=unit.pk
        ).values_list("pk", "number")
    )
    dues = dues_of(unpaid, on=today)
    return sorted(unpaid[pk] for pk, due in dues.items() if due.due_fen > 0)


def assess(*, unit: Unit, year: int, today: date | None = None) -> Assessment:
    """The unit's 稳岗返还 for ``year`` (see the module's docstring), as of ``today``."""
    from shebao.policy.selectors import param
    from shebao.registry.selectors import pooling_region_of

    today = today or timezone.localdate()
    region = pooling_region_of(region=unit.district).code
    result = Assessment(unit=unit, year=year)
    found = _params(region, date(year + 1, 1, 1))
    if found is None:
        result.available = False
        return result
    p = found["values"]
    result.sources = found["sources"]
    result.staff_avg = _staff_avg(unit, year)
    result.layoffs = _layoffs(unit, year)
    result.paid_months = _paid_months(unit, year)
    result.arrears = _arrears(unit, today)
    result.paid_fen = _paid_fen(unit, year)
    small = result.staff_avg <= p["small_unit_staff"]
    result.rate_cap = p["small_unit_layoff_rate_cap"] if small else p["layoff_rate_cap"]
    if result.staff_avg > 0:
        result.layoff_rate = (Decimal(len(result.layoffs)) / result.staff_avg).quantize(
            RATE_PLACES, ROUND_HALF_UP
        )
    result.large = result.staff_avg >= p["large_unit_staff"]
    result.pct = p["pct_large"] if result.large else p["pct_sme"]
    rounding = param(region=region, key="rounding.amount", on=date(year + 1, 1, 1)).value
    result.amount_fen = int(quantize(from_fen(result.paid_fen) * result.pct, rounding) * 100)
    months_needed = p["min_paid_months"]
    result.conditions = [
        Condition(
            "足额缴纳失业保险费",
            result.paid_months >= months_needed,
            f"{year}年已缴清失业保险费 {result.paid_months} 个月，须满 {months_needed} 个月",
        ),
        Condition(
            "无欠费",
            not result.arrears,
            "没有逾期未缴的征集单"
            if not result.arrears
            else f"有逾期未缴的征集单 {'、'.join(result.arrears[:5])}"
            + ("等" if len(result.arrears) > 5 else ""),
        ),
        Condition(
            "裁员率",
            result.staff_avg > 0 and result.layoff_rate <= result.rate_cap,
            (
                f"{year}年裁员 {len(result.layoffs)} 人，月均参保 {result.staff_avg} 人，"
                f"裁员率 {_percent(result.layoff_rate)}，不得高于 {_percent(result.rate_cap)}"
                + (
                    f"（参保职工 {p['small_unit_staff']} 人（含）以下的企业）"
                    if small
                    else "（上年度全国城镇调查失业率控制目标）"
                )
                if result.staff_avg > 0
                else f"{year}年没有失业保险参保职工"
            ),
        ),
    ]
    return result
