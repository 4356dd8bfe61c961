"""Appointments (约办): bookable slots at a service office, built from the office hours in
policy, and the bookings people make online or staff enter for a caller (电话约办).

A slot's ``booked`` count is the one place capacity is enforced: a booking moves it with a
conditional ``UPDATE … SET booked = booked + 1 WHERE booked < capacity``, so no slot is ever
overbooked, whatever the number of concurrent requests (SQLite and PostgreSQL alike); the check
constraint holds it as well.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class Slot(models.Model):
    """One bookable period of one department at one office (``office`` is a code of the
    consultation directory, :mod:`shebao.registry.directory`)."""

    region = models.ForeignKey(
        "registry.Region", verbose_name="统筹地区", on_delete=models.PROTECT, related_name="+"
    )
    office = models.CharField("经办服务大厅", max_length=40)
    department = models.ForeignKey(
        "registry.Department", verbose_name="业务部门", on_delete=models.PROTECT, related_name="+"
    )
    day = models.DateField("日期")
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    capacity = models.PositiveSmallIntegerField("名额")
    booked = models.PositiveSmallIntegerField("已预约", default=0)

    class Meta:
        verbose_name = "预约时段"
        verbose_name_plural = "预约时段"
        ordering = ["starts_at", "office", "department_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "department", "starts_at"], name="slot_one_per_period"
            ),
            models.CheckConstraint(condition=Q(booked__lte=F("capacity")), name="slot_not_over"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="slot_ends_after"),
        ]
        indexes = [models.Index(fields=["department", "day"], name="slot_department_day")]

    def __str__(self) -> str:
        return f"{self.office} {self.department_id} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def left(self) -> int:
        return max(0, self.capacity - self.booked)


class Appointment(models.Model):
    """A person's booking of a slot, for their own business or for a unit's (``unit``: booked by
    a user of the unit). Live while ``booked``; the person may hold one live booking whose slot
    has not ended for their own business and one for each unit they act for (checked under the
    person's row lock), and never two in one slot (a partial unique constraint)."""

    class Status(models.TextChoices):
        BOOKED = "booked", "已预约"
        CANCELLED = "cancelled", "已取消"
        ARRIVED = "arrived", "已到场"
        NO_SHOW = "no_show", "未到场"

    class Channel(models.TextChoices):
        ONLINE = "online", "网上预约"
        PHONE = "phone", "电话约办"

    slot = models.ForeignKey(
        Slot, verbose_name="时段", on_delete=models.PROTECT, related_name="appointments"
    )
    person = models.ForeignKey(
        "registry.Person", verbose_name="预约人", on_delete=models.PROTECT, related_name="+"
    )
    # The unit whose business the person comes for (a unit's user booking for the unit), or
    # empty: the person's own business.
    unit = models.ForeignKey(
        "registry.Unit",
        verbose_name="代办单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    channel = models.CharField("预约方式", max_length=8, choices=Channel.choices)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.BOOKED)
    mobile = models.CharField("联系电话", max_length=11)
    matter = models.CharField("拟办事项", max_length=100, blank=True)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("预约时间")
    cancelled_at = models.DateTimeField("取消时间", null=True, blank=True)
    marked_at = models.DateTimeField("到场登记时间", null=True, blank=True)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="到场登记人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reminded_at = models.DateTimeField("提醒短信时间", null=True, blank=True)

    class Meta:
        verbose_name = "预约"
        verbose_name_plural = "预约"
        ordering = ["slot__starts_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "person"],
                condition=Q(status="booked"),
                name="appointment_one_per_slot",
            ),
        ]
        indexes = [
            models.Index(fields=["person", "status"], name="appointment_person_status"),
            models.Index(fields=["slot", "status"], name="appointment_slot_status"),
            models.Index(fields=["unit", "status"], name="appointment_unit_status"),
        ]

    def __str__(self) -> str:
        return f"预约 {self.pk}"


class AppointmentEvent(models.Model):
    """The audit trail of a booking: who booked, cancelled or marked it, when."""

    class Action(models.TextChoices):
        BOOK = "book", "预约"
        CANCEL = "cancel", "取消"
        ARRIVE = "arrive", "到场"
        NO_SHOW = "no_show", "未到场"
        REMIND = "remind", "提醒"

    appointment = models.ForeignKey(
        Appointment, on_delete=models.PROTECT, related_name="events", verbose_name="预约"
    )
    action = models.CharField("操作", max_length=10, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_kind = models.CharField("操作人身份", max_length=12)
    at = models.DateTimeField("时间")
    data = models.JSONField("附加信息", default=dict, blank=True)

    class Meta:
        verbose_name = "预约记录"
        verbose_name_plural = "预约记录"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.appointment_id} {self.action}"
