"""单位申报月报补缴: a past month's declaration for the employees it lacks — a relation recorded
after the month was assessed — by the month's own parameters, into one back-payment bill."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from freezegun import freeze_time

from shebao.applications import services as engine
from shebao.applications.demo import SAMPLE_PDF
from shebao.applications.selectors import matter_for_applicant
from shebao.calculators.services import contribution_calculate
from shebao.common.errors import InvalidInput
from shebao.common.money import from_fen
from shebao.common.periods import YearMonth
from shebao.contributions.assessment import month_assess
from shebao.contributions.explain import line_explain
from shebao.contributions.models import BackPayment, Bill, ContributionLine
from shebao.contributions.tests.conftest import enrol

pytestmark = pytest.mark.django_db

JUNE = YearMonth(2020, 6)


@pytest.fixture
def late_relation(jilin, unit):
    """Two employees assessed for June; a third recorded afterwards from May."""
    from shebao.insurance.services import unit_injury_class_set

    unit_injury_class_set(actor=None, unit=unit, injury_class=3, month=YearMonth(2020, 1))
    enrol(unit, "刘一", "陈二")
    month_assess(region=jilin, month=JUNE)
    (late,) = enrol(unit, "王迟", start=YearMonth(2020, 5))
    return late


def file_monthly(admin, *, period="2020-06", staff_count=1):
    matter = matter_for_applicant(actor=admin, code="unit.monthly_back_payment")
    application, _ = engine.application_create(
        actor=admin,
        matter=matter,
        data={"period": period, "staff_count": staff_count, "reason": "职工增员迟报"},
    )
    engine.material_upload(
        actor=admin,
        application=application,
        code="back_payment_roster",
        file=SimpleUploadedFile("明细表.pdf", SAMPLE_PDF, "application/pdf"),
    )
    application.refresh_from_db()
    return engine.application_submit(
        actor=admin, application=application, version=application.version
    )


def test_the_months_missing_employee_is_back_paid_by_the_months_rule(
    jilin, unit, admin, reviewer, late_relation
):
    from shebao.contributions.tests.test_backpay import approve

    with freeze_time("2020-08-10 10:00:00+08:00"):
        application = file_monthly(admin)
        assert application.acceptance_mode == "direct"
        approve(reviewer, application)

        record = BackPayment.objects.get(application=application)
        assert (record.kind, record.person, record.first_month) == ("monthly", None, JUNE)
        lines = list(ContributionLine.objects.filter(bill=record.bill).order_by("insurance"))
        assert {x.person_id for x in lines} == {late_relation.pk}
        assert [x.insurance for x in lines] == ["medical", "pension", "unemployment", "work_injury"]
        calculated = contribution_calculate(
            region="220200", month=JUNE, wage=Decimal("0"), injury_class=3
        )
        for line in lines:
            (share,) = [x for x in calculated.lines if x.insurance == line.insurance]
            assert (line.base_source, from_fen(line.base_fen)) == ("floor", calculated.base)
            assert (from_fen(line.unit_fen), from_fen(line.individual_fen)) == (
                share.unit,
                share.individual,
            )
            assert line_explain(line).matches
        total = from_fen(sum(x.unit_fen + x.individual_fen for x in lines))
        # June was payable by 30 June: 1 July to 9 August, 40 days at 0.05%.
        expected = (total * Decimal("0.0005") * 40).quantize(Decimal("0.01"), ROUND_HALF_UP)
        assert from_fen(record.bill.backpay_late_fee_fen) == expected
        # The month's own bill is untouched, and a rerun of the month adds nothing.
        june = Bill.objects.get(kind="monthly", month=JUNE, unit=unit)
        assert june.line_count == 8
        month_assess(region=jilin, month=JUNE)
        assert ContributionLine.objects.filter(month=JUNE).count() == 12
        assert Bill.objects.get(pk=june.pk).line_count == 8


def test_a_wrong_count_or_nothing_missing_is_refused(jilin, unit, admin, reviewer, late_relation):
    from shebao.contributions.tests.test_backpay import approve

    with freeze_time("2020-08-10 10:00:00+08:00"):
        with pytest.raises(InvalidInput) as caught:
            file_monthly(admin, staff_count=3)
        assert caught.value.code == "BACKPAY_STAFF_COUNT_MISMATCH"
        assert "系统核对2020年6月应补缴1人" in caught.value.message
        approve(reviewer, file_monthly(admin))
        with pytest.raises(InvalidInput) as caught:
            file_monthly(admin)
        assert caught.value.code == "BACKPAY_MONTHS_ALREADY_PAID"
        assert Bill.objects.filter(kind="backpay").count() == 1
