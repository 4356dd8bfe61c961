"""The catalogue's print matters: each opens the certificates page, where the file is made at
once from the records; no application is filed and no reviewer is involved."""

from __future__ import annotations

from shebao.applications.handlers import MatterHandler, register
from shebao.certificates import services
from shebao.common.corrections import on_records_corrected


@register("certificate_print")
class CertificatePrintHandler(MatterHandler):
    """参保证明 / 个人权益单 / 单位权益单 / 机关事业单位养老保险缴费证明: printed at once on the
    person's or the unit's certificates page."""

    page = "certificates:mine"
    files_application = False


@register("pension_voucher_print")
class PensionVoucherPrintHandler(CertificatePrintHandler):
    """基本养老保险关系转出（参保缴费凭证打印）: the hall's part of a transfer out is the
    《基本养老保险参保缴费凭证》, printed at once on the person's certificates page with that
    kind chosen. The transfer of the relation and its funds follows the new place's 联系函 and
    is handled by the agency's staff, not by this matter."""

    page_query = "kind=pension_voucher"


def _recheck(person_ids: frozenset[int], unit_ids: frozenset[int]) -> None:
    services.certificates_recheck(person_ids=person_ids, unit_ids=unit_ids)


on_records_corrected(_recheck)
