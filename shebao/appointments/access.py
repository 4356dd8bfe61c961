"""Who handles an office's appointments: staff holding REVIEW of the department's matters in
the office's district (the one capability model); everyone else sees only their own.

Who books: an individual for their own business; a unit's legal representative and
administrators, and the operators granted the matter 业务预约（约办）, for the unit's (the
booking is theirs to attend, the unit's to see)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shebao.accounts.capabilities import Capability, staff_may
from shebao.registry.directory import Office, offices

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor


def staff_handles(actor: Actor, *, office: Office, department: str) -> bool:
    return department in office.departments and staff_may(
        actor, Capability.REVIEW, department=department, region=office.district
    )


def staff_desks(actor: Actor) -> list[tuple[Office, str]]:
    """The (office, department) pairs whose day lists the actor keeps."""
    if not actor.is_staff:
        return []
    return [
        (office, department)
        for office in offices()
        for department in office.departments
        if staff_handles(actor, office=office, department=department)
    ]


MATTER = "both.appointment"


def unit_may_book(actor: Actor) -> bool:
    """Whether a unit user may book, see and cancel the unit's appointments."""
    if not actor.is_unit or actor.person is None:
        return False
    if actor.is_unit_manager:
        return True
    from shebao.catalogue.models import Matter

    found = Matter.objects.filter(code=MATTER).values_list("pk", flat=True).first()
    return found is not None and actor.may_handle_matter(found)
