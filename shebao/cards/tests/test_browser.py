"""In a real browser (headless Debian chromium): a holder reports the card lost, applies for a
replacement and follows its progress while the card bureau and the courier (their local
implementations, run by the exchange task) make and deliver it. Screenshots go to
``<SHEBAO_TEST_OUTPUT>/cards/``."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from shebao.cards import services
from shebao.cards.models import Card
from shebao.hall.tests.test_browser_journey import Journey
from shebao.testing import PASSWORD, make_card, make_individual, make_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_report_lost_apply_for_a_replacement_and_follow_it(
    reference_data, live_server, chromium, settings
):
    from shebao.catalogue.services import catalogue_load
    from shebao.policy.services import policy_load

    catalogue_load()
    policy_load()
    holder = make_individual(name="韩梅梅")
    old = make_card(holder.person, number="J00000123")
    staff = make_staff(username="jl-kp-09", department="card", name="宋制卡")
    output = Path(settings.SHEBAO_TEST_OUTPUT) / "cards"
    output.mkdir(parents=True, exist_ok=True)
    context = chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    journey = Journey(context.new_page(), live_server.url, output)
    page = journey.page

    # The holder sees the card in force and reports it lost, formally.
    journey.sign_in("individual", holder.username, PASSWORD)
    journey.go("/cards/")
    main = page.inner_text("main")
    assert "J0****123" in main and "正常" in main
    journey.shot("card-in-force")
    page.click("button:has-text('正式挂失')")
    page.wait_for_load_state("networkidle")
    assert "已办理正式挂失" in page.inner_text("main")
    journey.shot("card-lost")

    # …and applies for a replacement by post, without a new photo (the one on file is used).
    page.click("a:has-text('申请补卡')")
    page.wait_for_load_state("networkidle")
    page.click("text=在线办理")
    page.wait_for_load_state("networkidle")
    page.select_option('select[name="replace_reason"]', "lost")
    page.select_option('select[name="delivery"]', "ems")
    page.fill('textarea[name="mailing_address"]', "吉林省吉林市船营区北京路5号 韩梅梅")
    page.fill('input[name="contact_mobile"]', "13943119999")
    journey.shot("replacement-form")
    page.click('main form button[type="submit"]')
    page.wait_for_load_state("networkidle")
    page.click('form[action$="/submit/"] button[type="submit"]')
    page.wait_for_load_state("networkidle")
    assert "已办结" in page.inner_text("main")
    journey.shot("replacement-done")

    # The card page follows the new card.
    journey.go("/cards/")
    assert "待报送制卡" in page.inner_text("#card-timeline")
    journey.shot("progress-applied")

    # The exchange runs as time goes by: the bureau makes it, the courier brings it.
    now = timezone.now()
    for step in range(1, 4):
        services.cards_exchange(now=now + timedelta(minutes=10 * step))
    new = Card.objects.get(replaces=old)
    journey.go("/cards/")
    timeline = page.inner_text("#card-timeline")
    for label in ("待报送制卡", "已报送制卡机构", "制卡中", "已制成", "已寄出"):
        assert label in timeline
    assert new.tracking_number in page.inner_text("main")
    journey.shot("progress-mailed")
    for step in range(4, 8):
        services.cards_exchange(now=now + timedelta(minutes=10 * step))
    journey.go("/cards/")
    assert "已签收" in page.inner_text("#card-tracking")
    assert "卡片启用" in page.inner_text("#card-timeline")
    journey.shot("progress-delivered")
    journey.sign_out()

    # Staff of the district see the same record.
    journey.sign_in("staff", staff.username, PASSWORD)
    journey.go(f"/cards/staff/?id_number={holder.person.id_number}")
    assert new.masked_number in page.inner_text("main")
    journey.shot("staff-record")
    context.close()

    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, new.status) == (Card.Status.CANCELLED, Card.Status.ACTIVE)
