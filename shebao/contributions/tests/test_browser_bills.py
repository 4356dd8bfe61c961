"""Contributions in a real browser (headless Debian chromium, driven by Playwright):

- a unit's administrator declares the bases from the Excel sheet, sees the assessed bill in
  缴费核定, opens one employee's explanation and pays the bill online (the local channel);
- a flexible worker changes her grade (个人选档缴费) and pays her own bill of that month.

The agency's side (the reviewer's approval, the monthly assessment) runs through the same
services the staff pages and the batch call. Screenshots go to
``<SHEBAO_TEST_OUTPUT>/browser-contributions/``.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from shebao.applications import services as engine
from shebao.applications.models import Application
from shebao.common.money import from_fen, yuan_display
from shebao.common.periods import YearMonth
from shebao.contributions.assessment import month_assess
from shebao.contributions.bases import template_workbook
from shebao.contributions.dues import due_parts
from shebao.contributions.models import Bill, ContributionBase
from shebao.hall.tests.test_browser_journey import Journey
from shebao.hall.tests.test_browser_journey import chromium as chromium  # the fixture
from shebao.insurance.models import Category
from shebao.insurance.services import (
    Opening,
    flexible_grade_set,
    relations_open,
    unit_injury_class_set,
)
from shebao.payments.models import Payment
from shebao.registry.models import Region
from shebao.testing import (
    PASSWORD,
    make_individual,
    make_member,
    make_person,
    make_staff,
    make_unit,
    staff_actor,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The unit declares its 2026 bases from January; the assessment of that month bills them.
JANUARY = YearMonth(2026, 1)
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


@pytest.fixture
def hall(reference_data, settings):
    from shebao.catalogue.services import catalogue_load
    from shebao.policy.services import policy_load

    settings.SHEBAO_DEMO = True
    catalogue_load()
    policy_load()
    return Region.objects.get(code="220200")


def _output(settings, name: str) -> Path:
    path = Path(settings.SHEBAO_TEST_OUTPUT) / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def _approve(application: Application) -> None:
    reviewer = staff_actor(make_staff(districts=("220202", "220204")))
    application = engine.application_accept(
        actor=reviewer, application=application, version=application.version
    )
    engine.application_approve(actor=reviewer, application=application, version=application.version)


def test_a_unit_declares_bases_from_excel_sees_its_bill_and_pays_online(
    hall, live_server, chromium, settings
):
    # Given a unit of two employees insured from January 2026, and its administrator.
    unit = make_unit(name="吉林市松花湖机械有限公司")
    unit_injury_class_set(actor=None, unit=unit, injury_class=2, month=JANUARY)
    staff = [make_person(name="刘一"), make_person(name="陈二")]
    relations_open(
        actor=None,
        openings=[
            Opening(
                person=p,
                insurances=("pension", "medical", "unemployment", "work_injury"),
                start_month=JANUARY,
            )
            for p in staff
        ],
        unit=unit,
    )
    admin = make_member(unit, "admin", name="陈晓燕")
    sheet = template_workbook(
        [(staff[0].id_number, "刘一", "6000"), (staff[1].id_number, "陈二", "4800.50")]
    )

    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    journey = Journey(
        context.new_page(), live_server.url, _output(settings, "browser-contributions")
    )
    page = journey.page

    # When the administrator signs in and declares the bases from the Excel sheet.
    journey.go("/accounts/login/?as=unit")
    page.fill('input[name="credit_code"]', unit.credit_code)
    page.fill('input[name="id_number"]', admin.person.id_number)
    page.fill('input[name="password"]', PASSWORD)
    page.click('form button[type="submit"]')
    page.wait_for_load_state("networkidle")
    journey.go(f"/contributions/unit/bases/?effective_month={JANUARY}")
    assert "刘一" in page.inner_text("main") and "陈二" in page.inner_text("main")
    page.fill('input[name="declare_year"]', "2026")
    page.set_input_files(
        "#material",
        files=[{"name": "工资明细表.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    page.set_input_files(
        "#sheet",
        files=[
            {
                "name": "缴费基数申报表.xlsx",
                "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "buffer": sheet,
            }
        ],
    )
    journey.shot("bases-from-excel")
    page.click('form[enctype="multipart/form-data"] button[type="submit"]')
    page.wait_for_load_state("networkidle")
    assert "缴费基数申报已提交" in page.inner_text("main")
    journey.shot("bases-submitted")

    # And the agency approves the declaration and assesses January.
    application = Application.objects.get(matter__code="unit.base_declare", unit=unit)
    _approve(application)
    assert sorted(ContributionBase.objects.values_list("wage_fen", flat=True)) == [480050, 600000]
    month_assess(region=hall, month=JANUARY)
    bill = Bill.objects.get(unit=unit, month=JANUARY)

    # Then 缴费核定 shows the assessed bill; each employee's lines are on it.
    journey.go(f"/contributions/unit/assess/?period={JANUARY}")
    assert bill.number in page.inner_text("main")
    journey.shot("assessed-bill")
    page.click("text=逐人核对每笔金额及其计算依据")
    page.wait_for_load_state("networkidle")
    text = page.inner_text("main")
    assert bill.line_count == 8
    for base_fen in bill.lines.values_list("base_fen", flat=True):  # the bases as assessed
        assert yuan_display(from_fen(base_fen)) in text
    journey.shot("bill-lines")

    # And one employee's explanation is the calculator's rule on the month's parameters.
    page.locator("tr", has_text="刘一").filter(has_text="基本养老保险").locator(
        "a", has_text="查看"
    ).click()
    page.wait_for_load_state("networkidle")
    explanation = page.inner_text("main")
    line = bill.lines.get(person=staff[0], insurance="pension")
    assert "刘一" in explanation and yuan_display(from_fen(line.base_fen)) in explanation
    assert yuan_display(from_fen(line.individual_fen)) in explanation
    journey.shot("line-explanation")

    # And the bill is paid online through the local channel.
    page.go_back()
    page.wait_for_load_state("networkidle")
    page.click("text=网上缴费")
    page.wait_for_load_state("networkidle")
    assert "模拟网银" in page.inner_text("main")
    journey.shot("cashier")
    page.click("form button[type='submit']:has-text('确认支付')")
    page.wait_for_load_state("networkidle")
    assert "支付成功" in page.inner_text("main")
    journey.shot("paid")
    page.click("text=查看缴费凭证")
    page.wait_for_load_state("networkidle")
    assert bill.number in page.inner_text("main")
    journey.shot("receipt")
    context.close()

    bill.refresh_from_db()
    assert bill.status == Bill.Status.PAID
    payment = Payment.objects.get(bill=bill)
    # January's bill paid later in the year: its total and the late fee up to the payment.
    fee = due_parts(bill, on=timezone.localdate()).late_fee_fen
    assert (payment.channel, payment.amount_fen) == ("online", bill.total_fen + fee)


def test_a_flexible_worker_changes_her_grade_and_pays_her_own_bill(
    hall, live_server, chromium, settings
):
    # Given a flexible worker insured for pension at the 60% grade since this month.
    this_month = YearMonth.of(timezone.localdate())
    next_month = this_month + 1
    user = make_individual(name="周灵", district="220204")
    relations_open(
        actor=None,
        openings=[
            Opening(
                person=user.person,
                insurances=("pension",),
                start_month=this_month,
                category=Category.FLEXIBLE,
            )
        ],
        unit=None,
    )
    flexible_grade_set(actor=None, person=user.person, grade=60, month=this_month)

    context = chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    journey = Journey(context.new_page(), live_server.url, _output(settings, "browser-flexible"))
    page = journey.page
    journey.sign_in("individual", user.person.id_number, PASSWORD)

    # When she changes her grade to 100% from next month (个人选档缴费) and submits.
    journey.go("/applications/new/person.flexible_grade_change/")
    page.select_option('select[name="new_grade"]', "100")
    page.fill('input[name="effective_month"]', str(next_month))
    journey.shot("grade-change")
    page.click('main form button[type="submit"]')
    page.wait_for_load_state("networkidle")
    page.click('form[action$="/submit/"] button[type="submit"]')
    page.wait_for_load_state("networkidle")
    journey.shot("grade-change-submitted")
    application = Application.objects.get(matter__code="person.flexible_grade_change")
    assert application.status == Application.Status.SUBMITTED

    # And the agency approves it and assesses both months.
    _approve(application)
    month_assess(region=hall, month=this_month)
    month_assess(region=hall, month=next_month)
    before = Bill.objects.get(person=user.person, month=this_month)
    bill = Bill.objects.get(person=user.person, month=next_month)
    assert (before.lines.get().grade, bill.lines.get().grade) == (60, 100)

    # Then her bills show the new grade's month, and she pays it online.
    journey.go("/applications/new/person.pay_by_collection_notice/")
    assert bill.number in page.inner_text("main")
    journey.shot("own-bills")
    page.click(f"text={bill.number}")
    page.wait_for_load_state("networkidle")
    journey.shot("own-bill")
    page.click("text=网上缴费")
    page.wait_for_load_state("networkidle")
    page.click("form button[type='submit']:has-text('确认支付')")
    page.wait_for_load_state("networkidle")
    assert "支付成功" in page.inner_text("main")
    journey.shot("own-bill-paid")

    # And her contribution record shows the month paid at the new base.
    journey.go(f"/contributions/me/?from={this_month}&to={next_month}")
    record = page.inner_text("main")
    assert "已到账" in record and "未到账" in record
    journey.shot("own-record")
    context.close()

    bill.refresh_from_db()
    assert bill.status == Bill.Status.PAID
    assert Payment.objects.get().amount_fen == bill.total_fen
    assert Decimal(bill.total_fen) > Decimal(before.total_fen)
    assert Bill.objects.get(pk=before.pk).status == Bill.Status.UNPAID
