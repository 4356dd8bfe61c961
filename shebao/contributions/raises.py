"""Mid-year upward adjustment of a base (企业职工社会保险缴费基数调整（上调）, ``unit.base_raise``,
handler ``base_raise``).

A unit raises one employee's base from a month — possibly one already assessed, even paid. At
submission the case is checked against the records: the employee is on the unit's roster in
that month, the new wage is above the wage in force then (the floor for an employee never
declared) and within the month's ceiling (a raise above the ceiling changes nothing), and no
declaration starts after that month. On approval, in the approval's transaction:

1. the new wage becomes the :class:`ContributionBase` record from the month (the record in
   force before is closed the month before; one from the same month is superseded);
2. the months it reaches back to — the employee's assessed months from that month on — are
   computed again with the rules' own formulas on each month's latest snapshot, and the
   difference to what was charged goes into the unit's next unpaid bill as adjustment lines
   (:func:`shebao.contributions.trueup.adjust_months`, cause ``base_raise``): set-based, and
   keyed by the new base record, so nothing is ever carried twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.utils import timezone

from shebao.applications.handlers import MatterHandler, register
from shebao.common.errors import InvalidInput
from shebao.common.money import from_fen, to_fen
from shebao.common.periods import YearMonth
from shebao.contributions.models import (
    AdjustmentCause,
    Bill,
    ContributionBase,
    ContributionLine,
    PayerKind,
)
from shebao.insurance.models import Relation

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor
    from shebao.applications.models import Application
    from shebao.registry.models import Unit

MATTER = "unit.base_raise"
# How far back a raise may reach (months before the current one).
MAX_MONTHS_BACK = 36
# How many months ahead the next unpaid bill is looked for.
INTO_SEARCH = 24


def _money_fen(data: dict[str, Any], name: str) -> int:
    from decimal import Decimal, InvalidOperation

    try:
        return to_fen(Decimal(str(data.get(name, ""))))
    except (InvalidOperation, ValueError):
        raise InvalidInput("请填写金额", code="AMOUNT_INVALID", field=name) from None


def into_month(*, unit: Unit, today: YearMonth) -> YearMonth:
    """The unit's next bill the difference is carried into: the first month from ``today`` on
    whose bill is not paid (a paid bill takes nothing more)."""
    paid = set(
        Bill.objects.filter(
            payer_kind=PayerKind.UNIT,
            payer_id=unit.pk,
            kind=Bill.Kind.MONTHLY,
            month__gte=today,
            month__lt=today + INTO_SEARCH,
            status=Bill.Status.PAID,
        ).values_list("month", flat=True)
    )
    month = today
    while month in paid:
        month = month + 1
    return month


def raise_months(
    *, unit: Unit, person_id: int, start: YearMonth, into: YearMonth
) -> list[YearMonth]:
    """The employee's months assessed with the unit from ``start`` up to before ``into``."""
    return sorted(
        set(
            ContributionLine.objects.filter(
                month__gte=start,
                month__lt=into,
                payer_kind=PayerKind.UNIT,
                payer_id=unit.pk,
                person_id=person_id,
            ).values_list("month", flat=True)
        )
    )


@register("base_raise")
class BaseRaiseHandler(MatterHandler):
    """缴费基数调整（上调）: the employee's new wage from the month; the months reached back to
    assessed again, the difference carried into the next bill."""

    auto_complete = True

    def _case(self, application: Application) -> tuple[Unit, Any, YearMonth, int, int]:
        unit = application.unit
        person = application.subject_person
        if unit is None:
            raise InvalidInput("缴费基数调整须由参保单位申请", code="UNIT_REQUIRED")
        if person is None:
            raise InvalidInput(
                "社会保险登记中无此人", code="SUBJECT_NOT_FOUND", field="subject_id_number"
            )
        month = YearMonth.parse(
            str(application.data.get("effective_month", "")), field="effective_month"
        )
        return (
            unit,
            person,
            month,
            _money_fen(application.data, "current_base"),
            _money_fen(application.data, "new_base"),
        )

    def validate(self, application: Application, data: dict[str, Any]) -> dict[str, Any]:
        upward = not (data.get("current_base") and data.get("new_base")) or _money_fen(
            data, "new_base"
        ) > _money_fen(data, "current_base")
        if not upward:
            raise InvalidInput(
                "调整后缴费基数须高于现缴费基数；下调基数须提供说明材料到窗口办理",
                code="BASE_RAISE_NOT_UPWARD",
                field="new_base",
            )
        return data

    def check_submit(self, application: Application) -> None:
        from shebao.contributions.bases import month_limits
        from shebao.contributions.selectors import base_in_force

        unit, person, month, _current, new = self._case(application)
        today = YearMonth.of(timezone.localdate())
        if month > today + 1:
            raise InvalidInput(
                f"调整起始年月不能晚于{(today + 1).label()}",
                code="BASE_RAISE_MONTH_FUTURE",
                field="effective_month",
            )
        if today - month > MAX_MONTHS_BACK:
            raise InvalidInput(
                f"缴费基数调整最多追溯{MAX_MONTHS_BACK}个月；更早的月份请办理补缴",
                code="BASE_RAISE_TOO_FAR_BACK",
                field="effective_month",
            )
        if not Relation.objects.current().covering(month).filter(unit=unit, person=person).exists():
            raise InvalidInput(
                f"{person.name}{month.label()}未在本单位参保，不能调整缴费基数",
                code="BASE_RAISE_NOT_ON_ROSTER",
                field="subject_id_number",
            )
        if ContributionBase.objects.filter(
            unit=unit, person=person, superseded_at__isnull=True, valid_from__gt=month
        ).exists():
            raise InvalidInput(
                f"已申报{month.label()}以后月份起的缴费基数，请从该申报的月份起调整",
                code="BASE_RAISE_LATER_DECLARATION",
                field="effective_month",
            )
        limits = month_limits(region=unit.district_id, month=month)
        record = base_in_force(unit_id=unit.pk, person_id=person.pk, month=month)
        in_force = limits.clamp(record.wage_fen).base if record is not None else limits.floor
        if from_fen(new) <= in_force:
            raise InvalidInput(
                f"{month.label()}该职工的缴费基数为{in_force:,.2f}元，调整后缴费基数须高于此数",
                code="BASE_RAISE_NOT_UPWARD",
                field="new_base",
            )
        if from_fen(new) > limits.ceiling:
            raise InvalidInput(
                f"调整后缴费基数不能高于{month.label()}缴费基数上限{limits.ceiling:,.2f}元",
                code="BASE_RAISE_ABOVE_CEILING",
                field="new_base",
            )

    def reviewer_context(self, application: Application) -> dict[str, Any] | None:
        from shebao.contributions.bases import month_limits
        from shebao.contributions.selectors import base_in_force

        try:
            unit, person, month, _current, new = self._case(application)
            limits = month_limits(region=unit.district_id, month=month)
        except InvalidInput:
            return None
        record = base_in_force(unit_id=unit.pk, person_id=person.pk, month=month)
        into = into_month(unit=unit, today=YearMonth.of(timezone.localdate()))
        return {
            "template": "contributions/_base_raise_review.html",
            "limits": limits,
            "in_force": limits.clamp(record.wage_fen) if record is not None else None,
            "new": limits.clamp(new),
            "month": month,
            "into": into,
            "months": raise_months(unit=unit, person_id=person.pk, start=month, into=into),
        }

    def on_approved(self, application: Application, actor: Actor | None) -> dict[str, Any]:
        from shebao.contributions.trueup import Scope, adjust_months
        from shebao.registry.selectors import pooling_region_of

        self.check_submit(application)
        unit, person, month, _current, new = self._case(application)
        now = timezone.now()
        current = ContributionBase.objects.filter(
            unit=unit, person=person, superseded_at__isnull=True
        )
        current.filter(valid_from=month).update(superseded_at=now)
        current.filter(valid_from__lt=month).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=month)
        ).update(valid_to=month - 1)
        record = ContributionBase.objects.create(
            unit=unit,
            person=person,
            year=month.year,
            valid_from=month,
            wage_fen=new,
            application=application,
            recorded_at=now,
            recorded_by=actor.user if actor is not None else None,
        )
        into = into_month(unit=unit, today=YearMonth.of(timezone.localdate()))
        months = raise_months(unit=unit, person_id=person.pk, start=month, into=into)
        written = adjust_months(
            region=pooling_region_of(region=unit.district),
            months=months,
            into=into,
            cause=AdjustmentCause.BASE_RAISE,
            scope=Scope(unit_id=unit.pk, person_ids=(person.pk,)),
        )
        return {
            "base": record.pk,
            "months": [str(m) for m in months],
            "into": str(into),
            "adjustments": written,
        }
