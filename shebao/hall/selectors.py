"""What the three portal centres show. Each dashboard composes the scoped selectors of the
apps it summarises, so it can never show more than those selectors allow the actor."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shebao.accounts import actors
from shebao.accounts.actors import Actor
from shebao.accounts.capabilities import Capability, districts_for
from shebao.accounts.selectors import unit_users
from shebao.applications.models import Application
from shebao.applications.selectors import (
    applications_for,
    queue_counts,
    review_queue,
    status_counts,
)
from shebao.catalogue.models import Matter
from shebao.catalogue.selectors import matters_for_applicant
from shebao.common.identifiers import mask_id_number, mask_mobile
from shebao.insurance.selectors import may_read_unit
from shebao.notifications.selectors import notifications_for, unread_count
from shebao.registry.selectors import region_full_name

# Matters offered first in each centre (the most common business of each kind of user).
FREQUENT_INDIVIDUAL = [
    "person.unemployment_benefit",
    "person.flexible_enrol",
    "person.flexible_grade_change",
    "person.insurance_certificate",
    "person.pension_transfer_voucher",
    "person.card_replace",
]
FREQUENT_UNIT = [
    "unit.staff_enrol",
    "unit.staff_leave",
    "unit.base_declare",
    "unit.monthly_back_payment",
    "unit.retirement",
    "unit.rights_statement",
]

# Applications the applicant still has to act on.
NEEDS_APPLICANT = (Application.Status.DRAFT, Application.Status.RETURNED)


def _frequent(actor: Actor, codes: list[str]) -> list[Matter]:
    open_to = {m.code: m for m in matters_for_applicant(actor=actor).filter(code__in=codes)}
    return [open_to[code] for code in codes if code in open_to]


@dataclass
class ApplicantSummary:
    counts: dict[str, int]
    in_progress: int
    needs_action: int
    recent: list[Application]
    unread: int
    notifications: list[Any]
    frequent: list[Matter]


def _applicant_summary(actor: Actor, frequent_codes: list[str]) -> ApplicantSummary:
    counts = status_counts(actor=actor)
    open_states = (
        Application.Status.SUBMITTED,
        Application.Status.ACCEPTED,
        Application.Status.APPROVED,
    )
    return ApplicantSummary(
        counts=counts,
        in_progress=sum(counts.get(s, 0) for s in open_states),
        needs_action=sum(counts.get(s, 0) for s in NEEDS_APPLICANT),
        recent=list(applications_for(actor=actor).order_by("-updated_at", "-id")[:6]),
        unread=unread_count(actor=actor),
        notifications=list(notifications_for(actor=actor)[:4]),
        frequent=_frequent(actor, frequent_codes),
    )


@dataclass
class IndividualDashboard:
    summary: ApplicantSummary
    masked_id_number: str
    masked_mobile: str
    insured_place: str  # the district's full name, "" if none is registered


def individual_dashboard(*, actor: Actor) -> IndividualDashboard:
    actor.require(actors.INDIVIDUAL)
    person = actor.person
    assert person is not None
    return IndividualDashboard(
        summary=_applicant_summary(actor, FREQUENT_INDIVIDUAL),
        masked_id_number=mask_id_number(person.id_number),
        masked_mobile=mask_mobile(person.mobile or (actor.user.mobile if actor.user else "")),
        insured_place=region_full_name(code=person.district_id),
    )


@dataclass
class UnitDashboard:
    summary: ApplicantSummary
    role_label: str
    insured_place: str  # the unit's district, full name
    members: list[Any] = field(default_factory=list)
    granted: list[Matter] = field(default_factory=list)
    may_read_roster: bool = False
    may_read_bills: bool = False


def unit_dashboard(*, actor: Actor) -> UnitDashboard:
    from shebao.contributions.selectors import may_read_unit as may_read_contributions

    actor.require(actors.UNIT)
    assert actor.membership is not None
    granted: list[Matter] = []
    if not actor.is_unit_manager:
        granted = list(
            Matter.objects.filter(pk__in=actor.granted_matter_ids).order_by("sort_order", "code")
        )
    return UnitDashboard(
        summary=_applicant_summary(actor, FREQUENT_UNIT),
        role_label=actor.membership.get_role_display(),
        insured_place=region_full_name(code=actor.unit.district_id if actor.unit else None),
        members=unit_users(actor=actor) if actor.is_unit_manager else [],
        granted=granted,
        may_read_roster=may_read_unit(actor, actor.unit),
        may_read_bills=may_read_contributions(actor, actor.unit),
    )


@dataclass
class StaffDashboard:
    counts: Any
    overdue: list[Application]
    waiting: list[Application]
    districts: list[str]
    unread: int


def staff_dashboard(*, actor: Actor) -> StaffDashboard:
    actor.require(actors.STAFF)
    from shebao.registry.models import Region

    return StaffDashboard(
        counts=queue_counts(actor=actor),
        overdue=list(review_queue(actor=actor, status=None, overdue=True)[:8]),
        waiting=list(review_queue(actor=actor, status=Application.Status.SUBMITTED)[:8]),
        districts=list(
            Region.objects.filter(
                code__in=districts_for(actor, Capability.REVIEW), level=Region.Level.DISTRICT
            )
            .order_by("code")
            .values_list("name", flat=True)
        ),
        unread=unread_count(actor=actor),
    )


@dataclass(frozen=True)
class RegionCalendar:
    """This month's business calendar of one pooling region, from its policy parameters."""

    region: str
    window: str  # acceptance window today, or "" where there is none
    window_open: bool
    staff_change_deadline: Any  # date or None
    payday: Any  # date or None
    payday_nominal: Any  # the published day of the month, before moving for holidays

    @property
    def payday_moved(self) -> bool:
        return self.payday is not None and self.payday != self.payday_nominal


def region_calendar(*, region: Any, today: Any = None) -> RegionCalendar:
    """For the home page: one pooling region's acceptance window, staff-change deadline and
    pension payday this month — computed from policy, never written into a page."""
    from django.utils import timezone

    from shebao.policy.selectors import policy_memo

    today = today or timezone.localdate()
    # The same for every visitor of the region all day while policy is unchanged: computed once
    # per process and day (it reads about 150 parameter rows).
    return policy_memo(
        ("region_calendar", region.code, today), lambda: _region_calendar(region, today)
    )


def _region_calendar(region: Any, today: Any) -> RegionCalendar:
    from shebao.calculators.services import payday_calculate
    from shebao.common.errors import DomainError
    from shebao.common.periods import YearMonth
    from shebao.policy.calendar import acceptance_window_status, staff_change_deadline
    from shebao.policy.selectors import param_or_none, policy_scope

    month = YearMonth.of(today)
    with policy_scope():
        has_window = param_or_none(region=region.code, key="calendar.acceptance_window", on=today)
        status = acceptance_window_status(region=region.code, on=today) if has_window else None
        try:
            pay = payday_calculate(region=region.code, month=month)
        except DomainError:  # no payday rule published for this region and month
            pay = None
        return RegionCalendar(
            region=region.name,
            window=status.reason if status else "",
            window_open=status.open if status else True,
            staff_change_deadline=staff_change_deadline(region=region.code, month=month),
            payday=pay.date if pay else None,
            payday_nominal=pay.nominal if pay else None,
        )


def business_calendar(*, today: Any = None) -> list[RegionCalendar]:
    """:func:`region_calendar` of every pooling region."""
    from shebao.registry.selectors import regions_pooling

    return [region_calendar(region=region, today=today) for region in regions_pooling()]


# --- the individual's benefit queries -----------------------------------------------------------

DECIDED = (Application.Status.APPROVED, Application.Status.COMPLETED)


@dataclass
class BenefitRecord:
    """What the hall holds about the person's social-insurance benefits: the claims they made
    (the matters whose effect is a claim), decided or still in progress."""

    decided: list[Application]
    open: list[Application]
    refused: list[Application]

    @property
    def empty(self) -> bool:
        return not (self.decided or self.open or self.refused)


def benefit_record(*, actor: Actor) -> BenefitRecord:
    """The individual's own benefit claims, through the applications' scope: one query."""
    actor.require(actors.INDIVIDUAL)
    rows = list(
        applications_for(actor=actor)
        .filter(matter__effect="claim", matter__category="社会保险")
        .exclude(status=Application.Status.DRAFT)
        .order_by("-submitted_at", "-id")
    )
    return BenefitRecord(
        decided=[a for a in rows if a.status in DECIDED],
        open=[
            a
            for a in rows
            if a.status
            in (
                Application.Status.SUBMITTED,
                Application.Status.ACCEPTED,
                Application.Status.RETURNED,
            )
        ],
        refused=[a for a in rows if a.status == Application.Status.REJECTED],
    )
