"""失业保险金申领's claim period (60 days from the unemployment, 失业保险金申领发放办法 第六条) at
submission, on the page and through the API, inside and outside the emergency measures of Jilin
City (seed 000: no limit for people unemployed from 2019-12) and Beijing (seed 003: late handling
until three months after the lifting)."""

from __future__ import annotations

import pytest
from freezegun import freeze_time

from shebao.accounts.actors import actor_for
from shebao.accounts.tokens import token_issue
from shebao.applications import services
from shebao.applications.models import Application, ApplicationEvent
from shebao.catalogue.models import Matter
from shebao.common.errors import InvalidInput
from shebao.testing import hall_load, make_individual, pdf, signed_in

pytestmark = pytest.mark.django_db

MATTER = "person.unemployment_benefit"


@pytest.fixture
def hall(reference_data):
    hall_load()


def _claim(user, leave_date: str) -> Application:
    actor = actor_for(user, "individual")
    matter = Matter.objects.get(code=MATTER)
    application, _ = services.application_create(
        actor=actor,
        matter=matter,
        data={
            "leave_date": leave_date,
            "leave_reason": "contract_expired",
            "last_unit_name": "吉林市松江机械制造有限公司",
            "job_seeking": True,
            "bank_account": "6222020200001234562",
            "contact_mobile": user.mobile,
        },
    )
    for code in matter.required_material_codes:
        services.material_upload(actor=actor, application=application, code=code, file=pdf())
    return application


def _submit(user, application: Application) -> Application:
    application.refresh_from_db()
    return services.application_submit(
        actor=actor_for(user, "individual"), application=application, version=application.version
    )


def _state(application: Application) -> tuple:
    application.refresh_from_db()
    return (
        application.status,
        application.version,
        application.submitted_at,
        ApplicationEvent.objects.filter(application=application).count(),
    )


def _refused(user, application: Application) -> InvalidInput:
    before = _state(application)
    with pytest.raises(InvalidInput) as refused:
        _submit(user, application)
    assert _state(application) == before  # nothing written
    assert refused.value.code == "UNEMPLOYMENT_CLAIM_LATE"
    assert refused.value.field == "leave_date"
    return refused.value


@pytest.mark.parametrize(
    "leave_date, today, last_day",
    [
        ("2024-01-02", "2024-03-03", "2024年3月2日"),  # the 61st day
        ("2020-08-01", "2020-10-01", "2020年9月30日"),  # Jilin, after its measures
    ],
)
def test_a_claim_past_its_sixty_days_is_refused_naming_the_last_day(
    hall, leave_date, today, last_day
):
    user = make_individual(district="220202")
    with freeze_time(f"{today} 10:00:00+08:00"):
        application = _claim(user, leave_date)
        error = _refused(user, application)

    assert f"失业保险金申领期限已于{last_day}届满，不能再申领" in error.message
    assert f"失业之日起60日内申领，截止{last_day}" in error.message
    assert error.details["leave_date"] == leave_date


def test_a_claim_on_its_last_day_is_submitted(hall):
    user = make_individual(district="220202")
    with freeze_time("2024-03-02 10:00:00+08:00"):
        application = _submit(user, _claim(user, "2024-01-02"))
    assert application.status == Application.Status.SUBMITTED


def test_jilin_lifts_the_limit_for_people_unemployed_from_december_2019_while_in_force(hall):
    """Seed 000 问题七: 2019年12月份以后失业人员，申领失业金不受60日时限的限制."""
    user = make_individual(district="220202")
    with freeze_time("2020-05-10 10:00:00+08:00"):
        lifted = _submit(user, _claim(user, "2019-12-20"))  # 142 days later
    assert lifted.status == Application.Status.SUBMITTED

    other = make_individual(district="220202", name="李四")
    with freeze_time("2020-05-10 10:00:00+08:00"):
        error = _refused(other, _claim(other, "2019-11-20"))  # unemployed before 2019-12
    assert "已于2020年1月19日届满" in error.message

    late = make_individual(district="220202", name="王五")
    with freeze_time("2020-10-01 10:00:00+08:00"):  # the measures' record has ended
        error = _refused(late, _claim(late, "2020-01-05"))
    assert "已于2020年3月5日届满" in error.message


def test_beijing_late_handling_extends_a_period_that_ran_out_in_the_emergency(hall):
    """Seed 003: 疫情解除后三个月内补办 — Beijing lifted 2020-06-30, late handling to 09-30."""
    user = make_individual(district="110105")
    with freeze_time("2020-08-03 10:00:00+08:00"):  # the period ran out on 2020-04-01
        extended = _submit(user, _claim(user, "2020-02-01"))
    assert extended.status == Application.Status.SUBMITTED

    after = make_individual(district="110105", name="李四")
    with freeze_time("2020-10-05 10:00:00+08:00"):
        error = _refused(after, _claim(after, "2020-02-01"))
    assert "已于2020年4月1日届满" in error.message

    # a period that ran out after the lifting is not late handling
    later = make_individual(district="110105", name="王五")
    with freeze_time("2020-09-15 10:00:00+08:00"):
        error = _refused(later, _claim(later, "2020-06-20"))
    assert "已于2020年8月19日届满" in error.message


def test_the_api_refuses_the_same_way_and_writes_nothing(hall, client):
    user = make_individual(district="220202")
    with freeze_time("2024-03-10 10:00:00+08:00"):
        application = _claim(user, "2024-01-02")
        before = _state(application)
        token = token_issue(user=user, context="individual")
        response = client.post(
            f"/api/v1/applications/{application.number}/submit",
            data={"version": application.version},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "UNEMPLOYMENT_CLAIM_LATE"
    assert "申领期限已于2024年3月2日届满" in body["message"]
    assert _state(application) == before


def test_the_case_page_shows_the_refusal_in_chinese(hall):
    user = make_individual(district="220202")
    with freeze_time("2024-03-10 10:00:00+08:00"):
        application = _claim(user, "2024-01-02")
        before = _state(application)
        response = signed_in(user, "individual").post(
            f"/applications/{application.number}/submit/", {"version": application.version}
        )
    assert response.status_code == 422
    assert "失业保险金申领期限已于2024年3月2日届满" in response.content.decode()
    assert _state(application) == before


def test_the_matter_page_shows_the_claims_last_day_or_the_rule(hall, client):
    url = f"/matters/{MATTER}/"
    user = make_individual(district="220202")
    with freeze_time("2024-02-10 10:00:00+08:00"):
        rule = client.get(url + "?region=220200").content.decode()
        application = _claim(user, "2024-01-02")
        own = signed_in(user, "individual").get(url).content.decode()
    with freeze_time("2024-03-10 10:00:00+08:00"):
        overdue = signed_in(user, "individual").get(url).content.decode()
    with freeze_time("2020-05-10 10:00:00+08:00"):
        jilin = client.get(url + "?region=220200").content.decode()
        beijing = client.get(url + "?region=110000").content.decode()

    assert "申领期限：</strong>失业之日起60日内申领失业保险金，逾期不能申领</div>" in rule
    assert (
        f"按您的申请（{application.number}）填写的失业日期2024年1月2日：失业之日起60日内申领，"
        "截止2024年3月2日</div>"
    ) in own
    assert "截止2024年3月2日，已逾期" in overdue
    assert (
        "按新冠肺炎疫情防控期间社会保险业务延期办理（吉林市），2019年12月以后失业的人员"
        "不受申领时限限制；申领期限在应急措施期间届满的，可在2020年9月30日前补办"
    ) in jilin
    assert "申领期限在应急措施期间届满的，可在2020年9月30日前补办" in beijing
    assert "2019年12月以后失业" not in beijing


def test_the_matter_page_of_a_jilin_claim_in_the_emergency_says_it_has_no_limit(hall):
    user = make_individual(district="220202")
    with freeze_time("2020-05-10 10:00:00+08:00"):
        _claim(user, "2020-01-05")
        page = signed_in(user, "individual").get(f"/matters/{MATTER}/").content.decode()
    assert (
        "填写的失业日期2020年1月5日：按新冠肺炎疫情防控期间社会保险业务延期办理（吉林市），"
        "2019年12月以后失业的人员申领失业保险金不受时限限制"
    ) in page


def test_the_guide_still_says_a_reviewer_decides_the_claim(hall):
    from shebao.catalogue.guide import acceptance_text

    matter = Matter.objects.get(code=MATTER)
    assert (matter.handler, matter.reviewed_by_staff_only) == ("unemployment_claim", True)
    assert "本事项由经办人员审核办理" in acceptance_text(matter)
