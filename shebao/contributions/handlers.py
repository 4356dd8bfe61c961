"""The contribution matters' effects on the workflow engine (the base declaration's handler is
in :mod:`.bases`, with its lines)."""

from __future__ import annotations

from shebao.applications.handlers import MatterHandler, register


@register("contribution_assess")
class ContributionAssessHandler(MatterHandler):
    """缴费核定: the unit's assessed bill of the month, with each employee's lines, to check and
    confirm on its own page (or word that the month is not assessed yet); nothing is filed."""

    page = "contributions:assess"
    files_application = False


@register("contribution_query")
class ContributionQueryHandler(MatterHandler):
    """个人缴费信息查询: the person's contribution record by month and insurance, at once, with
    the months that count for pension; nothing is filed."""

    page = "contributions:mine"
    files_application = False


@register("flexible_arrears_payment")
class ArrearsPaymentHandler(MatterHandler):
    """灵活就业人员历史欠费补缴: the person's own bills in arrears, each with its late fee to date,
    paid through the online channel from the same page; nothing is filed."""

    page = "contributions:arrears"
    files_application = False
