"""Deferral of contributions (缓缴): the individual's application (个人缓缴申请, seed 000, matter
``person.contribution_deferral``) and a unit's under an emergency measure (单位缓缴申请, seed 003,
matter ``unit.contribution_deferral``).

What may be deferred, and until when, is read from the records in force on the day of the
application, never from the form or the code:

- a phased deferral policy (policy parameter ``contribution.deferral``): who may defer
  (``payers``), the months whose contributions may be deferred and the last day they may then
  be paid by (nationally: a self-paying person's 2020 pension contributions until the end of
  2021, 人社部发〔2020〕49号 第五条);
- an emergency measure's extended collection period (``emergency.measures``,
  ``collection_extensions``: Beijing's January and February 2020 contributions until the end
  of March, seed 003), for units and self-paying persons alike.

A deferral moves the day a bill is payable by (``Bill.deferred_to``): inside it no late fee
runs and the bill is not in arrears (:mod:`shebao.contributions.dues` reads that day), and the
months keep counting as the payment records them — no loss of rights. Each deferred bill keeps a
:class:`~shebao.contributions.models.BillDeferral` row saying from which day to which and why.
The months asked for are checked at submission and again under the bills' row locks on
approval; every month must have an issued, unpaid bill that a record in force lets be deferred
to a later day than it is payable by now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from shebao.applications.handlers import MatterHandler, register
from shebao.common.errors import Conflict, InvalidInput
from shebao.common.periods import YearMonth, check_period
from shebao.contributions.dues import payable_by
from shebao.contributions.models import Bill, BillDeferral, PayerKind

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor
    from shebao.applications.models import Application

POLICY_KEY = "contribution.deferral"
# The most months one application may defer (a phased policy covers one year).
MAX_MONTHS = 12


def _label(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass(frozen=True)
class DeferralWindow:
    """Months whose contributions a record lets a payer pay by ``until`` instead."""

    title: str  # the record's name (the policy's, the emergency measures')
    source: str  # its document
    first: YearMonth
    last: YearMonth
    months: frozenset[YearMonth]
    until: date

    def covers(self, month: YearMonth) -> bool:
        return month in self.months

    def text(self) -> str:
        return f"按{self.title}，可缓缴至{_label(self.until)}"


def deferral_windows(*, region: str, payer_kind: str, on: date) -> list[DeferralWindow]:
    """The deferrals open to a payer of ``payer_kind`` (unit, self) in ``region`` on ``on``:
    the phased policy's in force that day, and the collection periods the emergency measures in
    force that day extend."""
    from shebao.policy.emergency import measure_in_force
    from shebao.policy.selectors import param_or_none

    windows: list[DeferralWindow] = []
    measure = measure_in_force(region=region, on=on)
    if measure is not None:
        for ext in measure.value["collection_extensions"]:
            months = frozenset(ext["months"])
            windows.append(
                DeferralWindow(
                    measure.title, measure.source, min(months), max(months), months, ext["until"]
                )
            )
    record = param_or_none(region=region, key=POLICY_KEY, on=on)
    if record is not None and payer_kind in record.value["payers"]:
        value = record.value
        first, last = value["first_month"], value["last_month"]
        months = frozenset(first + n for n in range(last - first + 1))
        windows.append(
            DeferralWindow(value["name"], record.ref.source, first, last, months, value["until"])
        )
    return windows


def window_for(windows: list[DeferralWindow], month: YearMonth) -> DeferralWindow | None:
    """The window that defers ``month`` the furthest, or None."""
    covering = [w for w in windows if w.covers(month)]
    return max(covering, key=lambda w: w.until) if covering else None


@dataclass(frozen=True)
class Deferral:
    """One bill to defer: the day it is payable by now and the window that moves it."""

    bill: Bill
    payable_before: date
    window: DeferralWindow

    def as_dict(self) -> dict[str, str]:
        """JSON-safe, for the reviewer's page and the API's staff detail."""
        return {
            "number": self.bill.number,
            "month": str(self.bill.month),
            "payable_before": self.payable_before.isoformat(),
            "deferred_to": self.window.until.isoformat(),
            "basis": self.window.title,
        }


def deferral_plan(
    *,
    payer_kind: str,
    payer_id: int,
    start: YearMonth,
    end: YearMonth,
    on: date,
    lock: bool = False,
) -> list[Deferral]:
    """The payer's bills of ``start``–``end`` and how each is deferred, as read on ``on``;
    raises a domain error naming the first month that cannot be (no bill, paid, not covered,
    the day already passed, nothing later). ``lock`` takes the bills' row locks."""
    check_period(
        start,
        end,
        reversed_message="缓缴截止年月不能早于起始年月",
        max_months=MAX_MONTHS,
        too_long_message=f"一次最多申请缓缴 {MAX_MONTHS} 个月",
        too_long_code="DEFERRAL_TOO_MANY_MONTHS",
        too_long_field="end_month",
    )
    bills = Bill.objects.filter(
        payer_kind=payer_kind, payer_id=payer_id, month__gte=start, month__lte=end
    ).order_by("month")
    if lock:
        bills = bills.select_for_update()
    by_month = {bill.month: bill for bill in bills}
    windows: dict[str, list[DeferralWindow]] = {}
    plan: list[Deferral] = []
    for n in range(end - start + 1):
        month = start + n
        bill = by_month.get(month)
        if bill is None:
            raise Conflict(
                f"{month.label()}尚未生成征集单，不能申请缓缴；请在征集单生成后申请",
                code="DEFERRAL_NO_BILL",
                field="start_month",
            )
        if bill.status == Bill.Status.PAID:
            raise Conflict(
                f"{month.label()}的征集单（{bill.number}）已缴费，无需缓缴",
                code="DEFERRAL_BILL_PAID",
                field="start_month",
            )
        if bill.region_id not in windows:
            windows[bill.region_id] = deferral_windows(
                region=bill.region_id, payer_kind=payer_kind, on=on
            )
        window = window_for(windows[bill.region_id], month)
        if window is None:
            raise Conflict(
                f"{month.label()}的应缴费用不在现行阶段性缓缴政策或应急措施规定的缓缴范围内",
                code="DEFERRAL_NOT_COVERED",
                field="start_month",
            )
        if on > window.until:
            raise Conflict(
                f"{month.label()}应缴费用的缓缴期限（{_label(window.until)}）已过，不能再申请缓缴",
                code="DEFERRAL_PERIOD_PASSED",
                field="start_month",
            )
        before = payable_by(bill)
        if window.until <= before:
            raise Conflict(
                f"{month.label()}的征集单缴费截止日期已是{_label(before)}，无需再申请缓缴",
                code="DEFERRAL_NOT_LATER",
                field="start_month",
            )
        plan.append(Deferral(bill=bill, payable_before=before, window=window))
    return plan


def deferrals_apply(*, application: Application, plan: list[Deferral], on: date) -> list[Bill]:
    """Move each bill of ``plan`` to its window's day, with its record; a bill in arrears that
    the new day makes payable again is unpaid again (the daily step would do the same)."""
    now = timezone.now()
    changed: list[Bill] = []
    for item in plan:
        bill = item.bill
        BillDeferral.objects.create(
            bill=bill,
            application=application,
            payable_before=item.payable_before,
            deferred_to=item.window.until,
            basis=item.window.title[:200],
            source=item.window.source[:300],
            created_at=now,
        )
        bill.deferred_to = item.window.until
        if bill.status == Bill.Status.ARREARS and on <= bill.deferred_to:
            bill.status = Bill.Status.UNPAID
        bill.updated_at = now
        bill.save(update_fields=["deferred_to", "status", "updated_at"])
        changed.append(bill)
    return changed


class DeferralHandler(MatterHandler):
    """A deferral application: the payer's bills of the months asked for move to the day the
    records in force allow; approval ends the case."""

    auto_complete = True
    payer_kind: str = PayerKind.SELF

    def payer_id(self, application: Application) -> int:
        raise NotImplementedError

    def months(self, application: Application) -> tuple[YearMonth, YearMonth]:
        data = application.data
        start = YearMonth.parse(str(data.get("start_month", "")), field="start_month")
        end = YearMonth.parse(str(data.get("end_month", "")), field="end_month")
        return start, end

    def plan(self, application: Application, *, lock: bool = False) -> list[Deferral]:
        start, end = self.months(application)
        return deferral_plan(
            payer_kind=self.payer_kind,
            payer_id=self.payer_id(application),
            start=start,
            end=end,
            on=timezone.localdate(),
            lock=lock,
        )

    def check_submit(self, application: Application) -> None:
        self.plan(application)

    def reviewer_context(self, application: Application) -> dict[str, Any] | None:
        try:
            plan = self.plan(application)
        except (InvalidInput, Conflict) as refused:
            return {"template": "contributions/_deferral.html", "problem": refused.message}
        return {"template": "contributions/_deferral.html", "rows": [d.as_dict() for d in plan]}

    def on_approved(self, application: Application, actor: Actor | None) -> dict[str, Any]:
        today = timezone.localdate()
        bills = deferrals_apply(
            application=application, plan=self.plan(application, lock=True), on=today
        )
        return {
            "bills": [b.number for b in bills],
            "deferred_to": [b.deferred_to.isoformat() for b in bills],
        }

    def result_context(self, application: Application) -> dict[str, Any] | None:
        rows = list(
            BillDeferral.objects.filter(application=application)
            .select_related("bill")
            .order_by("bill__month")
        )
        if not rows:
            return None
        return {
            "template": "contributions/_deferral_result.html",
            "rows": [
                {
                    "number": r.bill.number,
                    "month": str(r.bill.month),
                    "payable_before": r.payable_before.isoformat(),
                    "deferred_to": r.deferred_to.isoformat(),
                    "basis": r.basis,
                }
                for r in rows
            ],
        }


@register("contribution_deferral")
class PersonDeferralHandler(DeferralHandler):
    """个人缓缴申请: a self-paying person's own bills (only the person themself applies)."""

    payer_kind = PayerKind.SELF

    def payer_id(self, application: Application) -> int:
        if application.person_id is None or application.unit_id is not None:
            raise InvalidInput("个人缓缴须由参保人本人申请", code="PERSON_REQUIRED")
        return application.person_id


@register("unit_contribution_deferral")
class UnitDeferralHandler(DeferralHandler):
    """单位缓缴申请: a unit's bills of the months an emergency measure extends the collection of."""

    payer_kind = PayerKind.UNIT

    def payer_id(self, application: Application) -> int:
        if application.unit_id is None:
            raise InvalidInput("单位缓缴须由参保单位申请", code="UNIT_REQUIRED")
        return application.unit_id
