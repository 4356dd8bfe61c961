"""Certificates in a real browser at phone width (headless Debian chromium, Playwright): a person
prints a 参保证明 and opens its verification page through the link it carries (the address its
QR code encodes); a unit's administrator prints its 单位权益单. Screenshots go to
``<SHEBAO_TEST_OUTPUT>/browser/certificates/``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from shebao.common import pdf
from shebao.hall.tests.test_browser_journey import Journey
from shebao.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _sign_in_person(journey: Journey, id_number: str) -> None:
    journey.go("/accounts/login/?as=individual")
    journey.page.fill('input[name="identifier"]', id_number)
    journey.page.fill('input[name="password"]', PASSWORD)
    journey.page.click('form button[type="submit"]')
    journey.page.wait_for_load_state("networkidle")


def test_a_person_prints_a_participation_certificate_and_checks_it(
    world, live_server, chromium, settings
):
    settings.SHEBAO_PUBLIC_URL = live_server.url
    output = Path(settings.SHEBAO_TEST_OUTPUT) / "browser" / "certificates"
    output.mkdir(parents=True, exist_ok=True)
    context = chromium.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True)
    journey = Journey(context.new_page(), live_server.url, output)
    page = journey.page

    _sign_in_person(journey, world.liu.id_number)
    journey.go("/certificates/")
    assert "我的证明" in page.inner_text("main")
    page.check('input[name="kind"][value="participation"]')
    journey.shot("person-print")
    page.click("text=生成并打印")
    page.wait_for_load_state("networkidle")
    assert "参保证明已出具" in page.inner_text("main")
    journey.shot("person-printed")
    href = page.get_attribute("text=下载 PDF", "href")
    file = page.request.get(live_server.url + href)
    assert file.status == 200 and file.headers["content-type"] == "application/pdf"
    text = pdf.extract_text(file.body())
    assert "参保证明" in text and "刘一" in text and world.liu.id_number in text
    link = re.search(r"核验地址：(\S+/verify/[0-9A-Z]{12}/)", text).group(1)
    assert link.startswith(live_server.url)

    verifier = context.new_page()  # whoever received the paper: not signed in
    verifier.context.clear_cookies()
    verifier.goto(link)
    shown = verifier.inner_text("main")
    assert "真实有效" in shown and "参保证明" in shown and "刘*" in shown
    assert world.liu.id_number not in shown
    verifier.screenshot(path=output / "verify.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()


def test_a_unit_prints_its_rights_statement(world, live_server, chromium, settings):
    settings.SHEBAO_PUBLIC_URL = live_server.url
    output = Path(settings.SHEBAO_TEST_OUTPUT) / "browser" / "certificates"
    output.mkdir(parents=True, exist_ok=True)
    context = chromium.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True)
    journey = Journey(context.new_page(), live_server.url, output)
    page = journey.page

    journey.go("/accounts/login/?as=unit")
    page.fill('input[name="credit_code"]', world.unit.credit_code)
    page.fill('input[name="id_number"]', world.admin.person.id_number)
    page.fill('input[name="password"]', PASSWORD)
    page.click('form button[type="submit"]')
    page.wait_for_load_state("networkidle")
    journey.go("/certificates/")
    page.check('input[name="kind"][value="unit_rights"]')
    page.fill('input[name="month"]', "2020-03")
    journey.shot("unit-print")
    page.click("text=生成并打印")
    page.wait_for_load_state("networkidle")
    assert "单位社会保险权益单已出具" in page.inner_text("main")
    journey.shot("unit-printed")
    href = page.get_attribute("text=下载 PDF", "href")
    text = pdf.extract_text(page.request.get(live_server.url + href).body())
    assert world.unit.name in text and "2020年3月参保缴费人员" in text and "2 人" in text
    journey.go("/certificates/")
    assert "单位社会保险权益单" in page.inner_text("main") and "有效" in page.inner_text("main")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()
