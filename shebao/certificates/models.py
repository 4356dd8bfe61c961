"""Certificates (证明) and records (凭证) the hall issues as signed PDF files.

Each :class:`Certificate` is made from the master records (relations, contribution lines,
receipts), never from what the applicant typed; the file is signed by the agency's
document-signing key (:class:`SigningCertificate`, certified by the pki app's agency CA) and kept
byte for byte, with its SHA-256, so that a file brought back can be told apart from any other.
Its short verification code opens the public page that says what it certifies (the holder
masked) and whether it is current. When the records it was made from are corrected, it is
revoked and points to the certificate issued on the corrected records.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from shebao.common.periods import YearMonthField


class Kind(models.TextChoices):
    PARTICIPATION = "participation", "参保证明"
    RIGHTS = "rights", "社会保险个人权益单"
    UNIT_RIGHTS = "unit_rights", "单位社会保险权益单"
    PENSION_VOUCHER = "pension_voucher", "基本养老保险参保缴费凭证"
    INSTITUTION_PENSION = "institution_pension", "机关事业单位养老保险缴费证明"
    PAYMENT_VOUCHER = "payment_voucher", "缴费凭证"
    CARD_PROOF = "card_proof", "新发和补（换）社会保障卡领卡证明"


PERSON_KINDS = (
    Kind.PARTICIPATION,
    Kind.RIGHTS,
    Kind.PAYMENT_VOUCHER,
    Kind.PENSION_VOUCHER,
    Kind.INSTITUTION_PENSION,
    Kind.CARD_PROOF,
)
# Kinds only the holder themself may have issued (not staff at the counter): the card's 领卡证明
# stands in for the holder's card while a new one is made.
HOLDER_ONLY_KINDS = (Kind.CARD_PROOF,)
UNIT_KINDS = (Kind.UNIT_RIGHTS, Kind.PAYMENT_VOUCHER)


class SigningCertificate(models.Model):
    """The agency's document-signing key's certificate, issued by the agency CA. The private
    key is kept encrypted in ``SHEBAO_CA_DIR`` (``key_file``), never here."""

    class Status(models.TextChoices):
        ACTIVE = "active", "在用"
        RETIRED = "retired", "停用"

    authority = models.ForeignKey(
        "pki.CertificateAuthority",
        verbose_name="签发CA",
        on_delete=models.PROTECT,
        related_name="+",
    )
    name = models.CharField("名称", max_length=200)
    certificate_pem = models.TextField("证书（PEM）")
    fingerprint = models.CharField("SHA-256指纹", max_length=64, unique=True)
    serial = models.CharField("序列号", max_length=40)
    key_file = models.CharField("私钥文件", max_length=200)
    not_before = models.DateTimeField("生效时间")
    not_after = models.DateTimeField("失效时间")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "文件签名证书"
        verbose_name_plural = "文件签名证书"
        constraints = [
            models.UniqueConstraint(
                fields=["status"], condition=Q(status="active"), name="one_active_signing_key"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Certificate(models.Model):
    """One issued certificate: what it certifies, its signed file, and whether it stands."""

    class Status(models.TextChoices):
        VALID = "valid", "有效"
        REVOKED = "revoked", "已作废"

    class Channel(models.TextChoices):
        SELF = "self", "本人网上打印"
        UNIT = "unit", "单位网上打印"
        COUNTER = "counter", "窗口打印"

    number = models.CharField("证明编号", max_length=20, unique=True)
    verify_code = models.CharField("验证码", max_length=12, unique=True)  # without hyphens
    kind = models.CharField("证明类型", max_length=20, choices=Kind.choices)
    person = models.ForeignKey(
        "registry.Person",
        verbose_name="参保人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    unit = models.ForeignKey(
        "registry.Unit",
        verbose_name="单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The holder as certified (the registry may change later; the certificate does not).
    holder_name = models.CharField("持有人", max_length=200)
    holder_code = models.CharField("证件号码", max_length=18)
    holder_masked = models.CharField("持有人（隐去部分信息）", max_length=240)
    options = models.JSONField("参数", default=dict, blank=True)  # the month, the receipt …
    period_start = YearMonthField("证明起始年月", null=True, blank=True)
    period_end = YearMonthField("证明截止年月", null=True, blank=True)
    summary = models.CharField("摘要", max_length=300)
    content_digest = models.CharField("内容摘要值", max_length=64)  # SHA-256 of the records
    file_digest = models.CharField("文件摘要值", max_length=64, unique=True)  # SHA-256 of the PDF
    file = models.BinaryField("PDF文件")
    file_size = models.PositiveIntegerField("文件大小（字节）")
    signing_certificate = models.ForeignKey(
        SigningCertificate, verbose_name="签名证书", on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField("打印渠道", max_length=8, choices=Channel.choices)
    issued_at = models.DateTimeField("出具时间")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="出具人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.VALID)
    revoked_at = models.DateTimeField("作废时间", null=True, blank=True)
    revocation_reason = models.CharField("作废原因", max_length=200, blank=True)
    replaced_by = models.ForeignKey(
        "self",
        verbose_name="替代证明",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "证明"
        verbose_name_plural = "证明"
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False) | Q(unit__isnull=False),
                name="certificate_has_holder",
            )
        ]
        indexes = [
            models.Index(fields=["person", "kind", "status"], name="certificate_person"),
            models.Index(fields=["unit", "kind", "status"], name="certificate_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.get_kind_display()}"

    @property
    def verify_code_display(self) -> str:
        """The code as printed: three groups of four (``7K3M-Q9XD-2HFT``)."""
        code = self.verify_code
        return "-".join(code[i : i + 4] for i in range(0, len(code), 4))

    @property
    def period_label(self) -> str:
        if self.period_start and self.period_end:
            if self.period_start == self.period_end:
                return self.period_start.label()
            return f"{self.period_start.label()}至{self.period_end.label()}"
        return ""


class CertificateEvent(models.Model):
    """What happened to a certificate, by whom and why (the audit trail)."""

    class Kind(models.TextChoices):
        ISSUED = "issued", "出具"
        REVOKED = "revoked", "作废"

    certificate = models.ForeignKey(
        Certificate, verbose_name="证明", on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField("事件", max_length=12, choices=Kind.choices)
    at = models.DateTimeField("时间")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )  # empty for the system itself
    actor_context = models.CharField("操作身份", max_length=40, blank=True)
    note = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = "证明事件"
        verbose_name_plural = "证明事件"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.certificate.number} {self.get_kind_display()}"
