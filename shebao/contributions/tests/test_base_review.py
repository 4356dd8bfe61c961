"""Bases clamped with the clamp shown (page, sheet preview, reviewer), what stands out to the
reviewer (a wage below the minimum wage, a large change from last year), the institution's
salary declaration, and a flexible worker's grade giving the base on the person's page."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shebao.applications.handlers import handler_for
from shebao.common.errors import InvalidInput
from shebao.common.periods import YearMonth
from shebao.contributions.bases import (
    INSTITUTION,
    DeclaredRow,
    base_declaration_submit,
    month_limits,
    template_workbook,
)
from shebao.contributions.models import BaseDeclarationLine, ContributionBase
from shebao.contributions.selectors import base_in_force
from shebao.contributions.tests.conftest import enrol
from shebao.contributions.tests.test_bases import _client, approve, declare, pdf

pytestmark = pytest.mark.django_db

JANUARY = YearMonth(2020, 1)


def test_the_limits_of_a_month_say_how_they_were_found_and_from_what():
    limits = month_limits(region="220202", month=JANUARY)

    assert (limits.floor, limits.ceiling) == (Decimal("2767.00"), Decimal("13835.00"))
    assert limits.clamp(2_000_00).base == Decimal("2767.00")
    assert limits.clamp(2_000_00).note == "低于下限，按下限2,767.00元核定"
    assert limits.clamp(20_000_00).base == Decimal("13835.00")
    assert limits.clamp(20_000_00).side == "ceiling"
    assert limits.clamp(5_000_00).base == Decimal("5000.00")
    assert not limits.clamp(5_000_00).clamped
    labels = [label for label, _source in limits.sources]
    assert labels  # each parameter the limits came from is named with its source
    assert all(source for _label, source in limits.sources)


@pytest.fixture(autouse=True)
def _hall(hall):
    return hall


def test_the_page_shows_each_employees_base_clamped_with_the_limit(unit):
    a, b, _c = enrol(unit, "刘一", "陈二", "张三")
    from shebao.contributions.tests.conftest import declare_bases

    declare_bases(unit, [(a, "20000"), (b, "5000")])
    client = _client(unit)

    text = client.get("/contributions/unit/bases/?effective_month=2020-01").content.decode()

    assert "高于上限，按上限13,835.00元核定" in text
    assert "5,000.00" in text
    assert "缴费基数下限 <strong>2,767.00</strong>" in text
    assert "依据：" in text


def test_the_preview_shows_declared_against_applied_and_files_nothing(unit):
    a, b = enrol(unit, "刘一", "陈二")
    client = _client(unit)
    sheet = template_workbook([(a.id_number, a.name, "1500"), (b.id_number, b.name, "30000")])

    response = client.post(
        "/contributions/unit/bases/",
        {
            "declare_year": "2020",
            "effective_month": "2020-01",
            "action": "preview",
            "sheet": SimpleUploadedFile("申报表.xlsx", sheet),
        },
    )

    text = response.content.decode()
    assert response.status_code == 200
    assert "核定基数预览（2 行，尚未提交）" in text
    assert "低于下限，按下限2,767.00元核定" in text
    assert "高于上限，按上限13,835.00元核定" in text
    assert "低于最低工资" in text  # 1,500 < Jilin's 1,780 (demo)
    assert BaseDeclarationLine.objects.count() == 0


def test_a_refused_sheet_shows_its_errors_and_the_clamp_of_the_rows_it_could_read(
    unit, other_person
):
    (a,) = enrol(unit, "刘一")
    client = _client(unit)
    sheet = template_workbook(
        [(a.id_number, a.name, "16000"), (other_person.id_number, other_person.name, "5000")]
    )

    response = client.post(
        "/contributions/unit/bases/",
        {
            "declare_year": "2020",
            "effective_month": "2020-01",
            "material": pdf(),
            "sheet": SimpleUploadedFile("申报表.xlsx", sheet),
        },
    )

    text = response.content.decode()
    assert "未在本单位参保" in text
    assert "高于上限，按上限13,835.00元核定" in text
    assert BaseDeclarationLine.objects.count() == 0


def test_the_reviewer_sees_the_clamp_a_wage_below_the_minimum_and_a_large_change(
    unit, admin, reviewer
):
    a, b, c = enrol(unit, "刘一", "陈二", "张三")
    approve(reviewer, declare(admin, unit, [(a, "4000"), (b, "6000"), (c, "5000")]))
    application = declare(
        admin,
        unit,
        [(a, "10000"), (b, "1600"), (c, "5500")],
        month=YearMonth(2021, 1),
    )

    review = handler_for(application).reviewer_context(application)

    by_name = {line.name: line for line in review["checked_sample"]}
    assert by_name["刘一"].previous == Decimal("4000.00")
    assert by_name["刘一"].change == Decimal("1.5000") and by_name["刘一"].large_change
    assert by_name["陈二"].below_minimum and by_name["陈二"].clamp.base == Decimal("2767.00")
    assert by_name["陈二"].large_change  # 6,000 → 1,600: −73.3%
    assert not by_name["张三"].large_change and not by_name["张三"].below_minimum
    assert [x.name for x in review["large_changes"]] == ["刘一", "陈二"]
    assert [x.name for x in review["below_minimum"]] == ["陈二"]
    assert review["checks"].change_ratio == Decimal("0.5")
    assert review["checks"].change_source == "本系统演示取值"


def test_the_reviewers_page_shows_what_stands_out(unit, admin, reviewer):
    from shebao.testing import signed_in

    a, b = enrol(unit, "刘一", "陈二")
    approve(reviewer, declare(admin, unit, [(a, "4000"), (b, "5000")]))
    application = declare(admin, unit, [(a, "12000"), (b, "1700")], month=YearMonth(2021, 1))

    page = signed_in(reviewer.user, "staff").get(f"/applications/{application.number}/")

    text = page.content.decode()
    assert "比上次申报增减超过 50%" in text
    assert "上次 4,000.00 元，本次 12,000.00 元（+200.0%）" in text
    assert "低于当地月最低工资标准" in text
    assert "低于下限，按下限" in text


def test_an_enterprise_cannot_file_the_institutions_salary_declaration(unit, admin):
    (a,) = enrol(unit, "刘一")
    with pytest.raises(InvalidInput) as error:
        base_declaration_submit(
            actor=admin,
            unit=unit,
            year=2020,
            effective_month=JANUARY,
            rows=[DeclaredRow(2, a.id_number, a.name, "5000")],
            material=pdf(),
            kind=INSTITUTION,
        )
    assert error.value.code == "INSTITUTION_ONLY"
    page = _client(unit).get("/contributions/unit/institution-wages/")
    assert "仅限机关事业单位办理" in page.content.decode()


def test_an_institution_declares_its_staffs_salaries_and_they_become_their_bases(unit, admin):
    from shebao.common.periods import YearMonth as YM
    from shebao.insurance.services import Opening, relations_open
    from shebao.testing import make_person

    unit.kind = "institution"
    unit.save(update_fields=["kind"])
    staff = make_person(name="钱进")
    relations_open(
        actor=None,
        openings=[
            Opening(
                person=staff, insurances=("pension",), start_month=YM(2020, 1), scheme="institution"
            )
        ],
        unit=unit,
    )
    (enterprise_scheme,) = enrol(unit, "孙立", insurances=("pension",))
    client = _client(unit)
    page = client.get("/contributions/unit/institution-wages/?effective_month=2020-01")
    text = page.content.decode()
    assert "机关事业单位缴费工资申报" in text and "钱进" in text and "孙立" not in text

    with pytest.raises(Exception) as refused:
        base_declaration_submit(
            actor=admin,
            unit=unit,
            year=2020,
            effective_month=JANUARY,
            rows=[DeclaredRow(2, enterprise_scheme.id_number, enterprise_scheme.name, "5000")],
            material=pdf(),
            kind=INSTITUTION,
        )
    assert "未在本单位参加机关事业单位养老保险" in str(refused.value.details["rows"])

    application, _ = base_declaration_submit(
        actor=admin,
        unit=unit,
        year=2020,
        effective_month=JANUARY,
        rows=[DeclaredRow(2, staff.id_number, staff.name, "7300")],
        material=pdf(),
        kind=INSTITUTION,
    )
    assert application.matter.code == "unit.institution_wage_declare"
    from shebao.testing import make_staff, staff_actor

    reviewer = staff_actor(make_staff(districts=("220202",), department="institution_pension"))
    approve(reviewer, application)
    record = base_in_force(unit_id=unit.pk, person_id=staff.pk, month=YearMonth(2020, 5))
    assert record.wage_fen == 730000 and ContributionBase.objects.count() == 1


def test_a_flexible_workers_grade_gives_the_base_on_the_persons_page(hall):
    from shebao.insurance.models import Category
    from shebao.insurance.services import Opening, flexible_grade_set, relations_open
    from shebao.testing import make_individual, signed_in

    user = make_individual(name="周灵")
    person = user.person
    relations_open(
        actor=None,
        openings=[
            Opening(
                person=person,
                insurances=("pension",),
                start_month=YearMonth(2020, 1),
                category=Category.FLEXIBLE,
            )
        ],
        unit=None,
    )
    flexible_grade_set(actor=None, person=person, grade=100, month=YearMonth(2020, 1))

    text = signed_in(user, "individual").get("/insurance/me/").content.decode()

    assert "灵活就业养老保险缴费档次与基数" in text
    assert "100%（2020年1月起）" in text
    # The 100% grade's base by the rule on this month's parameters (whatever the month is).
    from django.utils import timezone

    from shebao.calculators.services import flexible_calculate

    now = flexible_calculate(
        region=person.district_id, month=YearMonth.of(timezone.localdate()), grade=100
    )
    assert f"{now.base:,.2f}" in text and f"{now.monthly:,.2f}" in text
