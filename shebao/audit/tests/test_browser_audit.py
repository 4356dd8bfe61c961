"""In a real browser (headless Debian chromium, Playwright): a person files a complaint and
follows it; staff of the audit department open, suspend, resume and close it; the person reads
the outcome. Screenshots go to ``<SHEBAO_TEST_OUTPUT>/browser-audit/``."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import timezone

from shebao.audit.models import AuditCase
from shebao.hall.tests.test_browser_journey import Journey
from shebao.policy.services import policy_load
from shebao.registry.services import departments_load, regions_load
from shebao.testing import PASSWORD, make_individual, make_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world():
    regions_load()
    departments_load()
    policy_load()
    person = make_individual(name="周投诉", district="220202")
    make_staff(username="jl-jh-09", districts=("220202",), department="audit", name="梁稽核")
    return person


def test_a_person_files_and_follows_a_complaint_that_audit_staff_handle(
    world,
    live_server,
    chromium,
    settings,
):
    output = Path(settings.SHEBAO_TEST_OUTPUT) / "browser-audit"
    output.mkdir(parents=True, exist_ok=True)
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    journey = Journey(context.new_page(), live_server.url, output)
    page = journey.page
    today = timezone.localdate().isoformat()

    # The person files a complaint; without content it is refused with a Chinese message.
    journey.sign_in("individual", world.username, PASSWORD)
    journey.go("/audit/reports/")
    page.fill("#respondent_name", "吉林市昌邑区鸿运商贸有限公司")
    page.click("#report-form button[type='submit']")
    page.wait_for_load_state("networkidle")
    assert "请填写投诉举报内容" in page.inner_text("#form-error")
    assert AuditCase.objects.count() == 0
    journey.shot("complaint-refused")
    page.fill("#content", "本人2024年在该公司工作，公司未为本人缴纳社会保险费。")
    page.fill("#materials", "劳动合同复印件")
    page.click("#report-form button[type='submit']")
    page.wait_for_load_state("networkidle")
    number = AuditCase.objects.get().number
    assert "已登记，待立案" in page.inner_text("#status")
    journey.shot("complaint-filed")
    journey.sign_out()

    # The audit department opens, suspends, resumes and closes it.
    journey.sign_in("staff", "jl-jh-09", PASSWORD)
    journey.go("/audit/cases/")
    page.click(f"text={number}")
    page.wait_for_load_state("networkidle")
    journey.shot("case-registered")
    page.fill("#open-note", "材料齐全，予以立案")
    page.click("#open-form button[type='submit']")
    page.wait_for_load_state("networkidle")
    assert "已立案，稽核中" in page.inner_text("#status")
    page.fill("#start", today)
    page.fill("#reason", "被稽核单位暂停营业")
    page.click("#suspend-form button[type='submit']")
    page.wait_for_load_state("networkidle")
    assert "稽核中止" in page.inner_text("#status")
    journey.shot("case-suspended")
    page.fill("#on", today)
    page.click("#resume-form button[type='submit']")
    page.wait_for_load_state("networkidle")
    assert "已立案，稽核中" in page.inner_text("#status")
    page.select_option("#outcome", "confirmed")
    page.fill("#close-note", "经核查情况属实，已责令该公司补缴")
    page.click("#close-form button[type='submit']")
    page.wait_for_load_state("networkidle")
    assert "已结案" in page.inner_text("#status")
    journey.shot("case-closed")
    journey.sign_out()

    # The person follows the progress and reads the outcome.
    journey.sign_in("individual", world.username, PASSWORD)
    journey.go("/audit/reports/")
    page.click(f"text={number}")
    page.wait_for_load_state("networkidle")
    steps = page.inner_text("#steps")
    for label in ("登记", "立案", "中止稽核", "恢复稽核", "结案"):
        assert label in steps
    assert "情况属实，已责令整改：经核查情况属实，已责令该公司补缴" in page.inner_text("#outcome")
    journey.shot("complainant-progress")
    context.close()
