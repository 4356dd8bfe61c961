"""A person books an appointment and cancels it, at phone width, in a real browser (headless
Debian chromium, driven by Playwright). Screenshots go to ``<SHEBAO_TEST_OUTPUT>/appointments/``."""

from __future__ import annotations

from pathlib import Path

import pytest

from shebao.appointments.models import Appointment
from shebao.hall.tests.test_browser_journey import chromium  # noqa: F401  (the browser fixture)
from shebao.testing import PASSWORD, make_individual

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def test_a_person_books_and_cancels_at_phone_width(world, live_server, chromium, settings):  # noqa: F811
    output = Path(settings.SHEBAO_TEST_OUTPUT) / "appointments"
    output.mkdir(parents=True, exist_ok=True)
    user = make_individual(name="王预约")
    context = chromium.new_context(viewport=PHONE, is_mobile=True)
    page = context.new_page()

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill('input[name="identifier"]', user.username)
    page.fill('input[name="password"]', PASSWORD)
    page.click('main form button[type="submit"]')
    page.wait_for_load_state("networkidle")

    page.goto(f"{live_server.url}/appointments/?department=unemployment&date={world.day}")
    assert page.locator(".slot").count() == 13
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]  # nothing wider than the phone
    page.locator(".slot").nth(2).click()
    page.fill('input[name="matter"]', "失业保险金申领")
    page.screenshot(path=output / "01-choose-slot.png", full_page=True)
    page.click('button:has-text("确认预约")')
    page.wait_for_load_state("networkidle")
    assert "预约成功" in page.content()
    booked = Appointment.objects.get(person=user.person)
    assert booked.slot_id == world.slot(index=2).pk and booked.status == "booked"
    page.screenshot(path=output / "02-booked.png", full_page=True)

    page.click('#mine button:has-text("取消预约")')
    page.wait_for_load_state("networkidle")
    assert f"预约 {booked.pk} 已取消" in page.content()
    page.screenshot(path=output / "03-cancelled.png", full_page=True)
    booked.refresh_from_db()
    assert booked.status == "cancelled"
    assert booked.slot.booked == 0
    context.close()
