"""Who is insured where: insurance relations (参保关系) and the dated facts they depend on.

Every row here is effective-dated by month and never overwritten. A relation that changes — it
ends, or staff correct its start — gets a new *version*: the old row is marked superseded (who,
when, why) and the new one carries the same ``spell`` id. Queries read the current versions;
history reads them all. A past month therefore always reads the facts of that month.

Months are :class:`~shebao.common.periods.YearMonth` (stored as ``YYYYMM``); ``end_month`` is the
last month covered, inclusive, and ``None`` for a relation still open.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from shebao.common.periods import YearMonthField


class Insurance(models.TextChoices):
    """The insurance (险种). Codes are the policy parameters' (``contribution.insurances``)."""

    PENSION = "pension", "基本养老保险"
    MEDICAL = "medical", "基本医疗保险"
    UNEMPLOYMENT = "unemployment", "失业保险"
    WORK_INJURY = "work_injury", "工伤保险"
    MATERNITY = "maternity", "生育保险"


class Scheme(models.TextChoices):
    """The scheme a relation belongs to: the same insurance has separate schemes."""

    EMPLOYEE = "employee", "企业职工"
    INSTITUTION = "institution", "机关事业单位"
    RESIDENT = "resident", "城乡居民"


class Category(models.TextChoices):
    """The insured person's category (缴费人员类别) in the relation."""

    EMPLOYEE = "employee", "在职职工"
    FLEXIBLE = "flexible", "灵活就业人员"
    INSTITUTION = "institution", "机关事业单位工作人员"
    RESIDENT = "resident", "城乡居民"
    # A worker on a construction project insured by project (按项目参保): work injury only, paid
    # once for the whole project by its general contractor (shebao.insurance.projects).
    PROJECT = "project", "按项目参保人员"


class PayerKind(models.TextChoices):
    UNIT = "unit", "单位缴费"
    SELF = "self", "个人缴费"


class StartReason(models.TextChoices):
    ENROL = "enrol", "新参保"
    REJOIN = "rejoin", "续保"
    TRANSFER_IN = "transfer_in", "转入"
    DISPATCH = "dispatch", "派遣调转"
    MIGRATED = "migrated", "历史数据迁移"


class EndReason(models.TextChoices):
    LEAVE = "leave", "退工停保"
    SUSPEND = "suspend", "暂停缴费"
    CANCEL = "cancel", "注销"
    DISPATCH = "dispatch", "派遣调转"
    PROJECT_END = "project_end", "项目竣工"
    TRANSFER_OUT = "transfer_out", "转出"
    RETIRE = "retire", "退休"
    DEATH = "death", "死亡"


class RelationQuerySet(models.QuerySet["Relation"]):
    def current(self) -> RelationQuerySet:
        """The versions in force (not superseded)."""
        return self.filter(superseded_at__isnull=True)

    def covering(self, month: object) -> RelationQuerySet:
        """Relations that cover ``month`` (a YearMonth)."""
        return self.filter(start_month__lte=month).filter(
            models.Q(end_month__isnull=True) | models.Q(end_month__gte=month)
        )


class Relation(models.Model):
    """One spell of one insurance for one person with one payer, from a month to a month."""

    spell = models.UUIDField("参保关系编号", default=uuid.uuid4, db_index=True)
    version = models.PositiveIntegerField("版本", default=1)
    person = models.ForeignKey(
        "registry.Person", verbose_name="参保人", on_delete=models.PROTECT, related_name="+"
    )
    insurance = models.CharField("险种", max_length=16, choices=Insurance.choices)
    scheme = models.CharField("制度", max_length=16, choices=Scheme.choices)
    category = models.CharField("人员类别", max_length=16, choices=Category.choices)
    payer_kind = models.CharField("缴费方式", max_length=8, choices=PayerKind.choices)
    unit = models.ForeignKey(
        "registry.Unit",
        verbose_name="参保单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # 劳务派遣: the client unit (用工单位) a dispatched worker serves. The payer (``unit``) stays
    # the dispatch agency, the relation is kept where the client is (shebao.insurance.dispatch).
    client_unit = models.ForeignKey(
        "registry.Unit",
        verbose_name="用工单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # 按项目参保: the construction project whose work-injury cover this is; ``unit`` is the
    # project's general contractor (shebao.insurance.projects).
    project = models.ForeignKey(
        "insurance.ConstructionProject",
        verbose_name="工程建设项目",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="worker_relations",
    )
    # Where the relation is kept (the unit's district, or the person's for a self-payer).
    district = models.ForeignKey(
        "registry.Region", verbose_name="参保地", on_delete=models.PROTECT, related_name="+"
    )
    start_month = YearMonthField("起始年月")
    end_month = YearMonthField("终止年月", null=True, blank=True)
    start_reason = models.CharField("参保原因", max_length=16, choices=StartReason.choices)
    end_reason = models.CharField("终止原因", max_length=16, choices=EndReason.choices, blank=True)
    application = models.ForeignKey(
        "applications.Application",
        verbose_name="办理业务",
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
    note = models.CharField("说明", max_length=200, blank=True)
    superseded_at = models.DateTimeField("被更正时间", null=True, blank=True)

    objects = RelationQuerySet.as_manager()

    class Meta:
        verbose_name = "参保关系"
        verbose_name_plural = "参保关系"
        constraints = [
            models.UniqueConstraint(fields=["spell", "version"], name="relation_spell_version"),
            models.CheckConstraint(
                condition=models.Q(end_month__isnull=True)
                | models.Q(end_month__gte=models.F("start_month")),
                name="relation_end_after_start",
            ),
            models.CheckConstraint(
                condition=(models.Q(payer_kind="unit") & models.Q(unit__isnull=False))
                | (models.Q(payer_kind="self") & models.Q(unit__isnull=True)),
                name="relation_payer_consistent",
            ),
            models.CheckConstraint(
                condition=models.Q(project__isnull=True)
                | (models.Q(insurance="work_injury") & models.Q(payer_kind="unit")),
                name="relation_project_work_injury_only",
            ),
            models.CheckConstraint(
                condition=models.Q(client_unit__isnull=True) | models.Q(payer_kind="unit"),
                name="relation_client_unit_payer",
            ),
        ]
        indexes = [
            models.Index(
                fields=["person", "insurance"],
                condition=models.Q(superseded_at__isnull=True),
                name="relation_current_person",
            ),
            models.Index(
                fields=["unit", "person"],
                condition=models.Q(superseded_at__isnull=True),
                name="relation_current_unit",
            ),
            models.Index(
                fields=["project", "person"],
                condition=models.Q(superseded_at__isnull=True),
                name="relation_current_project",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.insurance} {self.start_month}–{self.end_month or ''}"

    def covers(self, month: object) -> bool:
        return self.start_month <= month and (self.end_month is None or self.end_month >= month)


class DatedFact(models.Model):
    """A fact valid from a month to a month (inclusive; ``valid_to`` None = still valid)."""

    valid_from = YearMonthField("起始年月")
    valid_to = YearMonthField("终止年月", null=True, blank=True)
    recorded_at = models.DateTimeField("记录时间")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="记录人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField("原因", max_length=200, blank=True)

    class Meta:
        abstract = True


class PersonDistrict(DatedFact):
    """The district in which a person is insured (参保地), month by month."""

    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="district_history"
    )
    district = models.ForeignKey("registry.Region", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "人员参保地记录"
        verbose_name_plural = "人员参保地记录"
        constraints = [
            models.UniqueConstraint(fields=["person", "valid_from"], name="person_district_from")
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.district_id} {self.valid_from}–{self.valid_to or ''}"


class UnitInjuryClass(DatedFact):
    """A unit's work-injury industry risk class (1–8, 人社部发〔2015〕71号), month by month."""

    unit = models.ForeignKey(
        "registry.Unit", on_delete=models.PROTECT, related_name="injury_class_history"
    )
    injury_class = models.PositiveSmallIntegerField("工伤行业风险类别")

    class Meta:
        verbose_name = "单位工伤风险类别记录"
        verbose_name_plural = "单位工伤风险类别记录"
        constraints = [
            models.UniqueConstraint(fields=["unit", "valid_from"], name="unit_injury_from"),
            models.CheckConstraint(
                condition=models.Q(injury_class__gte=1, injury_class__lte=8),
                name="unit_injury_class_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} 第{self.injury_class}类 {self.valid_from}–{self.valid_to or ''}"


class UnitStatus(DatedFact):
    """A unit's status (正常 / 暂停缴费 / 已注销), month by month."""

    unit = models.ForeignKey(
        "registry.Unit", on_delete=models.PROTECT, related_name="status_history"
    )
    status = models.CharField("状态", max_length=12)

    class Meta:
        verbose_name = "单位状态记录"
        verbose_name_plural = "单位状态记录"
        constraints = [
            models.UniqueConstraint(fields=["unit", "valid_from"], name="unit_status_from")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.status} {self.valid_from}–{self.valid_to or ''}"


class StaffChangeLine(models.Model):
    """One row of a unit's staff-change roster (人员增减名册), staged with its application.

    Validated when the unit submits, shown to the reviewer, applied set-based on approval. Money
    in integer fen.
    """

    class Kind(models.TextChoices):
        ENROL = "enrol", "增员"
        LEAVE = "leave", "减员"

    application = models.ForeignKey(
        "applications.Application", on_delete=models.CASCADE, related_name="staff_change_lines"
    )
    line = models.PositiveIntegerField("行号")  # the row in the uploaded sheet
    kind = models.CharField("变动类型", max_length=8, choices=Kind.choices)
    id_number = models.CharField("公民身份号码", max_length=18)
    name = models.CharField("姓名", max_length=100)
    person = models.ForeignKey(
        "registry.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    event_date = models.DateField("用工或解除日期")
    month = YearMonthField("参保或停保年月")
    wage_fen = models.BigIntegerField("月工资收入（分）", null=True, blank=True)
    insurances = models.CharField("参保险种", max_length=40, blank=True)
    leave_reason = models.CharField("解除原因", max_length=24, blank=True)
    mobile = models.CharField("手机号码", max_length=11, blank=True)

    class Meta:
        verbose_name = "人员增减名册行"
        verbose_name_plural = "人员增减名册行"
        ordering = ["application", "line"]
        constraints = [
            models.UniqueConstraint(fields=["application", "line"], name="staff_change_line"),
            models.UniqueConstraint(
                fields=["application", "id_number"], name="staff_change_person_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application_id}#{self.line} {self.kind} {self.id_number}"

    @property
    def wage_yuan(self) -> str:
        """The wage for display, e.g. ``5200.00`` (empty for a termination)."""
        if self.wage_fen is None:
            return ""
        return f"{self.wage_fen // 100}.{self.wage_fen % 100:02d}"


class FlexibleGrade(DatedFact):
    """The contribution grade a flexible worker chose (缴费档次, percent of the average wage),
    month by month: the base of their pension contributions is the grade of the month."""

    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="flexible_grades"
    )
    grade = models.PositiveSmallIntegerField("缴费档次（%）")
    application = models.ForeignKey(
        "applications.Application",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "灵活就业缴费档次记录"
        verbose_name_plural = "灵活就业缴费档次记录"
        constraints = [
            models.UniqueConstraint(fields=["person", "valid_from"], name="flexible_grade_from")
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.grade}% {self.valid_from}–{self.valid_to or ''}"


class StudentStatus(DatedFact):
    """A person's full-time student status (在校学生学籍), from the month of admission to the
    month they leave school: shared by the education department (学籍信息共享) and imported with
    ``manage.py student_status_import``. A student in a month cannot enrol in the urban-rural
    resident pension (国发〔2014〕8号: 年满16周岁（不含在校学生）)."""

    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="student_statuses"
    )
    school = models.CharField("学校", max_length=100)

    class Meta:
        verbose_name = "在校学生学籍记录"
        verbose_name_plural = "在校学生学籍记录"
        constraints = [
            models.UniqueConstraint(fields=["person", "valid_from"], name="student_status_from")
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.school} {self.valid_from}–{self.valid_to or ''}"


class ConstructionProject(models.Model):
    """A construction project insured for work injury by project (按项目参加工伤保险).

    The general contractor (施工总承包单位) insures the project where it is built, once, for
    everyone the project uses who is not insured by their employer — subcontractors' and labour
    subcontractors' workers included (人社部发〔2014〕103号; 人社部发〔2018〕3号 extends it to
    railway, road, water transport, water conservancy, energy and airport projects). The premium
    is a share of the contract price paid before work starts, not a monthly amount per head, so
    the workers' cover (:class:`Relation` rows with this ``project``) is a register of who is on
    the site from which month to which, not a contribution base. Money in integer fen.
    """

    code = models.CharField("项目编号", max_length=50, unique=True)  # 施工许可证号或项目备案编号
    name = models.CharField("项目名称", max_length=200)
    unit = models.ForeignKey(
        "registry.Unit",
        verbose_name="施工总承包单位",
        on_delete=models.PROTECT,
        related_name="construction_projects",
    )
    district = models.ForeignKey(
        "registry.Region", verbose_name="项目所在地", on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField("项目地址", max_length=200, blank=True)
    start_date = models.DateField("开工日期")
    planned_end_date = models.DateField("计划竣工日期")
    completed_on = models.DateField("竣工日期", null=True, blank=True)
    contract_price_fen = models.BigIntegerField("工程合同价（分）", null=True, blank=True)
    application = models.ForeignKey(
        "applications.Application",
        verbose_name="参保登记业务",
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

    class Meta:
        verbose_name = "工程建设项目"
        verbose_name_plural = "工程建设项目"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(planned_end_date__gte=models.F("start_date")),
                name="project_planned_end_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(completed_on__isnull=True)
                | models.Q(completed_on__gte=models.F("start_date")),
                name="project_completed_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(contract_price_fen__isnull=True)
                | models.Q(contract_price_fen__gte=0),
                name="project_contract_price_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def is_open(self) -> bool:
        return self.completed_on is None


class DispatchLicence(models.Model):
    """A unit's licence to dispatch workers (劳务派遣经营许可证): no unit may run a dispatch
    business without one (《劳动合同法》第五十七条; 《劳务派遣行政许可实施办法》人社部令第19号
    第六条), and it is valid for three years (第十四条). Staff record it from the licence the
    unit shows; only a unit holding one in force may file a 劳务派遣用工调转."""

    unit = models.ForeignKey(
        "registry.Unit",
        verbose_name="劳务派遣单位",
        on_delete=models.PROTECT,
        related_name="dispatch_licences",
    )
    number = models.CharField("许可证编号", max_length=50)
    issued_by = models.CharField("许可机关", max_length=100, blank=True)
    valid_from = models.DateField("有效期起")
    valid_to = models.DateField("有效期至")
    recorded_at = models.DateTimeField("记录时间")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="记录人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "劳务派遣经营许可"
        verbose_name_plural = "劳务派遣经营许可"
        constraints = [
            models.UniqueConstraint(fields=["unit", "number"], name="dispatch_licence_number"),
            models.CheckConstraint(
                condition=models.Q(valid_to__gte=models.F("valid_from")),
                name="dispatch_licence_valid_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.number} {self.valid_from}–{self.valid_to}"
