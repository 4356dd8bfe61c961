"""Beijing's acceptance modes for a unit's back-payment (seed 003): the decision table, with
its edges at exactly 3 months back, 3 years long, 10 years paid locally and 2011-07."""

from __future__ import annotations

import pytest

from shebao.common.errors import InvalidInput
from shebao.common.periods import YearMonth
from shebao.rules import backpay_mode as bm
from shebao.rules.backpay_mode import BackpayCase, backpay_route, backpay_routes

NOW = YearMonth(2024, 5)
NAMES = {
    bm.RECENT: "单位申报个人补缴（近三个月）",
    bm.GENERAL_COMMITMENT: "一般账户补缴（承诺制）",
    bm.TEMPORARY_COMMITMENT: "临时账户补缴（承诺制）",
    bm.GENERAL_SHORT: "一般账户补缴（本市缴费年限不足10年，容缺受理）",
    bm.OVER_3Y: "单位申报个人补缴（2011年7月后超过3年，容缺受理）",
}


def case(first, last, *, account=None, local_years=None, theoretical_years=None):
    return BackpayCase(
        first=YearMonth.parse(first),
        last=YearMonth.parse(last),
        declared_in=NOW,
        account=account,
        local_months=None if local_years is None else local_years * 12,
        theoretical_months=None if theoretical_years is None else theoretical_years * 12,
    )


def matters(c):
    return [(r.matter, r.mode) for r in backpay_routes(c)]


def refusal(c, matter):
    with pytest.raises(InvalidInput) as caught:
        backpay_route(c, matter=matter, names=NAMES)
    return caught.value


# --- how far back: the last three months ----------------------------------------------------


def test_the_three_months_before_the_declaration_month_are_direct():
    # 2024-02, 03, 04 declared in 2024-05: exactly three months back.
    assert matters(case("2024-02", "2024-04")) == [(bm.RECENT, bm.DIRECT)]
    assert backpay_route(case("2024-02", "2024-04"), matter=bm.RECENT, names=NAMES).mode == "direct"


def test_four_months_back_is_no_longer_recent():
    c = case("2024-01", "2024-04")
    assert matters(c) == []
    error = refusal(c, bm.RECENT)
    assert error.code == "BACKPAY_OTHER_MATTER"
    assert "一般账户补缴（承诺制）" in error.message
    assert error.details["matters"] == list(bm.ACCOUNT_MATTERS)


def test_a_recent_case_filed_as_a_commitment_is_told_to_file_it_directly():
    c = case("2024-03", "2024-04", account=bm.GENERAL, local_years=11)
    assert matters(c)[0] == (bm.RECENT, bm.DIRECT)
    # It fits the commitment too, so the commitment matter takes it as filed.
    assert backpay_route(c, matter=bm.GENERAL_COMMITMENT, names=NAMES).mode == "commitment"
    short = case("2024-03", "2024-04", account=bm.GENERAL, local_years=2, theoretical_years=3)
    error = refusal(short, bm.GENERAL_SHORT)
    assert error.code == "BACKPAY_OTHER_MATTER"
    assert "近三个月" in error.message


def test_the_period_must_be_in_order_and_in_the_past():
    assert refusal(case("2024-03", "2024-02"), bm.RECENT).code == "BACKPAY_PERIOD_REVERSED"
    assert refusal(case("2024-03", "2024-05"), bm.RECENT).code == "BACKPAY_MONTH_NOT_PAST"


# --- the commitment: account type, 10 years, 3 years, 2011-07 --------------------------------


def test_a_general_account_with_more_than_ten_local_years_is_a_commitment():
    c = case("2022-01", "2023-12", account=bm.GENERAL, local_years=11)
    assert matters(c) == [(bm.GENERAL_COMMITMENT, bm.COMMITMENT)]
    assert backpay_route(c, matter=bm.GENERAL_COMMITMENT, names=NAMES).mode == "commitment"


def test_exactly_ten_local_years_is_not_more_than_ten():
    c = case("2022-01", "2023-12", account=bm.GENERAL, local_years=10, theoretical_years=20)
    assert matters(c) == []
    assert refusal(c, bm.GENERAL_COMMITMENT).code == "BACKPAY_NO_ACCEPTANCE_MODE"


def test_exactly_three_years_long_is_a_commitment_and_one_month_more_is_not():
    three = case("2021-01", "2023-12", account=bm.TEMPORARY)
    assert three.span == 36
    assert matters(three) == [(bm.TEMPORARY_COMMITMENT, bm.COMMITMENT)]
    longer = case("2020-12", "2023-12", account=bm.TEMPORARY)
    assert matters(longer) == [(bm.OVER_3Y, bm.TOLERANCE)]
    error = refusal(longer, bm.TEMPORARY_COMMITMENT)
    assert error.code == "BACKPAY_OTHER_MATTER"
    assert "超过3年" in error.message


def test_from_july_2011_is_accepted_and_june_2011_is_not():
    assert matters(case("2011-07", "2012-06", account=bm.TEMPORARY)) == [
        (bm.TEMPORARY_COMMITMENT, bm.COMMITMENT)
    ]
    before = case("2011-06", "2012-05", account=bm.TEMPORARY)
    assert matters(before) == []
    assert refusal(before, bm.TEMPORARY_COMMITMENT).code == "BACKPAY_BEFORE_2011_07"


# --- 容缺受理 ------------------------------------------------------------------------------------


def test_a_general_account_under_ten_years_in_all_is_tolerance():
    c = case("2023-01", "2023-12", account=bm.GENERAL, local_years=4, theoretical_years=5)
    assert matters(c) == [(bm.GENERAL_SHORT, bm.TOLERANCE)]
    assert backpay_route(c, matter=bm.GENERAL_SHORT, names=NAMES).mode == "tolerance"


def test_exactly_ten_years_theoretical_plus_local_is_not_under_ten():
    c = case("2023-01", "2023-12", account=bm.GENERAL, local_years=4, theoretical_years=6)
    assert matters(c) == []
    assert refusal(c, bm.GENERAL_SHORT).code == "BACKPAY_NO_ACCEPTANCE_MODE"


def test_more_than_three_years_after_july_2011_is_tolerance_whatever_the_account():
    c = case("2011-07", "2014-07")
    assert matters(c) == [(bm.OVER_3Y, bm.TOLERANCE)]
    assert backpay_route(c, matter=bm.OVER_3Y, names=NAMES).mode == "tolerance"
    assert matters(case("2011-07", "2014-06")) == []  # exactly 36 months: not over 3 years
    assert refusal(case("2011-06", "2014-07"), bm.OVER_3Y).code == "BACKPAY_BEFORE_2011_07"


def test_a_short_general_account_over_three_years_fits_both_tolerance_matters():
    c = case("2019-01", "2023-12", account=bm.GENERAL, local_years=1, theoretical_years=2)
    assert matters(c) == [(bm.GENERAL_SHORT, bm.TOLERANCE), (bm.OVER_3Y, bm.TOLERANCE)]


def test_the_theoretical_years_run_to_sixty_for_men_and_fifty_for_women():
    assert bm.theoretical_months(sex="M", birth_year=1970, birth_month=3, on=NOW) == 5 * 12 + 10
    assert bm.theoretical_months(sex="F", birth_year=1970, birth_month=3, on=NOW) == 0
    assert bm.theoretical_months(sex="F", birth_year=1980, birth_month=5, on=NOW) == 6 * 12
