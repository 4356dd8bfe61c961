"""Work done off the system or by hand during an emergency (系统外经办和手工应急操作, seed 003):
flagged when recorded, reviewed, settled and audited once the emergency is over."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ManualOperation(models.Model):
    """One operation done outside the system (by fax, e-mail, on paper) or by hand, recorded
    afterwards with the emergency measure it was done under. It stays on the review list
    (status FLAGGED) until reviewed; then it is settled (结算) and audited (稽核内审)."""

    class Kind(models.TextChoices):
        OFF_SYSTEM = "off_system", "系统外经办"
        MANUAL = "manual", "手工应急操作"

    class Status(models.TextChoices):
        FLAGGED = "flagged", "待审核"
        REVIEWED = "reviewed", "已审核，待结算"
        SETTLED = "settled", "已结算，待稽核"
        AUDITED = "audited", "已稽核内审"

    number = models.CharField("编号", max_length=24, unique=True)
    request_key = models.CharField("提交标识", max_length=40, unique=True)
    kind = models.CharField("类型", max_length=12, choices=Kind.choices)
    district = models.ForeignKey(
        "registry.Region", verbose_name="经办地区", on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        "registry.Department", verbose_name="业务部门", on_delete=models.PROTECT, related_name="+"
    )
    business = models.CharField("业务名称", max_length=60)
    subject = models.CharField("办理对象", max_length=100)
    description = models.CharField("办理情况", max_length=500)
    performed_on = models.DateField("办理日期")
    measure_code = models.CharField("应急措施", max_length=40)
    measure_title = models.CharField("应急措施名称", max_length=120)
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.FLAGGED, db_index=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("登记时间")
    updated_at = models.DateTimeField("更新时间")

    class Meta:
        verbose_name = "手工应急操作"
        verbose_name_plural = "手工应急操作"
        ordering = ["performed_on", "pk"]

    def __str__(self) -> str:
        return f"{self.number} {self.business}"


class ManualOperationEvent(models.Model):
    """Who did what to a manual operation, and when (the audit trail)."""

    class Action(models.TextChoices):
        RECORD = "record", "登记"
        REVIEW = "review", "审核"
        SETTLE = "settle", "结算"
        AUDIT = "audit", "稽核内审"

    operation = models.ForeignKey(ManualOperation, on_delete=models.CASCADE, related_name="events")
    action = models.CharField("操作", max_length=10, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("时间")
    note = models.CharField("说明", max_length=500, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.at:%Y-%m-%d %H:%M}"
