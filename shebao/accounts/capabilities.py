"""The one staff capability model: what an agency staff member may do, for which department's
matters, in which regions.

A staff member's :class:`~shebao.accounts.models.StaffProfile` says where they work (their
department and districts); their :class:`~shebao.accounts.models.StaffCapability` rows say what
they may do — one row per capability × department × region:

- ``REVIEW``: accept, review and decide the cases of the row's department in the region
  (applications);
- ``COUNTER``: counter work such as opening a unit's account in person (accounts);
- ``MANAGE_CA``: issue, approve, reject and revoke the CA certificates of the region's units
  (pki);
- ``EDIT_POLICY``: record and finalise the region's policy parameters (policy);
- ``RUN_ASSESSMENT``: run the monthly contribution assessment of the region (contributions);
- ``ASSESS_OUT_OF_WINDOW``: force it outside the region's closed assessment window (with
  RUN_ASSESSMENT; contributions).

A row's region covers itself and every region below it (a city row covers its districts; the
nation, ``000000``, covers all). Every app asks only the functions here::

    from shebao.accounts.capabilities import Capability, districts_for, staff_may, staff_require

    staff_may(actor, Capability.MANAGE_CA, region=unit.district_id)
    rows.filter(unit__district_id__in=districts_for(actor, Capability.MANAGE_CA))
    staff_require(actor, Capability.EDIT_POLICY, region="220200")

Grants and revocations go through :func:`capability_grant` / :func:`capability_revoke` (or the
admin, for system administrators).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Q

from shebao.accounts.models import StaffCapability, StaffProfile
from shebao.common.errors import PermissionDenied, Unauthenticated

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor

Capability = StaffCapability.Capability

# The Chinese refusal for each capability (code CAPABILITY_REQUIRED).
REFUSALS = {
    Capability.REVIEW: "您没有审核本事项的权限（须具备本部门、本区县的审核权限）",
    Capability.COUNTER: "您没有窗口经办权限，请联系系统管理员授权",
    Capability.MANAGE_CA: "您没有该单位所在地区的CA证书管理权限，请联系系统管理员授权",
    Capability.EDIT_POLICY: "只有具备“政策参数管理”权限的经办人员可以修改政策参数",
    Capability.RUN_ASSESSMENT: "您没有执行月度缴费核定的权限",
    Capability.ASSESS_OUT_OF_WINDOW: "您没有在核定期外强制执行缴费核定的权限",
}


def _rows(actor: Actor) -> frozenset[tuple[str, str | None, str]]:
    """(capability, department, region) of the actor's rows, read once per actor."""
    return actor.capability_rows


def _region_tree() -> Mapping[str, tuple[str | None, tuple[str, ...]]]:
    """Every region's parent and children by code: read in one query and kept per process
    while the region tree is unchanged (``policy_version`` stamps it). Shared: never mutated."""
    from shebao.policy.selectors import policy_memo
    from shebao.registry.models import Region

    def read() -> Mapping[str, tuple[str | None, tuple[str, ...]]]:
        rows = list(Region.objects.values_list("code", "parent_id"))
        children: dict[str, list[str]] = {}
        for code, parent in rows:
            if parent is not None:
                children.setdefault(parent, []).append(code)
        return MappingProxyType(
            {code: (parent, tuple(sorted(children.get(code, ())))) for code, parent in rows}
        )

    return policy_memo(("region_tree",), read)


def _descendants(codes: Iterable[str]) -> frozenset[str]:
    """The given regions and every region below them."""
    tree = _region_tree()
    found = set(codes)
    frontier = list(found)
    while frontier:
        code = frontier.pop()
        for child in tree.get(code, (None, ()))[1]:
            if child not in found:
                found.add(child)
                frontier.append(child)
    return frozenset(found)


def _lineage(code: str) -> set[str]:
    """The region and every region above it (the code alone if it is unknown)."""
    tree = _region_tree()
    found = {code}
    parent = tree[code][0] if code in tree else None
    while parent is not None and parent not in found:
        found.add(parent)
        parent = tree[parent][0] if parent in tree else None
    return found


def staff_may(
    actor: Actor, capability: str, *, region: str | None = None, department: str | None = None
) -> bool:
    """Whether the actor is staff holding ``capability`` — for ``department``'s matters when
    given (REVIEW), in ``region`` when given (a row for the region or any region above it),
    anywhere when not."""
    if not actor.is_staff or actor.staff is None:
        return False
    rows = [
        (dept, where)
        for cap, dept, where in _rows(actor)
        if cap == capability and (department is None or dept == department)
    ]
    if not rows:
        return False
    if region is None:
        return True
    places = {where for _, where in rows}
    return region in places or bool(places & _lineage(region))


def districts_for(
    actor: Actor, capability: str, *, department: str | None = None
) -> frozenset[str]:
    """Every region code (districts included) where the actor holds ``capability`` (for
    ``department``'s matters when given); empty for anyone but staff. Use it to scope a query:
    ``rows.filter(district_id__in=districts_for(actor, Capability.REVIEW, department=d))``."""
    if not actor.is_staff or actor.staff is None:
        return frozenset()
    key = (capability, department)
    cache = actor.capability_cache
    if key not in cache:
        cache[key] = _descendants(
            where
            for cap, dept, where in _rows(actor)
            if cap == capability and (department is None or dept == department)
        )
    return cache[key]


def review_scope(actor: Actor) -> Q | None:
    """The Q over (department, district) of the cases the actor may review; None if none."""
    departments = {dept for cap, dept, _ in _rows(actor) if cap == Capability.REVIEW and dept}
    condition: Q | None = None
    for department in sorted(departments):
        part = Q(
            department_id=department,
            district_id__in=sorted(districts_for(actor, Capability.REVIEW, department=department)),
        )
        condition = part if condition is None else condition | part
    return condition


def staff_require(
    actor: Actor,
    capability: str,
    *,
    region: str | None = None,
    department: str | None = None,
    message: str = "",
) -> None:
    """Refuse (PermissionDenied ``CAPABILITY_REQUIRED``) unless :func:`staff_may`."""
    if actor.is_anonymous:
        raise Unauthenticated("请先登录", code="UNAUTHENTICATED")
    if not staff_may(actor, capability, region=region, department=department):
        raise PermissionDenied(
            message or REFUSALS.get(Capability(capability), "您没有办理此业务的权限"),
            code="CAPABILITY_REQUIRED",
            details={"capability": capability},
        )


# --- grants ------------------------------------------------------------------------------------


@transaction.atomic
def capability_grant(
    *,
    staff: StaffProfile,
    capability: str,
    regions: Iterable[str],
    department: str | None = None,
    granted_by: object | None = None,
) -> list[StaffCapability]:
    """Give ``capability`` in each of ``regions`` (idempotent). REVIEW needs a department and
    defaults to the staff member's own."""
    capability = Capability(capability)
    if capability == Capability.REVIEW:
        department = department or staff.department_id
    rows = []
    for region in regions:
        row, _ = StaffCapability.objects.get_or_create(
            staff=staff,
            capability=capability,
            department_id=department,
            region_id=region,
            defaults={"granted_by": granted_by},
        )
        rows.append(row)
    return rows


@transaction.atomic
def capability_revoke(
    *,
    staff: StaffProfile,
    capability: str,
    regions: Iterable[str] | None = None,
    department: str | None = None,
) -> int:
    """Take ``capability`` away (in ``regions`` only when given); returns how many rows went."""
    rows = StaffCapability.objects.filter(staff=staff, capability=Capability(capability))
    if regions is not None:
        rows = rows.filter(region_id__in=list(regions))
    if department is not None:
        rows = rows.filter(department_id=department)
    count, _ = rows.delete()
    return count


def capability_grant_defaults(*, staff: StaffProfile, granted_by: object | None = None) -> None:
    """What a new staff member of a department gets in their districts: REVIEW of their
    department's matters and COUNTER work; the registration department (参保登记, which runs
    the CA desk) also MANAGE_CA. EDIT_POLICY and RUN_ASSESSMENT are always granted explicitly."""
    districts = list(staff.districts.values_list("code", flat=True))
    capability_grant(
        staff=staff, capability=Capability.REVIEW, regions=districts, granted_by=granted_by
    )
    capability_grant(
        staff=staff, capability=Capability.COUNTER, regions=districts, granted_by=granted_by
    )
    if staff.department_id == CA_DEPARTMENT:
        capability_grant(
            staff=staff, capability=Capability.MANAGE_CA, regions=districts, granted_by=granted_by
        )


# The department whose staff run the CA desk by default (unit registration).
CA_DEPARTMENT = "registration"
