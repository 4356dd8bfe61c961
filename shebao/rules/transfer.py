"""Funds that move with a pension relation between provinces (DOMAIN.md §9, 国办发〔2009〕66号).

- Pooled fund: ``transfer.pooled_rate`` (12%) × the sum of actual contribution bases since
  ``transfer.pooled_since`` (1998-01-01), rounded by ``rounding.amount``.
- Personal account: the whole balance (the personal-contribution share before 1998 is already in
  the balance the old place reports).
- Temporary account: a move outside the hukou province by a man aged at least
  ``transfer.temporary_account_ages["M"]`` (50) or a woman of at least ``["F"]`` (40) keeps the
  relation at the old place; the new place opens a temporary contribution account. No funds move
  now: they are pooled when the place of benefit is settled. (Transfers approved by an
  organization department or labour bureau are an exception decided by staff, not here.)
Age is counted in whole months from the birth month to the month of the move.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from shebao.common.errors import InvalidInput
from shebao.common.money import quantize
from shebao.common.periods import YearMonth
from shebao.common.trace import Trace
from shebao.rules.notation import money, pct
from shebao.rules.params import Params, amount_in, need

KEYS = (
    "transfer.pooled_rate",
    "transfer.pooled_since",
    "transfer.temporary_account_ages",
    "rounding.amount",
)
REGULAR = "regular"
TEMPORARY = "temporary"
SEXES = {"M": "男", "F": "女"}


@dataclass(frozen=True)
class TransferResult:
    account: str  # REGULAR or TEMPORARY
    age_months: int
    pooled_transfer: Decimal
    personal_transfer: Decimal
    trace: Trace


def transfer_funds(
    params: Params,
    *,
    sex: str,
    birth: YearMonth,
    move_month: YearMonth,
    to_hukou_province: bool,
    bases_sum: Any,
    personal_balance: Any,
) -> TransferResult:
    """Which account the new place opens and the funds that move now."""
    if sex not in SEXES:
        raise InvalidInput("性别应为男（M）或女（F）", code="SEX_INVALID", field="sex")
    if move_month < birth:
        raise InvalidInput(
            f"转移年月 {move_month} 早于出生年月 {birth}",
            code="PERIOD_REVERSED",
            field="move_month",
        )
    if not isinstance(to_hukou_province, bool):
        raise TypeError("to_hukou_province must be a bool")
    bases = amount_in(bases_sum, field="bases_sum", label="1998年以来缴费基数之和")
    balance = amount_in(personal_balance, field="personal_balance", label="个人账户储存额")
    trace = Trace(
        "transfer.funds",
        "养老保险关系转移资金测算",
        inputs={
            "sex": sex,
            "birth": str(birth),
            "move_month": str(move_month),
            "to_hukou_province": to_hukou_province,
            "bases_sum": bases,
            "personal_balance": balance,
        },
    )
    ages = need(trace, params, "transfer.temporary_account_ages")
    age = move_month - birth
    trace.step("转移时年龄", f"{move_month} − {birth}", f"{age // 12}岁{age % 12}个月")
    threshold = ages[sex]
    rate = need(trace, params, "transfer.pooled_rate")
    since = need(trace, params, "transfer.pooled_since")
    rounding = need(trace, params, "rounding.amount")
    if not to_hukou_province and age >= threshold * 12:
        trace.step(
            "账户类型",
            f"未回户籍地省份，{SEXES[sex]}性已满 {threshold} 周岁",
            "临时缴费账户",
        )
        trace.note(
            "基本养老保险关系保留在原参保地，新参保地建立临时基本养老保险缴费账户，"
            "记录单位和个人全部缴费；本次不转移资金，待确定待遇领取地后归集。"
        )
        trace.note(
            "经县级以上党委组织部门、人力资源社会保障行政部门批准调动的，不受此限，由经办机构认定。"
        )
        zero = Decimal("0.00")
        return TransferResult(TEMPORARY, age, zero, zero, trace)
    reason = "回户籍地省份" if to_hukou_province else f"{SEXES[sex]}性未满 {threshold} 周岁"
    trace.step("账户类型", reason, "一般缴费账户")
    pooled = trace.step(
        "统筹基金转移额",
        f"{since.isoformat()} 起缴费基数之和 {money(bases)} × {pct(rate)}，{rounding.describe()}",
        quantize(bases * rate, rounding),
    )
    personal = trace.step("个人账户转移额", "个人账户储存额全额", quantize(balance, rounding))
    return TransferResult(REGULAR, age, pooled, personal, trace)
