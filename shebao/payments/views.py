"""Pages: the counter, receipts, the payer's pay button and the local bank's cashier, the
bank's deduction files, refunds. Thin: parse, call one selector or service, render."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shebao.accounts import actors
from shebao.accounts.decorators import actor_required
from shebao.common.errors import DomainError
from shebao.common.periods import YearMonth
from shebao.contributions import selectors as bill_selectors
from shebao.contributions.dues import due_parts
from shebao.payments import bankfile, localbank, selectors, services
from shebao.payments.access import finance_require, payable_bill, payer_district
from shebao.payments.channels import ADAPTERS
from shebao.payments.models import Channel, DeductionAgreement


@actor_required(actors.STAFF)
@require_http_methods(["GET", "POST"])
def counter(request: HttpRequest) -> HttpResponse:
    """柜台收款: find a bill by number, take the amount due, issue the receipt."""
    actor = request.actor  # type: ignore[attr-defined]
    finance_require(actor, district=None)
    number = (request.POST.get("bill") or request.GET.get("bill") or "").strip()[:24]
    bill = due = None
    error = ""
    if number:
        try:
            bill = bill_selectors.bill_for_reader(actor=actor, number=number)
            finance_require(actor, district=payer_district(bill))
            due = due_parts(bill, on=timezone.localdate())
        except DomainError as refused:
            bill, error = None, refused.message
    if request.method == "POST" and bill is not None:
        try:
            payment, created = services.counter_pay(
                actor=actor,
                bill=bill,
                amount=request.POST.get("amount", ""),
                slip=request.POST.get("slip", ""),
                note=request.POST.get("note", "")[:100],
            )
        except DomainError as refused:
            error = refused.message
            due = due_parts(bill, on=timezone.localdate())
        else:
            if created:
                messages.success(request, f"已收款 {payment.amount} 元，缴费凭证已生成。")
            return redirect("payments:receipt", payment.receipt.number)
    return render(
        request,
        "payments/counter.html",
        {"number": number, "bill": bill, "due": due, "error": error, "slip": uuid.uuid4().hex},
        status=422 if error and request.method == "POST" else 200,
    )


@actor_required(actors.UNIT, actors.INDIVIDUAL)
def mine(request: HttpRequest) -> HttpResponse:
    """The payer's payments (缴费凭证), newest first, each with its receipt and bill."""
    from shebao.contributions.views import PAGE_SIZE, _page_number, _paged

    actor = request.actor  # type: ignore[attr-defined]
    if actor.is_unit:
        bill_selectors.unit_for_reader(actor=actor, credit_code=actor.unit.credit_code)
    number = _page_number(request)
    total, rows = selectors.receipts_for_payer(
        actor=actor, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE
    )
    return render(
        request,
        "payments/mine.html",
        {"page": _paged(request, total, rows, PAGE_SIZE), "total": total, "query": ""},
    )


@actor_required(actors.UNIT, actors.INDIVIDUAL, actors.STAFF)
@require_GET
def receipt(request: HttpRequest, number: str) -> HttpResponse:
    """缴费凭证."""
    found = selectors.receipt_for_reader(actor=request.actor, number=number)  # type: ignore[attr-defined]
    return render(request, "payments/receipt.html", {"receipt": found})


@actor_required(actors.UNIT, actors.INDIVIDUAL)
@require_POST
def pay(request: HttpRequest, number: str) -> HttpResponse:
    """The payer pays a bill online: the open order (or a new one), then the channel's cashier."""
    actor = request.actor  # type: ignore[attr-defined]
    bill = payable_bill(actor=actor, number=number)
    try:
        order, _ = services.order_create(actor=actor, bill=bill)
    except DomainError as refused:
        messages.error(request, refused.message)
        return redirect("contributions:bill", bill.number)
    return redirect(ADAPTERS[Channel.ONLINE].pay_url(order))


@require_http_methods(["GET", "POST"])
def cashier(request: HttpRequest, number: str) -> HttpResponse:
    """模拟网银: the local channel's cashier (the bank's page, played by the hall). Opened by
    the signed link the hall gave the payer; on confirm the bank's server notifies the hall."""
    token = request.GET.get("t", "")
    order = selectors.order_for_cashier(number=number)
    if order is None or not localbank.cashier_token_valid(number, token):
        raise Http404("订单不存在")
    error = ""
    if request.method == "POST" and order.status == order.Status.OPEN:
        try:
            payment, _ = localbank.notice_send(order)
        except DomainError as refused:
            error = refused.message
        else:
            return render(
                request, "payments/cashier.html", {"order": order, "payment": payment, "t": token}
            )
    return render(
        request,
        "payments/cashier.html",
        {"order": order, "t": token, "error": error, "payment": getattr(order, "payment", None)},
    )


@actor_required(actors.STAFF)
@require_http_methods(["GET", "POST"])
def bank(request: HttpRequest) -> HttpResponse:
    """银行代扣: the agreements, the month's deduction files (export one here)."""
    from shebao.registry.models import Person, Unit
    from shebao.registry.selectors import region_get

    actor = request.actor  # type: ignore[attr-defined]
    finance_require(actor, district=None)
    form_error = ""
    if request.method == "POST":
        try:
            if request.POST.get("action") == "agreement":
                code = request.POST.get("payer", "").strip().upper()[:18]
                unit = Unit.objects.filter(credit_code=code).first()
                person = None if unit else Person.objects.filter(id_number=code).first()
                if unit is None and person is None:
                    raise DomainError("未找到该单位或个人", code="PAYER_NOT_FOUND")
                bankfile.agreement_sign(
                    actor=actor,
                    unit=unit,
                    person=person,
                    bank_code=request.POST.get("bank_code", ""),
                    account_number=request.POST.get("account_number", ""),
                    account_name=request.POST.get("account_name", ""),
                )
                messages.success(request, "代扣协议已登记。")
                return redirect("payments:bank")
            region = region_get(code=request.POST.get("region", "")[:6])
            month = YearMonth.parse(request.POST.get("month", ""), field="month")
            batch, created = bankfile.batch_export(
                actor=actor, region=region, month=month, bank_code=request.POST.get("bank", "")
            )
            if created:
                messages.success(
                    request, f"已生成代扣文件 {batch.number}（{batch.row_count} 笔）。"
                )
            return redirect("payments:bank_batch", batch.number)
        except DomainError as refused:
            form_error = refused.message
    return render(
        request,
        "payments/bank.html",
        {
            "batches": selectors.batches_for(actor=actor),
            "agreements": selectors.agreements_for(actor=actor),
            "month": YearMonth.of(timezone.localdate()) - 1,
            "local_bank": localbank.BANK_CODE,
            "error": form_error,
        },
        status=422 if form_error else 200,
    )


@actor_required(actors.STAFF)
@require_http_methods(["GET", "POST"])
def bank_batch(request: HttpRequest, number: str) -> HttpResponse:
    """A deduction batch: its file, the result files imported, what did not pay and why."""
    actor = request.actor  # type: ignore[attr-defined]
    batch = selectors.batch_for(actor=actor, number=number)
    error = ""
    if request.method == "POST":
        try:
            if request.POST.get("action") == "local":
                result = bankfile.batch_round_trip(actor=actor, batch=batch)
                created = True
            else:
                upload = request.FILES.get("file")
                if upload is None:
                    raise DomainError("请选择银行回盘文件", code="FILE_REQUIRED")
                result, created = bankfile.result_import(
                    actor=actor, data=upload.read(), filename=upload.name
                )
            messages.success(
                request,
                f"回盘已对账：入账 {result.paid_count} 笔，未入账 {result.failed_count} 笔。"
                if created
                else "该回盘文件此前已导入，未重复入账。",
            )
            return redirect("payments:bank_batch", batch.number)
        except DomainError as refused:
            error = refused.message
    return render(
        request,
        "payments/bank_batch.html",
        {
            "batch": batch,
            "imports": selectors.batch_imports(batch=batch),
            "problems": selectors.batch_problems(batch=batch),
            "is_local": batch.bank_code == localbank.BANK_CODE,
            "error": error,
        },
        status=422 if error else 200,
    )


@actor_required(actors.STAFF)
@require_GET
def bank_file(request: HttpRequest, number: str) -> HttpResponse:
    batch = selectors.batch_for(actor=request.actor, number=number)  # type: ignore[attr-defined]
    response = HttpResponse(bankfile.batch_file(batch), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{batch.number}.csv"'
    return response


@actor_required(actors.STAFF)
@require_GET
def refunds(request: HttpRequest) -> HttpResponse:
    rows = selectors.refunds_for(actor=request.actor)  # type: ignore[attr-defined]
    return render(request, "payments/refunds.html", {"refunds": rows})


@actor_required(actors.STAFF)
@require_http_methods(["GET", "POST"])
def refund(request: HttpRequest, number: str) -> HttpResponse:
    """A refund: the telephone confirmation, then the payout through its channel."""
    actor = request.actor  # type: ignore[attr-defined]
    found = selectors.refund_for(actor=actor, number=number)
    error = ""
    if request.method == "POST":
        try:
            if request.POST.get("action") == "confirm":
                services.refund_confirm_phone(
                    actor=actor,
                    refund=found,
                    phone=request.POST.get("phone", "")[:20],
                    note=request.POST.get("note", "")[:200],
                    spoke_with=request.POST.get("spoke_with", "")[:50],
                )
                messages.success(request, "电话核实情况已记录。")
            else:
                services.refund_pay(found, actor)
                messages.success(request, "退费已支付。")
            return redirect("payments:refund", found.number)
        except DomainError as refused:
            error = refused.message
    return render(
        request,
        "payments/refund.html",
        {"refund": found, "error": error, "outcomes": DeductionAgreement.LocalOutcome},
        status=422 if error else 200,
    )


@actor_required(actors.STAFF)
@require_POST
def refund_call(request: HttpRequest, number: str) -> HttpResponse:
    """The reviewer records a telephone call confirming a refund application with the payer;
    back to the case page, where a refusal is shown."""
    from django.utils.dateparse import parse_datetime

    from shebao.common.errors import NotFound
    from shebao.payments.refunds import refund_call_record

    raw = request.POST.get("called_at", "").strip()[:25]
    called_at = parse_datetime(raw) if raw else None
    try:
        if raw and called_at is None:
            from shebao.common.errors import InvalidInput

            raise InvalidInput("通话时间格式不正确", code="CALLED_AT_INVALID", field="called_at")
        refund_call_record(
            actor=request.actor,  # type: ignore[attr-defined]
            number=number,
            phone=request.POST.get("phone", "")[:20],
            spoke_with=request.POST.get("spoke_with", "")[:50],
            outcome=request.POST.get("outcome", "")[:12],
            note=request.POST.get("note", "")[:200],
            called_at=called_at,
        )
    except NotFound:
        raise
    except DomainError as refused:
        messages.error(request, f"电话核实未记录：{refused.message}")
    else:
        messages.success(request, "电话核实已记录。")
    return redirect("applications:detail", number=number.strip().upper()[:40])
