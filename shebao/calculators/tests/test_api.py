"""The contract of /api/v1/calculators: every endpoint with valid and invalid input."""

import json
import re

import pytest
from django.apps import apps
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shebao.policy.models import CalculationRecord

pytestmark = pytest.mark.usefixtures("policy_data")

BASE = "/api/v1/calculators"
MONEY = re.compile(r"^\d+\.\d{2}$")
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def get(client, path, params, **headers):
    return client.get(f"{BASE}/{path}", params, **headers)


def post(client, path, body, **headers):
    return client.post(
        f"{BASE}/{path}", json.dumps(body), content_type="application/json", **headers
    )


def ok(response):
    assert response.status_code == 200, response.content.decode()
    data = response.json()
    assert data["trace"]["rule"]
    assert data["trace"]["steps"]
    assert isinstance(data["provisional"], bool)
    return data


def refused(response, status, code, field=None):
    assert response.status_code == status, response.content.decode()
    data = response.json()
    assert data["code"] == code
    assert CHINESE.search(data["message"]), data["message"]
    if field is not None:
        assert data.get("field") == field
    return data


def money(*values):
    for value in values:
        assert isinstance(value, str) and MONEY.match(value), value


# --- contribution ------------------------------------------------------------------------------

CONTRIBUTION = {"region": "220200", "month": "2020-03", "wage": "8000", "injury_class": "1"}


def test_contribution_jilin_base_8000(client):
    data = ok(get(client, "contribution", CONTRIBUTION))
    assert (data["base"], data["floor"], data["ceiling"]) == ("8000.00", "2767.00", "13835.00")
    lines = {line["insurance"]: line for line in data["lines"]}
    assert (lines["pension"]["unit"], lines["pension"]["individual"]) == ("1280.00", "640.00")
    assert lines["work_injury"]["unit"] == "16.00"
    assert lines["unemployment"]["unit_rate"] == "0.007"  # Jilin province 0.7/0.3
    assert (data["unit_total"], data["individual_total"], data["total"]) == (
        "1912.00",
        "824.00",
        "2736.00",
    )
    money(data["unit_total"], data["individual_total"], data["total"])
    for line in data["lines"]:
        money(line["unit"], line["individual"], line["total"])
    assert data["trace"]["children"][0]["rule"] == "contribution.base"
    param = data["trace"]["params"][0]
    assert set(param) >= {"key", "label", "region", "valid_from", "valid_to", "status", "source"}


@pytest.mark.parametrize(("wage", "base"), [("15000", "13835.00"), ("2000", "2767.00")])
def test_contribution_seed_limits(client, wage, base):
    assert ok(get(client, "contribution", {**CONTRIBUTION, "wage": wage}))["base"] == base


def test_contribution_provisional_half_year(client):
    data = ok(get(client, "contribution", {**CONTRIBUTION, "month": "2020-08"}))
    assert data["provisional"] is True
    assert data["trace"]["provisional"] is True


@pytest.mark.parametrize(
    ("change", "status", "code", "field"),
    [
        ({"region": "999999"}, 404, "REGION_NOT_FOUND", "region"),
        ({"region": "abc"}, 422, "REGION_NOT_FOUND", "region"),
        ({"month": "1990-03"}, 404, "POLICY_PARAM_MISSING", None),
        ({"month": "2020-13"}, 422, "INVALID_MONTH", "month"),
        ({"month": "1800-01"}, 422, "YEAR_OUT_OF_RANGE", "month"),
        ({"wage": "-8000"}, 422, "NEGATIVE_AMOUNT", "wage"),
        ({"wage": "abc"}, 422, "INVALID_NUMBER", "wage"),
        ({"wage": "NaN"}, 422, "INVALID_NUMBER", "wage"),
        ({"wage": "1e40"}, 422, "NUMBER_TOO_LARGE", "wage"),
        ({"wage": "8000.001"}, 422, "AMOUNT_PRECISION", "wage"),
        ({"injury_class": "9"}, 422, "NUMBER_OUT_OF_RANGE", "injury_class"),
        ({"injury_class": "一"}, 422, "INVALID_INTEGER", "injury_class"),
        ({"injury_class": ""}, 422, "INJURY_CLASS_REQUIRED", "injury_class"),
    ],
)
def test_contribution_invalid(client, change, status, code, field):
    refused(get(client, "contribution", {**CONTRIBUTION, **change}), status, code, field)


def test_a_missing_required_parameter_is_422(client):
    data = refused(
        get(client, "contribution", {"region": "220200", "month": "2020-03"}), 422, "INVALID_INPUT"
    )
    assert data["errors"][0]["field"] == "wage"


# --- flexible ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("region", "grade", "base", "monthly", "annual"),
    [
        ("220200", "60", "2767.00", "553.40", "6640.80"),
        ("220200", "100", "4612.00", "922.40", "11068.80"),
        ("420100", "60", "1965.18", "393.04", "4716.48"),
        ("420100", "300", "9825.90", "1965.18", "23582.16"),
    ],
)
def test_flexible_seed_figures(client, region, grade, base, monthly, annual):
    data = ok(get(client, "flexible", {"region": region, "month": "2020-03", "grade": grade}))
    assert (data["base"], data["rate"], data["monthly"], data["annual"]) == (
        base,
        "0.2",
        monthly,
        annual,
    )


@pytest.mark.parametrize(
    ("grade", "code"),
    [("65", "FLEXIBLE_GRADE_INVALID"), ("-60", "NEGATIVE_NUMBER"), ("6.5", "INVALID_INTEGER")],
)
def test_flexible_invalid_grade(client, grade, code):
    data = refused(
        get(client, "flexible", {"region": "220200", "month": "2020-03", "grade": grade}),
        422,
        code,
        "grade",
    )
    if code == "FLEXIBLE_GRADE_INVALID":
        assert data["message"] == "缴费档次“65%”不可选，可选档次为：60%、100%、300%"


# --- late fee ----------------------------------------------------------------------------------


def test_late_fee_domain_example(client):
    data = ok(
        get(client, "late-fee", {"amount": "10000", "start": "2024-01-01", "end": "2024-01-31"})
    )
    assert (data["days"], data["daily_rate"], data["fee"]) == (31, "0.0005", "155.00")


def test_late_fee_split_at_2011_07_01(client):
    data = ok(
        get(client, "late-fee", {"amount": "10000", "start": "2011-06-21", "end": "2011-07-10"})
    )
    assert data["fee"] == "250.00"
    assert data["daily_rate"] == "0.0005"  # the rate in force on the end date
    assert [(s["start"], s["days"], s["daily_rate"]) for s in data["segments"]] == [
        ("2011-06-21", 10, "0.002"),
        ("2011-07-01", 10, "0.0005"),
    ]
    assert any("分段计算" in note for note in data["trace"]["notes"])


def test_late_fee_waived_inside_an_emergency_window_and_charged_outside_it(client):
    params = {"amount": "10000", "start": "2020-09-01", "end": "2020-10-31", "region": "110000"}
    data = ok(get(client, "late-fee", params))
    assert (data["fee"], data["waived_days"]) == ("155.00", 30)
    assert [(s["start"], s["days"], s["waived_by"]) for s in data["segments"]] == [
        ("2020-09-01", 30, "新冠肺炎疫情防控期间社会保险经办措施（北京市）"),
        ("2020-10-01", 31, None),
    ]
    assert any("免收滞纳金" in note for note in data["trace"]["notes"])


@pytest.mark.parametrize(
    ("change", "status", "code", "field"),
    [
        ({"end": "2023-12-31"}, 422, "PERIOD_REVERSED", "end"),
        ({"start": "2024-02-30"}, 422, "INVALID_DATE", "start"),
        ({"start": "2024/01/01"}, 422, "INVALID_DATE", "start"),
        ({"amount": "-1"}, 422, "NEGATIVE_AMOUNT", "amount"),
        ({"start": "1998-01-01"}, 404, "POLICY_PARAM_MISSING", None),
        ({"region": "999999"}, 404, "REGION_NOT_FOUND", "region"),
    ],
)
def test_late_fee_invalid(client, change, status, code, field):
    params = {"amount": "10000", "start": "2024-01-01", "end": "2024-01-31", **change}
    refused(get(client, "late-fee", params), status, code, field)


# --- back-payment interest ---------------------------------------------------------------------


def test_backpay_interest_same_year(client):
    data = ok(
        post(
            client,
            "backpay-interest",
            {"months": [{"month": "2024-03", "amount": "1000"}], "pay_month": "2024-09"},
        )
    )
    assert (data["principal"], data["interest"], data["total"]) == ("1000.00", "13.10", "1013.10")
    assert data["provisional"] is False


def test_backpay_interest_with_the_provisional_2025_rate(client):
    data = ok(
        post(
            client,
            "backpay-interest",
            {"months": [{"month": "2024-10", "amount": 1000}], "pay_month": "2025-04"},
        )
    )
    assert data["provisional"] is True
    assert any("暂定值" in note for note in data["trace"]["notes"])
    money(data["principal"], data["interest"], data["total"])


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"months": [], "pay_month": "2024-09"}, 422, "REQUIRED", "months"),
        (
            {"months": [{"month": "2024-10", "amount": "1"}], "pay_month": "2024-09"},
            422,
            "BACKPAY_MONTH_AFTER_PAY",
            "months.0.month",
        ),
        (
            {"months": [{"month": "2024-1x", "amount": "1"}], "pay_month": "2024-09"},
            422,
            "INVALID_MONTH",
            "months.0.month",
        ),
        (
            {"months": [{"month": "2024-01", "amount": "-1"}], "pay_month": "2024-09"},
            422,
            "NEGATIVE_AMOUNT",
            "months.0.amount",
        ),
        (
            {"months": [{"month": "2015-01", "amount": "1"}], "pay_month": "2016-09"},
            404,
            "POLICY_PARAM_MISSING",
            None,
        ),
        (
            {"months": [{"month": "2024-01", "amount": 640.5}], "pay_month": "2024-09"},
            422,
            "INVALID_INPUT",
            None,
        ),
        ({"months": [{"month": "2024-01"}], "pay_month": "2024-09"}, 422, "INVALID_INPUT", None),
        ({"pay_month": "2024-09"}, 422, "INVALID_INPUT", None),
    ],
)
def test_backpay_invalid(client, body, status, code, field):
    refused(post(client, "backpay-interest", body), status, code, field)


def test_backpay_malformed_json_is_a_400_not_a_500(client):
    # The API-wide handler answers unparsable bodies (its message is django-ninja's own).
    response = client.post(f"{BASE}/backpay-interest", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "BAD_REQUEST"


# --- unemployment ------------------------------------------------------------------------------


def test_unemployment_wuhan(client):
    data = ok(
        get(
            client,
            "unemployment",
            {"region": "420100", "month": "2024-03", "contribution_months": "72"},
        )
    )
    assert (data["eligible"], data["monthly"], data["max_months"], data["total"]) == (
        True,
        "1809.00",
        18,
        "32562.00",
    )


def test_unemployment_not_eligible_below_12_months(client):
    data = ok(
        get(
            client,
            "unemployment",
            {"region": "420100", "month": "2024-03", "contribution_months": "11"},
        )
    )
    assert (data["eligible"], data["monthly"], data["max_months"]) == (False, "0.00", 0)
    assert "不满 12 个月" in data["trace"]["notes"][0]


def test_unemployment_near_retirement(client):
    data = ok(
        get(
            client,
            "unemployment",
            {
                "region": "420100",
                "month": "2025-03",
                "contribution_months": "24",
                "birth": "1966-01",
                "category": "male",
            },
        )
    )
    assert (data["max_months"], data["extended_to_retirement"]) == (14, True)
    assert data["trace"]["children"][0]["rule"] == "retirement.age"


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"contribution_months": "-1"}, "NEGATIVE_NUMBER", "contribution_months"),
        ({"contribution_months": "961"}, "NUMBER_OUT_OF_RANGE", "contribution_months"),
        ({"carried_months": "961"}, "NUMBER_OUT_OF_RANGE", "carried_months"),
        ({"category": "robot", "birth": "1966-01"}, "INVALID_CHOICE", "category"),
    ],
)
def test_unemployment_invalid(client, change, code, field):
    params = {"region": "420100", "month": "2024-03", "contribution_months": "72", **change}
    refused(get(client, "unemployment", params), 422, code, field)


# --- retirement --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth", "category", "month", "years", "months"),
    [("1965-01", "male", "2025-02", 60, 1), ("1975-03", "female_worker", "2025-05", 50, 2)],
)
def test_retirement_domain_checks(client, birth, category, month, years, months):
    data = ok(get(client, "retirement", {"birth": birth, "category": category}))
    assert (data["retirement_month"], data["age_years"], data["age_months"]) == (
        month,
        years,
        months,
    )
    assert data["min_contribution_months"] == 180


def test_retirement_elastic_early(client):
    data = ok(
        get(
            client,
            "retirement",
            {"birth": "1979-01", "category": "female_worker", "early_months": "25"},
        )
    )
    assert (data["statutory_month"], data["retirement_month"], data["min_contribution_months"]) == (
        "2031-02",
        "2029-01",
        180,
    )


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"category": "female"}, "INVALID_CHOICE", "category"),
        ({"early_months": "26"}, "RETIREMENT_TOO_EARLY", "early_months"),
        ({"early_months": "37"}, "RETIREMENT_EARLY_TOO_MANY", "early_months"),
        ({"late_months": "37"}, "RETIREMENT_LATE_TOO_MANY", "late_months"),
        ({"late_months": "121"}, "NUMBER_OUT_OF_RANGE", "late_months"),
        ({"early_months": "1", "late_months": "1"}, "RETIREMENT_ELASTIC_BOTH", "late_months"),
        ({"birth": "1979"}, "INVALID_MONTH", "birth"),
    ],
)
def test_retirement_invalid(client, change, code, field):
    params = {"birth": "1979-01", "category": "female_worker", **change}
    refused(get(client, "retirement", params), 422, code, field)


# --- pension -----------------------------------------------------------------------------------

PENSION = {"avg_wage": "8000", "index": "1", "years": "35", "balance": "139000", "age": "60"}


def test_pension_three_parts(client):
    data = ok(get(client, "pension", {**PENSION, "deemed_years": "10"}))
    assert (data["basic"], data["personal"], data["transitional"], data["total"]) == (
        "2800.00",
        "1000.00",
        "960.00",
        "4760.00",
    )
    assert any("全国参考值" in note for note in data["trace"]["notes"])


def test_pension_with_region_names_the_region(client):
    data = ok(get(client, "pension", {**PENSION, "region": "420100"}))
    assert data["trace"]["inputs"]["region"] == "420100"
    assert data["transitional"] == "0.00"


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"age": "39"}, "PENSION_AGE_OUT_OF_TABLE", "age"),
        ({"age": "101"}, "NUMBER_OUT_OF_RANGE", "age"),
        ({"index": "-1"}, "NEGATIVE_NUMBER", "index"),
        ({"index": "11"}, "NUMBER_OUT_OF_RANGE", "index"),
        ({"years": "10", "deemed_years": "11"}, "DEEMED_YEARS_EXCEED_TOTAL", "deemed_years"),
        ({"avg_wage": "0"}, "NEGATIVE_AMOUNT", "avg_wage"),
    ],
)
def test_pension_invalid(client, change, code, field):
    refused(get(client, "pension", {**PENSION, **change}), 422, code, field)


# --- death benefit -----------------------------------------------------------------------------


def test_death_benefit_domain_example(client):
    data = ok(
        get(
            client,
            "death-benefit",
            {"date": "2024-05-01", "contribution_months": "267", "income": "4000"},
        )
    )
    assert (data["funeral"], data["relief_months"], data["relief"], data["total"]) == (
        "8000.00",
        "16.25",
        "65000.00",
        "73000.00",
    )


def test_death_benefit_retiree_from_region_figure(client):
    data = ok(
        get(
            client,
            "death-benefit",
            {
                "date": "2024-05-01",
                "contribution_months": "360",
                "pension_months": "120",
                "region": "220200",
            },
        )
    )
    # I = 33,396 / 12 = 2,783; 24 − 10 = 14 months.
    assert (data["relief_months"], data["relief"]) == ("14.00", "38962.00")


@pytest.mark.parametrize(
    ("change", "status", "code", "field"),
    [
        ({"income": ""}, 422, "DEATH_INCOME_OR_REGION_REQUIRED", "income"),
        ({"date": "2024-13-01"}, 422, "INVALID_DATE", "date"),
        ({"income": "-4000"}, 422, "NEGATIVE_AMOUNT", "income"),
        ({"income": "", "region": "999999"}, 404, "REGION_NOT_FOUND", "region"),
    ],
)
def test_death_benefit_invalid(client, change, status, code, field):
    params = {"date": "2024-05-01", "contribution_months": "267", "income": "4000", **change}
    refused(get(client, "death-benefit", params), status, code, field)


# --- transfer ----------------------------------------------------------------------------------

TRANSFER = {
    "sex": "male",
    "birth": "1980-05",
    "move_month": "2025-03",
    "to_hukou_province": "false",
    "bases_sum": "600000",
    "personal_balance": "85000",
}


def test_transfer_regular(client):
    data = ok(get(client, "transfer", TRANSFER))
    assert (data["account"], data["pooled_transfer"], data["personal_transfer"]) == (
        "regular",
        "72000.00",
        "85000.00",
    )


def test_transfer_temporary_moves_nothing(client):
    data = ok(get(client, "transfer", {**TRANSFER, "birth": "1975-03"}))
    assert (data["account"], data["pooled_transfer"], data["personal_transfer"]) == (
        "temporary",
        "0.00",
        "0.00",
    )
    assert any("本次不转移资金" in note for note in data["trace"]["notes"])
    back_home = ok(
        get(client, "transfer", {**TRANSFER, "birth": "1975-03", "to_hukou_province": "true"})
    )
    assert back_home["account"] == "regular"


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"sex": "M"}, "INVALID_CHOICE", "sex"),
        ({"to_hukou_province": "maybe"}, "INVALID_BOOLEAN", "to_hukou_province"),
        ({"birth": "2026-01"}, "PERIOD_REVERSED", "move_month"),
        ({"bases_sum": "-1"}, "NEGATIVE_AMOUNT", "bases_sum"),
    ],
)
def test_transfer_invalid(client, change, code, field):
    refused(get(client, "transfer", {**TRANSFER, **change}), 422, code, field)


# --- payday ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("region", "month", "day"),
    [
        ("320400", "2024-02", "2024-02-09"),
        ("320400", "2026-02", "2026-02-13"),
        ("320583", "2024-10", "2024-09-30"),
        ("420100", "2024-10", "2024-10-15"),
    ],
)
def test_payday(client, region, month, day):
    data = ok(get(client, "payday", {"region": region, "month": month}))
    assert data["date"] == day
    assert data["calendar_covered"] is True


def test_payday_invalid(client):
    refused(
        get(client, "payday", {"region": "999999", "month": "2024-01"}),
        404,
        "REGION_NOT_FOUND",
        "region",
    )
    refused(
        get(client, "payday", {"region": "320400", "month": "24-01"}), 422, "INVALID_MONTH", "month"
    )


# --- public: same answer for everyone, nothing stored ------------------------------------------

CALLS = [
    ("get", "contribution", CONTRIBUTION),
    ("get", "flexible", {"region": "220200", "month": "2020-03", "grade": "60"}),
    ("get", "late-fee", {"amount": "10000", "start": "2024-01-01", "end": "2024-01-31"}),
    (
        "post",
        "backpay-interest",
        {"months": [{"month": "2024-10", "amount": "1000"}], "pay_month": "2025-04"},
    ),
    ("get", "unemployment", {"region": "420100", "month": "2024-03", "contribution_months": "72"}),
    ("get", "retirement", {"birth": "1965-01", "category": "male"}),
    ("get", "pension", PENSION),
    (
        "get",
        "death-benefit",
        {"date": "2024-05-01", "contribution_months": "267", "income": "4000"},
    ),
    ("get", "transfer", TRANSFER),
    ("get", "payday", {"region": "320400", "month": "2026-02"}),
]


def _call(client, method, path, params, **headers):
    return (get if method == "get" else post)(client, path, params, **headers)


def _row_counts():
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }


def test_anonymous_and_any_token_get_the_same_answer_and_nothing_is_stored(client, tokens):
    before = _row_counts()
    for method, path, params in CALLS:
        anonymous = ok(_call(client, method, path, params))
        for token in tokens.values():
            with_token = ok(
                _call(client, method, path, params, HTTP_AUTHORIZATION=f"Bearer {token}")
            )
            assert with_token == anonymous, path
    assert _row_counts() == before
    assert CalculationRecord.objects.count() == 0


def test_an_invalid_token_is_refused_as_everywhere_in_the_api(client):
    refused(
        get(
            client,
            "payday",
            {"region": "320400", "month": "2026-02"},
            HTTP_AUTHORIZATION="Bearer sb_nope_nope",
        ),
        401,
        "UNAUTHENTICATED",
    )


def test_every_endpoint_is_published_in_openapi(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for _method, path, _params in CALLS:
        assert f"{BASE}/{path}" in paths


# --- never a 500 -------------------------------------------------------------------------------

ENDPOINT_FIELDS = {
    "contribution": CONTRIBUTION,
    "flexible": {"region": "220200", "month": "2020-03", "grade": "60"},
    "late-fee": {"amount": "10000", "start": "2024-01-01", "end": "2024-01-31", "region": "110000"},
    "unemployment": {
        "region": "420100",
        "month": "2024-03",
        "contribution_months": "72",
        "birth": "1966-01",
        "category": "male",
    },
    "retirement": {"birth": "1965-01", "category": "male", "late_months": "3"},
    "pension": {**PENSION, "deemed_years": "10", "region": "420100"},
    "death-benefit": {
        "date": "2024-05-01",
        "contribution_months": "267",
        "income": "4000",
        "region": "220200",
    },
    "transfer": TRANSFER,
    "payday": {"region": "320400", "month": "2026-02"},
}
ODD = st.one_of(
    st.text(max_size=20),
    st.sampled_from(
        [
            "",
            "0",
            "-0",
            "1e999",
            "-1e-999",
            "NaN",
            "Infinity",
            "１２３",
            "0000-00",
            "9999-12",
            "0001-01",
            "2100-12-31",
            "1900-01-01",
            "2024-02-29",
            "99999999999999999999",
            " 1 ",
            "0x10",
        ]
    ),
)


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(path=st.sampled_from(sorted(ENDPOINT_FIELDS)), data=st.data())
def test_odd_input_never_gives_a_500(client, path, data):
    params = dict(ENDPOINT_FIELDS[path])
    name = data.draw(st.sampled_from(sorted(params)))
    params[name] = data.draw(ODD)
    response = get(client, path, params)
    assert response.status_code in (200, 404, 422), (path, params, response.content)
    if response.status_code != 200:
        assert CHINESE.search(response.json()["message"])
