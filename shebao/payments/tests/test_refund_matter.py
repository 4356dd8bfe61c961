"""The refund matter (社会保险费退费，含基数差退费): the refundable amount from the records, the
telephone confirmation before the approval, one refund of exactly that many fen paid back
through the channel.

The unit's February bill is paid online for the amount of the order made before a base of
January was corrected downward; the correction carried its difference into February, so the
payment exceeds the bill's new total by exactly that difference: the overpayment, and the
base-difference refund of the employee's January.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone

from shebao.applications import services as engine
from shebao.applications.selectors import matter_for_applicant
from shebao.common.errors import Conflict, InvalidInput, NotFound
from shebao.common.money import from_fen, money_str
from shebao.common.periods import YearMonth
from shebao.contributions.dues import amount_due
from shebao.contributions.models import (
    AdjustmentCause,
    Bill,
    ContributionAdjustment,
    ContributionBase,
)
from shebao.payments.models import Refund, RefundAllocation, RefundCall
from shebao.payments.refunds import refund_call_record, refundable_for
from shebao.payments.services import refund_pay
from shebao.testing import signed_in

pytestmark = pytest.mark.django_db

JANUARY, FEBRUARY = YearMonth(2020, 1), YearMonth(2020, 2)
UNIT_ACCOUNT = "6222020200112233446"
MOBILE = "13943110001"


@pytest.fixture(autouse=True)
def in_february_2020(settings, tmp_path):
    """Before February's bill falls due (2020-02-29): its amounts carry no late fee."""
    from freezegun import freeze_time

    settings.VAR_DIR = tmp_path
    with freeze_time("2020-02-25 10:00:00+08:00"):
        yield


@pytest.fixture
def hall(reference_data):
    from shebao.catalogue.services import catalogue_load
    from shebao.policy.services import policy_load

    catalogue_load()
    policy_load()


@pytest.fixture
def case(hall):
    """松花江纺织 (昌邑区) with 刘一 (declared 5,000) and 陈二 (6,000), January and February
    assessed; January paid at the counter; February's order made, then 刘一's January base
    corrected to 4,000, then the order paid."""
    from shebao.contributions.assessment import month_assess
    from shebao.contributions.trueup import Scope, adjust_months
    from shebao.insurance.services import Opening, relations_open, unit_injury_class_set
    from shebao.payments import localbank
    from shebao.payments.services import counter_pay, order_create
    from shebao.registry.models import Region
    from shebao.testing import (
        make_finance_staff,
        make_member,
        make_person,
        make_unit,
        staff_actor,
        unit_actor,
    )

    jilin = Region.objects.get(code="220200")
    unit = make_unit(name="吉林市松花江纺织有限公司")
    unit_injury_class_set(actor=None, unit=unit, injury_class=3, month=JANUARY)
    a, b = make_person(name="刘一"), make_person(name="陈二")
    relations_open(
        actor=None,
        openings=[
            Opening(person=p, insurances=("pension", "unemployment"), start_month=JANUARY)
            for p in (a, b)
        ],
        unit=unit,
    )
    now = timezone.now()
    for person, wage in ((a, 500_000), (b, 600_000)):
        ContributionBase.objects.create(
            unit=unit, person=person, year=2020, valid_from=JANUARY, wage_fen=wage, recorded_at=now
        )
    month_assess(region=jilin, month=JANUARY)
    month_assess(region=jilin, month=FEBRUARY)
    finance = staff_actor(make_finance_staff())
    admin = unit_actor(make_member(unit, "admin"), unit)
    january = Bill.objects.get(unit=unit, month=JANUARY)
    counter_pay(
        actor=finance, bill=january, amount=amount_due(january, timezone.localdate()), slip="1"
    )
    february = Bill.objects.get(unit=unit, month=FEBRUARY)
    order, _ = order_create(actor=admin, bill=february)

    # 刘一's January base corrected downward: the new record, and the difference carried into
    # February's (still unpaid) bill.
    ContributionBase.objects.filter(unit=unit, person=a).update(superseded_at=now)
    ContributionBase.objects.create(
        unit=unit, person=a, year=2020, valid_from=JANUARY, wage_fen=400_000, recorded_at=now
    )
    adjust_months(
        region=jilin,
        months=[JANUARY],
        into=FEBRUARY,
        cause=AdjustmentCause.BASE,
        scope=Scope(unit_id=unit.pk, person_ids=(a.pk,)),
    )
    localbank.notice_send(order)
    february.refresh_from_db()
    return {
        "unit": unit,
        "a": a,
        "b": b,
        "admin": admin,
        "finance": finance,
        "february": february,
        "order_fen": order.amount_fen,
    }


def _difference(case) -> int:
    rows = ContributionAdjustment.objects.filter(person=case["a"], month=JANUARY)
    return -sum(r.unit_diff_fen + r.individual_diff_fen for r in rows)


def _file(case, *, amount, kind="base_difference", person=None, start=JANUARY, end=JANUARY):
    person = person or case["a"]
    admin = case["admin"]
    matter = matter_for_applicant(actor=admin, code="unit.refund")
    application, _ = engine.application_create(
        actor=admin,
        matter=matter,
        data={
            "subject_id_number": person.id_number,
            "subject_name": person.name,
            "refund_type": kind,
            "start_month": str(start),
            "end_month": str(end),
            "amount": amount,
            "refund_to": "unit",
            "receiving_account": UNIT_ACCOUNT,
            "subject_mobile": MOBILE,
        },
    )
    return engine.application_submit(
        actor=admin, application=application, version=application.version, commitment_accepted=True
    )


def _accept(case, application):
    return engine.application_accept(
        actor=case["finance"], application=application, version=application.version
    )


def _approve(case, application):
    application.refresh_from_db()
    return engine.application_approve(
        actor=case["finance"], application=application, version=application.version
    )


def _call(case, application, outcome="confirmed", **kwargs):
    return refund_call_record(
        actor=case["finance"],
        number=application.number,
        phone=kwargs.pop("phone", MOBILE),
        spoke_with=kwargs.pop("spoke_with", "参保人本人 刘一"),
        outcome=outcome,
        note=kwargs.pop("note", "本人确认单位多缴，同意退至单位账户"),
        **kwargs,
    )


def _journal() -> list[dict]:
    path = settings.VAR_DIR / "localbank" / "payouts.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_the_refundable_amount_is_the_payment_beyond_the_corrected_bill(case):
    february = case["february"]
    difference = _difference(case)
    assert difference > 0
    assert february.total_fen == case["order_fen"] - difference
    overpaid = refundable_for(
        payer_kind="unit", payer_id=case["unit"].pk, kind="overpaid", start=FEBRUARY, end=FEBRUARY
    )
    assert overpaid.total_fen == difference
    assert [c.bill for c in overpaid.credits] == [february]
    base = refundable_for(
        payer_kind="unit",
        payer_id=case["unit"].pk,
        kind="base_difference",
        start=JANUARY,
        end=JANUARY,
        person_id=case["a"].pk,
    )
    assert base.total_fen == difference
    # 陈二's base was not corrected; January's bill was paid exactly.
    assert (
        refundable_for(
            payer_kind="unit",
            payer_id=case["unit"].pk,
            kind="base_difference",
            start=JANUARY,
            end=JANUARY,
            person_id=case["b"].pk,
        ).total_fen
        == 0
    )
    assert (
        refundable_for(
            payer_kind="unit",
            payer_id=case["unit"].pk,
            kind="overpaid",
            start=JANUARY,
            end=JANUARY,
        ).total_fen
        == 0
    )


def test_a_refund_is_approved_only_after_the_telephone_confirmation_and_paid_to_the_fen(case):
    difference = _difference(case)
    amount = money_str(from_fen(difference))
    application = _accept(case, _file(case, amount=amount))

    with pytest.raises(Conflict) as refused:
        _approve(case, application)
    assert refused.value.code == "REFUND_PHONE_NOT_CONFIRMED"
    assert "电话核实" in refused.value.message
    application.refresh_from_db()
    assert application.status == "accepted" and not Refund.objects.exists()

    _call(case, application, outcome="unreachable", spoke_with="无人接听", note="")
    with pytest.raises(Conflict) as refused:
        _approve(case, application)
    assert refused.value.code == "REFUND_PHONE_NOT_CONFIRMED"
    assert "无人接听或无法接通" in refused.value.message
    assert not Refund.objects.exists()

    call = _call(case, application)
    approved = _approve(case, application)
    assert approved.status == "approved"
    refund = Refund.objects.get(application=application)
    assert (refund.amount_fen, refund.status, refund.unit) == (
        difference,
        "confirmed",
        case["unit"],
    )
    assert (refund.confirmed_phone, refund.confirmed_with, refund.confirmed_at) == (
        MOBILE,
        "参保人本人 刘一",
        call.called_at,
    )
    assert list(RefundAllocation.objects.values_list("bill", "amount_fen")) == [
        (case["february"].pk, difference)
    ]
    assert _journal() == []  # approved, no money moved yet

    paid = refund_pay(refund, case["finance"])
    assert paid.status == "paid" and paid.paid_at >= paid.confirmed_at
    (line,) = _journal()
    assert (line["ref"], line["amount"], line["account"]) == (paid.reference, amount, UNIT_ACCOUNT)
    application.refresh_from_db()
    assert application.status == "completed"
    # The bill is settled exactly: its payments less the refund are its total.
    assert amount_due(case["february"], timezone.localdate()) == Decimal("0.00")
    assert (
        refundable_for(
            payer_kind="unit",
            payer_id=case["unit"].pk,
            kind="overpaid",
            start=FEBRUARY,
            end=FEBRUARY,
        ).total_fen
        == 0
    )


def test_more_than_is_refundable_is_refused_at_submission(case):
    too_much = money_str(from_fen(_difference(case) + 1))
    with pytest.raises(Conflict) as refused:
        _file(case, amount=too_much)
    assert refused.value.code == "REFUND_EXCEEDS_REFUNDABLE"
    assert money_str(from_fen(_difference(case))) in refused.value.message
    with pytest.raises(Conflict) as refused:
        _file(case, amount="1.00", person=case["b"])
    assert refused.value.code == "REFUND_NOTHING_REFUNDABLE"
    with pytest.raises(InvalidInput) as refused:
        _file(case, amount="0.00")
    assert refused.value.code == "AMOUNT_INVALID"


def test_two_applications_for_the_same_money_make_one_refund(case):
    amount = money_str(from_fen(_difference(case)))
    first = _accept(case, _file(case, amount=amount))
    second = _accept(
        case, _file(case, amount=amount, kind="overpaid", start=FEBRUARY, end=FEBRUARY)
    )
    _call(case, first)
    _call(case, second)
    _approve(case, first)

    with pytest.raises(Conflict) as refused:
        _approve(case, second)
    assert refused.value.code == "REFUND_EXCEEDS_REFUNDABLE"
    second.refresh_from_db()
    assert second.status == "accepted"
    assert Refund.objects.count() == 1 and RefundAllocation.objects.count() == 1

    # Approving the first again is refused by the workflow; a third application finds nothing.
    with pytest.raises(Conflict):
        _approve(case, first)
    with pytest.raises(Conflict) as refused:
        _file(case, amount="0.01")
    assert refused.value.code == "REFUND_NOTHING_REFUNDABLE"
    assert Refund.objects.count() == 1


def test_a_part_may_be_refunded_and_the_rest_later(case):
    difference = _difference(case)
    first = _accept(case, _file(case, amount=money_str(from_fen(difference - 100))))
    _call(case, first)
    _approve(case, first)
    rest = _accept(case, _file(case, amount="1.00"))
    _call(case, rest)
    _approve(case, rest)
    assert sorted(Refund.objects.values_list("amount_fen", flat=True)) == [100, difference - 100]
    with pytest.raises(Conflict):
        _file(case, amount="0.01")


def test_the_call_is_recorded_by_the_case_reviewer_after_acceptance_only(case):
    from shebao.testing import OTHER_DISTRICT, make_finance_staff, make_staff, staff_actor

    application = _file(case, amount="1.00")
    with pytest.raises(Conflict) as refused:
        _call(case, application)
    assert refused.value.code == "REFUND_CALL_NOT_OPEN"
    application = _accept(case, application)
    for outsider in (
        staff_actor(make_finance_staff(districts=(OTHER_DISTRICT,), name="钱财务")),
        staff_actor(make_staff()),
        case["admin"],
    ):
        with pytest.raises(NotFound):
            refund_call_record(
                actor=outsider,
                number=application.number,
                phone=MOBILE,
                spoke_with="本人",
                outcome="confirmed",
            )
    with pytest.raises(InvalidInput) as refused:
        _call(case, application, spoke_with=" ")
    assert refused.value.code == "SPOKE_WITH_REQUIRED"
    with pytest.raises(InvalidInput) as refused:
        _call(case, application, phone="12")
    assert refused.value.code == "PHONE_INVALID"
    with pytest.raises(InvalidInput) as refused:
        _call(case, application, called_at=timezone.now() + timezone.timedelta(hours=1))
    assert refused.value.code == "CALLED_AT_INVALID"
    assert not RefundCall.objects.exists()


def test_the_case_page_shows_the_refundable_bills_and_records_the_call(case):
    from shebao.testing import make_finance_staff

    difference = _difference(case)
    application = _accept(case, _file(case, amount=money_str(from_fen(difference))))
    user = make_finance_staff(name="孙财务")
    client = signed_in(user, "staff")
    page = client.get(f"/applications/{application.number}/").content.decode()
    assert case["february"].number in page and "尚未电话核实" in page
    assert f"/payments/staff/refund-cases/{application.number}/calls/" in page

    response = client.post(
        f"/payments/staff/refund-cases/{application.number}/calls/",
        {
            "phone": MOBILE,
            "spoke_with": "参保人本人 刘一",
            "outcome": "confirmed",
            "note": "确认",
            "called_at": "2020-02-25T10:00",
        },
    )
    assert response.status_code == 302
    call = RefundCall.objects.get()
    assert (call.recorded_by, timezone.localtime(call.called_at).strftime("%H:%M")) == (
        user,
        "10:00",
    )
    page = client.get(f"/applications/{application.number}/").content.decode()
    assert "参保人本人 刘一" in page and "确认申请，同意退费" in page
    assert (
        client.get(f"/payments/staff/refund-cases/{application.number}/calls/").status_code == 405
    )


def test_a_self_paying_person_applies_for_their_own_overpayment(hall):
    from shebao.payments import localbank
    from shebao.payments.services import order_create
    from shebao.testing import (
        act,
        make_bill,
        make_finance_staff,
        make_individual,
        make_person,
        staff_actor,
    )

    user = make_individual(name="赵灵活")
    person = user.person
    bill = make_bill(person=person, month=FEBRUARY, unit_fen=0, individual_fen=98_765)
    me = act(user)
    order, _ = order_create(actor=me, bill=bill)
    # A true-up carried a refund of 12.34 into the bill after the order was made.
    Bill.objects.filter(pk=bill.pk).update(adjustment_individual_fen=-1_234, adjustment_count=1)
    localbank.notice_send(order)

    matter = matter_for_applicant(actor=me, code="unit.refund")
    data = {
        "subject_id_number": person.id_number,
        "subject_name": person.name,
        "refund_type": "overpaid",
        "start_month": "2020-02",
        "end_month": "2020-02",
        "amount": "12.34",
        "refund_to": "person",
        "receiving_account": UNIT_ACCOUNT,
        "subject_mobile": MOBILE,
    }
    other = make_person(name="别人")
    with pytest.raises(InvalidInput) as refused:
        engine.application_create(
            actor=me,
            matter=matter,
            data={**data, "subject_id_number": other.id_number, "subject_name": other.name},
        )
    assert refused.value.code == "SUBJECT_NOT_SELF"
    application, _ = engine.application_create(actor=me, matter=matter, data=data)
    application = engine.application_submit(
        actor=me, application=application, version=application.version, commitment_accepted=True
    )
    finance = staff_actor(make_finance_staff())
    application = engine.application_accept(
        actor=finance, application=application, version=application.version
    )
    refund_call_record(
        actor=finance,
        number=application.number,
        phone=MOBILE,
        spoke_with="本人",
        outcome="confirmed",
    )
    application.refresh_from_db()
    engine.application_approve(actor=finance, application=application, version=application.version)
    refund = Refund.objects.get()
    assert (refund.person, refund.payer_kind, refund.amount_fen, refund.account_name) == (
        person,
        "self",
        1_234,
        "赵灵活",
    )
    refund_pay(refund, finance)
    (line,) = _journal()
    assert line["amount"] == "12.34"
