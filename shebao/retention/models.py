"""稳岗返还 (the stabilising-employment refund of unemployment insurance) granted to a unit for
a year: the figures it was computed from, the amount in integer fen and its payout."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from shebao.common.identifiers import mask_bank_account
from shebao.common.money import from_fen


class RetentionRefund(models.Model):
    """One unit's refund for one year assessed (上年度), made by the approval of its
    application and paid to the unit's account through the bank channel; one per unit and
    year."""

    number = models.CharField("返还单号", max_length=24, unique=True)
    unit = models.ForeignKey(
        "registry.Unit", verbose_name="参保单位", on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField("返还所属年度")
    application = models.OneToOneField(
        "applications.Application",
        verbose_name="申请",
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The figures of the year (what the explanation showed the reviewer).
    staff_avg = models.DecimalField("月均参保人数", max_digits=10, decimal_places=2)
    layoffs = models.PositiveIntegerField("裁员人数")
    layoff_rate = models.DecimalField("裁员率", max_digits=7, decimal_places=4)
    paid_fen = models.BigIntegerField("上年度实际缴纳失业保险费（分）")
    pct = models.DecimalField("返还比例", max_digits=5, decimal_places=4)
    amount_fen = models.BigIntegerField("返还金额（分）")
    account_number = models.CharField("收款账号", max_length=30)
    account_name = models.CharField("收款户名", max_length=100)
    reference = models.CharField("渠道交易号", max_length=64, blank=True)
    paid_at = models.DateTimeField("拨付时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("核定时间")

    class Meta:
        verbose_name = "稳岗返还"
        verbose_name_plural = "稳岗返还"
        ordering = ["-year", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="retention_unit_year"),
            models.CheckConstraint(
                condition=models.Q(amount_fen__gt=0), name="retention_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def amount(self) -> Decimal:
        return from_fen(self.amount_fen)

    @property
    def masked_account(self) -> str:
        return mask_bank_account(self.account_number)
