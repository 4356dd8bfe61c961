"""稳岗返还: eligibility from the unit's records (contributions paid, no arrears, the layoff
rate from the relations' ends and their reasons), the amount exactly to the fen, the matter's
approval paying the unit once, and the unit's page with the explanation.

The unit is assessed for every month of 2021 and pays each bill at the counter; it applies in
March 2022 (the 2022 policy records: 人社部发〔2022〕23号)."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from shebao.applications import services as engine
from shebao.applications.demo import SAMPLE_PDF
from shebao.applications.selectors import matter_for_applicant
from shebao.common.errors import Conflict
from shebao.common.periods import YearMonth
from shebao.contributions.models import Bill, ContributionLine
from shebao.retention import rules
from shebao.retention.models import RetentionRefund
from shebao.testing import signed_in

pytestmark = pytest.mark.django_db

YEAR = 2021
ACCOUNT = "6222020200112233446"


@pytest.fixture(autouse=True)
def in_march_2022(settings, tmp_path):
    from freezegun import freeze_time

    settings.VAR_DIR = tmp_path
    with freeze_time("2022-03-15 10:00:00+08:00"):
        yield


@pytest.fixture
def hall(reference_data):
    from shebao.catalogue.services import catalogue_load
    from shebao.policy.services import policy_load

    catalogue_load()
    policy_load()


JANUARY = YearMonth(YEAR, 1)


def _staff(unit, names, start=JANUARY):
    from shebao.contributions.models import ContributionBase
    from shebao.insurance.services import Opening, relations_open
    from shebao.testing import make_person

    persons = [make_person(name=n) for n in names]
    relations_open(
        actor=None,
        openings=[
            Opening(person=p, insurances=("pension", "unemployment"), start_month=start)
            for p in persons
        ],
        unit=unit,
    )
    for i, person in enumerate(persons):
        ContributionBase.objects.create(
            unit=unit,
            person=person,
            year=YEAR,
            valid_from=start,
            wage_fen=500_000 + 12_345 * i,
            recorded_at=timezone.now(),
        )
    return persons


def _leave(admin, unit, person, *, reason, stop):
    """The employee removed from ``stop`` on, the reason as 退工停保's form gives it."""
    from shebao.insurance.services import Closing, relations_close

    matter = matter_for_applicant(actor=admin, code="unit.staff_leave")
    application, _ = engine.application_create(
        actor=admin,
        matter=matter,
        data={
            "subject_id_number": person.id_number,
            "subject_name": person.name,
            "leave_reason": reason,
            "stop_month": str(stop),
        },
    )
    relations_close(
        actor=None,
        closings=[Closing(person=person, stop_month=stop)],
        unit=unit,
        application=application,
    )


@pytest.fixture
def world(hall):
    from shebao.insurance.services import unit_injury_class_set
    from shebao.testing import (
        make_finance_staff,
        make_member,
        make_staff,
        make_unit,
        staff_actor,
        unit_actor,
    )

    unit = make_unit(name="吉林市松花江纺织有限公司")
    unit_injury_class_set(actor=None, unit=unit, injury_class=3, month=YearMonth(YEAR, 1))
    persons = _staff(unit, ["刘一", "陈二", "张三", "李四", "王五"])
    return {
        "unit": unit,
        "persons": persons,
        "admin": unit_actor(make_member(unit, "admin"), unit),
        "finance": staff_actor(make_finance_staff()),
        "reviewer": staff_actor(make_staff(department="unemployment")),
    }


def _assess_and_pay(world, *, skip=()):
    from shebao.contributions.assessment import month_assess
    from shebao.contributions.dues import amount_due
    from shebao.payments.services import counter_pay
    from shebao.registry.models import Region

    jilin = Region.objects.get(code="220200")
    for m in range(1, 13):
        month_assess(region=jilin, month=YearMonth(YEAR, m))
    for bill in Bill.objects.filter(unit=world["unit"]).order_by("month"):
        if bill.month.month in skip:
            continue
        counter_pay(
            actor=world["finance"],
            bill=bill,
            amount=amount_due(bill, timezone.localdate()),
            slip=bill.number,
        )


def _expected_fen(unit, pct):
    lines = ContributionLine.objects.filter(
        payer_id=unit.pk, payer_kind="unit", insurance="unemployment"
    )
    paid = sum(x.unit_fen + x.individual_fen for x in lines)
    return paid, int((Decimal(paid) * pct).quantize(Decimal(1), ROUND_HALF_UP))


def test_a_unit_without_layoffs_that_paid_every_month_gets_60_percent(world):
    _assess_and_pay(world)

    result = rules.assess(unit=world["unit"], year=YEAR)

    paid, amount = _expected_fen(world["unit"], Decimal("0.6"))
    assert result.eligible and result.available
    assert (result.paid_months, result.arrears, result.layoffs) == (12, [], [])
    assert result.staff_avg == Decimal("5.00") and result.large is False
    assert (result.paid_fen, result.pct, result.amount_fen) == (paid, Decimal("0.6"), amount)
    assert paid > 0 and amount > 0
    sources = {s.source for s in result.sources}
    assert "《关于做好失业保险稳岗位提技能防失业工作的通知》（人社部发〔2022〕23号）" in sources
    assert "本系统演示取值" in sources  # the large-enterprise threshold by headcount


def test_an_unpaid_month_is_arrears_and_too_few_months(world):
    _assess_and_pay(world, skip=(11,))

    result = rules.assess(unit=world["unit"], year=YEAR)

    assert not result.eligible
    assert result.paid_months == 11
    november = Bill.objects.get(unit=world["unit"], month=YearMonth(YEAR, 11))
    assert result.arrears == [november.number]
    assert [c.label for c in result.unmet] == ["足额缴纳失业保险费", "无欠费"]


def test_the_layoff_rate_counts_only_separations_the_unit_initiated(world):
    a, b, *_ = world["persons"]
    _leave(world["admin"], world["unit"], a, reason="contract_expired", stop=YearMonth(YEAR, 7))
    _assess_and_pay(world)
    result = rules.assess(unit=world["unit"], year=YEAR)
    assert result.eligible and result.layoffs == []  # an expired contract is not a layoff

    _leave(world["admin"], world["unit"], b, reason="unit_dismissal", stop=YearMonth(YEAR, 10))
    result = rules.assess(unit=world["unit"], year=YEAR)
    # 5 for six months, 4 for three, 3 for three: 51 / 12 = 4.25 on average; 1 / 4.25.
    assert result.staff_avg == Decimal("4.25")
    assert result.layoffs == [("陈二", "2021年9月", "用人单位解除劳动合同")]
    assert result.layoff_rate == Decimal("0.2353")
    assert result.rate_cap == Decimal("0.2")  # 30 or fewer employees: 20%
    assert not result.eligible and [c.label for c in result.unmet] == ["裁员率"]
    assert "裁员率 23.53%，不得高于 20%" in result.unmet[0].detail


def _apply(world, *, year=YEAR + 1):
    admin = world["admin"]
    matter = matter_for_applicant(actor=admin, code="unit.job_retention_refund")
    application, _ = engine.application_create(
        actor=admin,
        matter=matter,
        data={
            "apply_year": year,
            "insured_staff": 5,
            "dismissed_staff": 0,
            "paid_premium": "1.00",
            "unit_bank_account": ACCOUNT,
            "contact_mobile": "13943110001",
        },
    )
    engine.material_upload(
        actor=admin,
        application=application,
        code="unit_account_proof",
        file=SimpleUploadedFile("开户许可证.pdf", SAMPLE_PDF, "application/pdf"),
    )
    application.refresh_from_db()
    return engine.application_submit(
        actor=admin, application=application, version=application.version
    )


def _journal() -> list[dict]:
    path = settings.VAR_DIR / "localbank" / "payouts.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_the_approval_grants_the_refund_once_and_pays_the_unit(world):
    _assess_and_pay(world)
    _paid, amount = _expected_fen(world["unit"], Decimal("0.6"))
    application = _apply(world)
    reviewer = world["reviewer"]
    application = engine.application_accept(
        actor=reviewer, application=application, version=application.version
    )
    approved = engine.application_approve(
        actor=reviewer, application=application, version=application.version
    )

    assert approved.status == "completed"
    grant = RetentionRefund.objects.get()
    assert (grant.unit, grant.year, grant.amount_fen) == (world["unit"], YEAR, amount)
    assert grant.paid_at is not None and grant.reference.startswith("LBTWG")
    (line,) = _journal()
    assert (line["account"], line["amount"], line["name"]) == (
        ACCOUNT,
        f"{Decimal(amount) / 100:.2f}",
        "吉林市松花江纺织有限公司",
    )

    with pytest.raises(Conflict) as refused:
        _apply(world)
    assert refused.value.code == "RETENTION_ALREADY_GRANTED"
    assert RetentionRefund.objects.count() == 1 and len(_journal()) == 1


def test_an_ineligible_unit_cannot_submit(world):
    _assess_and_pay(world, skip=(3,))
    with pytest.raises(Conflict) as refused:
        _apply(world)
    assert refused.value.code == "RETENTION_NOT_ELIGIBLE"
    assert "须满 12 个月" in refused.value.message
    assert not RetentionRefund.objects.exists()


def test_a_year_without_policy_is_unavailable(world):
    result = rules.assess(unit=world["unit"], year=2020)  # applied for in 2021: no records
    assert not result.available and not result.eligible
    with pytest.raises(Conflict) as refused:
        _apply(world, year=2021)
    assert refused.value.code == "RETENTION_NO_POLICY"


def test_the_unit_page_explains_its_eligibility(world):
    from shebao.testing import make_individual, make_member

    _assess_and_pay(world)
    _paid, amount = _expected_fen(world["unit"], Decimal("0.6"))
    client = signed_in(world["admin"].user, f"unit:{world['unit'].pk}")
    html = client.get("/retention/").content.decode()
    assert "2021年度" in html and "符合条件" in html
    assert f"{amount // 100:,}.{amount % 100:02d} 元" in html
    assert "人社部发〔2022〕23号" in html and "本系统演示取值" in html
    assert "中小微企业（月均参保 5.00 人）：60%" in html
    assert "/applications/new/unit.job_retention_refund/" in html
    assert client.get("/retention/?year=1999").status_code == 422

    operator = make_member(world["unit"], "operator")
    assert signed_in(operator, f"unit:{world['unit'].pk}").get("/retention/").status_code == 403
    assert signed_in(make_individual(), "individual").get("/retention/").status_code == 403
