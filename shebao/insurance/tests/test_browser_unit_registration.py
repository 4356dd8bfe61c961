"""单位参保登记 in a real browser (headless Debian chromium, driven by Playwright):

the legal representative of a new company signs in with their personal account, files 单位参保登记
with the licence and ID card and submits; registration staff of the unit's district accept and
approve; the applicant reads the result on the case page, follows it to 单位网上注册 and opens the
unit's online account with their personal password. Screenshots go to
``<SHEBAO_TEST_OUTPUT>/browser/unit-registration/``.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from shebao.accounts.models import UnitMembership
from shebao.applications.models import Application
from shebao.hall.tests.test_browser_journey import PDF, Journey
from shebao.insurance.models import UnitInjuryClass, UnitStatus
from shebao.registry.models import Unit
from shebao.testing import PASSWORD, credit_code, make_individual, make_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

UNIT_NAME = "吉林市松花湖软件科技有限公司"
MOBILE = "13943117788"


def test_a_legal_representative_registers_a_new_unit_and_opens_its_account(
    hall, live_server, chromium, settings
):
    settings.SHEBAO_DEMO = True  # the SMS outbox page shows the verification code
    rep = make_individual(name="刘振华")
    staff = make_staff(districts=("220204",))
    code = credit_code()
    output = Path(settings.SHEBAO_TEST_OUTPUT) / "browser" / "unit-registration"
    output.mkdir(parents=True, exist_ok=True)
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    journey = Journey(context.new_page(), live_server.url, output)
    page = journey.page

    # 1. The legal representative signs in as an individual and opens the matter's guide.
    journey.sign_in("individual", rep.username, PASSWORD)
    journey.go("/matters/person.unit_register/")
    journey.shot("guide")
    page.click("text=在线办理")
    page.wait_for_load_state("networkidle")

    # 2. The form, from the licence.
    page.fill('input[name="credit_code"]', code.lower())
    page.fill('input[name="unit_name"]', UNIT_NAME)
    page.select_option('select[name="unit_kind"]', "enterprise")
    page.fill(
        'input[name="established_on"]', (timezone.localdate() - timedelta(days=12)).isoformat()
    )
    page.fill('input[name="registration_authority"]', "吉林市船营区市场监督管理局")
    page.fill('input[name="main_business"]', "软件开发、信息技术咨询服务")
    page.select_option('select[name="district"]', "220204")
    page.fill('input[name="address"]', "吉林市船营区解放西路100号")
    page.fill('input[name="phone"]', "0432-62000000")
    page.fill('input[name="legal_rep_name"]', rep.name)
    page.fill('input[name="legal_rep_id_number"]', rep.username)
    page.select_option('select[name="injury_class"]', "1")
    journey.shot("application-form")
    page.click('main form button[type="submit"]')
    page.wait_for_load_state("networkidle")
    number = re.search(r"SB\d{14}", page.url).group(0)

    # 3. The licence and the ID card, then submit.
    for material in ("business_licence", "id_card"):
        page.set_input_files(
            f"#file-{material}",
            files=[{"name": f"{material}.pdf", "mimeType": "application/pdf", "buffer": PDF}],
        )
        page.locator(f"form:has(#file-{material}) button[type='submit']").click()
        page.wait_for_load_state("networkidle")
    page.click('form[action$="/submit/"] button[type="submit"]')
    page.wait_for_load_state("networkidle")
    assert "待受理" in page.inner_text("main")
    journey.shot("submitted")
    journey.sign_out()

    # 4. Registration staff of 船营区 review the unit's details, accept and approve.
    journey.sign_in("staff", staff.username, PASSWORD)
    journey.go(f"/applications/{number}/")
    review = page.inner_text("main")
    assert "登记核对" in review and "尚未登记" in review and UNIT_NAME in review
    journey.shot("review")
    page.click("form:has(input[name='action'][value='accept']) button[type='submit']")
    page.wait_for_load_state("networkidle")
    page.click("form:has(input[name='action'][value='approve']) button[type='submit']")
    page.wait_for_load_state("networkidle")
    assert "已办结" in page.inner_text("main")
    journey.shot("approved-staff")
    journey.sign_out()

    # 5. The applicant reads the result and follows it to 单位网上注册.
    journey.sign_in("individual", rep.username, PASSWORD)
    journey.go(f"/applications/{number}/")
    result = page.inner_text("main")
    assert "单位参保登记结果" in result and code in result
    journey.shot("approved-case")
    page.click("main a.btn:has-text('单位网上注册')")
    page.wait_for_load_state("networkidle")
    page.fill('input[name="credit_code"]', code)
    page.fill('input[name="unit_name"]', UNIT_NAME)
    page.fill('input[name="rep_name"]', rep.name)
    page.fill('input[name="rep_id_number"]', rep.username)
    page.fill('input[name="mobile"]', MOBILE)
    page.click("text=获取验证码")
    page.wait_for_selector("#code-status :text('已发送')")
    outbox = context.new_page()
    outbox.goto(live_server.url + "/notifications/outbox/")
    sms = re.search(r"验证码[^0-9]*(\d{6})", outbox.inner_text("main")).group(1)
    outbox.close()
    page.fill('input[name="code"]', sms)
    page.fill('input[name="password"]', PASSWORD)
    page.fill('input[name="password2"]', PASSWORD)
    journey.shot("unit-register")
    page.click('form button[type="submit"]:has-text("提交注册")')
    page.wait_for_load_state("networkidle")
    assert "网上办事账号已开通" in page.inner_text("main")
    journey.shot("unit-centre")
    context.close()

    unit = Unit.objects.get(credit_code=code)
    assert (unit.name, unit.district_id, unit.status) == (UNIT_NAME, "220204", "active")
    assert UnitInjuryClass.objects.filter(unit=unit, injury_class=1).count() == 1
    assert UnitStatus.objects.filter(unit=unit, status="active").count() == 1
    assert UnitMembership.objects.get(unit=unit).user == rep
    assert Application.objects.get(number=number).status == Application.Status.COMPLETED
