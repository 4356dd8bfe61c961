"""Who handles an office's appointments: staff holding REVIEW of the department's matters in
the office's district (the one capability model); everyone else sees only their own."""

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
