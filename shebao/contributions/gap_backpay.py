"""A flexible worker's back-payment of an interruption in their pension record (养老保险中断期补缴,
matter ``person.flexible_gap_back_payment``, handler ``flexible_gap_back_payment``; seed 001).

The person names the months of the interruption; the system computes what is owed — seed 001:
"系统会自动核算应补缴的金额" — and, once a reviewer approves, issues one back-payment bill
(补缴征集单) the person pays through the payment channels like any bill of theirs. Pension only:
"中断的医疗保险不能补缴" (seed 001), so a case asking for medical insurance is refused.

Each month of the period is one of:

- **an interruption month** — no pension line with any payer: its base is the flexible grade
  rule of that month (:func:`shebao.rules.flexible.flexible` on the month's own parameter
  snapshot), at the grade the person had chosen for it, else the grade they have now, else the
  lowest grade offered (as the monthly assessment reads an unchosen grade);
- **a cancelled month** (欠费注销, :mod:`.cancellations`) — its line stays on the cancelled bill;
  seed 001: "若再次补缴此时间段的欠费，须按补缴时规定的档次确定新的缴费基数": its base is the
  grade rule in force when it is back-paid (the snapshot of the month the bill is issued in), at
  the grade the person has then. The new line is written beside the cancelled one (``revision``
  1) and the month counts again once the bill is paid;
- anything else refuses the case before anything is written: a month paid (nothing to
  back-pay) or assessed and not yet paid (paid from its own bill, 历史欠费补缴).

Interest (补缴利息) on each month's amount runs from the month it was owed to the month the bill
is issued by the back-payment interest rule (:func:`shebao.rules.backpay.backpay_interest`, the
public calculator's :func:`shebao.calculators.services.backpay_calculate`: each year's national
crediting rate of the personal accounts, rounded once). No late fee: a self-payer's months not
paid are an interruption, not arrears. The bill carries the principal as its lines
(``individual_total_fen``) and the interest apart (``backpay_interest_fen``); both are due.

One record per application (:class:`BackPayment`, one-to-one); a month has one line per
revision, so a month back-paid once cannot be back-paid twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from shebao.applications.handlers import MatterHandler, register
from shebao.common.errors import Conflict, DomainError, InvalidInput
from shebao.common.money import from_fen, money_str, to_fen
from shebao.common.periods import YearMonth, check_period
from shebao.contributions.models import (
    BackPayment,
    BackPaymentKind,
    BaseSource,
    Bill,
    ContributionLine,
    LineKind,
    ParameterSnapshot,
    PayerKind,
)

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor
    from shebao.applications.models import Application
    from shebao.registry.models import Person, Region
    from shebao.rules.backpay import BackpayResult

HANDLER = "flexible_gap_back_payment"
MATTER = "person.flexible_gap_back_payment"
PENSION = "pension"
# The most months one case may back-pay (a working life is longer; the counter handles more).
MAX_MONTHS = 240
TOO_LONG = f"一次最多补缴{MAX_MONTHS}个月，更长的期间请到经办机构窗口办理"
# The form's choice of insurances; only pension may be back-paid.
INSURANCE_CHOICES = ("pension", "medical", "all")
MEDICAL_REFUSAL = (
    "中断的医疗保险不能补缴；养老保险中断期补缴只补缴职工基本养老保险费，请选择“职工基本养老保险”"
)


@dataclass(frozen=True)
class GapMonth:
    """One month back-paid: the snapshot its amount is computed on, the grade, the base and
    the amount (fen), and whether its arrears were cancelled before."""

    month: YearMonth
    snapshot: ParameterSnapshot
    grade: int
    base_fen: int
    amount_fen: int
    cancelled: bool

    @property
    def base(self) -> Any:
        return from_fen(self.base_fen)

    @property
    def amount(self) -> Any:
        return from_fen(self.amount_fen)

    @property
    def provisional(self) -> bool:
        return self.snapshot.flexible_provisional

    @property
    def basis(self) -> str:
        if self.cancelled:
            return f"已注销月份，按补缴时（{self.snapshot.month.label()}）规定的档次"
        return f"中断月份，按{self.month.label()}规定的档次"


@dataclass(frozen=True)
class GapPlan:
    region: Region
    pay_month: YearMonth  # the month the bill is issued in: interest runs to it
    months: list[GapMonth] = field(default_factory=list)
    interest: BackpayResult | None = None

    @property
    def principal_fen(self) -> int:
        return sum(m.amount_fen for m in self.months)

    @property
    def interest_fen(self) -> int:
        return to_fen(self.interest.interest) if self.interest is not None else 0

    @property
    def total_fen(self) -> int:
        return self.principal_fen + self.interest_fen

    @property
    def cancelled_count(self) -> int:
        return sum(1 for m in self.months if m.cancelled)

    @property
    def provisional(self) -> bool:
        return any(m.provisional for m in self.months) or bool(
            self.interest is not None and self.interest.trace.provisional
        )

    def summary(self) -> dict[str, str]:
        return {
            "principal": money_str(from_fen(self.principal_fen)),
            "interest": money_str(from_fen(self.interest_fen)),
            "total": money_str(from_fen(self.total_fen)),
        }


# --- the case ------------------------------------------------------------------------------------


def _months_of(data: dict[str, Any]) -> tuple[YearMonth | None, YearMonth | None]:
    start, end = data.get("start_month"), data.get("end_month")
    return (
        YearMonth.parse(str(start), field="start_month") if start else None,
        YearMonth.parse(str(end), field="end_month") if end else None,
    )


def check_form(data: dict[str, Any], *, today: YearMonth) -> None:
    """What the form alone says: pension only, a past period in order, not too long."""
    chosen = data.get("insurances") or PENSION
    if chosen != PENSION:
        raise InvalidInput(MEDICAL_REFUSAL, code="GAP_BACKPAY_MEDICAL_REFUSED", field="insurances")
    start, end = _months_of(data)
    check_period(
        start,
        end,
        reversed_message="中断起始年月不能晚于中断截止年月",
        before=today,
        not_past_message=f"中断截止年月须早于本月（{today.label()}）；本月及以后的费款按月缴纳",
        max_months=MAX_MONTHS,
        too_long_message=TOO_LONG,
    )


def flexible_region(person: Person) -> Region:
    """The pooling region of the person's flexible-employment pension relation (the latest);
    refuses a person who never was insured as a flexible worker."""
    from shebao.insurance.models import Category, Relation
    from shebao.registry.selectors import pooling_region_of

    relation = (
        Relation.objects.current()
        .filter(person=person, insurance=PENSION, payer_kind="self", category=Category.FLEXIBLE)
        .select_related("district")
        .order_by("-start_month")
        .first()
    )
    if relation is None:
        raise InvalidInput(
            "您未以个人身份（灵活就业人员）参加职工基本养老保险，不能办理养老保险中断期补缴；"
            "请先办理灵活就业人员参保登记",
            code="GAP_BACKPAY_NOT_FLEXIBLE",
        )
    return pooling_region_of(region=relation.district)


def _refuse_months(months: list[YearMonth], *, what: str, code: str, conflict: bool) -> None:
    if not months:
        return
    named = "、".join(m.label() for m in months[:6]) + ("等" if len(months) > 6 else "")
    error = Conflict if conflict else InvalidInput
    raise error(
        f"{named}{what}",
        code=code,
        field="start_month",
        details={"months": [str(m) for m in months]},
    )


def month_states(
    *, person: Person, start: YearMonth, end: YearMonth
) -> tuple[list[YearMonth], list[YearMonth], list[YearMonth], set[YearMonth]]:
    """The person's pension months in [start, end] by what their lines' bills say: (paid,
    assessed and open, interrupted, cancelled — the last a subset of the interrupted). One
    query."""
    states: dict[YearMonth, set[str]] = {}
    for month, status in (
        ContributionLine.objects.filter(
            person=person, insurance=PENSION, month__gte=start, month__lte=end
        )
        .values_list("month", "bill__status")
        .order_by()
    ):
        states.setdefault(month, set()).add(status)
    paid, open_, gap, cancelled = [], [], [], set()
    month = start
    while month <= end:
        found = states.get(month, set()) - {Bill.Status.CANCELLED}
        if Bill.Status.PAID in found:
            paid.append(month)
        elif found:
            open_.append(month)
        else:
            gap.append(month)
            if month in states:
                cancelled.add(month)
        month = month + 1
    return paid, open_, gap, cancelled


def grades_of(*, person: Person, start: YearMonth, end: YearMonth) -> list[tuple[Any, Any, int]]:
    """The person's grade records reaching into [start, end]: (from, to or None, grade)."""
    from shebao.insurance.models import FlexibleGrade

    return list(
        FlexibleGrade.objects.filter(person=person, valid_from__lte=end)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=start))
        .order_by("valid_from")
        .values_list("valid_from", "valid_to", "grade")
    )


def _grade_in(records: list[tuple[Any, Any, int]], month: YearMonth) -> int | None:
    found = None
    for valid_from, valid_to, grade in records:
        if valid_from <= month and (valid_to is None or valid_to >= month):
            found = grade
    return found


def gap_plan(
    *, person: Person, start: YearMonth, end: YearMonth, on: date, conflict: bool = False
) -> GapPlan:
    """The months ``start``–``end`` as the person would back-pay them on ``on`` (see the
    module's docstring), with the interest to the month of ``on``. Refuses months paid
    (``GAP_BACKPAY_MONTHS_PAID``) or assessed and unpaid (``GAP_BACKPAY_MONTHS_OPEN``), a grade
    not offered in a month (``FLEXIBLE_GRADE_INVALID``) and a month whose parameters are
    missing (``POLICY_PARAM_MISSING``); a 409 for the first two when ``conflict`` (the records
    changed after the submission)."""
    from shebao.calculators.services import backpay_calculate
    from shebao.contributions.snapshots import snapshot_params, snapshot_resolve
    from shebao.policy.selectors import policy_scope
    from shebao.rules.flexible import flexible

    today = YearMonth.of(on)
    check_form({"start_month": str(start), "end_month": str(end)}, today=today)
    region = flexible_region(person)
    paid, open_, gap, cancelled = month_states(person=person, start=start, end=end)
    _refuse_months(
        paid,
        what="的养老保险费已缴纳，不属于中断期间，请重新选择中断起止年月",
        code="GAP_BACKPAY_MONTHS_PAID",
        conflict=conflict,
    )
    _refuse_months(
        open_,
        what="的养老保险费已核定尚未缴纳，请通过“灵活就业人员历史欠费补缴”按征集单缴纳",
        code="GAP_BACKPAY_MONTHS_OPEN",
        conflict=conflict,
    )
    records = grades_of(person=person, start=min(start, today), end=today)
    plan = GapPlan(region=region, pay_month=today)
    with policy_scope():
        now_snapshot: ParameterSnapshot | None = None
        for month in gap:
            if month in cancelled:
                if now_snapshot is None:
                    now_snapshot = snapshot_resolve(region=region, month=today)
                snapshot = now_snapshot
                grade = _grade_in(records, today)
            else:
                snapshot = snapshot_resolve(region=region, month=month)
                grade = _grade_in(records, month) or _grade_in(records, today)
            params = snapshot_params(snapshot)
            if grade is None:
                # Never chosen: the lowest grade offered, as the monthly assessment reads it.
                grades = params.get("flexible.grades")
                grade = min(grades.value) if grades is not None else 0
            try:
                result = flexible(params, grade=int(grade))
            except DomainError as error:
                raise type(error)(
                    f"{month.label()}：{error.message}",
                    code=error.code,
                    field="start_month",
                    details=error.details,
                ) from None
            plan.months.append(
                GapMonth(
                    month=month,
                    snapshot=snapshot,
                    grade=int(grade),
                    base_fen=to_fen(result.base),
                    amount_fen=to_fen(result.monthly),
                    cancelled=month in cancelled,
                )
            )
    if plan.months:
        try:
            interest = backpay_calculate(
                months=[(m.month, m.amount) for m in plan.months], pay_month=today
            )
        except DomainError as error:
            if error.code != "POLICY_PARAM_MISSING":
                raise
            raise InvalidInput(
                "补缴期间有年度的职工养老保险个人账户记账利率尚未收录，无法计算补缴利息，"
                "请到经办机构窗口办理",
                code="GAP_BACKPAY_RATE_MISSING",
                field="start_month",
            ) from None
        plan = GapPlan(region=region, pay_month=today, months=plan.months, interest=interest)
    return plan


def gap_record(
    *,
    application: Application,
    plan: GapPlan,
    person: Person,
    start: YearMonth,
    end: YearMonth,
    on: date,
) -> BackPayment:
    """Write the plan in the caller's transaction: the bill (principal as its lines' total,
    interest apart), a line per month — revision 1 for a cancelled month, beside its cancelled
    line — and the record. A concurrent case that wrote one of the months first makes the
    lines' unique key refuse (``GAP_BACKPAY_MONTHS_PAID``)."""
    from shebao.contributions.services import backpay_issue

    rows = [
        ContributionLine(
            month=m.month,
            region=plan.region,
            payer_kind=PayerKind.SELF,
            payer_id=person.pk,
            unit=None,
            person=person,
            insurance=PENSION,
            kind=LineKind.FLEXIBLE,
            grade=m.grade,
            base_source=BaseSource.GRADE,
            base_fen=m.base_fen,
            unit_fen=0,
            individual_fen=m.amount_fen,
            snapshot=m.snapshot,
            provisional=m.provisional,
            revision=1 if m.cancelled else 0,
        )
        for m in plan.months
    ]
    return backpay_issue(
        application=application,
        kind=BackPaymentKind.GAP,
        region=plan.region,
        unit=None,
        person=person,
        first=start,
        last=end,
        on=on,
        amounts={
            "unit_total_fen": 0,
            "individual_total_fen": plan.principal_fen,
            "line_count": len(plan.months),
            "backpay_interest_fen": plan.interest_fen,
        },
        provisional=plan.provisional,
        rows=rows,
        refusal=lambda: Conflict(
            "所选月份已由其他业务补缴，请刷新后核对", code="GAP_BACKPAY_MONTHS_PAID"
        ),
        late_fee_until=on,
    )


def result_of(record: BackPayment) -> dict[str, Any]:
    """An approved interruption back-payment for the applicant: the bill, principal and
    interest apart, and where to pay it."""
    bill = record.bill
    return {
        "template": "contributions/_gap_backpay_result.html",
        "first_month": str(record.first_month),
        "last_month": str(record.last_month),
        "months": bill.line_count,
        "bill": bill.number,
        "bill_url": reverse("contributions:bill", args=[bill.number]),
        "principal": money_str(from_fen(bill.individual_total_fen)),
        "interest": money_str(from_fen(bill.backpay_interest_fen)),
        "total": money_str(from_fen(bill.total_fen + bill.backpay_interest_fen)),
        "due_date": bill.due_date.isoformat(),
        "paid": bill.status == Bill.Status.PAID,
    }


# --- the handler ---------------------------------------------------------------------------------


@register(HANDLER)
class GapBackPaymentHandler(MatterHandler):
    """养老保险中断期补缴: the person's interrupted pension months back-paid, each at the grade
    rule of the month (a cancelled month: of the back-payment's month), with interest."""

    auto_complete = True

    def _case(self, application: Application) -> tuple[Person, YearMonth, YearMonth]:
        if application.person_id is None or application.unit_id is not None:
            raise InvalidInput("养老保险中断期补缴须由参保人本人申请", code="PERSON_REQUIRED")
        start, end = _months_of(application.data)
        if start is None or end is None:
            raise InvalidInput("请填写中断起止年月", code="BACKPAY_CASE_INCOMPLETE")
        assert application.person is not None
        return application.person, start, end

    def plan(self, application: Application, *, conflict: bool = False) -> GapPlan:
        person, start, end = self._case(application)
        return gap_plan(
            person=person, start=start, end=end, on=timezone.localdate(), conflict=conflict
        )

    def validate(self, application: Application, data: dict[str, Any]) -> dict[str, Any]:
        check_form(data, today=YearMonth.of(timezone.localdate()))
        return data

    def check_submit(self, application: Application) -> None:
        self.plan(application)

    def reviewer_context(self, application: Application) -> dict[str, Any] | None:
        try:
            plan = self.plan(application)
        except DomainError as error:
            return {"template": "contributions/_gap_backpay_review.html", "refusal": error.message}
        return {
            "template": "contributions/_gap_backpay_review.html",
            "plan": plan,
            "totals": plan.summary(),
            "years": [
                {
                    "year": y.year,
                    "rate": f"{y.rate * 100:.2f}%",
                    "interest": f"{y.interest:.4f}",
                }
                for y in (plan.interest.years if plan.interest is not None else ())
            ],
        }

    def result_context(self, application: Application) -> dict[str, Any] | None:
        record = BackPayment.objects.select_related("bill").filter(application=application).first()
        return result_of(record) if record is not None else None

    def on_approved(self, application: Application, actor: Actor | None) -> dict[str, Any]:
        record = BackPayment.objects.filter(application=application).first()
        if record is None:
            person, start, end = self._case(application)
            plan = self.plan(application, conflict=True)
            record = gap_record(
                application=application,
                plan=plan,
                person=person,
                start=start,
                end=end,
                on=timezone.localdate(),
            )
        bill = record.bill
        return {
            "bill": bill.number,
            "months": bill.line_count,
            "principal": money_str(from_fen(bill.individual_total_fen)),
            "interest": money_str(from_fen(bill.backpay_interest_fen)),
        }
