"""Demo training and assessment, through the real services: a few trades and designated
training institutions of Jilin City, a registration, 松江机械's filing as an assessment
institution, one plan carried through every step to its certificates (run at past dates) and
one plan of next month waiting for its supervision. Built once."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from shebao.accounts.actors import Actor
from shebao.registry.models import Person
from shebao.training import services
from shebao.training.models import AssessmentFiling, Trade, TrainingInstitution

# 职业编码 of the national occupation classification (《中华人民共和国职业分类大典》2015 年版).
TRADES = [
    ("4-01-02-02", "电子商务师"),
    ("4-03-02-01", "中式烹调师"),
    ("4-10-01-02", "育婴员"),
    ("4-10-01-03", "保育员"),
    ("4-10-01-05", "养老护理员"),
    ("6-18-01-01", "车工"),
    ("6-18-02-04", "焊工"),
    ("6-31-01-03", "电工"),
]
INSTITUTIONS = [
    # name, district, address, phone, trades
    (
        "吉林市江城职业技能培训学校",
        "220202",
        "吉林市昌邑区解放北路88号",
        "0432-62010001",
        ["电工", "焊工", "车工", "电子商务师"],
    ),
    (
        "吉林市船营区家政服务职业培训中心",
        "220204",
        "吉林市船营区北京路16号",
        "0432-62010002",
        ["育婴员", "保育员", "养老护理员"],
    ),
    (
        "吉林市丰满区烹饪职业培训学校",
        "220211",
        "吉林市丰满区吉林大街300号",
        "0432-62010003",
        ["中式烹调师"],
    ),
]


def _at(day: date, hour: int = 10):
    from freezegun import freeze_time

    return freeze_time(timezone.make_aware(datetime.combine(day, time(hour))))


def training_demo(
    *, worker: Actor, institution: Actor, centre: Actor, candidates: list[Person]
) -> bool:
    """Returns whether anything was built (False when the demo's filing exists)."""
    trades = {}
    for code, name in TRADES:
        trades[name], _ = Trade.objects.get_or_create(code=code, defaults={"name": name})
    for name, district, address, phone, taught in INSTITUTIONS:
        row, _ = TrainingInstitution.objects.get_or_create(
            name=name, defaults={"district_id": district, "address": address, "phone": phone}
        )
        row.trades.set([trades[t] for t in taught])
    if AssessmentFiling.objects.filter(unit=institution.unit).exists():
        return False
    today = timezone.localdate()
    services.registration_submit(
        actor=worker,
        institution=TrainingInstitution.objects.get(name=INSTITUTIONS[0][0]),
        trade=trades["电工"],
        employment_status="employed",
        mobile=worker.person.mobile,
        submission_key="demo-training-registration",
    )
    start = today - timedelta(days=75)
    with _at(start):
        filing = services.filing_submit(
            actor=institution,
            trades=[trades["车工"], trades["焊工"]],
            max_level="3",
            contact_name=institution.user.name,
            contact_mobile=institution.user.mobile,
        )
        services.filing_act(actor=centre, filing=filing, action="approve")
    exam = start + timedelta(days=30)
    with _at(start + timedelta(days=1)):
        past, _ = services.plan_create(
            actor=institution,
            trade=trades["车工"],
            level="4",
            exam_date=exam,
            venue="吉林市松江机械制造有限公司实训车间",
            submission_key="demo-training-plan-past",
        )
        for person in candidates[:3]:
            services.candidate_add(
                actor=institution, plan=past, id_number=person.id_number, name=person.name
            )
        services.plan_submit(actor=institution, plan=past)
    with _at(start + timedelta(days=5)):
        services.plan_centre_act(actor=centre, plan=past, action="assign", note="督导员 刘振东")
    with _at(exam, 16):
        for person, scores in zip(candidates[:3], ((86, 90), (72, 65), (58, 70)), strict=True):
            services.results_enter(
                actor=institution,
                plan=past,
                id_number=person.id_number,
                theory=scores[0],
                skill=scores[1],
            )
        services.plan_confirm_results(actor=institution, plan=past)
    with _at(exam + timedelta(days=2)):
        services.plan_centre_act(
            actor=centre, plan=past, action="evaluate", note="考务组织规范，评分标准执行到位"
        )
    with _at(exam + timedelta(days=4)):
        services.plan_centre_act(actor=centre, plan=past, action="approve")
        services.plan_centre_act(actor=centre, plan=past, action="issue")
    coming, _ = services.plan_create(
        actor=institution,
        trade=trades["焊工"],
        level="5",
        exam_date=today + timedelta(days=30),
        venue="吉林市松江机械制造有限公司实训车间",
        submission_key="demo-training-plan-coming",
    )
    for person in candidates[3:5]:
        services.candidate_add(
            actor=institution, plan=coming, id_number=person.id_number, name=person.name
        )
    services.plan_submit(actor=institution, plan=coming)
    return True
