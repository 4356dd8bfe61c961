"""Refunds applied for (社会保险费退费，含基数差退费; matter ``unit.refund``, handler ``refund``).

A payer — a unit for its bills, or a self-paying person for their own — applies with the
amount, the months and the account. What may be refunded is computed from the records, bill by
bill, never taken from the form:

- a bill's **credit** is what was paid on it beyond its total and its late fee, less what
  refunds already drew from it (:class:`~shebao.payments.models.RefundAllocation`). A total can fall below what was
  paid when adjustments (多退少补) are carried into it after an order or a deduction file was made
  for the old amount, or below zero when the adjustments carried in exceed the month's lines;
- **overpaid / mistaken** (多缴、重复缴费、误缴): the credits of the payer's bills of the months
  applied for;
- **base difference** (基数差退费): a base corrected downward leaves negative adjustments of the
  employee's months (:class:`~shebao.contributions.models.ContributionAdjustment`) in a later
  bill; what of them that bill's credit still holds is refundable, for the months applied for.

Seed 003: refunds are accepted by commitment (承诺制) and need a telephone confirmation with the
insured person. Staff record each call (:func:`refund_call_record`: who answered, the number,
when, the outcome) after accepting the case; the approval is refused
(``REFUND_PHONE_NOT_CONFIRMED``) unless the latest call confirmed it. The approval recomputes
the refundable amount under the payer's bill locks, refuses more (``REFUND_EXCEEDS_REFUNDABLE``),
and creates the one refund of the application (a unique constraint), already confirmed, with
its allocations; finance staff then pay it through the channel's adapter
(:func:`shebao.payments.services.refund_pay`), which completes the case.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from shebao.applications.handlers import MatterHandler, register
from shebao.common.errors import Conflict, InvalidInput, NotFound
from shebao.common.money import from_fen, money_str, to_fen
from shebao.common.periods import YearMonth, check_period
from shebao.contributions.dues import dues_of
from shebao.contributions.models import Bill, ContributionAdjustment, PayerKind
from shebao.payments.models import Channel, Payment, Refund, RefundAllocation, RefundCall

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor
    from shebao.applications.models import Application

HANDLER = "refund"
OVERPAID, BASE_DIFFERENCE, MISTAKEN = "overpaid", "base_difference", "mistaken"
KIND_LABELS = {OVERPAID: "多缴、重复缴费退费", BASE_DIFFERENCE: "基数差退费", MISTAKEN: "误缴退费"}
TO_UNIT, TO_PERSON = "unit", "person"


@dataclass(frozen=True)
class BillCredit:
    """One bill of the payer and what of it may be refunded (integer fen)."""

    bill: Bill
    total_fen: int  # the bill's lines and the adjustments carried in
    paid_fen: int  # the payments recorded on it
    refunded_fen: int  # what refunds already drew from it
    base_difference_fen: int = 0  # the employee's downward differences carried in (≥ 0)
    late_fee_fen: int = 0  # the late fee the bill owes: paid towards it, it is not a credit

    @property
    def credit_fen(self) -> int:
        return max(self.paid_fen - self.total_fen - self.late_fee_fen - self.refunded_fen, 0)

    def refundable_fen(self, kind: str) -> int:
        if kind == BASE_DIFFERENCE:
            return min(self.credit_fen, self.base_difference_fen)
        return self.credit_fen


@dataclass(frozen=True)
class Refundable:
    """What a payer may have refunded for a kind of refund and months: the bills, each with
    its refundable part, oldest first."""

    kind: str
    start: YearMonth
    end: YearMonth
    credits: list[BillCredit] = field(default_factory=list)

    @property
    def total_fen(self) -> int:
        return sum(c.refundable_fen(self.kind) for c in self.credits)

    @property
    def total(self) -> Decimal:
        return from_fen(self.total_fen)

    @property
    def rows(self) -> list[tuple[BillCredit, int]]:
        return [(c, c.refundable_fen(self.kind)) for c in self.credits]

    def allocate(self, amount_fen: int) -> list[tuple[Bill, int]]:
        """``amount_fen`` drawn from the bills' refundable parts, oldest bill first."""
        left, parts = amount_fen, []
        for credit in self.credits:
            take = min(left, credit.refundable_fen(self.kind))
            if take > 0:
                parts.append((credit.bill, take))
                left -= take
        if left:
            raise Conflict(
                f"申请退费金额超过可退金额 {money_str(self.total)} 元",
                code="REFUND_EXCEEDS_REFUNDABLE",
            )
        return parts


def _sum(model: Any, column: str, **filters: Any) -> Coalesce:
    rows = model.objects.filter(**filters).values("bill_id").annotate(s=Sum(column)).values("s")
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def refundable_for(
    *,
    payer_kind: str,
    payer_id: int,
    kind: str,
    start: YearMonth,
    end: YearMonth,
    person_id: int | None = None,
    lock: bool = False,
) -> Refundable:
    """What the payer may have refunded (see the module's docstring). For a base-difference
    refund, the months are those of the employee's (``person_id``) corrected lines, wherever
    their differences were carried; otherwise the months of the bills. ``lock`` takes the row
    locks of the payer's bills (the approval's transaction), which serialise every payment and
    refund on them."""
    bills = Bill.objects.filter(payer_kind=payer_kind, payer_id=payer_id)
    base_diff: dict[int, int] = {}
    if kind == BASE_DIFFERENCE:
        rows = (
            ContributionAdjustment.objects.filter(
                payer_kind=payer_kind,
                payer_id=payer_id,
                month__gte=start,
                month__lte=end,
                **({"person_id": person_id} if person_id is not None else {}),
            )
            .values("bill_id")
            .annotate(u=Sum("unit_diff_fen"), i=Sum("individual_diff_fen"))
            .values_list("bill_id", "u", "i")
            .order_by()
        )
        base_diff = {pk: max(-(u + i), 0) for pk, u, i in rows}
        bills = bills.filter(pk__in=[pk for pk, fen in base_diff.items() if fen > 0])
    else:
        bills = bills.filter(month__gte=start, month__lte=end)
    if lock:
        list(bills.select_for_update().order_by("pk").values_list("pk", flat=True))
    annotated = bills.annotate(
        paid=_sum(Payment, "amount_fen", bill_id=OuterRef("pk")),
        refunded=_sum(RefundAllocation, "amount_fen", bill_id=OuterRef("pk")),
    ).order_by("month", "pk")
    found = list(annotated)
    # Only a bill paid beyond its total may hold a credit; what of that paid a late fee does not.
    fees = {
        pk: due.late_fee_fen
        for pk, due in dues_of(
            [b.pk for b in found if int(b.paid) > b.total_fen], on=timezone.localdate()
        ).items()
    }
    credits = [
        BillCredit(
            bill=bill,
            total_fen=bill.total_fen,
            paid_fen=int(bill.paid),
            refunded_fen=int(bill.refunded),
            base_difference_fen=base_diff.get(bill.pk, 0),
            late_fee_fen=fees.get(bill.pk, 0),
        )
        for bill in found
    ]
    return Refundable(
        kind=kind, start=start, end=end, credits=[c for c in credits if c.refundable_fen(kind)]
    )


# --- the application ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """A refund application read from its form: the payer, what is asked and where it goes."""

    payer_kind: str
    payer_id: int
    kind: str
    start: YearMonth
    end: YearMonth
    amount_fen: int
    refund_to: str
    person_id: int | None  # the employee (the insured person) the case names

    def refundable(self, *, lock: bool = False) -> Refundable:
        return refundable_for(
            payer_kind=self.payer_kind,
            payer_id=self.payer_id,
            kind=self.kind,
            start=self.start,
            end=self.end,
            person_id=self.person_id if self.kind == BASE_DIFFERENCE else None,
            lock=lock,
        )


def _amount_fen(value: Any) -> int:
    try:
        amount = Decimal(str(value if value is not None else "").strip())
    except (InvalidOperation, ValueError):
        amount = Decimal(0)
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise InvalidInput("申请退费金额须大于零，精确到分", code="AMOUNT_INVALID", field="amount")
    return to_fen(amount)


def case_of(application: Application) -> Case:
    data = application.data
    start = YearMonth.parse(str(data.get("start_month", "")), field="start_month")
    end = YearMonth.parse(str(data.get("end_month", "")), field="end_month")
    check_period(start, end, reversed_message="退费截止年月不能早于起始年月")
    kind = str(data.get("refund_type", ""))
    if kind not in KIND_LABELS:
        raise InvalidInput("请选择退费类型", code="REFUND_TYPE_INVALID", field="refund_type")
    if application.unit_id:
        payer_kind, payer_id = PayerKind.UNIT, application.unit_id
    else:
        payer_kind, payer_id = PayerKind.SELF, application.person_id
    return Case(
        payer_kind=payer_kind,
        payer_id=payer_id,
        kind=kind,
        start=start,
        end=end,
        amount_fen=_amount_fen(data.get("amount")),
        refund_to=str(data.get("refund_to", "")),
        person_id=application.subject_person_id,
    )


def latest_call(application: Application) -> RefundCall | None:
    return (
        RefundCall.objects.filter(application=application)
        .select_related("recorded_by")
        .order_by("-called_at", "-id")
        .first()
    )


def _require_confirmed(application: Application) -> RefundCall:
    call = latest_call(application)
    if call is None:
        raise Conflict(
            "退费须先与参保人电话核实确认：请记录接听人、拨打号码、通话时间和核实结果后再审核通过",
            code="REFUND_PHONE_NOT_CONFIRMED",
        )
    if call.outcome != RefundCall.Outcome.CONFIRMED:
        raise Conflict(
            f"最近一次电话核实（{timezone.localtime(call.called_at):%Y-%m-%d %H:%M}）结果为"
            f"“{call.get_outcome_display()}”，未经参保人确认不能审核通过退费",
            code="REFUND_PHONE_NOT_CONFIRMED",
        )
    return call


def _payee(application: Application, case: Case) -> tuple[Any, Any, str]:
    """(unit, person, account name) of whom the refund goes to."""
    if case.refund_to == TO_UNIT and application.unit_id:
        return application.unit, None, application.unit.name
    person = application.subject_person if application.unit_id else application.person
    if person is None:
        raise InvalidInput(
            "社会保险登记中无此人，不能退至参保人本人账户",
            code="SUBJECT_NOT_FOUND",
            field="subject_id_number",
        )
    return None, person, person.name


@register(HANDLER)
class RefundHandler(MatterHandler):
    """社会保险费退费: the refundable amount from the records, the telephone confirmation before
    the approval, one refund paid through the channel."""

    def validate(self, application: Application, data: dict[str, Any]) -> dict[str, Any]:
        if application.applicant_kind == "individual":
            own = application.person.id_number if application.person_id else ""
            if data.get("subject_id_number") and data["subject_id_number"] != own:
                raise InvalidInput(
                    "个人申请退费只能退本人缴纳的社会保险费，参保人须为本人",
                    code="SUBJECT_NOT_SELF",
                    field="subject_id_number",
                )
            if data.get("refund_to") == TO_UNIT:
                raise InvalidInput(
                    "个人申请的退费只能退至本人账户",
                    code="REFUND_TO_INVALID",
                    field="refund_to",
                )
        if data.get("amount") not in (None, ""):
            _amount_fen(data.get("amount"))
        return data

    def check_submit(self, application: Application) -> None:
        case = case_of(application)
        if case.kind == BASE_DIFFERENCE and case.person_id is None:
            raise InvalidInput(
                "社会保险登记中无此人，无法核算基数差退费",
                code="SUBJECT_NOT_FOUND",
                field="subject_id_number",
            )
        _payee(application, case)
        refundable = case.refundable()
        label = KIND_LABELS[case.kind]
        if refundable.total_fen == 0:
            raise Conflict(
                f"{case.start.label()}至{case.end.label()}没有可退的{label}款项"
                "（缴费记录中没有多缴或已冲减的差额）",
                code="REFUND_NOTHING_REFUNDABLE",
            )
        if case.amount_fen > refundable.total_fen:
            raise Conflict(
                f"申请退费金额 {money_str(from_fen(case.amount_fen))} 元超过可退金额 "
                f"{money_str(refundable.total)} 元",
                code="REFUND_EXCEEDS_REFUNDABLE",
                field="amount",
            )

    def reviewer_context(self, application: Application) -> dict[str, Any] | None:
        try:
            case = case_of(application)
        except InvalidInput:
            return None
        refundable = case.refundable()
        return {
            "template": "payments/_refund_review.html",
            "kind": KIND_LABELS[case.kind],
            "refundable": refundable,
            "asked": from_fen(case.amount_fen),
            "within": case.amount_fen <= refundable.total_fen,
            "calls": list(
                RefundCall.objects.filter(application=application).select_related("recorded_by")
            ),
            "outcomes": RefundCall.Outcome.choices,
            "may_call": application.status == "accepted",
            "number": application.number,
            "refund": Refund.objects.filter(application=application).first(),
        }

    def on_approved(self, application: Application, actor: Actor | None) -> dict[str, Any]:
        call = _require_confirmed(application)
        existing = Refund.objects.filter(application=application).first()
        if existing is not None:
            return {"refund": existing.number, "amount": money_str(existing.amount)}
        case = case_of(application)
        refundable = case.refundable(lock=True)
        if case.amount_fen > refundable.total_fen:
            raise Conflict(
                f"申请退费金额 {money_str(from_fen(case.amount_fen))} 元超过现可退金额 "
                f"{money_str(refundable.total)} 元（其间已有退费或缴费记录变化），不能审核通过",
                code="REFUND_EXCEEDS_REFUNDABLE",
            )
        parts = refundable.allocate(case.amount_fen)
        unit, person, account_name = _payee(application, case)
        refund = _refund_open(
            application=application,
            case=case,
            parts=parts,
            unit=unit,
            person=person,
            account_name=account_name,
            call=call,
        )
        return {"refund": refund.number, "amount": money_str(refund.amount)}

    def result_context(self, application: Application) -> dict[str, Any] | None:
        refund = Refund.objects.filter(application=application).first()
        if refund is None:
            return None
        return {
            "template": "payments/_refund_result.html",
            "number": refund.number,
            "amount": money_str(refund.amount),
            "status": refund.get_status_display(),
            "account": refund.masked_account,
            "paid_at": refund.paid_at.isoformat() if refund.paid_at else "",
        }


def _refund_open(
    *,
    application: Application,
    case: Case,
    parts: list[tuple[Bill, int]],
    unit: Any,
    person: Any,
    account_name: str,
    call: RefundCall,
) -> Refund:
    from shebao.common.identifiers import normalize_bank_account
    from shebao.payments.services import _number

    now = timezone.now()
    account = normalize_bank_account(
        "".join(str(application.data.get("receiving_account", "")).split()),
        field="receiving_account",
    )
    refund = Refund.objects.create(
        number=f"TMP{application.pk:020d}"[:24],
        payer_kind=PayerKind.UNIT if unit is not None else PayerKind.SELF,
        payer_id=(unit or person).pk,
        unit=unit,
        person=person,
        bill=parts[0][0],
        application=application,
        amount_fen=case.amount_fen,
        channel=Channel.BANK,
        account_number=account,
        account_name=account_name[:100],
        reason=f"{KIND_LABELS[case.kind]}（{case.start.label()}至{case.end.label()}）"[:200],
        status=Refund.Status.CONFIRMED,
        confirmed_by=call.recorded_by,
        confirmed_at=call.called_at,
        confirmed_phone=call.phone,
        confirmed_with=call.spoke_with,
        confirmed_note=call.note,
        created_at=now,
    )
    refund.number = _number("TF", refund.pk, now)
    refund.save(update_fields=["number"])
    RefundAllocation.objects.bulk_create(
        RefundAllocation(refund=refund, bill=bill, amount_fen=fen) for bill, fen in parts
    )
    return refund


def refund_call_record(
    *,
    actor: Actor,
    number: str,
    phone: str,
    spoke_with: str,
    outcome: str,
    note: str = "",
    called_at: datetime | None = None,
) -> RefundCall:
    """Record a telephone call confirming the refund application ``number`` with the payer:
    the reviewing staff (REVIEW of the case's department and district), once the case is
    accepted and before the decision."""
    from shebao.applications.models import Application
    from shebao.applications.selectors import application_get, is_reviewer
    from shebao.payments.services import phone_number

    if not actor.is_staff:
        raise NotFound("未找到该申请，或您无权查看", code="APPLICATION_NOT_FOUND")
    found = application_get(actor=actor, number=number)
    with transaction.atomic():
        application = Application.objects.select_for_update(of=("self",)).get(pk=found.pk)
        if found.matter.handler != HANDLER or not is_reviewer(actor, application):
            raise NotFound("未找到该退费申请，或您无权办理", code="APPLICATION_NOT_FOUND")
        if application.status != Application.Status.ACCEPTED:
            raise Conflict("电话核实须在受理之后、审核决定之前记录", code="REFUND_CALL_NOT_OPEN")
        text = phone_number(phone)
        who = " ".join((spoke_with or "").split())[:50]
        if not who:
            raise InvalidInput(
                "请填写接听人（如：参保人本人 张三）",
                code="SPOKE_WITH_REQUIRED",
                field="spoke_with",
            )
        if outcome not in RefundCall.Outcome.values:
            raise InvalidInput("请选择核实结果", code="OUTCOME_INVALID", field="outcome")
        now = timezone.now()
        when = called_at or now
        if timezone.is_naive(when):
            when = timezone.make_aware(when)
        if when > now or (application.submitted_at and when < application.submitted_at):
            raise InvalidInput(
                "通话时间须在申请提交之后、不晚于现在", code="CALLED_AT_INVALID", field="called_at"
            )
        return RefundCall.objects.create(
            application=application,
            phone=text,
            spoke_with=who,
            called_at=when,
            outcome=outcome,
            note=" ".join((note or "").split())[:200],
            recorded_by=actor.user,
            recorded_at=now,
        )
