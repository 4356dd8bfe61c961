"""The demo's complaint: 张伟 complains about a (fictitious) trading company; the audit
department's 梁海涛 (jl-jh-01) has opened the case."""

from __future__ import annotations

from shebao.accounts.actors import Actor
from shebao.audit.models import AuditCase
from shebao.audit.services import case_open, report_file

DEMO_KEY = "demo-complaint-1"


def audit_demo(*, complainant: Actor, auditor: Actor) -> AuditCase:
    """File and open the demo complaint (a second run changes nothing)."""
    case = report_file(
        actor=complainant,
        kind=AuditCase.Kind.COMPLAINT,
        respondent_name="吉林市昌邑区鸿运商贸有限公司",
        content="本人2023年3月至2024年6月在该公司工作，公司未为本人缴纳社会保险费。",
        materials="劳动合同复印件、工资银行流水",
        request_key=DEMO_KEY,
    )
    if case.status == AuditCase.Status.REGISTERED:
        case = case_open(actor=auditor, case=case, note="材料齐全，予以立案")
    return case
