"""Mail-in materials (邮寄材料, seed 000): the applicant records the post, the envelope's
address and remark come from the region's directory, staff record the receipt, and a 容缺
case's deferred materials are supplied on receipt."""

from __future__ import annotations

import pytest

from shebao.applications import mailing, services
from shebao.applications.models import ApplicationEvent, DeferredMaterial, MailIn
from shebao.applications.tests.conftest import GOOD_DATA, act, make_matter, pdf, submitted
from shebao.catalogue.models import Matter
from shebao.common.errors import DomainError
from shebao.notifications.models import Notification
from shebao.testing import signed_in

pytestmark = pytest.mark.django_db

GOOD_EMS = "EA123456785CN"  # S10: serial 12345678, check digit 5


@pytest.fixture
def tolerance_case(world):
    matter = make_matter(
        code="individual.tolerance_mail",
        acceptance_mode=Matter.AcceptanceMode.TOLERANCE,
        tolerance_days=5,
    )
    actor = act(world.a)
    application, _ = services.application_create(actor=actor, matter=matter, data=dict(GOOD_DATA))
    services.material_upload(actor=actor, application=application, code="id_card", file=pdf())
    services.application_submit(actor=actor, application=application, version=application.version)
    application.refresh_from_db()
    services.application_accept(
        actor=world.staff_actor(), application=application, version=application.version
    )
    application.refresh_from_db()
    return application


def _state():
    return (
        MailIn.objects.count(),
        ApplicationEvent.objects.count(),
        list(DeferredMaterial.objects.values_list("pk", "supplied_at")),
    )


@pytest.mark.parametrize(
    ("carrier", "raw", "expected"),
    [
        ("ems", "ea 1234 5678 5cn", "EA123456785CN"),
        ("ems", "1100123456789", "1100123456789"),
        ("post", "XA123456785CN", "XA123456785CN"),
        ("sf", "sf1234567890123", "SF1234567890123"),
    ],
)
def test_tracking_numbers_in_each_carriers_format(carrier, raw, expected):
    assert mailing.tracking_number_normalize(carrier=carrier, raw=raw) == expected


@pytest.mark.parametrize(
    ("carrier", "raw"),
    [
        ("ems", "EA123456784CN"),  # wrong check digit
        ("ems", "EA12345678CN"),
        ("ems", "12345"),
        ("sf", "EA123456785CN"),
        ("sf", "SF12345"),
    ],
)
def test_tracking_numbers_in_the_wrong_format_are_refused(carrier, raw):
    with pytest.raises(DomainError) as refused:
        mailing.tracking_number_normalize(carrier=carrier, raw=raw)
    assert refused.value.code == "TRACKING_NUMBER_INVALID"
    assert refused.value.field == "tracking_number"


def test_the_s10_check_digit():
    assert mailing.s10_check_digit("12345678") == 5
    assert mailing.s10_check_digit("00000000") == 5  # 11 - 0 → 5
    # UPU S10's example RR473124829: 4·8+7·6+3·4+1·2+2·3+4·5+8·9+2·7 = 200, 11 - 200 % 11 = 9
    assert mailing.s10_check_digit("47312482") == 9


def test_the_applicant_records_the_post_with_the_jilin_address_and_remark(world, tolerance_case):
    given = tolerance_case
    mailed, created = mailing.mail_in_declare(
        actor=act(world.a),
        application=given,
        carrier="ems",
        tracking_number=GOOD_EMS,
        codes=["contract_end"],
        contact="13800001111",
    )
    assert created
    assert mailed.recipient == "吉林市社会保险事业管理局失业保险处收"
    assert mailed.address == "吉林省吉林市船营区福绥街1号"
    assert mailed.postal_code == "132011"
    assert mailed.note == (
        f"申请办理“失业保险金申领”业务，申请编号 {given.number}，联系方式 13800001111"
    )
    target = mailing.destination(given)
    assert target.note == (
        "邮寄单面备注栏清晰标注申请办理“失业保险金申领”业务，并写明联系电话、QQ或微信号，"
        "以便及时准确反馈办理结果。"
    )
    event = ApplicationEvent.objects.filter(application=given).latest("id")
    assert (event.action, event.from_status, event.to_status) == (
        "mail_sent",
        "accepted",
        "accepted",
    )
    assert (
        Notification.objects.filter(recipient=world.staff, title="申请人已邮寄纸质材料").count()
        == 1
    )
    # the same tracking number again: the same record, nothing new
    again, created = mailing.mail_in_declare(
        actor=act(world.a),
        application=given,
        carrier="ems",
        tracking_number=GOOD_EMS.lower(),
        codes=["contract_end"],
        contact="13800001111",
    )
    assert (again.pk, created) == (mailed.pk, False)
    assert MailIn.objects.count() == 1


def test_a_bad_tracking_number_writes_nothing(world, tolerance_case):
    before = _state()
    with pytest.raises(DomainError) as refused:
        mailing.mail_in_declare(
            actor=act(world.a),
            application=tolerance_case,
            carrier="ems",
            tracking_number="EA123456784CN",
            codes=["contract_end"],
            contact="13800001111",
        )
    assert refused.value.code == "TRACKING_NUMBER_INVALID"
    assert _state() == before


def test_someone_else_cannot_record_a_post_on_the_case(world, tolerance_case):
    before = _state()
    with pytest.raises(DomainError) as refused:
        mailing.mail_in_declare(
            actor=act(world.b),
            application=tolerance_case,
            carrier="ems",
            tracking_number=GOOD_EMS,
            codes=["contract_end"],
            contact="x",
        )
    assert refused.value.code == "APPLICATION_NOT_FOUND"
    assert _state() == before


def test_receipt_supplies_the_deferred_material_so_the_case_can_be_approved(world, tolerance_case):
    given = tolerance_case
    assert given.deferred.get().outstanding
    mailed, _ = mailing.mail_in_declare(
        actor=act(world.a),
        application=given,
        carrier="sf",
        tracking_number="SF1234567890123",
        codes=["contract_end"],
        contact="QQ 12345",
    )
    staff = world.staff_actor()
    # the applicant may not record the receipt
    with pytest.raises(DomainError) as refused:
        mailing.mail_in_receive(actor=act(world.a), application=given, mailing=mailed.pk)
    assert refused.value.code == "FORBIDDEN"
    received = mailing.mail_in_receive(actor=staff, application=given, mailing=mailed.pk)
    assert received.received_by == world.staff
    deferred = given.deferred.get()
    assert not deferred.outstanding
    assert deferred.supplied_by_mail_id == mailed.pk
    event = ApplicationEvent.objects.filter(application=given).latest("id")
    assert event.action == "mail_received"
    assert event.data["supplied"] == ["解除劳动合同证明"] and event.data["remaining"] == 0
    assert Notification.objects.filter(recipient=world.a, title="邮寄材料已签收").count() == 1
    with pytest.raises(DomainError) as twice:
        mailing.mail_in_receive(actor=staff, application=given, mailing=mailed.pk)
    assert twice.value.code == "MAILING_ALREADY_RECEIVED"
    given.refresh_from_db()
    approved = services.application_approve(actor=staff, application=given, version=given.version)
    assert approved.status == "approved"


def test_a_post_received_before_acceptance_counts_as_present(world):
    matter = make_matter(
        code="individual.tolerance_early", acceptance_mode=Matter.AcceptanceMode.TOLERANCE
    )
    actor = act(world.a)
    application, _ = services.application_create(actor=actor, matter=matter, data=dict(GOOD_DATA))
    services.material_upload(actor=actor, application=application, code="id_card", file=pdf())
    services.application_submit(actor=actor, application=application, version=application.version)
    mailed, _ = mailing.mail_in_declare(
        actor=actor,
        application=application,
        carrier="post",
        tracking_number="XA123456785CN",
        codes=["contract_end"],
        contact="13800001111",
    )
    mailing.mail_in_receive(actor=world.staff_actor(), application=application, mailing=mailed.pk)
    application.refresh_from_db()
    accepted = services.application_accept(
        actor=world.staff_actor(), application=application, version=application.version
    )
    assert list(accepted.deferred.all()) == []


def test_a_draft_cannot_be_mailed(world):
    from shebao.applications.tests.conftest import new_application

    draft = new_application(world)
    with pytest.raises(DomainError) as refused:
        mailing.mail_in_declare(
            actor=act(world.a),
            application=draft,
            carrier="ems",
            tracking_number=GOOD_EMS,
            codes=["id_card"],
            contact="13800001111",
        )
    assert refused.value.code == "MAIL_NOT_ALLOWED"


def test_the_case_pages_show_the_post_and_take_the_receipt(world, tolerance_case):
    given = tolerance_case
    page = signed_in(world.a, "individual")
    text = page.get(f"/applications/{given.number}/").content.decode()
    assert "吉林市社会保险事业管理局失业保险处收" in text and "登记邮寄信息" in text
    done = page.post(
        f"/applications/{given.number}/mail/",
        {
            "carrier": "ems",
            "tracking_number": GOOD_EMS,
            "codes": ["contract_end"],
            "contact": "139",
        },
    )
    assert done.status_code == 302
    bad = page.post(
        f"/applications/{given.number}/mail/",
        {"carrier": "ems", "tracking_number": "EA1", "codes": ["contract_end"], "contact": "139"},
    )
    assert bad.status_code == 422
    assert "运单号格式不正确" in bad.content.decode()
    mailed = MailIn.objects.get()
    desk = signed_in(world.staff, "staff")
    assert "登记签收" in desk.get(f"/applications/{given.number}/").content.decode()
    desk.post(f"/applications/{given.number}/mail/{mailed.pk}/receive/")
    assert MailIn.objects.get().received_at is not None


def test_a_submitted_case_may_be_mailed_before_acceptance(world):
    given = submitted(world)
    mailed, created = mailing.mail_in_declare(
        actor=act(world.a),
        application=given,
        carrier="ems",
        tracking_number="1100123456789",
        codes=["id_card", "contract_end"],
        contact="13800001111",
    )
    assert created and mailed.codes == ["id_card", "contract_end"]
