"""容缺受理: missing materials tracked from acceptance until supplied or the case lapses."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import call_command
from freezegun import freeze_time

from shebao.applications import services
from shebao.applications.models import Application, DeferredMaterial
from shebao.applications.tasks import lapse_overdue_deferred
from shebao.applications.tests.conftest import GOOD_DATA, act, make_matter, pdf
from shebao.catalogue.models import Matter
from shebao.common.errors import Conflict
from shebao.notifications.models import Notification, OutboundMessage

pytestmark = pytest.mark.django_db


@pytest.fixture
def tolerance_matter(world):
    return make_matter(
        code="individual.tolerance",
        acceptance_mode=Matter.AcceptanceMode.TOLERANCE,
        tolerance_days=5,
        time_limit_days=10,
    )


def accepted_with_gap(world, matter, *, on="2024-09-30 10:00:00+08:00") -> Application:
    actor = act(world.a)
    application, _ = services.application_create(actor=actor, matter=matter, data=dict(GOOD_DATA))
    services.material_upload(actor=actor, application=application, code="id_card", file=pdf())
    services.application_submit(actor=actor, application=application, version=application.version)
    application.refresh_from_db()
    with freeze_time(on):
        services.application_accept(
            actor=world.staff_actor(), application=application, version=application.version
        )
    application.refresh_from_db()
    return application


def test_acceptance_records_each_missing_material_with_its_due_date(world, tolerance_matter):
    application = accepted_with_gap(world, tolerance_matter)
    deferred = application.deferred.get()
    assert (deferred.code, deferred.name) == ("contract_end", "解除劳动合同证明")
    # 5 working days after 30 Sept 2024, across the National Day holiday (1–7 October) and
    # counting the makeup Saturday of 12 October.
    assert deferred.due_date == date(2024, 10, 12)
    assert application.due_date == date(2024, 10, 18)  # 10 working days
    note = Notification.objects.get(recipient=world.a, title="申请已受理")
    assert "请于2024年10月12日前补交：解除劳动合同证明" in note.body


def test_approval_waits_for_deferred_materials(world, tolerance_matter):
    application = accepted_with_gap(world, tolerance_matter)
    staff = world.staff_actor()
    with pytest.raises(Conflict) as caught:
        services.application_approve(
            actor=staff, application=application, version=application.version
        )
    assert caught.value.code == "DEFERRED_MATERIALS_OUTSTANDING"
    assert caught.value.message == "尚有容缺材料未补交（解除劳动合同证明），不能审核通过"

    material = services.material_upload(
        actor=act(world.a), application=application, code="contract_end", file=pdf()
    )
    deferred = application.deferred.get()
    assert deferred.supplied_material == material
    assert deferred.supplied_at is not None
    assert application.events.last().action == "supply"
    assert Notification.objects.filter(recipient=world.staff, title="容缺材料已补齐").count() == 1

    application.refresh_from_db()
    services.application_approve(actor=staff, application=application, version=application.version)
    application.refresh_from_db()
    assert application.status == Application.Status.APPROVED


def test_supplying_a_material_that_is_not_outstanding_is_refused(world, tolerance_matter):
    application = accepted_with_gap(world, tolerance_matter)
    with pytest.raises(Conflict) as caught:
        services.material_upload(
            actor=act(world.a), application=application, code="photo", file=pdf()
        )
    assert caught.value.code == "APPLICATION_INVALID_TRANSITION"
    with pytest.raises(Conflict) as caught:
        services.deferred_material_supply(
            actor=act(world.a), application=application, code="photo", file=pdf()
        )
    assert caught.value.code == "DEFERRED_NOT_OUTSTANDING"
    assert application.materials.count() == 1


def test_lapse_is_idempotent_and_tells_the_applicant(world, tolerance_matter):
    application = accepted_with_gap(world, tolerance_matter)
    # Due 12 October: still in time on that day.
    assert services.applications_lapse_overdue_deferred(today=date(2024, 10, 12)) == 0
    with freeze_time("2024-10-13 01:00:00+08:00"):
        assert services.applications_lapse_overdue_deferred() == 1
        assert services.applications_lapse_overdue_deferred() == 0
    application.refresh_from_db()
    assert application.status == Application.Status.LAPSED
    assert application.events.filter(action="lapse").count() == 1
    event = application.events.get(action="lapse")
    assert (event.actor, event.actor_kind) == (None, "system")
    assert event.reason == "容缺材料逾期未补交：解除劳动合同证明"
    assert application.deferred.get().lapsed_at is not None
    assert Notification.objects.filter(recipient=world.a, title="申请已失效").count() == 1
    assert OutboundMessage.objects.filter(body__contains="已失效").count() == 1


def test_supplied_cases_and_cases_without_a_due_date_do_not_lapse(world, tolerance_matter):
    supplied = accepted_with_gap(world, tolerance_matter)
    services.material_upload(
        actor=act(world.a), application=supplied, code="contract_end", file=pdf()
    )
    open_ended = make_matter(
        code="individual.after_epidemic",
        acceptance_mode=Matter.AcceptanceMode.TOLERANCE,
        tolerance_days=None,  # seed 003: materials collected after the epidemic ends
    )
    waiting = accepted_with_gap(world, open_ended)
    assert waiting.deferred.get().due_date is None
    assert services.applications_lapse_overdue_deferred(today=date(2030, 1, 1)) == 0
    assert set(Application.objects.values_list("status", flat=True)) == {"accepted"}


def test_the_task_and_the_command_run_the_same_lapse(world, tolerance_matter, capsys):
    accepted_with_gap(world, tolerance_matter)
    accepted_with_gap(world, tolerance_matter)
    with freeze_time("2024-10-14 01:00:00+08:00"):
        result = lapse_overdue_deferred.enqueue()
    assert result.return_value == 2
    call_command("applications_lapse_overdue", "--date", "2024-10-20")
    assert capsys.readouterr().out.strip() == "已失效申请：0 件"


def test_return_cancels_outstanding_deferred_and_reacceptance_records_afresh(
    world, tolerance_matter
):
    application = accepted_with_gap(world, tolerance_matter)
    staff = world.staff_actor()
    services.application_return(
        actor=staff, application=application, version=application.version, reason="请补充说明"
    )
    assert application.deferred.get().cancelled_at is not None
    application.refresh_from_db()
    actor = act(world.a)
    services.application_submit(actor=actor, application=application, version=application.version)
    application.refresh_from_db()
    with freeze_time("2024-10-08 10:00:00+08:00"):
        services.application_accept(
            actor=staff, application=application, version=application.version
        )
    current = DeferredMaterial.objects.filter(application=application, cancelled_at__isnull=True)
    assert [(d.code, d.due_date) for d in current] == [("contract_end", date(2024, 10, 14))]
    # The cancelled row never lapses the case.
    assert services.applications_lapse_overdue_deferred(today=date(2024, 10, 14)) == 0
