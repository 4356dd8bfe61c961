"""Labour and personnel dispute cases (劳动人事争议): a mediation request (调解申请) or an
arbitration application (仲裁申请), its parties, its statutory time limits, hearing and outcome.

The parties: the applicant (a worker, by ID number, or a unit of the registry) and the
respondent. A worker's dispute is against a unit of the registry (a unit the agency does not
know is refused); a unit's dispute is against a worker, by ID number. The case belongs to the
district of the unit in it, whose labour-relations staff handle it.

Time limits are calendar days from receipt (劳动争议调解仲裁法), read from the policy
(``dispute.*``) when the case is received or accepted and kept on the case.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class DisputeType(models.TextChoices):
    WAGES = "wages", "劳动报酬"
    TERMINATION = "termination", "解除、终止劳动合同"
    SOCIAL_INSURANCE = "social_insurance", "社会保险"
    WORK_INJURY = "work_injury", "工伤待遇"
    WORKING_TIME = "working_time", "工作时间、休息休假"
    OTHER = "other", "其他"


class DisputeCase(models.Model):
    class Kind(models.TextChoices):
        MEDIATION = "mediation", "劳动人事争议调解"
        ARBITRATION = "arbitration", "劳动人事争议仲裁"

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "已申请"
        MEDIATING = "mediating", "调解中"
        ACCEPTED = "accepted", "已受理"
        HEARING = "hearing", "待开庭"
        CLOSED = "closed", "已结案"

    class Outcome(models.TextChoices):
        AGREEMENT = "agreement", "达成调解协议"
        NO_AGREEMENT = "no_agreement", "未达成调解协议"
        NOT_ACCEPTED = "not_accepted", "不予受理"
        AWARD = "award", "仲裁裁决"
        MEDIATED = "mediated", "仲裁调解结案"
        WITHDRAWN = "withdrawn", "申请人撤回"

    class Channel(models.TextChoices):
        ONLINE = "online", "网上申请"
        HOTLINE = "hotline", "12333电话调解专席"

    class Role(models.TextChoices):
        WORKER = "worker", "劳动者"
        EMPLOYER = "employer", "用人单位"

    number = models.CharField("案件编号", max_length=24, unique=True)
    kind = models.CharField("类别", max_length=12, choices=Kind.choices)
    status = models.CharField("状态", max_length=12, choices=Status.choices)
    channel = models.CharField("申请渠道", max_length=8, choices=Channel.choices)
    applicant_role = models.CharField("申请人身份", max_length=8, choices=Role.choices)
    # The worker in the dispute (the applicant, or the respondent of a unit's case).
    worker_name = models.CharField("劳动者姓名", max_length=100)
    worker_id_number = models.CharField("劳动者公民身份号码", max_length=18, db_index=True)
    worker_mobile = models.CharField("劳动者联系电话", max_length=11, blank=True)
    # The unit in the dispute (the respondent of a worker's case, or the applicant).
    unit = models.ForeignKey(
        "registry.Unit", verbose_name="用人单位", on_delete=models.PROTECT, related_name="+"
    )
    district = models.ForeignKey(
        "registry.Region", verbose_name="管辖区县", on_delete=models.PROTECT, related_name="+"
    )
    dispute_type = models.CharField("争议类型", max_length=20, choices=DisputeType.choices)
    claims = models.TextField("请求事项")
    facts = models.TextField("事实和理由")
    claim_amount_fen = models.BigIntegerField("请求金额（分）", null=True, blank=True)
    aware_date = models.DateField("知道或应当知道权利被侵害的日期", null=True, blank=True)
    received_on = models.DateField("收到申请日期")
    due_on = models.DateField("法定期限")  # mediation: no agreement by then; arbitration: accept
    accepted_on = models.DateField("受理日期", null=True, blank=True)
    award_due_on = models.DateField("结案期限", null=True, blank=True)
    hearing_at = models.DateTimeField("开庭时间", null=True, blank=True)
    hearing_place = models.CharField("开庭地点", max_length=200, blank=True)
    outcome = models.CharField("结果", max_length=14, choices=Outcome.choices, blank=True)
    outcome_text = models.TextField("结果说明", blank=True)
    closed_on = models.DateField("结案日期", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提交人",
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The one-time key of the form that created the case: a second submission creates nothing.
    submission_key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField("提交时间")
    updated_at = models.DateTimeField("更新时间")

    class Meta:
        verbose_name = "劳动人事争议案件"
        verbose_name_plural = "劳动人事争议案件"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["district", "status"], name="dispute_district_status")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(claim_amount_fen__isnull=True)
                | models.Q(claim_amount_fen__gte=0),
                name="dispute_amount_not_negative",
            )
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def applicant_name(self) -> str:
        return self.worker_name if self.applicant_role == self.Role.WORKER else self.unit.name

    @property
    def respondent_name(self) -> str:
        return self.unit.name if self.applicant_role == self.Role.WORKER else self.worker_name


class DisputeEvent(models.Model):
    """One step of a case, as the audit trail shows it."""

    case = models.ForeignKey(DisputeCase, on_delete=models.CASCADE, related_name="events")
    action = models.CharField("操作", max_length=20)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField("说明", blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField("时间")

    class Meta:
        verbose_name = "争议案件记录"
        verbose_name_plural = "争议案件记录"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.action}"
