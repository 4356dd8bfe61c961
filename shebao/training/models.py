"""Vocational training and skill-level assessment (seed 004, Kunshan).

- The directory of training institutions (定点培训机构) and the trades (工种) each teaches, which
  a worker searches by trade name or by the institution's full name, and registrations (培训报名)
  that the institution confirms or declines.
- Skill-level assessment (职业技能等级认定): an enterprise's filing as an assessment institution
  (评价机构备案), its plans (认定计划, at least ``skills.plan_lead_days`` before the exam), the
  candidates (考生) with their admission tickets (准考证), the supervision the assessment centre
  (鉴定中心) assigns, results, and the certificates (职业技能等级证书) numbered and issued
  electronically. Every step is a row of :mod:`shebao.training.workflow`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Level(models.TextChoices):
    """职业技能等级 (五级 … 一级)."""

    FIVE = "5", "初级工（五级）"
    FOUR = "4", "中级工（四级）"
    THREE = "3", "高级工（三级）"
    TWO = "2", "技师（二级）"
    ONE = "1", "高级技师（一级）"


class Trade(models.Model):
    """A trade (职业/工种) of the national occupation classification."""

    code = models.CharField("职业编码", max_length=20, unique=True)
    name = models.CharField("工种名称", max_length=50, unique=True)

    class Meta:
        verbose_name = "工种"
        verbose_name_plural = "工种"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class TrainingInstitution(models.Model):
    """A designated training institution (定点培训机构) and the trades it teaches. ``unit`` is
    its row in the registry, through which its users confirm registrations and apply for the
    institution's training subsidy."""

    name = models.CharField("机构全称", max_length=200, unique=True)
    unit = models.OneToOneField(
        "registry.Unit",
        verbose_name="登记单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="training_institution",
    )
    district = models.ForeignKey(
        "registry.Region", verbose_name="所在区县", on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField("地址", max_length=200)
    phone = models.CharField("联系电话", max_length=30)
    trades = models.ManyToManyField(Trade, verbose_name="可培训工种", related_name="institutions")
    active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = "定点培训机构"
        verbose_name_plural = "定点培训机构"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TrainingRegistration(models.Model):
    """A worker's registration (培训报名) for a trade at an institution."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "待机构确认"
        CONFIRMED = "confirmed", "报名成功"
        DECLINED = "declined", "机构未录取"
        WITHDRAWN = "withdrawn", "已撤回"

    class Employment(models.TextChoices):
        EMPLOYED = "employed", "在职"
        UNEMPLOYED = "unemployed", "失业"
        GRADUATE = "graduate", "未就业高校毕业生"
        OTHER = "other", "其他"

    number = models.CharField("报名编号", max_length=24, unique=True)
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    institution = models.ForeignKey(
        TrainingInstitution, on_delete=models.PROTECT, related_name="registrations"
    )
    trade = models.ForeignKey(Trade, on_delete=models.PROTECT, related_name="+")
    employment_status = models.CharField("就业状态", max_length=12, choices=Employment.choices)
    mobile = models.CharField("联系电话", max_length=11)
    status = models.CharField("状态", max_length=10, choices=Status.choices)
    note = models.CharField("说明", max_length=200, blank=True)
    submission_key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField("报名时间")
    decided_at = models.DateTimeField("确认时间", null=True, blank=True)

    class Meta:
        verbose_name = "培训报名"
        verbose_name_plural = "培训报名"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "institution", "trade"],
                condition=models.Q(status__in=["submitted", "confirmed"]),
                name="training_one_open_registration",
            )
        ]

    def __str__(self) -> str:
        return self.number


class AssessmentFiling(models.Model):
    """An enterprise's filing as a skill-level assessment institution (职业技能等级认定机构备案):
    the trades and the highest level it may assess, approved by the assessment centre."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "待鉴定中心审核"
        APPROVED = "approved", "备案通过"
        REJECTED = "rejected", "备案未通过"

    unit = models.OneToOneField(
        "registry.Unit", on_delete=models.PROTECT, related_name="assessment_filing"
    )
    trades = models.ManyToManyField(Trade, verbose_name="认定工种", related_name="+")
    max_level = models.CharField("最高认定等级", max_length=1, choices=Level.choices)
    contact_name = models.CharField("联系人", max_length=50)
    contact_mobile = models.CharField("联系电话", max_length=11)
    status = models.CharField("状态", max_length=10, choices=Status.choices)
    note = models.CharField("审核意见", max_length=200, blank=True)
    created_at = models.DateTimeField("申报时间")
    updated_at = models.DateTimeField("更新时间")

    class Meta:
        verbose_name = "评价机构备案"
        verbose_name_plural = "评价机构备案"

    def __str__(self) -> str:
        return f"{self.unit_id}:{self.status}"


class AssessmentPlan(models.Model):
    """An assessment plan (认定计划): one trade and level, an exam date and venue."""

    class Status(models.TextChoices):
        DRAFT = "draft", "计划制定中"
        SUBMITTED = "submitted", "已提交，待安排督导"
        SUPERVISED = "supervised", "已安排督导，待实施评价"
        RESULTS_CONFIRMED = "results_confirmed", "成绩已确认，待督导员评价"
        EVALUATED = "evaluated", "督导员已评价，待鉴定中心审核"
        APPROVED = "approved", "鉴定中心同意入库"
        ISSUED = "issued", "证书已核发"

    number = models.CharField("计划编号", max_length=24, unique=True)
    filing = models.ForeignKey(AssessmentFiling, on_delete=models.PROTECT, related_name="plans")
    trade = models.ForeignKey(Trade, on_delete=models.PROTECT, related_name="+")
    level = models.CharField("认定等级", max_length=1, choices=Level.choices)
    exam_date = models.DateField("开考日期")
    venue = models.CharField("考核地点", max_length=200)
    status = models.CharField("状态", max_length=20, choices=Status.choices)
    supervisor = models.CharField("督导员", max_length=100, blank=True)
    supervisor_opinion = models.CharField("督导员评价", max_length=500, blank=True)
    district = models.ForeignKey(
        "registry.Region", verbose_name="管辖区县", on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    created_at = models.DateTimeField("制定时间")
    updated_at = models.DateTimeField("更新时间")
    submission_key = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = "认定计划"
        verbose_name_plural = "认定计划"
        ordering = ["-exam_date", "-id"]

    def __str__(self) -> str:
        return self.number


class Candidate(models.Model):
    """A candidate of a plan, by ID number; the admission ticket (准考证号) is given when the
    plan is submitted; scores (0–100) and the result once entered."""

    plan = models.ForeignKey(AssessmentPlan, on_delete=models.CASCADE, related_name="candidates")
    id_number = models.CharField("公民身份号码", max_length=18)
    name = models.CharField("姓名", max_length=100)
    ticket_number = models.CharField("准考证号", max_length=24, blank=True)
    theory_score = models.PositiveSmallIntegerField("理论知识成绩", null=True, blank=True)
    skill_score = models.PositiveSmallIntegerField("操作技能成绩", null=True, blank=True)
    passed = models.BooleanField("合格", null=True, blank=True)

    class Meta:
        verbose_name = "考生"
        verbose_name_plural = "考生"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "id_number"], name="candidate_once_per_plan"),
            models.CheckConstraint(
                condition=models.Q(theory_score__lte=100) | models.Q(theory_score__isnull=True),
                name="candidate_theory_score_range",
            ),
            models.CheckConstraint(
                condition=models.Q(skill_score__lte=100) | models.Q(skill_score__isnull=True),
                name="candidate_skill_score_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id}:{self.id_number}"


class SkillCertificate(models.Model):
    """An electronic skill-level certificate (职业技能等级证书), numbered when the plan's results
    are stored (入库). ``digest`` is the seal over the certificate's facts: the certificate page
    shows it, and a changed fact no longer matches it."""

    number = models.CharField("证书编号", max_length=24, unique=True)
    candidate = models.OneToOneField(
        Candidate, on_delete=models.PROTECT, related_name="certificate"
    )
    plan = models.ForeignKey(AssessmentPlan, on_delete=models.PROTECT, related_name="certificates")
    id_number = models.CharField("公民身份号码", max_length=18, db_index=True)
    name = models.CharField("姓名", max_length=100)
    trade_name = models.CharField("职业（工种）", max_length=50)
    level = models.CharField("等级", max_length=1, choices=Level.choices)
    institution_name = models.CharField("评价机构", max_length=200)
    issued_on = models.DateField("发证日期")
    digest = models.CharField("电子证书校验码", max_length=64)

    class Meta:
        verbose_name = "职业技能等级证书"
        verbose_name_plural = "职业技能等级证书"
        ordering = ["number"]

    def __str__(self) -> str:
        return self.number


class TrainingEvent(models.Model):
    """One step of a filing, a plan or a registration, as its audit trail shows it."""

    subject = models.CharField("对象", max_length=12)  # filing / plan / registration
    subject_id = models.BigIntegerField()
    action = models.CharField("操作", max_length=24)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField("说明", max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField("时间")

    class Meta:
        verbose_name = "培训与认定记录"
        verbose_name_plural = "培训与认定记录"
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["subject", "subject_id"], name="training_event_subject")]

    def __str__(self) -> str:
        return f"{self.subject}:{self.subject_id}:{self.action}"
