"""The payment matter's effect on the workflow engine: 按征集单缴费 opens the payer's bills,
each unpaid one with its pay button (the online channel); nothing is filed."""

from __future__ import annotations

from shebao.applications.handlers import MatterHandler, register


@register("pay_by_collection_notice")
class PayByBillHandler(MatterHandler):
    page = "contributions:bills"
    files_application = False
