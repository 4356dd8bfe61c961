"""The demo's true-up (多退少补): Jilin City's 2020 H2 base limits, provisional in the data files
(seed 000: "待我省2019年度全省全口径平均工资公布后再确定"), made final, and the six months trued
up into the bills of 2021-01 — through the policy and contributions services, as staff would.

The final figures were not found in the sources: the demo takes an average wage of 60,000
yuan (floor 60% ÷ 12 = 3,000.00, ceiling 300% ÷ 12 = 15,000.00), recorded with source ``demo``
(shown as 本系统演示取值)."""

from __future__ import annotations

from datetime import date

from shebao.common.periods import YearMonth

REGION = "220200"
FINAL = {"contribution.base_floor": "3000.00", "contribution.base_ceiling": "15000.00"}
MONTHS = (YearMonth(2020, 7), YearMonth(2020, 12))
INTO = YearMonth(2021, 1)


def demo_trueup() -> int:
    """Make the limits final (once) and true up the months not trued up yet. Returns the
    adjustments written."""
    from shebao.accounts import actors
    from shebao.accounts.actors import actor_for
    from shebao.contributions.models import AssessmentRun, RunKind
    from shebao.contributions.trueup import month_trueup
    from shebao.policy.models import PolicyParameter
    from shebao.policy.services import parameter_finalize
    from shebao.registry.models import Region

    actor = actor_for(_editor(), actors.STAFF)
    for key, value in FINAL.items():
        record = PolicyParameter.objects.filter(
            region_id=REGION, key=key, valid_from=date(2020, 7, 1), status="provisional"
        ).first()
        if record is not None:
            parameter_finalize(
                actor=actor,
                record=record,
                value=value,
                source="demo",
                reason="演示：2019年度全省全口径平均工资公布（演示取60,000元），"
                "2020年7月至12月缴费基数上下限转为正式，多退少补",
            )
    city = Region.objects.get(code=REGION)
    done = set(
        AssessmentRun.objects.filter(
            region=city, kind=RunKind.TRUEUP, status=AssessmentRun.Status.DONE
        ).values_list("month", flat=True)
    )
    written, month = 0, MONTHS[0]
    while month <= MONTHS[1]:
        if month not in done:
            written += month_trueup(region=city, month=month, into=INTO).lines_written
        month = month + 1
    return written


def _editor():
    """The staff member who records the final values: the demo's policy clerk of the fund's
    finance section, with EDIT_POLICY in the city."""
    from shebao.accounts.capabilities import Capability, capability_grant
    from shebao.demo.dataset import _staff_user

    user = _staff_user("jl-zc-01", "钱政策", "finance", [REGION], "基金财务科政策参数管理员")
    capability_grant(staff=user.staff_profile, capability=Capability.EDIT_POLICY, regions=[REGION])
    return user
