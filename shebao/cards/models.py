"""Social security cards (社会保障卡): the physical card from application to delivery and loss,
its timeline, the files exchanged with the card bureau, the courier's tracking events, and the
electronic card (电子社保卡) that mirrors it.

One card in force per person and one card in production per person are database constraints,
not a hope: a replacement is made while the old card is still the person's (lost, or damaged
but usable), and on delivery the old card is cancelled before the new one comes into force, in
one transaction.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shebao.common.identifiers import mask_card_number


class Card(models.Model):
    class Kind(models.TextChoices):
        FIRST = "first", "首次申领"
        REPLACE = "replace", "补卡"
        RENEW = "renew", "换卡"

    class Status(models.TextChoices):
        # In production (制卡中): from the approved application to the holder's hands.
        APPLIED = "applied", "待报送制卡"
        SENT = "sent", "已报送制卡机构"
        MAKING = "making", "制卡中"
        MADE = "made", "已制成"
        MAILED = "mailed", "已寄出"
        AT_BRANCH = "at_branch", "待网点领取"
        # In force (the person's card).
        ACTIVE = "active", "正常"
        TEMP_LOST = "temp_lost", "临时挂失"
        LOST = "lost", "正式挂失"
        # Ended.
        CANCELLED = "cancelled", "已注销"

    class Delivery(models.TextChoices):
        EMS = "ems", "EMS邮寄（到付）"
        BRANCH = "branch", "网点领取"

    person = models.ForeignKey(
        "registry.Person", verbose_name="持卡人", on_delete=models.PROTECT, related_name="cards"
    )
    kind = models.CharField("申领类型", max_length=8, choices=Kind.choices)
    reason = models.CharField("补换卡原因", max_length=16, blank=True)
    status = models.CharField("状态", max_length=12, choices=Status.choices)
    bank = models.CharField("合作银行", max_length=50)
    delivery = models.CharField("领卡方式", max_length=8, choices=Delivery.choices)
    address = models.CharField("收件地址", max_length=200, blank=True)
    mobile = models.CharField("联系电话", max_length=11, blank=True)
    photo = models.CharField("照片（存储名）", max_length=200, blank=True)
    card_number = models.CharField("社会保障卡卡号", max_length=9, blank=True)
    issued_at = models.DateTimeField("发卡时间", null=True, blank=True)
    tracking_number = models.CharField("邮件号", max_length=13, blank=True)
    fee_fen = models.BigIntegerField("工本费（分）", default=0)
    fee_source = models.CharField("工本费依据", max_length=200, blank=True)
    batch = models.CharField("制卡批次", max_length=32, blank=True)
    application = models.ForeignKey(
        "applications.Application",
        verbose_name="申请",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    replaces = models.ForeignKey(
        "self",
        verbose_name="所补换的原卡",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )
    lost_kind_before = models.CharField("挂失前状态", max_length=12, blank=True)
    stage_at = models.DateTimeField("进入当前状态的时间")
    created_at = models.DateTimeField("申请时间")

    IN_PRODUCTION = (
        Status.APPLIED,
        Status.SENT,
        Status.MAKING,
        Status.MADE,
        Status.MAILED,
        Status.AT_BRANCH,
    )
    IN_FORCE = (Status.ACTIVE, Status.TEMP_LOST, Status.LOST)
    LOST_STATES = (Status.TEMP_LOST, Status.LOST)
    # The replacement matter's reasons (补换卡原因), as the holder chose them.
    REASON_LABELS = {
        "lost": "遗失补卡",
        "damaged": "损坏换卡",
        "info_change": "信息变更换卡",
        "expired": "有效期满换卡",
    }

    class Meta:
        verbose_name = "社会保障卡"
        verbose_name_plural = "社会保障卡"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(status__in=["active", "temp_lost", "lost"]),
                name="card_one_in_force_per_person",
            ),
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(
                    status__in=["applied", "sent", "making", "made", "mailed", "at_branch"]
                ),
                name="card_one_in_production_per_person",
            ),
            models.UniqueConstraint(
                fields=["card_number"],
                condition=~models.Q(card_number=""),
                name="card_number_unique",
            ),
            models.UniqueConstraint(
                fields=["tracking_number"],
                condition=~models.Q(tracking_number=""),
                name="card_tracking_number_unique",
            ),
        ]
        indexes = [models.Index(fields=["status", "stage_at"], name="card_status_stage")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.get_kind_display()} {self.get_status_display()}"

    @property
    def reference(self) -> str:
        """The hall's reference of the card in the files exchanged with the bureau."""
        return f"SBK{self.pk:010d}"

    @property
    def reason_label(self) -> str:
        return self.REASON_LABELS.get(self.reason, "")

    @property
    def masked_number(self) -> str:
        return mask_card_number(self.card_number) if self.card_number else ""

    @property
    def in_production(self) -> bool:
        return self.status in self.IN_PRODUCTION

    @property
    def in_force(self) -> bool:
        return self.status in self.IN_FORCE

    @property
    def usable(self) -> bool:
        """Whether the card may be used (to see a doctor, at a bank): only a card in force that
        is not reported lost."""
        return self.status == self.Status.ACTIVE


class CardEvent(models.Model):
    """One step of a card's life (its timeline and audit trail): the state it entered, when,
    who did it (nobody for the exchange task and the outside systems) and a note in Chinese."""

    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="events")
    state = models.CharField("状态", max_length=12, choices=Card.Status.choices)
    at = models.DateTimeField("时间")
    note = models.CharField("说明", max_length=200)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="办理人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    source = models.CharField("来源", max_length=16, default="hall")  # hall / bureau / courier
    data = models.JSONField("数据", default=dict, blank=True)

    class Meta:
        verbose_name = "社会保障卡记录"
        verbose_name_plural = "社会保障卡记录"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.card_id} {self.state} {self.at:%Y-%m-%d %H:%M}"


class BureauFile(models.Model):
    """A file exchanged with the card bureau: a request batch sent, or a result file received
    (imported once: its name is unique)."""

    class Direction(models.TextChoices):
        REQUEST = "request", "制卡申请"
        RESULT = "result", "制卡结果"

    direction = models.CharField("方向", max_length=8, choices=Direction.choices)
    name = models.CharField("文件名", max_length=80)
    lines = models.PositiveIntegerField("行数")
    at = models.DateTimeField("时间")

    class Meta:
        verbose_name = "制卡交换文件"
        verbose_name_plural = "制卡交换文件"
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["direction", "name"], name="bureau_file_once")
        ]

    def __str__(self) -> str:
        return self.name


class TrackingEvent(models.Model):
    """A courier's tracking event of a card's parcel (收寄、运输、派送、签收)."""

    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="tracking")
    tracking_number = models.CharField("邮件号", max_length=13)
    code = models.CharField("事件", max_length=16)  # accepted / transit / delivering / delivered
    at = models.DateTimeField("时间")
    place = models.CharField("地点", max_length=100, blank=True)
    note = models.CharField("说明", max_length=200)

    class Meta:
        verbose_name = "邮件跟踪记录"
        verbose_name_plural = "邮件跟踪记录"
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tracking_number", "code", "at"], name="tracking_event_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.tracking_number} {self.code}"


class ElectronicCard(models.Model):
    """An electronic social security card (电子社保卡): issued to the holder of a card in force
    after identity verification, one to one with that card; its QR code changes every minute."""

    card = models.OneToOneField(Card, on_delete=models.PROTECT, related_name="electronic")
    issued_at = models.DateTimeField("签发时间")
    method = models.CharField("身份核验方式", max_length=16)
    revoked_at = models.DateTimeField("失效时间", null=True, blank=True)

    class Meta:
        verbose_name = "电子社保卡"
        verbose_name_plural = "电子社保卡"

    def __str__(self) -> str:
        return f"电子社保卡 {self.card_id}"
