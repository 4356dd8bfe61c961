"""The public catalogue pages: browse, search, filter, read a guide; the same for every actor."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from shebao.accounts.models import MatterGrant, User
from shebao.catalogue.models import Matter
from shebao.catalogue.selectors import matters_public
from shebao.testing import (
    make_individual,
    make_member,
    make_staff,
    make_unit,
    signed_in,
)

pytestmark = pytest.mark.django_db

LIST = "/matters/"


def guide(code: str) -> str:
    return f"/matters/{code}/"


def listed_codes(html: str) -> list[str]:
    return re.findall(r'href="/matters/([a-z0-9_.]+)/"', html)


def apply_url(code: str) -> str:
    return reverse("applications:new", args=[code])


def test_the_list_shows_every_enabled_matter_with_its_count(client, catalogue):
    total = Matter.objects.filter(enabled=True).count()

    response = client.get(LIST)

    html = response.content.decode()
    assert response.status_code == 200
    assert f"共 {total} 个事项" in html
    assert len(listed_codes(html)) == 20  # first page
    assert "第 1 / 5 页" in html
    first = Matter.objects.filter(enabled=True).order_by("sort_order").first()
    assert f'href="/matters/{first.code}/"' in html


def test_a_row_shows_applicant_mode_time_limit_and_department(client, catalogue):
    html = client.get(LIST, {"q": "一般账户补缴（承诺制）"}).content.decode()

    row = html[html.index('href="/matters/unit.back_payment_general_account/"') :]
    row = row[: row.index("</tr>")]
    assert 'data-label="办理对象">单位<' in row
    assert ">承诺制</span>" in row
    assert 'data-label="承诺办结时限">10 个工作日<' in row
    assert 'data-label="承办部门">参保登记与征缴<' in row


def test_search_from_the_home_page_with_q_and_applicant(client, catalogue):
    expected = list(
        matters_public(q="转移", applicant_kind="individual").values_list("code", flat=True)
    )

    html = client.get(LIST, {"q": "转移", "applicant": "individual"}).content.decode()

    assert listed_codes(html) == expected
    assert f"共 {len(expected)} 个事项" in html
    assert "“转移”的查询结果" in html
    assert "unit.dispatch_transfer" not in html  # 劳务派遣用工调转 is a unit matter


def test_filters_by_category_and_department(client, catalogue):
    html = client.get(LIST, {"category": "社会保障卡", "department": "card"}).content.decode()

    assert sorted(listed_codes(html)) == sorted(
        Matter.objects.filter(category="社会保障卡", enabled=True).values_list("code", flat=True)
    )
    assert '<option value="card" selected>社会保障卡（7）</option>' in html


def test_an_unknown_filter_value_shows_a_chinese_message_and_no_results(client, catalogue):
    response = client.get(LIST, {"department": "pensions"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "承办部门“pensions”不存在，请重新选择筛选条件。" in html
    assert "共 0 个事项" in html


def test_nothing_found_says_so_and_suggests_other_words(client, catalogue):
    html = client.get(LIST, {"q": "火星移民"}).content.decode()

    assert "没有找到符合条件的事项" in html
    assert "共 0 个事项" in html


def test_pages_keep_the_filters(client, catalogue):
    html = client.get(LIST, {"applicant": "unit", "page": "2"}).content.decode()

    assert 'href="?applicant=unit&amp;page=1"' in html
    assert 'href="?applicant=unit&amp;page=3"' in html
    assert "第 2 / 3 页" in html


def test_tabs_count_matters_open_to_individuals_and_units(client, catalogue):
    html = client.get(LIST).content.decode()

    individual = matters_public(applicant_kind="individual").count()
    unit = matters_public(applicant_kind="unit").count()
    assert f"个人办事（{individual}）" in html
    assert f"单位办事（{unit}）" in html


def test_a_guide_shows_every_part(client, catalogue):
    response = client.get(guide("person.unemployment_benefit"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>失业保险金申领</h1>" in html
    for part in [
        "事项说明",
        "办理条件",
        "申请材料",
        "受理方式：直接办理",
        "办理流程",
        "网上办理路径",
    ]:
        assert part in html
    assert "失业前用人单位和本人已经缴纳失业保险费满一年（《失业保险条例》第十四条）" in html
    assert "解除或终止劳动合同证明" in html
    assert html.count("<li>", html.index('<ol class="steps">'), html.index("</ol>")) == 4
    assert "<dt>承诺办结时限</dt><dd>7 个工作日</dd>" in html
    assert "<dt>收费</dt><dd>不收费</dd>" in html
    assert "《失业保险条例》第十四条、第十六条、第十七条、第十八条" in html
    assert "h-sources" not in html  # the source documents are ours, not the public's


def test_a_tolerance_guide_says_what_may_come_later_and_within_how_long(client, catalogue):
    html = client.get(guide("unit.staff_back_payment_over_3y")).content.decode()

    assert "受理方式：容缺受理" in html
    assert "申请人应在受理之日起 20 个工作日内补齐" in html
    assert "可后补的材料：劳动合同、工资发放凭证。" in html
    assert html.count("核心材料，不可容缺") == 2
    assert html.count("可容缺，20 个工作日内补齐") == 2


def test_a_commitment_guide_shows_the_commitment_text(client, catalogue):
    refund = Matter.objects.get(code="unit.refund")

    html = client.get(guide("unit.refund")).content.decode()

    assert "受理方式：承诺制" in html
    assert f'<blockquote class="commitment">{refund.commitment_text}</blockquote>' in html
    assert "免交证明材料：签署告知承诺书即可办理。" in html
    assert "经办机构与参保人电话核实确认" in html


def test_a_guide_whose_effect_no_handler_applies_says_a_reviewer_handles_it(client, catalogue):
    html = client.get(guide("person.benefit_certificate")).content.decode()

    assert "<dt>承诺办结时限</dt><dd>1 个工作日</dd>" in html
    assert "本事项由经办人员审核办理" in html
    assert "即办" not in html


def test_a_regional_deadline_is_shown_to_that_region_only(client, catalogue):
    from shebao.policy.services import policy_load

    policy_load()
    wuhan = client.get(guide("unit.staff_enrol") + "?region=420100").content.decode()
    kunshan = client.get(guide("unit.staff_enrol") + "?region=320583").content.decode()

    assert "单位人员增减须于每月20日前网上申报并报送材料" in wuhan
    assert "每月11日至次月6日受理" not in wuhan
    assert "<dt>受理时间</dt>" not in wuhan  # no acceptance window in Wuhan
    assert "单位人员增减须于每月20日前网上申报并报送材料" not in kunshan
    assert "<strong>办理期限：</strong>每月11日至次月6日受理，7日至10日暂停受理" in kunshan
    assert "<dt>受理时间</dt><dd>" in kunshan


def test_an_unknown_matter_is_a_chinese_404(client, catalogue):
    response = client.get(guide("unit.nothing"))

    html = response.content.decode()
    assert response.status_code == 404
    assert "未找到事项“unit.nothing”，或该事项已停止办理" in html
    assert "MATTER_NOT_FOUND" in html


def test_anonymous_visitors_are_offered_to_sign_in_and_apply(client, catalogue):
    url = apply_url("person.unemployment_benefit")

    html = client.get(guide("person.unemployment_benefit")).content.decode()

    assert f'<a class="btn" href="{url}" id="apply">登录后在线办理</a>' in html


# --- the same catalogue for every actor; the apply button follows what they may apply for ------


@pytest.fixture
def people(catalogue):
    unit, other_unit = make_unit(name="甲公司"), make_unit(name="乙公司")
    legal_rep = make_member(unit, "legal_rep")
    admin = make_member(unit, "admin", by=legal_rep)
    granted = make_member(unit, "operator", by=admin)
    MatterGrant.objects.create(
        membership=granted.memberships.get(),
        matter=Matter.objects.get(code="unit.staff_enrol"),
        granted_by=admin,
    )
    ungranted = make_member(unit, "operator", user=make_individual(name="经办人丙"), by=admin)
    other = make_member(other_unit, "admin")
    return {
        "anonymous": Client(),
        "individual": signed_in(make_individual(name="李四"), "individual"),
        "legal_rep": signed_in(legal_rep, f"unit:{unit.pk}"),
        "operator_granted": signed_in(granted, f"unit:{unit.pk}"),
        "operator_ungranted": signed_in(ungranted, f"unit:{unit.pk}"),
        "other_unit": signed_in(other, f"unit:{other_unit.pk}"),
        "staff": signed_in(User.objects.get(pk=make_staff().pk), "staff"),
    }


ACTORS = [
    "anonymous",
    "individual",
    "legal_rep",
    "operator_granted",
    "operator_ungranted",
    "other_unit",
    "staff",
]


@pytest.mark.parametrize("who", ACTORS)
def test_every_actor_sees_the_same_enabled_matters(people, who):
    Matter.objects.filter(code="person.card_query").update(enabled=False)
    client = people[who]
    total = Matter.objects.filter(enabled=True).count()

    listing = client.get(LIST, {"department": "card"}).content.decode()
    everything = client.get(LIST).content.decode()

    assert sorted(listed_codes(listing)) == sorted(
        Matter.objects.filter(department_id="card", enabled=True).values_list("code", flat=True)
    )
    assert "person.card_query" not in listing
    assert f"共 {total} 个事项" in everything
    assert client.get(guide("unit.staff_enrol")).status_code == 200
    assert client.get(guide("person.card_query")).status_code == 404


@pytest.mark.parametrize(
    ("who", "code", "button", "hint"),
    [
        ("individual", "person.card_apply", "在线办理", ""),
        ("individual", "unit.staff_enrol", "", "本事项由单位办理：请以单位身份登录后申请。"),
        ("legal_rep", "unit.staff_enrol", "在线办理", ""),
        ("legal_rep", "person.card_apply", "", "本事项由个人办理：请以个人身份登录后申请。"),
        ("operator_granted", "unit.staff_enrol", "在线办理", ""),
        ("operator_granted", "unit.staff_leave", "", "您尚未获得本事项的经办授权"),
        ("operator_ungranted", "unit.staff_enrol", "", "您尚未获得本事项的经办授权"),
        ("other_unit", "both.pension_transfer_in", "在线办理", ""),
        ("staff", "unit.staff_enrol", "", "当前登录身份不能提交本事项的申请。"),
    ],
)
def test_the_apply_button_follows_what_the_actor_may_apply_for(people, who, code, button, hint):
    url = apply_url(code)

    html = people[who].get(guide(code)).content.decode()

    if button:
        assert f'<a class="btn" href="{url}" id="apply">{button}</a>' in html
    else:
        assert 'id="apply"' not in html
    if hint:
        assert hint in html
    else:
        assert 'role="note"' not in html
