"""普通企业稳岗返还 (``unit.job_retention_refund``, handler ``job_retention_refund``): the
unit applies for the year; eligibility and the amount come from its records
(:mod:`shebao.retention.rules`), not from the figures it typed in, which the reviewer sees
beside them. The approval grants the refund (one per unit and year) and pays it to the unit's
account through the bank channel's adapter, in the approval's transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from shebao.applications.handlers import MatterHandler, register
from shebao.common.errors import Conflict, InvalidInput
from shebao.common.money import money_str
from shebao.retention import rules
from shebao.retention.models import RetentionRefund

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor
    from shebao.applications.models import Application

HANDLER = "job_retention_refund"
MATTER = "unit.job_retention_refund"


def assessed_year(application: Application) -> int:
    """The year assessed: the one before the application's 申请年度."""
    return _year_before(application.data)


def _year_before(data: dict[str, Any]) -> int:
    try:
        apply_year = int(str(data.get("apply_year", "")).strip())
    except ValueError:
        raise InvalidInput(
            "请填写申请年度", code="APPLY_YEAR_INVALID", field="apply_year"
        ) from None
    this_year = timezone.localdate().year
    if not 2000 < apply_year <= this_year:
        raise InvalidInput(
            f"申请年度须为{this_year}年或以前的年度", code="APPLY_YEAR_INVALID", field="apply_year"
        )
    return apply_year - 1


def _refusal(assessment: rules.Assessment) -> Conflict | None:
    year = assessment.year
    if not assessment.available:
        return Conflict(f"{year + 1}年度没有稳岗返还政策", code="RETENTION_NO_POLICY")
    if not assessment.eligible:
        reasons = "；".join(c.detail for c in assessment.unmet) or "上年度没有实际缴纳失业保险费"
        return Conflict(f"不符合{year}年度稳岗返还条件：{reasons}", code="RETENTION_NOT_ELIGIBLE")
    if RetentionRefund.objects.filter(unit=assessment.unit, year=year).exists():
        return Conflict(f"本单位已享受{year}年度稳岗返还", code="RETENTION_ALREADY_GRANTED")
    return None


@register(HANDLER)
class RetentionRefundHandler(MatterHandler):
    auto_complete = True

    def validate(self, application: Application, data: dict[str, Any]) -> dict[str, Any]:
        if data.get("apply_year") not in (None, ""):
            _year_before(data)
        return data

    def check_submit(self, application: Application) -> None:
        if application.unit is None:
            raise InvalidInput("稳岗返还须由参保单位申请", code="UNIT_REQUIRED")
        refusal = _refusal(rules.assess(unit=application.unit, year=assessed_year(application)))
        if refusal is not None:
            raise refusal

    def reviewer_context(self, application: Application) -> dict[str, Any] | None:
        if application.unit is None:
            return None
        try:
            year = assessed_year(application)
        except InvalidInput:
            return None
        return {
            "template": "retention/_review.html",
            "assessment": rules.assess(unit=application.unit, year=year),
            "declared": {
                "staff": application.data.get("insured_staff", ""),
                "layoffs": application.data.get("dismissed_staff", ""),
                "paid": application.data.get("paid_premium", ""),
            },
        }

    def on_approved(self, application: Application, actor: Actor | None) -> dict[str, Any]:
        from shebao.common.identifiers import normalize_bank_account
        from shebao.payments.channels import adapter_for
        from shebao.payments.models import Channel

        unit = application.unit
        year = assessed_year(application)
        # Serialise the unit's grants of the year (the unique constraint is the last word).
        type(unit).objects.select_for_update().filter(pk=unit.pk).first()
        assessment = rules.assess(unit=unit, year=year)
        refusal = _refusal(assessment)
        if refusal is not None:
            raise refusal
        now = timezone.now()
        account = normalize_bank_account(
            "".join(str(application.data.get("unit_bank_account", "")).split()),
            field="unit_bank_account",
        )
        try:
            with transaction.atomic():
                grant = RetentionRefund.objects.create(
                    number=f"TMP{application.pk:020d}",
                    unit=unit,
                    year=year,
                    application=application,
                    staff_avg=assessment.staff_avg,
                    layoffs=len(assessment.layoffs),
                    layoff_rate=assessment.layoff_rate,
                    paid_fen=assessment.paid_fen,
                    pct=assessment.pct,
                    amount_fen=assessment.amount_fen,
                    account_number=account,
                    account_name=unit.name,
                    created_by=actor.user if actor is not None else None,
                    created_at=now,
                )
        except IntegrityError:
            raise Conflict(
                f"本单位已享受{year}年度稳岗返还", code="RETENTION_ALREADY_GRANTED"
            ) from None
        grant.number = f"WG{timezone.localtime(now):%Y%m%d}{grant.pk:010d}"
        grant.reference = adapter_for(Channel.BANK).payout(grant, actor)
        grant.paid_at = timezone.now()
        grant.save(update_fields=["number", "reference", "paid_at"])
        return {"retention": grant.number, "amount": money_str(grant.amount)}

    def result_context(self, application: Application) -> dict[str, Any] | None:
        grant = RetentionRefund.objects.filter(application=application).first()
        if grant is None:
            return None
        return {
            "template": "retention/_result.html",
            "number": grant.number,
            "year": grant.year,
            "amount": money_str(grant.amount),
            "account": grant.masked_account,
            "paid_at": grant.paid_at.isoformat() if grant.paid_at else "",
        }
