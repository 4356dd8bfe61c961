"""Fixtures for the appointments tests: Jilin's policy and directory, the service office's
slots over the next working days, two persons, the unemployment desk's staff (every district
of the city) and registration staff (no appointment desk)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest

OFFICE = "jl-fusui"
CITY_DISTRICTS = ("220202", "220203", "220204", "220211")


def next_workdays(count: int, after: date | None = None) -> list[date]:
    from django.utils import timezone

    from shebao.common.workcalendar import is_workday

    day = after or timezone.localdate()
    found = []
    while len(found) < count:
        day += timedelta(days=1)
        if is_workday(day):
            found.append(day)
    return found


@dataclass
class World:
    office: Any
    a: Any  # 张伟 (user)
    b: Any  # 李娜 (user)
    desk: Any  # unemployment staff covering the office's district
    other: Any  # registration staff: no appointment desk
    day: date  # the next working day
    later: date  # the working day after it

    def slot(self, department: str = "unemployment", day: date | None = None, index: int = 0):
        from shebao.appointments.models import Slot

        return Slot.objects.filter(
            office=OFFICE, department_id=department, day=day or self.day
        ).order_by("starts_at")[index]


@pytest.fixture
def world(reference_data) -> World:
    from shebao.appointments.services import slots_open
    from shebao.registry.directory import office_get
    from shebao.testing import make_individual, make_staff, policy_data_load

    policy_data_load()
    office = office_get(OFFICE)
    day, later = next_workdays(2)
    slots_open(office=office, start=day, days=(later - day).days + 1)
    return World(
        office=office,
        a=make_individual(name="张伟"),
        b=make_individual(name="李娜"),
        desk=make_staff(department="unemployment", districts=CITY_DISTRICTS, name="孙约办"),
        other=make_staff(department="registration", name="赵登记"),
        day=day,
        later=later,
    )
