"""The effects of emergency measures, each inside and outside the measure's dates
(shebao.policy.emergency; Jilin City's 2020 measures, seed 000: from 2020-01-25, lifted on
2020-06-30, late handling until 2020-09-30)."""

from __future__ import annotations

from datetime import date

import pytest

from shebao.policy.emergency import certification_waiver, claim_deadline, deadline_extended

pytestmark = pytest.mark.usefixtures("policy_data")


@pytest.mark.parametrize(
    "on, waived",
    [
        (date(2020, 1, 24), False),
        (date(2020, 1, 25), True),
        (date(2020, 9, 30), True),  # certification may be done late: still no suspension
        (date(2020, 10, 1), False),
    ],
)
def test_a_missed_certification_does_not_suspend_benefits_while_the_measures_are_in_force(
    on, waived
):
    waiver = certification_waiver(region="220202", on=on)
    assert (waiver is not None) is waived
    if waived:
        assert waiver.code == "COVID19-220200"


def test_beijing_measures_do_not_waive_the_certification():
    assert certification_waiver(region="110105", on=date(2020, 3, 1)) is None


@pytest.mark.parametrize(
    "deadline, on, extended",
    [
        (date(2020, 3, 20), date(2020, 3, 25), date(2020, 9, 30)),  # fell in the emergency
        (date(2020, 3, 20), date(2020, 10, 1), date(2020, 3, 20)),  # late handling is over
        (date(2020, 1, 20), date(2020, 3, 25), date(2020, 1, 20)),  # before the emergency
        (date(2020, 7, 20), date(2020, 7, 25), date(2020, 7, 20)),  # after the lifting
    ],
)
def test_a_deadline_that_fell_in_the_emergency_runs_to_the_end_of_late_handling(
    deadline, on, extended
):
    assert deadline_extended(region="220202", deadline=deadline, on=on) == extended


def test_wuhan_has_no_measures_and_keeps_its_deadlines():
    day = date(2020, 3, 20)
    assert deadline_extended(region="420100", deadline=day, on=date(2020, 3, 25)) == day


def test_the_60_day_claim_limit_is_lifted_for_people_unemployed_from_december_2019():
    during = claim_deadline(region="220202", unemployed_on=date(2019, 12, 5), on=date(2020, 8, 1))
    earlier = claim_deadline(region="220202", unemployed_on=date(2019, 11, 5), on=date(2020, 8, 1))
    after = claim_deadline(region="220202", unemployed_on=date(2020, 10, 5), on=date(2020, 10, 8))

    assert during.last_day is None
    assert during.explanation == (
        "按新冠肺炎疫情防控期间社会保险业务延期办理（吉林市），2019年12月以后失业的人员"
        "申领失业保险金不受时限限制"
    )
    # unemployed before December 2019: 60 days, long past (it did not fall in the emergency)
    assert earlier.last_day == date(2020, 1, 4)
    # outside the measures' dates the national 60 days apply
    assert after.last_day == date(2020, 12, 4)
    assert after.explanation == "失业之日起60日内申领，截止2020年12月4日"


def test_a_claim_period_that_fell_in_beijings_emergency_is_extended_by_late_handling():
    result = claim_deadline(region="110105", unemployed_on=date(2020, 2, 1), on=date(2020, 5, 1))
    assert result.last_day == date(2020, 9, 30)
    assert result.explanation == (
        "失业之日起60日内申领（原截止2020年4月1日）；按新冠肺炎疫情防控期间社会保险经办措施"
        "（北京市），可在2020年9月30日前补办"
    )
