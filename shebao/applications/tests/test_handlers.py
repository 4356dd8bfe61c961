"""Matter handlers: the effect on master records runs inside the approve transaction.

The example is a real effect: a contact-details change (个人信息变更) whose approval writes the
new mobile number into the registry's Person — and which rolls back with the approval.
"""

from __future__ import annotations

from typing import Any

import pytest

from shebao.applications import services
from shebao.applications.handlers import (
    DEFAULT_HANDLER,
    HandlerNotRegistered,
    MatterHandler,
    handler_for,
    register,
    unregister,
)
from shebao.applications.models import Application
from shebao.applications.tests.conftest import GOOD_DATA as GOOD
from shebao.applications.tests.conftest import act, make_matter, pdf
from shebao.catalogue.models import Matter
from shebao.common.errors import Conflict, InvalidInput
from shebao.notifications.models import Notification
from shebao.registry.models import Person

pytestmark = pytest.mark.django_db

KEY = "test.contact_change"


class ContactChangeHandler(MatterHandler):
    """Approving the change writes the new mobile number to the person's record."""

    auto_complete = True
    calls: list[str] = []

    def validate(self, application: Application, data: dict[str, Any]) -> dict[str, Any]:
        person = application.person
        if person is not None and data.get("mobile") == person.mobile:
            raise InvalidInput("新手机号码与现登记号码相同", field="mobile")
        return data

    def check_submit(self, application: Application) -> None:
        if application.person.verification != Person.Verification.VERIFIED:
            raise Conflict("身份核验完成后才能变更联系方式", code="PERSON_NOT_VERIFIED")

    def on_approved(self, application: Application, actor: Any) -> dict[str, Any]:
        person = Person.objects.select_for_update().get(pk=application.person_id)
        old = person.mobile
        person.mobile = application.data["mobile"]
        person.save(update_fields=["mobile", "updated_at"])
        if application.data.get("fail_after_write"):
            raise Conflict("下游登记失败", code="REGISTRY_WRITE_FAILED")
        self.calls.append("approved")
        return {"old_mobile": old, "new_mobile": person.mobile}

    def on_completed(self, application: Application, actor: Any) -> None:
        self.calls.append("completed")


@pytest.fixture
def contact_matter(world):
    register(KEY)(ContactChangeHandler)
    ContactChangeHandler.calls = []
    matter = make_matter(
        code="individual.contact_change",
        name="个人联系方式变更",
        department="unemployment",
        handler=KEY,
        materials=[],
        fields=[
            {"name": "mobile", "label": "新手机号码", "type": "mobile", "required": True},
            {"name": "fail_after_write", "label": "测试", "type": "bool", "required": False},
        ],
    )
    yield matter
    unregister(KEY)


def _accepted(world, matter, data):
    actor = act(world.a)
    application, _ = services.application_create(actor=actor, matter=matter, data=data)
    services.application_submit(actor=actor, application=application, version=application.version)
    application.refresh_from_db()
    services.application_accept(
        actor=world.staff_actor(), application=application, version=application.version
    )
    application.refresh_from_db()
    return application


def test_a_matter_without_a_handler_key_gets_the_default(world):
    application = Application(matter=world.matter)
    assert world.matter.handler == ""
    assert handler_for(application) is DEFAULT_HANDLER


def test_a_matter_naming_an_unregistered_handler_cannot_submit(world):
    actor = act(world.a)
    application, _ = services.application_create(actor=actor, matter=world.matter, data=GOOD)
    services.material_upload(actor=actor, application=application, code="id_card", file=pdf())
    services.material_upload(actor=actor, application=application, code="contract_end", file=pdf())
    world.matter.handler = "benefits.not_written_yet"
    world.matter.save()
    application.refresh_from_db()
    with pytest.raises(HandlerNotRegistered):
        services.application_submit(
            actor=actor, application=application, version=application.version
        )
    application.refresh_from_db()
    assert application.status == "draft"
    assert list(application.events.values_list("action", flat=True)) == [
        "create",
        "upload",
        "upload",
    ]


def test_handler_validate_refuses_with_its_own_field_message(world, contact_matter):
    with pytest.raises(InvalidInput) as caught:
        services.application_create(
            actor=act(world.a), matter=contact_matter, data={"mobile": world.a.person.mobile}
        )
    assert caught.value.field == "mobile"
    assert Application.objects.count() == 0


def test_handler_check_submit_refuses_submission(world, contact_matter):
    person = world.a.person
    person.verification = Person.Verification.PENDING
    person.save()
    actor = act(world.a)
    application, _ = services.application_create(
        actor=actor, matter=contact_matter, data={"mobile": "13912345678"}
    )
    with pytest.raises(Conflict) as caught:
        services.application_submit(
            actor=actor, application=application, version=application.version
        )
    assert caught.value.code == "PERSON_NOT_VERIFIED"
    application.refresh_from_db()
    assert application.status == "draft"


def test_approval_applies_the_effect_and_auto_completes(world, contact_matter):
    application = _accepted(world, contact_matter, {"mobile": "13912345678"})
    services.application_approve(
        actor=world.staff_actor(), application=application, version=application.version
    )
    application.refresh_from_db()
    world.a.person.refresh_from_db()
    assert world.a.person.mobile == "13912345678"
    assert application.status == Application.Status.COMPLETED
    approve, complete = application.events.filter(action__in=["approve", "complete"]).order_by("id")
    assert approve.data == {"effect": {"old_mobile": "13800001111", "new_mobile": "13912345678"}}
    assert (complete.from_status, complete.to_status) == ("approved", "completed")
    assert ContactChangeHandler.calls == ["approved", "completed"]
    assert list(Notification.objects.filter(recipient=world.a).values_list("title", flat=True))[
        :1
    ] == ["申请已办结"]


def test_a_failing_effect_rolls_back_the_approval_and_its_partial_writes(world, contact_matter):
    application = _accepted(
        world, contact_matter, {"mobile": "13912345678", "fail_after_write": True}
    )
    events_before = application.events.count()
    notes_before = Notification.objects.count()
    with pytest.raises(Conflict) as caught:
        services.application_approve(
            actor=world.staff_actor(), application=application, version=application.version
        )
    assert caught.value.code == "REGISTRY_WRITE_FAILED"
    application.refresh_from_db()
    world.a.person.refresh_from_db()
    assert world.a.person.mobile == "13800001111"  # the handler's write was rolled back
    assert application.status == Application.Status.ACCEPTED
    assert application.events.count() == events_before
    assert Notification.objects.count() == notes_before


def test_a_handler_may_choose_the_acceptance_mode_per_case(world):
    class BackPaymentHandler(MatterHandler):
        """Beijing 2020 (seed 003): up to 3 years back → 承诺制; longer → 容缺受理."""

        def acceptance_mode(self, application: Application) -> str:
            years = int(application.data.get("years", 0))
            return (
                Matter.AcceptanceMode.COMMITMENT if years <= 3 else Matter.AcceptanceMode.TOLERANCE
            )

    register("test.back_payment")(BackPaymentHandler)
    try:
        matter = make_matter(
            code="individual.back_payment",
            handler="test.back_payment",
            materials=[{"code": "proof", "name": "补缴证明", "required": True, "core": False}],
            fields=[{"name": "years", "label": "补缴年数", "type": "integer", "required": True}],
        )
        actor = act(world.a)
        short, _ = services.application_create(actor=actor, matter=matter, data={"years": "2"})
        services.application_submit(
            actor=actor, application=short, version=short.version, commitment_accepted=True
        )
        long, _ = services.application_create(actor=actor, matter=matter, data={"years": "5"})
        services.application_submit(actor=actor, application=long, version=long.version)
        short.refresh_from_db()
        long.refresh_from_db()
        assert (short.acceptance_mode, long.acceptance_mode) == ("commitment", "tolerance")
    finally:
        unregister("test.back_payment")


def test_a_handler_may_answer_a_case_at_once_and_leave_another_to_the_reviewer(
    world, contact_matter
):
    """``instant`` per case: the system accepts, approves (the effect) and completes a case
    the handler answers at once in the submit transaction; another waits for a reviewer."""

    class AtOnce(ContactChangeHandler):
        def instant(self, application: Application) -> bool:
            return not application.data.get("fail_after_write")

    unregister(KEY)
    register(KEY)(AtOnce)
    actor = act(world.a)
    quick, _ = services.application_create(
        actor=actor, matter=contact_matter, data={"mobile": "13912345678"}
    )
    services.application_submit(actor=actor, application=quick, version=quick.version)
    slow, _ = services.application_create(
        actor=actor, matter=contact_matter, data={"mobile": "13987654321", "fail_after_write": True}
    )
    services.application_submit(actor=actor, application=slow, version=slow.version)

    quick.refresh_from_db()
    slow.refresh_from_db()
    world.a.person.refresh_from_db()
    assert (quick.status, slow.status) == ("completed", "submitted")
    assert world.a.person.mobile == "13912345678"
    accept = quick.events.get(action="accept")
    assert (accept.actor_id, accept.data) == (None, {"instant": True})
    assert quick.events.get(action="approve").data["effect"]["new_mobile"] == "13912345678"


def test_registering_two_classes_under_one_key_is_an_error():
    class One(MatterHandler):
        pass

    class Two(MatterHandler):
        pass

    register("test.dup")(One)
    try:
        with pytest.raises(ValueError):
            register("test.dup")(Two)
    finally:
        unregister("test.dup")
