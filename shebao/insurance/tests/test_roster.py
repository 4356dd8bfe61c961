"""The staff-change roster: template, row checks, error report, and the case it files."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from freezegun import freeze_time
from openpyxl import Workbook, load_workbook

from shebao.accounts.actors import actor_for
from shebao.accounts.models import UnitMembership
from shebao.accounts.tokens import token_issue
from shebao.applications import services as engine
from shebao.applications.models import Application
from shebao.common.periods import YearMonth
from shebao.insurance import roster, services
from shebao.insurance.calendar import open_period
from shebao.insurance.changes import RosterRefused, staff_changes_submit
from shebao.insurance.models import Insurance, Relation, StaffChangeLine
from shebao.insurance.services import LinesRefused, Opening
from shebao.registry.models import Person
from shebao.testing import (
    id_number,
    make_member,
    make_person,
    make_staff,
    signed_in,
)

pytestmark = pytest.mark.django_db

M = YearMonth
ALL = (Insurance.PENSION, Insurance.MEDICAL, Insurance.UNEMPLOYMENT, Insurance.WORK_INJURY)
TODAY = "2026-12-03"


def xlsx(rows: list[list], header: list[str] | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = roster.SHEET
    sheet.append(header or roster.HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def enrol(number: str, name: str, *, day: str = "2026-12-01", wage="5200") -> list:
    return ["增员", number, name, day, "", wage, "全部险种", "", ""]


def leave(number: str, name: str, *, day: str = "2026-11-30", reason="劳动合同期满终止") -> list:
    return ["减员", number, name, day, "", "", "", reason, ""]


def upload(content: bytes, name: str = "名册.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@pytest.fixture
def admin(hall, unit):
    return make_member(unit, UnitMembership.Role.ADMIN)


@pytest.fixture
def actor(admin, unit):
    return actor_for(admin, f"unit:{unit.pk}")


def snapshot():
    return (
        Application.objects.count(),
        StaffChangeLine.objects.count(),
        Relation.objects.count(),
        Person.objects.count(),
    )


def test_the_template_has_the_roster_and_its_rules():
    book = load_workbook(io.BytesIO(roster.template_workbook()))
    assert book.sheetnames == [roster.SHEET, "填写说明"]
    assert [c.value for c in book[roster.SHEET][1]] == roster.HEADERS
    rules = [row[0] for row in book["填写说明"].iter_rows(min_row=2, values_only=True)]
    assert set(roster.HEADERS) <= set(rules)


@freeze_time(TODAY)
def test_a_roster_with_two_bad_rows_writes_nothing_reports_both_then_the_fixed_file_goes_through(
    actor, unit, other_unit
):
    busy = make_person(name="钱多")
    services.relations_open(actor=None, openings=[Opening(busy, ALL, M(2025, 1))], unit=other_unit)
    stays = make_person(name="孙留")
    services.relations_open(actor=None, openings=[Opening(stays, ALL, M(2024, 1))], unit=unit)
    fresh = id_number(born="19990909")
    bad_number = fresh[:-1] + ("0" if fresh[-1] != "0" else "1")
    rows = [
        enrol(fresh, "新人"),
        enrol(bad_number, "错号"),
        enrol(busy.id_number, "钱多"),
        leave(stays.id_number, "孙留"),
    ]
    before = snapshot()

    with pytest.raises(RosterRefused) as refused:
        staff_changes_submit(actor=actor, unit=unit, file=upload(xlsx(rows)))

    problems = [(p.line, p.column) for p in refused.value.problems]
    assert problems == [(3, "公民身份号码"), (4, "公民身份号码")]
    assert "校验位" in refused.value.problems[0].reason
    assert other_unit.name in refused.value.problems[1].reason
    assert snapshot() == before
    report = load_workbook(io.BytesIO(refused.value.report))
    listed = list(report["错误报告"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1]) for r in listed] == problems

    fixed = [rows[0], rows[3]]
    application, created = staff_changes_submit(actor=actor, unit=unit, file=upload(xlsx(fixed)))

    assert created and application.status == Application.Status.SUBMITTED
    from shebao.insurance.changes import roster_summary

    assert roster_summary(application) == {"rows": 2, "enrolments": 1, "terminations": 1}
    assert StaffChangeLine.objects.filter(application=application).count() == 2
    assert Relation.objects.count() == before[2]  # nothing changes before approval

    staff = actor_for(make_staff(districts=(unit.district_id,)), "staff")
    accepted = engine.application_accept(
        actor=staff, application=application, version=application.version
    )
    engine.application_approve(actor=staff, application=accepted, version=accepted.version)

    newcomer = Person.objects.get(id_number=fresh)
    assert {
        r.insurance for r in Relation.objects.current().filter(person=newcomer, unit=unit)
    } == set(ALL)
    assert {r.end_month for r in Relation.objects.current().filter(person=stays, unit=unit)} == {
        M(2026, 11)
    }


@freeze_time(TODAY)
@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"%PDF-1.4 not a spreadsheet", "ROSTER_NOT_XLSX"),
        (b"PK\x03\x04 broken zip", "ROSTER_NOT_XLSX"),
        (xlsx([]), "ROSTER_EMPTY"),
        (xlsx([["增员"]], header=roster.HEADERS[:3]), "ROSTER_COLUMN_MISSING"),
    ],
)
def test_a_file_that_is_not_a_roster_is_refused_whole(actor, unit, content, code):
    before = snapshot()
    with pytest.raises(Exception) as refused:
        staff_changes_submit(actor=actor, unit=unit, file=upload(content))
    assert refused.value.code == code
    assert snapshot() == before


@freeze_time(TODAY)
def test_too_many_rows_is_refused(actor, unit, monkeypatch):
    monkeypatch.setattr(roster, "MAX_ROWS", 3)
    rows = [enrol(id_number(), f"人{i}") for i in range(4)]
    with pytest.raises(Exception) as refused:
        staff_changes_submit(actor=actor, unit=unit, file=upload(xlsx(rows)))
    assert refused.value.code == "ROSTER_TOO_MANY_ROWS"


@freeze_time(TODAY)
def test_row_level_errors_name_row_column_and_reason(actor, unit):
    twice = id_number()
    known = make_person(name="周正")
    book = Workbook()
    sheet = book.active
    sheet.title = roster.SHEET
    sheet.append(roster.HEADERS)
    sheet.append(enrol(twice, "重复"))
    sheet.append(enrol(twice, "重复"))
    sheet.append(enrol(known.id_number, "周歪"))
    sheet.append(enrol(id_number(), "无薪", wage=""))
    sheet.append(enrol(id_number(), "旧月", day="2026-09-01"))
    sheet.append(["调岗", id_number(), "错类", "2026-12-01", "", "5000", "", "", ""])
    sheet.append(enrol(id_number(), "公式", wage=None))
    sheet["F8"] = "=1+1"
    buffer = io.BytesIO()
    book.save(buffer)

    with pytest.raises(RosterRefused) as refused:
        staff_changes_submit(actor=actor, unit=unit, file=upload(buffer.getvalue()))

    got = {(p.line, p.column): p.reason for p in refused.value.problems}
    assert "第2行是同一人" in got[(3, "公民身份号码")]
    assert "周正" in got[(4, "姓名")]
    assert "须填写月工资" in got[(5, "月工资收入（元）")]
    assert "补缴" in got[(6, "参保或停保年月")]
    assert (7, "变动类型") in got
    assert "公式" in got[(8, "月工资收入（元）")]
    assert (2, "公民身份号码") not in got


@freeze_time("2026-12-21")
def test_past_the_wuhan_deadline_an_enrolment_takes_effect_next_month(reference_data, hall):
    from shebao.testing import make_unit

    wuhan_unit = make_unit(name="武汉江岸贸易有限公司", district="420102")
    period = open_period(region=wuhan_unit.district_id, on=date(2026, 12, 21))
    assert period.business_month == M(2027, 1)
    rows = roster.read_roster(upload(xlsx([enrol(id_number(area="420102"), "武汉人")])))

    check = roster.check_roster(rows, unit=wuhan_unit, on=date(2026, 12, 21))

    assert check.ok and check.rows[0].month == M(2027, 1)
    assert open_period(region="420102", on=date(2026, 12, 20)).business_month == M(2026, 12)


@freeze_time(TODAY)
def test_the_api_files_the_roster_or_answers_422_with_every_row(admin, unit):
    token = token_issue(user=admin, context=f"unit:{unit.pk}")
    client = signed_in(admin, f"unit:{unit.pk}")
    url = f"/api/v1/units/{unit.credit_code}/staff-changes"
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    bad = id_number()[:-1] + "Z"

    refused = client.post(url, {"file": upload(xlsx([enrol(bad, "甲"), enrol(bad, "乙")]))}, **auth)
    assert refused.status_code == 422
    body = refused.json()
    assert body["code"] == "ROSTER_INVALID" and [r["row"] for r in body["rows"]] == [2, 3]
    assert Application.objects.count() == 0

    good = xlsx([enrol(id_number(), "甲")])
    first = client.post(url, {"file": upload(good)}, HTTP_IDEMPOTENCY_KEY="r-1", **auth)
    again = client.post(url, {"file": upload(good)}, HTTP_IDEMPOTENCY_KEY="r-1", **auth)
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["number"] == again.json()["number"] and first.json()["rows"] == 1
    assert Application.objects.count() == 1

    template = client.get("/api/v1/staff-changes/template.xlsx")
    assert template.status_code == 200 and template.content.startswith(b"PK")


@freeze_time(TODAY)
def test_the_upload_page_shows_the_errors_and_offers_the_report(admin, unit):
    client = signed_in(admin, f"unit:{unit.pk}")
    bad = id_number()[:-1] + "Z"

    page = client.post("/insurance/unit/staff/changes/", {"file": upload(xlsx([enrol(bad, "甲")]))})

    text = page.content.decode()
    assert page.status_code == 200 and "第2行" in text and "未被接收" in text
    report_url = text.split('href="/insurance/unit/staff/changes/report/')[1].split('"')[0]
    report = client.get(f"/insurance/unit/staff/changes/report/{report_url}")
    assert report.status_code == 200 and report.content.startswith(b"PK")
    other = signed_in(make_member(unit, UnitMembership.Role.ADMIN), f"unit:{unit.pk}")
    assert other.get(f"/insurance/unit/staff/changes/report/{report_url}").status_code == 404


@freeze_time(TODAY)
def test_a_person_in_a_roster_under_review_cannot_be_filed_again(actor, unit):
    number = id_number()
    first, _ = staff_changes_submit(
        actor=actor, unit=unit, file=upload(xlsx([enrol(number, "甲")]))
    )
    other = id_number()
    before = snapshot()

    with pytest.raises(LinesRefused) as refused:
        staff_changes_submit(
            actor=actor, unit=unit, file=upload(xlsx([enrol(other, "乙"), enrol(number, "甲")]))
        )

    assert refused.value.code == "ROSTER_CONFLICT"
    assert [(p.line, p.column) for p in refused.value.problems] == [(3, "公民身份号码")]
    assert first.number in refused.value.problems[0].reason
    assert snapshot() == before
