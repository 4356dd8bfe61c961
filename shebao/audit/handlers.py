"""The catalogue's 社会保险稽核投诉举报 leads to the audit pages: a complaint or a report is a
case of the audit department (registered, opened with its time limit, suspended and resumed,
closed with an outcome), filed on the person's own reports page, not a generic application."""

from __future__ import annotations

from shebao.applications.handlers import MatterHandler, register


@register("audit_report")
class AuditReportHandler(MatterHandler):
    page = "audit:reports"
    files_application = False
