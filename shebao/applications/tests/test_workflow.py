"""The transitions table is what services, selectors, the API and the pages read.

Walks every path through the table: each transition reaches its target, runs its handler hook
in its transaction (and a failing hook leaves nothing behind), is offered to exactly the actor
the table names, and is called the same thing in the notification, the audit trail, the
status text of the page and the API.
"""

from __future__ import annotations

from typing import Any

import pytest

from shebao.applications import services, workflow
from shebao.applications.handlers import MatterHandler, register, unregister
from shebao.applications.models import Application
from shebao.applications.tests.conftest import act, make_matter
from shebao.common.errors import Conflict
from shebao.notifications.models import Notification

pytestmark = pytest.mark.django_db

S = Application.Status
KEY = "test.recording"


class Recording(MatterHandler):
    """Records every hook; raises in the hook named by ``fail``."""

    calls: list[tuple[str, str]] = []
    fail: str = ""

    def _record(self, hook: str, application: Application) -> None:
        self.calls.append((hook, application.status))
        if hook == self.fail:
            raise Conflict("下游登记失败", code="HOOK_FAILED")


for _hook in {row.hook for row in workflow.ACTIONS if row.hook}:

    def _method(self: Recording, application: Application, actor: Any, _name: str = _hook) -> Any:
        self._record(_name, application)
        return None

    setattr(Recording, _hook, _method)


@pytest.fixture
def matter(world):
    register(KEY)(Recording)
    Recording.calls = []
    Recording.fail = ""
    matter = make_matter(code="individual.recording", handler=KEY, materials=[])
    yield matter
    unregister(KEY)


def _staff(world):
    return world.staff_actor()


def _do(world, application: Application, action: str, **kwargs: Any) -> Application:
    """Take ``action`` as the actor the table names for it."""
    application.refresh_from_db()
    applicant = act(world.a)
    version = application.version
    reason = "理由"
    if action == "submit":
        return services.application_submit(
            actor=applicant, application=application, version=version
        )
    if action == "recall":
        return services.application_recall(
            actor=applicant, application=application, version=version
        )
    if action == "withdraw":
        return services.application_withdraw(
            actor=applicant, application=application, version=version
        )
    if action == "lapse":
        raise AssertionError("lapse is the system's (tested in test_tolerance)")
    return services.application_decide(
        actor=_staff(world), application=application, action=action, version=version, reason=reason
    )


def _draft(world, matter) -> Application:
    application, _ = services.application_create(
        actor=act(world.a), matter=matter, data={"reason": "合同到期", "start_date": "2024-09-01"}
    )
    return application


# Paths to every source state of the table, from a fresh draft.
PATH_TO = {
    S.DRAFT: [],
    S.SUBMITTED: ["submit"],
    S.ACCEPTED: ["submit", "accept"],
    S.APPROVED: ["submit", "accept", "approve"],
    S.RETURNED: ["submit", "accept", "return"],
}

TRANSITIONS = [
    (row, source)
    for row in workflow.ACTIONS
    if row.changes_state and row.actor != workflow.SYSTEM
    for source in row.sources
]


def _id(value: Any) -> str:
    return value.key if isinstance(value, workflow.Action) else str(value)


def test_every_transition_names_a_hook_the_handler_interface_has():
    for row in workflow.ACTIONS:
        if row.changes_state:
            assert row.hook and callable(getattr(MatterHandler, row.hook, None)), row.key
        if row.actor == workflow.REVIEWER:
            assert row.capability == "review", row.key


def test_no_two_rows_take_one_action_from_one_state():
    seen: set[tuple[str, str]] = set()
    for row in workflow.ACTIONS:
        for source in row.sources:
            assert (row.action, source) not in seen, row.key
            seen.add((row.action, source))


@pytest.mark.parametrize(("row", "source"), TRANSITIONS, ids=_id)
def test_each_transition_reaches_its_target_and_runs_its_hook(world, matter, row, source):
    application = _draft(world, matter)
    for step in PATH_TO[source]:
        _do(world, application, step)
    application.refresh_from_db()
    assert application.status == source
    Recording.calls = []

    _do(world, application, row.action)

    application.refresh_from_db()
    assert application.status == row.target
    assert application.status_transition == row.key
    assert Recording.calls == [(row.hook, row.target)]  # ran after the move, in the transaction
    event = application.events.order_by("id").last()
    assert (event.action, event.from_status, event.to_status) == (
        "update" if row.action == "edit" else row.action,
        source,
        row.target,
    )
    assert event.label == row.label


@pytest.mark.parametrize(("row", "source"), TRANSITIONS, ids=_id)
def test_a_failing_hook_rolls_back_the_whole_transition(world, matter, row, source):
    application = _draft(world, matter)
    for step in PATH_TO[source]:
        _do(world, application, step)
    application.refresh_from_db()
    before = (application.status, application.version, application.status_transition)
    events = application.events.count()
    notes = Notification.objects.count()
    Recording.fail = row.hook

    with pytest.raises(Conflict) as caught:
        _do(world, application, row.action)

    assert caught.value.code == "HOOK_FAILED"
    application.refresh_from_db()
    assert (application.status, application.version, application.status_transition) == before
    assert application.events.count() == events
    assert Notification.objects.count() == notes


@pytest.mark.parametrize("source", list(PATH_TO), ids=str)
def test_the_offered_actions_are_the_tables(world, matter, source):
    application = _draft(world, matter)
    for step in PATH_TO[source]:
        _do(world, application, step)
    application.refresh_from_db()
    from shebao.applications import selectors

    applicant = selectors.allowed_actions(actor=act(world.a), application=application)
    reviewer = (
        selectors.allowed_actions(actor=_staff(world), application=application)
        if source != S.DRAFT
        else []
    )
    expected_applicant = [
        r.action
        for r in workflow.ACTIONS
        if r.actor == workflow.APPLICANT and source in r.sources and r.action != "supply"
    ]
    expected_reviewer = [
        action
        for action in workflow.REVIEWER_ORDER
        if source != S.DRAFT and workflow.transition_for(action, source) is not None
    ]
    assert applicant == expected_applicant
    assert reviewer == expected_reviewer
    # Someone else's case offers nothing.
    assert selectors.allowed_actions(actor=act(world.b), application=application) == []


def test_accepted_returned_resubmitted_rejected_is_not_accepted_everywhere(world, matter):
    """The case waits for acceptance again after resubmission: its rejection is 不予受理 in the
    notification, the audit trail, the status on the page and in the API."""
    from shebao.testing import signed_in

    application = _draft(world, matter)
    for step in ["submit", "accept", "return", "submit"]:
        _do(world, application, step)
    _do(world, application, "reject")
    application.refresh_from_db()

    assert application.status == S.REJECTED
    assert application.accepted_at is not None  # it was accepted once
    assert application.status_label == "不予受理"
    assert application.events.order_by("id").last().label == "不予受理"
    assert application.events.order_by("id").last().to_status_label == "不予受理"
    titles = list(
        Notification.objects.filter(recipient=world.a)
        .order_by("id")
        .values_list("title", flat=True)
    )
    assert titles[-1] == "申请不予受理"
    assert "不予批准" not in "".join(titles)

    client = signed_in(world.a, "individual")
    page = client.get(f"/applications/{application.number}/").content.decode()
    assert "不予受理。" in page and "不予批准" not in page
    from shebao.applications.api import _summary  # the API's status text

    assert _summary(application)["status_label"] == "不予受理"


def test_rejected_after_review_is_not_approved_everywhere(world, matter):
    application = _draft(world, matter)
    for step in ["submit", "accept", "return", "submit", "accept"]:
        _do(world, application, step)
    _do(world, application, "reject")
    application.refresh_from_db()
    assert application.status_label == "不予批准"
    assert application.events.order_by("id").last().label == "不予批准"
    note = Notification.objects.filter(recipient=world.a).order_by("id").last()
    assert note.title == "申请不予批准"


def test_the_staff_page_buttons_are_the_tables(world, matter):
    from shebao.testing import signed_in

    application = _draft(world, matter)
    _do(world, application, "submit")
    client = signed_in(world.staff, "staff")
    page = client.get(f"/applications/{application.number}/").content.decode()
    for row in workflow.available(S.SUBMITTED, workflow.REVIEWER):
        assert f'name="action" value="{row.action}"' in page
        assert row.button in page and row.confirm in page
    assert "不予批准" not in page
