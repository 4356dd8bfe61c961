"""The bill page's payments: its payments and receipts, the amount due, and the way to pay
(the payer's online button, the finance staff's counter link)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from shebao.accounts.capabilities import staff_may
from shebao.contributions.dues import due_parts
from shebao.payments import selectors
from shebao.payments.access import FINANCE, payer_district

register = template.Library()


@register.inclusion_tag("payments/_bill_payments.html", takes_context=True)
def bill_payments(context: Any, bill: Any) -> dict[str, Any]:
    actor = context["request"].actor
    return {
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
        "bill": bill,
        "payments": selectors.bill_payments(bill=bill),
        "due": due_parts(bill, on=timezone.localdate()),
        "may_pay": not actor.is_staff,
        "may_collect": actor.is_staff
        and staff_may(actor, "review", department=FINANCE, region=payer_district(bill)),
    }


@register.inclusion_tag("payments/_finance_links.html", takes_context=True)
def finance_links(context: Any) -> dict[str, Any]:
    """The staff centre's links to the finance section's pages, for finance staff."""
    actor = context["request"].actor
    return {"finance": actor.is_staff and staff_may(actor, "review", department=FINANCE)}
