"""Writes of contributions other than the batch: the unit's confirmation of its bill."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from shebao.common.errors import NotFound, PermissionDenied
from shebao.contributions.models import Bill

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor

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
