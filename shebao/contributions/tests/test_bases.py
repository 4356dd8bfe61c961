"""The unit's annual base declaration: lines checked whole at submission, applied set-based on
approval as dated records; a wage of 999,999 a month is refused."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shebao.applications import services as engine
from shebao.applications.demo import SAMPLE_PDF
from shebao.applications.handlers import LinesInvalid
from shebao.common.periods import YearMonth
from shebao.contributions.bases import (
    DeclaredRow,
    base_declaration_submit,
    read_sheet,
    template_workbook,
)
from shebao.contributions.models import BaseDeclarationLine, ContributionBase
from shebao.contributions.selectors import base_in_force, unit_staff_bases
from shebao.contributions.tests.conftest import enrol

pytestmark = pytest.mark.django_db

JANUARY = YearMonth(2020, 1)


def pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("工资明细表.pdf", SAMPLE_PDF, "application/pdf")


def declare(admin, unit, rows, month=JANUARY, year=None):
    application, _ = base_declaration_submit(
        actor=admin,
        unit=unit,
        year=year or month.year,
        effective_month=month,
        rows=[DeclaredRow(i, p.id_number, p.name, wage) for i, (p, wage) in enumerate(rows, 2)],
        material=pdf(),
    )
    return application


def approve(reviewer, application):
    application = engine.application_accept(
        actor=reviewer, application=application, version=application.version
    )
    return engine.application_approve(
        actor=reviewer, application=application, version=application.version
    )


def test_a_declaration_is_submitted_with_its_lines_and_applied_on_approval(unit, admin, reviewer):
    a, b = enrol(unit, "刘一", "陈二")
    application = declare(admin, unit, [(a, "5000"), (b, "16,000.50")])
    assert application.status == "submitted"
    assert list(application.base_lines.values_list("wage_fen", flat=True)) == [500000, 1600050]
    assert ContributionBase.objects.count() == 0

    approved = approve(reviewer, application)

    assert approved.status in ("approved", "completed")
    record = base_in_force(unit_id=unit.pk, person_id=b.pk, month=YearMonth(2020, 6))
    assert (record.wage_fen, record.valid_from, record.valid_to) == (1600050, JANUARY, None)
    assert record.application == approved and record.recorded_by == reviewer.user


def test_a_wage_of_999999_a_month_is_refused_and_nothing_is_written(unit, admin):
    (a,) = enrol(unit, "刘一")
    with pytest.raises(LinesInvalid) as error:
        declare(admin, unit, [(a, "999999")])
    (problem,) = error.value.details["rows"]
    assert problem["column"] == "上年度月平均工资" and "138350.00" in problem["reason"]
    assert BaseDeclarationLine.objects.count() == 0
    from shebao.applications.models import Application

    assert Application.objects.count() == 0


def test_every_bad_line_is_named_and_the_whole_declaration_refused(unit, admin, other_person):
    (a,) = enrol(unit, "刘一")
    rows = [
        DeclaredRow(2, a.id_number, "刘壹", "5000"),
        DeclaredRow(3, other_person.id_number, other_person.name, "5000"),
        DeclaredRow(4, "220202198001011230", "无名", "5000"),
        DeclaredRow(5, a.id_number, a.name, "abc"),
    ]
    with pytest.raises(LinesInvalid) as error:
        base_declaration_submit(
            actor=admin, unit=unit, year=2020, effective_month=JANUARY, rows=rows, material=pdf()
        )
    reasons = {(p["row"], p["column"]) for p in error.value.details["rows"]}
    assert (5, "公民身份号码") in reasons  # the same person twice
    assert (4, "公民身份号码") in reasons  # an invalid ID number
    error_rows = {p["row"] for p in error.value.details["rows"]}
    assert error_rows == {4, 5}  # format problems first; records are checked once they pass

    with pytest.raises(LinesInvalid) as error:
        base_declaration_submit(
            actor=admin,
            unit=unit,
            year=2020,
            effective_month=JANUARY,
            rows=rows[:2],
            material=pdf(),
        )
    reasons = {(p["row"], p["column"]): p["reason"] for p in error.value.details["rows"]}
    assert "登记为“刘一”" in reasons[(2, "姓名")]
    assert "未在本单位参保" in reasons[(3, "公民身份号码")]


def test_a_new_declaration_closes_the_old_one_and_a_correction_supersedes_it(unit, admin, reviewer):
    (a,) = enrol(unit, "刘一")
    approve(reviewer, declare(admin, unit, [(a, "4000")], month=JANUARY))
    approve(reviewer, declare(admin, unit, [(a, "6000")], month=YearMonth(2020, 7)))
    approve(reviewer, declare(admin, unit, [(a, "6500")], month=YearMonth(2020, 7)))

    def wage(month):
        return base_in_force(unit_id=unit.pk, person_id=a.pk, month=month).wage_fen

    assert wage(YearMonth(2020, 6)) == 400000
    assert wage(YearMonth(2020, 7)) == 650000
    assert wage(YearMonth(2023, 1)) == 650000  # carried over until the next declaration
    first = ContributionBase.objects.get(valid_from=JANUARY)
    assert first.valid_to == YearMonth(2020, 6)
    assert ContributionBase.objects.filter(superseded_at__isnull=False).count() == 1


def test_a_declaration_before_a_later_one_is_refused(unit, admin, reviewer):
    (a,) = enrol(unit, "刘一")
    approve(reviewer, declare(admin, unit, [(a, "6000")], month=YearMonth(2020, 7)))
    with pytest.raises(LinesInvalid) as error:
        declare(admin, unit, [(a, "4000")], month=JANUARY)
    assert "以后月份" in error.value.details["rows"][0]["reason"]


def test_the_effective_month_must_be_in_the_declared_year(unit, admin):
    (a,) = enrol(unit, "刘一")
    from shebao.common.errors import InvalidInput

    with pytest.raises(InvalidInput) as error:
        declare(admin, unit, [(a, "4000")], month=YearMonth(2023, 1), year=2020)
    assert error.value.code == "BASE_MONTH_OUTSIDE_YEAR"


def test_the_sheet_round_trips_and_the_staff_list_shows_what_is_in_force(unit, admin, reviewer):
    a, _b = enrol(unit, "刘一", "陈二")
    approve(reviewer, declare(admin, unit, [(a, "4000")]))
    staff = {s.name: s for s in unit_staff_bases(actor=admin, unit=unit, month=JANUARY)}
    assert staff["刘一"].wage_fen == 400000 and staff["陈二"].wage_fen is None
    content = template_workbook([(s.id_number, s.name, "5200.00") for s in staff.values()])
    rows = read_sheet(io.BytesIO(content))
    assert [(r.row, r.name, r.wage) for r in rows] == [
        (2, "刘一", "5200.00"),
        (3, "陈二", "5200.00"),
    ]


def test_an_operator_without_the_grant_cannot_declare(unit, hall):
    from shebao.common.errors import PermissionDenied
    from shebao.testing import make_member, unit_actor

    (a,) = enrol(unit, "刘一")
    operator = unit_actor(make_member(unit, "operator"), unit)
    with pytest.raises(PermissionDenied):
        declare(operator, unit, [(a, "4000")])


def _client(unit, role="admin"):
    from shebao.testing import make_member, signed_in

    user = make_member(unit, role)
    return signed_in(user, f"unit:{unit.pk}")


def test_the_page_lists_the_employees_and_files_what_is_entered(unit):
    a, b = enrol(unit, "刘一", "陈二")
    client = _client(unit)
    page = client.get("/contributions/unit/bases/?effective_month=2020-01")
    assert page.status_code == 200
    text = page.content.decode()
    assert "刘一" in text and "未申报，按下限核定" in text and "2,767.00" in text
    response = client.post(
        "/contributions/unit/bases/",
        {
            "declare_year": "2020",
            "effective_month": "2020-01",
            "rows": "2",
            "id_1": a.id_number,
            "name_1": a.name,
            "wage_1": "5000",
            "id_2": b.id_number,
            "name_2": b.name,
            "wage_2": "",
            "material": pdf(),
        },
    )
    assert response.status_code == 302
    (line,) = BaseDeclarationLine.objects.all()
    assert (line.person, line.wage_fen) == (a, 500000)


def test_the_page_shows_every_problem_and_keeps_nothing(unit):
    (a,) = enrol(unit, "刘一")
    client = _client(unit)
    response = client.post(
        "/contributions/unit/bases/",
        {
            "declare_year": "2020",
            "effective_month": "2020-01",
            "rows": "1",
            "id_1": a.id_number,
            "name_1": a.name,
            "wage_1": "999999",
            "material": pdf(),
        },
    )
    assert response.status_code == 200
    assert "超过合理上限" in response.content.decode()
    assert BaseDeclarationLine.objects.count() == 0


def test_the_sheet_is_uploaded_with_the_material(unit):
    _a, _b = enrol(unit, "刘一", "陈二")
    client = _client(unit)
    sheet = client.get("/contributions/unit/bases.xlsx?effective_month=2020-01")
    rows = read_sheet(io.BytesIO(sheet.content))
    filled = template_workbook([(r.id_number, r.name, "4800") for r in rows])
    response = client.post(
        "/contributions/unit/bases/",
        {
            "declare_year": "2020",
            "effective_month": "2020-01",
            "material": pdf(),
            "sheet": SimpleUploadedFile("申报表.xlsx", filled),
        },
    )
    assert response.status_code == 302
    assert sorted(BaseDeclarationLine.objects.values_list("wage_fen", flat=True)) == [480000] * 2
