"""Fixtures for the card tests: the catalogue and policy as a deployment has them, a holder of
昌邑区 with an account, the card service's staff of the district and counter staff of another."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from shebao.hall.tests.test_browser_journey import chromium  # noqa: F401  (the browser fixture)


@dataclass
class World:
    holder: Any  # the holder's user (individual)
    person: Any
    card_staff: Any  # card service staff of 昌邑区 (user)
    staff_there: Any  # counter staff of 船营区 only

    def actor(self) -> Any:
        from shebao.testing import act

        return act(self.holder)

    def staff(self) -> Any:
        from shebao.testing import staff_actor

        return staff_actor(self.card_staff)


@pytest.fixture
def hall(reference_data):
    from shebao.testing import hall_load

    hall_load()


@pytest.fixture
def world(hall) -> World:
    from shebao.testing import OTHER_DISTRICT, make_individual, make_staff

    holder = make_individual(name="韩梅梅")
    return World(
        holder=holder,
        person=holder.person,
        card_staff=make_staff(department="card", name="宋制卡"),
        staff_there=make_staff(department="registration", districts=(OTHER_DISTRICT,)),
    )


class Clock:
    """The times the exchange task runs at: each ``tick`` is one stage later."""

    def __init__(self) -> None:
        self.now = timezone.now()

    def tick(self, minutes: int = 10) -> Any:
        self.now = self.now + timedelta(minutes=minutes)
        return self.now


@pytest.fixture
def clock(settings) -> Clock:
    settings.SHEBAO_CARD_BUREAU_STAGE_MINUTES = 10
    settings.SHEBAO_COURIER_STAGE_MINUTES = 10
    return Clock()
