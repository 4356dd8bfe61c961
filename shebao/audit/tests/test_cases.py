"""Audit cases (稽核, seed 003): filed by an individual, deferred while Beijing's 2020
measures suspend audit work (from 2020-01-31, lifted 2020-06-30), opened with a time limit of
working days, suspended and resumed (the limit extended by the suspension), closed."""

from __future__ import annotations

from datetime import date

import pytest
from freezegun import freeze_time

from shebao.accounts.actors import actor_for
from shebao.accounts.tokens import token_issue
from shebao.audit.models import AuditCase, AuditCaseEvent
from shebao.audit.selectors import case_for, cases_for, reports_for
from shebao.audit.services import case_close, case_open, case_resume, case_suspend, report_file
from shebao.common.errors import Conflict, InvalidInput, PermissionDenied
from shebao.common.workcalendar import add_working_days
from shebao.testing import make_individual, make_staff, staff_actor

pytestmark = pytest.mark.django_db

JILIN = "220202"
BEIJING = "110105"


def individual(district=JILIN, name="周投诉"):
    return actor_for(make_individual(name=name, district=district), "individual")


def auditor(district=JILIN):
    return staff_actor(make_staff(districts=(district,), department="audit", name="孙稽核"))


def file(actor, *, key="r1", content="单位2024年起未为我缴纳养老保险"):
    return report_file(
        actor=actor,
        kind="complaint",
        respondent_name="吉林市某商贸有限公司",
        content=content,
        materials="劳动合同复印件、工资条",
        request_key=key,
    )


@pytest.fixture
def people(policy_data):
    return individual(), auditor()


def test_a_suspended_and_resumed_case_has_its_time_limit_extended_by_the_suspension(people):
    person, staff = people
    with freeze_time("2024-03-01 09:00:00+08:00"):  # a Friday
        case = case_open(actor=staff, case=file(person))
    before = case.due_on
    assert (case.opened_on, case.time_limit_days) == (date(2024, 3, 1), 60)
    assert before == add_working_days(date(2024, 3, 1), 60)

    with freeze_time("2024-03-20 09:00:00+08:00"):
        case = case_suspend(
            actor=staff, case=case, start=date(2024, 3, 11), reason="被稽核单位负责人隔离"
        )
        assert (case.status, case.due_on) == ("suspended", before)
        # suspended Monday 11 March, resumed Monday 18 March: five working days
        case = case_resume(actor=staff, case=case, on=date(2024, 3, 18))

    assert (case.status, case.suspended_days) == ("open", 5)
    assert case.due_on == add_working_days(before, 5)
    assert case.suspensions.get().working_days == 5


def test_a_case_is_closed_with_an_outcome_the_complainant_reads(people):
    person, staff = people
    case = case_open(actor=staff, case=file(person))
    case = case_close(actor=staff, case=case, outcome="confirmed", note="已责令补缴")

    progress = case_for(actor=person, number=case.number)
    assert (progress.status, progress.outcome) == ("closed", "confirmed")
    assert list(progress.events.values_list("action", flat=True)) == ["file", "open", "close"]
    assert progress.events.last().public_text == "已结案：情况属实，已责令整改。已责令补缴"


def test_a_complaint_without_content_is_refused_and_nothing_written(people):
    person, _ = people
    with pytest.raises(InvalidInput) as refused:
        file(person, content="   ")
    assert refused.value.code == "AUDIT_CONTENT_REQUIRED"
    assert (
        refused.value.message == "请填写投诉举报内容：被投诉单位的什么行为、发生的时间和涉及的人员"
    )
    assert (AuditCase.objects.count(), AuditCaseEvent.objects.count()) == (0, 0)


def test_a_double_submission_files_one_report(people):
    person, _ = people
    assert file(person).pk == file(person).pk
    assert AuditCase.objects.count() == 1


def test_during_beijings_emergency_a_report_is_deferred_with_its_materials_and_opened_after(
    policy_data,
):
    person, staff = individual(BEIJING), auditor(BEIJING)
    with freeze_time("2020-02-10 09:00:00+08:00"):
        case = file(person)
        assert (case.status, case.materials) == ("deferred", "劳动合同复印件、工资条")
        with pytest.raises(Conflict) as refused:
            case_open(actor=staff, case=case)
    assert refused.value.code == "AUDIT_OPENING_DEFERRED"
    case.refresh_from_db()
    assert case.status == "deferred"

    with freeze_time("2020-07-01 09:00:00+08:00"):  # the day after the lifting
        case = case_open(actor=staff, case=case)
    assert (case.status, case.opened_on) == ("open", date(2020, 7, 1))
    defer = case.events.get(action="defer").public_text
    assert defer.startswith(
        "按新冠肺炎疫情防控期间社会保险经办措施（北京市），应急措施期间暂缓立案"
    )


def test_outside_the_emergency_a_beijing_report_is_registered(policy_data):
    with freeze_time("2020-07-01 09:00:00+08:00"):
        case = file(individual(BEIJING))
    assert case.status == "registered"


def test_a_complainant_sees_only_their_own_report_and_staff_only_their_districts(people):
    person, staff = people
    other = individual(name="吴旁人")
    elsewhere = auditor("220204")
    registration = staff_actor(make_staff(districts=(JILIN,)))
    case = file(person)

    assert case_for(actor=other, number=case.number) is None
    assert list(reports_for(actor=other)) == []
    assert case_for(actor=elsewhere, number=case.number) is None
    assert list(cases_for(actor=registration)) == []
    assert [c.number for c in cases_for(actor=staff)] == [case.number]
    with pytest.raises(PermissionDenied):
        case_open(actor=registration, case=case)


def test_wrong_steps_are_refused(people):
    person, staff = people
    case = file(person)
    with pytest.raises(Conflict):
        case_suspend(actor=staff, case=case, start=date(2024, 1, 1), reason="x")
    with pytest.raises(Conflict):
        case_close(actor=staff, case=case, outcome="confirmed", note="x")
    case = case_open(actor=staff, case=case)
    with pytest.raises(InvalidInput) as early:
        case_suspend(actor=staff, case=case, start=date(2000, 1, 1), reason="x")
    assert early.value.code == "AUDIT_DATE_INVALID"


# --- the API -------------------------------------------------------------------------------------


def bearer(actor):
    return {"HTTP_AUTHORIZATION": f"Bearer {token_issue(user=actor.user, context=actor.kind)}"}


def test_the_api_files_a_report_and_shows_its_progress_to_the_complainant_only(client, people):
    person, staff = people
    body = {
        "kind": "report",
        "respondent_name": "吉林市某商贸有限公司",
        "content": "单位按最低基数申报，实际工资更高",
        "request_key": "api-1",
    }
    created = client.post(
        "/api/v1/audit/reports", body, content_type="application/json", **bearer(person)
    )
    assert created.status_code == 201
    number = created.json()["number"]
    assert created.json()["status"] == "registered"
    assert created.json()["steps"][0]["label"] == "登记"

    own = client.get(f"/api/v1/audit/reports/{number}", **bearer(person))
    other = client.get(f"/api/v1/audit/reports/{number}", **bearer(individual(name="吴旁人")))
    by_staff = client.get(f"/api/v1/audit/reports/{number}", **bearer(staff))
    assert (own.status_code, other.status_code, by_staff.status_code) == (200, 404, 200)
    assert other.json()["code"] == "AUDIT_NOT_FOUND"


def test_the_api_refuses_a_complaint_without_content(client, people):
    person, staff = people
    empty = client.post(
        "/api/v1/audit/reports",
        {"respondent_name": "某公司", "content": "", "request_key": "api-2"},
        content_type="application/json",
        **bearer(person),
    )
    as_staff = client.post(
        "/api/v1/audit/reports",
        {"respondent_name": "某公司", "content": "内容", "request_key": "api-3"},
        content_type="application/json",
        **bearer(staff),
    )
    assert (empty.status_code, empty.json()["code"]) == (422, "AUDIT_CONTENT_REQUIRED")
    assert as_staff.status_code == 403
    assert AuditCase.objects.count() == 0


# --- the pages ------------------------------------------------------------------------------------


def test_the_pages_file_a_report_and_let_audit_staff_handle_it(people):
    from shebao.testing import signed_in

    person, staff = people
    own = signed_in(person.user, "individual")
    refused = own.post(
        "/audit/reports/", {"kind": "complaint", "respondent_name": "某公司", "request_key": "p1"}
    )
    assert refused.status_code == 422
    assert "请填写投诉举报内容" in refused.content.decode()
    assert AuditCase.objects.count() == 0

    filed = own.post(
        "/audit/reports/",
        {
            "kind": "complaint",
            "respondent_name": "某公司",
            "content": "未缴社保",
            "request_key": "p1",
        },
    )
    case = AuditCase.objects.get()
    assert filed["Location"] == f"/audit/reports/{case.number}/"

    desk = signed_in(staff.user, "staff")
    assert case.number in desk.get("/audit/cases/").content.decode()
    desk.post(f"/audit/cases/{case.number}/", {"action": "open", "note": ""})
    no_note = desk.post(
        f"/audit/cases/{case.number}/", {"action": "close", "outcome": "unfounded", "note": ""}
    )
    assert no_note.status_code == 422
    assert "请填写处理结果说明" in no_note.content.decode()
    case.refresh_from_db()
    assert case.status == "open"
    other = signed_in(individual(name="吴旁人").user, "individual")
    assert other.get(f"/audit/reports/{case.number}/").status_code == 404


# --- the catalogue's matter -------------------------------------------------------------------


def test_the_complaint_matter_opens_the_reports_page_and_files_no_application(people):
    from django.test import Client

    from shebao.applications.models import Application
    from shebao.catalogue.models import Matter
    from shebao.catalogue.services import catalogue_load
    from shebao.hall.tests.test_public_text import visible_text
    from shebao.testing import signed_in

    catalogue_load()
    person, _ = people
    earlier = file(person, key="m0")
    matter = Matter.objects.get(code="person.audit_complaint")
    assert (matter.handler, matter.reviewed_by_staff_only) == ("audit_report", False)
    own = signed_in(person.user, "individual")

    # the matter leads to the filing form, beside the person's own reports and their progress
    opened = own.get("/applications/new/person.audit_complaint/")
    assert (opened.status_code, opened["Location"]) == (302, "/audit/reports/")
    page = own.get("/audit/reports/").content.decode()
    assert 'id="report-form"' in page
    assert f'href="/audit/reports/{earlier.number}/"' in page and "已登记，待立案" in page

    # filed there, it is an audit case; no application, and the API will not file one
    own.post(
        "/audit/reports/",
        {
            "kind": "report",
            "respondent_name": "某公司",
            "content": "少报缴费基数",
            "request_key": "m1",
        },
    )
    assert AuditCase.objects.filter(complainant=person.person).count() == 2
    token = token_issue(user=person.user, context="individual")
    refused = Client().post(
        "/api/v1/applications/",
        data={"matter": "person.audit_complaint", "data": {}},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert (refused.status_code, refused.json()["code"]) == (422, "MATTER_DONE_ON_ITS_PAGE")
    assert Application.objects.count() == 0

    # the guide no longer says a reviewer handles a generic application
    guide = visible_text(Client().get("/matters/person.audit_complaint/").content.decode())
    assert "本事项由经办人员审核办理" not in guide and "我的投诉举报" in guide
