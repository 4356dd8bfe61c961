"""Pages: the holder's card (社会保障卡信息查询 and 制卡进度查询 in one page, with the timeline,
the parcel's tracking, loss reports and their cancellation), the electronic card with its
QR code that changes every minute, and the same card records for agency staff, who also post
a made card, hand one over at the branch and check a holder's electronic card."""

from __future__ import annotations

from typing import Any

import segno
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from shebao.accounts import actors
from shebao.accounts.decorators import actor_required
from shebao.accounts.forms import apply_error
from shebao.cards import proof, selectors, services
from shebao.cards.forms import ECardCheckForm, LossForm, MailForm, StaffLookupForm
from shebao.cards.models import Card
from shebao.common.errors import DomainError
from shebao.common.identifiers import mask_id_number


def _matter_links() -> dict[str, str]:
    return {
        code: reverse("catalogue:detail", args=[f"person.{code}"])
        for code in ("card_apply", "card_replace", "card_report_loss", "card_cancel_loss")
    }


def _record_context(actor: Any, record: selectors.CardRecord) -> dict[str, Any]:
    followed = record.followed
    fee = None
    if record.current is not None and record.production is None:
        fee = services.replacement_fee(person=record.person)
    return {
        "record": record,
        "card": followed,
        "statuses": Card.Status,
        "masked_id": mask_id_number(record.person.id_number),
        "fee": fee,
        "links": _matter_links(),
    }


@actor_required(actors.INDIVIDUAL)
def mine(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    record = selectors.card_record(actor=actor, person=selectors.holder_person(actor=actor))
    return render(request, "cards/mine.html", _record_context(actor, record))


@actor_required(actors.INDIVIDUAL)
@require_POST
def loss(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    form = LossForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择临时挂失或正式挂失")
        return redirect("cards:mine")
    try:
        card = services.card_loss_report(actor=actor, kind=form.cleaned_data["kind"])
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"已办理{card.get_status_display()}，卡片已停止使用")
    return redirect("cards:mine")


@actor_required(actors.INDIVIDUAL)
@require_POST
def loss_cancel(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    try:
        services.card_loss_cancel(actor=actor)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "已解除挂失，卡片恢复使用")
    return redirect("cards:mine")


@actor_required(actors.INDIVIDUAL)
@require_POST
def card_proof(request: HttpRequest) -> HttpResponse:
    """开具领卡证明: the signed 新发和补（换）社会保障卡领卡证明 of the card being made; the
    certificate's page offers its file and verification code."""
    actor = request.actor  # type: ignore[attr-defined]
    try:
        issued = proof.card_proof_issue(actor=actor)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("cards:mine")
    messages.success(request, "领卡证明已开具，可下载打印；新卡启用前可凭此证明看病就医。")
    return redirect("certificates:detail", issued.certificate.number)


def _qr_svg(text: str) -> str:
    return segno.make(text, error="m").svg_inline(scale=6, border=2, title="电子社保卡二维码")


@actor_required(actors.INDIVIDUAL)
@require_http_methods(["GET", "POST"])
def ecard(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    if request.method == "POST":
        try:
            services.ecard_issue(actor=actor)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "电子社保卡已签发")
        return redirect("cards:ecard")
    record = selectors.card_record(actor=actor, person=selectors.holder_person(actor=actor))
    context: dict[str, Any] = {"record": record}
    if record.ecard is not None:
        context.update(_code_context(record))
    return render(request, "cards/ecard.html", context)


def _code_context(record: selectors.CardRecord) -> dict[str, Any]:
    now = timezone.now()
    context: dict[str, Any] = {"now": now, "usable": record.current.usable}
    if record.current.usable:
        code = services.ecard_code(ecard=record.ecard, at=now)
        context.update(code=code, qr=_qr_svg(code), seconds_left=60 - now.second)
    return context


@actor_required(actors.INDIVIDUAL)
def ecard_code(request: HttpRequest) -> HttpResponse:
    """The QR code of this minute (htmx swaps it in every minute)."""
    actor = request.actor  # type: ignore[attr-defined]
    record = selectors.card_record(actor=actor, person=selectors.holder_person(actor=actor))
    if record.ecard is None:
        return render(request, "cards/_ecard_code.html", {"missing": True})
    return render(request, "cards/_ecard_code.html", _code_context(record))


# --- staff -------------------------------------------------------------------------------------


@actor_required(actors.STAFF)
def staff(request: HttpRequest) -> HttpResponse:
    """Staff look up a person's cards (by ID number) in their districts."""
    actor = request.actor  # type: ignore[attr-defined]
    form = StaffLookupForm(request.GET or None)
    context: dict[str, Any] = {"form": form, "mail_form": MailForm()}
    if request.GET and form.is_valid():
        try:
            person = selectors.card_person_for_staff(
                actor=actor, id_number=form.cleaned_data["id_number"]
            )
            record = selectors.card_record(actor=actor, person=person)
        except DomainError as error:
            apply_error(form, error)
        else:
            context.update(_record_context(actor, record))
    return render(request, "cards/staff.html", context)


def _back_to(card: Card) -> HttpResponse:
    return redirect(f"{reverse('cards:staff')}?id_number={card.person.id_number}")


@actor_required(actors.STAFF)
@require_POST
def staff_mail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    card = selectors.card_for_staff(actor=actor, pk=pk)
    form = MailForm(request.POST)
    if form.is_valid():
        try:
            services.card_mail(
                actor=actor, card=card, tracking_number=form.cleaned_data["tracking_number"]
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "已登记寄出")
    else:
        messages.error(request, "请填写邮件号")
    return _back_to(card)


@actor_required(actors.STAFF)
@require_POST
def staff_hand_over(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    card = selectors.card_for_staff(actor=actor, pk=pk)
    try:
        services.card_hand_over(actor=actor, card=card)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "已发卡，卡片启用")
    return _back_to(card)


@actor_required(actors.STAFF)
@require_http_methods(["GET", "POST"])
def staff_check(request: HttpRequest) -> HttpResponse:
    """Staff check the QR code a holder shows (电子社保卡核验)."""
    actor = request.actor  # type: ignore[attr-defined]
    form = ECardCheckForm(request.POST or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = services.ecard_verify(actor=actor, code=form.cleaned_data["qr"])
        except DomainError as error:
            apply_error(form, error)
    return render(
        request,
        "cards/staff_check.html",
        {
            "form": form,
            "result": result,
            "masked_id": mask_id_number(result.card.person.id_number) if result else "",
        },
    )
