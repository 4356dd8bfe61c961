"""A unit's back-payment (补缴) for an employee: the five matters of one case — the months,
the wage declared for them — accepted directly, by commitment or with missing materials as
Beijing's rules decide from the case (:mod:`shebao.rules.backpay_mode`, seed 003):

- ``unit.staff_back_payment_recent`` (近三个月, direct);
- ``unit.back_payment_general_account`` / ``unit.back_payment_temporary_account`` (承诺制);
- ``unit.back_payment_general_account_short`` / ``unit.staff_back_payment_over_3y`` (容缺受理).

The handler decides the mode from the case (the account type the matter is about, the years
paid locally, the theoretical years to 60 / 50, how far back and how long) and refuses a case
filed under the wrong matter or outside every mode, before anything is written.

The amounts are the contribution rule's own (:func:`shebao.rules.contribution.contribution`,
which the monthly assessment compiles to SQL and the public calculator runs), applied on each
past month's own parameter snapshot (:func:`.snapshots.snapshot_resolve`: that month's limits,
rates and rounding). On approval, in the approval's transaction, the months' lines are written
as ordinary :class:`ContributionLine` rows of those months pointing to their snapshots — so
each is explained like a bill line and stands in the person's record — with one back-payment
bill (补缴征集单) the unit pays through the payment channels. The late fee (滞纳金) of each month
runs by the one late-fee calculation (:func:`shebao.calculators.services.late_fee_calculate`:
the daily rate by date, the region's cap and emergency waivers) from the day after the month
was payable by to the day before the bill is issued (DOMAIN.md §4, the day-counting rule), as
the Social Insurance Law art. 86 charges it on contributions paid late.

Once: a month already assessed or back-paid for the person cannot be back-paid (the lines'
natural key is unique, and the case is checked first, with a clear message); one bill per
application (:class:`BackPayment` is one-to-one with it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from shebao.applications.handlers import MatterHandler, register
from shebao.common.errors import Conflict, DomainError, InvalidInput
from shebao.common.money import from_fen, to_fen
from shebao.common.periods import YearMonth, check_period
from shebao.contributions.models import (
    BackPayment,
    BackPaymentKind,
    BaseSource,
    ContributionLine,
    LineKind,
    ParameterSnapshot,
    PayerKind,
)
from shebao.rules import backpay_mode
from shebao.rules.backpay_mode import BackpayCase, Route

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor
    from shebao.applications.models import Application
    from shebao.registry.models import Person, Region, Unit
    from shebao.rules.latefee import LateFeeResult

# The most months one case may back-pay: from 2011-07 to now is under 200; the counter handles
# anything longer.
MAX_MONTHS = 240
TOO_LONG = f"一次最多补缴{MAX_MONTHS}个月，更长的期间请到经办机构窗口办理"
MODE_LABELS = {
    backpay_mode.DIRECT: "直接办理",
    backpay_mode.COMMITMENT: "告知承诺制",
    backpay_mode.TOLERANCE: "容缺受理",
}


def _result_of(record: BackPayment) -> dict[str, Any]:
    """An approved back-payment for the applicant's result page: its mode and the bill to pay."""
    bill = record.bill
    return {
        "template": "contributions/_backpay_result.html",
        "mode": record.acceptance_mode,
        "mode_label": MODE_LABELS.get(record.acceptance_mode, ""),
        "first_month": str(record.first_month),
        "last_month": str(record.last_month),
        "bill": bill.number,
        "bill_url": reverse("contributions:bill", args=[bill.number]),
        "unit": f"{from_fen(bill.unit_total_fen):.2f}",
        "individual": f"{from_fen(bill.individual_total_fen):.2f}",
        "late_fee": f"{from_fen(bill.backpay_late_fee_fen):.2f}",
        "total": f"{from_fen(bill.total_fen + bill.backpay_late_fee_fen):.2f}",
        "due_date": bill.due_date.isoformat(),
    }


# --- the case ------------------------------------------------------------------------------------


def _month(data: dict[str, Any], name: str) -> YearMonth | None:
    value = data.get(name)
    return YearMonth.parse(str(value), field=name) if value else None


def wage_fen_of(data: dict[str, Any]) -> int | None:
    value = data.get("base")
    if value in (None, ""):
        return None
    try:
        return to_fen(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        raise InvalidInput("请填写补缴基数", code="BACKPAY_BASE_INVALID", field="base") from None


def person_by_id_number(id_number: str) -> Person | None:
    from shebao.registry.models import Person

    return Person.objects.filter(id_number=str(id_number or "").strip().upper()).first()


def case_of(
    *, data: dict[str, Any], account: str | None, person: Person | None, on: date
) -> BackpayCase | None:
    """The case the form describes, or None while the period is not filled in."""
    first, last = _month(data, "start_month"), _month(data, "end_month")
    if first is None or last is None:
        return None
    declared_in = YearMonth.of(on)
    local = data.get("local_years")
    theoretical = None
    if person is not None:
        theoretical = backpay_mode.theoretical_months(
            sex=person.sex,
            birth_year=person.birth_date.year,
            birth_month=person.birth_date.month,
            on=declared_in,
        )
    return BackpayCase(
        first=first,
        last=last,
        declared_in=declared_in,
        account=account,
        local_months=int(local) * 12 if local not in (None, "") else None,
        theoretical_months=theoretical,
    )


def matter_names() -> dict[str, str]:
    from shebao.catalogue.models import Matter

    codes = [
        backpay_mode.RECENT,
        backpay_mode.GENERAL_COMMITMENT,
        backpay_mode.TEMPORARY_COMMITMENT,
        backpay_mode.GENERAL_SHORT,
        backpay_mode.OVER_3Y,
    ]
    return dict(Matter.objects.filter(code__in=codes).values_list("code", "name"))


# --- the amounts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedLine:
    person_id: int
    insurance: str
    wage_fen: int | None  # the declared wage the base is the clamp of (None: the floor)
    base_fen: int
    unit_fen: int
    individual_fen: int
    injury_class: int | None

    @property
    def base_source(self) -> str:
        return BaseSource.FLOOR if self.wage_fen is None else BaseSource.DECLARED


@dataclass(frozen=True)
class MonthPlan:
    """One past month: its snapshot, its lines, the day it was payable by and its late fee."""

    month: YearMonth
    snapshot: ParameterSnapshot
    lines: tuple[PlannedLine, ...]
    payable_by: date
    late_fee: LateFeeResult | None

    @property
    def unit_fen(self) -> int:
        return sum(x.unit_fen for x in self.lines)

    @property
    def individual_fen(self) -> int:
        return sum(x.individual_fen for x in self.lines)

    @property
    def total_fen(self) -> int:
        return self.unit_fen + self.individual_fen

    @property
    def late_fee_fen(self) -> int:
        return to_fen(self.late_fee.fee) if self.late_fee is not None else 0

    @property
    def base(self) -> Decimal:
        return from_fen(self.lines[0].base_fen) if self.lines else Decimal("0.00")

    @property
    def total(self) -> Decimal:
        return from_fen(self.total_fen)

    @property
    def late_fee_amount(self) -> Decimal:
        return from_fen(self.late_fee_fen)

    @property
    def provisional(self) -> bool:
        return self.snapshot.employee_provisional


@dataclass(frozen=True)
class BackpayPlan:
    region: Region
    wage_fen: int | None  # the declared wage of a staff case (None: each line's own)
    late_fee_until: date  # the day before the bill
    months: list[MonthPlan] = field(default_factory=list)

    @property
    def unit_fen(self) -> int:
        return sum(m.unit_fen for m in self.months)

    @property
    def individual_fen(self) -> int:
        return sum(m.individual_fen for m in self.months)

    @property
    def late_fee_fen(self) -> int:
        return sum(m.late_fee_fen for m in self.months)

    @property
    def wage(self) -> Decimal | None:
        return from_fen(self.wage_fen) if self.wage_fen is not None else None

    @property
    def persons(self) -> int:
        return len({x.person_id for m in self.months for x in m.lines})

    @property
    def line_count(self) -> int:
        return sum(len(m.lines) for m in self.months)

    @property
    def provisional(self) -> bool:
        return any(m.provisional for m in self.months)

    def summary(self) -> dict[str, str]:
        return {
            "unit": f"{from_fen(self.unit_fen):.2f}",
            "individual": f"{from_fen(self.individual_fen):.2f}",
            "late_fee": f"{from_fen(self.late_fee_fen):.2f}",
            "total": f"{from_fen(self.unit_fen + self.individual_fen + self.late_fee_fen):.2f}",
        }


def injury_class_in(*, unit: Unit, month: YearMonth) -> int | None:
    """The unit's work-injury class in ``month``: the dated record covering it, else the unit's
    own (as the assessment reads it)."""
    from shebao.insurance.models import UnitInjuryClass

    found = (
        UnitInjuryClass.objects.filter(unit=unit, valid_from__lte=month)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=month))
        .order_by("-valid_from")
        .values_list("injury_class", flat=True)
        .first()
    )
    return found if found is not None else unit.injury_class


def recorded_months(*, person: Person, first: YearMonth, last: YearMonth) -> list[YearMonth]:
    """The months in [first, last] the person already has a line in (assessed or back-paid,
    with any payer)."""
    return sorted(
        set(
            ContributionLine.objects.filter(
                person=person, month__gte=first, month__lte=last
            ).values_list("month", flat=True)
        )
    )


def _recorded_refusal(months: list[YearMonth], *, conflict: bool) -> DomainError:
    named = "、".join(m.label() for m in months[:6]) + ("等" if len(months) > 6 else "")
    error = Conflict if conflict else InvalidInput
    return error(
        f"{named}已有缴费记录（已核定或已补缴），不能重复补缴；已核定未缴的月份请按征集单缴费",
        code="BACKPAY_MONTHS_ALREADY_PAID",
        field="start_month",
        details={"months": [str(m) for m in months]},
    )


def _refuse_recorded(months: list[YearMonth], *, conflict: bool) -> None:
    if months:
        raise _recorded_refusal(months, conflict=conflict)


def staff_backpay_plan(
    *,
    unit: Unit,
    person: Person,
    first: YearMonth,
    last: YearMonth,
    wage_fen: int,
    on: date,
    conflict: bool = False,
) -> BackpayPlan:
    """The employee's months ``first``–``last`` at the declared wage, each by the contribution
    rule on the month's own snapshot, with each month's late fee to the day before ``on``.
    Refuses months already recorded (``BACKPAY_MONTHS_ALREADY_PAID``; a 409 when ``conflict``:
    the records changed after the submission) and a month whose parameters are missing."""
    from shebao.contributions.snapshots import snapshot_params, snapshot_resolve
    from shebao.policy.selectors import policy_scope
    from shebao.registry.selectors import pooling_region_of
    from shebao.rules.contribution import contribution

    check_period(first, last, max_months=MAX_MONTHS, too_long_message=TOO_LONG)
    if wage_fen <= 0:
        raise InvalidInput("补缴基数须大于0", code="BACKPAY_BASE_INVALID", field="base")
    _refuse_recorded(recorded_months(person=person, first=first, last=last), conflict=conflict)
    region = pooling_region_of(region=unit.district)
    until = on - timedelta(days=1)
    plan = BackpayPlan(region=region, wage_fen=wage_fen, late_fee_until=until)
    wage = from_fen(wage_fen)
    with policy_scope():
        month = first
        while month <= last:
            snapshot = snapshot_resolve(region=region, month=month)
            params = snapshot_params(snapshot)
            levied = [str(x) for x in params["contribution.insurances"].value]
            injury = injury_class_in(unit=unit, month=month) if "work_injury" in levied else None
            if "work_injury" in levied and injury is None:
                raise InvalidInput(
                    f"本单位未登记{month.label()}的工伤保险行业风险类别，不能计算工伤保险费，"
                    "请先办理单位工伤保险行业风险类别登记",
                    code="BACKPAY_INJURY_CLASS_MISSING",
                    field="start_month",
                )
            result = contribution(params, wage=wage, injury_class=injury)
            lines = tuple(
                PlannedLine(
                    person_id=person.pk,
                    insurance=share.insurance,
                    wage_fen=wage_fen,
                    base_fen=to_fen(result.base),
                    unit_fen=to_fen(share.unit),
                    individual_fen=to_fen(share.individual),
                    injury_class=injury if share.insurance == "work_injury" else None,
                )
                for share in result.lines
            )
            plan.months.append(month_plan(snapshot=snapshot, lines=lines, until=until))
            month = month + 1
    return plan


def month_plan(
    *, snapshot: ParameterSnapshot, lines: tuple[PlannedLine, ...], until: date
) -> MonthPlan:
    """A past month's lines with the late fee on their total: from the day after the month was
    payable by to ``until`` (the day before the bill), by the one late-fee calculation."""
    from shebao.calculators.services import late_fee_calculate
    from shebao.contributions.assessment import due_date

    payable = due_date(snapshot)
    total = sum(x.unit_fen + x.individual_fen for x in lines)
    fee = (
        late_fee_calculate(
            amount=from_fen(total),
            start=payable + timedelta(days=1),
            end=until,
            region=snapshot.region_id,
        )
        if until >= payable + timedelta(days=1) and total > 0
        else None
    )
    return MonthPlan(
        month=snapshot.month, snapshot=snapshot, lines=lines, payable_by=payable, late_fee=fee
    )


def backpay_record(
    *,
    application: Application,
    plan: BackpayPlan,
    kind: str,
    unit: Unit,
    person: Person | None,
    first: YearMonth,
    last: YearMonth,
    on: date,
) -> BackPayment:
    """Write the plan: the bill, its lines (set-based, one statement) and the record, in the
    caller's transaction. A concurrent case that wrote one of the months first makes the lines'
    unique key refuse (``BACKPAY_MONTHS_ALREADY_PAID``)."""
    from shebao.contributions.services import backpay_issue

    rows = [
        ContributionLine(
            month=m.month,
            region=plan.region,
            payer_kind=PayerKind.UNIT,
            payer_id=unit.pk,
            unit=unit,
            person_id=x.person_id,
            insurance=x.insurance,
            kind=LineKind.EMPLOYEE,
            wage_fen=x.wage_fen,
            base_source=x.base_source,
            base_fen=x.base_fen,
            unit_fen=x.unit_fen,
            individual_fen=x.individual_fen,
            injury_class=x.injury_class,
            snapshot=m.snapshot,
            provisional=m.provisional,
        )
        for m in plan.months
        for x in m.lines
    ]

    def refusal() -> DomainError:
        # Written by a concurrent case since this one was checked.
        found = recorded_months(person=person, first=first, last=last) if person else []
        return _recorded_refusal(found or [first], conflict=True)

    return backpay_issue(
        application=application,
        kind=kind,
        region=plan.region,
        unit=unit,
        person=person,
        first=first,
        last=last,
        on=on,
        amounts={
            "unit_total_fen": plan.unit_fen,
            "individual_total_fen": plan.individual_fen,
            "line_count": plan.line_count,
            "backpay_late_fee_fen": plan.late_fee_fen,
        },
        provisional=plan.provisional,
        rows=rows,
        refusal=refusal,
        late_fee_until=plan.late_fee_until,
        wage_fen=plan.wage_fen,
    )


# --- the handlers --------------------------------------------------------------------------------


class StaffBackPaymentHandler(MatterHandler):
    """单位申报个人补缴: one employee's months at a declared wage. ``account`` is the account
    type the matter is about (None: the matter does not depend on it)."""

    auto_complete = True
    account: str | None = None

    def _matter_code(self, application: Application) -> str:
        return application.matter.code

    def route(self, application: Application, data: dict[str, Any] | None = None) -> Route | None:
        """The mode the case fits under this matter; None while the period is not filled in.
        Raises the rule's refusal."""
        data = application.data if data is None else data
        person = person_by_id_number(data.get("subject_id_number", ""))
        case = case_of(data=data, account=self.account, person=person, on=timezone.localdate())
        if case is None:
            return None
        return backpay_mode.backpay_route(
            case, matter=self._matter_code(application), names=matter_names()
        )

    def validate(self, application: Application, data: dict[str, Any]) -> dict[str, Any]:
        # Refuse a case outside this matter's mode as soon as the period says so.
        self.route(application, data)
        wage = wage_fen_of(data)
        if wage is not None and wage <= 0:
            raise InvalidInput("补缴基数须大于0", code="BACKPAY_BASE_INVALID", field="base")
        return data

    def acceptance_mode(self, application: Application) -> str:
        try:
            route = self.route(application)
        except InvalidInput:
            route = None
        return route.mode if route is not None else application.matter.acceptance_mode

    def _case(self, application: Application) -> tuple[Unit, Person, YearMonth, YearMonth, int]:
        unit = application.unit
        if unit is None:
            raise InvalidInput("补缴须由参保单位申报", code="UNIT_REQUIRED")
        person = application.subject_person
        if person is None:
            raise InvalidInput(
                "社会保险登记中无此人，请先为其办理参保登记",
                code="SUBJECT_NOT_FOUND",
                field="subject_id_number",
            )
        first, last = (
            _month(application.data, "start_month"),
            _month(application.data, "end_month"),
        )
        wage = wage_fen_of(application.data)
        if first is None or last is None or wage is None:
            raise InvalidInput("请填写补缴起止年月和补缴基数", code="BACKPAY_CASE_INCOMPLETE")
        return unit, person, first, last, wage

    def plan(self, application: Application, *, conflict: bool = False) -> BackpayPlan:
        unit, person, first, last, wage = self._case(application)
        return staff_backpay_plan(
            unit=unit,
            person=person,
            first=first,
            last=last,
            wage_fen=wage,
            on=timezone.localdate(),
            conflict=conflict,
        )

    def check_submit(self, application: Application) -> None:
        if self.route(application) is None:
            raise InvalidInput("请填写补缴起止年月", code="BACKPAY_CASE_INCOMPLETE")
        self.plan(application)

    def reviewer_context(self, application: Application) -> dict[str, Any] | None:
        try:
            route = self.route(application)
            plan = self.plan(application)
        except InvalidInput as error:
            return {"template": "contributions/_backpay_review.html", "refusal": error.message}
        return {
            "template": "contributions/_backpay_review.html",
            "route": route,
            "mode_label": MODE_LABELS.get(route.mode, "") if route else "",
            "plan": plan,
            "totals": plan.summary(),
        }

    def result_context(self, application: Application) -> dict[str, Any] | None:
        """The mode the case is accepted in, and why; after approval the bill to pay."""
        record = BackPayment.objects.select_related("bill").filter(application=application).first()
        if record is not None:
            return _result_of(record)
        try:
            route = self.route(application)
        except InvalidInput as error:
            return {
                "template": "contributions/_backpay_result.html",
                "refusal": error.message,
                "code": error.code,
            }
        if route is None:
            return None
        return {
            "template": "contributions/_backpay_result.html",
            "mode": route.mode,
            "mode_label": MODE_LABELS.get(route.mode, ""),
            "reason": route.reason,
        }

    def on_approved(self, application: Application, actor: Actor | None) -> dict[str, Any]:
        existing = BackPayment.objects.filter(application=application).first()
        if existing is None:
            unit, person, first, last, _wage = self._case(application)
            plan = self.plan(application, conflict=True)
            existing = backpay_record(
                application=application,
                plan=plan,
                kind=BackPaymentKind.STAFF,
                unit=unit,
                person=person,
                first=first,
                last=last,
                on=timezone.localdate(),
            )
        bill = existing.bill
        return {
            "bill": bill.number,
            "months": existing.last_month - existing.first_month + 1,
            "lines": bill.line_count,
            "total": f"{from_fen(bill.total_fen):.2f}",
            "late_fee": f"{from_fen(bill.backpay_late_fee_fen):.2f}",
        }


@register("staff_back_payment_recent")
class RecentBackPaymentHandler(StaffBackPaymentHandler):
    """单位申报个人补缴（近三个月）: directly handled."""


@register("back_payment_general_account")
class GeneralAccountBackPaymentHandler(StaffBackPaymentHandler):
    """一般账户补缴（承诺制）: more than 10 years paid locally, from 2011-07, at most 3 years."""

    account = backpay_mode.GENERAL


@register("back_payment_temporary_account")
class TemporaryAccountBackPaymentHandler(StaffBackPaymentHandler):
    """临时账户补缴（承诺制）: from 2011-07, at most 3 years."""

    account = backpay_mode.TEMPORARY


@register("back_payment_general_account_short")
class GeneralAccountShortBackPaymentHandler(StaffBackPaymentHandler):
    """一般账户补缴（容缺受理）: theoretical plus local years under 10, further back than the last
    three months."""

    account = backpay_mode.GENERAL


@register("staff_back_payment_over_3y")
class OverThreeYearsBackPaymentHandler(StaffBackPaymentHandler):
    """单位申报个人补缴（2011年7月后超过3年，容缺受理）."""


# --- a month's declaration (月报补缴) ------------------------------------------------------------


def monthly_backpay_plan(*, unit: Unit, month: YearMonth, on: date) -> BackpayPlan:
    """The unit's ``month`` as the assessment would have written it for what it lacks: each
    relation of an employee in force that month with no line for it (recorded after the month
    was assessed, say), at the wage declared for the month (the floor where none was), by the
    contribution rule on the month's snapshot, with the month's late fee to the day before
    ``on``. Empty months when nothing is missing."""
    from shebao.contributions.assessment import MONTHLY_SCHEMES
    from shebao.contributions.models import ContributionBase
    from shebao.contributions.snapshots import snapshot_params, snapshot_resolve
    from shebao.insurance.models import Relation
    from shebao.policy.selectors import policy_scope
    from shebao.registry.selectors import pooling_region_of
    from shebao.rules.contribution import contribution

    region = pooling_region_of(region=unit.district)
    until = on - timedelta(days=1)
    plan = BackpayPlan(region=region, wage_fen=None, late_fee_until=until)
    with policy_scope():
        snapshot = snapshot_resolve(region=region, month=month)
        params = snapshot_params(snapshot)
        levied = [str(x) for x in params["contribution.insurances"].value]
        wanted: dict[int, set[str]] = {}
        for person_id, insurance in (
            Relation.objects.current()
            .covering(month)
            .filter(
                unit=unit,
                payer_kind=PayerKind.UNIT,
                project__isnull=True,
                scheme__in=MONTHLY_SCHEMES,
                insurance__in=levied,
            )
            .values_list("person_id", "insurance")
        ):
            wanted.setdefault(person_id, set()).add(insurance)
        for person_id, insurance in ContributionLine.objects.filter(
            month=month, payer_kind=PayerKind.UNIT, payer_id=unit.pk, person_id__in=list(wanted)
        ).values_list("person_id", "insurance"):
            wanted.get(person_id, set()).discard(insurance)
        wanted = {p: i for p, i in wanted.items() if i}
        if not wanted:
            return plan
        wages = dict(
            ContributionBase.objects.filter(
                unit=unit, person_id__in=list(wanted), superseded_at__isnull=True
            )
            .filter(valid_from__lte=month)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=month))
            .values_list("person_id", "wage_fen")
        )
        injury = injury_class_in(unit=unit, month=month)
        if "work_injury" in {i for ins in wanted.values() for i in ins} and injury is None:
            raise InvalidInput(
                f"本单位未登记{month.label()}的工伤保险行业风险类别，不能计算工伤保险费，"
                "请先办理单位工伤保险行业风险类别登记",
                code="BACKPAY_INJURY_CLASS_MISSING",
                field="period",
            )
        lines: list[PlannedLine] = []
        for person_id in sorted(wanted):
            wage_fen = wages.get(person_id)
            result = contribution(
                params,
                wage=from_fen(wage_fen or 0),
                injury_class=injury if "work_injury" in levied else None,
            )
            lines.extend(
                PlannedLine(
                    person_id=person_id,
                    insurance=share.insurance,
                    wage_fen=wage_fen,
                    base_fen=to_fen(result.base),
                    unit_fen=to_fen(share.unit),
                    individual_fen=to_fen(share.individual),
                    injury_class=injury if share.insurance == "work_injury" else None,
                )
                for share in result.lines
                if share.insurance in wanted[person_id]
            )
        plan.months.append(month_plan(snapshot=snapshot, lines=tuple(lines), until=until))
    return plan


@register("monthly_back_payment")
class MonthlyBackPaymentHandler(MatterHandler):
    """单位申报月报补缴 (directly handled, seed 003): a past month's declaration for the
    employees it lacks. The unit states how many; the system finds them from the relations in
    force that month and refuses a count that differs."""

    auto_complete = True

    def _period(self, application: Application) -> tuple[Unit, YearMonth]:
        unit = application.unit
        if unit is None:
            raise InvalidInput("补缴须由参保单位申报", code="UNIT_REQUIRED")
        month = _month(application.data, "period")
        if month is None:
            raise InvalidInput("请填写补缴所属年月", code="BACKPAY_CASE_INCOMPLETE", field="period")
        return unit, month

    def validate(self, application: Application, data: dict[str, Any]) -> dict[str, Any]:
        month = _month(data, "period")
        check_period(
            month,
            month,
            before=YearMonth.of(timezone.localdate()),
            not_past_message="补缴所属年月须早于申报当月；当月的费款按月度核定缴纳",
            not_past_field="period",
        )
        return data

    def plan(self, application: Application) -> BackpayPlan:
        unit, month = self._period(application)
        return monthly_backpay_plan(unit=unit, month=month, on=timezone.localdate())

    def _checked(self, application: Application, *, conflict: bool = False) -> BackpayPlan:
        _unit, month = self._period(application)
        plan = self.plan(application)
        error = Conflict if conflict else InvalidInput
        if not plan.months:
            raise error(
                f"本单位{month.label()}在册参保职工的费款均已核定（或已补缴），无需月报补缴",
                code="BACKPAY_MONTHS_ALREADY_PAID",
                field="period",
            )
        stated = application.data.get("staff_count")
        if stated not in (None, "") and int(stated) != plan.persons:
            raise error(
                f"补缴人数为{stated}人，系统核对{month.label()}应补缴{plan.persons}人，请核对后重新填写",
                code="BACKPAY_STAFF_COUNT_MISMATCH",
                field="staff_count",
                details={"persons": plan.persons},
            )
        return plan

    def check_submit(self, application: Application) -> None:
        self._checked(application)

    def reviewer_context(self, application: Application) -> dict[str, Any] | None:
        try:
            plan = self._checked(application)
        except InvalidInput as error:
            return {"template": "contributions/_backpay_review.html", "refusal": error.message}
        return {
            "template": "contributions/_backpay_review.html",
            "mode_label": MODE_LABELS[backpay_mode.DIRECT],
            "route": Route("unit.monthly_back_payment", backpay_mode.DIRECT, "单位申报月报补缴"),
            "plan": plan,
            "totals": plan.summary(),
        }

    def result_context(self, application: Application) -> dict[str, Any] | None:
        record = BackPayment.objects.select_related("bill").filter(application=application).first()
        return _result_of(record) if record is not None else None

    def on_approved(self, application: Application, actor: Actor | None) -> dict[str, Any]:
        existing = BackPayment.objects.filter(application=application).first()
        if existing is None:
            unit, month = self._period(application)
            plan = self._checked(application, conflict=True)
            existing = backpay_record(
                application=application,
                plan=plan,
                kind=BackPaymentKind.MONTHLY,
                unit=unit,
                person=None,
                first=month,
                last=month,
                on=timezone.localdate(),
            )
        bill = existing.bill
        return {
            "bill": bill.number,
            "months": 1,
            "lines": bill.line_count,
            "total": f"{from_fen(bill.total_fen):.2f}",
            "late_fee": f"{from_fen(bill.backpay_late_fee_fen):.2f}",
        }
