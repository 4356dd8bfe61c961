"""Contributions: the parameters of a region's month, the bases, the monthly assessment's lines
and the bills (征集单).

Amounts are integer fen (``BigIntegerField``) so that SQL adds them up exactly on SQLite and
PostgreSQL; ``Decimal`` yuan at every edge (:func:`shebao.common.money.from_fen`).
"""

from __future__ import annotations

from django.db import models

from shebao.common.periods import YearMonthField


class ParameterSnapshot(models.Model):
    """The contribution parameters of a region's month, resolved once (DESIGN.md: "Parameters
    are resolved once per (region, month) into a snapshot that every line of that month points
    to").

    ``params`` holds each parameter the rules read, as the policy store gave it: ``{key:
    {"value": <the schema's dump form: rates as exact decimal strings>, "ref": <ParamRef>}}``,
    so that a line's explanation is rebuilt later with the very values and sources used, even
    after a record is edited or made final. ``floor_fen`` / ``ceiling_fen`` are the base limits
    the clamp used. A new *version* is made when the resolved parameters of the month change
    (a provisional value made final); lines keep pointing to the one they were computed with.
    """

    region = models.ForeignKey(
        "registry.Region", verbose_name="统筹地区", on_delete=models.PROTECT, related_name="+"
    )
    month = YearMonthField("费款所属年月")
    version = models.PositiveIntegerField("版本", default=1)
    digest = models.CharField("参数摘要", max_length=64)
    params = models.JSONField("参数取值")
    floor_fen = models.BigIntegerField("缴费基数下限（分）")
    ceiling_fen = models.BigIntegerField("缴费基数上限（分）")
    # Whether the employees' formulas (limits, rates, rounding) or the flexible workers' (the
    # average wage of the grades, the rate) read a provisional value.
    employee_provisional = models.BooleanField("职工参数含临时值", default=False)
    flexible_provisional = models.BooleanField("灵活就业参数含临时值", default=False)
    created_at = models.DateTimeField("生成时间", auto_now_add=True)

    class Meta:
        verbose_name = "缴费参数快照"
        verbose_name_plural = "缴费参数快照"
        constraints = [
            models.UniqueConstraint(
                fields=["region", "month", "version"], name="snapshot_region_month_version"
            ),
            models.UniqueConstraint(
                fields=["region", "month", "digest"], name="snapshot_region_month_digest"
            ),
            models.CheckConstraint(
                condition=models.Q(floor_fen__gte=0)
                & models.Q(ceiling_fen__gte=models.F("floor_fen")),
                name="snapshot_limits_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.month} v{self.version}"

    @property
    def provisional(self) -> bool:
        return self.employee_provisional or self.flexible_provisional


class SnapshotParameter(models.Model):
    """A policy parameter record a snapshot used (the reference survives the record's removal
    from a data file: ``record`` is then null and the snapshot's ``params`` still say what it
    was)."""

    snapshot = models.ForeignKey(
        ParameterSnapshot, on_delete=models.CASCADE, related_name="parameters"
    )
    key = models.CharField("参数", max_length=80)
    record = models.ForeignKey(
        "policy.PolicyParameter",
        verbose_name="参数记录",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "快照所用参数"
        verbose_name_plural = "快照所用参数"
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "key"], name="snapshot_parameter_key")
        ]

    def __str__(self) -> str:
        return f"{self.snapshot_id} {self.key}"
