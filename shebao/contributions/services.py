"""Writes of contributions other than the batch: the unit's confirmation of its bill, and the
back-payment bill (补缴征集单) every back-payment case issues."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone

from shebao.common.errors import DomainError, NotFound, PermissionDenied
from shebao.common.periods import YearMonth
from shebao.contributions.models import (
    BackPayment,
    Bill,
    ContributionAdjustment,
    ContributionLine,
    PayerKind,
)

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor
    from shebao.applications.models import Application
    from shebao.registry.models import Person, Region, Unit

ASSESS_MATTER = "unit.contribution_assess"


@transaction.atomic
def bill_confirm(*, actor: Actor, bill: Bill) -> Bill:
    """The unit confirms its assessed bill (缴费核定确认): who and when, once (a second
    confirmation changes nothing). Managers, and operators granted 缴费核定."""
    from shebao.catalogue.models import Matter

    if not (actor.is_unit and actor.unit is not None and bill.unit_id == actor.unit.pk):
        raise NotFound("未找到该征集单", code="BILL_NOT_FOUND")
    matter = Matter.objects.filter(code=ASSESS_MATTER).first()
    if matter is None or not actor.may_handle_matter(matter.pk):
        raise PermissionDenied(
            "您未获授权办理“缴费核定”，请联系单位管理员授权", code="MATTER_NOT_GRANTED"
        )
    locked = Bill.objects.select_for_update().get(pk=bill.pk)
    if locked.confirmed_at is None:
        locked.confirmed_at = timezone.now()
        locked.confirmed_by = actor.user
        locked.save(update_fields=["confirmed_at", "confirmed_by"])
    return locked


def backpay_number(*, issued: YearMonth, application: Application) -> str:
    """A back-payment bill's number: BJ + the month it is issued in + the case on ten digits
    (one case, one bill: the same number whatever the retry)."""
    return f"BJ{issued.as_int()}{application.pk:010d}"


def backpay_issue(
    *,
    application: Application,
    kind: str,
    region: Region,
    unit: Unit | None,
    person: Person | None,
    first: YearMonth,
    last: YearMonth,
    on: date,
    amounts: dict[str, int],
    provisional: bool,
    rows: Sequence[ContributionLine | ContributionAdjustment],
    refusal: Callable[[], DomainError],
    late_fee_until: date,
    wage_fen: int | None = None,
) -> BackPayment:
    """Write a back-payment case in the caller's transaction: its bill (补缴征集单, issued in the
    month of ``on``, due by the region's collection day of that month and never before ``on``),
    the case's ``rows`` — its lines or adjustments — on the bill in one statement, and its
    :class:`BackPayment` record (``kind``, the period ``first``–``last``).

    The payer is the unit when there is one, else the person. ``amounts`` are the bill's fen
    fields (totals, counts, late fee or interest). When the rows' unique key refuses them (a
    concurrent case wrote the same months first), the error ``refusal()`` gives is raised."""
    from shebao.contributions.assessment import collection_due_date

    now = timezone.now()
    issued = YearMonth.of(on)
    if unit is not None:
        payer_kind, payer_id, bill_person = PayerKind.UNIT, unit.pk, None
    else:
        assert person is not None
        payer_kind, payer_id, bill_person = PayerKind.SELF, person.pk, person
    bill = Bill.objects.create(
        number=backpay_number(issued=issued, application=application),
        kind=Bill.Kind.BACK_PAYMENT,
        month=issued,
        region=region,
        payer_kind=payer_kind,
        payer_id=payer_id,
        unit=unit,
        person=bill_person,
        due_date=max(collection_due_date(region=region.code, month=issued), on),
        provisional=provisional,
        status=Bill.Status.UNPAID,
        created_at=now,
        updated_at=now,
        **amounts,
    )
    for row in rows:
        row.bill = bill
    if rows:
        try:
            with transaction.atomic():
                type(rows[0]).objects.bulk_create(rows, batch_size=2000)
        except IntegrityError:
            raise refusal() from None
    return BackPayment.objects.create(
        application=application,
        kind=kind,
        acceptance_mode=application.acceptance_mode,
        unit=unit,
        person=person,
        first_month=first,
        last_month=last,
        wage_fen=wage_fen,
        bill=bill,
        late_fee_until=late_fee_until,
        created_at=now,
    )
