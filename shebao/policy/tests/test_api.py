import json
from datetime import date

import pytest

from shebao.policy.models import PolicyChange, PolicyParameter

from .conftest import token_of

pytestmark = pytest.mark.usefixtures("policy_data")


def get(client, path, token=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.get(path, **headers)


def post(client, path, body, token=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.post(path, data=json.dumps(body), content_type="application/json", **headers)


def test_regions_with_parameters(client):
    response = get(client, "/api/v1/policy/")

    assert response.status_code == 200
    rows = {r["code"]: r for r in response.json()}
    assert set(rows) == {
        "000000",
        "110000",
        "220000",
        "220200",
        "320000",
        "320400",
        "320583",
        "420100",
    }
    assert rows["220200"] == {
        "code": "220200",
        "name": "吉林市",
        "level": "city",
        "parent": "220000",
        "own_parameters": PolicyParameter.objects.filter(region_id="220200").count(),
    }


def test_the_parameters_of_a_region_and_month(client):
    response = get(client, "/api/v1/policy/220200?month=2020-08")

    assert response.status_code == 200
    body = response.json()
    assert body["region"] == {"code": "220200", "name": "吉林市"}
    assert body["month"] == "2020-08"
    rows = {row["key"]: row for row in body["parameters"]}
    assert rows["contribution.base_floor"] == {
        "key": "contribution.base_floor",
        "label": "缴费基数下限",
        "unit": "元/月",
        "value": "2767.00",
        "valid_from": "2020-07-01",
        "valid_to": "2020-12-31",
        "status": "provisional",
        "source": "吉林市社保局疫情期间答问（问题二）",
        "defined_in": "220200",
        "inherited": False,
    }
    assert (
        rows["wage.average_annual"]["defined_in"],
        rows["wage.average_annual"]["inherited"],
    ) == ("220000", True)
    assert rows["rate.pension.unit"]["value"] == "0.16"
    assert rows["latefee.cap"]["value"] is None  # no cap: a null value
    assert rows["unemployment.apply_deadline_days"]["value"] == 60  # lifted by the measures
    assert rows["emergency.measures"]["value"]["unemployment_benefit_pct"] == "0.9"


def test_a_partner_token_may_read(client, people):
    from shebao.accounts.models import User
    from shebao.accounts.tokens import token_issue

    partner = User.objects.create_user("BANK01", "x", kind=User.Kind.PARTNER, name="合作银行")

    response = get(
        client, "/api/v1/policy/110000?month=2020-02", token_issue(user=partner, context="partner")
    )

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/api/v1/policy/999999?month=2020-08", 404, "REGION_NOT_FOUND"),
        ("/api/v1/policy/220200?month=2020-13", 422, "INVALID_MONTH"),
        ("/api/v1/policy/220200?month=2020/08", 422, "INVALID_MONTH"),
        ("/api/v1/policy/220200?month=1900-01", 404, "POLICY_NOT_FOUND"),
    ],
)
def test_bad_requests_get_a_stable_code(client, path, status, code):
    response = get(client, path)

    assert response.status_code == status
    assert response.json()["code"] == code


def test_an_invalid_token_is_refused_even_for_public_reads(client):
    response = get(client, "/api/v1/policy/220200", "sb_nope_nope")

    assert response.status_code == 401


NEW = {
    "key": "wage.minimum_monthly",
    "valid_from": "2027-01-01",
    "value": "1950",
    "source": "吉政发〔2026〕1号",
    "reason": "新标准公布",
}


@pytest.mark.parametrize(
    ("who", "status", "code"),
    [
        ("anonymous", 401, "UNAUTHENTICATED"),
        ("individual", 403, "POLICY_EDIT_FORBIDDEN"),
        ("unit", 403, "POLICY_EDIT_FORBIDDEN"),
        ("staff", 403, "POLICY_EDIT_FORBIDDEN"),
    ],
)
def test_recording_through_the_api_is_refused_to_everyone_but_editors(
    client, people, who, status, code
):
    before = (PolicyParameter.objects.count(), PolicyChange.objects.count())
    record = PolicyParameter.objects.get(
        region_id="220200", key="contribution.base_floor", valid_from=date(2020, 7, 1)
    )
    token = token_of(people, who)

    created = post(client, "/api/v1/policy/220200/parameters", NEW, token)
    finalized = post(
        client,
        f"/api/v1/policy/records/{record.pk}/finalize",
        {"value": "2900.00", "source": "x", "reason": "y"},
        token,
    )

    assert (created.status_code, finalized.status_code) == (status, status)
    assert (created.json()["code"], finalized.json()["code"]) == (code, code)
    assert (PolicyParameter.objects.count(), PolicyChange.objects.count()) == before


def test_an_editor_records_and_finalizes_through_the_api(client, people):
    token = token_of(people, "editor")
    record = PolicyParameter.objects.get(
        region_id="220200", key="contribution.base_floor", valid_from=date(2020, 7, 1)
    )

    created = post(client, "/api/v1/policy/220200/parameters", NEW, token)
    finalized = post(
        client,
        f"/api/v1/policy/records/{record.pk}/finalize",
        {"value": "2900.00", "source": "吉人社〔2020〕9号", "reason": "已公布"},
        token,
    )

    assert created.status_code == 201
    body = created.json()
    assert (body["key"], body["valid_from"], body["valid_to"], body["value"], body["status"], body["origin"]) == (
        "wage.minimum_monthly", "2027-01-01", None, "1950", "final", "staff",
    )  # fmt: skip
    assert finalized.status_code == 200
    assert (finalized.json()["value"], finalized.json()["status"]) == ("2900.00", "final")
    assert (
        get(client, "/api/v1/policy/220200?month=2027-01").json()["parameters"][1]["value"]
        == "1950"
    )


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (NEW | {"value": 1950.5}, 422, "POLICY_VALUE_INVALID"),
        (NEW | {"key": "wage.nope"}, 422, "POLICY_KEY_UNKNOWN"),
        (NEW | {"valid_from": "2027-02-30"}, 422, "INVALID_INPUT"),
        (
            NEW | {"valid_from": "2020-06-01", "valid_to": "2020-12-31"},
            409,
            "POLICY_PERIOD_OVERLAP",
        ),
    ],
)
def test_bad_records_are_refused_with_a_stable_code(client, people, body, status, code):
    before = PolicyParameter.objects.count()

    response = post(client, "/api/v1/policy/220200/parameters", body, token_of(people, "editor"))

    assert (response.status_code, response.json()["code"]) == (status, code)
    assert PolicyParameter.objects.count() == before


def test_finalizing_a_final_record_or_an_unknown_one(client, people):
    token = token_of(people, "editor")
    final = PolicyParameter.objects.get(
        region_id="220200", key="contribution.base_floor", valid_from=date(2020, 1, 1)
    )
    body = {"value": "2900.00", "source": "x", "reason": "y"}

    assert (
        post(client, f"/api/v1/policy/records/{final.pk}/finalize", body, token).json()["code"]
        == "POLICY_ALREADY_FINAL"
    )
    assert (
        post(client, "/api/v1/policy/records/999999/finalize", body, token).json()["code"]
        == "POLICY_RECORD_NOT_FOUND"
    )
