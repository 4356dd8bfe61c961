"""The self-paying flexible worker: 按征集单缴费 opens their bills; a grade chosen (个人选档缴费,
the insurance app's handler and service) applies from the month it names, the assessment bills
it, and the bill is paid online from its page."""

from __future__ import annotations

import pytest
from django.utils import timezone

from shebao.common.periods import YearMonth
from shebao.contributions.assessment import month_assess
from shebao.contributions.dues import due_parts
from shebao.contributions.models import Bill
from shebao.insurance.models import Category
from shebao.insurance.services import Opening, flexible_grade_set, relations_open
from shebao.payments.models import Payment
from shebao.registry.models import Region
from shebao.testing import make_individual, signed_in

pytestmark = pytest.mark.django_db

DECEMBER, JANUARY = YearMonth(2020, 12), YearMonth(2021, 1)


@pytest.fixture
def flexible(reference_data):
    from shebao.catalogue.services import catalogue_load
    from shebao.policy.services import policy_load

    catalogue_load()
    policy_load()
    user = make_individual(name="周灵", district="220204")
    relations_open(
        actor=None,
        openings=[
            Opening(
                person=user.person,
                insurances=("pension",),
                start_month=DECEMBER,
                category=Category.FLEXIBLE,
            )
        ],
        unit=None,
    )
    flexible_grade_set(actor=None, person=user.person, grade=60, month=DECEMBER)
    return user


def test_the_matter_opens_the_persons_bills(flexible):
    client = signed_in(flexible, "individual")
    response = client.get("/applications/new/person.pay_by_collection_notice/")
    assert response.status_code == 302 and response["Location"] == "/contributions/bills/"


def test_a_new_grade_is_billed_from_its_month_and_the_bill_is_paid_online(flexible):
    person = flexible.person
    flexible_grade_set(actor=None, person=person, grade=100, month=JANUARY)
    jilin = Region.objects.get(code="220200")
    month_assess(region=jilin, month=DECEMBER)
    month_assess(region=jilin, month=JANUARY)
    december = Bill.objects.get(person=person, month=DECEMBER)
    january = Bill.objects.get(person=person, month=JANUARY)
    assert december.lines.get().grade == 60 and january.lines.get().grade == 100
    assert january.total_fen > december.total_fen

    client = signed_in(flexible, "individual")
    page = client.get(f"/contributions/bills/{january.number}/").content.decode()
    assert "网上缴费" in page
    cashier = client.post(f"/payments/bills/{january.number}/pay/")["Location"]
    assert client.post(cashier).status_code == 200
    payment = Payment.objects.get()
    # Paid years after its due date: the total and the late fee from the day after it.
    fee = due_parts(january, on=timezone.localdate()).late_fee_fen
    assert fee > 0
    assert (payment.bill, payment.amount_fen) == (january, january.total_fen + fee)
    assert Bill.objects.get(pk=january.pk).status == Bill.Status.PAID
    assert Bill.objects.get(pk=december.pk).status == Bill.Status.UNPAID
