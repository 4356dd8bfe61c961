"""单位申报基数差补缴 from an .xlsx roster (the base declaration's sheet machinery): a good sheet
files the same case the on-screen roster does; bad rows are refused all at once by their row in
the sheet and nothing is written; a file that is not .xlsx is refused; a repeated submission
files one case and one bill; the template downloads with the columns to fill in."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from freezegun import freeze_time
from openpyxl import Workbook, load_workbook

from shebao.applications.demo import SAMPLE_PDF
from shebao.applications.handlers import LinesInvalid
from shebao.applications.models import Application, Material
from shebao.common.errors import DomainError
from shebao.common.periods import YearMonth
from shebao.contributions import base_difference as diff
from shebao.contributions.assessment import month_assess
from shebao.contributions.models import BackPayment, Bill, ContributionAdjustment
from shebao.contributions.tests.test_backpay import approve
from shebao.contributions.tests.test_base_difference import TODAY
from shebao.testing import signed_in

pytestmark = pytest.mark.django_db

MAY, JUNE = YearMonth(2020, 5), YearMonth(2020, 6)
TODAY_DATE = date(2020, 8, 10)


@pytest.fixture
def assessed(jilin, city):
    """The unit of the base-difference tests, May and June 2020 assessed."""
    with freeze_time(TODAY):
        month_assess(region=jilin, month=MAY)
        month_assess(region=jilin, month=JUNE)
    return city


def sheet(*rows, headers=diff.HEADERS) -> SimpleUploadedFile:
    book = Workbook()
    ws = book.active
    ws.title = diff.SHEET
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("补差.xlsx", buffer.getvalue())


def material() -> SimpleUploadedFile:
    return SimpleUploadedFile("明细表.pdf", SAMPLE_PDF, "application/pdf")


def submit(admin, upload, *, client_key=""):
    return diff.base_difference_submit(
        actor=admin,
        unit=admin.unit,
        start=MAY,
        end=JUNE,
        rows=diff.sheet_rows(upload),
        material=material(),
        reason="2020年度缴费基数申报偏低",
        client_key=client_key,
    )


@freeze_time(TODAY)
def test_a_good_sheet_files_the_same_case_as_the_roster_on_screen(assessed, admin, reviewer):
    a, _b, c = assessed["staff"]
    application, created = submit(
        admin, sheet((a.id_number, a.name, 8000), (c.id_number, c.name, "3500.50"))
    )

    assert created and application.status == "submitted"
    assert application.data["staff_count"] == 2
    assert diff.roster_rows(application.data["roster"]) == [
        diff.RosterRow(1, a.id_number, a.name, 800000),
        diff.RosterRow(2, c.id_number, c.name, 350050),
    ]
    assert application.materials.filter(code=diff.MATERIAL).count() == 1
    # The same differences as the roster typed on screen gives.
    typed = f"{a.id_number} {a.name} 8000\n{c.id_number} {c.name} 3500.50"
    on_screen = diff.difference_plan(
        unit=admin.unit, start=MAY, end=JUNE, rows=diff.roster_rows(typed), on=TODAY_DATE
    )
    done = approve(reviewer, application)
    bill = BackPayment.objects.get(application=done).bill
    rows = ContributionAdjustment.objects.filter(bill=bill)
    assert rows.count() == len(on_screen.lines) == 2 * 2 * 4
    assert (bill.adjustment_unit_fen, bill.adjustment_individual_fen) == (
        on_screen.unit_fen,
        on_screen.individual_fen,
    )
    assert bill.backpay_late_fee_fen == on_screen.late_fee_fen > 0


@freeze_time(TODAY)
def test_bad_rows_are_refused_together_by_their_row_in_the_sheet(assessed, admin):
    a, b, c = assessed["staff"]
    before = (Application.objects.count(), Material.objects.count(), Bill.objects.count())
    upload = sheet(
        (a.id_number, a.name, "8000"),  # row 2: good
        ("220202199001011230", "某人", "6000"),  # row 3: a check digit that does not match
        (b.id_number, b.name, "八千"),  # row 4: not an amount
        (c.id_number, "张叁", "4000"),  # row 5: not the registered name
        (a.id_number, a.name, "9000"),  # row 6: the same person as row 2
        ("", "", ""),  # an empty row is skipped
        ("11010519491231002X", "查无此人", "5000"),  # row 8: not in the registry
    )
    with pytest.raises(LinesInvalid) as refused:
        submit(admin, upload)
    found = {(p["row"], p["column"]) for p in refused.value.details["rows"]}
    assert found == {
        (3, "公民身份号码"),
        (4, diff.WAGE_COLUMN),
        (5, "姓名"),
        (6, "公民身份号码"),
        (8, "公民身份号码"),
    }
    assert "第 3 行" in refused.value.message and refused.value.code == "LINES_INVALID"
    assert (Application.objects.count(), Material.objects.count(), Bill.objects.count()) == before


@freeze_time(TODAY)
def test_a_sheet_that_reads_well_but_fails_the_records_names_its_row(assessed, admin):
    a, _b, c = assessed["staff"]
    before = Application.objects.count()
    upload = sheet((a.id_number, a.name, "8000"), (c.id_number, c.name, "99999999"))
    with pytest.raises(DomainError) as refused:
        submit(admin, upload)
    assert refused.value.code == "BASEDIFF_WAGE_IMPLAUSIBLE"
    assert "第3行" in refused.value.message
    assert Application.objects.count() == before


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"%PDF-1.4 not a sheet", "SHEET_NOT_XLSX"),
        (b"PK\x03\x04 broken zip", "SHEET_NOT_XLSX"),
        (None, "SHEET_COLUMN_MISSING"),
    ],
)
@freeze_time(TODAY)
def test_a_file_that_is_not_the_sheet_is_refused(assessed, admin, content, code):
    a = assessed["staff"][0]
    if content is None:
        upload = sheet((a.id_number, a.name, "8000"), headers=("身份证", "姓名", "工资"))
    else:
        upload = SimpleUploadedFile("补差.xlsx", content)
    with pytest.raises(DomainError) as refused:
        diff.sheet_rows(upload)
    assert refused.value.code == code


@freeze_time(TODAY)
def test_a_repeated_submission_files_one_case_and_one_bill(assessed, admin, reviewer):
    a = assessed["staff"][0]
    first, created = submit(admin, sheet((a.id_number, a.name, "8000")), client_key="k-1")
    again, created_again = submit(admin, sheet((a.id_number, a.name, "8000")), client_key="k-1")
    assert created and not created_again and again.pk == first.pk
    assert Application.objects.filter(matter__code=diff.MATTER).count() == 1
    approve(reviewer, first)
    assert BackPayment.objects.filter(application=first).count() == 1
    assert Bill.objects.filter(kind=Bill.Kind.BACK_PAYMENT).count() == 1


@freeze_time(TODAY)
def test_the_page_takes_the_sheet_and_shows_bad_rows_and_the_template_downloads(assessed, admin):
    a, b, _c = assessed["staff"]
    client = signed_in(admin.user, f"unit:{admin.unit.pk}")
    template = client.get("/contributions/unit/base-difference.xlsx")
    assert template.status_code == 200
    header = next(
        load_workbook(io.BytesIO(template.content))[diff.SHEET].iter_rows(values_only=True)
    )
    assert tuple(header) == diff.HEADERS

    form = {"start_month": "2020-05", "end_month": "2020-06", "reason": "补差", "client_key": "p-1"}
    bad = client.post(
        "/contributions/unit/base-difference/",
        {
            **form,
            "sheet": sheet((a.id_number, a.name, "8000"), (b.id_number, b.name, "x")),
            "material": material(),
        },
    )
    page = bad.content.decode()
    assert bad.status_code == 200, page
    assert "第3行" in page and "没有保存任何内容" in page
    assert not Application.objects.filter(matter__code=diff.MATTER).exists()

    good = client.post(
        "/contributions/unit/base-difference/",
        {**form, "sheet": sheet((a.id_number, a.name, "8000")), "material": material()},
    )
    assert good.status_code == 302
    application = Application.objects.get(matter__code=diff.MATTER)
    assert good["Location"].endswith(f"/applications/{application.number}/")
    assert application.status == "submitted"
