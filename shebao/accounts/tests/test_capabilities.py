"""The one staff capability model: capability × department × region, asked by every app."""

from __future__ import annotations

import pytest

from shebao.accounts.actors import actor_for
from shebao.accounts.capabilities import (
    Capability,
    capability_grant,
    capability_revoke,
    districts_for,
    staff_may,
    staff_require,
)
from shebao.accounts.models import StaffCapability, StaffProfile, User
from shebao.common.errors import PermissionDenied

pytestmark = pytest.mark.django_db

CHANGYI, LONGTAN = "220202", "220203"
JILIN_CITY = "220200"


def _staff(department: str = "unemployment", districts: tuple[str, ...] = (CHANGYI,)):
    user = User.objects.create_user(
        f"cap{User.objects.count()}", "pw", kind=User.Kind.STAFF, name="钱经办"
    )
    profile = StaffProfile.objects.create(user=user, department_id=department)
    profile.districts.set(districts)
    return profile


def _actor(profile: StaffProfile):
    return actor_for(profile.user, "staff")


def test_a_staff_member_without_rows_may_do_nothing(reference_data):
    actor = _actor(_staff())
    assert not staff_may(actor, Capability.REVIEW)
    assert districts_for(actor, Capability.REVIEW) == frozenset()
    with pytest.raises(PermissionDenied) as caught:
        staff_require(actor, Capability.MANAGE_CA, region=CHANGYI)
    assert caught.value.code == "CAPABILITY_REQUIRED"


def test_review_is_per_department_and_district(reference_data):
    profile = _staff()
    capability_grant(staff=profile, capability=Capability.REVIEW, regions=[CHANGYI])
    actor = _actor(profile)
    assert staff_may(actor, Capability.REVIEW, region=CHANGYI, department="unemployment")
    assert not staff_may(actor, Capability.REVIEW, region=LONGTAN, department="unemployment")
    assert not staff_may(actor, Capability.REVIEW, region=CHANGYI, department="registration")
    assert districts_for(actor, Capability.REVIEW) == frozenset({CHANGYI})


def test_a_city_row_covers_its_districts(reference_data):
    profile = _staff()
    capability_grant(staff=profile, capability=Capability.EDIT_POLICY, regions=[JILIN_CITY])
    actor = _actor(profile)
    assert staff_may(actor, Capability.EDIT_POLICY, region=JILIN_CITY)
    assert staff_may(actor, Capability.EDIT_POLICY, region=LONGTAN)
    assert not staff_may(actor, Capability.EDIT_POLICY, region="220000")  # the province above
    assert {CHANGYI, LONGTAN, JILIN_CITY} <= districts_for(actor, Capability.EDIT_POLICY)


def test_granting_twice_keeps_one_row_and_revoking_takes_it_away(reference_data):
    profile = _staff()
    capability_grant(staff=profile, capability=Capability.MANAGE_CA, regions=[CHANGYI])
    capability_grant(staff=profile, capability=Capability.MANAGE_CA, regions=[CHANGYI])
    assert StaffCapability.objects.filter(staff=profile).count() == 1
    assert capability_revoke(staff=profile, capability=Capability.MANAGE_CA) == 1
    assert not staff_may(_actor(profile), Capability.MANAGE_CA, region=CHANGYI)


def test_only_staff_hold_capabilities(reference_data):
    from shebao.applications.tests.conftest import make_individual

    person = make_individual()
    assert not staff_may(actor_for(person, "individual"), Capability.REVIEW)


# --- pki: the CA desk needs MANAGE_CA, not just a district --------------------------------------


def test_a_district_staff_member_without_manage_ca_cannot_manage_that_districts_certificates(
    world, issue
):
    """Unemployment staff of 昌邑区 review that district's cases, but its units' certificates
    are the CA desk's: they can neither see, approve, reject, issue at the counter nor revoke."""
    from shebao.pki import selectors as pki_selectors
    from shebao.pki import services as pki_services
    from shebao.pki.models import CertificateRequest, UnitCertificate
    from shebao.pki.tests.conftest import DISTRICT_HERE, new_key

    certificate, _ = issue()
    reviewer = _staff("unemployment", (DISTRICT_HERE,))
    capability_grant(staff=reviewer, capability=Capability.REVIEW, regions=[DISTRICT_HERE])
    capability_grant(staff=reviewer, capability=Capability.COUNTER, regions=[DISTRICT_HERE])
    actor = _actor(reviewer)
    member = world.admin_a
    pending = pki_services.certificate_request_submit(
        actor=member.actor, csr_pem=member.csr(new_key())
    )
    assert list(pki_selectors.certificates_for(actor=actor)) == []
    assert list(pki_selectors.requests_for(actor=actor)) == []
    assert not pki_services.may_revoke(actor=actor, certificate=certificate)
    for attempt in (
        lambda: pki_services.certificate_request_approve(actor=actor, request_id=pending.pk),
        lambda: pki_services.certificate_request_reject(
            actor=actor, request_id=pending.pk, reason="材料不全"
        ),
        lambda: pki_services.certificate_revoke(
            actor=actor, certificate_id=certificate.pk, reason="离职"
        ),
    ):
        with pytest.raises(Exception) as caught:
            attempt()
        assert getattr(caught.value, "code", "") in {
            "CA_REQUEST_NOT_FOUND",
            "CA_CERT_NOT_FOUND",
            "FORBIDDEN",
            "CAPABILITY_REQUIRED",
        }, caught.value
    pending.refresh_from_db()
    certificate.refresh_from_db()
    assert pending.status == CertificateRequest.Status.PENDING
    assert certificate.status == UnitCertificate.Status.ACTIVE

    # given MANAGE_CA for the district, the same person may
    capability_grant(staff=reviewer, capability=Capability.MANAGE_CA, regions=[DISTRICT_HERE])
    actor = _actor(reviewer)
    assert pki_services.may_revoke(actor=actor, certificate=certificate)
    issued = pki_services.certificate_request_approve(actor=actor, request_id=pending.pk)
    assert issued.unit_id == world.unit_a.pk


@pytest.fixture
def world(reference_data):
    from shebao.pki.tests.conftest import World

    return World()


@pytest.fixture
def issue(world):
    from shebao.pki import services as pki_services
    from shebao.pki.tests.conftest import new_key

    def _issue():
        member = world.operator_a
        request = pki_services.certificate_request_submit(
            actor=member.actor, csr_pem=member.csr(new_key())
        )
        return pki_services.certificate_request_approve(
            actor=world.staff_actor(world.staff_here), request_id=request.pk
        ), None

    return _issue


# --- policy: EDIT_POLICY for the region ---------------------------------------------------------


def test_policy_editing_follows_the_capability_and_its_region(reference_data):
    from shebao.policy.services import may_edit_policy

    profile = _staff()
    actor = _actor(profile)
    assert not may_edit_policy(actor)
    capability_grant(staff=profile, capability=Capability.EDIT_POLICY, regions=[JILIN_CITY])
    actor = _actor(profile)
    assert may_edit_policy(actor, region=JILIN_CITY)
    assert not may_edit_policy(actor, region="420100")  # 武汉市
