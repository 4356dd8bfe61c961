"""The one workflow engine: an application (申请) for a matter, its audit trail and materials.

An application moves through its states only through the services in
:mod:`shebao.applications.services` (one service per transition, each with a guard, a row lock
and an :class:`ApplicationEvent` written in the same transaction). Nothing here changes state by
itself: no logic in ``save()``, no signals.

The states and every action between them — who may take it, from where, to where, its
Chinese labels and its handler hook — are one table: :mod:`shebao.applications.workflow`.
In short: draft → submitted → accepted (受理) → approved → completed, with return (退回补正,
then modify and resubmit), recall (回退修改, before acceptance), withdraw, reject (不予受理
before acceptance, 不予批准 after it) and lapse (容缺 materials overdue).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from shebao.catalogue.models import Matter


class Application(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "待受理"
        ACCEPTED = "accepted", "已受理（审核中）"
        APPROVED = "approved", "审核通过"
        RETURNED = "returned", "退回补正"
        REJECTED = "rejected", "不予办理"
        COMPLETED = "completed", "已办结"
        WITHDRAWN = "withdrawn", "已撤回"
        LAPSED = "lapsed", "已失效"

    class ApplicantKind(models.TextChoices):
        INDIVIDUAL = "individual", "个人"
        UNIT = "unit", "单位"

    # States in which the agency's time limit runs (counted from acceptance).
    OPEN_FOR_AGENCY = (Status.ACCEPTED, Status.APPROVED)
    # States of a case still open: the agency has it, or the applicant is to correct it.
    OPEN = (Status.SUBMITTED, Status.ACCEPTED, Status.APPROVED, Status.RETURNED)
    # States in which nothing can happen any more.
    FINAL = (Status.REJECTED, Status.COMPLETED, Status.WITHDRAWN, Status.LAPSED)

    number = models.CharField("申请编号", max_length=20, unique=True)
    matter = models.ForeignKey(
        Matter, verbose_name="事项", on_delete=models.PROTECT, related_name="applications"
    )
    applicant_kind = models.CharField("申请人类型", max_length=12, choices=ApplicantKind.choices)
    # The user who created the application (for a unit: the legal representative, an
    # administrator or an operator acting for the unit).
    applicant_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="经办用户",
        on_delete=models.PROTECT,
        related_name="applications_created",
    )
    person = models.ForeignKey(
        "registry.Person",
        verbose_name="申请人（个人）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )
    unit = models.ForeignKey(
        "registry.Unit",
        verbose_name="申请单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )
    # For a unit's application about one employee: the person concerned, resolved from the
    # form's ``subject_id_number`` when the registry knows them (else only the number is kept).
    subject_person = models.ForeignKey(
        "registry.Person",
        verbose_name="涉及人员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications_about",
    )
    subject_id_number = models.CharField("涉及人员公民身份号码", max_length=18, blank=True)
    # Routing: the unit's district, or the person's.
    district = models.ForeignKey(
        "registry.Region", verbose_name="受理区县", on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        "registry.Department", verbose_name="承办部门", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        "状态", max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    # The row of the transitions table (shebao.applications.workflow) that reached ``status``:
    # the status text follows it (a rejection before acceptance is 不予受理, after it 不予批准).
    status_transition = models.CharField("状态来由", max_length=32, blank=True)
    # Copied from the matter at submission; a handler may decide it per case.
    acceptance_mode = models.CharField(
        "受理方式", max_length=12, choices=Matter.AcceptanceMode.choices, blank=True
    )
    data = models.JSONField("申请表内容", default=dict, blank=True)
    # 承诺制: the commitment text the applicant signed, its version (a hash) and when.
    commitment_text = models.TextField("签署的告知承诺书", blank=True)
    commitment_version = models.CharField("承诺书版本", max_length=16, blank=True)
    commitment_signed_at = models.DateTimeField("承诺时间", null=True, blank=True)

    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    returned_at = models.DateTimeField("退回时间", null=True, blank=True)
    decided_at = models.DateTimeField("审核决定时间", null=True, blank=True)
    completed_at = models.DateTimeField("办结时间", null=True, blank=True)
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)
    lapsed_at = models.DateTimeField("失效时间", null=True, blank=True)

    # The statutory time limit: ``time_limit_days`` working days after acceptance. Provisional
    # when the holiday table does not cover every year the count runs through.
    due_date = models.DateField("办结期限", null=True, blank=True, db_index=True)
    due_provisional = models.BooleanField("期限为暂定", default=False)

    # Optimistic lock: every state-changing request carries the version it was shown.
    version = models.PositiveIntegerField("版本", default=1)
    # Idempotency: a double-clicked create or an API retry with the same key returns the
    # same application.
    client_key = models.CharField("客户端请求标识", max_length=64, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="受理人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications_assigned",
    )

    class Meta:
        verbose_name = "业务申请"
        verbose_name_plural = "业务申请"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["applicant_user", "client_key"],
                condition=~Q(client_key=""),
                name="application_one_per_client_key",
            ),
            models.CheckConstraint(
                condition=(Q(applicant_kind="individual", person__isnull=False))
                | (Q(applicant_kind="unit", unit__isnull=False)),
                name="application_has_its_applicant",
            ),
        ]
        indexes = [
            # The reviewer's queue: scope, tab, and the due date for the overdue count.
            models.Index(fields=["department", "district", "status", "due_date"]),
            models.Index(fields=["subject_id_number"]),  # staff search by an employee's ID
            models.Index(fields=["person", "status"]),
            models.Index(fields=["unit", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.number} · {self.matter.name}"

    @property
    def applicant_name(self) -> str:
        if self.applicant_kind == self.ApplicantKind.UNIT and self.unit is not None:
            return self.unit.name
        return self.person.name if self.person is not None else ""

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL

    @property
    def status_label(self) -> str:
        """The status as pages, the API and notifications show it (from the transitions table)."""
        from shebao.applications.workflow import status_label

        return status_label(self)


class ApplicationEvent(models.Model):
    """One line of the audit trail: who did what, from which state to which, and why."""

    class Action(models.TextChoices):
        CREATE = "create", "创建申请"
        UPDATE = "update", "修改申请表"
        UPLOAD = "upload", "上传材料"
        REMOVE_MATERIAL = "remove_material", "删除材料"
        SUBMIT = "submit", "提交申请"
        RECALL = "recall", "回退修改"
        WITHDRAW = "withdraw", "撤回申请"
        ACCEPT = "accept", "受理"
        RETURN = "return", "退回补正"
        REJECT = "reject", "不予办理"
        APPROVE = "approve", "审核通过"
        COMPLETE = "complete", "办结"
        SUPPLY = "supply", "补交容缺材料"
        LAPSE = "lapse", "逾期未补齐材料，申请失效"
        MAIL_SENT = "mail_sent", "邮寄纸质材料"
        MAIL_RECEIVED = "mail_received", "签收邮寄材料"

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="events", verbose_name="申请"
    )
    action = models.CharField("操作", max_length=20, choices=Action.choices)
    from_status = models.CharField(
        "原状态", max_length=12, choices=Application.Status.choices, blank=True
    )
    to_status = models.CharField(
        "新状态", max_length=12, choices=Application.Status.choices, blank=True
    )
    # Null for the system (e.g. the lapse task).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_kind = models.CharField("操作人身份", max_length=12)  # individual/unit/staff/system
    actor_context = models.CharField("操作身份上下文", max_length=40, blank=True)
    reason = models.TextField("理由", blank=True)
    data = models.JSONField("附加信息", default=dict, blank=True)
    at = models.DateTimeField("时间", db_index=True)

    class Meta:
        verbose_name = "申请操作记录"
        verbose_name_plural = "申请操作记录"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.application.number} · {self.get_action_display()}"

    @property
    def label(self) -> str:
        """The action as the applicant reads it: the label of the transitions-table row that was
        taken (a rejection names its stage)."""
        from shebao.applications.workflow import event_label

        return event_label(self.action, self.from_status)

    @property
    def to_status_label(self) -> str:
        """The state the event led to, as the status was shown then."""
        from shebao.applications.workflow import transition_for

        row = transition_for(self.action, self.from_status)
        if row is not None and row.status_label and row.target == self.to_status:
            return row.status_label
        return self.get_to_status_display()


class Material(models.Model):
    """An uploaded file. Stored under MEDIA_ROOT with a random name; served only through the
    authorised download views."""

    OTHER = "other"

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="materials", verbose_name="申请"
    )
    code = models.CharField("材料代码", max_length=64)  # a code from the matter, or "other"
    file = models.FileField("文件", max_length=200)
    original_name = models.CharField("原文件名", max_length=200)
    content_type = models.CharField("文件类型", max_length=100)  # an .xlsx type is 65 characters
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="上传人"
    )
    uploaded_at = models.DateTimeField("上传时间")
    removed_at = models.DateTimeField("删除时间", null=True, blank=True)

    class Meta:
        verbose_name = "申请材料"
        verbose_name_plural = "申请材料"
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return f"{self.application.number} · {self.code} · {self.original_name}"


class DeferredMaterial(models.Model):
    """容缺受理: a material missing at acceptance, tracked until supplied or the case lapses.

    ``due_date`` is ``tolerance_days`` working days after acceptance; empty when the matter sets
    no limit (e.g. Beijing 2020: materials collected after the epidemic ends).
    """

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="deferred", verbose_name="申请"
    )
    code = models.CharField("材料代码", max_length=64)
    name = models.CharField("材料名称", max_length=200)
    due_date = models.DateField("补交期限", null=True, blank=True)
    due_provisional = models.BooleanField("期限为暂定", default=False)
    created_at = models.DateTimeField("登记时间")
    supplied_at = models.DateTimeField("补交时间", null=True, blank=True)
    supplied_material = models.ForeignKey(
        Material,
        verbose_name="补交的材料",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Supplied on paper: the post that brought it, recorded as received by staff.
    supplied_by_mail = models.ForeignKey(
        "MailIn",
        verbose_name="邮寄补交",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    lapsed_at = models.DateTimeField("逾期时间", null=True, blank=True)
    # Set when the case is returned: a new acceptance records what is still missing afresh.
    cancelled_at = models.DateTimeField("作废时间", null=True, blank=True)

    class Meta:
        verbose_name = "容缺材料"
        verbose_name_plural = "容缺材料"
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["due_date", "supplied_at"])]

    def __str__(self) -> str:
        return f"{self.application.number} · {self.name}"

    @property
    def outstanding(self) -> bool:
        return self.supplied_at is None and self.lapsed_at is None and self.cancelled_at is None


class ApplicationCounter(models.Model):
    """The last sequence number given out on a day, for application numbers SByyyymmddNNNNNN.

    Incremented with an UPDATE that holds the row lock until the creating transaction ends, so
    two concurrent creations never get the same number (and a rolled-back one leaves no gap).
    """

    day = models.DateField("日期", primary_key=True)
    last = models.PositiveIntegerField("已用序号", default=0)

    class Meta:
        verbose_name = "申请编号计数"
        verbose_name_plural = "申请编号计数"

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"


class MailIn(models.Model):
    """Paper materials the applicant sent by post (邮寄材料, seed 000): the carrier's tracking
    number, where the envelope goes (the receiving section's address from the region's
    directory, copied as it stood) and the note the envelope's remark field must carry. Staff
    record its receipt; a 容缺 case's deferred materials it holds are supplied on receipt."""

    class Carrier(models.TextChoices):
        EMS = "ems", "中国邮政速递物流（EMS）"
        POST = "post", "中国邮政（挂号信、包裹）"
        SF = "sf", "顺丰速运"

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="mailings", verbose_name="申请"
    )
    carrier = models.CharField("寄递企业", max_length=8, choices=Carrier.choices)
    tracking_number = models.CharField("运单号", max_length=20)
    codes = models.JSONField("邮寄的材料", default=list)
    contact = models.CharField("联系方式（电话、QQ或微信号）", max_length=50)
    recipient = models.CharField("收件人", max_length=100)
    address = models.CharField("收件地址", max_length=200)
    postal_code = models.CharField("邮编", max_length=6, blank=True)
    note = models.CharField("邮寄单备注", max_length=300)
    sent_at = models.DateTimeField("登记时间")
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    received_at = models.DateTimeField("签收时间", null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="签收人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "邮寄材料"
        verbose_name_plural = "邮寄材料"
        ordering = ["sent_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "tracking_number"], name="mailin_one_per_tracking_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application.number} · {self.tracking_number}"
