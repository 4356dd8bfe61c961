"""The emergency measures as the API, the home page and the matter pages show them, and the
policy validation that keeps two measures of one region from overlapping."""

from __future__ import annotations

from datetime import date

import pytest
from freezegun import freeze_time

from shebao.accounts.actors import actor_for
from shebao.accounts.capabilities import Capability, capability_grant
from shebao.catalogue.services import catalogue_load
from shebao.common.errors import Conflict
from shebao.policy.datafiles import PolicyDataError
from shebao.policy.models import PolicyChange, PolicyParameter
from shebao.policy.services import parameter_record, policy_load
from shebao.testing import make_staff

pytestmark = pytest.mark.django_db

JILIN_EFFECTS = [
    {
        "code": "late_handling",
        "title": "应急措施期间未及时办理的参保、缴费、关系转移接续、待遇申领等业务，可在措施解除后"
        "3个月内（2020年9月30日前）补办，不影响个人权益记录和待遇领取",
    },
    {
        "code": "no_certification_suspension",
        "title": "领取待遇人员未按期进行资格认证的，不暂停待遇发放",
    },
    {
        "code": "unemployment_benefit_raised",
        "title": "失业保险金提高到当地最低工资标准的90%，执行至措施解除",
    },
    {
        "code": "unemployment_claim_limit_lifted",
        "title": "2019年12月以后失业的人员申领失业保险金不受申领时限限制",
    },
    {
        "code": "provisional_death_settlement",
        "title": "死亡待遇暂按上年度标准预结算，新标准公布后重新核算、多退少补",
    },
]


def test_the_api_lists_the_measures_in_force_in_a_district_with_dates_effects_and_source(
    client, policy_data
):
    response = client.get("/api/v1/emergency-measures", {"region": "220202", "on": "2020-03-01"})

    assert response.status_code == 200
    assert response.json() == [
        {
            "code": "COVID19-220200",
            "title": "新冠肺炎疫情防控期间社会保险业务延期办理（吉林市）",
            "region": "220200",
            "start": "2020-01-25",
            "end": "2020-06-30",
            "effects": JILIN_EFFECTS,
            "source": "吉林市社保局疫情防控期间答问（来源：吉林乌拉圈APP）",
        }
    ]


def test_beijing_measures_extend_the_collection_period_and_suspend_audit_cases(client, policy_data):
    body = client.get("/api/v1/emergency-measures?region=110105&on=2020-02-15").json()

    assert [m["code"] for m in body] == ["COVID19-110000"]
    codes = [e["code"] for e in body[0]["effects"]]
    assert codes == [
        "late_handling",
        "late_fee_waived",
        "collection_extended",
        "manual_operations_flagged",
        "audit_cases_suspended",
        "priority_injury_claims",
    ]
    extension = body[0]["effects"][2]["title"]
    assert (
        extension
        == "2020年1月、2020年2月应缴社会保险费征收期延长至2020年3月31日，延长期间待遇正常享受"
    )


@pytest.mark.parametrize(
    "on, codes",
    [
        ("2020-01-24", []),  # the day before the measures
        ("2020-01-25", ["COVID19-220200"]),  # their first day
        ("2020-09-30", ["COVID19-220200"]),  # the last day of late handling
        ("2020-10-01", []),
    ],
)
def test_the_api_answers_only_inside_the_measures_dates(client, policy_data, on, codes):
    body = client.get(f"/api/v1/emergency-measures?region=220200&on={on}").json()
    assert [m["code"] for m in body] == codes


def test_the_api_refuses_a_bad_date_and_an_unknown_region(client, policy_data):
    bad_date = client.get("/api/v1/emergency-measures?region=220200&on=2020-02-30")
    unknown = client.get("/api/v1/emergency-measures?region=999999&on=2020-03-01")

    assert (bad_date.status_code, bad_date.json()["code"]) == (422, "INVALID_DATE")
    assert "不是有效的日期" in bad_date.json()["message"]
    assert (unknown.status_code, unknown.json()["code"]) == (404, "REGION_NOT_FOUND")


def test_the_home_page_shows_the_measures_of_the_visitors_region_while_in_force(
    client, policy_data
):
    with freeze_time("2020-03-02 10:00:00+08:00"):
        during = client.get("/?region=220200").content.decode()
        wuhan = client.get("/?region=420100").content.decode()
    with freeze_time("2020-10-01 10:00:00+08:00"):
        after = client.get("/?region=220200").content.decode()

    assert "新冠肺炎疫情防控期间社会保险业务延期办理（吉林市）" in during
    assert "2020年1月25日起，2020年6月30日解除，补办截止2020年9月30日" in during
    assert "政策依据：吉林市社保局疫情防控期间答问（来源：吉林乌拉圈APP）" in during
    assert 'id="emergency"' not in wuhan
    assert 'id="emergency"' not in after


def test_a_matter_page_says_its_deadlines_are_extended_while_the_measures_are_in_force(
    client, policy_data
):
    catalogue_load()
    url = "/matters/person.unemployment_benefit/?region=220200"
    with freeze_time("2020-08-03 10:00:00+08:00"):
        during = client.get(url).content.decode()
    with freeze_time("2020-10-01 10:00:00+08:00"):
        after = client.get(url).content.decode()

    assert (
        "应急措施期间未能按期办理本事项的，可在2020年9月30日前补办，不影响个人权益记录和待遇领取；"
        "期间届满的办理期限和申领期限顺延至该日。"
    ) in during
    assert "政策依据：吉林市社保局疫情防控期间答问（来源：吉林乌拉圈APP）" in during
    assert "申领失业保险金不受申领时限限制" in during  # the measure's tip on this matter
    assert "emergency-measure" not in after
    assert "不受申领时限限制" not in after


def test_the_measures_page_lists_the_measures_of_a_region_on_a_day(client, policy_data):
    page = client.get("/emergency/?region=110000&on=2020-02-15").content.decode()
    none = client.get("/emergency/?region=420100&on=2020-02-15").content.decode()
    bad = client.get("/emergency/?region=110000&on=2020-13-01").content.decode()

    assert "新冠肺炎疫情防控期间社会保险经办措施（北京市）" in page
    assert "补办截止</dt><dd>2020年9月30日" in page
    assert 'id="no-measures"' in none
    assert "“2020-13-01”不是有效的日期（应为 YYYY-MM-DD），已按今天显示" in bad


# --- overlapping measures are refused ----------------------------------------------------------


def _editor():
    user = make_staff(districts=("220202",), department="finance")
    capability_grant(
        staff=user.staff_profile, capability=Capability.EDIT_POLICY, regions=["000000"]
    )
    return actor_for(user, "staff")


def _record(actor, region, start, end):
    return parameter_record(
        actor=actor,
        region=region,
        key="emergency.measures",
        valid_from=start,
        valid_to=end,
        value={"name": "防汛应急措施", "deferral_months_after_lift": 3},
        status="final",
        source="测试文件",
        reason="录入应急措施",
    )


@pytest.mark.parametrize(
    "region",
    [
        "220200",  # the same region as Jilin City's measures
        "220202",  # a district below it
        "220000",  # the province above it
    ],
)
def test_a_measure_overlapping_another_in_its_region_or_above_or_below_is_refused(
    policy_data, region
):
    actor = _editor()
    before = (PolicyParameter.objects.count(), PolicyChange.objects.count())

    with pytest.raises(Conflict) as refused:
        _record(actor, region, date(2020, 6, 1), date(2020, 12, 31))

    assert refused.value.code == "EMERGENCY_MEASURE_OVERLAP"
    assert "与吉林市的应急措施“新冠肺炎疫情防控期间社会保险业务延期办理（吉林市）”" in (
        refused.value.message
    )
    assert (PolicyParameter.objects.count(), PolicyChange.objects.count()) == before


def test_a_measure_after_the_other_or_in_another_province_is_recorded(policy_data):
    actor = _editor()

    later = _record(actor, "220200", date(2020, 10, 1), date(2020, 12, 31))
    elsewhere = _record(actor, "420100", date(2020, 6, 1), None)

    assert (later.region_id, elsewhere.region_id) == ("220200", "420100")


def test_data_files_with_overlapping_measures_of_a_city_and_its_province_are_refused(
    reference_data, tmp_path
):
    measure = (
        '[[param]]\nkey = "emergency.measures"\nfrom = {start}\nto = 2020-09-30\n'
        'source = "测试文件"\n[param.value]\nname = "{name}"\n'
    )
    (tmp_path / "220000.toml").write_text(
        measure.format(start="2020-01-24", name="省级措施"), encoding="utf-8"
    )
    (tmp_path / "220200.toml").write_text(
        measure.format(start="2020-01-25", name="市级措施"), encoding="utf-8"
    )

    with pytest.raises(PolicyDataError) as refused:
        policy_load(directory=tmp_path)

    assert refused.value.errors == [
        "220200.toml 第1行 [emergency.measures 自 2020-01-25]：应急措施的期间与 220000.toml 第1行的应急措施"
        "（2020-01-24 至 2020-09-30）重叠（EMERGENCY_MEASURE_OVERLAP）"
    ]
    assert PolicyParameter.objects.count() == 0
