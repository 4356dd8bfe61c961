"""Demo dispute cases, through the real services: 张伟's arbitration against 松江机械, accepted
with its hearing set; 李娜's mediation request, entered by the 12333 seat, waiting to be taken
up. Built once (the forms' one-time keys)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone

from shebao.accounts.actors import Actor
from shebao.disputes import services
from shebao.disputes.models import DisputeCase, DisputeType
from shebao.registry.models import Unit


def disputes_demo(*, worker: Actor, caller: Actor, seat: Actor, handler: Actor, unit: Unit) -> int:
    """Returns how many cases were built now (0 when they exist)."""
    if DisputeCase.objects.filter(submission_key__startswith="demo-dispute-").exists():
        return 0
    today = timezone.localdate()
    arbitration, _ = services.dispute_file(
        actor=worker,
        kind=DisputeCase.Kind.ARBITRATION,
        data=services.DisputeInput(
            counterpart=unit.credit_code,
            dispute_type=DisputeType.WAGES,
            claims="1. 支付拖欠的加班工资6,480.00元；\n2. 支付未休年休假工资报酬1,850.00元。",
            facts="本人自2015年起在被申请人处从事机械加工工作，近一年每月延时加班约36小时，"
            "被申请人未依法支付加班工资。",
            claim_amount="8330.00",
            aware_date=today - timedelta(days=40),
            mobile=worker.person.mobile,
        ),
        submission_key="demo-dispute-arbitration",
    )
    services.dispute_act(
        actor=handler, case=arbitration, action="accept", note="材料齐全，予以受理"
    )
    hearing = timezone.make_aware(datetime.combine(today + timedelta(days=12), time(9, 30)))
    services.dispute_act(
        actor=handler,
        case=arbitration,
        action="schedule",
        hearing_at=hearing,
        hearing_place="吉林市劳动人事争议仲裁院第二仲裁庭",
    )
    services.dispute_hotline_enter(
        actor=seat,
        caller_name=caller.person.name,
        caller_id_number=caller.person.id_number,
        caller_mobile=caller.person.mobile,
        data=services.DisputeInput(
            counterpart=unit.credit_code,
            dispute_type=DisputeType.SOCIAL_INSURANCE,
            claims="请求单位为本人补缴2023年1月至3月的社会保险费。",
            facts="来电人称入职后前三个月单位未为其参保缴费。",
        ),
        submission_key="demo-dispute-hotline",
    )
    return 2
