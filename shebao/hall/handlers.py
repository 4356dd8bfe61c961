"""The individual's benefit queries on the workflow engine: each opens the record it names at
once (the benefits the person claimed and how they were decided; the payouts), and nothing is
filed."""

from __future__ import annotations

from shebao.applications.handlers import MatterHandler, register


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
