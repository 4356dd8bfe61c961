"""Who may move money: the fund's finance staff (基金财务) of the payer's district, through the
one capability model (a finance REVIEW row covering the district); who may pay a bill online:
the payer's own readers (the self-paying person; the unit's managers and the operators granted
a contribution matter)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shebao.accounts.capabilities import Capability, districts_for, staff_require
from shebao.common.errors import NotFound

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor
    from shebao.contributions.models import Bill

# The department whose staff take money at the counter, run the bank's deduction files and pay
# refunds out (the fund's finance section, registry/data/departments.toml).
FINANCE = "finance"
REFUSAL = "只有基金财务部门负责该区县的经办人员可以办理收款、代扣和退付"


def payer_district(bill: Bill) -> str:
    return (bill.unit.district_id if bill.unit_id else bill.person.district_id) or ""


def finance_require(actor: Actor, *, district: str | None) -> None:
    """Refuse (``CAPABILITY_REQUIRED``) unless the actor is finance staff of ``district``
    (anywhere, when None)."""
    staff_require(
        actor, Capability.REVIEW, department=FINANCE, region=district or None, message=REFUSAL
    )


def finance_districts(actor: Actor) -> frozenset[str]:
    return districts_for(actor, Capability.REVIEW, department=FINANCE)


def payable_bill(*, actor: Actor, number: str) -> Bill:
    """The bill by number if the actor pays it (its payer's side, not staff); else NotFound."""
    from shebao.contributions import selectors

    if actor.is_staff or actor.is_partner:
        raise NotFound("未找到该征集单", code="BILL_NOT_FOUND")
    return selectors.bill_for_reader(actor=actor, number=number)
