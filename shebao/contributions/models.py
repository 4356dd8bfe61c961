"""Contributions: the parameters of a region's month, the bases, the monthly assessment's lines
and the bills (征集单).

Amounts are integer fen (``BigIntegerField``) so that SQL adds them up exactly on SQLite and
PostgreSQL; ``Decimal`` yuan at every edge (:func:`shebao.common.money.from_fen`).
"""

from __future__ import annotations

from django.conf import settings
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


class ContributionBase(models.Model):
    """An employee's declared wage with a unit (缴费基数申报), from a month on: the previous
    year's average monthly wage, in fen, as declared. The base itself is the clamp of this wage
    to the limits of each month it is used in (the assessment derives it; nothing stores it).

    Dated like the insurance facts: ``valid_to`` is the last month (inclusive; None: until the
    next declaration). A new declaration from a month closes the one in force before it; a
    correction of the same month supersedes the record (who, when) and the old row stays.
    """

    unit = models.ForeignKey(
        "registry.Unit", verbose_name="参保单位", on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "registry.Person", verbose_name="职工", on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField("申报年度")
    valid_from = YearMonthField("执行起始年月")
    valid_to = YearMonthField("执行终止年月", null=True, blank=True)
    wage_fen = models.BigIntegerField("申报月平均工资（分）")
    application = models.ForeignKey(
        "applications.Application",
        verbose_name="申报业务",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField("记录时间")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="记录人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    superseded_at = models.DateTimeField("被更正时间", null=True, blank=True)

    class Meta:
        verbose_name = "缴费基数申报记录"
        verbose_name_plural = "缴费基数申报记录"
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "person", "valid_from"],
                condition=models.Q(superseded_at__isnull=True),
                name="base_unit_person_from",
            ),
            models.CheckConstraint(condition=models.Q(wage_fen__gte=0), name="base_wage_positive"),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="base_period_ordered",
            ),
        ]
        indexes = [
            models.Index(
                fields=["person", "unit", "valid_from"],
                condition=models.Q(superseded_at__isnull=True),
                name="base_current_person",
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.person_id} {self.valid_from}–{self.valid_to or ''}"


class BaseDeclarationLine(models.Model):
    """One employee of a unit's base declaration, staged with its application (DESIGN.md: many
    lines, one application): checked at submission, shown to the reviewer, applied on approval.
    """

    application = models.ForeignKey(
        "applications.Application", on_delete=models.CASCADE, related_name="base_lines"
    )
    row = models.PositiveIntegerField("行号")
    id_number = models.CharField("公民身份号码", max_length=18)
    name = models.CharField("姓名", max_length=100)
    person = models.ForeignKey(
        "registry.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    wage_fen = models.BigIntegerField("上年度月平均工资（分）")

    class Meta:
        verbose_name = "缴费基数申报明细"
        verbose_name_plural = "缴费基数申报明细"
        ordering = ["application", "row"]
        constraints = [
            models.UniqueConstraint(fields=["application", "row"], name="base_line_row"),
            models.UniqueConstraint(
                fields=["application", "id_number"], name="base_line_person_once"
            ),
            models.CheckConstraint(
                condition=models.Q(wage_fen__gte=0), name="base_line_wage_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application_id}#{self.row} {self.id_number}"

    @property
    def wage_yuan(self) -> str:
        return f"{self.wage_fen // 100}.{self.wage_fen % 100:02d}"


class PayerKind(models.TextChoices):
    """Who pays a line and its bill: a unit (for its employees), or the person themselves.
    With ``payer_id`` (the unit's or the person's id) it makes the payer of every key."""

    UNIT = "unit", "单位"
    SELF = "self", "个人"


class LineKind(models.TextChoices):
    EMPLOYEE = "employee", "职工"
    FLEXIBLE = "flexible", "灵活就业人员"


class BaseSource(models.TextChoices):
    DECLARED = "declared", "单位申报"
    FLOOR = "floor", "未申报，按下限"
    GRADE = "grade", "缴费档次"


class RunKind(models.TextChoices):
    ASSESS = "assess", "月度核定"
    TRUEUP = "trueup", "多退少补"


class AssessmentRun(models.Model):
    """One run of a region's monthly assessment (缴费核定): its progress, chunk by chunk, and
    what it found. A rerun is a new run over the same month: it adds only what is missing."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "核定中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    region = models.ForeignKey(
        "registry.Region", verbose_name="统筹地区", on_delete=models.PROTECT, related_name="+"
    )
    month = YearMonthField("费款所属年月")
    kind = models.CharField("类型", max_length=8, choices=RunKind.choices, default=RunKind.ASSESS)
    # A true-up: the bill month its adjustments are carried into.
    into_month = YearMonthField("补退计入年月", null=True, blank=True)
    # Run outside the region's closed assessment window by a staff member allowed to.
    forced = models.BooleanField("窗口期外强制执行", default=False)
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.QUEUED)
    snapshot = models.ForeignKey(
        ParameterSnapshot, null=True, blank=True, on_delete=models.PROTECT, related_name="runs"
    )
    chunks_total = models.PositiveIntegerField("分段数", default=0)
    chunks_done = models.PositiveIntegerField("已完成分段", default=0)
    lines_written = models.BigIntegerField("新增明细", default=0)
    bills = models.PositiveIntegerField("征集单数", default=0)
    # What the run could not assess: [{"code", "message", "count", "sample": [...]}]
    problems = models.JSONField("未能核定", default=list, blank=True)
    error = models.TextField("错误", blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发起人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("发起时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    updated_at = models.DateTimeField("最近进展", auto_now=True)

    class Meta:
        verbose_name = "缴费核定批次"
        verbose_name_plural = "缴费核定批次"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "month"],
                condition=models.Q(status__in=["queued", "running"]),
                name="assessment_one_active_per_month",
            )
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.month} {self.status}"

    @property
    def percent(self) -> int:
        if not self.chunks_total:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, self.chunks_done * 100 // self.chunks_total)


class Bill(models.Model):
    """A payer's collection sheet (征集单) for a month: the totals of its lines, in fen.

    ``status`` is stored for queries: unpaid, then arrears (欠费) once the day by which it is
    payable has passed — set set-based every day by ``bills_mark_arrears`` (housekeeping) —
    then paid when what was paid covers the amount due, late fee included — or cancelled when a
    self-paying person gives the months up (:mod:`shebao.contributions.cancellations`). A read on any day
    does not wait for the housekeeping: :func:`shebao.contributions.dues.bill_state` derives
    the state from the dates (:mod:`shebao.contributions.dues` says how much and why)."""

    class Status(models.TextChoices):
        UNPAID = "unpaid", "待缴费"
        ARREARS = "arrears", "欠费"
        PAID = "paid", "已缴费"
        # Given up by its payer (灵活就业人员历史欠费注销): not due, counts for nothing; the bill
        # and its lines stay, with the BillCancellation that says why.
        CANCELLED = "cancelled", "已注销"

    class Kind(models.TextChoices):
        # The month's bill of a payer: its lines are the month's (one per payer and month).
        MONTHLY = "monthly", "月度征集单"
        # A back-payment's bill (补缴征集单): lines of past months, issued in ``month`` on
        # approval of the back-payment (:class:`BackPayment`); as many as there are cases.
        BACK_PAYMENT = "backpay", "补缴征集单"

    # Bills still to be paid (a payment channel takes them; adjustments are carried into them).
    OPEN = (Status.UNPAID, Status.ARREARS)

    number = models.CharField("征集单号", max_length=24, unique=True)
    kind = models.CharField("类型", max_length=8, choices=Kind.choices, default=Kind.MONTHLY)
    month = YearMonthField("费款所属年月")
    region = models.ForeignKey(
        "registry.Region", verbose_name="统筹地区", on_delete=models.PROTECT, related_name="+"
    )
    payer_kind = models.CharField("缴费主体", max_length=4, choices=PayerKind.choices)
    payer_id = models.BigIntegerField("缴费主体编号")
    unit = models.ForeignKey(
        "registry.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "registry.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_date = models.DateField("缴费截止日期")
    # A deferral (缓缴) approved for the bill: the day it is payable by instead, without late fee
    # and without loss of rights (seeds 000, 003).
    deferred_to = models.DateField("缓缴至", null=True, blank=True)
    unit_total_fen = models.BigIntegerField("单位缴费合计（分）", default=0)
    individual_total_fen = models.BigIntegerField("个人缴费合计（分）", default=0)
    line_count = models.PositiveIntegerField("明细数", default=0)
    # The adjustments (多退少补) of earlier months carried into this bill, summed like the lines
    # (negative: refunded, deducted from this bill).
    adjustment_unit_fen = models.BigIntegerField("补退单位缴费（分）", default=0)
    adjustment_individual_fen = models.BigIntegerField("补退个人缴费（分）", default=0)
    adjustment_count = models.PositiveIntegerField("补退明细数", default=0)
    # A back-payment's late fee (滞纳金) of its past months, fixed when the bill is issued: each
    # month's from the day after it was payable by to the day before the bill (DOMAIN.md §4).
    # Part of the amount due; a bill's own late fee runs on top once it is overdue itself.
    backpay_late_fee_fen = models.BigIntegerField("补缴滞纳金（分）", default=0)
    # A flexible worker's interruption back-payment's interest (补缴利息) on its past months'
    # pension contributions, by the back-payment interest rule (:mod:`shebao.rules.backpay`),
    # fixed when the bill is issued; part of the amount due, kept apart from the principal.
    backpay_interest_fen = models.BigIntegerField("补缴利息（分）", default=0, db_default=0)
    provisional = models.BooleanField("含临时参数", default=False)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.UNPAID)
    confirmed_at = models.DateTimeField("单位确认时间", null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="确认人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("生成时间")
    updated_at = models.DateTimeField("更新时间")

    class Meta:
        verbose_name = "征集单"
        verbose_name_plural = "征集单"
        ordering = ["-month", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["month", "payer_kind", "payer_id"],
                condition=models.Q(kind="monthly"),
                name="bill_month_payer",
            ),
            models.CheckConstraint(
                condition=(models.Q(payer_kind="unit") & models.Q(unit__isnull=False))
                | (models.Q(payer_kind="self") & models.Q(person__isnull=False)),
                name="bill_payer_consistent",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "month"], name="bill_unit_month"),
            models.Index(fields=["person", "month"], name="bill_person_month"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_back_payment(self) -> bool:
        return self.kind == self.Kind.BACK_PAYMENT

    @property
    def assessed_fen(self) -> int:
        """The month's own lines."""
        return self.unit_total_fen + self.individual_total_fen

    @property
    def adjustment_fen(self) -> int:
        return self.adjustment_unit_fen + self.adjustment_individual_fen

    @property
    def total_fen(self) -> int:
        """What the bill asks for: the month's lines and the adjustments carried in."""
        return self.assessed_fen + self.adjustment_fen


class ContributionLine(models.Model):
    """One person × insurance × month × payer: the base and the unit's and the individual's
    shares, in integer fen, computed set-based by the monthly assessment with the rules' own
    formulas (:mod:`shebao.contributions.formulas`). The line keeps its inputs (the declared
    wage or the grade, the unit's injury class) and points to the month's parameter snapshot;
    its explanation is rebuilt from both on demand (:mod:`shebao.contributions.explain`).

    A line, once assessed, is not rewritten: what changes later (a parameter made final, a base
    corrected) is settled by adjustment lines; so a rerun of the month adds what is missing and
    nothing else (an anti-join on the natural key, which stays unique).

    The table is the one a city writes millions of rows into each month, so besides the unique
    key — which also serves a bill's page: a bill is (month, payer), the key's prefix — it has
    one index, (person, month), for a person's record, and its references are not enforced by
    the database (each would cost a lookup per row written): the batch writes only ids it has just read from the tables they name, and
    nothing deletes a unit, a person, a snapshot or a bill that has lines.
    """

    month = YearMonthField("费款所属年月")
    # The line table is the one a city writes millions of rows into each month: besides its
    # key (which serves the bill's page) it carries one index, for a person's record; the
    # foreign keys need none of their own.
    region = models.ForeignKey(
        "registry.Region",
        verbose_name="统筹地区",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    payer_kind = models.CharField("缴费主体", max_length=4, choices=PayerKind.choices)
    payer_id = models.BigIntegerField("缴费主体编号")
    unit = models.ForeignKey(
        "registry.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    insurance = models.CharField("险种", max_length=16)
    kind = models.CharField("人员类别", max_length=8, choices=LineKind.choices)
    wage_fen = models.BigIntegerField("申报工资（分）", null=True, blank=True)
    grade = models.PositiveSmallIntegerField("缴费档次（%）", null=True, blank=True)
    base_source = models.CharField("基数来源", max_length=8, choices=BaseSource.choices)
    base_fen = models.BigIntegerField("缴费基数（分）")
    unit_fen = models.BigIntegerField("单位缴费（分）")
    individual_fen = models.BigIntegerField("个人缴费（分）")
    injury_class = models.PositiveSmallIntegerField("工伤风险类别", null=True, blank=True)
    snapshot = models.ForeignKey(
        ParameterSnapshot,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    provisional = models.BooleanField("含临时参数", default=False)
    bill = models.ForeignKey(
        Bill, on_delete=models.PROTECT, related_name="lines", db_index=False, db_constraint=False
    )
    # 0: the month's line as assessed or back-paid. 1: the back-payment of a month whose line's
    # bill was given up (欠费注销) — a new line beside the cancelled one, which stays in the
    # record (:mod:`shebao.contributions.gap_backpay`).
    revision = models.PositiveSmallIntegerField("补缴次序", default=0, db_default=0)

    class Meta:
        verbose_name = "缴费核定明细"
        verbose_name_plural = "缴费核定明细"
        constraints = [
            models.UniqueConstraint(
                fields=["month", "payer_kind", "payer_id", "person", "insurance", "revision"],
                name="line_month_payer_person_insurance_revision",
            ),
            models.CheckConstraint(
                condition=models.Q(base_fen__gte=0)
                & models.Q(unit_fen__gte=0)
                & models.Q(individual_fen__gte=0),
                name="line_amounts_not_negative",
            ),
        ]
        # A person's record by month (缴费记录, the months that count for pension): one index
        # the batch pays for on each line it writes, so that no read scans a city's months.
        indexes = [models.Index(fields=["person", "month"], name="line_person_month")]

    def __str__(self) -> str:
        return f"{self.month} {self.payer_kind}:{self.payer_id} {self.person_id} {self.insurance}"


class AdjustmentCause(models.TextChoices):
    TRUEUP = "trueup", "临时参数转正式"
    BASE_RAISE = "base_raise", "缴费基数调整（上调）"
    BASE = "base", "缴费基数更正"
    # 单位申报基数差补缴: the upward difference of past months, on a back-payment bill.
    BASE_DIFFERENCE = "base_diff", "基数差补缴"


class ContributionAdjustment(models.Model):
    """An adjustment (多退少补) of an assessed month: what a line would be now — on the month's
    latest parameter snapshot and the base in force now — minus what was charged for it so far
    (the line and the adjustments before this one), carried into a later bill (DESIGN.md:
    "True-up is a diff"). Only differences are written; so a rerun writes nothing.

    Keyed by the line's natural key and what the new amounts were computed from — the snapshot
    and the base record (``base_record_id``, 0 for the floor) — so the same change is never
    carried twice. Its explanation is rebuilt: the line's calculation on the old snapshot and
    base, the same rule on the new ones, and the difference.

    Like the line table, the table a true-up writes a large part of a city's month into: its
    references are not enforced by the database (eight checks per row written, at commit,
    were half of a city's true-up), for the same reason — the true-up writes only ids it has
    just read from the tables they name (the month's lines, snapshots, bills, the run), and
    nothing deletes a line, a snapshot or a bill that has adjustments (``PROTECT``, in the
    ORM). Besides its key it has the two indexes its reads need (a bill's adjustments, a
    person's record); the run's adjustments are found within the month (the key's prefix).
    """

    month = YearMonthField("费款所属年月")
    region = models.ForeignKey(
        "registry.Region",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    payer_kind = models.CharField("缴费主体", max_length=4, choices=PayerKind.choices)
    payer_id = models.BigIntegerField("缴费主体编号")
    unit = models.ForeignKey(
        "registry.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    insurance = models.CharField("险种", max_length=16)
    kind = models.CharField("人员类别", max_length=8, choices=LineKind.choices)
    cause = models.CharField("原因", max_length=12, choices=AdjustmentCause.choices)
    line = models.ForeignKey(
        ContributionLine,
        on_delete=models.PROTECT,
        related_name="adjustments",
        db_index=False,
        db_constraint=False,
    )
    old_snapshot = models.ForeignKey(
        ParameterSnapshot,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    snapshot = models.ForeignKey(
        ParameterSnapshot,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    base_record_id = models.BigIntegerField("所用基数申报记录", default=0)
    wage_fen = models.BigIntegerField("申报工资（分）", null=True, blank=True)
    grade = models.PositiveSmallIntegerField("缴费档次（%）", null=True, blank=True)
    injury_class = models.PositiveSmallIntegerField("工伤风险类别", null=True, blank=True)
    # The line recomputed now, and the difference to what was charged before this adjustment.
    base_fen = models.BigIntegerField("调整后缴费基数（分）")
    unit_fen = models.BigIntegerField("调整后单位缴费（分）")
    individual_fen = models.BigIntegerField("调整后个人缴费（分）")
    unit_diff_fen = models.BigIntegerField("单位补退（分）")
    individual_diff_fen = models.BigIntegerField("个人补退（分）")
    provisional = models.BooleanField("含临时参数", default=False)
    bill = models.ForeignKey(
        Bill,
        on_delete=models.PROTECT,
        related_name="adjustments",
        db_index=False,
        db_constraint=False,
    )
    run = models.ForeignKey(
        AssessmentRun,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    created_at = models.DateTimeField("生成时间")

    class Meta:
        verbose_name = "缴费补退明细"
        verbose_name_plural = "缴费补退明细"
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "month",
                    "payer_kind",
                    "payer_id",
                    "person",
                    "insurance",
                    "snapshot",
                    "base_record_id",
                ],
                name="adjustment_line_snapshot_base",
            ),
        ]
        indexes = [
            models.Index(fields=["bill", "person"], name="adjustment_bill_person"),
            models.Index(fields=["person", "month"], name="adjustment_person_month"),
        ]

    def __str__(self) -> str:
        return f"{self.month} {self.payer_kind}:{self.payer_id} {self.person_id} {self.insurance}"

    @property
    def diff_fen(self) -> int:
        return self.unit_diff_fen + self.individual_diff_fen


class BackPaymentKind(models.TextChoices):
    STAFF = "staff", "单位申报个人补缴"
    MONTHLY = "monthly", "单位申报月报补缴"
    GAP = "gap", "养老保险中断期补缴"
    BASE_DIFFERENCE = "basediff", "单位申报基数差补缴"


class BackPayment(models.Model):
    """A unit's back-payment (补缴) approved: the past months' lines it wrote — ordinary
    :class:`ContributionLine` rows of those months, computed by the rules on each month's own
    parameter snapshot, so they stand in the person's record like any month and are explained
    like any line — and the bill (补缴征集单) they are paid by. One per application: a second
    approval finds it; one line per (month, payer, person, insurance): a month already assessed
    or back-paid cannot be back-paid again."""

    application = models.OneToOneField(
        "applications.Application",
        verbose_name="补缴业务",
        on_delete=models.PROTECT,
        related_name="back_payment",
    )
    kind = models.CharField("补缴类型", max_length=8, choices=BackPaymentKind.choices)
    acceptance_mode = models.CharField("受理方式", max_length=12)
    # None: a flexible worker's own back-payment (养老保险中断期补缴).
    unit = models.ForeignKey(
        "registry.Unit",
        verbose_name="参保单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    person = models.ForeignKey(
        "registry.Person",
        verbose_name="职工",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    first_month = YearMonthField("补缴起始年月")
    last_month = YearMonthField("补缴截止年月")
    # The wage declared for the months (the base is its clamp to each month's limits).
    wage_fen = models.BigIntegerField("补缴申报工资（分）", null=True, blank=True)
    bill = models.OneToOneField(
        Bill, verbose_name="补缴征集单", on_delete=models.PROTECT, related_name="back_payment"
    )
    # The day before the bill: the last day of the months' late fee.
    late_fee_until = models.DateField("滞纳金计至")
    created_at = models.DateTimeField("生成时间")

    class Meta:
        verbose_name = "补缴记录"
        verbose_name_plural = "补缴记录"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_month__gte=models.F("first_month")),
                name="backpay_period_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.bill_id} {self.first_month}–{self.last_month}"


class BillDeferral(models.Model):
    """A deferral (缓缴) approved for a bill: the day it was payable by before, the day it is
    payable by now, and the policy or emergency record that allows it (seeds 000, 003). The
    bill's ``deferred_to`` is the day the latest deferral set; these rows say why."""

    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="deferrals")
    application = models.ForeignKey(
        "applications.Application",
        verbose_name="缓缴申请",
        on_delete=models.PROTECT,
        related_name="+",
    )
    payable_before = models.DateField("原缴费截止日期")
    deferred_to = models.DateField("缓缴至")
    basis = models.CharField("缓缴依据", max_length=200)
    source = models.CharField("依据来源", max_length=300, blank=True)
    created_at = models.DateTimeField("记录时间")

    class Meta:
        verbose_name = "征集单缓缴记录"
        verbose_name_plural = "征集单缓缴记录"
        ordering = ["bill", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["bill", "application"], name="deferral_bill_application"
            ),
            models.CheckConstraint(
                condition=models.Q(deferred_to__gt=models.F("payable_before")),
                name="deferral_moves_later",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bill_id} → {self.deferred_to}"


class BillCancellation(models.Model):
    """A self-paid bill in arrears given up by its payer (灵活就业人员历史欠费注销, seed 001): the
    bill (then cancelled, 已注销) and its lines stay in the record, and this row says when, by
    whom, on which application, what was owed and what the payer was told is lost. Once per bill:
    a cancellation cannot be undone."""

    bill = models.OneToOneField(Bill, on_delete=models.PROTECT, related_name="cancellation")
    application = models.ForeignKey(
        "applications.Application",
        verbose_name="注销申请",
        on_delete=models.PROTECT,
        related_name="+",
    )
    principal_fen = models.BigIntegerField("注销的欠缴本金（分）")
    late_fee_fen = models.BigIntegerField("注销时的滞纳金（分）")
    reason = models.CharField("注销后果（已告知）", max_length=300)
    cancelled_at = models.DateTimeField("注销时间")
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "欠费注销记录"
        verbose_name_plural = "欠费注销记录"
        ordering = ["bill", "pk"]

    def __str__(self) -> str:
        return f"{self.bill_id} 已注销"
