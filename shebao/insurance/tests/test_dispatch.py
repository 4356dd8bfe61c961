"""劳务派遣用工调转: the records before and after, the checks at submission and approval, and the
property that a transfer leaves no month uncovered and none covered twice."""

from __future__ import annotations

from datetime import date

import pytest
from freezegun import freeze_time
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shebao.accounts.actors import actor_for
from shebao.accounts.models import UnitMembership
from shebao.accounts.tokens import token_issue
from shebao.applications import services as engine
from shebao.applications.models import Application
from shebao.common.errors import InvalidInput
from shebao.common.periods import YearMonth
from shebao.insurance import dispatch, selectors, services
from shebao.insurance.models import EndReason, Insurance, Relation, StartReason
from shebao.insurance.services import Closing, LinesRefused, Opening
from shebao.insurance.tests.test_records import _apply, _approve
from shebao.registry.models import Unit
from shebao.testing import (
    credit_code,
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


@pytest.fixture(autouse=True)
def _early_december():
    with freeze_time("2026-12-03 10:00:00+08:00"):
        yield


@pytest.fixture
def agency(hall):
    unit = make_unit(name="吉林市江城人力资源服务有限公司")
    dispatch.dispatch_licence_record(
        actor=None,
        unit=unit,
        number="220202202500001",
        valid_from=date(2025, 1, 1),
        valid_to=date(2027, 12, 31),
        issued_by="吉林市昌邑区人力资源和社会保障局",
    )
    return unit


@pytest.fixture
def client_a(hall):
    return make_unit(name="吉林市松花江物流有限公司")


@pytest.fixture
def client_b(hall):
    return make_unit(name="吉林市船营区万达商业管理有限公司", district="220204")


@pytest.fixture
def agency_admin(agency):
    return make_member(agency, UnitMembership.Role.ADMIN)


@pytest.fixture
def reviewer(hall):
    return make_staff(districts=("220202",))


def placed(person, agency, client, start=None):
    """The worker insured by the agency from ``start`` (March 2025), serving ``client``."""
    start = start or M(2025, 3)
    return services.relations_open(
        actor=None,
        openings=[Opening(person, ALL, start, client_unit=client)],
        unit=agency,
        district=client.district,
    )


def roster_text(user, unit) -> str:
    return signed_in(user, f"unit:{unit.pk}").get("/insurance/unit/staff/").content.decode()


def transfer_data(person, client, month="2027-01", **extra) -> dict:
    return {
        "subject_id_number": person.id_number,
        "subject_name": person.name,
        "user_unit_name": client.name,
        "user_unit_credit_code": client.credit_code,
        "transfer_month": month,
        **extra,
    }


def records():
    return list(
        Relation.objects.order_by("pk").values_list(
            "pk", "superseded_at", "end_month", "client_unit_id"
        )
    )


def current(person):
    return list(
        Relation.objects.current().filter(person=person).order_by("insurance", "start_month")
    )


def test_a_transfer_ends_the_old_placement_and_starts_the_new_one_in_one_step(
    agency, agency_admin, client_a, client_b, reviewer
):
    worker = make_person(name="派遣甲")
    placed(worker, agency, client_a)
    assert {(r.start_month, r.end_month, r.client_unit_id) for r in current(worker)} == {
        (M(2025, 3), None, client_a.pk)
    }

    done = _approve(
        _apply(agency, agency_admin, "unit.dispatch_transfer", transfer_data(worker, client_b)),
        reviewer,
    )

    rows = current(worker)
    assert done.status == Application.Status.APPROVED
    assert sorted(
        (
            r.insurance,
            r.start_month,
            r.end_month,
            r.client_unit_id,
            r.unit_id,
            r.district_id,
            r.start_reason,
            r.end_reason,
        )
        for r in rows
    ) == sorted(
        [
            (i, M(2025, 3), M(2026, 12), client_a.pk, agency.pk, "220202", "enrol", "dispatch")
            for i in ALL
        ]
        + [(i, M(2027, 1), None, client_b.pk, agency.pk, "220204", "dispatch", "") for i in ALL]
    )
    assert all(r.application_id == done.pk for r in rows)
    # the old versions stay in the history
    assert Relation.objects.filter(person=worker, superseded_at__isnull=False).count() == 4
    assert done.events.get(action="approve").data["effect"]["client_unit"] == client_b.credit_code


def test_a_first_placement_can_be_recorded_for_a_worker_enrolled_without_one(
    agency, agency_admin, client_b, reviewer
):
    worker = make_person(name="派遣乙")
    services.relations_open(actor=None, openings=[Opening(worker, ALL, M(2026, 1))], unit=agency)

    _approve(
        _apply(agency, agency_admin, "unit.dispatch_transfer", transfer_data(worker, client_b)),
        reviewer,
    )

    now = [r for r in current(worker) if r.end_month is None]
    assert {(r.client_unit_id, r.start_month, r.start_reason) for r in now} == {
        (client_b.pk, M(2027, 1), StartReason.DISPATCH)
    }


def test_a_unit_that_is_not_a_dispatch_agency_is_refused(hall, unit, client_a, client_b):
    worker = make_person(name="派遣丙")
    placed(worker, unit, client_a)
    admin = make_member(unit, UnitMembership.Role.ADMIN)
    before = records()

    with pytest.raises(InvalidInput) as refused:
        _apply(unit, admin, "unit.dispatch_transfer", transfer_data(worker, client_b))

    assert refused.value.code == "DISPATCH_NOT_LICENSED"
    assert records() == before
    assert not Application.objects.filter(unit=unit).exists()  # not even a draft


def test_an_expired_licence_does_not_let_a_unit_dispatch(hall, client_a, client_b):
    lapsed = make_unit(name="吉林市过期劳务派遣有限公司")
    dispatch.dispatch_licence_record(
        actor=None,
        unit=lapsed,
        number="220202202000009",
        valid_from=date(2020, 1, 1),
        valid_to=date(2022, 12, 31),
    )
    worker = make_person(name="派遣丁")
    placed(worker, lapsed, client_a)

    with pytest.raises(InvalidInput) as refused:
        _apply(
            lapsed,
            make_member(lapsed, UnitMembership.Role.ADMIN),
            "unit.dispatch_transfer",
            transfer_data(worker, client_b),
        )

    assert refused.value.code == "DISPATCH_NOT_LICENSED"


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("agency_itself", "DISPATCH_CLIENT_IS_AGENCY"),
        ("same_client", "DISPATCH_SAME_CLIENT"),
        ("inactive", "DISPATCH_CLIENT_INACTIVE"),
        ("unknown", "DISPATCH_CLIENT_NOT_FOUND"),
        ("wrong_name", "DISPATCH_CLIENT_NAME_MISMATCH"),
        ("not_insured", "DISPATCH_NOT_INSURED"),
        ("month_passed", "OUTSIDE_OPEN_PERIOD"),
        ("month_too_far", "OUTSIDE_OPEN_PERIOD"),
        ("leaving", "DISPATCH_RELATION_ENDING"),
        ("new_this_month", "DISPATCH_BEFORE_START"),
    ],
)
def test_a_transfer_that_cannot_be_made_is_refused_at_submission_and_writes_nothing(
    agency, agency_admin, client_a, client_b, case, code
):
    worker = make_person(name="派遣戊")
    data = transfer_data(worker, client_b)
    if case == "new_this_month":
        placed(worker, agency, client_a, start=M(2027, 1))
    elif case != "not_insured":
        placed(worker, agency, client_a)
    if case == "agency_itself":
        data = transfer_data(worker, agency)
    elif case == "same_client":
        data = transfer_data(worker, client_a)
    elif case == "inactive":
        Unit.objects.filter(pk=client_b.pk).update(status=Unit.Status.SUSPENDED)
    elif case == "unknown":
        data["user_unit_credit_code"] = credit_code()
    elif case == "wrong_name":
        data["user_unit_name"] = "吉林市另一家公司"
    elif case == "month_passed":
        data["transfer_month"] = "2026-11"
    elif case == "month_too_far":
        data["transfer_month"] = "2027-02"
    elif case == "leaving":
        services.relations_close(actor=None, closings=[Closing(worker, M(2027, 2))], unit=agency)
    before = records()

    with pytest.raises(InvalidInput) as refused:
        _apply(agency, agency_admin, "unit.dispatch_transfer", data)

    assert refused.value.code == code
    assert records() == before


def test_a_change_after_submission_refuses_the_approval_and_writes_nothing(
    agency, agency_admin, client_a, client_b, reviewer
):
    worker = make_person(name="派遣己")
    placed(worker, agency, client_a)
    application = _apply(
        agency, agency_admin, "unit.dispatch_transfer", transfer_data(worker, client_b)
    )
    Unit.objects.filter(pk=client_b.pk).update(status=Unit.Status.CANCELLED)
    before = records()
    staff = actor_for(reviewer, "staff")
    accepted = engine.application_accept(
        actor=staff, application=application, version=application.version
    )

    with pytest.raises(InvalidInput) as refused:
        engine.application_approve(actor=staff, application=accepted, version=accepted.version)

    assert refused.value.code == "DISPATCH_CLIENT_INACTIVE"
    accepted.refresh_from_db()
    assert accepted.status == Application.Status.ACCEPTED
    assert records() == before


def test_the_roster_the_person_and_the_api_show_the_client_unit(
    agency, agency_admin, client_a, client_b, reviewer
):
    worker = make_person(name="派遣庚")
    placed(worker, agency, client_a)
    _approve(
        _apply(agency, agency_admin, "unit.dispatch_transfer", transfer_data(worker, client_b)),
        reviewer,
    )

    roster = signed_in(agency_admin, f"unit:{agency.pk}").get("/insurance/unit/staff/")
    assert roster.status_code == 200
    text = roster.content.decode()
    # this month at the old client, from next month at the new one
    assert "用工单位或项目" in text
    assert f"派遣至{client_a.name}；2027年1月起派遣至{client_b.name}" in text
    assert 'href="/matters/unit.dispatch_transfer/"' in text  # the agency's own button
    with freeze_time("2027-01-04 10:00:00+08:00"):
        text = roster_text(agency_admin, agency)
        cover = selectors.person_cover(actor=None, person=worker)
    assert f"派遣至{client_b.name}" in text and client_a.name not in text
    # the spell with the agency runs on through the transfer
    assert "2025年3月" in text and "2027年1月" not in text
    assert {(c.relation.client_unit_id, c.since) for c in cover} == {(client_b.pk, M(2025, 3))}

    user = make_individual(person=worker)
    mine = signed_in(user, "individual").get("/insurance/me/").content.decode()
    assert f"派遣至用工单位：{client_b.name}" in mine and f"派遣至用工单位：{client_a.name}" in mine
    token = token_issue(user=user, context="individual")
    body = (
        signed_in(user, "individual")
        .get("/api/v1/me/insurance", HTTP_AUTHORIZATION=f"Bearer {token}")
        .json()
    )
    assert {
        (r["start_month"], r["client_unit"]["credit_code"], r["payer"]["credit_code"])
        for r in body["relations"]
    } == {
        ("2025-03", client_a.credit_code, agency.credit_code),
        ("2027-01", client_b.credit_code, agency.credit_code),
    }


def test_a_roster_without_dispatched_workers_or_projects_has_no_placement_column(hall, unit):
    services.relations_open(
        actor=None, openings=[Opening(make_person(name="普通"), ALL, M(2025, 1))], unit=unit
    )
    admin = make_member(unit, UnitMembership.Role.ADMIN)

    text = signed_in(admin, f"unit:{unit.pk}").get("/insurance/unit/staff/").content.decode()

    assert "普通" in text and "用工单位或项目" not in text
    assert "unit.dispatch_transfer" not in text and "unit.construction_project_staff" not in text


# ---------------------------------------------------------------- no gap, no overlap


def covered_by(rows, insurance):
    """month → (unit, client) of the current relations of one insurance (months up to 2029)."""
    months: dict[YearMonth, list[tuple]] = {}
    for row in rows:
        if row.insurance != insurance:
            continue
        end = row.end_month or M(2029, 12)
        for i in range(end - row.start_month + 1):
            months.setdefault(row.start_month + i, []).append((row.unit_id, row.client_unit_id))
    return months


OPS = st.lists(
    st.tuples(
        st.sampled_from(["transfer", "transfer", "transfer", "enrol", "leave", "other_enrol"]),
        st.integers(0, 3),  # which client (3: the agency itself, always refused)
        st.integers(min_value=0, max_value=35).map(lambda i: M(2025, 1) + i),
        st.sampled_from([ALL, (Insurance.PENSION, Insurance.WORK_INJURY)]),
    ),
    min_size=1,
    max_size=10,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(first=st.sampled_from([ALL, (Insurance.PENSION, Insurance.WORK_INJURY)]), ops=OPS)
def test_a_transfer_never_leaves_a_gap_or_an_overlap(hall, first, ops):
    agency = make_unit(name="派遣公司")
    dispatch.dispatch_licence_record(
        actor=None,
        unit=agency,
        number="L1",
        valid_from=date(2020, 1, 1),
        valid_to=date(2030, 12, 31),
    )
    other = make_unit(name="其他公司")
    clients = [
        make_unit(name=f"用工单位{i}", district=d)
        for i, d in enumerate(("220202", "220204", "220204"))
    ]
    clients.append(agency)
    worker = make_person(name="周转")
    services.relations_open(
        actor=None,
        openings=[Opening(worker, first, M(2025, 1))],
        unit=agency,
    )
    for op, which, month, insurances in ops:
        before = list(Relation.objects.current().filter(person=worker))
        try:
            if op == "enrol":
                services.relations_open(
                    actor=None,
                    openings=[Opening(worker, insurances, month, client_unit=clients[which % 3])],
                    unit=agency,
                )
            elif op == "other_enrol":
                services.relations_open(
                    actor=None, openings=[Opening(worker, insurances, month)], unit=other
                )
            elif op == "leave":
                services.relations_close(actor=None, closings=[Closing(worker, month)], unit=agency)
            else:
                dispatch.dispatch_transfer(
                    actor=None,
                    agency=agency,
                    person=worker,
                    client=clients[which],
                    month=month,
                    on=date(2026, 12, 3),
                )
        except (LinesRefused, InvalidInput):
            assert sorted(r.pk for r in Relation.objects.current().filter(person=worker)) == sorted(
                r.pk for r in before
            )
            continue
        after = list(Relation.objects.current().filter(person=worker))
        for insurance in Insurance.values:
            months = covered_by(after, insurance)
            assert all(len(holders) == 1 for holders in months.values()), (insurance, months)
            if op == "transfer":
                was = covered_by(before, insurance)
                assert set(months) == set(was)  # no month gained or lost
                for m, [(payer, client)] in months.items():
                    if m >= month and was[m][0][0] == agency.pk:
                        assert (payer, client) == (agency.pk, clients[which].pk)
                    else:
                        assert (payer, client) == was[m][0]
        if op == "transfer":
            moved = [r for r in after if r.start_month == month and r.unit_id == agency.pk]
            assert moved and all(r.start_reason == StartReason.DISPATCH for r in moved)
            ended = [r for r in after if r.end_month == month - 1 and r.unit_id == agency.pk]
            assert {r.insurance for r in ended} == {r.insurance for r in moved}
            assert all(r.end_reason == EndReason.DISPATCH for r in ended)


def test_the_client_unit_sees_the_workers_placed_with_it_masked_and_no_one_else(
    hall, agency, client_a, client_b
):
    worker = make_person(name="派遣甲")
    placed(worker, agency, client_a)
    placed(make_person(name="派遣乙"), agency, client_b)
    leaver = make_person(name="已离开")
    placed(leaver, agency, client_a)
    services.relations_close(
        actor=None,
        closings=[Closing(leaver, M(2026, 6))],
        unit=agency,
    )
    admin = make_member(client_a, UnitMembership.Role.ADMIN)

    text = roster_text(admin, client_a)
    rows = selectors.dispatched_to(actor=actor_for(admin, f"unit:{client_a.pk}"), unit=client_a)

    assert "劳务派遣至本单位的人员（1人）" in text and agency.name in text
    assert [(r.name, r.agency, r.since) for r in rows] == [("派遣甲", agency.name, M(2025, 3))]
    assert worker.id_number not in text and rows[0].id_number_masked in text
    assert "派遣乙" not in text and "已离开" not in text
    # the agency's own roster has no such section
    assert "劳务派遣至本单位" not in roster_text(
        make_member(agency, UnitMembership.Role.ADMIN), agency
    )
