"""Messages to users: in-site notifications, and SMS through an outbox.

An SMS is first a row in the outbox, written in the same transaction as the action that caused
it; a task hands it to the SMS gateway after commit. Nothing is sent for a rolled-back action,
and nothing written is lost if the gateway is down: the row stays pending and is retried.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Notification(models.Model):
    """A message in the user's in-site inbox (站内消息)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    # The context the message belongs to ("individual", "unit:<id>", "staff"): a unit's
    # messages are not shown to the same person acting as an individual.
    context = models.CharField("身份", max_length=40)
    category = models.CharField("类别", max_length=40)  # e.g. "application", "account"
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容")
    link = models.CharField("链接", max_length=300, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = "站内消息"
        verbose_name_plural = "站内消息"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "context", "read_at"])]

    def __str__(self) -> str:
        return self.title


class OutboundMessage(models.Model):
    """An SMS in the outbox (短信发件箱)."""

    class Status(models.TextChoices):
        PENDING = "pending", "待发送"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"

    class Purpose(models.TextChoices):
        VERIFICATION = "verification", "验证码"
        NOTICE = "notice", "业务通知"

    channel = models.CharField("渠道", max_length=10, default="sms")
    to = models.CharField("接收号码", max_length=20)
    body = models.TextField("内容")
    purpose = models.CharField("用途", max_length=20, choices=Purpose.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField("发送次数", default=0)
    gateway_ref = models.CharField("网关流水号", max_length=64, blank=True)
    error = models.CharField("错误", max_length=300, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)

    class Meta:
        verbose_name = "短信发件箱"
        verbose_name_plural = "短信发件箱"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.to} · {self.get_purpose_display()}"


class UnitNotificationPreference(models.Model):
    """What a unit's legal representative and administrators hear of applications that other
    users of the unit (operators) make. The applicant always hears every step of their own."""

    class Managers(models.TextChoices):
        DECISIONS = "decisions", "只接收审批结果（通过、不予受理或不予批准、办结、失效）"
        ALL = "all", "接收每一步办理进度"
        NONE = "none", "不接收（只通知申请的经办人）"

    unit = models.OneToOneField(
        "registry.Unit",
        verbose_name="单位",
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    managers_receive = models.CharField(
        "法定代表人和管理员接收",
        max_length=12,
        choices=Managers.choices,
        default=Managers.DECISIONS,
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="设置人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField("设置时间", auto_now=True)

    class Meta:
        verbose_name = "单位消息接收设置"
        verbose_name_plural = "单位消息接收设置"

    def __str__(self) -> str:
        return f"{self.unit_id}：{self.get_managers_receive_display()}"
