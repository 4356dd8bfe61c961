"""Audit cases (稽核, seed 003): complaints and reports (投诉举报) filed by individuals,
registered — deferred (暂缓立案, materials kept) while emergency measures suspend audit work —
opened as cases with a time limit in working days, suspended from a date and resumed (the
limit extended by the suspension), and closed with an outcome."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditCase(models.Model):
    class Kind(models.TextChoices):
        COMPLAINT = "complaint", "投诉"
        REPORT = "report", "举报"

    class Status(models.TextChoices):
        REGISTERED = "registered", "已登记，待立案"
        DEFERRED = "deferred", "暂缓立案（已登记并留存材料）"
        OPEN = "open", "已立案，稽核中"
        SUSPENDED = "suspended", "稽核中止"
        CLOSED = "closed", "已结案"

    class Outcome(models.TextChoices):
        CONFIRMED = "confirmed", "情况属实，已责令整改"
        UNFOUNDED = "unfounded", "经稽核查无实据"
        NOT_OPENED = "not_opened", "不予立案"

    number = models.CharField("编号", max_length=24, unique=True)
    request_key = models.CharField("提交标识", max_length=40, unique=True)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    complainant = models.ForeignKey(
        "registry.Person", verbose_name="投诉举报人", on_delete=models.PROTECT, related_name="+"
    )
    district = models.ForeignKey(
        "registry.Region", verbose_name="受理地区", on_delete=models.PROTECT, related_name="+"
    )
    respondent_name = models.CharField("被投诉举报单位", max_length=200)
    respondent_credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True)
    content = models.CharField("投诉举报内容", max_length=2000)
    materials = models.CharField("留存材料", max_length=500, blank=True)
    status = models.CharField(
        "状态", max_length=12, choices=Status.choices, default=Status.REGISTERED, db_index=True
    )
    filed_at = models.DateTimeField("登记时间")
    opened_on = models.DateField("立案日期", null=True, blank=True)
    time_limit_days = models.PositiveIntegerField("办理时限（工作日）", null=True, blank=True)
    suspended_days = models.PositiveIntegerField("中止的工作日", default=0)
    due_on = models.DateField("办结期限", null=True, blank=True)
    closed_on = models.DateField("结案日期", null=True, blank=True)
    outcome = models.CharField("处理结果", max_length=12, choices=Outcome.choices, blank=True)
    outcome_note = models.CharField("处理结果说明", max_length=500, blank=True)
    updated_at = models.DateTimeField("更新时间")

    class Meta:
        verbose_name = "稽核案件"
        verbose_name_plural = "稽核案件"
        ordering = ["-filed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.number} {self.respondent_name}"


class AuditSuspension(models.Model):
    """A suspension of a case (稽核中止): from ``start`` (suspended that day) to ``end`` (the
    day work resumed; null while suspended)."""

    case = models.ForeignKey(AuditCase, on_delete=models.CASCADE, related_name="suspensions")
    start = models.DateField("中止日期")
    end = models.DateField("恢复日期", null=True, blank=True)
    reason = models.CharField("中止原因", max_length=200)
    working_days = models.PositiveIntegerField("中止的工作日", default=0)

    class Meta:
        ordering = ["start", "pk"]

    def __str__(self) -> str:
        return f"{self.start}–{self.end or ''}"


class AuditCaseEvent(models.Model):
    """Each step of a case (the complainant sees the steps and dates, staff the notes too)."""

    class Action(models.TextChoices):
        FILE = "file", "登记"
        DEFER = "defer", "暂缓立案"
        OPEN = "open", "立案"
        SUSPEND = "suspend", "中止稽核"
        RESUME = "resume", "恢复稽核"
        CLOSE = "close", "结案"

    case = models.ForeignKey(AuditCase, on_delete=models.CASCADE, related_name="events")
    action = models.CharField("操作", max_length=10, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("时间")
    on = models.DateField("日期")
    public_text = models.CharField("告知投诉人", max_length=300)
    note = models.CharField("内部说明", max_length=500, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.on}"
