"""REST API v1: bills (征集单), their lines and each line's explanation; a person's own
contribution record (缴费记录) by month and insurance.

Scoped by the token's actor: a unit's legal representative, administrators and operators
granted a contribution matter read the unit's bills; a self-paying person reads their own;
staff read the bills of their districts. Out of scope is 404. Amounts are strings with two
decimals, as in the calculators.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from shebao.accounts import actors
from shebao.accounts.api_auth import api_actor, token_auth
from shebao.calculators.definitions import trace_out
from shebao.common.money import from_fen, money_str
from shebao.common.paging import LIMIT_HELP, MAX_LIMIT, MAX_OFFSET, OFFSET_HELP
from shebao.common.periods import YearMonth
from shebao.common.schemas import ErrorOut
from shebao.contributions import history, selectors
from shebao.contributions.dues import bill_state
from shebao.contributions.explain import line_explain
from shebao.contributions.models import Bill

router = Router(tags=["征集单"], auth=token_auth)


class BillFilters(Schema):
    payer: str | None = Field(
        default=None, max_length=18, description="缴费主体：单位统一社会信用代码或个人公民身份号码"
    )
    month: str | None = Field(default=None, max_length=7, description="费款所属年月 YYYY-MM")
    status: str | None = Field(
        default=None,
        max_length=8,
        description="unpaid 待缴费 / arrears 欠费（过缴费截止日期仍未缴清）/ paid 已缴费",
    )
    limit: int = Field(default=20, ge=1, le=MAX_LIMIT, description=LIMIT_HELP)
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET, description=OFFSET_HELP)


class BillOut(Schema):
    number: str
    payer: str
    month: str
    region: str
    due_date: str
    status: str
    unit_total: str
    individual_total: str
    total: str
    provisional: bool


class BillPage(Schema):
    total: int
    limit: int
    offset: int
    items: list[BillOut]


class BillLineOut(Schema):
    id: int
    id_number: str
    name: str
    insurance: str
    base: str
    unit: str
    individual: str
    injury_class: int | None


class BillLinesQuery(Schema):
    limit: int | None = Field(
        default=None,
        ge=1,
        le=MAX_LIMIT,
        description="可选：每页明细条数（不填则返回全部明细）",
    )
    offset: int = Field(
        default=0, ge=0, le=MAX_OFFSET, description="可选：跳过的明细条数（与 limit 一起使用）"
    )


class BillDetailOut(BillOut):
    payer_name: str
    late_fee: str  # the late fee to date (滞纳金, "0.00" when none runs)
    amount_due: str  # what is to be paid today: the total and the late fee, less what was paid
    lines_total: int
    lines: list[BillLineOut]


class LineTraceOut(Schema):
    id: int
    bill: str
    month: str
    insurance: str
    base: str
    unit: str
    individual: str
    provisional: bool
    matches: bool
    trace: dict[str, Any]


def _m(fen: int) -> str:
    return money_str(from_fen(fen))


def bill_out(bill: Bill) -> dict[str, Any]:
    payer = bill.unit.credit_code if bill.unit_id else bill.person.id_number
    return {
        "number": bill.number,
        "payer": payer,
        "month": str(bill.month),
        "region": bill.region_id,
        "due_date": bill.due_date.isoformat(),
        "status": bill_state(bill, on=timezone.localdate()),
        "unit_total": _m(bill.unit_total_fen),
        "individual_total": _m(bill.individual_total_fen),
        "total": _m(bill.total_fen),
        "provisional": bill.provisional,
    }


@router.get(
    "/bills",
    response={200: BillPage, 401: ErrorOut, 422: ErrorOut},
    summary="征集单列表",
    description=(
        "单位令牌：本单位的征集单；个人令牌：本人个人缴费的征集单；经办人员令牌：本区县的征集单。"
        "筛选：payer（信用代码或身份证号码）、month（YYYY-MM）、status（unpaid / arrears / paid）；"
        "过缴费截止日期（或缓缴期限）仍未缴清的征集单为 arrears（欠费）。"
        "金额为两位小数的字符串；provisional 为 true 表示含临时政策参数，正式值公布后多退少补。"
    ),
)
def bills(request: HttpRequest, filters: Query[BillFilters]) -> dict[str, Any]:
    actor = api_actor(request)
    month = YearMonth.parse(filters.month, field="month") if filters.month else None
    total, rows = selectors.bills_for(
        actor=actor,
        payer=filters.payer,
        month=month,
        status=filters.status,
        limit=filters.limit,
        offset=filters.offset,
    )
    return {
        "total": total,
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [bill_out(b) for b in rows],
    }


@router.get(
    "/bills/{number}",
    response={200: BillDetailOut, 401: ErrorOut, 404: ErrorOut},
    summary="征集单及其明细",
    description=(
        "征集单与每名人员每个险种的缴费基数、单位缴费、个人缴费（工伤保险含行业风险类别），默认返回"
        "全部明细；可选 limit / offset 分段读取，lines_total 为明细总数。late_fee 为截至今日的滞纳金"
        "（应急措施免收的天数不计），amount_due 为今日应缴金额（合计与滞纳金减已缴）。"
    ),
)
def bill(request: HttpRequest, number: str, paging: Query[BillLinesQuery]) -> dict[str, Any]:
    found = selectors.bill_for_reader(actor=api_actor(request), number=number)
    total, lines = selectors.bill_lines(bill=found, limit=paging.limit, offset=paging.offset)
    standing = selectors.bill_standing(found)
    return {
        **bill_out(found),
        "payer_name": found.unit.name if found.unit_id else found.person.name,
        "late_fee": _m(standing.due.late_fee_fen),
        "amount_due": _m(standing.due.due_fen),
        "lines_total": total,
        "lines": [
            {
                "id": line.id,
                "id_number": line.id_number,
                "name": line.name,
                "insurance": line.insurance,
                "base": _m(line.base_fen),
                "unit": _m(line.unit_fen),
                "individual": _m(line.individual_fen),
                "injury_class": line.injury_class,
            }
            for line in lines
        ],
    }


@router.get(
    "/bills/{number}/lines.xlsx",
    response={200: None, 401: ErrorOut, 404: ErrorOut},
    summary="下载征集单明细（Excel）",
    description="征集单抬头与合计、每名人员每个险种的明细，以及计入本单的以前月份补退。",
)
def bill_sheet(request: HttpRequest, number: str) -> HttpResponse:
    from shebao.contributions.exports import bill_response

    return bill_response(selectors.bill_for_reader(actor=api_actor(request), number=number))


@router.get(
    "/bills/{number}/lines/{line_id}/trace",
    response={200: LineTraceOut, 401: ErrorOut, 404: ErrorOut},
    summary="缴费明细的计算依据",
    description=(
        "按该明细所属月份的参数快照和明细的输入（申报工资或缴费档次、工伤风险类别），以测算器的同一规则"
        "重新计算得出的计算过程：所用参数（来源、有效期、正式或临时）与每一步。matches 为 false 表示"
        "重算结果与核定明细不一致。"
    ),
)
def line_trace(request: HttpRequest, number: str, line_id: int) -> dict[str, Any]:
    line = selectors.line_for_reader(actor=api_actor(request), number=number, line_id=line_id)
    explanation = line_explain(line)
    return {
        "id": line.pk,
        "bill": line.bill.number,
        "month": str(line.month),
        "insurance": line.insurance,
        "base": _m(line.base_fen),
        "unit": _m(line.unit_fen),
        "individual": _m(line.individual_fen),
        "provisional": line.provisional,
        "matches": explanation.matches,
        "trace": trace_out(explanation.trace),
    }


# --- the person's own record ----------------------------------------------------------------------


class MyContributionsFilters(Schema):
    from_: str | None = Field(
        default=None,
        alias="from",
        max_length=7,
        description="起始年月 YYYY-MM（默认截止年月前11个月）",
    )
    to: str | None = Field(
        default=None, max_length=7, description="截止年月 YYYY-MM（默认最近核定的月份）"
    )


class MyCellOut(Schema):
    insurance: str
    base: str
    unit: str
    individual: str
    status: str
    paid: bool
    bill: str
    provisional: bool
    adjusted: bool


class MyMonthOut(Schema):
    month: str
    payer_kind: str
    payer: str
    payer_name: str
    unit: str
    individual: str
    total: str
    paid: bool
    insurances: list[MyCellOut]


class PensionMonthsOut(Schema):
    count: int
    unpaid: int
    spans: list[dict[str, str]]


class MyContributionsOut(Schema):
    person: dict[str, str]
    from_: str = Field(alias="from")
    to: str
    unit_total: str
    individual_total: str
    total: str
    pension_months: PensionMonthsOut
    months: list[MyMonthOut]


@router.get(
    "/me/contributions",
    response={200: MyContributionsOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    by_alias=True,
    summary="本人缴费记录",
    description=(
        "个人令牌：本人每月每个险种的缴费基数、单位缴费、个人缴费和到账状态（任何缴费单位或个人缴费），"
        "from / to 为起止年月（YYYY-MM，最多50年）。金额为两位小数的字符串，含以后月份征集单中多退少补的"
        "差额（adjusted 为 true）；paid 为 true 表示该月征集单及补退均已缴清。pension_months 为计入"
        "养老保险缴费年限的月份（养老保险已缴费的月份，按月计一次）。"
    ),
)
def my_contributions(
    request: HttpRequest, filters: Query[MyContributionsFilters]
) -> dict[str, Any]:
    actor = api_actor(request).require(actors.INDIVIDUAL)
    person = actor.person
    first = YearMonth.parse(filters.from_, field="from") if filters.from_ else None
    last = YearMonth.parse(filters.to, field="to") if filters.to else None
    default_last = history.latest_month(person=person) or YearMonth.of(timezone.localdate())
    first, last = history.month_range(first, last, default_last=default_last)
    record = history.person_history(actor=actor, person=person, first=first, last=last)
    counted = history.pension_months(person=person)
    return {
        "person": {"name": person.name, "id_number": person.id_number},
        "from": str(first),
        "to": str(last),
        "unit_total": _m(record.unit_fen),
        "individual_total": _m(record.individual_fen),
        "total": _m(record.total_fen),
        "pension_months": {
            "count": counted.count,
            "unpaid": counted.unpaid,
            "spans": [{"from": str(s.first), "to": str(s.last)} for s in counted.spans],
        },
        "months": [
            {
                "month": str(m.month),
                "payer_kind": m.payer_kind,
                "payer": m.payer_code,
                "payer_name": m.payer_name,
                "unit": _m(m.unit_fen),
                "individual": _m(m.individual_fen),
                "total": _m(m.total_fen),
                "paid": m.paid,
                "insurances": [
                    {
                        "insurance": c.insurance,
                        "base": _m(c.base_fen),
                        "unit": _m(c.unit_fen),
                        "individual": _m(c.individual_fen),
                        "status": "paid" if c.paid else ("cancelled" if c.cancelled else "unpaid"),
                        "paid": c.paid,
                        "bill": c.bill,
                        "provisional": c.provisional,
                        "adjusted": c.adjusted,
                    }
                    for c in m.ordered
                    if c is not None
                ],
            }
            for m in record.months
        ],
    }
