"""The individual's benefit matters on the workflow engine.

- The benefit queries open the record they name at once (the benefits the person claimed and
  how they were decided; the payouts), and nothing is filed.
- 失业保险金申领 is refused at submission once its claim period has passed: the region's
  ``unemployment.apply_deadline_days`` from the unemployment date the form gives (60 days
  nationally), lifted or extended by the emergency measures in force
  (:func:`shebao.policy.emergency.claim_deadline`: Jilin lifts it for people unemployed from
  2019-12, seed 000; late handling extends a period that ran out in the emergency). Starting the
  benefit stays the reviewer's.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.utils import timezone

from shebao.applications.handlers import MatterHandler, register
from shebao.common.errors import InvalidInput
from shebao.common.periods import day_label

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor
    from shebao.applications.models import Application

UNEMPLOYMENT_CLAIM = "unemployment_claim"
LEAVE_FIELD = "leave_date"


@register("benefit_query")
class BenefitQueryHandler(MatterHandler):
    """个人待遇信息查询."""

    page = "hall:benefits"
    files_application = False


@register("benefit_payout_query")
class BenefitPayoutQueryHandler(MatterHandler):
    """个人待遇发放信息查询."""

    page = "hall:benefit_payouts"
    files_application = False


def claim_late_refusal(application: Application, *, on: date) -> InvalidInput | None:
    """The refusal of an unemployment claim submitted on ``on`` after its last day, or None."""
    from shebao.policy.emergency import claim_deadline

    answer = application.data.get(LEAVE_FIELD)
    if not answer:
        return None
    unemployed_on = date.fromisoformat(str(answer))
    deadline = claim_deadline(region=application.district_id, unemployed_on=unemployed_on, on=on)
    if deadline.last_day is None or on <= deadline.last_day:
        return None
    return InvalidInput(
        f"失业保险金申领期限已于{day_label(deadline.last_day)}届满，不能再申领"
        f"（{deadline.explanation}）。如失业日期填写有误，请修改后重新提交",
        code="UNEMPLOYMENT_CLAIM_LATE",
        field=LEAVE_FIELD,
        details={
            "leave_date": unemployed_on.isoformat(),
            "last_day": deadline.last_day.isoformat(),
        },
    )


@register(UNEMPLOYMENT_CLAIM)
class UnemploymentClaimHandler(MatterHandler):
    """失业保险金申领: the claim period is checked here; the reviewer decides the benefit."""

    applies_effect = False

    def check_submit(self, application: Application) -> None:
        refusal = claim_late_refusal(application, on=timezone.localdate())
        if refusal is not None:
            raise refusal

    def applicant_deadline(self, *, actor: Actor | None, region: str, on: date) -> str:
        from shebao.policy.emergency import claim_deadline, claim_rule

        claim = _latest_claim(actor, region)
        if claim is None:
            return claim_rule(region=region, on=on)
        unemployed_on = date.fromisoformat(str(claim.data[LEAVE_FIELD]))
        deadline = claim_deadline(region=claim.district_id, unemployed_on=unemployed_on, on=on)
        text = f"按您的申请（{claim.number}）填写的失业日期{day_label(unemployed_on)}：{deadline.explanation}"
        if deadline.last_day is not None and on > deadline.last_day:
            text += "，已逾期"
        return text


def _latest_claim(actor: Actor | None, region: str) -> Application | None:
    """The signed-in individual's latest claim that gives an unemployment date, in a district of
    ``region`` (the guide speaks for one region), or None."""
    from shebao.applications.models import Application

    if actor is None or not actor.is_individual or actor.person is None:
        return None
    claim = (
        Application.objects.filter(
            person=actor.person, matter__handler=UNEMPLOYMENT_CLAIM, data__has_key=LEAVE_FIELD
        )
        .exclude(status=Application.Status.WITHDRAWN)
        .select_related("district__parent__parent__parent")
        .order_by("-created_at", "-pk")
        .first()
    )
    if claim is None or region not in {r.code for r in claim.district.lineage()}:
        return None
    if not claim.data.get(LEAVE_FIELD):
        return None
    return claim
