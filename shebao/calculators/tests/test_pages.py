"""The calculator pages: public, a form per calculator, htmx partials, errors by the field."""

import re

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse

from shebao.accounts.sessions import session_sign_in
from shebao.calculators.definitions import CALCULATORS

pytestmark = pytest.mark.usefixtures("policy_data")

HTMX = {"HTTP_HX_REQUEST": "true"}


def page(client, slug, params=None, **headers):
    return client.get(reverse(f"calculators:{slug.replace('-', '_')}"), params or {}, **headers)


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def test_the_index_lists_the_ten_calculators_with_a_line_each(client):
    response = client.get(reverse("calculators:index"))
    assert response.status_code == 200
    body = text(response)
    assert len(CALCULATORS) == 10
    for calc in CALCULATORS:
        assert reverse(calc.url_name) in body
        assert calc.title in body
        assert calc.summary in body


@pytest.mark.parametrize("calc", CALCULATORS, ids=[c.slug for c in CALCULATORS])
def test_each_page_shows_its_form_and_its_worked_example(client, calc):
    empty = page(client, calc.slug)
    assert empty.status_code == 200
    for field in calc.fields:
        assert f'name="{field.name}"' in empty.content.decode()
    assert 'id="calc-result-title"' not in text(empty)
    example = page(client, calc.slug, dict(calc.example))
    assert example.status_code == 200
    body = text(example)
    assert '<h2 id="calc-result-title">测算结果</h2>' in body
    assert "计算过程" in body
    assert "所用政策参数" in body
    assert "<html" in body


def test_contribution_result_shows_big_figures_lines_and_the_trace(client):
    body = text(
        page(
            client,
            "contribution",
            {"region": "220200", "month": "2020-03", "wage": "15000", "injury_class": "1"},
        )
    )
    assert '<div class="num">13,835.00</div><div class="label">缴费基数（元/月）</div>' in body
    assert "2,213.60" in body  # pension, unit share
    assert "计算过程：缴费基数核定" in body  # nested trace
    assert "吉林省吉林市" in body  # region of the published limits
    assert "申报工资高于上限" in body


def test_the_regions_offered_are_the_pooling_regions(client):
    body = text(page(client, "payday"))
    for code, name in [
        ("220200", "吉林省吉林市"),
        ("420100", "湖北省武汉市"),
        ("320583", "江苏省苏州市昆山市"),
    ]:
        assert f'<option value="{code}">{name}</option>' in body
    assert '<option value="220202">' not in body  # a district, not a pooling region


def test_a_provisional_result_carries_the_badge_and_a_warning(client):
    body = text(
        page(
            client,
            "contribution",
            {"region": "220200", "month": "2020-08", "wage": "8000", "injury_class": "1"},
        )
    )
    assert (
        '<span class="badge badge-provisional" title="使用了尚未正式公布的参数">临时</span>' in body
    )
    assert "正式标准公布后将重新核算" in body


def test_htmx_gets_only_the_panel(client):
    response = page(
        client, "flexible", {"region": "220200", "month": "2020-03", "grade": "100"}, **HTMX
    )
    body = text(response)
    assert response.status_code == 200
    assert body.startswith('<div id="calc-panel">')
    assert "<html" not in body
    assert "11,068.80" in body
    assert "HX-Request" in response["Vary"]


def test_a_history_restore_gets_the_whole_page(client):
    response = page(
        client,
        "flexible",
        {"region": "220200", "month": "2020-03", "grade": "100"},
        HTTP_HX_HISTORY_RESTORE_REQUEST="true",
        **HTMX,
    )
    assert "<html" in text(response)


def test_errors_are_shown_in_chinese_next_to_their_field(client):
    response = page(
        client,
        "contribution",
        {"region": "220200", "month": "2020-3x", "wage": "-5", "injury_class": "1"},
        **HTMX,
    )
    body = text(response)
    assert response.status_code == 200
    assert (
        'id="f-month-error"><li>“2020-3x”不是有效的年月，应为“YYYY-MM”格式，如 2020-01</li>' in body
    )
    assert 'id="f-wage-error"><li>月缴费工资不能为负数</li>' in body
    assert 'aria-invalid="true"' in body
    assert 'id="calc-result-title"' not in body
    assert 'value="-5"' in body  # what was typed is kept


def test_a_missing_parameter_is_shown_above_the_form(client):
    body = text(
        page(
            client,
            "contribution",
            {"region": "220200", "month": "1990-03", "wage": "5000", "injury_class": "1"},
        )
    )
    assert "吉林市在1990年3月1日没有有效的政策参数" in body
    assert '<div class="alert alert-error" role="alert">' in body


def test_an_unknown_region_is_shown_by_the_region_field(client):
    body = text(page(client, "payday", {"region": "999999", "month": "2026-02"}))
    assert 'id="f-region-error"><li>未找到行政区划“999999”</li>' in body


def test_backpay_lines_are_parsed_and_bad_lines_explained(client):
    good = text(
        page(client, "backpay-interest", {"months": "2024-03 1000\n", "pay_month": "2024-09"})
    )
    assert '<div class="num">13.10</div>' in good
    bad = text(page(client, "backpay-interest", {"months": "2024-03", "pay_month": "2024-09"}))
    assert "补缴月份及金额第 1 行“2024-03”应为“年月 金额”" in bad


def test_unemployment_not_eligible_is_explained(client):
    body = text(
        page(
            client,
            "unemployment",
            {"region": "420100", "month": "2024-03", "contribution_months": "6"},
        )
    )
    assert "不符合领取失业保险金的条件" in body


def test_transfer_to_a_temporary_account_says_no_funds_move(client):
    body = text(
        page(
            client,
            "transfer",
            {
                "sex": "female",
                "birth": "1980-01",
                "move_month": "2025-03",
                "to_hukou_province": "false",
                "bases_sum": "300000",
                "personal_balance": "1000",
            },
        )
    )
    assert "临时缴费账户" in body
    assert "本次不转移资金" in body


def test_pages_are_the_same_for_everyone_signed_in_and_store_nothing(client, staff_user, rf):
    params = {"region": "220200", "month": "2020-03", "wage": "8000", "injury_class": "1"}
    anonymous = page(client, "contribution", params, **HTMX).content
    request = rf.get("/")
    request.session = SessionStore()
    session_sign_in(request, user=staff_user, context="staff")
    request.session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = request.session.session_key
    counts = _row_counts()
    signed_in = page(client, "contribution", params, **HTMX)
    assert signed_in.wsgi_request.actor.is_staff
    assert signed_in.content == anonymous
    assert _row_counts() == counts


def _row_counts():
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }


def test_only_get_is_allowed(client):
    response = client.post(reverse("calculators:contribution"), {"wage": "1"})
    assert response.status_code == 405
