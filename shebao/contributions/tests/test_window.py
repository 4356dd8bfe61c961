"""The closed assessment window: Jiangsu assesses the month on the 7th–10th, when the hall is
closed to the public (seed 002, from 2021-08). A run outside it is refused with the date it
opens, unless forced by staff allowed to; regions without a window assess any day."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from shebao.accounts.capabilities import Capability, capability_grant
from shebao.common.errors import Conflict, PermissionDenied
from shebao.common.periods import YearMonth
from shebao.contributions.assessment import assessment_start, window_of
from shebao.contributions.models import AssessmentRun
from shebao.registry.models import Region
from shebao.testing import make_staff, signed_in, staff_actor

pytestmark = pytest.mark.django_db

MONTH = YearMonth(2026, 3)


@pytest.fixture
def changzhou(hall):
    return Region.objects.get(code="320400")


def today(monkeypatch, text):
    """The hall's calendar day (what the window is checked against)."""
    from datetime import date

    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *args: date.fromisoformat(text))


def runner(*capabilities):
    user = make_staff(districts=("320400",), name="常经办")
    for capability in (Capability.RUN_ASSESSMENT, *capabilities):
        capability_grant(staff=user.staff_profile, capability=capability, regions=["320400"])
    return user


def test_the_window_is_policy_data_with_its_source(changzhou):
    from datetime import date

    assert window_of(changzhou, date(2026, 3, 1)) == {
        "open_day": 7,
        "close_day": 10,
        "same_month": True,
    }
    assert window_of(changzhou, date(2021, 7, 8)) is None  # before the 2021-08 platform
    assert window_of(Region.objects.get(code="220200"), date(2026, 3, 1)) is None


def test_outside_the_window_a_run_is_refused_with_the_day_it_opens(changzhou, monkeypatch):
    today(monkeypatch, "2026-03-12")
    with pytest.raises(Conflict) as error:
        assessment_start(actor=staff_actor(runner()), region=changzhou, month=MONTH, enqueue=False)
    assert error.value.code == "ASSESSMENT_WINDOW_CLOSED"
    assert "每月7日至10日" in error.value.message and "4月7日" in error.value.message
    assert not AssessmentRun.objects.exists()


def test_forcing_takes_the_capability(changzhou, monkeypatch):
    today(monkeypatch, "2026-03-12")
    with pytest.raises(PermissionDenied):
        assessment_start(
            actor=staff_actor(runner()), region=changzhou, month=MONTH, enqueue=False, force=True
        )
    allowed = staff_actor(runner(Capability.ASSESS_OUT_OF_WINDOW))
    run = assessment_start(actor=allowed, region=changzhou, month=MONTH, enqueue=False, force=True)
    assert run.forced


def test_inside_the_window_a_run_starts(changzhou, monkeypatch):
    today(monkeypatch, "2026-03-08")
    run = assessment_start(
        actor=staff_actor(runner()), region=changzhou, month=MONTH, enqueue=False
    )
    assert run.status == "queued" and not run.forced


def test_the_command_is_refused_outside_the_window_unless_forced(changzhou, monkeypatch):
    today(monkeypatch, "2026-03-05")
    with pytest.raises(CommandError, match="核定期"):
        call_command("month_assess", "320400", "2026-02")
    call_command("month_assess", "320400", "2026-02", "--force")
    assert AssessmentRun.objects.get().forced


def test_the_staff_page_shows_the_window_and_the_refusal(changzhou, monkeypatch):
    today(monkeypatch, "2026-03-12")
    client = signed_in(runner(), "staff")
    page = client.get("/contributions/staff/runs/")
    assert "每月7日至10日" in page.content.decode()
    response = client.post(
        "/contributions/staff/runs/", {"region": "320400", "month": "2026-03"}, follow=True
    )
    assert "今天不在核定期内" in response.content.decode()
    assert not AssessmentRun.objects.exists()
