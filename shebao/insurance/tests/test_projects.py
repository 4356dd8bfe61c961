"""工程建设项目人员登记维护: a project insured by project, its workers' entry and leaving, its
completion; the overlap rule of project cover, as examples and as a property."""

from __future__ import annotations

from datetime import date

import pytest
from freezegun import freeze_time
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shebao.accounts.actors import actor_for
from shebao.accounts.models import UnitMembership
from shebao.applications import services as engine
from shebao.applications.models import Application
from shebao.common.errors import Conflict, InvalidInput
from shebao.common.periods import YearMonth
from shebao.insurance import projects, services
from shebao.insurance.models import (
    Category,
    ConstructionProject,
    EndReason,
    Insurance,
    Relation,
)
from shebao.insurance.services import Closing, LinesRefused, Opening
from shebao.insurance.tests.test_records import _apply, _approve
from shebao.registry.models import Person, Region
from shebao.testing import (
    id_number,
    make_individual,
    make_member,
    make_person,
    make_staff,
    make_unit,
    signed_in,
)

pytestmark = pytest.mark.django_db
M = YearMonth
ALL = (Insurance.PENSION, Insurance.MEDICAL, Insurance.UNEMPLOYMENT, Insurance.WORK_INJURY)
MATTER = "unit.construction_project_staff"


@pytest.fixture(autouse=True)
def _early_december():
    with freeze_time("2026-12-03 10:00:00+08:00"):
        yield


@pytest.fixture
def contractor(hall):
    return make_unit(name="吉林市北山建设工程有限公司")


@pytest.fixture
def contractor_admin(contractor):
    return make_member(contractor, UnitMembership.Role.ADMIN)


@pytest.fixture
def reviewer(hall):
    return make_staff(districts=("220202",))


@pytest.fixture
def project(contractor):
    return projects.construction_project_register(
        actor=None,
        unit=contractor,
        code="220204202611010101",
        name="船营区江畔小学教学楼工程",
        district=Region.objects.get(code="220204"),
        start_date=date(2026, 11, 1),
        planned_end_date=date(2028, 6, 30),
        contract_price_fen=4_860_000_000,
    )


def register_data(**extra) -> dict:
    return {
        "action": "project_register",
        "project_code": "220202202612010001",
        "project_name": "昌邑区松江路雨污分流改造工程",
        "project_district": "220202",
        "project_address": "吉林市昌邑区松江路",
        "start_date": "2026-12-10",
        "planned_end_date": "2027-10-31",
        "contract_price": "12800000.00",
        **extra,
    }


def worker_data(project, person, action="worker_add", day="2026-12-05") -> dict:
    return {
        "action": action,
        "project_code": project.code,
        "subject_id_number": person.id_number,
        "subject_name": person.name,
        "action_date": day,
    }


def records():
    return list(
        Relation.objects.order_by("pk").values_list("pk", "superseded_at", "end_month", "project")
    )


def test_registering_a_project_records_it_for_the_contractor(
    contractor, contractor_admin, reviewer
):
    assert not ConstructionProject.objects.exists()

    done = _approve(_apply(contractor, contractor_admin, MATTER, register_data()), reviewer)

    project = ConstructionProject.objects.get()
    assert (
        project.unit_id,
        project.code,
        project.district_id,
        project.start_date,
        project.planned_end_date,
        project.contract_price_fen,
        project.completed_on,
        project.application_id,
    ) == (
        contractor.pk,
        "220202202612010001",
        "220202",
        date(2026, 12, 10),
        date(2027, 10, 31),
        1_280_000_000,
        None,
        done.pk,
    )
    assert Relation.objects.count() == 0  # a project insures nobody until workers enter


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"project_name": ""}, "PROJECT_FIELDS_REQUIRED"),
        ({"project_district": "220200"}, "PROJECT_DISTRICT"),  # a city, not a district
        ({"planned_end_date": "2026-12-01"}, "INVALID_PERIOD"),
    ],
)
def test_a_project_registration_missing_what_it_needs_is_refused(
    contractor, contractor_admin, data, code
):
    with pytest.raises(InvalidInput) as refused:
        _apply(contractor, contractor_admin, MATTER, register_data(**data))

    assert refused.value.code == code
    assert not ConstructionProject.objects.exists()


def test_a_project_is_registered_once(contractor, contractor_admin, project):
    with pytest.raises(InvalidInput) as refused:
        _apply(contractor, contractor_admin, MATTER, register_data(project_code=project.code))

    assert refused.value.code == "PROJECT_EXISTS"
    assert ConstructionProject.objects.count() == 1


def test_a_worker_entering_the_site_gets_work_injury_cover_on_the_project(
    contractor, contractor_admin, project, reviewer, other_unit
):
    worker = make_person(name="项目工甲")
    # insured as an employee elsewhere (work injury included): no conflict with the project
    services.relations_open(
        actor=None, openings=[Opening(worker, ALL, M(2024, 1))], unit=other_unit
    )
    before = records()

    done = _approve(
        _apply(contractor, contractor_admin, MATTER, worker_data(project, worker)), reviewer
    )

    new = Relation.objects.current().filter(person=worker, project=project)
    assert [
        (
            r.insurance,
            r.category,
            r.unit_id,
            r.district_id,
            r.start_month,
            r.end_month,
            r.application_id,
        )
        for r in new
    ] == [
        (
            Insurance.WORK_INJURY,
            Category.PROJECT,
            contractor.pk,
            "220204",
            M(2026, 12),
            None,
            done.pk,
        )
    ]
    assert records()[: len(before)] == before  # the cover elsewhere is untouched


def test_a_worker_new_to_the_registry_is_registered_on_approval(
    contractor, contractor_admin, project, reviewer
):
    number = id_number(born="19880808")
    data = {
        "action": "worker_add",
        "project_code": project.code,
        "subject_id_number": number,
        "subject_name": "新来的",
        "action_date": "2026-12-03",
    }

    _approve(_apply(contractor, contractor_admin, MATTER, data), reviewer)

    person = Person.objects.get(id_number=number)
    assert Relation.objects.current().filter(person=person, project=project).count() == 1


def test_a_worker_added_twice_is_refused_and_nothing_is_written(
    contractor, contractor_admin, project, reviewer
):
    worker = make_person(name="项目工乙")
    _approve(_apply(contractor, contractor_admin, MATTER, worker_data(project, worker)), reviewer)
    before = records()

    with pytest.raises(InvalidInput) as refused:
        _apply(contractor, contractor_admin, MATTER, worker_data(project, worker, day="2027-01-04"))

    assert refused.value.code == "INSURANCE_CONFLICT"
    assert "已登记在本项目" in refused.value.message
    assert records() == before
    with pytest.raises(LinesRefused):  # the service refuses it too, whatever the caller
        projects.project_workers_add(
            actor=None, project=project, persons=[worker], month=M(2027, 1)
        )
    assert records() == before


def test_the_contractors_own_employee_is_not_added_to_its_project(
    contractor, contractor_admin, project
):
    staff = make_person(name="本单位职工")
    services.relations_open(actor=None, openings=[Opening(staff, ALL, M(2020, 1))], unit=contractor)
    before = records()

    with pytest.raises(InvalidInput) as refused:
        _apply(contractor, contractor_admin, MATTER, worker_data(project, staff))

    assert "按单位参加工伤保险" in refused.value.message
    assert records() == before


def test_an_ordinary_enrolment_by_the_contractor_does_not_double_a_project_worker(
    contractor, project, other_unit
):
    worker = make_person(name="项目工丙")
    projects.project_workers_add(actor=None, project=project, persons=[worker], month=M(2026, 12))

    with pytest.raises(LinesRefused) as refused:
        services.relations_open(
            actor=None, openings=[Opening(worker, ALL, M(2027, 1))], unit=contractor
        )
    assert "人员退场登记" in refused.value.problems[0].reason

    # another unit may enrol them: each unit a worker works for insures them
    rows = services.relations_open(
        actor=None, openings=[Opening(worker, ALL, M(2027, 1))], unit=other_unit
    )
    assert len(rows) == 4


def test_a_staff_termination_does_not_end_project_cover(contractor, project):
    worker = make_person(name="项目工丁")
    services.relations_open(
        actor=None, openings=[Opening(worker, (Insurance.PENSION,), M(2025, 1))], unit=contractor
    )
    projects.project_workers_add(actor=None, project=project, persons=[worker], month=M(2026, 12))

    services.relations_close(actor=None, closings=[Closing(worker, M(2027, 1))], unit=contractor)

    on_project = Relation.objects.current().get(person=worker, project=project)
    pension = Relation.objects.current().get(person=worker, insurance=Insurance.PENSION)
    assert on_project.end_month is None and pension.end_month == M(2026, 12)


def test_a_worker_leaving_the_site_is_covered_to_the_month_of_leaving(
    contractor, contractor_admin, project, reviewer
):
    worker = make_person(name="项目工戊")
    projects.project_workers_add(actor=None, project=project, persons=[worker], month=M(2026, 12))

    _approve(
        _apply(
            contractor,
            contractor_admin,
            MATTER,
            worker_data(project, worker, action="worker_remove", day="2027-01-15"),
        ),
        reviewer,
    )

    rows = list(Relation.objects.current().filter(person=worker, project=project))
    assert [(r.start_month, r.end_month, r.end_reason) for r in rows] == [
        (M(2026, 12), M(2027, 1), EndReason.LEAVE)
    ]
    with pytest.raises(InvalidInput) as again:
        _apply(
            contractor,
            contractor_admin,
            MATTER,
            worker_data(project, worker, action="worker_remove", day="2027-01-20"),
        )
    assert "已办理退场" in again.value.message


@pytest.mark.parametrize(
    ("action", "day", "code"),
    [
        ("worker_add", "2026-11-30", "OUTSIDE_OPEN_PERIOD"),  # entry before this month
        ("worker_add", "2027-03-01", "OUTSIDE_OPEN_PERIOD"),  # beyond the open period
        ("worker_remove", "2026-11-30", "OUTSIDE_OPEN_PERIOD"),
        ("worker_remove", "2026-12-20", "INSURANCE_NOT_OPEN"),  # never entered
    ],
)
def test_entry_and_leaving_outside_what_may_be_recorded_are_refused(
    contractor, contractor_admin, project, action, day, code
):
    worker = make_person(name="项目工己")
    before = records()

    with pytest.raises(InvalidInput) as refused:
        _apply(contractor, contractor_admin, MATTER, worker_data(project, worker, action, day))

    assert refused.value.code == code
    assert records() == before


def test_another_unit_cannot_maintain_the_project(hall, project, other_unit):
    admin = make_member(other_unit, UnitMembership.Role.ADMIN)
    worker = make_person(name="项目工庚")

    with pytest.raises(InvalidInput) as refused:
        _apply(other_unit, admin, MATTER, worker_data(project, worker))

    assert refused.value.code == "PROJECT_NOT_FOUND"


def test_completing_the_project_ends_its_workers_cover(
    contractor, contractor_admin, project, reviewer
):
    stays, left = make_person(name="留守"), make_person(name="先走")
    projects.project_workers_add(
        actor=None, project=project, persons=[stays, left], month=M(2026, 12)
    )
    projects.project_workers_remove(
        actor=None, project=project, persons=[left], last_month=M(2026, 12)
    )
    before = {r.pk: r.end_month for r in Relation.objects.current().filter(person=left)}

    done = _approve(
        _apply(
            contractor,
            contractor_admin,
            MATTER,
            {"action": "project_close", "project_code": project.code, "action_date": "2026-12-02"},
        ),
        reviewer,
    )

    project.refresh_from_db()
    assert project.completed_on == date(2026, 12, 2)
    ended = Relation.objects.current().get(person=stays, project=project)
    assert (ended.end_month, ended.end_reason, ended.application_id) == (
        M(2026, 12),
        EndReason.PROJECT_END,
        done.pk,
    )
    assert {r.pk: r.end_month for r in Relation.objects.current().filter(person=left)} == before
    with pytest.raises(Conflict):  # a completed project takes nobody
        _apply(contractor, contractor_admin, MATTER, worker_data(project, make_person(name="晚到")))
    with pytest.raises(Conflict):
        projects.construction_project_complete(
            actor=None, project=project, completed_on=date(2026, 12, 3)
        )


def test_a_completion_dated_in_the_future_is_refused(contractor, contractor_admin, project):
    with pytest.raises(InvalidInput) as refused:
        _apply(
            contractor,
            contractor_admin,
            MATTER,
            {"action": "project_close", "project_code": project.code, "action_date": "2026-12-31"},
        )
    assert refused.value.code == "PROJECT_NOT_COMPLETED"
    project.refresh_from_db()
    assert project.completed_on is None


def test_a_refused_approval_writes_nothing(contractor, contractor_admin, project, reviewer):
    worker = make_person(name="项目工辛")
    application = _apply(contractor, contractor_admin, MATTER, worker_data(project, worker))
    projects.construction_project_complete(
        actor=None, project=project, completed_on=date(2026, 12, 1)
    )
    before = records()
    staff = actor_for(reviewer, "staff")
    accepted = engine.application_accept(
        actor=staff, application=application, version=application.version
    )

    with pytest.raises(Conflict) as refused:
        engine.application_approve(actor=staff, application=accepted, version=accepted.version)

    assert refused.value.code == "PROJECT_COMPLETED"
    accepted.refresh_from_db()
    assert accepted.status == Application.Status.ACCEPTED
    assert records() == before


def test_the_roster_and_the_person_show_the_project(contractor, contractor_admin, project):
    worker = make_person(name="项目工壬")
    projects.project_workers_add(actor=None, project=project, persons=[worker], month=M(2026, 12))

    text = (
        signed_in(contractor_admin, f"unit:{contractor.pk}")
        .get("/insurance/unit/staff/")
        .content.decode()
    )
    assert "项目工壬" in text and f"项目：{project.name}" in text
    assert 'href="/matters/unit.construction_project_staff/"' in text

    mine = (
        signed_in(make_individual(person=worker), "individual")
        .get("/insurance/me/")
        .content.decode()
    )
    assert f"工程建设项目：{project.name}" in mine and "按项目参保人员" in mine


# ---------------------------------------------------------------- the overlap rule, as a property

MONTHS = st.integers(min_value=0, max_value=23).map(lambda i: M(2026, 1) + i)
OPS = st.lists(
    st.tuples(
        st.sampled_from(["add", "remove", "enrol", "leave"]),
        st.integers(0, 2),  # project 0/1, or (enrol/leave) payer 0 contractor / 1 other / 2
        MONTHS,
    ),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=OPS)
def test_project_cover_never_conflicts_with_what_it_may_not_share_a_month_with(hall, ops):
    contractor = make_unit(name="总承包公司")
    other = make_unit(name="其他单位")
    district = Region.objects.get(code="220204")
    sites = [
        projects.construction_project_register(
            actor=None,
            unit=contractor,
            code=f"P{contractor.pk}-{i}",
            name=f"项目{i}",
            district=district,
            start_date=date(2026, 1, 1),
            planned_end_date=date(2027, 12, 31),
        )
        for i in range(2)
    ]
    payers = [contractor, other, contractor]
    worker = make_person(name="流动")
    for op, which, month in ops:
        try:
            if op == "add":
                projects.project_workers_add(
                    actor=None, project=sites[which % 2], persons=[worker], month=month
                )
            elif op == "remove":
                projects.project_workers_remove(
                    actor=None, project=sites[which % 2], persons=[worker], last_month=month
                )
            elif op == "enrol":
                services.relations_open(
                    actor=None, openings=[Opening(worker, ALL, month)], unit=payers[which]
                )
            else:
                services.relations_close(
                    actor=None, closings=[Closing(worker, month)], unit=payers[which]
                )
        except (LinesRefused, InvalidInput):
            pass
    rows = list(Relation.objects.current().filter(person=worker))
    for a in rows:
        assert a.project_id is None or a.insurance == Insurance.WORK_INJURY
        for b in rows:
            if a.pk >= b.pk or a.insurance != b.insurance:
                continue
            share = a.start_month <= (b.end_month or M(2099, 12)) and b.start_month <= (
                a.end_month or M(2099, 12)
            )
            if not share:
                continue
            # the rule written out (not through relations_conflict, which it checks)
            assert not (a.project_id is None and b.project_id is None), (a, b)
            assert a.project_id != b.project_id, (a, b)  # never one project twice
            one_project = (a.project_id is None) != (b.project_id is None)
            assert not (one_project and a.unit_id == b.unit_id == contractor.pk), (a, b)
