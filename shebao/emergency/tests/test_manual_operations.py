"""Manual and off-system operations under Beijing's 2020 measures (seed 003: 系统外经办和手工
应急操作，要在信息系统中做好标识，疫情稳定后及时进行审核、结算和相应业务稽核内审). The measures
run from 2020-01-31, lifted 2020-06-30 (demo value), late handling to 2020-09-30."""

from __future__ import annotations

from datetime import date

import pytest
from freezegun import freeze_time

from shebao.common.errors import Conflict, InvalidInput, PermissionDenied
from shebao.emergency.models import ManualOperation, ManualOperationEvent
from shebao.emergency.selectors import manual_operations_for
from shebao.emergency.services import manual_operation_advance, manual_operation_record
from shebao.testing import make_staff, signed_in, staff_actor

pytestmark = pytest.mark.django_db

BEIJING_DISTRICT = "110105"  # 朝阳区


@pytest.fixture
def registration(policy_data):
    return staff_actor(make_staff(districts=(BEIJING_DISTRICT,), name="钱登记"))


@pytest.fixture
def auditor(policy_data):
    return staff_actor(make_staff(districts=(BEIJING_DISTRICT,), department="audit", name="孙稽核"))


def record(
    actor,
    *,
    on=date(2020, 3, 2),
    key="k1",
    district=BEIJING_DISTRICT,
    description="经传真收到材料，手工核定补缴三个月",
):
    return manual_operation_record(
        actor=actor,
        district=district,
        kind=ManualOperation.Kind.OFF_SYSTEM,
        business="单位申报个人补缴",
        subject="北京某科技有限公司",
        description=description,
        performed_on=on,
        request_key=key,
    )


def review_list(actor):
    return [op.number for op in manual_operations_for(actor=actor, status="flagged")]


def test_an_operation_done_during_the_emergency_is_flagged_and_stays_on_the_review_list_until_reviewed(
    registration, auditor
):
    operation = record(registration)

    assert (operation.status, operation.measure_code) == ("flagged", "COVID19-110000")
    assert review_list(registration) == [operation.number]
    assert review_list(auditor) == [operation.number]  # the audit department sees every one

    # settling or auditing first does not take it off the list
    with pytest.raises(Conflict):
        manual_operation_advance(
            actor=registration, operation=operation, action="settle", note="结算"
        )
    with pytest.raises(PermissionDenied):
        manual_operation_advance(actor=auditor, operation=operation, action="review", note="审核")
    assert review_list(registration) == [operation.number]

    manual_operation_advance(
        actor=registration, operation=operation, action="review", note="材料与系统外办理一致"
    )

    assert review_list(registration) == []
    assert review_list(auditor) == []
    operation.refresh_from_db()
    assert operation.status == "reviewed"


def test_a_reviewed_operation_is_settled_then_audited_by_the_audit_department(
    registration, auditor
):
    operation = record(registration)
    manual_operation_advance(actor=registration, operation=operation, action="review", note="一致")
    manual_operation_advance(
        actor=registration, operation=operation, action="settle", note="已补记"
    )
    with pytest.raises(PermissionDenied) as refused:
        manual_operation_advance(actor=registration, operation=operation, action="audit", note="x")
    assert refused.value.code == "CAPABILITY_REQUIRED"

    manual_operation_advance(actor=auditor, operation=operation, action="audit", note="内审无误")

    operation.refresh_from_db()
    assert operation.status == "audited"
    assert list(operation.events.values_list("action", flat=True)) == [
        "record", "review", "settle", "audit",
    ]  # fmt: skip


def test_review_waits_until_the_emergency_is_lifted(registration):
    with freeze_time("2020-05-10 10:00:00+08:00"):
        operation = record(registration, on=date(2020, 5, 8))
        with pytest.raises(Conflict) as refused:
            manual_operation_advance(
                actor=registration, operation=operation, action="review", note="审核"
            )
    assert refused.value.code == "EMERGENCY_NOT_LIFTED"
    operation.refresh_from_db()
    assert operation.status == "flagged"
    assert operation.events.count() == 1


@pytest.mark.parametrize(
    "on",
    [
        date(2020, 1, 30),  # the day before Beijing's measures
        date(2020, 7, 1),  # after the lifting (late handling only: nothing is done by hand)
    ],
)
def test_an_operation_outside_the_emergency_is_refused_and_nothing_is_written(registration, on):
    with pytest.raises(InvalidInput) as refused:
        record(registration, on=on)
    assert refused.value.code == "EMERGENCY_MEASURE_NOT_IN_FORCE"
    assert (ManualOperation.objects.count(), ManualOperationEvent.objects.count()) == (0, 0)


def test_jilin_measures_do_not_flag_manual_operations(policy_data):
    jilin = staff_actor(make_staff(districts=("220202",)))
    with pytest.raises(InvalidInput) as refused:
        record(jilin, district="220202", on=date(2020, 3, 2))
    assert refused.value.code == "EMERGENCY_MEASURE_NOT_IN_FORCE"


def test_a_double_submission_records_one_operation_and_bad_input_nothing(registration):
    first = record(registration)
    again = record(registration)
    with pytest.raises(InvalidInput) as refused:
        record(registration, key="k2", description="   ")

    assert first.pk == again.pk
    assert refused.value.code == "MANUAL_FIELD_REQUIRED"
    assert ManualOperation.objects.count() == 1


def test_staff_of_another_district_neither_see_nor_record(registration):
    other = staff_actor(make_staff(districts=("110108",)))
    operation = record(registration)

    assert manual_operations_for(actor=other).count() == 0
    with pytest.raises(PermissionDenied):
        record(other, key="k3")
    with pytest.raises(PermissionDenied):
        manual_operation_advance(actor=other, operation=operation, action="review", note="x")


def test_the_staff_page_records_lists_and_reviews(registration):
    client = signed_in(registration.user, "staff")
    page = client.post(
        "/emergency/operations/",
        {
            "district": BEIJING_DISTRICT,
            "kind": "manual",
            "performed_on": "2020-03-02",
            "business": "退休人员待遇手工发放",
            "subject": "张某",
            "description": "网上平台无法办理，手工发放",
            "request_key": "page-1",
        },
    )
    assert page.status_code == 302
    operation = ManualOperation.objects.get()
    listing = client.get("/emergency/operations/").content.decode()
    assert operation.number in listing and "手工应急操作" in listing

    bad = client.post(
        "/emergency/operations/",
        {"district": BEIJING_DISTRICT, "kind": "manual", "performed_on": "", "request_key": "p2"},
    )
    assert bad.status_code == 422
    assert "请填写办理日期（YYYY-MM-DD）" in bad.content.decode()

    client.post(
        f"/emergency/operations/{operation.number}/", {"action": "review", "note": "核对无误"}
    )
    operation.refresh_from_db()
    assert operation.status == "reviewed"
    assert operation.number not in client.get("/emergency/operations/").content.decode()
