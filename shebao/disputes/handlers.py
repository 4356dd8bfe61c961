"""The dispute matters of the catalogue lead to the dispute pages: a mediation request or an
arbitration application is a case of its own (parties, statutory limits, hearing, outcome), not
a generic application."""

from __future__ import annotations

from shebao.applications.handlers import MatterHandler, register


@register("labour_mediation")
class MediationHandler(MatterHandler):
    page = "disputes:apply_mediation"
    files_application = False


@register("labour_arbitration")
class ArbitrationHandler(MatterHandler):
    page = "disputes:apply_arbitration"
    files_application = False
