"""The training matters of the catalogue and the engine.

- 就业创业培训报名, 职业技能等级认定, its filing (企业维护) and its plan (开班申请), and
  专业技术人员资格考试网上报名 are done on the training pages: the matter's "apply" leads there.
- The training subsidies of enterprises and training institutions (seed 004 items 22, 23) are
  applications checked against the records of that training before they are submitted and again
  when approved: the plan (开班编号) is the applicant's own, its certificates were issued through
  the hall, and the counts the form claims are the counts of record.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shebao.applications.handlers import MatterHandler, register
from shebao.common.errors import Conflict, InvalidInput

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor
    from shebao.applications.models import Application


@register("training_enrol")
class TrainingEnrolHandler(MatterHandler):
    page = "training:institutions"
    files_application = False


@register("skill_level_assessment")
class SkillAssessmentHandler(MatterHandler):
    page = "training:assessment"
    files_application = False


@register("skill_assessor_filing")
class SkillFilingHandler(MatterHandler):
    page = "training:filing"
    files_application = False


@register("skill_assessment_plan")
class SkillPlanHandler(MatterHandler):
    page = "training:plan_new"
    files_application = False


@register("professional_exam_signup")
class ProfessionalExamHandler(MatterHandler):
    page = "training:professional_exam"
    files_application = False


def subsidy_records(application: Application) -> dict[str, int]:
    """The training of record that a subsidy application names, or a refusal saying why not."""
    from shebao.applications.models import Application as Model
    from shebao.training.models import AssessmentPlan, TrainingInstitution

    number = str(application.data.get("class_no") or "").strip()
    plan = (
        AssessmentPlan.objects.filter(number=number, filing__unit_id=application.unit_id)
        .select_related("trade")
        .first()
    )
    if plan is None:
        raise InvalidInput(
            f"开班编号 {number} 不是本单位在本系统办理的职业技能等级认定计划，请核对",
            code="SUBSIDY_PLAN_NOT_FOUND",
            field="class_no",
        )
    institution = TrainingInstitution.objects.filter(unit_id=application.unit_id, active=True)
    if application.matter.code == "unit.training_subsidy_institution" and not institution.exists():
        raise InvalidInput(
            "本单位不是定点培训机构，请申请“职业培训补贴申请（企业）”",
            code="SUBSIDY_NOT_AN_INSTITUTION",
        )
    if plan.status != AssessmentPlan.Status.ISSUED:
        raise InvalidInput(
            "该认定计划尚未核发证书：须经鉴定中心同意入库、生成证书后方可申请补贴",
            code="SUBSIDY_NO_CERTIFICATES",
            field="class_no",
        )
    records = {
        "trainee_count": plan.candidates.count(),
        "certified_count": plan.certificates.count(),
    }
    labels = {"trainee_count": "参训人数", "certified_count": "取证人数"}
    for field, label in labels.items():
        claimed = application.data.get(field)
        if claimed is not None and int(claimed) != records[field]:
            raise InvalidInput(
                f"{label}与认定记录不符：计划 {number} 的{label}为 {records[field]} 人",
                code="SUBSIDY_COUNT_MISMATCH",
                field=field,
            )
    paid = (
        Model.objects.filter(
            matter__code__in=SUBSIDY_MATTERS,
            data__class_no=number,
            status__in=[Model.Status.APPROVED, Model.Status.COMPLETED],
        )
        .exclude(pk=application.pk)
        .first()
    )
    if paid is not None:
        raise Conflict(
            f"开班编号 {number} 已申领过培训补贴（申请编号 {paid.number}），不能重复申请",
            code="SUBSIDY_ALREADY_GRANTED",
        )
    return records


SUBSIDY_MATTERS = ("unit.training_subsidy_enterprise", "unit.training_subsidy_institution")


class TrainingSubsidyHandler(MatterHandler):
    open_case_field = "class_no"

    def check_submit(self, application: Application) -> None:
        subsidy_records(application)

    def reviewer_context(self, application: Application) -> dict[str, Any] | None:
        from shebao.training.models import AssessmentPlan

        plan = AssessmentPlan.objects.filter(
            number=str(application.data.get("class_no") or ""), filing__unit_id=application.unit_id
        ).first()
        if plan is None:
            return None
        return {
            "template": "training/_subsidy_review.html",
            "plan": plan,
            "candidates": plan.candidates.count(),
            "certificates": plan.certificates.count(),
        }

    def on_approved(self, application: Application, actor: Actor | None) -> dict[str, Any]:
        return subsidy_records(application)


@register("training_subsidy_enterprise")
class EnterpriseSubsidyHandler(TrainingSubsidyHandler):
    """职业培训补贴申请（企业）: the enterprise's own assessment plan."""


@register("training_subsidy_institution")
class InstitutionSubsidyHandler(TrainingSubsidyHandler):
    """职业培训补贴申请（培训机构）: a designated training institution's assessment plan."""
