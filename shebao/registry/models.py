"""Who is who: regions, agency departments, insured persons and units."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shebao.common.periods import YearMonthField

NATIONAL = "000000"


class Region(models.Model):
    """An administrative division by its code (GB/T 2260): province → city → district.

    ``000000`` is the nation: policy values recorded there are inherited by every region.
    """

    class Level(models.TextChoices):
        NATION = "nation", "全国"
        PROVINCE = "province", "省级"
        CITY = "city", "地市级"
        DISTRICT = "district", "区县级"

    code = models.CharField("行政区划代码", max_length=6, primary_key=True)
    name = models.CharField("名称", max_length=50)
    level = models.CharField("级别", max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # A pooling region (统筹地区) has its own agency and its own published parameters.
    is_pooling = models.BooleanField("统筹地区", default=False)

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    def lineage(self) -> list[Region]:
        """This region and its ancestors, nearest first, ending at the nation."""
        chain: list[Region] = []
        node: Region | None = self
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain

    @property
    def full_name(self) -> str:
        names = [r.name for r in reversed(self.lineage()) if r.level != Region.Level.NATION]
        return "".join(dict.fromkeys(names))


class Department(models.Model):
    """A business department of the agency (企业养老、失业、工伤、关系转移……)."""

    code = models.SlugField("代码", max_length=40, primary_key=True)
    name = models.CharField("名称", max_length=50)
    description = models.TextField("职责", blank=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "业务部门"
        verbose_name_plural = "业务部门"
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    """A natural person known to the agency, by the 18-character resident ID number."""

    class Sex(models.TextChoices):
        MALE = "M", "男"
        FEMALE = "F", "女"

    class Verification(models.TextChoices):
        VERIFIED = "verified", "已核验"
        PENDING = "pending", "待核验"

    id_number = models.CharField("公民身份号码", max_length=18, unique=True)
    name = models.CharField("姓名", max_length=100)
    sex = models.CharField("性别", max_length=1, choices=Sex.choices)
    birth_date = models.DateField("出生日期")
    mobile = models.CharField("手机号码", max_length=11, blank=True)
    district = models.ForeignKey(
        Region,
        verbose_name="参保地（区县）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="persons",
    )
    hukou_region = models.ForeignKey(
        Region,
        verbose_name="户籍地",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hukou_persons",
    )
    verification = models.CharField(
        "核验状态", max_length=10, choices=Verification.choices, default=Verification.VERIFIED
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "人员"
        verbose_name_plural = "人员"
        indexes = [models.Index(fields=["name"])]

    def __str__(self) -> str:
        return self.name


class PersonInfo(models.Model):
    """One version of a person's basic information (人员基础信息), never overwritten.

    A collection (采集) or a change (变更) writes a new version — every field as it is from then
    on — and marks the one before superseded: who recorded it, when, why, through which
    application. The current version is the one not superseded (at most one per person). The
    identity the person had then (name, ID number, sex, birth date, mobile) is part of every
    version, so old names and numbers stay in the history; :class:`Person` keeps the current
    ones for the code that reads them. A person whose information was never collected has no
    version until the first change, which first records what the registry held (``baseline``).

    Codes (民族, 户籍性质, 缴费人员类别, 用工身份, 文化程度) are those of
    ``registry/data/person_codes.toml``; which fields change how is
    :mod:`shebao.registry.info_fields`. Money in integer fen.
    """

    class Kind(models.TextChoices):
        BASELINE = "baseline", "登记库原有信息"
        COLLECT = "collect", "信息采集"
        CHANGE = "change", "信息变更"

    person = models.ForeignKey(
        Person, verbose_name="人员", on_delete=models.PROTECT, related_name="info_versions"
    )
    version = models.PositiveIntegerField("版本")
    kind = models.CharField("记录方式", max_length=10, choices=Kind.choices)
    # The identity at this version (Person holds the current one).
    id_number = models.CharField("公民身份号码", max_length=18, db_index=True)
    name = models.CharField("姓名", max_length=100)
    sex = models.CharField("性别", max_length=1, choices=Person.Sex.choices)
    birth_date = models.DateField("出生日期")
    mobile = models.CharField("手机号码", max_length=11, blank=True)
    ethnicity = models.CharField("民族", max_length=2, blank=True)
    hukou_type = models.CharField("户籍性质", max_length=2, blank=True)
    hukou_address = models.CharField("户籍所在地地址", max_length=200, blank=True)
    contact_address = models.CharField("联系地址", max_length=200, blank=True)
    postal_code = models.CharField("邮政编码", max_length=6, blank=True)
    education = models.CharField("文化程度", max_length=16, blank=True)
    work_start_date = models.DateField("参加工作日期", null=True, blank=True)
    identity = models.CharField("用工身份", max_length=8, blank=True)
    payer_category = models.CharField("缴费人员类别", max_length=2, blank=True)
    # 机关事业单位工作人员: the personnel and wage facts at the reform (2014-10, 国发〔2015〕2号)
    # and the deemed contribution period before it (视同缴费年限), from the personnel file.
    reform_post = models.CharField("改革时点职务（岗位）", max_length=100, blank=True)
    reform_grade = models.CharField("改革时点职级（级别、档次）", max_length=50, blank=True)
    reform_wage_fen = models.BigIntegerField("改革时点工资（分/月）", null=True, blank=True)
    deemed_start = YearMonthField("视同缴费起始年月", null=True, blank=True)
    deemed_end = YearMonthField("视同缴费截止年月", null=True, blank=True)

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
    reason = models.CharField("原因", max_length=200, blank=True)
    superseded_at = models.DateTimeField("被取代时间", null=True, blank=True)

    class Meta:
        verbose_name = "人员基础信息"
        verbose_name_plural = "人员基础信息"
        ordering = ["person", "version"]
        constraints = [
            models.UniqueConstraint(fields=["person", "version"], name="person_info_version"),
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(superseded_at__isnull=True),
                name="person_info_one_current",
            ),
            models.CheckConstraint(
                condition=models.Q(deemed_start__isnull=True)
                | models.Q(deemed_end__isnull=True)
                | models.Q(deemed_end__gte=models.F("deemed_start")),
                name="person_info_deemed_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} v{self.version} {self.name}"


class Unit(models.Model):
    """An employer or other contributing unit, by its unified social credit code."""

    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", "企业"
        INSTITUTION = "institution", "机关事业单位"
        INDIVIDUAL_BUSINESS = "individual_business", "个体工商户"
        OTHER = "other", "其他组织"

    class Status(models.TextChoices):
        ACTIVE = "active", "正常"
        SUSPENDED = "suspended", "暂停缴费"
        CANCELLED = "cancelled", "已注销"

    credit_code = models.CharField("统一社会信用代码", max_length=18, unique=True)
    name = models.CharField("单位名称", max_length=200)
    kind = models.CharField("单位类型", max_length=24, choices=Kind.choices)
    district = models.ForeignKey(
        Region, verbose_name="参保地（区县）", on_delete=models.PROTECT, related_name="units"
    )
    competent_department = models.CharField("主管部门", max_length=100, blank=True)
    legal_rep_name = models.CharField("法定代表人姓名", max_length=100)
    legal_rep_id_number = models.CharField("法定代表人公民身份号码", max_length=18)
    address = models.CharField("地址", max_length=200, blank=True)
    phone = models.CharField("联系电话", max_length=30, blank=True)
    # Work-injury industry risk class (1–8, 人社部发〔2015〕71号).
    injury_class = models.PositiveSmallIntegerField("工伤行业风险类别", null=True, blank=True)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.ACTIVE)
    registered_on = models.DateField("参保登记日期", null=True, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "参保单位"
        verbose_name_plural = "参保单位"
        indexes = [models.Index(fields=["name"])]

    def __str__(self) -> str:
        return self.name
