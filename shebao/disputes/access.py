"""Who may see and act on a dispute case.

- The applicant's side: the worker (an individual whose ID number is the case's); for a unit's
  case, the unit's managers and the operators granted the matter.
- The respondent's side sees the case once it has been taken up (mediation or acceptance: the
  respondent is told then), never acts on it.
- Staff: labour-relations staff (REVIEW of ``labour_relations``) of the unit's district handle
  cases; any staff member doing counter work in the district (the 12333 line's seat) may enter
  a mediation request for a caller.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shebao.accounts.capabilities import Capability, districts_for, staff_require

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor
    from shebao.disputes.models import DisputeCase

DEPARTMENT = "labour_relations"
REFUSAL = "只有负责该单位所在区县的劳动关系（仲裁）部门经办人员可以办理争议案件"
HOTLINE_REFUSAL = "您没有该区县的窗口经办权限，不能代为录入调解申请"
MATTERS = {"mediation": "both.labour_mediation", "arbitration": "both.labour_arbitration"}


def matter_id(kind: str) -> int | None:
    from shebao.catalogue.models import Matter

    return Matter.objects.filter(code=MATTERS[kind]).values_list("pk", flat=True).first()


def unit_may_apply(actor: Actor, kind: str) -> bool:
    """Whether a unit user may file (and follow) the unit's cases of ``kind``."""
    if not actor.is_unit:
        return False
    found = matter_id(kind)
    return actor.is_unit_manager or (found is not None and actor.may_handle_matter(found))


def handler_districts(actor: Actor) -> frozenset[str]:
    return districts_for(actor, Capability.REVIEW, department=DEPARTMENT)


def handler_require(actor: Actor, *, district: str | None) -> None:
    staff_require(
        actor, Capability.REVIEW, department=DEPARTMENT, region=district or None, message=REFUSAL
    )


def hotline_require(actor: Actor, *, district: str | None) -> None:
    staff_require(actor, Capability.COUNTER, region=district or None, message=HOTLINE_REFUSAL)


def is_applicant(actor: Actor, case: DisputeCase) -> bool:
    if case.applicant_role == case.Role.WORKER:
        return (
            actor.is_individual
            and actor.person is not None
            and (actor.person.id_number == case.worker_id_number)
        )
    return actor.is_unit and actor.unit.pk == case.unit_id and unit_may_apply(actor, case.kind)


def is_respondent(actor: Actor, case: DisputeCase) -> bool:
    if case.status == case.Status.SUBMITTED:
        return False
    if case.applicant_role == case.Role.WORKER:
        return actor.is_unit and actor.unit.pk == case.unit_id and actor.is_unit_manager
    return (
        actor.is_individual
        and actor.person is not None
        and (actor.person.id_number == case.worker_id_number)
    )


def is_handler(actor: Actor, case: DisputeCase) -> bool:
    return actor.is_staff and case.district_id in handler_districts(actor)
