"""Who hears about an application, and how the messages read.

- The applicant hears every step. A unit's legal representative and administrators hear, by
  default, only the decisions on an operator's application (or what the unit chose), so the
  legal representative is not texted for every step of every clerk's case.
- A reason typed with its own full stop is not given a second one ("。。"), in any message or
  on any page of the case.
"""

from __future__ import annotations

import pytest

from shebao.applications import services
from shebao.applications.tests.conftest import act, make_person, pdf, submitted
from shebao.notifications.models import Notification, OutboundMessage
from shebao.notifications.services import unit_notification_preference_set

pytestmark = pytest.mark.django_db

STEPS = {"申请已提交", "申请已受理", "申请被退回补正"}
DECISIONS = {"申请审核通过", "申请已办结"}


def operator_case(world, unit_staff):
    """An operator's unit application, taken through every step up to 办结; returns it."""
    operator = world.unit_actor(world.operator_granted)
    staff = act(unit_staff, "staff")
    employee = make_person(name="职工丙")
    application, _ = services.application_create(
        actor=operator,
        matter=world.unit_matter,
        data={"subject_id_number": employee.id_number, "leave_date": "2024-09-01"},
    )
    services.material_upload(actor=operator, application=application, code="notice", file=pdf())
    for step in (
        lambda a: services.application_submit(actor=operator, application=a, version=a.version),
        lambda a: services.application_accept(actor=staff, application=a, version=a.version),
        lambda a: services.application_return(
            actor=staff, application=a, version=a.version, reason="通知书不清晰。"
        ),
        lambda a: services.application_submit(actor=operator, application=a, version=a.version),
        lambda a: services.application_accept(actor=staff, application=a, version=a.version),
        lambda a: services.application_approve(actor=staff, application=a, version=a.version),
        lambda a: services.application_complete(
            actor=staff, application=a, version=a.version, reason="已办理停保。"
        ),
    ):
        application.refresh_from_db()
        step(application)
    return application


def heard(user) -> tuple[set[str], int]:
    """The titles in the user's inbox, and how many SMS went to their phone."""
    titles = set(Notification.objects.filter(recipient=user).values_list("title", flat=True))
    return titles, OutboundMessage.objects.filter(to=user.mobile).count()


def test_by_default_the_operator_hears_every_step_and_the_managers_only_decisions(
    world, unit_staff
):
    operator_case(world, unit_staff)

    operator_titles, _ = heard(world.operator_granted)
    assert operator_titles >= STEPS | DECISIONS
    for manager in (world.legal_rep, world.unit_admin):
        titles, texts = heard(manager)
        assert titles == DECISIONS
        # SMS: approval and completion only (not acceptance, not the return)
        assert (
            texts
            == OutboundMessage.objects.filter(
                to=manager.mobile, body__contains=world.unit_matter.name
            ).count()
        )
        assert not OutboundMessage.objects.filter(to=manager.mobile, body__contains="受理").exists()
    # an operator without the matter hears nothing of a colleague's case
    assert heard(world.operator_plain) == (set(), 0)


@pytest.mark.parametrize(
    ("choice", "managers_hear"),
    [("all", STEPS | DECISIONS), ("none", set()), ("decisions", DECISIONS)],
)
def test_the_unit_chooses_what_its_managers_hear(world, unit_staff, choice, managers_hear):
    unit_notification_preference_set(
        actor=world.unit_actor(world.legal_rep), managers_receive=choice
    )
    operator_case(world, unit_staff)

    assert heard(world.operator_granted)[0] >= STEPS | DECISIONS
    for manager in (world.legal_rep, world.unit_admin):
        assert STEPS & heard(manager)[0] == STEPS & managers_hear
        assert DECISIONS & heard(manager)[0] == DECISIONS & managers_hear


def test_an_operator_may_not_choose_for_the_unit(world):
    from shebao.common.errors import PermissionDenied
    from shebao.notifications.models import UnitNotificationPreference

    with pytest.raises(PermissionDenied):
        unit_notification_preference_set(
            actor=world.unit_actor(world.operator_granted), managers_receive="none"
        )
    assert not UnitNotificationPreference.objects.exists()


def test_an_individual_hears_every_step_of_their_own(world):
    application = submitted(world)
    staff = world.staff_actor()
    services.application_accept(actor=staff, application=application, version=application.version)
    assert heard(world.a)[0] == {"申请已提交", "申请已受理"}


def test_no_message_or_page_doubles_a_full_stop_after_a_typed_reason(world, unit_staff, client):
    """Every reason below ends in 。: return, reject before and after acceptance, complete."""
    from shebao.testing import signed_in

    done = operator_case(world, unit_staff)
    rejected_early = submitted(world)
    services.application_reject(
        actor=world.staff_actor(),
        application=rejected_early,
        version=rejected_early.version,
        reason="不符合申领条件。",
    )
    rejected_late = submitted(world)
    services.application_accept(
        actor=world.staff_actor(), application=rejected_late, version=rejected_late.version
    )
    rejected_late.refresh_from_db()
    services.application_reject(
        actor=world.staff_actor(),
        application=rejected_late,
        version=rejected_late.version,
        reason="核查不符！",
    )

    bodies = list(Notification.objects.values_list("body", flat=True))
    bodies += list(OutboundMessage.objects.values_list("body", flat=True))
    assert any("不符合申领条件。" in b for b in bodies)
    assert [b for b in bodies if "。。" in b or "！。" in b] == []
    pages = [
        signed_in(world.a, "individual").get(f"/applications/{rejected_early.number}/"),
        signed_in(world.a, "individual").get(f"/applications/{rejected_late.number}/"),
        signed_in(world.operator_granted, f"unit:{world.unit.pk}").get(
            f"/applications/{done.number}/"
        ),
        signed_in(unit_staff, "staff").get(f"/applications/{done.number}/"),
    ]
    for page in pages:
        assert page.status_code == 200
        text = page.content.decode()
        assert "。。" not in text and "！。" not in text


def test_a_manager_sets_the_choice_on_the_unit_users_page(world):
    from shebao.notifications.selectors import unit_managers_receive
    from shebao.testing import signed_in

    client = signed_in(world.legal_rep, f"unit:{world.unit.pk}")
    page = client.get("/accounts/unit/users/").content.decode()
    assert 'value="decisions" checked' in page
    response = client.post("/notifications/unit/", {"managers_receive": "all"})
    assert response.status_code == 302
    assert unit_managers_receive(unit_id=world.unit.pk) == "all"
    refused = client.post("/notifications/unit/", {"managers_receive": "sometimes"})
    assert refused.status_code == 422
    assert unit_managers_receive(unit_id=world.unit.pk) == "all"
