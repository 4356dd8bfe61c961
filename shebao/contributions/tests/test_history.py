"""The contribution record (缴费记录) by month and insurance: the person's own (page and API),
a unit's staff and one employee, the staff query, the months that count for pension and the
payer's receipts — scoped, and a fixed number of queries whatever the range or the unit."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time

from shebao.accounts.tokens import token_issue
from shebao.common.money import from_fen
from shebao.common.periods import YearMonth
from shebao.contributions import history
from shebao.contributions.assessment import month_assess
from shebao.contributions.models import Bill, ContributionLine
from shebao.contributions.tests.conftest import enrol
from shebao.payments.services import counter_pay
from shebao.testing import (
    make_finance_staff,
    make_individual,
    make_member,
    make_staff,
    make_unit,
    signed_in,
    staff_actor,
)

pytestmark = pytest.mark.django_db

JAN, FEB, MAR = YearMonth(2020, 1), YearMonth(2020, 2), YearMonth(2020, 3)


def _pay(bill: Bill, slip: str) -> None:
    from shebao.contributions.dues import amount_due

    finance = staff_actor(make_finance_staff(districts=("220202", "220204"), name=f"罗{slip}"))
    with freeze_time(bill.due_date):  # paid on time: no late fee
        counter_pay(actor=finance, bill=bill, amount=amount_due(bill, bill.due_date), slip=slip)


@pytest.fixture
def record(jilin, city):
    """The city of the conftest assessed for January to March 2020; the unit pays January and
    February, the flexible worker January only."""
    for month in (JAN, FEB, MAR):
        month_assess(region=jilin, month=month)
    unit, flexible = city["unit"], city["flexible"]
    _pay(Bill.objects.get(unit=unit, month=JAN), "u1")
    _pay(Bill.objects.get(unit=unit, month=FEB), "u2")
    _pay(Bill.objects.get(person=flexible, month=JAN), "f1")
    return city


def _api(user, context):
    from django.test import Client

    token = token_issue(user=user, context=context)
    client = Client()
    return lambda url: client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}")


def _account(person):
    """An individual account for an existing registry person."""
    return make_individual(person=person)


def test_the_api_gives_months_by_insurance_with_base_amounts_and_paid_status(record):
    employee = record["staff"][0]  # declared 5,000
    get = _api(_account(employee), "individual")
    body = get("/api/v1/me/contributions?from=2020-01&to=2020-03").json()
    lines = {
        (str(line.month), line.insurance): line
        for line in ContributionLine.objects.filter(person=employee)
    }
    assert body["from"] == "2020-01" and body["to"] == "2020-03"
    assert body["person"] == {"name": employee.name, "id_number": employee.id_number}
    assert [m["month"] for m in body["months"]] == ["2020-01", "2020-02", "2020-03"]
    assert [m["paid"] for m in body["months"]] == [True, True, False]
    january = body["months"][0]
    assert january["payer_kind"] == "unit" and january["payer"] == record["unit"].credit_code
    assert [c["insurance"] for c in january["insurances"]] == [
        "pension",
        "medical",
        "unemployment",
        "work_injury",
    ]
    pension = january["insurances"][0]
    line = lines[("2020-01", "pension")]
    assert pension == {
        "insurance": "pension",
        "base": "5000.00",
        "unit": f"{from_fen(line.unit_fen)}",
        "individual": f"{from_fen(line.individual_fen)}",
        "status": "paid",
        "paid": True,
        "bill": line.bill.number,
        "provisional": line.provisional,
        "adjusted": False,
    }
    total = sum(ln.unit_fen + ln.individual_fen for ln in lines.values())
    assert body["total"] == f"{Decimal(total) / 100:.2f}"
    assert body["pension_months"] == {
        "count": 2,
        "unpaid": 1,
        "spans": [{"from": "2020-01", "to": "2020-02"}],
    }


def test_the_api_defaults_to_the_twelve_months_to_the_latest_and_refuses_bad_ranges(record):
    get = _api(_account(record["flexible"]), "individual")
    body = get("/api/v1/me/contributions").json()
    assert (body["from"], body["to"]) == ("2019-04", "2020-03")
    assert [(m["month"], m["payer_kind"], m["paid"]) for m in body["months"]] == [
        ("2020-01", "self", True),
        ("2020-02", "self", False),
        ("2020-03", "self", False),
    ]
    assert get("/api/v1/me/contributions?from=2019-01&to=2019-12").json()["months"] == []
    for query, code in (
        ("from=2020-13", "INVALID_MONTH"),
        ("from=2020-03&to=2020-01", "RANGE_REVERSED"),
        ("from=1960-01&to=2020-01", "RANGE_TOO_LONG"),
    ):
        response = get(f"/api/v1/me/contributions?{query}")
        assert (response.status_code, response.json()["code"]) == (422, code)


def test_only_individuals_read_their_own_record_through_the_api(record):
    unit = record["unit"]
    admin = make_member(unit, "admin")
    assert _api(admin, f"unit:{unit.pk}")("/api/v1/me/contributions").status_code == 403
    staff = make_staff(districts=("220202",))
    assert _api(staff, "staff")("/api/v1/me/contributions").status_code == 403
    stranger = make_individual(name="路人")
    assert _api(stranger, "individual")("/api/v1/me/contributions").json()["months"] == []


def test_adjustments_carried_later_count_in_the_months_amounts(record, jilin):
    from shebao.contributions.models import ContributionAdjustment
    from shebao.contributions.trueup import month_trueup

    employee = record["staff"][0]
    line = ContributionLine.objects.get(person=employee, month=FEB, insurance="pension")
    # A higher base declared from February (上调) is trued up into March's bill.
    from shebao.contributions.models import ContributionBase

    ContributionBase.objects.filter(person=employee).update(valid_to=JAN)
    declare_bases_from(record["unit"], employee, "6000", FEB)
    month_trueup(region=jilin, month=FEB, into=MAR)
    adjustment = ContributionAdjustment.objects.get(person=employee, month=FEB, insurance="pension")
    feb = history.person_history(
        actor=_individual_actor(employee), person=employee, first=FEB, last=FEB
    ).months[0]
    cell = feb.cells["pension"]
    assert cell.base_fen == 600_000 and cell.adjusted
    assert cell.unit_fen == line.unit_fen + adjustment.unit_diff_fen
    assert cell.individual_fen == line.individual_fen + adjustment.individual_diff_fen
    assert cell.paid is False  # February's bill is paid, March's (carrying the difference) not


def declare_bases_from(unit, person, wage, month):
    from django.utils import timezone

    from shebao.common.money import to_fen
    from shebao.contributions.models import ContributionBase

    ContributionBase.objects.create(
        unit=unit,
        person=person,
        year=month.year,
        valid_from=month,
        wage_fen=to_fen(Decimal(wage)),
        recorded_at=timezone.now(),
    )


def _individual_actor(person):
    from shebao.testing import act

    return act(_account(person), "individual")


def test_the_persons_page_shows_months_pension_months_and_links(record):
    employee = record["staff"][1]  # declared 20,000: clamped to the ceiling
    page = signed_in(_account(employee), "individual").get(
        "/contributions/me/?from=2020-01&to=2020-03"
    )
    text = page.content.decode()
    assert page.status_code == 200
    assert "2020年1月" in text and "2020年3月" in text and record["unit"].name in text
    assert text.count("已到账") >= 8 and "未到账" in text
    assert "<strong>2</strong> 个月" in text and "2020年1月至2020年2月" in text
    assert "/payments/receipts/" in text and "/contributions/bills/" in text
    # A unit's bill is the unit's: the person's page names it without a link to it.
    unit_bill = Bill.objects.get(unit=record["unit"], month=JAN).number
    assert f'/contributions/bills/{unit_bill}/"' not in text


def test_a_range_with_nothing_says_so_and_a_bad_range_falls_back(record):
    client = signed_in(_account(record["staff"][2]), "individual")
    empty = client.get("/contributions/me/?from=2018-01&to=2018-12").content.decode()
    assert "2018年1月至2018年12月没有缴费记录" in empty
    bad = client.get("/contributions/me/?from=2020-05&to=2020-01").content.decode()
    assert "查询起始年月不能晚于截止年月" in bad and "2019年4月至2020年3月缴费明细" in bad


def test_the_units_staff_history_lists_each_employee_and_the_monthly_totals(record):
    unit = record["unit"]
    client = signed_in(make_member(unit, "admin"), f"unit:{unit.pk}")
    text = client.get("/contributions/unit/history/?from=2020-01&to=2020-03").content.decode()
    for person in record["staff"]:
        assert person.name in text and person.id_number in text
    assert record["flexible"].name not in text  # a self-payer, not the unit's
    for bill in Bill.objects.filter(unit=unit):
        assert bill.number in text
    assert "职工（3 人）" in text
    searched = client.get("/contributions/unit/history/?q=陈二").content.decode()
    assert "职工（1 人）" in searched and "刘一" not in searched


def test_the_unit_reads_an_employees_months_with_it_and_nothing_else(record):
    unit = record["unit"]
    client = signed_in(make_member(unit, "admin"), f"unit:{unit.pk}")
    employee = record["staff"][0]
    page = client.get(f"/contributions/unit/history/{employee.pk}/?from=2020-01&to=2020-03")
    assert page.status_code == 200 and employee.name in page.content.decode()
    assert client.get(f"/contributions/unit/history/{record['flexible'].pk}/").status_code == 404
    other = make_unit(name="另一家公司")
    other_client = signed_in(make_member(other, "admin"), f"unit:{other.pk}")
    assert other_client.get(f"/contributions/unit/history/{employee.pk}/").status_code == 404
    assert "职工（0 人）" in other_client.get("/contributions/unit/history/").content.decode()


def test_an_operator_reads_the_staff_history_only_when_granted_a_contribution_matter(record):
    from shebao.catalogue.models import Matter

    unit = record["unit"]
    plain = signed_in(make_member(unit, "operator"), f"unit:{unit.pk}")
    assert plain.get("/contributions/unit/history/").status_code == 404
    declares = make_member(
        unit, "operator", name="经办人丙", grants=[Matter.objects.get(code="unit.base_declare")]
    )
    granted = signed_in(declares, f"unit:{unit.pk}")
    assert granted.get("/contributions/unit/history/").status_code == 200


def test_staff_find_a_person_of_their_districts_by_the_capability_model(record):
    employee = record["staff"][0]  # registered in 昌邑区 (220202)
    here = signed_in(make_staff(districts=("220202",), name="本区"), "staff")
    text = here.get(
        f"/contributions/staff/history/?id_number={employee.id_number}&from=2020-01&to=2020-03"
    ).content.decode()
    assert employee.name in text and "<strong>2</strong> 个月" in text
    there = signed_in(make_staff(districts=("220204",), name="他区"), "staff")
    refused = there.get(f"/contributions/staff/history/?id_number={employee.id_number}")
    assert refused.status_code == 200 and "未找到该人员的缴费记录" in refused.content.decode()
    assert employee.name not in refused.content.decode()
    assert (
        "未找到该人员的缴费记录"
        in here.get("/contributions/staff/history/?id_number=not-a-number").content.decode()
    )


def test_the_payers_receipts_are_their_own(record):
    unit = record["unit"]
    unit_page = signed_in(make_member(unit, "admin"), f"unit:{unit.pk}").get("/payments/receipts/")
    assert unit_page.content.decode().count("/payments/receipts/PZ") == 2
    own = signed_in(_account(record["flexible"]), "individual").get("/payments/receipts/")
    assert own.content.decode().count("/payments/receipts/PZ") == 1
    nobody = signed_in(make_individual(name="路人"), "individual").get("/payments/receipts/")
    assert "还没有缴费记录" in nobody.content.decode()


def test_pension_months_count_each_paid_month_once(record):
    flexible = record["flexible"]
    counted = history.pension_months(person=flexible)
    assert (counted.count, counted.unpaid, [str(s) for s in counted.spans]) == (
        1,
        2,
        ["2020年1月"],
    )


def test_reads_are_a_fixed_number_of_queries_whatever_the_range(record, jilin):
    employee = record["staff"][0]
    actor = _individual_actor(employee)
    with CaptureQueriesContext(connection) as short:
        history.person_history(actor=actor, person=employee, first=JAN, last=JAN)
    with CaptureQueriesContext(connection) as long:
        history.person_history(actor=actor, person=employee, first=JAN, last=YearMonth(2030, 12))
    assert len(short) == len(long) == 2
    unit = record["unit"]
    admin = _unit_actor(unit)
    with CaptureQueriesContext(connection) as staff:
        history.unit_staff_history(actor=admin, unit=unit, first=JAN, last=MAR)
    enrol(unit, *[f"新{i}" for i in range(20)], start=MAR)
    month_assess(region=jilin, month=MAR)
    with CaptureQueriesContext(connection) as bigger:
        history.unit_staff_history(actor=admin, unit=unit, first=JAN, last=MAR)
    assert len(staff) == len(bigger)


def _unit_actor(unit):
    from shebao.testing import unit_actor

    return unit_actor(make_member(unit, "admin"), unit)
