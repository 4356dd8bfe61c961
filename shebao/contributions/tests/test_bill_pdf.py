"""The bill as a PDF file: the figures of the records, embedded Chinese text, scoped."""

from __future__ import annotations

import pytest

from shebao.common import pdf
from shebao.common.money import from_fen, yuan_display
from shebao.common.periods import YearMonth
from shebao.contributions.assessment import month_assess
from shebao.contributions.models import Bill, ContributionLine
from shebao.contributions.tests.conftest import declare_bases, enrol
from shebao.testing import make_individual, make_member, make_staff, make_unit, signed_in

pytestmark = pytest.mark.django_db

MARCH = YearMonth(2020, 3)


@pytest.fixture
def assessed(jilin, unit):
    a, b = enrol(unit, "刘一", "陈二")
    declare_bases(unit, [(a, "8000")])
    month_assess(region=jilin, month=MARCH)
    return {"unit": unit, "bill": Bill.objects.get(unit=unit), "staff": (a, b)}


def test_the_bill_pdf_carries_the_records_figures_in_extractable_chinese(assessed):
    unit, bill = assessed["unit"], assessed["bill"]
    client = signed_in(make_member(unit, "admin"), f"unit:{unit.pk}")

    response = client.get(f"/contributions/bills/{bill.number}.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    data = response.content
    assert data.startswith(b"%PDF-")
    text = pdf.extract_text(data)
    assert "社会保险费征集单" in text
    assert bill.number in text and unit.name in text and unit.credit_code in text
    assert "2020年3月" in text
    assert f"{yuan_display(from_fen(bill.total_fen))} 元" in text
    for line in ContributionLine.objects.filter(bill=bill).select_related("person"):
        assert line.person.name in text and line.person.id_number in text
    pension = ContributionLine.objects.get(person=assessed["staff"][0], insurance="pension")
    assert yuan_display(from_fen(pension.unit_fen)) in text
    assert "8,000.00" in text


def test_every_font_of_the_bill_pdf_is_embedded(assessed):
    unit, bill = assessed["unit"], assessed["bill"]
    client = signed_in(make_member(unit, "admin"), f"unit:{unit.pk}")

    fonts = pdf.embedded_fonts(client.get(f"/contributions/bills/{bill.number}.pdf").content)

    assert len(fonts) == 1
    name, embedded = fonts[0]
    assert name.endswith("+WenQuanYiMicroHei-0") and embedded


def test_the_bill_pdf_is_refused_to_those_who_may_not_read_the_bill(assessed, hall):
    unit, bill = assessed["unit"], assessed["bill"]
    other = make_unit(name="吉林市别家有限公司")
    outsiders = [
        signed_in(make_member(other, "admin"), f"unit:{other.pk}"),
        signed_in(make_individual(name="路人"), "individual"),
        signed_in(make_staff(districts=("220204",)), "staff"),
        signed_in(make_member(unit, "operator"), f"unit:{unit.pk}"),
    ]
    for client in outsiders:
        response = client.get(f"/contributions/bills/{bill.number}.pdf")
        assert response.status_code == 404
        assert response["Content-Type"] != "application/pdf"
    staff = signed_in(make_staff(districts=("220202",)), "staff")
    assert staff.get(f"/contributions/bills/{bill.number}.pdf").status_code == 200
