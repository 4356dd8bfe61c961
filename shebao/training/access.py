"""Who may do what in training and assessment, through the one capability model.

- The assessment centre (鉴定中心) is the talent department: REVIEW of ``talent`` covering the
  unit's district approves filings, assigns supervision, records the supervisor's evaluation,
  approves results and issues certificates.
- An assessment institution acts through its unit's managers, or an operator granted the
  matter 职业技能等级认定 (``unit.skill_level_assessment``).
- A training institution's managers confirm or decline its registrations.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shebao.accounts.capabilities import Capability, districts_for, staff_require

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor

CENTRE_DEPARTMENT = "talent"
ASSESSMENT_MATTER = "unit.skill_level_assessment"
CENTRE_REFUSAL = "只有负责该单位所在区县的鉴定中心（人才人事部门）经办人员可以办理"


def centre_districts(actor: Actor) -> frozenset[str]:
    return districts_for(actor, Capability.REVIEW, department=CENTRE_DEPARTMENT)


def centre_require(actor: Actor, *, district: str | None) -> None:
    staff_require(
        actor,
        Capability.REVIEW,
        department=CENTRE_DEPARTMENT,
        region=district or None,
        message=CENTRE_REFUSAL,
    )


def institution_may(actor: Actor) -> bool:
    """Whether a unit user may act for the unit as an assessment institution."""
    if not actor.is_unit:
        return False
    if actor.is_unit_manager:
        return True
    from shebao.catalogue.models import Matter

    found = Matter.objects.filter(code=ASSESSMENT_MATTER).values_list("pk", flat=True).first()
    return found is not None and actor.may_handle_matter(found)
