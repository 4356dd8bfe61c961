"""The matter catalogue (事项清单): every matter the hall handles, as data.

Matters are loaded from ``shebao/catalogue/data/`` (versioned in the repository) by
``manage.py catalogue_load``; the code of a matter is stable and is what applications, grants
and handlers refer to.
"""

from __future__ import annotations

from django.db import models


class Matter(models.Model):
    class ApplicantKind(models.TextChoices):
        INDIVIDUAL = "individual", "个人"
        UNIT = "unit", "单位"
        BOTH = "both", "单位或个人"

    class AcceptanceMode(models.TextChoices):
        DIRECT = "direct", "直接办理"
        COMMITMENT = "commitment", "承诺制"
        TOLERANCE = "tolerance", "容缺受理"

    code = models.SlugField("事项编码", max_length=64, unique=True)
    name = models.CharField("事项名称", max_length=100)
    category = models.CharField("类别", max_length=40)  # 社会保险 / 就业创业 / 社会保障卡 …
    applicant_kind = models.CharField("办理对象", max_length=12, choices=ApplicantKind.choices)
    department = models.ForeignKey(
        "registry.Department",
        verbose_name="承办部门",
        on_delete=models.PROTECT,
        related_name="matters",
    )
    summary = models.TextField("事项说明", blank=True)
    conditions = models.JSONField("办理条件", default=list)  # list[str]
    # list[{"code", "name", "required": bool, "note"}]
    materials = models.JSONField("申请材料", default=list)
    acceptance_mode = models.CharField(
        "受理方式",
        max_length=12,
        choices=AcceptanceMode.choices,
        default=AcceptanceMode.DIRECT,
    )
    commitment_text = models.TextField("告知承诺书", blank=True)
    # Working days an applicant has to supply materials missing at 容缺 acceptance.
    tolerance_days = models.PositiveSmallIntegerField(
        "容缺补正时限（工作日）", null=True, blank=True
    )
    time_limit_days = models.PositiveSmallIntegerField("承诺办结时限（工作日）")
    steps = models.JSONField("办理流程", default=list)  # list[str]
    online_path = models.CharField("网上办理路径", max_length=300, blank=True)
    # The application form: list[{"name", "label", "type", "required", "choices", "help"}]
    fields = models.JSONField("申请表字段", default=list)
    # Key of the domain handler that applies the matter's effect (empty: reviewed only).
    handler = models.CharField("业务处理器", max_length=64, blank=True)
    legal_basis = models.TextField("设定依据", blank=True)
    fee = models.CharField("收费标准", max_length=100, default="不收费")
    sources = models.JSONField("来源", default=list)  # seed ids, e.g. ["002", "004"]
    enabled = models.BooleanField("可网上申请", default=True)
    sort_order = models.PositiveIntegerField("排序", default=0)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "事项"
        verbose_name_plural = "事项"
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name

    def material(self, code: str) -> dict | None:
        return next((m for m in self.materials if m.get("code") == code), None)

    @property
    def required_material_codes(self) -> list[str]:
        return [m["code"] for m in self.materials if m.get("required")]

    def open_to(self, applicant_kind: str) -> bool:
        return self.applicant_kind in (applicant_kind, self.ApplicantKind.BOTH)
