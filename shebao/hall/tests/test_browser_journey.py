"""The whole journey in a real browser (headless Debian chromium, driven by Playwright):

a new individual registers with an SMS code, signs in, applies for unemployment benefit with
its materials and submits; a staff member of the unemployment department signs in, accepts and
approves the claim; the individual signs in again and sees the result. Screenshots of every step
go to ``<SHEBAO_TEST_OUTPUT>/browser/``.
"""

from __future__ import annotations

import os
import re
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.db import connections
from django.utils import timezone

from shebao.accounts.capabilities import capability_grant_defaults
from shebao.accounts.models import StaffProfile, User
from shebao.applications.models import Application
from shebao.catalogue.services import catalogue_load
from shebao.demo.people import id_number
from shebao.registry.models import Region
from shebao.registry.services import departments_load, regions_load

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STAFF_PASSWORD = "Review@2026x"
PERSON_PASSWORD = "Apply@2026x"
NAME = "孙立新"
MOBILE = "13943119999"
ID_NUMBER = id_number("220202", date(1988, 4, 12), 77, "M")
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def chromium(monkeypatch):
    # Playwright's sync API keeps an event loop in this thread; Django then refuses ORM calls
    # here (they are safe: the browser is idle whenever the test reads the database).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        if os.environ.get("SHEBAO_REQUIRE_BROWSER"):
            pytest.fail(f"the browser tests need Debian's chromium at {CHROMIUM}")
        pytest.skip(f"chromium not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
        # While Playwright's event loop runs, Django keeps the database connections the test
        # opens in this async context, apart from the thread's own: close them here, or the
        # connection stays open and the test database cannot be dropped after the run.
        connections.close_all()


@pytest.fixture
def hall(settings):
    """Reference data, the catalogue and one reviewer of the unemployment department."""
    settings.SHEBAO_DEMO = True  # the SMS outbox page shows the verification code
    regions_load()
    departments_load()
    catalogue_load()
    reviewer = User.objects.create_user(
        "jl-sy-09", STAFF_PASSWORD, kind=User.Kind.STAFF, name="赵审核"
    )
    profile = StaffProfile.objects.create(user=reviewer, department_id="unemployment")
    profile.districts.set(Region.objects.filter(parent_id="220200"))
    capability_grant_defaults(staff=profile)
    return reviewer


class Journey:
    def __init__(self, page, base_url: str, output: Path) -> None:
        self.page = page
        self.base = base_url
        self.output = output
        self.step = 0
        page.on("dialog", lambda dialog: dialog.accept())  # data-confirm questions

    def shot(self, name: str) -> None:
        self.step += 1
        self.page.screenshot(path=self.output / f"{self.step:02d}-{name}.png", full_page=True)

    def go(self, path: str) -> None:
        self.page.goto(self.base + path)

    def sign_in(self, tab: str, identifier: str, password: str) -> None:
        self.go(f"/accounts/login/?as={tab}")
        field = "staff_number" if tab == "staff" else "identifier"
        self.page.fill(f'input[name="{field}"]', identifier)
        self.page.fill('input[name="password"]', password)
        self.page.click('form button[type="submit"]')
        self.page.wait_for_load_state("networkidle")

    def sign_out(self) -> None:
        self.page.click('header form button[type="submit"]')
        self.page.wait_for_load_state("networkidle")


def test_register_apply_review_and_see_the_result(hall, live_server, chromium, settings):
    output = Path(settings.SHEBAO_TEST_OUTPUT) / "browser"
    output.mkdir(parents=True, exist_ok=True)
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    journey = Journey(context.new_page(), live_server.url, output)
    page = journey.page

    # 1. Register: name, ID number, district, mobile, SMS code, password.
    journey.go("/accounts/register/")
    page.fill('input[name="name"]', NAME)
    page.fill('input[name="id_number"]', ID_NUMBER)
    page.select_option('select[name="district"]', "220202")
    page.fill('input[name="mobile"]', MOBILE)
    page.click("text=获取验证码")
    page.wait_for_selector("#code-status :text('已发送')")
    outbox = context.new_page()
    outbox.goto(live_server.url + "/notifications/outbox/")
    code = re.search(r"验证码[^0-9]*(\d{6})", outbox.inner_text("main")).group(1)
    outbox.close()
    page.fill('input[name="code"]', code)
    page.fill('input[name="password"]', PERSON_PASSWORD)
    page.fill('input[name="password2"]', PERSON_PASSWORD)
    journey.shot("register")
    page.click('form button[type="submit"]:has-text("注册")')
    page.wait_for_load_state("networkidle")
    journey.shot("registered")

    # 2. Sign in as the individual (if registration did not already).
    if "/accounts/login/" in page.url or page.locator("text=登录").first.is_visible():
        journey.sign_in("individual", ID_NUMBER, PERSON_PASSWORD)
    journey.go("/me/")
    assert NAME in page.inner_text("main")
    journey.shot("individual-centre")

    # 3. Read the guide and apply for unemployment benefit.
    journey.go("/matters/person.unemployment_benefit/")
    journey.shot("guide")
    page.click("text=在线办理")
    page.wait_for_load_state("networkidle")
    # unemployed ten days ago: inside the 60 days a claim must be made within, whatever today is
    leave_date = timezone.localdate() - timedelta(days=10)
    page.fill('input[name="leave_date"]', leave_date.isoformat())
    page.select_option('select[name="leave_reason"]', index=1)
    page.fill('input[name="last_unit_name"]', "吉林市松江机械制造有限公司")
    page.check('input[name="job_seeking"]')
    page.fill('input[name="bank_account"]', "6222020200001234562")
    page.fill('input[name="contact_mobile"]', MOBILE)
    journey.shot("application-form")
    page.click('main form button[type="submit"]')
    page.wait_for_load_state("networkidle")
    number = re.search(r"SB\d{14}", page.url).group(0)

    # 4. Upload each required material, then submit.
    for code_name in ("termination_proof", "id_card"):
        page.set_input_files(
            f"#file-{code_name}",
            files=[{"name": f"{code_name}.pdf", "mimeType": "application/pdf", "buffer": PDF}],
        )
        page.locator(f"form:has(#file-{code_name}) button[type='submit']").click()
        page.wait_for_load_state("networkidle")
    journey.shot("materials-uploaded")
    page.click('form[action$="/submit/"] button[type="submit"]')
    page.wait_for_load_state("networkidle")
    assert "待受理" in page.inner_text("main")
    journey.shot("submitted")
    journey.sign_out()

    # 5. The reviewer finds the claim in the queue, accepts and approves it.
    journey.sign_in("staff", "jl-sy-09", STAFF_PASSWORD)
    journey.go("/applications/queue/")
    assert number in page.inner_text("main")
    journey.shot("queue")
    page.click(f"text={number}")
    page.wait_for_load_state("networkidle")
    journey.shot("review")
    page.click("form:has(input[name='action'][value='accept']) button[type='submit']")
    page.wait_for_load_state("networkidle")
    assert "审核中" in page.inner_text("main") or "已受理" in page.inner_text("main")
    page.fill(
        "form:has(input[name='action'][value='approve']) textarea", "符合领取条件，核定领取。"
    )
    page.click("form:has(input[name='action'][value='approve']) button[type='submit']")
    page.wait_for_load_state("networkidle")
    journey.shot("approved")
    journey.sign_out()

    # 6. The individual sees the result and the notification.
    journey.sign_in("individual", ID_NUMBER, PERSON_PASSWORD)
    journey.go(f"/applications/{number}/")
    text = page.inner_text("main")
    assert "审核通过" in text
    assert "符合领取条件" in text
    journey.shot("result")
    journey.go("/notifications/")
    assert "审核通过" in page.inner_text("main")
    journey.shot("notifications")
    context.close()

    application = Application.objects.get(number=number)
    assert application.status == Application.Status.APPROVED
    assert application.person.id_number == ID_NUMBER
    assert application.materials.count() == 2
    assert [e.action for e in application.events.order_by("at", "id")] == [
        "create",
        "upload",
        "upload",
        "submit",
        "accept",
        "approve",
    ]
    assert len(list(output.glob("*.png"))) == journey.step
