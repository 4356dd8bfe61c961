"""Payments of bills (征集单) through the channels, their receipts (缴费凭证), the bank's
batch deduction (银行代扣) and the payout of refunds (退费).

Amounts are integer fen (``BigIntegerField``) so that SQL adds them up exactly on SQLite and
PostgreSQL; ``Decimal`` yuan at every edge.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from shebao.common.identifiers import mask_bank_account
from shebao.common.money import from_fen
from shebao.common.periods import YearMonthField
from shebao.contributions.models import PayerKind


class Channel(models.TextChoices):
    """How money moves: at the agency's counter, online through a payment channel, or by the
    bank's month-end deduction from the payer's account (Wuhan's passbook, seed 001)."""

    COUNTER = "counter", "柜台缴费"
    ONLINE = "online", "网上支付"
    BANK = "bank", "银行代扣"


class PaymentOrder(models.Model):
    """An online payment order (支付订单) of a bill: the amount due when it was made, sent to a
    payment channel (``gateway``, the key of its callback URL). One open order per bill."""

    class Status(models.TextChoices):
        OPEN = "open", "待支付"
        PAID = "paid", "已支付"
        CLOSED = "closed", "已关闭"

    number = models.CharField("订单号", max_length=24, unique=True)
    bill = models.ForeignKey(
        "contributions.Bill", verbose_name="征集单", on_delete=models.PROTECT, related_name="+"
    )
    gateway = models.CharField("支付渠道", max_length=20)
    amount_fen = models.BigIntegerField("订单金额（分）")
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="下单人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("下单时间")
    paid_at = models.DateTimeField("支付时间", null=True, blank=True)

    class Meta:
        verbose_name = "支付订单"
        verbose_name_plural = "支付订单"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["bill"], condition=models.Q(status="open"), name="order_one_open_per_bill"
            ),
            models.CheckConstraint(condition=models.Q(amount_fen__gt=0), name="order_positive"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def amount(self) -> Decimal:
        return from_fen(self.amount_fen)


class Payment(models.Model):
    """Money received on a bill through a channel. ``reference`` is the channel's own number of
    the transaction (the online channel's trade number, the bank file's batch and row, the
    counter's receipt slip): unique per channel, so a repeated notice records nothing twice."""

    bill = models.ForeignKey(
        "contributions.Bill", verbose_name="征集单", on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField("缴费渠道", max_length=8, choices=Channel.choices)
    reference = models.CharField("渠道交易号", max_length=64)
    amount_fen = models.BigIntegerField("缴费金额（分）")
    order = models.OneToOneField(
        PaymentOrder,
        verbose_name="支付订单",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payment",
    )
    paid_at = models.DateTimeField("缴费时间")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="收款人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField("备注", max_length=100, blank=True)

    class Meta:
        verbose_name = "缴费记录"
        verbose_name_plural = "缴费记录"
        ordering = ["-paid_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "reference"], name="payment_channel_ref"),
            models.CheckConstraint(condition=models.Q(amount_fen__gt=0), name="payment_positive"),
        ]
        indexes = [models.Index(fields=["bill"], name="payment_bill")]

    def __str__(self) -> str:
        return f"{self.channel}:{self.reference}"

    @property
    def amount(self) -> Decimal:
        return from_fen(self.amount_fen)


class Receipt(models.Model):
    """The payment's receipt (缴费凭证): what certificates and the payer read later. It copies
    the payer as the bill names them, so it reads the same after the payer's record changes."""

    number = models.CharField("凭证号", max_length=24, unique=True)
    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="receipt")
    bill = models.ForeignKey(
        "contributions.Bill", verbose_name="征集单", on_delete=models.PROTECT, related_name="+"
    )
    payer_kind = models.CharField("缴费主体", max_length=4, choices=PayerKind.choices)
    payer_code = models.CharField("缴费主体代码", max_length=18)
    payer_name = models.CharField("缴费主体名称", max_length=100)
    amount_fen = models.BigIntegerField("金额（分）")
    channel = models.CharField("缴费渠道", max_length=8, choices=Channel.choices)
    paid_at = models.DateTimeField("缴费时间")

    class Meta:
        verbose_name = "缴费凭证"
        verbose_name_plural = "缴费凭证"
        ordering = ["-paid_at", "-id"]

    def __str__(self) -> str:
        return self.number

    @property
    def amount(self) -> Decimal:
        return from_fen(self.amount_fen)


class DeductionAgreement(models.Model):
    """A payer's agreement with a bank for the month-end deduction (代扣协议): which account the
    bank deducts the month's bill from. A card number passes the Luhn check; it is shown masked.

    ``bank_outcome`` belongs to the local bank (:mod:`shebao.payments.localbank`): the result
    that bank gives the account's deductions (a frozen account, an empty passbook), so that a
    full round trip with failures runs without a bank. A real bank's file ignores it."""

    class LocalOutcome(models.TextChoices):
        OK = "", "正常扣款"
        INSUFFICIENT = "51", "余额不足"
        FROZEN = "62", "账户冻结"
        CLOSED = "14", "账户不存在或已销户"

    payer_kind = models.CharField("缴费主体", max_length=4, choices=PayerKind.choices)
    payer_id = models.BigIntegerField("缴费主体编号")
    unit = models.ForeignKey(
        "registry.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "registry.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    bank_code = models.CharField("代扣银行", max_length=12)
    account_number = models.CharField("扣款账号", max_length=30)
    account_name = models.CharField("账户名称", max_length=100)
    bank_outcome = models.CharField(
        "本地银行扣款结果", max_length=2, choices=LocalOutcome.choices, default="", blank=True
    )
    signed_on = models.DateField("签约日期")
    revoked_at = models.DateTimeField("解约时间", null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "代扣协议"
        verbose_name_plural = "代扣协议"
        constraints = [
            models.UniqueConstraint(
                fields=["payer_kind", "payer_id"],
                condition=models.Q(revoked_at__isnull=True),
                name="agreement_one_per_payer",
            ),
            models.CheckConstraint(
                condition=(models.Q(payer_kind="unit") & models.Q(unit__isnull=False))
                | (models.Q(payer_kind="self") & models.Q(person__isnull=False)),
                name="agreement_payer_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payer_kind}:{self.payer_id} {self.masked_account}"

    @property
    def masked_account(self) -> str:
        return mask_bank_account(self.account_number)


class BankBatch(models.Model):
    """A month's deduction file for one bank (代扣文件): the bills exported, each as a row."""

    class Status(models.TextChoices):
        EXPORTED = "exported", "已导出，待银行回盘"
        RECONCILED = "reconciled", "已对账"

    number = models.CharField("批次号", max_length=24, unique=True)
    region = models.ForeignKey(
        "registry.Region", verbose_name="统筹地区", on_delete=models.PROTECT, related_name="+"
    )
    month = YearMonthField("费款所属年月")
    bank_code = models.CharField("代扣银行", max_length=12)
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.EXPORTED
    )
    row_count = models.PositiveIntegerField("笔数", default=0)
    total_fen = models.BigIntegerField("金额合计（分）", default=0)
    paid_count = models.PositiveIntegerField("扣款成功笔数", default=0)
    paid_fen = models.BigIntegerField("扣款成功金额（分）", default=0)
    failed_count = models.PositiveIntegerField("未成功笔数", default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="导出人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("导出时间")

    class Meta:
        verbose_name = "代扣批次"
        verbose_name_plural = "代扣批次"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "month", "bank_code"], name="batch_region_month_bank"
            )
        ]

    def __str__(self) -> str:
        return self.number


class BankBatchRow(models.Model):
    """One bill in a deduction file: the amount asked of the account (the amount due when the
    file was made)."""

    batch = models.ForeignKey(BankBatch, on_delete=models.CASCADE, related_name="rows")
    seq = models.PositiveIntegerField("序号")
    bill = models.ForeignKey(
        "contributions.Bill", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    agreement = models.ForeignKey(
        DeductionAgreement, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    account_number = models.CharField("扣款账号", max_length=30)
    amount_fen = models.BigIntegerField("扣款金额（分）")

    class Meta:
        verbose_name = "代扣明细"
        verbose_name_plural = "代扣明细"
        ordering = ["batch", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "seq"], name="batch_row_seq"),
            models.UniqueConstraint(fields=["batch", "bill"], name="batch_row_bill"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}#{self.seq}"


class BankResultImport(models.Model):
    """One result file of the bank (回盘文件) imported against a batch; the same file (by its
    SHA-256) is imported once."""

    batch = models.ForeignKey(BankBatch, on_delete=models.PROTECT, related_name="imports")
    sha256 = models.CharField("文件摘要", max_length=64, unique=True)
    filename = models.CharField("文件名", max_length=200, blank=True)
    row_count = models.PositiveIntegerField("行数", default=0)
    paid_count = models.PositiveIntegerField("入账笔数", default=0)
    paid_fen = models.BigIntegerField("入账金额（分）", default=0)
    failed_count = models.PositiveIntegerField("未入账笔数", default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="导入人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    imported_at = models.DateTimeField("导入时间")

    class Meta:
        verbose_name = "银行回盘"
        verbose_name_plural = "银行回盘"
        ordering = ["-imported_at", "-id"]

    def __str__(self) -> str:
        return self.filename or self.sha256[:12]


class Outcome(models.TextChoices):
    """What reconciliation made of a result row."""

    PAID = "paid", "扣款成功，已入账"
    FAILED = "failed", "扣款未成功"
    MISMATCH = "mismatch", "金额与代扣文件不符"
    UNKNOWN = "unknown", "代扣文件中无此笔"
    SETTLED = "settled", "征集单已缴清（重复扣款，须退回）"
    REPEATED = "repeated", "此笔已入账（重复回盘）"


class BankResultRow(models.Model):
    """A row of a result file, staged as the bank wrote it; reconciliation (set-based SQL)
    joins it to the batch's rows and the bills and fills in ``outcome`` and ``bank_row``."""

    result = models.ForeignKey(BankResultImport, on_delete=models.CASCADE, related_name="rows")
    line = models.PositiveIntegerField("文件行号")
    seq = models.PositiveIntegerField("序号")
    bill_number = models.CharField("征集单号", max_length=24)
    account_number = models.CharField("扣款账号", max_length=30)
    amount_fen = models.BigIntegerField("扣款金额（分）")
    code = models.CharField("银行结果码", max_length=4)
    message = models.CharField("银行说明", max_length=60, blank=True)
    bank_ref = models.CharField("银行流水号", max_length=40, blank=True)
    bank_row = models.ForeignKey(
        BankBatchRow,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    outcome = models.CharField("对账结果", max_length=8, choices=Outcome.choices, blank=True)

    class Meta:
        verbose_name = "回盘明细"
        verbose_name_plural = "回盘明细"
        ordering = ["result", "line"]
        constraints = [
            models.UniqueConstraint(fields=["result", "line"], name="result_row_line"),
        ]
        indexes = [models.Index(fields=["result", "seq"], name="result_row_seq")]

    def __str__(self) -> str:
        return f"{self.result_id}:{self.line}"

    @property
    def masked_account(self) -> str:
        return mask_bank_account(self.account_number)

    @property
    def amount(self) -> Decimal:
        return from_fen(self.amount_fen)


class Refund(models.Model):
    """Money paid back to a payer (退费): the amount, the channel and account it goes back
    through, the telephone confirmation with the insured person (who called, when, which
    number, what was said) recorded before any money moves, and the payout."""

    class Status(models.TextChoices):
        PENDING = "pending", "待电话核实"
        CONFIRMED = "confirmed", "已电话核实，待支付"
        PAID = "paid", "已退付"

    number = models.CharField("退费单号", max_length=24, unique=True)
    payer_kind = models.CharField("退付对象", max_length=4, choices=PayerKind.choices)
    payer_id = models.BigIntegerField("退付对象编号")
    unit = models.ForeignKey(
        "registry.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "registry.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    bill = models.ForeignKey(
        "contributions.Bill",
        verbose_name="原征集单",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    application = models.ForeignKey(
        "applications.Application",
        verbose_name="退费业务",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    amount_fen = models.BigIntegerField("退费金额（分）")
    channel = models.CharField("退付渠道", max_length=8, choices=Channel.choices)
    account_number = models.CharField("收款账号", max_length=30, blank=True)
    account_name = models.CharField("收款户名", max_length=100, blank=True)
    reason = models.CharField("退费原因", max_length=200, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="核实人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_at = models.DateTimeField("核实时间", null=True, blank=True)
    confirmed_phone = models.CharField("核实电话", max_length=20, blank=True)
    # Who answered the call (the insured person, the unit's legal representative …).
    confirmed_with = models.CharField("接听人", max_length=50, blank=True)
    confirmed_note = models.CharField("核实情况", max_length=200, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="支付人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    paid_at = models.DateTimeField("退付时间", null=True, blank=True)
    reference = models.CharField("渠道交易号", max_length=64, blank=True)
    created_at = models.DateTimeField("登记时间")

    class Meta:
        verbose_name = "退费"
        verbose_name_plural = "退费"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_fen__gt=0), name="refund_positive"),
            models.CheckConstraint(
                condition=~models.Q(status="paid")
                | (models.Q(confirmed_at__isnull=False) & models.Q(paid_at__isnull=False)),
                name="refund_paid_after_confirmation",
            ),
            models.UniqueConstraint(
                fields=["channel", "reference"],
                condition=~models.Q(reference=""),
                name="refund_channel_ref",
            ),
            # One refund per application: a second approval, or a repeated request, pays
            # nothing twice.
            models.UniqueConstraint(
                fields=["application"],
                condition=models.Q(application__isnull=False),
                name="refund_one_per_application",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def amount(self) -> Decimal:
        return from_fen(self.amount_fen)

    @property
    def masked_account(self) -> str:
        return mask_bank_account(self.account_number) if self.account_number else ""


class RefundAllocation(models.Model):
    """The part of a refund drawn from one bill's credit (what was paid on it beyond its
    total). A bill's refundable credit is its payments less its total less its allocations, so
    no refund ever pays back more than was paid in excess."""

    refund = models.ForeignKey(Refund, on_delete=models.CASCADE, related_name="allocations")
    bill = models.ForeignKey(
        "contributions.Bill", verbose_name="征集单", on_delete=models.PROTECT, related_name="+"
    )
    amount_fen = models.BigIntegerField("退费金额（分）")

    class Meta:
        verbose_name = "退费来源"
        verbose_name_plural = "退费来源"
        constraints = [
            models.UniqueConstraint(fields=["refund", "bill"], name="refund_allocation_bill"),
            models.CheckConstraint(
                condition=models.Q(amount_fen__gt=0), name="refund_allocation_positive"
            ),
        ]
        indexes = [models.Index(fields=["bill"], name="refund_allocation_of_bill")]

    def __str__(self) -> str:
        return f"{self.refund_id}:{self.bill_id}"


class RefundCall(models.Model):
    """A telephone call of the agency to confirm a refund application with the payer (seed
    003: 退费业务需要与参保人电话核实确认): who answered, the number called, when, the outcome.
    Recorded by the reviewing staff before the approval; the approval needs the latest call to
    have confirmed the refund."""

    class Outcome(models.TextChoices):
        CONFIRMED = "confirmed", "确认申请，同意退费"
        DECLINED = "declined", "否认申请或不同意退费"
        UNREACHABLE = "unreachable", "无人接听或无法接通"

    application = models.ForeignKey(
        "applications.Application",
        verbose_name="退费业务",
        on_delete=models.PROTECT,
        related_name="+",
    )
    phone = models.CharField("拨打号码", max_length=20)
    spoke_with = models.CharField("接听人", max_length=50, blank=True)
    called_at = models.DateTimeField("通话时间")
    outcome = models.CharField("核实结果", max_length=12, choices=Outcome.choices)
    note = models.CharField("通话情况", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="核实人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("记录时间")

    class Meta:
        verbose_name = "退费电话核实"
        verbose_name_plural = "退费电话核实"
        ordering = ["application", "called_at", "id"]
        indexes = [models.Index(fields=["application", "called_at"], name="refund_call_case")]

    def __str__(self) -> str:
        return f"{self.application_id} {self.called_at:%Y-%m-%d %H:%M} {self.outcome}"
