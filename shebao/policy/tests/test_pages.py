from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shebao.policy import calculations
from shebao.policy.calculations import calculation_record
from shebao.policy.models import CalculationRecord, PolicyChange, PolicyParameter

from .conftest import client_of
from .test_trueup import KIND, base_clamp

pytestmark = pytest.mark.usefixtures("policy_data")


def h2_floor():
    return PolicyParameter.objects.get(
        region_id="220200", key="contribution.base_floor", valid_from=date(2020, 7, 1)
    )


def test_the_public_index_lists_regions_and_the_picker(client):
    response = client.get("/policy/")

    assert response.status_code == 200
    text = response.content.decode()
    assert "政策参数查询" in text
    for name in ("全国", "吉林市", "常州市", "昆山市", "武汉市", "北京市"):
        assert f"<h3>{name}</h3>" in text


def test_the_index_form_goes_to_the_region_page(client):
    response = client.get("/policy/", {"region": "110000", "month": "2020-02"})

    assert response.status_code == 302
    assert response["Location"] == "/policy/110000/?month=2020-02"


def test_a_region_page_shows_values_for_people_grouped_by_topic(client):
    response = client.get("/policy/220200/", {"month": "2020-08"})

    assert response.status_code == 200
    text = response.content.decode()
    assert "吉林省吉林市政策参数" in text
    assert "2020年8月1日有效的参数" in text
    assert "本月有 3 项参数为<strong>临时值</strong>" in text
    for fragment in (
        "2,767.00 元/月",
        "13,835.00 元/月",
        "55,340.00 元/年",
        '<span class="badge badge-provisional">临时</span>',
        "继承吉林省",
        "16%",
        "每日 0.05%",
        "60%、100%、300%（社平工资的百分比）",
        "按元四舍五入",
        "2019年12月以后失业的人员申领失业保险金不受时限限制",
        "失业保险金提高到最低工资标准的 90%",
        "<h2>社平工资与缴费基数</h2>",
        "<h2>应急措施</h2>",
    ):
        assert fragment in text, fragment
    assert "历史与录入" not in text


def test_the_region_page_reads_in_a_fixed_number_of_queries(client):
    client.get("/policy/")  # the footer's office hours, computed once a day per process
    with CaptureQueriesContext(connection) as small:
        client.get("/policy/320583/", {"month": "2022-01"})
    with CaptureQueriesContext(connection) as large:
        client.get("/policy/220200/", {"month": "2020-08"})

    # regions for the picker, the region's lineage, its records (and the session): no query per row
    assert len(small) == len(large) <= 4


def test_a_bad_month_is_explained_on_the_page(client):
    response = client.get("/policy/220200/", {"month": "2020-13"})

    assert response.status_code == 422
    assert "“2020-13”不是有效的年月，应为“YYYY-MM”格式，如 2020-01" in response.content.decode()


def test_an_unknown_region_is_a_404_page(client):
    response = client.get("/policy/999999/")

    assert response.status_code == 404
    assert "未找到行政区划“999999”" in response.content.decode()


def test_a_month_without_parameters_says_so(client):
    response = client.get("/policy/220200/", {"month": "1900-01"})

    assert response.status_code == 200
    assert "吉林市在1900年1月没有有效的政策参数" in response.content.decode()


def staff_urls():
    pk = h2_floor().pk
    return [
        "/policy/220200/contribution.base_floor/",
        "/policy/220200/contribution.base_floor/new/",
        f"/policy/records/{pk}/",
        f"/policy/records/{pk}/finalize/",
    ]


@pytest.mark.parametrize(
    ("who", "status"), [("individual", 403), ("unit", 403), ("staff", 403), ("editor", 200)]
)
def test_staff_pages_are_for_editors_only(client, people, who, status):
    browser = client_of(people, who, client)

    assert [browser.get(url).status_code for url in staff_urls()] == [status] * 4


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(staff_urls()[0])

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("who", ["anonymous", "individual", "unit", "staff"])
def test_a_refused_edit_changes_nothing(client, people, who):
    browser = client_of(people, who, client)
    before = (PolicyParameter.objects.count(), PolicyChange.objects.count())
    record = h2_floor()

    browser.post("/policy/220200/wage.minimum_monthly/new/", {
        "valid_from": "2027-01-01", "value": "1950", "status": "final", "source": "x", "reason": "y",
    })  # fmt: skip
    browser.post(
        f"/policy/records/{record.pk}/finalize/",
        {"value": "2900", "source": "x", "reason": "y", "action": "confirm"},
    )
    browser.post(f"/policy/records/{record.pk}/settle/")

    assert (PolicyParameter.objects.count(), PolicyChange.objects.count()) == before
    record.refresh_from_db()
    assert record.status == "provisional"


def test_the_region_page_links_editors_to_the_history(client, people):
    response = client_of(people, "editor", client).get("/policy/220200/", {"month": "2020-08"})

    assert (
        '<a href="/policy/220200/contribution.base_floor/">历史与录入</a>'
        in response.content.decode()
    )


def test_an_editor_records_a_new_value_from_the_form(client, people):
    browser = client_of(people, "editor", client)

    response = browser.post("/policy/220200/wage.minimum_monthly/new/", {
        "valid_from": "2027-01-01", "value": "1950", "status": "final",
        "source": "吉政发〔2026〕1号", "reason": "新标准公布",
    })  # fmt: skip

    assert response.status_code == 302
    assert response["Location"] == "/policy/220200/wage.minimum_monthly/"
    record = PolicyParameter.objects.get(
        region_id="220200", key="wage.minimum_monthly", valid_from=date(2027, 1, 1)
    )
    assert (record.value, record.origin) == ("1950", "staff")
    history = browser.get(response["Location"]).content.decode()
    assert "已录入“月最低工资标准”自 2027-01-01 起的新记录" in history
    assert "1,950.00 元/月" in history


def test_the_form_shows_errors_next_to_the_fields(client, people):
    browser = client_of(people, "editor", client)

    response = browser.post("/policy/220200/wage.minimum_monthly/new/", {
        "valid_from": "2020-06-01", "valid_to": "2020-12-31", "value": "1950",
        "status": "final", "source": "x", "reason": "y",
    })  # fmt: skip

    assert response.status_code == 200
    assert "“月最低工资标准”在吉林市已有 2020-01-01 至 今 的记录" in response.content.decode()


def test_a_rate_may_be_typed_as_a_percentage(client, people):
    browser = client_of(people, "editor", client)

    browser.post("/policy/220200/rate.medical.unit/new/", {
        "valid_from": "2027-01-01", "value": "7.5%", "status": "final", "source": "吉医保〔2026〕1号", "reason": "调整",
    })  # fmt: skip

    assert (
        PolicyParameter.objects.get(
            region_id="220200", key="rate.medical.unit", valid_from=date(2027, 1, 1)
        ).value
        == "0.075"
    )


def test_finalizing_from_the_page_previews_then_confirms_then_settles(client, people):
    calculations.register(KIND, base_clamp)
    try:
        inputs = {"region": "220202", "on": "2020-08-01", "wage": "2000"}
        amounts, trace = base_clamp(inputs)
        result = calculation_record(
            kind=KIND,
            region="220202",
            inputs=inputs,
            amounts=amounts,
            trace=trace,
            subject=("person", "A"),
        )
        browser = client_of(people, "editor", client)
        record = h2_floor()
        form = {"value": "2900.00", "source": "吉人社〔2020〕9号", "reason": "已公布"}

        preview = browser.post(
            f"/policy/records/{record.pk}/finalize/", form | {"action": "preview"}
        )
        assert preview.status_code == 200
        assert "缴费基数：2,767.00 → 2,900.00（+133.00）" in preview.content.decode()
        record.refresh_from_db()
        assert record.status == "provisional"

        confirmed = browser.post(
            f"/policy/records/{record.pk}/finalize/", form | {"action": "confirm"}
        )
        assert confirmed["Location"] == f"/policy/records/{record.pk}/"
        detail = browser.get(confirmed["Location"]).content.decode()
        assert "重算并结算多退少补" in detail
        assert "待结算（仍含临时参数）" in detail

        settled = browser.post(f"/policy/records/{record.pk}/settle/")
        assert settled.status_code == 302
        result.refresh_from_db()
        assert result.superseded_by.settlement == {"base": "133.00", "pension": "10.64"}
        after = browser.get(f"/policy/records/{record.pk}/").content.decode()
        assert "已重算并结算 1 条计算结果（多退少补）" in after
        assert "重算并结算多退少补</button>" not in after
        assert CalculationRecord.objects.count() == 2
    finally:
        calculations._COMPUTE.pop(KIND, None)
