"""Cancellation of a flexible worker's arrears (灵活就业人员历史欠费注销, matter
``person.flexible_arrears_cancel``, handler ``flexible_arrears_cancel``; seed 001).

A person who paid as a flexible worker may give up the months they owe instead of paying them.
It cannot be undone, and the person confirms so explicitly on the form (``acknowledge``), being
told what is lost (:data:`LOSS_TEXT`): those months no longer count for pension or medical
insurance; a later back-payment of pension for them is at the grade base in force at that time,
plus interest; interrupted medical insurance cannot be back-paid.

On approval, under the bills' row locks, each of the person's self-paid bills of the months
asked for that is in arrears that day becomes cancelled (已注销): the bill and its lines stay,
with a :class:`~shebao.contributions.models.BillCancellation` row saying when, by whom, on which
application, what was owed (contributions and late fee) and why. A cancelled bill is not due,
runs no late fee, cannot be paid and counts for nothing; the history pages show it as 已注销.
One bill is cancelled once (a unique row), so approving twice or confirming twice changes
nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from shebao.applications.handlers import MatterHandler, register
from shebao.common.errors import Conflict, InvalidInput
from shebao.common.money import from_fen, money_str
from shebao.common.periods import YearMonth, check_period
from shebao.contributions.dues import Due, bills_with_state, dues_of
from shebao.contributions.models import Bill, BillCancellation, PayerKind

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor
    from shebao.applications.models import Application

HANDLER = "flexible_arrears_cancel"
# What the person gives up (shown on the form, kept with each cancelled bill).
LOSS_TEXT = (
    "欠费注销后无法恢复：注销月份不计入养老保险和医疗保险缴费年限；"
    "日后补缴注销月份的养老保险费，须按补缴时规定的档次确定缴费基数并缴纳利息；"
    "中断的医疗保险不能补缴"
)
# The form's choice of insurances: self-paid bills carry pension lines only.
INSURANCE_CHOICES = {
    "pension": ("pension",),
    "medical": ("medical",),
    "all": ("pension", "medical"),
}
MAX_MONTHS = 600


@dataclass(frozen=True)
class Cancellation:
    """One bill to cancel and what is owed on it the day of the cancellation."""

    bill: Bill
    due: Due

    def as_dict(self) -> dict[str, str]:
        return {
            "number": self.bill.number,
            "month": str(self.bill.month),
            "principal": money_str(from_fen(self.due.principal_due_fen)),
            "late_fee": money_str(from_fen(self.due.due_fen - self.due.principal_due_fen)),
        }


def cancellation_plan(
    *,
    person_id: int,
    start: YearMonth,
    end: YearMonth,
    insurances: tuple[str, ...],
    on: date,
    lock: bool = False,
) -> list[Cancellation]:
    """The person's self-paid bills of ``start``–``end`` in arrears on ``on``, oldest first,
    with what is owed on each; Conflict ``ARREARS_CANCEL_NOTHING`` when there are none."""
    check_period(
        start,
        end,
        reversed_message="注销截止年月不能早于起始年月",
        max_months=MAX_MONTHS,
        too_long_message="注销期间过长",
        too_long_code="ARREARS_CANCEL_TOO_MANY_MONTHS",
        too_long_field="end_month",
    )
    if "pension" not in insurances:
        raise Conflict(
            "您以个人身份参保形成的欠费为职工基本养老保险费，没有可注销的医疗保险欠费",
            code="ARREARS_CANCEL_NOTHING",
            field="insurances",
        )
    bills = bills_with_state(
        Bill.objects.filter(
            payer_kind=PayerKind.SELF, payer_id=person_id, month__gte=start, month__lte=end
        ),
        state=Bill.Status.ARREARS,
        on=on,
    ).order_by("month")
    if lock:
        bills = bills.select_for_update()
    found = list(bills)
    if not found:
        raise Conflict(
            f"{start.label()}至{end.label()}没有欠费，无需注销", code="ARREARS_CANCEL_NOTHING"
        )
    dues = dues_of([b.pk for b in found], on=on)
    return [Cancellation(bill=b, due=dues[b.pk]) for b in found]


def cancellations_apply(
    *, application: Application, plan: list[Cancellation], actor: Actor | None
) -> list[Bill]:
    """Cancel each bill of ``plan`` with its record (see the module's docstring)."""
    now = timezone.now()
    BillCancellation.objects.bulk_create(
        BillCancellation(
            bill=c.bill,
            application=application,
            principal_fen=c.due.principal_due_fen,
            late_fee_fen=c.due.due_fen - c.due.principal_due_fen,
            reason=LOSS_TEXT,
            cancelled_at=now,
            cancelled_by=actor.user if actor is not None else None,
        )
        for c in plan
    )
    Bill.objects.filter(pk__in=[c.bill.pk for c in plan]).update(
        status=Bill.Status.CANCELLED, updated_at=now
    )
    return [c.bill for c in plan]


@register(HANDLER)
class ArrearsCancelHandler(MatterHandler):
    """灵活就业人员历史欠费注销: the person's own bills in arrears of the months asked for become
    cancelled, each with its record, once the person confirmed what is lost."""

    auto_complete = True

    def _case(self, application: Application) -> tuple[int, YearMonth, YearMonth, tuple[str, ...]]:
        if application.person_id is None or application.unit_id is not None:
            raise InvalidInput("欠费注销须由参保人本人申请", code="PERSON_REQUIRED")
        data = application.data
        start = YearMonth.parse(str(data.get("start_month", "")), field="start_month")
        end = YearMonth.parse(str(data.get("end_month", "")), field="end_month")
        chosen = INSURANCE_CHOICES.get(str(data.get("insurances", "")))
        if chosen is None:
            raise InvalidInput("请选择注销险种", code="INSURANCES_INVALID", field="insurances")
        return application.person_id, start, end, chosen

    def plan(self, application: Application, *, lock: bool = False) -> list[Cancellation]:
        person_id, start, end, insurances = self._case(application)
        return cancellation_plan(
            person_id=person_id,
            start=start,
            end=end,
            insurances=insurances,
            on=timezone.localdate(),
            lock=lock,
        )

    def check_submit(self, application: Application) -> None:
        if application.data.get("acknowledge") is not True:
            raise InvalidInput(
                f"请确认已知晓：{LOSS_TEXT}",
                code="ARREARS_CANCEL_NOT_ACKNOWLEDGED",
                field="acknowledge",
            )
        self.plan(application)

    def reviewer_context(self, application: Application) -> dict[str, Any] | None:
        try:
            plan = self.plan(application)
        except (InvalidInput, Conflict) as refused:
            return {"template": "contributions/_arrears_cancel.html", "problem": refused.message}
        return {
            "template": "contributions/_arrears_cancel.html",
            "rows": [c.as_dict() for c in plan],
            "loss": LOSS_TEXT,
        }

    def on_approved(self, application: Application, actor: Actor | None) -> dict[str, Any]:
        self.check_submit(application)
        bills = cancellations_apply(
            application=application, plan=self.plan(application, lock=True), actor=actor
        )
        return {"bills": [b.number for b in bills], "months": [str(b.month) for b in bills]}

    def result_context(self, application: Application) -> dict[str, Any] | None:
        rows = list(
            BillCancellation.objects.filter(application=application)
            .select_related("bill")
            .order_by("bill__month")
        )
        if not rows:
            return None
        return {
            "template": "contributions/_arrears_cancel_result.html",
            "rows": [
                {
                    "number": r.bill.number,
                    "month": str(r.bill.month),
                    "principal": money_str(from_fen(r.principal_fen)),
                    "late_fee": money_str(from_fen(r.late_fee_fen)),
                }
                for r in rows
            ],
            "loss": LOSS_TEXT,
        }
