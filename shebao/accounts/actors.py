"""The actor: who is asking, and as what.

Every selector and service takes an :class:`Actor` and scopes by it (DESIGN principle 6). A
signed-in user acts in one *context*, chosen at sign-in and kept in the session (or in the API
token):

- ``"individual"`` — the user as an insured person;
- ``"unit:<unit id>"`` — the user as legal representative, administrator or operator of a unit;
- ``"staff"`` — an agency staff member, within their department and districts;
- ``"partner"`` — a channel partner (bank, app) calling the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from shebao.common.errors import PermissionDenied, Unauthenticated

if TYPE_CHECKING:
    from shebao.accounts.models import StaffProfile, UnitMembership, User
    from shebao.registry.models import Person, Unit

ANONYMOUS = "anonymous"
INDIVIDUAL = "individual"
UNIT = "unit"
STAFF = "staff"
PARTNER = "partner"

CONTEXT_SESSION_KEY = "shebao_context"

KIND_LABELS = {
    ANONYMOUS: "访客",
    INDIVIDUAL: "个人",
    UNIT: "单位",
    STAFF: "经办人员",
    PARTNER: "合作渠道",
}


@dataclass(frozen=True, eq=False)
class Actor:
    kind: str
    user: User | None = None
    person: Person | None = None
    unit: Unit | None = None
    membership: UnitMembership | None = None
    staff: StaffProfile | None = None

    @property
    def is_anonymous(self) -> bool:
        return self.kind == ANONYMOUS

    @property
    def is_individual(self) -> bool:
        return self.kind == INDIVIDUAL

    @property
    def is_unit(self) -> bool:
        return self.kind == UNIT

    @property
    def is_staff(self) -> bool:
        return self.kind == STAFF

    @property
    def is_partner(self) -> bool:
        return self.kind == PARTNER

    @property
    def context(self) -> str:
        if self.kind == UNIT and self.unit is not None:
            return f"{UNIT}:{self.unit.pk}"
        return self.kind

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def unit_role(self) -> str | None:
        return self.membership.role if self.membership else None

    @property
    def is_unit_manager(self) -> bool:
        """Legal representative or administrator: every matter of the unit."""
        from shebao.accounts.models import UnitMembership

        return self.kind == UNIT and self.unit_role in {
            UnitMembership.Role.LEGAL_REP,
            UnitMembership.Role.ADMIN,
        }

    @cached_property
    def granted_matter_ids(self) -> frozenset[int]:
        """Matters an operator was granted (empty for other actors)."""
        if self.membership is None:
            return frozenset()
        return frozenset(self.membership.grants.values_list("matter_id", flat=True))

    def may_handle_matter(self, matter_id: int) -> bool:
        """Whether a unit user may see and handle this matter's applications for the unit."""
        if self.kind != UNIT:
            return False
        return self.is_unit_manager or matter_id in self.granted_matter_ids

    @cached_property
    def district_codes(self) -> frozenset[str]:
        """Districts a staff member handles (empty for other actors)."""
        if self.staff is None:
            return frozenset()
        return frozenset(self.staff.districts.values_list("code", flat=True))

    @cached_property
    def capability_rows(self) -> frozenset[tuple[str, str | None, str]]:
        """(capability, department, region) of a staff member's capability rows, read once
        (empty for other actors). Ask :mod:`shebao.accounts.capabilities`, not this."""
        if self.staff is None:
            return frozenset()
        return frozenset(
            self.staff.capabilities.values_list("capability", "department_id", "region_id")
        )

    @cached_property
    def capability_cache(self) -> dict[tuple[str, str | None], frozenset[str]]:
        """Memo of :func:`shebao.accounts.capabilities.districts_for` for this actor."""
        return {}

    @property
    def department_code(self) -> str | None:
        return self.staff.department_id if self.staff else None

    def require(self, *kinds: str) -> Actor:
        """Refuse unless the actor is one of ``kinds``; returns self for chaining."""
        if self.kind == ANONYMOUS:
            raise Unauthenticated("请先登录", code="UNAUTHENTICATED")
        if self.kind not in kinds:
            raise PermissionDenied("您没有办理此业务的权限", code="FORBIDDEN")
        return self


ANONYMOUS_ACTOR = Actor(kind=ANONYMOUS)


def actor_for(user: User | None, context: str | None) -> Actor:
    """The actor for a user in a context, or the anonymous actor if the pair is not valid.

    Validity is checked on every request: a revoked unit role or a deactivated user stops
    acting at once.
    """
    from shebao.accounts.models import StaffProfile, UnitMembership, User

    if user is None or not user.is_authenticated or not user.is_active or not context:
        return ANONYMOUS_ACTOR
    if context == INDIVIDUAL:
        if user.kind == User.Kind.INDIVIDUAL and user.person_id is not None:
            return Actor(kind=INDIVIDUAL, user=user, person=user.person)
        return ANONYMOUS_ACTOR
    if context.startswith(f"{UNIT}:"):
        try:
            unit_id = int(context.split(":", 1)[1])
        except ValueError:
            return ANONYMOUS_ACTOR
        membership = (
            UnitMembership.objects.select_related("unit")
            .filter(user=user, unit_id=unit_id, revoked_at__isnull=True)
            .first()
        )
        if membership is None:
            return ANONYMOUS_ACTOR
        return Actor(
            kind=UNIT, user=user, person=user.person, unit=membership.unit, membership=membership
        )
    if context == STAFF:
        staff = StaffProfile.objects.select_related("department").filter(user=user).first()
        if user.kind != User.Kind.STAFF or staff is None:
            return ANONYMOUS_ACTOR
        return Actor(kind=STAFF, user=user, staff=staff)
    if context == PARTNER and user.kind == User.Kind.PARTNER:
        return Actor(kind=PARTNER, user=user)
    return ANONYMOUS_ACTOR
