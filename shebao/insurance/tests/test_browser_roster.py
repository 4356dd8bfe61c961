"""A roster in a real browser (headless Debian chromium, driven by Playwright), on the demo hall:

the enterprise's administrator downloads the template, uploads a roster with two bad rows, reads
the errors and downloads the error report, fixes the file and submits it; registration staff
accept and approve; the roster shows the new staff; one of them signs in and sees the unit in
参保信息. Screenshots go to ``<SHEBAO_TEST_OUTPUT>/browser/roster/``.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.test.utils import override_settings
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from shebao.accounts.models import User
from shebao.common.periods import YearMonth
from shebao.demo.dataset import DEMO_PASSWORD, demo_load
from shebao.demo.people import id_number
from shebao.hall.tests.test_browser_journey import Journey
from shebao.insurance import roster
from shebao.insurance.models import Relation
from shebao.registry.models import Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CREDIT_CODE = "91220202000010001B"
ADMIN_ID = "22020219840521026X"


def _roster(rows: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = roster.SHEET
    sheet.append(roster.HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_unit_uploads_a_roster_fixes_it_and_the_new_staff_see_their_insurance(
    live_server,
    chromium,
    settings,
    tmp_path,
):
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        demo_load()
    output = Path(settings.SHEBAO_TEST_OUTPUT) / "browser" / "roster"
    output.mkdir(parents=True, exist_ok=True)
    context = chromium.new_context(
        viewport={"width": 1280, "height": 900}, locale="zh-CN", accept_downloads=True
    )
    journey = Journey(context.new_page(), live_server.url, output)
    page = journey.page
    day = YearMonth.of(timezone.localdate()).first_day.isoformat()
    newcomer = id_number("220202", timezone.localdate().replace(year=1996, day=1), 401, "F")
    second = id_number("220203", timezone.localdate().replace(year=1994, day=1), 402, "M")
    bad_number = newcomer[:-1] + ("0" if newcomer[-1] != "0" else "1")
    rows = [
        ["增员", bad_number, "林晓雨", day, "", "5600.00", "全部险种", "", "13943118801"],
        ["增员", second, "高远", day, "", "", "全部险种", "", ""],
    ]

    # 1. The administrator signs in as the unit and opens the roster page.
    journey.go("/accounts/login/?as=unit")
    page.fill('input[name="credit_code"]', CREDIT_CODE)
    page.fill('input[name="id_number"]', ADMIN_ID)
    page.fill('input[name="password"]', DEMO_PASSWORD)
    page.click('form button[type="submit"]')
    page.wait_for_load_state("networkidle")
    journey.go("/insurance/unit/staff/")
    assert "参保人员名册" in page.inner_text("main")
    journey.shot("roster-before")

    # 2. Download the template: the roster sheet and its rules.
    page.click("text=名册申报人员增减")
    page.wait_for_load_state("networkidle")
    with page.expect_download() as download:
        page.click("text=下载名册模板")
    template = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert template.sheetnames == [roster.SHEET, "填写说明"]

    # 3. Upload a roster with two bad rows: both are named, nothing is kept.
    bad_file = tmp_path / "名册.xlsx"
    bad_file.write_bytes(_roster(rows))
    page.set_input_files('input[name="file"]', str(bad_file))
    page.click('form[enctype] button[type="submit"]')
    page.wait_for_load_state("networkidle")
    errors = page.inner_text("#roster-errors")
    assert "2 处错误" in errors and "第2行" in errors and "第3行" in errors
    assert "校验位" in errors and "月工资" in errors
    journey.shot("roster-errors")
    with page.expect_download() as report:
        page.click("text=下载错误报告（Excel）")
    listed = list(
        load_workbook(io.BytesIO(Path(report.value.path()).read_bytes()))["错误报告"].iter_rows(
            min_row=2, values_only=True
        )
    )
    assert [row[0] for row in listed] == [2, 3]
    assert not Person.objects.filter(id_number=second).exists()

    # 4. Fix both rows and submit.
    rows[0][1] = newcomer
    rows[1][5] = "4900.00"
    good_file = tmp_path / "名册-已修改.xlsx"
    good_file.write_bytes(_roster(rows))
    page.set_input_files('input[name="file"]', str(good_file))
    page.click('form[enctype] button[type="submit"]')
    page.wait_for_load_state("networkidle")
    assert "名册已提交" in page.inner_text("main")
    number = page.url.rstrip("/").rsplit("/", 1)[-1]
    journey.shot("roster-submitted")
    journey.sign_out()

    # 5. Registration staff of the district review the lines, accept and approve.
    journey.sign_in("staff", "jl-dj-01", DEMO_PASSWORD)
    journey.go(f"/insurance/changes/{number}/")
    lines = page.inner_text("main")
    assert "林晓雨" in lines and "高远" in lines and "首次参保" in lines
    journey.shot("roster-lines")
    journey.go(f"/applications/{number}/")
    page.click("form:has(input[name='action'][value='accept']) button[type='submit']")
    page.wait_for_load_state("networkidle")
    page.fill("form:has(input[name='action'][value='approve']) textarea", "名册核对无误。")
    page.click("form:has(input[name='action'][value='approve']) button[type='submit']")
    page.wait_for_load_state("networkidle")
    assert "审核通过" in page.inner_text("main")
    journey.sign_out()
    assert Relation.objects.current().filter(person__id_number=newcomer).count() == 4

    # 6. The roster shows the new staff.
    journey.go("/accounts/login/?as=unit")
    page.fill('input[name="credit_code"]', CREDIT_CODE)
    page.fill('input[name="id_number"]', ADMIN_ID)
    page.fill('input[name="password"]', DEMO_PASSWORD)
    page.click('form button[type="submit"]')
    page.wait_for_load_state("networkidle")
    journey.go("/insurance/unit/staff/?q=林晓雨")
    assert "林晓雨" in page.inner_text("#results")
    journey.shot("roster-after")
    journey.sign_out()

    # 7. One of them signs in and sees the unit in 参保信息, at phone width too.
    person = Person.objects.get(id_number=newcomer)
    User.objects.create_user(
        newcomer, "Staff@2026x", kind=User.Kind.INDIVIDUAL, name=person.name, person=person
    )
    journey.sign_in("individual", newcomer, "Staff@2026x")
    journey.go("/insurance/me/")
    text = page.inner_text("main")
    assert "吉林市松江机械制造有限公司" in text and "企业职工基本养老保险" in text
    journey.shot("my-insurance")
    page.set_viewport_size({"width": 390, "height": 844})
    journey.shot("my-insurance-phone")
    context.close()
