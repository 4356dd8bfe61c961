"""The demo city's contributions: every month from 2020-01 to this month assessed, paid month by
month through the counter, the online channel and the bank's deduction file, with arrears, a
back-payment, two refunds and the 2020 H2 limits trued up — and what the demo people's pages
show of it.

The demo is loaded once for the module, on a fixed day (2026-03-16): this month is 2026-03."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Count, Sum
from django.test import override_settings
from django.utils import timezone
from freezegun import freeze_time

from shebao.accounts.models import User
from shebao.accounts.tokens import token_issue
from shebao.common.money import money_str
from shebao.common.periods import YearMonth
from shebao.contributions.dues import dues_of
from shebao.contributions.models import (
    AssessmentRun,
    Bill,
    ContributionAdjustment,
    ContributionLine,
    PayerKind,
    RunKind,
)
from shebao.demo import payments as demo_payments
from shebao.demo.dataset import demo_load
from shebao.payments.models import (
    BankBatch,
    BankResultRow,
    Channel,
    Outcome,
    Payment,
    Receipt,
    Refund,
)
from shebao.testing import signed_in

pytestmark = pytest.mark.django_db

TODAY = datetime(2026, 3, 16, 10, 0)
THIS = YearMonth(2026, 3)
FIRST = YearMonth(2020, 1)
CITY = "220200"


def _months(first: YearMonth, end: YearMonth) -> list[YearMonth]:
    months, month = [], first
    while month <= end:
        months.append(month)
        month = month + 1
    return months


@pytest.fixture(scope="module")
def hall(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo hall as ``make run`` loads it, on TODAY; rolled back after the module."""
    tasks = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": ["default", "notifications", "batch"],
        }
    }
    with (
        django_db_blocker.unblock(),
        override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            TASKS=tasks,
            VAR_DIR=tmp_path_factory.mktemp("var"),
            SHEBAO_CA_DIR=tmp_path_factory.mktemp("pki"),
            SHEBAO_CARD_EXCHANGE_DIR=tmp_path_factory.mktemp("cards"),
        ),
        transaction.atomic(),
    ):
        with freeze_time(timezone.make_aware(TODAY)):
            report = demo_load()
        yield report
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def on_today():
    with freeze_time(timezone.make_aware(TODAY)):
        yield


def _zhang(hall) -> User:
    return User.objects.get(username=hall.accounts[0].username)


def _unpaid_before_this_month() -> set[tuple[str, str]]:
    rows = Bill.objects.filter(
        region_id=CITY, kind=Bill.Kind.MONTHLY, month__lt=THIS, status__in=Bill.OPEN
    ).values_list("month", "unit__name", "person__name")
    return {(str(month), unit or person) for month, unit, person in rows}


def test_every_month_from_2020_01_to_this_month_is_assessed(hall):
    assessed = set(
        AssessmentRun.objects.filter(
            region_id=CITY, kind=RunKind.ASSESS, status=AssessmentRun.Status.DONE
        ).values_list("month", flat=True)
    )
    billed = set(
        Bill.objects.filter(region_id=CITY, kind=Bill.Kind.MONTHLY).values_list("month", flat=True)
    )

    assert assessed == set(_months(FIRST, THIS))
    assert billed == set(_months(FIRST, THIS))
    for month in (FIRST, YearMonth(2023, 6), THIS):
        kinds = set(
            Bill.objects.filter(region_id=CITY, month=month).values_list("payer_kind", flat=True)
        )
        assert kinds == {PayerKind.UNIT, PayerKind.SELF}


def test_bills_before_this_month_are_paid_but_the_demos_arrears(hall):
    zhang = _zhang(hall).person
    dumplings = "吉林市昌邑区德福饺子馆"
    short = BankResultRow.objects.filter(outcome=Outcome.FAILED).values_list(
        "bank_row__bill__person__name", flat=True
    )
    (short_name,) = set(short)

    unpaid = _unpaid_before_this_month()

    expected = (
        {(str(THIS - k), dumplings) for k in range(1, demo_payments.ARREARS_MONTHS + 1)}
        | {(str(THIS - k), zhang.name) for k in range(1, demo_payments.ZHANG_ARREARS + 1)}
        | {(str(THIS - k), short_name) for k in range(1, demo_payments.SHORT_FROM + 1)}
    )
    assert unpaid == expected
    this_month = Bill.objects.filter(region_id=CITY, month=THIS)
    assert not this_month.filter(status=Bill.Status.PAID).exists()
    assert not this_month.filter(status=Bill.Status.ARREARS).exists()
    paid = Bill.objects.filter(region_id=CITY, month__lt=THIS, status=Bill.Status.PAID).count()
    assert paid > 20 * len(unpaid)


def test_arrears_carry_their_late_fee_to_today_and_are_stored_as_arrears(hall):
    open_bills = Bill.objects.filter(region_id=CITY, month__lt=THIS, status__in=Bill.OPEN)

    dues = dues_of(open_bills.values_list("pk", flat=True), on=TODAY.date())

    assert set(open_bills.values_list("status", flat=True)) == {Bill.Status.ARREARS}
    for due in dues.values():
        assert due.arrears
        assert due.paid_fen == 0
        assert due.late_fee_fen > 0
        assert due.due_fen == due.total_fen + due.late_fee_fen


def test_paid_bills_were_paid_on_their_months_pay_day_to_the_fen(hall):
    paid = Bill.objects.filter(
        region_id=CITY, kind=Bill.Kind.MONTHLY, status=Bill.Status.PAID
    ).values_list(
        "pk",
        "month",
        "unit_total_fen",
        "individual_total_fen",
        "adjustment_unit_fen",
        "adjustment_individual_fen",
    )
    totals = {pk: (month, sum(parts)) for pk, month, *parts in paid}
    payments: dict[int, list[tuple[date, int]]] = {}
    for bill_id, paid_at, fen in Payment.objects.filter(bill_id__in=totals).values_list(
        "bill_id", "paid_at", "amount_fen"
    ):
        payments.setdefault(bill_id, []).append((timezone.localdate(paid_at), fen))

    assert set(payments) == set(totals)
    for pk, (month, total) in totals.items():
        ((day, fen),) = payments[pk]
        assert fen == total
        assert day == month.day(demo_payments.PAY_DAY)
    assert Receipt.objects.filter(bill_id__in=totals).count() == len(totals)


def test_payments_came_through_the_counter_online_and_the_bank(hall):
    by_channel = dict(
        Payment.objects.filter(bill__kind=Bill.Kind.MONTHLY)
        .values("channel")
        .annotate(n=Count("pk"))
        .values_list("channel", "n")
        .order_by()
    )
    zhang = _zhang(hall).person

    assert set(by_channel) == {Channel.COUNTER, Channel.ONLINE, Channel.BANK}
    assert by_channel[Channel.BANK] > by_channel[Channel.COUNTER] + by_channel[Channel.ONLINE]
    online = Payment.objects.filter(channel=Channel.ONLINE)
    assert set(online.values_list("bill__person", flat=True)) == {zhang.pk}
    assert online.count() == len(_months(FIRST, THIS - demo_payments.ZHANG_ARREARS - 1))
    assert not online.filter(order__isnull=True).exists()


def test_each_month_has_its_bank_round_trip_and_the_failed_rows_stay_unpaid(hall):
    batches = BankBatch.objects.filter(region_id=CITY).order_by("month")

    assert [b.month for b in batches] == _months(FIRST, THIS - 1)
    for batch in batches:
        assert batch.status == BankBatch.Status.RECONCILED
        assert batch.imports.count() == 1
        assert batch.paid_count + batch.failed_count == batch.row_count
        paid = Payment.objects.filter(channel=Channel.BANK, reference__startswith=batch.number)
        assert paid.aggregate(s=Sum("amount_fen"))["s"] == batch.paid_fen
    failed = BankResultRow.objects.exclude(outcome=Outcome.PAID).select_related("bank_row__bill")
    assert {row.bank_row.bill.month for row in failed} == {
        THIS - k for k in range(1, demo_payments.SHORT_FROM + 1)
    }
    for row in failed:
        assert row.outcome == Outcome.FAILED
        assert row.code == "51"
        assert row.bank_row.bill.status == Bill.Status.ARREARS
        assert not Payment.objects.filter(bill=row.bank_row.bill).exists()


def test_the_approved_back_payment_is_paid_before_it_falls_due(hall):
    (bill,) = Bill.objects.filter(kind=Bill.Kind.BACK_PAYMENT)
    (payment,) = Payment.objects.filter(bill=bill)

    assert bill.status == Bill.Status.PAID
    # By its month's deduction file when issued before the month's pay day, else at the counter.
    assert payment.channel in (Channel.BANK, Channel.COUNTER)
    assert payment.amount_fen == bill.total_fen + bill.backpay_late_fee_fen
    assert timezone.localdate(payment.paid_at) <= bill.due_date
    assert ContributionLine.objects.filter(bill=bill).count() == bill.line_count > 0


def test_one_refund_confirmed_by_telephone_is_paid_back_and_one_waits(hall):
    paid = Refund.objects.get(status=Refund.Status.PAID)
    waiting = Refund.objects.get(status=Refund.Status.PENDING)

    assert paid.confirmed_at is not None and paid.confirmed_phone
    assert paid.confirmed_by.username == "jl-cw-01"
    assert paid.confirmed_at <= paid.paid_at
    assert paid.reference.startswith("LBT")
    assert paid.bill.status == Bill.Status.PAID
    assert waiting.confirmed_at is None and waiting.paid_at is None
    assert waiting.bill.month == THIS - 1


def test_the_provisional_2020_h2_limits_are_trued_up_into_2021_01_and_paid(hall):
    adjustments = ContributionAdjustment.objects.filter(region_id=CITY)

    assert set(adjustments.values_list("month", flat=True)) == set(
        _months(YearMonth(2020, 7), YearMonth(2020, 12))
    )
    assert set(adjustments.values_list("bill__month", flat=True)) == {YearMonth(2021, 1)}
    assert adjustments.aggregate(s=Sum("unit_diff_fen"))["s"] > 0
    into = Bill.objects.filter(pk__in=adjustments.values("bill_id"))
    assert set(into.values_list("status", flat=True)) == {Bill.Status.PAID}


def test_zhang_sees_six_years_paid_and_his_two_months_in_arrears(hall):
    user = _zhang(hall)
    client = signed_in(user, "individual")
    owed = Bill.objects.filter(person=user.person, status=Bill.Status.ARREARS).order_by("month")

    record = client.get("/contributions/me/", {"from": "2020-01", "to": str(THIS)})
    arrears = client.get("/contributions/me/arrears/")
    receipts = client.get("/payments/receipts/")
    api = client.get(
        "/api/v1/me/contributions",
        {"from": "2020-01", "to": str(THIS)},
        HTTP_AUTHORIZATION=f"Bearer {token_issue(user=user, context='individual')}",
    )

    assert [b.month for b in owed] == [THIS - 2, THIS - 1]
    assert record.status_code == arrears.status_code == receipts.status_code == 200
    page = arrears.content.decode()
    for bill in owed:
        assert bill.number in page
        assert money_str(Decimal(dues_of([bill.pk], on=TODAY.date())[bill.pk].amount)) in page
    latest = Receipt.objects.filter(bill__person=user.person).order_by("-paid_at").first()
    assert latest.bill.month == THIS - 3
    assert latest.number in receipts.content.decode()
    body = api.json()
    months = {row["month"]: row for row in body["months"]}
    assert body["pension_months"]["count"] == len(_months(FIRST, THIS - 3))
    assert body["pension_months"]["unpaid"] == 3
    assert months["2020-01"]["paid"] is True
    assert months[str(THIS - 1)]["paid"] is False
    assert months[str(THIS)]["paid"] is False


def test_the_dumpling_shops_owner_sees_its_bills_in_arrears(hall):
    wang = User.objects.get(username=next(a.username for a in hall.accounts if a.name == "王德福"))
    unit_id = wang.memberships.get(revoked_at__isnull=True).unit_id
    client = signed_in(wang, f"unit:{unit_id}")

    page = client.get("/contributions/bills/", {"status": "arrears"}).content.decode()

    owed = Bill.objects.filter(unit_id=unit_id, status=Bill.Status.ARREARS)
    assert owed.count() == demo_payments.ARREARS_MONTHS
    for bill in owed:
        assert bill.number in page
    assert not Payment.objects.filter(bill__in=owed).exists()
    assert Payment.objects.filter(bill__unit_id=unit_id, channel=Channel.COUNTER).count() == len(
        _months(FIRST, THIS - demo_payments.ARREARS_MONTHS - 1)
    )


def test_loading_again_pays_nothing_twice(hall):
    before = (Payment.objects.count(), BankBatch.objects.count(), Refund.objects.count())

    with freeze_time(timezone.make_aware(datetime.combine(TODAY.date(), time(15)))):
        demo_payments.payments_demo(
            city=CITY,
            first=FIRST,
            songjiang_code=next(a.credit_code for a in hall.accounts if a.role == "单位管理员"),
            dumplings_code=next(a.credit_code for a in hall.accounts if a.name == "王德福"),
            self_payer_id_number=hall.accounts[0].username,
        )

    assert (Payment.objects.count(), BankBatch.objects.count(), Refund.objects.count()) == before


def test_the_hall_starts_again_on_its_own_database(hall):
    """`make run` a second time: the demo's true-up made the 2020 H2 limits final, as staff
    would, and the policy files still hold them provisional; the load keeps what staff left
    and adds nothing twice."""
    from shebao.policy.models import PolicyParameter

    counts = (Bill.objects.count(), Payment.objects.count(), PolicyParameter.objects.count())

    with freeze_time(timezone.make_aware(datetime.combine(TODAY.date(), time(15)))):
        demo_load()

    assert (
        Bill.objects.count(),
        Payment.objects.count(),
        PolicyParameter.objects.count(),
    ) == counts
    floor = PolicyParameter.objects.get(
        region_id="220200", key="contribution.base_floor", valid_from=date(2020, 7, 1)
    )
    assert floor.status == "final" and floor.origin == PolicyParameter.Origin.STAFF
