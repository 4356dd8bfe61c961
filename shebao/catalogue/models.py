"""The matter catalogue (事项清单): every matter the hall handles, as data.

Matters are loaded from ``shebao/catalogue/data/`` (versioned in the repository) by
``manage.py catalogue_load``; the code of a matter is stable and is what applications, grants
and handlers refer to.
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models

# Stable matter codes: lowercase dotted slugs such as ``unit.staff_enrol``. Never change a
# published code: applications, operator grants and handlers refer to it.
MATTER_CODE_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$"
matter_code_validator = RegexValidator(
    MATTER_CODE_PATTERN, "事项编码应为小写字母、数字、下划线，以“.”分段，如 unit.staff_enrol"
)

# The categories of the catalogue, in display order (the seeds' own headings).
CATEGORIES = ("社会保险", "就业创业", "人才人事", "劳动关系", "社会保障卡")


class Matter(models.Model):
    class ApplicantKind(models.TextChoices):
        INDIVIDUAL = "individual", "个人"
        UNIT = "unit", "单位"
        BOTH = "both", "单位或个人"

    class AcceptanceMode(models.TextChoices):
        DIRECT = "direct", "直接办理"
        COMMITMENT = "commitment", "承诺制"
        TOLERANCE = "tolerance", "容缺受理"

    code = models.CharField(
        "事项编码", max_length=64, unique=True, validators=[matter_code_validator]
    )
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
    # list[{"code", "name", "required": bool, "core": bool, "note"}]. A core material can never
    # be deferred under 容缺受理; a required non-core one may be supplied later.
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
    # The application form: list[{"name", "label", "type", "required", "help"?, "choices"?,
    # "max_length"?}]; types and checks in shebao.catalogue.schema.
    fields = models.JSONField("申请表字段", default=list)
    # Key of the domain handler that applies the matter's effect (empty: reviewed only). A key
    # must be registered (shebao.applications.handlers): the loader and a system check refuse
    # one that is not.
    handler = models.CharField("业务处理器", max_length=64, blank=True)
    # What approving the matter does to the master records (shebao.catalogue.schema.EFFECTS).
    # Every effect but "decision" promises one; without its handler such a matter is reviewed
    # by staff and never instant.
    effect = models.CharField("办理效果", max_length=16, blank=True)
    # At most one open case (submitted, accepted, approved, returned) per applicant and
    # subject: a second is refused with the first one's number (e.g. 失业保险金申领).
    one_open_case = models.BooleanField("同一对象仅限一件在办", default=False)
    legal_basis = models.TextField("设定依据", blank=True)
    fee = models.CharField("收费标准", max_length=100, default="不收费")
    sources = models.JSONField("来源", default=list)  # seed ids, e.g. ["002", "004"]
    # Search aliases: other names the seeds or the public use for the same service.
    keywords = models.JSONField("检索别名", default=list, blank=True)  # list[str]
    # Accepted only inside a region's business window (Jiangsu: 11th to the 6th of the next
    # month, seed 002); the window itself is regional policy data.
    window_bound = models.BooleanField("仅在业务受理期内受理", default=False)
    # A regional deadline the applicant should know, e.g. Wuhan's staff changes by the 20th.
    deadline_note = models.CharField("办理期限提示", max_length=200, blank=True)
    # 即办件: answered at once (queries, prints, card loss reports); no reviewer queue.
    instant = models.BooleanField("即办件", default=False)
    note = models.TextField("温馨提示", blank=True)
    # What holds in one region only — its own online path, deadline, tip or legal basis:
    # {region code: {"online_path" | "deadline_note" | "note" | "legal_basis": text}}. A guide shows the entries
    # of the viewer's region and its ancestors, never another region's (the fields above are
    # the same everywhere).
    regional = models.JSONField("地区提示", default=dict, blank=True)
    # Tips that hold only while the viewer's region has emergency measures in force (policy
    # parameter ``emergency.measures``): [{"measure": one of its measures, or "in_force",
    # "text"}]; a tip shows when its measure is in force there today.
    emergency_notes = models.JSONField("应急措施提示", default=list, blank=True)
    # Name, code, keywords and summary in one lower-cased text for substring search: JSON
    # columns keep Chinese as \u escapes on SQLite, so they cannot be searched directly.
    search_text = models.TextField("检索文本", blank=True, editable=False)
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

    @property
    def deferrable_material_codes(self) -> list[str]:
        """Required materials that 容缺受理 may accept later (never the core ones)."""
        if self.acceptance_mode != self.AcceptanceMode.TOLERANCE:
            return []
        return [m["code"] for m in self.materials if m.get("required") and not m.get("core")]

    @property
    def promises_effect(self) -> bool:
        """Whether approval is meant to change master records (enrol, change, pay, claim…)."""
        from shebao.catalogue.schema import NO_EFFECT

        return self.effect != NO_EFFECT

    @property
    def reviewed_by_staff_only(self) -> bool:
        """Promises an effect that no handler applies yet: a reviewer handles it by hand."""
        if not self.promises_effect:
            return False
        if not self.handler:
            return True
        from shebao.applications.handlers import HandlerNotRegistered, handler_for_key

        try:
            return not handler_for_key(self.handler).applies_effect
        except HandlerNotRegistered:
            return True

    def material_accept(self, code: str) -> list[str]:
        """The file kinds a material may be uploaded as (``other`` files: a scan)."""
        from shebao.catalogue.schema import DEFAULT_ACCEPT

        spec = self.material(code)
        return list(spec.get("accept") or DEFAULT_ACCEPT) if spec else list(DEFAULT_ACCEPT)

    def open_to(self, applicant_kind: str) -> bool:
        return self.applicant_kind in (applicant_kind, self.ApplicantKind.BOTH)
