"""Policy parameters as dated regional records, their audit trail, and the results computed
from them (so that a provisional value can be trued up when the final one arrives).

A :class:`PolicyParameter` holds one value of one key (``schema.SPECS``) for one region and one
validity period. National values (region ``000000``) are inherited by every region; a region's
own record wins over its ancestors'. Every change is a :class:`PolicyChange` row written in the
same transaction.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from shebao.common.trace import FINAL, PROVISIONAL


class PolicyParameter(models.Model):
    class Status(models.TextChoices):
        FINAL = FINAL, "正式"
        PROVISIONAL = PROVISIONAL, "临时"

    class Origin(models.TextChoices):
        FILE = "file", "数据文件"
        STAFF = "staff", "经办人员录入"

    region = models.ForeignKey(
        "registry.Region",
        verbose_name="地区",
        on_delete=models.PROTECT,
        related_name="policy_parameters",
    )
    key = models.CharField("参数", max_length=80)
    valid_from = models.DateField("生效日期")
    # Inclusive; null = until further notice.
    valid_to = models.DateField("截止日期", null=True, blank=True)
    # The schema's dump form: decimals as strings, dates as ISO strings. SQL NULL stands for a
    # deliberately empty value (e.g. "no claim deadline"; only for nullable keys).
    value = models.JSONField("取值", null=True, blank=True)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.FINAL)
    # Document number or URL, a seed reference, or "demo" where the value was chosen for the demo.
    source = models.TextField("来源")
    note = models.TextField("说明", blank=True)
    origin = models.CharField("录入方式", max_length=8, choices=Origin.choices)
    origin_file = models.CharField("数据文件", max_length=100, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="最后修改人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "政策参数"
        verbose_name_plural = "政策参数"
        ordering = ["region_id", "key", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "key", "valid_from"], name="policy_param_unique_start"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="policy_param_period_ordered",
            ),
        ]
        indexes = [models.Index(fields=["key", "region", "valid_from"])]

    def __str__(self) -> str:
        return f"{self.region_id} {self.key} {self.valid_from}"

    @property
    def is_provisional(self) -> bool:
        return self.status == self.Status.PROVISIONAL

    def covers(self, day: object) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)  # type: ignore[operator]


class PolicyChange(models.Model):
    """The audit event of a change to a parameter record (or of a true-up settled on it)."""

    class Action(models.TextChoices):
        CREATED = "created", "新增"
        UPDATED = "updated", "修改"
        FINALIZED = "finalized", "转为正式"
        LOADED = "loaded", "数据文件导入"
        REMOVED = "removed", "数据文件移除"
        SETTLED = "settled", "多退少补结算"

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField("操作", max_length=12, choices=Action.choices)
    # Kept when a file record is removed: the event still says what it was about.
    record = models.ForeignKey(
        PolicyParameter,
        verbose_name="参数记录",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="changes",
    )
    region_code = models.CharField("地区", max_length=6)
    key = models.CharField("参数", max_length=80)
    valid_from = models.DateField("生效日期")
    old_value = models.JSONField("原取值", null=True, blank=True)
    old_status = models.CharField("原状态", max_length=12, blank=True)
    old_source = models.TextField("原来源", blank=True)
    new_value = models.JSONField("新取值", null=True, blank=True)
    new_status = models.CharField("新状态", max_length=12, blank=True)
    new_source = models.TextField("新来源", blank=True)
    reason = models.TextField("原因", blank=True)
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "政策参数变更记录"
        verbose_name_plural = "政策参数变更记录"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.region_code} {self.key} {self.valid_from}"


class CalculationRecord(models.Model):
    """A stored result (a bill line, a benefit) with the trace that explains it.

    ``provisional`` is true when any parameter it used was provisional. When a true-up recomputes
    it, a new record supersedes it and carries the differences in ``settlement``.
    """

    kind = models.CharField("计算类型", max_length=40)
    region = models.ForeignKey(
        "registry.Region", verbose_name="地区", on_delete=models.PROTECT, related_name="+"
    )
    subject_type = models.CharField("对象类型", max_length=40, blank=True)
    subject_id = models.CharField("对象编号", max_length=64, blank=True)
    inputs = models.JSONField("输入")
    amounts = models.JSONField("金额")  # {name: "decimal string"}
    trace = models.JSONField("计算过程")
    provisional = models.BooleanField("含临时参数", default=False)
    superseded_by = models.ForeignKey(
        "self",
        verbose_name="被重算结果取代",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supersedes",
    )
    # On a superseding record: {name: "difference"} new − old (positive = to charge, 少补;
    # negative = to refund, 多退).
    settlement = models.JSONField("多退少补差额", default=dict, blank=True)
    parameters = models.ManyToManyField(
        PolicyParameter, through="CalculationParameter", related_name="calculations"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="结算人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("计算时间", auto_now_add=True)

    class Meta:
        verbose_name = "计算结果"
        verbose_name_plural = "计算结果"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


class CalculationParameter(models.Model):
    """Which stored parameter rows a result's trace used (from ``ParamRef.record_id``)."""

    calculation = models.ForeignKey(CalculationRecord, on_delete=models.CASCADE, related_name="+")
    parameter = models.ForeignKey(PolicyParameter, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "计算所用参数"
        verbose_name_plural = "计算所用参数"
        constraints = [
            models.UniqueConstraint(
                fields=["calculation", "parameter"], name="calculation_parameter_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.calculation_id} → {self.parameter_id}"
