"""Mid-year upward adjustment (上调): a unit raises a base from a past month; on approval the
months it reaches back to are assessed again and the difference goes into the next bill as
adjustment lines, exactly to the fen, once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from shebao.applications import services as engine
from shebao.applications.demo import SAMPLE_PDF
from shebao.applications.selectors import matter_for_applicant
from shebao.calculators.services import contribution_calculate
from shebao.common.errors import InvalidInput
from shebao.common.money import from_fen
from shebao.common.periods import YearMonth
from shebao.contributions.assessment import month_assess
from shebao.contributions.models import Bill, ContributionAdjustment, ContributionBase
from shebao.contributions.raises import into_month
from shebao.contributions.selectors import base_in_force
from shebao.contributions.tests.conftest import declare_bases, enrol
from shebao.contributions.trueup import Scope, adjust_months

pytestmark = pytest.mark.django_db

JANUARY, FEBRUARY, MARCH = YearMonth(2020, 1), YearMonth(2020, 2), YearMonth(2020, 3)
APRIL = YearMonth(2020, 4)


@pytest.fixture(autouse=True)
def in_april_2020():
    """The unit raises the base in April 2020, reaching back to February."""
    from freezegun import freeze_time

    with freeze_time("2020-04-15 10:00:00+08:00"):
        yield


@pytest.fixture
def assessed(jilin, unit):
    from shebao.insurance.services import unit_injury_class_set

    unit_injury_class_set(actor=None, unit=unit, injury_class=3, month=JANUARY)
    a, b = enrol(unit, "刘一", "陈二")
    declare_bases(unit, [(a, "5000"), (b, "6000")])
    for month in (JANUARY, FEBRUARY, MARCH):
        month_assess(region=jilin, month=month)
    return a, b


def file_raise(admin, person, *, new="8000", current="5000", month=FEBRUARY):
    matter = matter_for_applicant(actor=admin, code="unit.base_raise")
    application, _ = engine.application_create(
        actor=admin,
        matter=matter,
        data={
            "subject_id_number": person.id_number,
            "subject_name": person.name,
            "current_base": current,
            "new_base": new,
            "effective_month": str(month),
            "raise_reason": "wage_increase",
        },
    )
    engine.material_upload(
        actor=admin,
        application=application,
        code="wage_records",
        file=SimpleUploadedFile("工资发放凭证.pdf", SAMPLE_PDF, "application/pdf"),
    )
    application.refresh_from_db()
    return engine.application_submit(
        actor=admin, application=application, version=application.version
    )


def approve(reviewer, application):
    application = engine.application_accept(
        actor=reviewer, application=application, version=application.version
    )
    return engine.application_approve(
        actor=reviewer, application=application, version=application.version
    )


def test_a_raise_from_a_past_month_carries_the_difference_into_the_next_bill(
    jilin, unit, admin, reviewer, assessed
):
    a, b = assessed
    application = file_raise(admin, a)

    approved = approve(reviewer, application)

    assert approved.status == "completed"
    record = base_in_force(unit_id=unit.pk, person_id=a.pk, month=MARCH)
    assert (record.wage_fen, record.valid_from) == (800000, FEBRUARY)
    old = base_in_force(unit_id=unit.pk, person_id=a.pk, month=JANUARY)
    assert (old.wage_fen, old.valid_to) == (500000, JANUARY)
    into = into_month(unit=unit, today=YearMonth.of(timezone.localdate()))
    assert into == APRIL
    adjustments = list(
        ContributionAdjustment.objects.filter(person=a).order_by("month", "insurance")
    )
    assert {x.month for x in adjustments} == {FEBRUARY, MARCH}
    assert all(x.cause == "base_raise" and x.bill.month == into for x in adjustments)
    assert not ContributionAdjustment.objects.filter(person=b).exists()
    # Each difference is the rule on the month's parameters at 8,000 minus at 5,000.
    for adjustment in adjustments:
        after = contribution_calculate(
            region="220200", month=adjustment.month, wage=Decimal("8000"), injury_class=3
        )
        before = contribution_calculate(
            region="220200", month=adjustment.month, wage=Decimal("5000"), injury_class=3
        )
        (new,) = [x for x in after.lines if x.insurance == adjustment.insurance]
        (was,) = [x for x in before.lines if x.insurance == adjustment.insurance]
        assert from_fen(adjustment.unit_diff_fen) == new.unit - was.unit
        assert from_fen(adjustment.individual_diff_fen) == new.individual - was.individual
    pension = [x for x in adjustments if x.insurance == "pension"]
    assert [(x.unit_diff_fen, x.individual_diff_fen) for x in pension] == [(48000, 24000)] * 2
    bill = Bill.objects.get(unit=unit, month=into)
    assert bill.adjustment_count == len(adjustments)
    assert bill.adjustment_unit_fen == sum(x.unit_diff_fen for x in adjustments)
    assert bill.adjustment_individual_fen == sum(x.individual_diff_fen for x in adjustments)


def test_the_raise_is_carried_once_whatever_the_reruns(jilin, unit, admin, reviewer, assessed):
    a, _b = assessed
    approve(reviewer, file_raise(admin, a))
    count = ContributionAdjustment.objects.count()
    into = into_month(unit=unit, today=YearMonth.of(timezone.localdate()))

    again = adjust_months(
        region=jilin,
        months=[FEBRUARY, MARCH],
        into=into,
        cause="base_raise",
        scope=Scope(unit_id=unit.pk, person_ids=(a.pk,)),
    )

    assert again == 0 and ContributionAdjustment.objects.count() == count


def test_a_raise_must_be_upward_within_the_ceiling_and_on_the_roster(
    unit, admin, assessed, other_person
):
    a, _b = assessed
    with pytest.raises(InvalidInput) as error:
        file_raise(admin, a, new="4000", current="5000")
    assert error.value.code == "BASE_RAISE_NOT_UPWARD"
    with pytest.raises(InvalidInput) as error:
        file_raise(admin, a, new="5000", current="4000")
    assert error.value.code == "BASE_RAISE_NOT_UPWARD"  # 5,000 is the base in force already
    with pytest.raises(InvalidInput) as error:
        file_raise(admin, a, new="20000", current="5000")
    assert error.value.code == "BASE_RAISE_ABOVE_CEILING"
    with pytest.raises(InvalidInput) as error:
        file_raise(admin, other_person, new="8000", current="5000")
    assert error.value.code == "BASE_RAISE_NOT_ON_ROSTER"
    assert ContributionBase.objects.count() == 2 and not ContributionAdjustment.objects.exists()


def test_the_reviewer_sees_the_base_in_force_the_new_one_and_the_months_reached_back(
    unit, admin, reviewer, assessed
):
    from shebao.testing import signed_in

    a, _b = assessed
    application = file_raise(admin, a)

    text = signed_in(reviewer.user, "staff").get(f"/applications/{application.number}/")
    text = text.content.decode()

    assert "缴费基数调整核对（2020年2月起）" in text
    assert "5,000.00 元（申报工资 5,000.00 元" in text
    assert "<strong>8,000.00</strong>" in text
    assert "2020年2月、2020年3月" in text


def test_a_rights_statement_issued_before_the_raise_is_revoked_and_reissued(
    jilin, unit, admin, reviewer, assessed, django_capture_on_commit_callbacks
):
    from shebao.certificates.models import Certificate
    from shebao.certificates.services import certificate_issue

    a, b = assessed
    # given 个人权益单 of both employees, issued on the months as first assessed
    mine = certificate_issue(actor=None, kind="rights", person=a).certificate
    other = certificate_issue(actor=None, kind="rights", person=b).certificate

    # when a raise of 刘一's base from February is approved
    with django_capture_on_commit_callbacks(execute=True):
        approve(reviewer, file_raise(admin, a))

    # then his statement is revoked for one on the adjusted amounts; 陈二's stands
    mine.refresh_from_db()
    other.refresh_from_db()
    assert mine.status == Certificate.Status.REVOKED and mine.replaced_by is not None
    assert mine.replaced_by.content_digest != mine.content_digest
    assert other.status == Certificate.Status.VALID and other.replaced_by is None
