"""The agency's certificate authority and the certificates it issues to unit users.

A unit user (legal representative, administrator or operator) holds a key pair generated on
their own machine with the ``shebao-ukey`` client (the private key never reaches the server).
The agency's CA certifies the public key, binding it to the holder's name and ID number and to
the unit's name and unified social credit code. The holder signs in by signing a one-time
server challenge; every attempt is recorded in :class:`CaSignInAttempt`, every change of a
request or certificate in :class:`PkiEvent`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from shebao.common.identifiers import mask_id_number


class CertificateAuthority(models.Model):
    """The agency's root CA. Its private key lives encrypted in ``SHEBAO_CA_DIR``, never here."""

    class Status(models.TextChoices):
        ACTIVE = "active", "在用"
        RETIRED = "retired", "停用"

    name = models.CharField("名称", max_length=200)
    certificate_pem = models.TextField("CA证书（PEM）")
    fingerprint = models.CharField("SHA-256指纹", max_length=64, unique=True)
    serial = models.CharField("序列号", max_length=40)
    key_algorithm = models.CharField("密钥算法", max_length=20)
    key_file = models.CharField("私钥文件", max_length=200)  # file name inside SHEBAO_CA_DIR
    not_before = models.DateTimeField("生效时间")
    not_after = models.DateTimeField("失效时间")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "根CA"
        verbose_name_plural = "根CA"
        constraints = [
            models.UniqueConstraint(
                fields=["status"], condition=Q(status="active"), name="pki_one_active_authority"
            )
        ]

    def __str__(self) -> str:
        return self.name


class CertificateRequest(models.Model):
    """A request to certify a unit user's public key (a PKCS#10 CSR).

    Made online by the holder in the unit centre (then approved by staff of the unit's
    district) or at the counter by staff (issued at once).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "待审核"
        ISSUED = "issued", "已签发"
        REJECTED = "rejected", "已退回"
        WITHDRAWN = "withdrawn", "已撤回"

    class Channel(models.TextChoices):
        ONLINE = "online", "网上申请"
        COUNTER = "counter", "柜台办理"

    unit = models.ForeignKey(
        "registry.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="持证人",
        on_delete=models.PROTECT,
        related_name="certificate_requests",
    )
    membership = models.ForeignKey(
        "accounts.UnitMembership",
        verbose_name="单位用户",
        on_delete=models.PROTECT,
        related_name="+",
    )
    csr_pem = models.TextField("证书请求（CSR）")
    public_key_fingerprint = models.CharField("公钥指纹", max_length=64, db_index=True)
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="提交人", on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField("提交时间", default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="处理人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)
    decision_note = models.CharField("处理意见", max_length=200, blank=True)

    class Meta:
        verbose_name = "证书申请"
        verbose_name_plural = "证书申请"
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "unit"],
                condition=Q(status="pending"),
                name="pki_one_pending_request_per_holder",
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.user.name} · {self.get_status_display()}"

    @property
    def holder_id_masked(self) -> str:
        person = self.user.person
        return mask_id_number(person.id_number) if person else ""


class UnitCertificate(models.Model):
    """An X.509 certificate issued by the agency CA to one user of one unit.

    ``status`` records revocation only; expiry follows from ``not_after`` (see
    :attr:`effective_status`).
    """

    class Status(models.TextChoices):
        ACTIVE = "active", "有效"
        REVOKED = "revoked", "已注销"

    authority = models.ForeignKey(
        CertificateAuthority, verbose_name="签发CA", on_delete=models.PROTECT, related_name="+"
    )
    request = models.OneToOneField(
        CertificateRequest,
        verbose_name="证书申请",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="certificate",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="持证人",
        on_delete=models.PROTECT,
        related_name="unit_certificates",
    )
    unit = models.ForeignKey(
        "registry.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="certificates"
    )
    # The subject as issued (the registry may change later; the certificate does not).
    holder_name = models.CharField("持证人姓名", max_length=100)
    holder_id_number = models.CharField("持证人公民身份号码", max_length=18)
    unit_name = models.CharField("单位名称", max_length=200)
    credit_code = models.CharField("统一社会信用代码", max_length=18)
    serial = models.CharField("序列号", max_length=40, unique=True)  # hex, upper case
    fingerprint = models.CharField("SHA-256指纹", max_length=64, unique=True)  # of the DER
    public_key_fingerprint = models.CharField("公钥指纹", max_length=64, db_index=True)
    certificate_pem = models.TextField("证书（PEM）")
    not_before = models.DateTimeField("生效时间")
    not_after = models.DateTimeField("失效时间")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.ACTIVE)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="签发人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    issued_at = models.DateTimeField("签发时间", default=timezone.now)
    revoked_at = models.DateTimeField("注销时间", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="注销人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    revocation_reason = models.CharField("注销原因", max_length=200, blank=True)
    last_used_at = models.DateTimeField("最近登录", null=True, blank=True)

    class Meta:
        verbose_name = "单位用户证书"
        verbose_name_plural = "单位用户证书"
        ordering = ["-issued_at", "-id"]
        indexes = [models.Index(fields=["unit", "status"]), models.Index(fields=["user", "unit"])]

    def __str__(self) -> str:
        return f"{self.unit_name} · {self.holder_name} · {self.serial[:8]}"

    @property
    def effective_status(self) -> str:
        """``revoked``, ``expired``, ``not_yet_valid`` or ``active`` at this moment."""
        if self.status == self.Status.REVOKED:
            return "revoked"
        now = timezone.now()
        if now >= self.not_after:
            return "expired"
        if now < self.not_before:
            return "not_yet_valid"
        return "active"

    @property
    def effective_status_label(self) -> str:
        return {
            "revoked": "已注销",
            "expired": "已过期",
            "not_yet_valid": "未生效",
            "active": "有效",
        }[self.effective_status]

    @property
    def holder_id_masked(self) -> str:
        return mask_id_number(self.holder_id_number)

    @property
    def fingerprint_display(self) -> str:
        """The fingerprint in colon-separated byte pairs, as certificate viewers show it."""
        upper = self.fingerprint.upper()
        return ":".join(upper[i : i + 2] for i in range(0, len(upper), 2))


class CaChallenge(models.Model):
    """A single-use random challenge for certificate sign-in.

    Page challenges are also remembered in the browser session that asked for them and are
    accepted only from that session; API challenges only through the API.
    """

    class Channel(models.TextChoices):
        PAGE = "page", "网页"
        API = "api", "接口"

    value = models.CharField("挑战码", max_length=64, unique=True)
    channel = models.CharField("渠道", max_length=6, choices=Channel.choices)
    created_at = models.DateTimeField("生成时间", default=timezone.now)
    expires_at = models.DateTimeField("失效时间", db_index=True)
    used_at = models.DateTimeField("使用时间", null=True, blank=True)
    used_by_certificate = models.ForeignKey(
        UnitCertificate,
        verbose_name="使用证书",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "登录挑战码"
        verbose_name_plural = "登录挑战码"

    def __str__(self) -> str:
        return self.value


class CaSignInAttempt(models.Model):
    """One certificate sign-in attempt, successful or refused, with the reason."""

    class Outcome(models.TextChoices):
        SUCCESS = "success", "成功"
        FAILURE = "failure", "失败"

    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    channel = models.CharField("渠道", max_length=6, choices=CaChallenge.Channel.choices)
    outcome = models.CharField("结果", max_length=8, choices=Outcome.choices)
    code = models.CharField("结果代码", max_length=40)
    message = models.CharField("说明", max_length=200, blank=True)
    certificate = models.ForeignKey(
        UnitCertificate,
        verbose_name="证书",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sign_in_attempts",
    )
    fingerprint = models.CharField("证书指纹", max_length=64, blank=True)
    serial = models.CharField("证书序列号", max_length=40, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="用户",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    unit = models.ForeignKey(
        "registry.Unit",
        verbose_name="单位",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    challenge = models.CharField("挑战码", max_length=64, blank=True)
    ip = models.GenericIPAddressField("IP地址", null=True, blank=True)
    user_agent = models.CharField("客户端", max_length=200, blank=True)

    class Meta:
        verbose_name = "证书登录记录"
        verbose_name_plural = "证书登录记录"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.get_outcome_display()} {self.code}"


class PkiEvent(models.Model):
    """What happened to the CA, a request or a certificate, by whom and why."""

    class Kind(models.TextChoices):
        CA_CREATED = "ca_created", "创建根CA"
        REQUEST_SUBMITTED = "request_submitted", "提交证书申请"
        REQUEST_WITHDRAWN = "request_withdrawn", "撤回证书申请"
        REQUEST_REJECTED = "request_rejected", "退回证书申请"
        CERTIFICATE_ISSUED = "certificate_issued", "签发证书"
        CERTIFICATE_REVOKED = "certificate_revoked", "注销证书"

    kind = models.CharField("事件", max_length=24, choices=Kind.choices)
    at = models.DateTimeField("时间", default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )  # empty for the system itself
    actor_context = models.CharField("操作身份", max_length=40, blank=True)
    unit = models.ForeignKey(
        "registry.Unit",
        verbose_name="单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    request = models.ForeignKey(
        CertificateRequest,
        verbose_name="证书申请",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
    )
    certificate = models.ForeignKey(
        UnitCertificate,
        verbose_name="证书",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
    )
    note = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = "证书事件"
        verbose_name_plural = "证书事件"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()}"
