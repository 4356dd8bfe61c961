"""Bills for the unit and the self-paying person: the list, the bill with each employee's lines,
each line's explanation, and the unit's confirmation (缴费核定) — pages and API, scoped."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shebao.accounts.tokens import token_issue
from shebao.calculators.services import contribution_calculate
from shebao.common.periods import YearMonth
from shebao.contributions.assessment import month_assess
from shebao.contributions.models import Bill, ContributionLine
from shebao.contributions.services import bill_confirm
from shebao.contributions.tests.conftest import declare_bases, enrol
from shebao.insurance.services import unit_injury_class_set
from shebao.testing import (
    make_individual,
    make_member,
    make_staff,
    signed_in,
    unit_actor,
)

pytestmark = pytest.mark.django_db

MARCH = YearMonth(2020, 3)


@pytest.fixture
def assessed(jilin, unit):
    unit_injury_class_set(actor=None, unit=unit, injury_class=2, month=YearMonth(2020, 1))
    a, b = enrol(unit, "刘一", "陈二")
    declare_bases(unit, [(a, "8000")])
    month_assess(region=jilin, month=MARCH)
    return {"unit": unit, "bill": Bill.objects.get(unit=unit), "staff": (a, b)}


def api(user, context):
    from django.test import Client

    token = token_issue(user=user, context=context)
    client = Client()
    return lambda url: client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}")


def test_the_api_lists_the_units_bills_with_amounts_as_strings(assessed):
    unit = assessed["unit"]
    admin = make_member(unit, "admin")
    get = api(admin, f"unit:{unit.pk}")
    body = get("/api/v1/bills?month=2020-03").json()
    assert body["total"] == 1 and body["limit"] == 20 and body["offset"] == 0
    (item,) = body["items"]
    bill = assessed["bill"]
    assert item == {
        "number": bill.number,
        "payer": unit.credit_code,
        "month": "2020-03",
        "region": "220200",
        "due_date": "2020-03-31",
        "status": "arrears",  # unpaid long after its due date
        "unit_total": f"{Decimal(bill.unit_total_fen) / 100:.2f}",
        "individual_total": f"{Decimal(bill.individual_total_fen) / 100:.2f}",
        "total": f"{Decimal(bill.total_fen) / 100:.2f}",
        "provisional": False,
    }
    assert get("/api/v1/bills?month=2020-04").json()["total"] == 0
    assert get(f"/api/v1/bills?payer={unit.credit_code.lower()}").json()["total"] == 1
    assert get("/api/v1/bills?status=paid").json()["total"] == 0
    assert get("/api/v1/bills?status=arrears").json()["total"] == 1
    assert get("/api/v1/bills?status=unpaid").json()["total"] == 0
    assert get("/api/v1/bills?month=2020-13").status_code == 422


def test_the_bill_carries_each_line_as_the_calculator_computes_it(assessed):
    unit = assessed["unit"]
    get = api(make_member(unit, "admin"), f"unit:{unit.pk}")
    body = get(f"/api/v1/bills/{assessed['bill'].number}").json()
    assert body["payer_name"] == unit.name and len(body["lines"]) == 8
    expected = contribution_calculate(
        region="220200", month=MARCH, wage=Decimal("8000"), injury_class=2
    )
    mine = {line["insurance"]: line for line in body["lines"] if line["name"] == "刘一"}
    for share in expected.lines:
        line = mine[share.insurance]
        assert (line["base"], line["unit"], line["individual"]) == (
            "8000.00",
            f"{share.unit:.2f}",
            f"{share.individual:.2f}",
        )
    assert mine["work_injury"]["injury_class"] == 2 and mine["pension"]["injury_class"] is None
    assert set(mine["pension"]) == {
        "id",
        "id_number",
        "name",
        "insurance",
        "base",
        "unit",
        "individual",
        "injury_class",
    }

    trace = get(f"/api/v1/bills/{assessed['bill'].number}/lines/{mine['work_injury']['id']}/trace")
    data = trace.json()
    assert trace.status_code == 200 and data["matches"] is True
    assert data["trace"]["children"][0]["rule"] == "contribution.base"
    labels = [s["label"] for s in data["trace"]["steps"]]
    assert "工伤保险费率（2类）" in labels and "养老保险单位缴费" not in labels
    assert all("label" in p for p in data["trace"]["params"])


def test_other_units_persons_and_staff_elsewhere_get_404(assessed, hall):
    number = assessed["bill"].number
    line = ContributionLine.objects.filter(bill=assessed["bill"]).first()
    from shebao.testing import make_unit

    other = make_unit(name="吉林市别家有限公司")
    outsiders = [
        (make_member(other, "admin"), f"unit:{other.pk}"),
        (make_individual(name="路人"), "individual"),
        (make_staff(districts=("220204",)), "staff"),
        (make_member(assessed["unit"], "operator"), f"unit:{assessed['unit'].pk}"),
    ]
    for user, context in outsiders:
        get = api(user, context)
        assert get(f"/api/v1/bills/{number}").status_code == 404
        assert get(f"/api/v1/bills/{number}/lines/{line.pk}/trace").status_code == 404
        assert get("/api/v1/bills").json()["total"] == 0
    here = api(make_staff(districts=("220202",)), "staff")
    assert here(f"/api/v1/bills/{number}").status_code == 200
    assert here("/api/v1/bills?month=2020-03").json()["total"] == 1


def test_the_unit_sees_its_bills_the_bill_and_a_lines_explanation_on_pages(assessed):
    unit = assessed["unit"]
    client = signed_in(make_member(unit, "admin"), f"unit:{unit.pk}")
    number = assessed["bill"].number
    listing = client.get("/contributions/bills/").content.decode()
    assert number in listing
    page = client.get(f"/contributions/bills/{number}/").content.decode()
    assert "刘一" in page and "8,000.00" in page and "按下限" in page  # 陈二 is at the floor
    line = ContributionLine.objects.get(person=assessed["staff"][1], insurance="pension")
    explained = client.get(f"/contributions/bills/{number}/lines/{line.pk}/").content.decode()
    assert "单位未申报该职工的缴费基数，按缴费基数下限核定。" in explained
    assert "缴费基数下限" in explained and "2767.00" in explained


def test_the_unit_confirms_the_assessed_bill_once(assessed):
    unit = assessed["unit"]
    admin = make_member(unit, "admin")
    client = signed_in(admin, f"unit:{unit.pk}")
    page = client.get("/contributions/unit/assess/?period=2020-03").content.decode()
    assert assessed["bill"].number in page and "确认核定结果" in page
    empty = client.get("/contributions/unit/assess/?period=2020-04").content.decode()
    assert "尚未核定" in empty
    response = client.post(
        "/contributions/unit/assess/?period=2020-03", {"period": "2020-03", "confirm": "1"}
    )
    assert response.status_code == 302
    bill = Bill.objects.get(pk=assessed["bill"].pk)
    first = bill.confirmed_at
    assert first is not None and bill.confirmed_by == admin
    bill_confirm(actor=unit_actor(admin, unit), bill=bill)
    bill.refresh_from_db()
    assert bill.confirmed_at == first


def test_the_matter_leads_to_its_page(assessed):
    unit = assessed["unit"]
    client = signed_in(make_member(unit, "admin"), f"unit:{unit.pk}")
    response = client.get("/applications/new/unit.contribution_assess/")
    assert response.status_code == 302 and response["Location"] == "/contributions/unit/assess/"


def test_staff_see_the_runs_of_their_regions_and_start_one(
    assessed, django_capture_on_commit_callbacks
):
    from shebao.accounts.capabilities import Capability, capability_grant

    user = make_staff(districts=("220202",))
    client = signed_in(user, "staff")
    page = client.get("/contributions/staff/runs/").content.decode()
    assert "没有执行月度缴费核定的权限" in page
    assert (
        client.post(
            "/contributions/staff/runs/", {"region": "220200", "month": "2020-04"}
        ).status_code
        == 403
    )
    capability_grant(
        staff=user.staff_profile, capability=Capability.RUN_ASSESSMENT, regions=["220200"]
    )
    client = signed_in(user, "staff")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/contributions/staff/runs/", {"region": "220200", "month": "2020-04"}
        )
    assert response.status_code == 302
    page = client.get("/contributions/staff/runs/").content.decode()
    assert "2020年4月" in page and "已完成" in page
    assert Bill.objects.filter(month=YearMonth(2020, 4)).count() == 1


def test_the_bill_api_returns_every_line_unless_a_page_is_asked_for(assessed):
    unit = assessed["unit"]
    get = api(make_member(unit, "admin"), f"unit:{unit.pk}")
    number = assessed["bill"].number
    full = get(f"/api/v1/bills/{number}").json()
    assert full["lines_total"] == 8 and len(full["lines"]) == 8
    assert set(full["lines"][0]) == {
        "id",
        "id_number",
        "name",
        "insurance",
        "base",
        "unit",
        "individual",
        "injury_class",
    }
    page = get(f"/api/v1/bills/{number}?limit=3&offset=6").json()
    assert page["lines_total"] == 8 and page["lines"] == full["lines"][6:8]
    assert get(f"/api/v1/bills/{number}?offset=5").json()["lines"] == full["lines"][5:]
    assert get(f"/api/v1/bills/{number}?limit=0").status_code == 422


def test_the_bill_downloads_as_xlsx_with_each_employees_lines(assessed):
    import io

    from openpyxl import load_workbook

    unit = assessed["unit"]
    bill = assessed["bill"]
    client = signed_in(make_member(unit, "admin"), f"unit:{unit.pk}")
    response = client.get(f"/contributions/bills/{bill.number}.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content))["缴费明细"]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows.index(tuple(exports_header()))
    lines = rows[header + 1 :]
    by_line = {
        (ln.person.id_number, ln.insurance): ln for ln in bill.lines.select_related("person")
    }
    assert len(lines) == len(by_line) == 8
    from shebao.contributions.selectors import INSURANCE_LABELS

    for row in lines:
        insurance = next(k for k, v in INSURANCE_LABELS.items() if v == row[3])
        line = by_line[(row[2], insurance)]
        assert (Decimal(str(row[4])), Decimal(str(row[5])), Decimal(str(row[6]))) == (
            Decimal(line.base_fen) / 100,
            Decimal(line.unit_fen) / 100,
            Decimal(line.individual_fen) / 100,
        )
    assert rows[0][0] == f"社会保险费征集单 {bill.number}"
    api_file = api(make_member(unit, "admin", name="管理员丁"), f"unit:{unit.pk}")(
        f"/api/v1/bills/{bill.number}/lines.xlsx"
    )
    assert api_file.status_code == 200
    other = make_individual(name="路人")
    assert (
        signed_in(other, "individual").get(f"/contributions/bills/{bill.number}.xlsx").status_code
        == 404
    )


def exports_header():
    from shebao.contributions.exports import LINE_HEADER

    return LINE_HEADER
