"""Reads of the accounts app, scoped by the actor."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from shebao.accounts import actors
from shebao.accounts.actors import Actor
from shebao.accounts.capabilities import Capability, districts_for, staff_may
from shebao.accounts.models import SignInEvent, UnitMembership
from shebao.accounts.services.roles import grantable_matters_queryset, grants_version
from shebao.catalogue.models import Matter
from shebao.common.errors import NotFound, PermissionDenied
from shebao.common.identifiers import mask_id_number, mask_mobile, normalize_credit_code
from shebao.registry.models import Region, Unit

Role = UnitMembership.Role


def districts_by_city() -> list[tuple[str, list[Region]]]:
    """Every district, grouped under its city, for a grouped select."""
    groups: dict[str, list[Region]] = {}
    rows = Region.objects.filter(level=Region.Level.DISTRICT).select_related("parent__parent")
    for region in rows.order_by("code"):
        parent = region.parent
        label = parent.name if parent is not None else "其他"
        if parent is not None and parent.parent is not None and parent.level == Region.Level.CITY:
            label = f"{parent.parent.name} · {parent.name}"
        groups.setdefault(label, []).append(region)
    return list(groups.items())


def staff_districts(*, actor: Actor) -> QuerySet[Region]:
    actor.require(actors.STAFF)
    return Region.objects.filter(
        code__in=districts_for(actor, Capability.COUNTER), level=Region.Level.DISTRICT
    ).order_by("code")


def unit_users(*, actor: Actor) -> list[UnitMembership]:
    """The unit's active users for a manager; only the operator's own row for an operator."""
    actor.require(actors.UNIT)
    rows = (
        UnitMembership.objects.filter(unit=actor.unit, revoked_at__isnull=True)
        .select_related("user", "appointed_by")
        .annotate(grant_count=Count("grants"))
    )
    if not actor.is_unit_manager:
        rows = rows.filter(pk=actor.membership.pk)  # type: ignore[union-attr]
    order = {Role.LEGAL_REP: 0, Role.ADMIN: 1, Role.OPERATOR: 2}
    members = sorted(rows, key=lambda m: (order[m.role], m.created_at, m.pk))
    for member in members:  # what the page shows of other people's identifiers
        member.masked_id_number = mask_id_number(member.user.username)  # type: ignore[attr-defined]
        member.masked_mobile = mask_mobile(member.user.mobile)  # type: ignore[attr-defined]
    return members


def unit_user_get(*, actor: Actor, membership_id: int) -> UnitMembership:
    """An active user of the actor's unit, for a manager; 404 for anything else in scope."""
    actor.require(actors.UNIT)
    if not actor.is_unit_manager:
        raise PermissionDenied(
            "经办人不能管理单位用户，请联系单位法定代表人或管理员", code="UNIT_MANAGER_REQUIRED"
        )
    membership = (
        UnitMembership.objects.select_related("user", "unit")
        .filter(pk=membership_id, unit=actor.unit, revoked_at__isnull=True)
        .first()
    )
    if membership is None:
        raise NotFound("未找到该单位用户", code="UNIT_USER_NOT_FOUND")
    return membership


def grantable_matters() -> QuerySet[Matter]:
    return (
        grantable_matters_queryset()
        .select_related("department")
        .order_by("category", "sort_order", "code")
    )


@dataclass(frozen=True)
class GrantSheet:
    membership: UnitMembership
    matters: list[Matter]
    granted: frozenset[int]
    version: str


def grant_sheet(*, actor: Actor, membership_id: int) -> GrantSheet:
    """What the grants page shows: the grantable matters and which the operator holds."""
    membership = unit_user_get(actor=actor, membership_id=membership_id)
    if membership.user_id == actor.user.pk:  # type: ignore[union-attr]
        raise PermissionDenied("不能变更您本人的角色或授权", code="CANNOT_CHANGE_SELF")
    granted = frozenset(membership.grants.values_list("matter_id", flat=True))
    return GrantSheet(
        membership=membership,
        matters=list(grantable_matters()),
        granted=granted,
        version=grants_version(granted),
    )


def own_grants(*, actor: Actor) -> list[Matter]:
    """The matters an operator holds (what the operator's read-only page lists)."""
    actor.require(actors.UNIT)
    return list(
        Matter.objects.filter(pk__in=actor.granted_matter_ids).order_by("sort_order", "code")
    )


@dataclass(frozen=True)
class CounterLookup:
    credit_code: str
    unit: Unit | None
    has_legal_rep_account: bool
    members: list[UnitMembership]


def unit_for_counter(*, actor: Actor, credit_code: str) -> CounterLookup:
    """A unit looked up at the counter by credit code: known and within the staff member's
    districts, or unknown (to be recorded). A unit of another district is refused."""
    actor.require(actors.STAFF)
    code = normalize_credit_code(credit_code)
    unit = Unit.objects.select_related("district").filter(credit_code=code).first()
    if unit is None:
        return CounterLookup(credit_code=code, unit=None, has_legal_rep_account=False, members=[])
    if not staff_may(actor, Capability.COUNTER, region=unit.district_id):
        raise PermissionDenied(
            "该单位的参保地不在您负责的区县，请由参保地经办机构办理", code="OUTSIDE_DISTRICTS"
        )
    members = list(
        UnitMembership.objects.filter(unit=unit, revoked_at__isnull=True)
        .select_related("user")
        .order_by("role", "pk")
    )
    return CounterLookup(
        credit_code=code,
        unit=unit,
        has_legal_rep_account=any(m.role == Role.LEGAL_REP for m in members),
        members=members,
    )


def sign_in_history(*, actor: Actor, limit: int = 8) -> QuerySet[SignInEvent]:
    """The signed-in user's own recent sign-ins (shown so that they notice a stranger's)."""
    if actor.user is None:
        return SignInEvent.objects.none()
    return SignInEvent.objects.filter(user=actor.user).exclude(
        outcome=SignInEvent.Outcome.SIGN_OUT
    )[:limit]


def actor_profile(*, actor: Actor) -> dict[str, Any]:
    """Who the actor is, as the API's ``/auth/me`` reports it."""
    profile: dict[str, Any] = {
        "kind": actor.kind,
        "kind_label": actor.label,
        "context": actor.context,
        "user": None,
        "person": None,
        "unit": None,
        "staff": None,
    }
    user = actor.user
    if user is None:
        return profile
    profile["user"] = {
        "username": user.username,
        "name": user.name,
        "mobile": mask_mobile(user.mobile),
        "password_must_change": user.password_must_change,
    }
    if actor.person is not None and actor.kind in (actors.INDIVIDUAL, actors.UNIT):
        profile["person"] = {
            "name": actor.person.name,
            "id_number": mask_id_number(actor.person.id_number),
            "verification": actor.person.verification,
        }
    if actor.unit is not None and actor.membership is not None:
        matters = (
            []
            if actor.is_unit_manager
            else list(
                Matter.objects.filter(pk__in=actor.granted_matter_ids)
                .order_by("sort_order", "code")
                .values_list("code", flat=True)
            )
        )
        profile["unit"] = {
            "id": actor.unit.pk,
            "credit_code": actor.unit.credit_code,
            "name": actor.unit.name,
            "role": actor.membership.role,
            "role_label": actor.membership.get_role_display(),
            "all_matters": actor.is_unit_manager,
            "granted_matters": matters,
        }
    if actor.staff is not None:
        profile["staff"] = {
            "department": actor.staff.department_id,
            "department_name": actor.staff.department.name,
            "districts": sorted(actor.district_codes),
            "title": actor.staff.title,
        }
    return profile


def unit_counts(*, unit: Unit) -> dict[str, int]:
    """How many active users of each role a unit has."""
    rows = UnitMembership.objects.filter(unit=unit, revoked_at__isnull=True).aggregate(
        legal_rep=Count("pk", filter=Q(role=Role.LEGAL_REP)),
        admin=Count("pk", filter=Q(role=Role.ADMIN)),
        operator=Count("pk", filter=Q(role=Role.OPERATOR)),
    )
    return {key: int(value or 0) for key, value in rows.items()}


def actor_region(*, actor: Actor) -> Region | None:
    """The pooling region whose rules the actor lives under, for guides and calendars.

    An insured person's district, a unit's district, or the first district a staff member
    handles — each taken up to its pooling region; anyone else gets the hall's own region.
    """
    from shebao.registry.selectors import hall_region, pooling_region_of

    district = None
    if actor.is_individual and actor.person is not None:
        district = actor.person.district
    elif actor.is_unit and actor.unit is not None:
        district = actor.unit.district
    elif actor.is_staff and actor.district_codes:
        district = Region.objects.filter(code=min(actor.district_codes)).first()
    if district is None:
        return hall_region()
    return pooling_region_of(region=district)


def visitor_region(*, actor: Actor, chosen: str = "") -> Region | None:
    """The region a page speaks for: the pooling region the visitor picked (``?region=``), else
    :func:`actor_region`."""
    if chosen:
        picked = (
            Region.objects.select_related("parent__parent__parent")
            .filter(code=chosen, is_pooling=True)
            .first()
        )
        if picked is not None:
            return picked
    return actor_region(actor=actor)
