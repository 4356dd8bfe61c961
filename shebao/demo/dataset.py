"""The demo hall: reference data, the catalogue, policy parameters, and a small fictitious city.

``demo_load()`` builds it and is safe to run again: reference data, the catalogue and policy
are upserted from the repository's data files; people, units and accounts are matched by their
natural keys; the demo applications are built once (through the real workflow services, so the
audit trail and notifications are what production would show).

The city is Jilin City (220200, seed 000): staff in every department, registration staff split
between two districts (so scoping can be seen), five units (an enterprise with its legal
representative, administrator and operator; a public institution; an individual business; a
licensed labour-dispatch agency whose workers serve the enterprise and the school; a
construction company with one project insured by project) and about fifty insured persons.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from shebao.accounts.actors import Actor, actor_for
from shebao.accounts.capabilities import Capability, capability_grant, capability_grant_defaults
from shebao.accounts.models import MatterGrant, StaffProfile, UnitMembership, User
from shebao.catalogue.models import Matter
from shebao.catalogue.services import catalogue_load
from shebao.common.periods import YearMonth
from shebao.demo.people import DemoPerson, credit_code, id_number, people
from shebao.policy.services import policy_load
from shebao.registry.models import NATIONAL, Department, Person, Region, Unit
from shebao.registry.services import departments_load, regions_load

if TYPE_CHECKING:
    from shebao.demo.payments import PaymentsReport

# Every demo account signs in with this password (the hall asks nobody to change it).
DEMO_PASSWORD = "Shebao@2026"

CITY = "220200"
CHANGYI, LONGTAN, CHUANYING, FENGMAN = "220202", "220203", "220204", "220211"
JILIN_DISTRICTS = [
    CHANGYI,
    LONGTAN,
    CHUANYING,
    FENGMAN,
    "220221",
    "220281",
    "220282",
    "220283",
    "220284",
]


@dataclass(frozen=True)
class DemoAccount:
    role: str  # 个人 / 单位法定代表人 / … / 经办人员
    portal: str  # which sign-in tab: 个人 / 单位 / 经办人员 / 系统配置
    username: str  # what to type
    name: str
    note: str = ""
    credit_code: str = ""  # for 单位登录
    mobile: str = ""


@dataclass
class DemoReport:
    accounts: list[DemoAccount] = field(default_factory=list)
    persons: int = 0
    units: int = 0
    applications_built: int = 0
    relations_built: int = 0
    applications_total: int = 0
    months_assessed: int = 0
    adjustments_written: int = 0
    payments: PaymentsReport | None = None
    cards_built: int = 0
    slots_open: int = 0  # appointment slots of the coming week


# --- people ------------------------------------------------------------------------------------

# Named people the demo story uses; their ID numbers are generated like everyone else's.
NAMED = {
    "zhang": ("张伟", "M", date(1986, 3, 14), CHANGYI, "13943110001"),
    "li": ("李娜", "F", date(1990, 8, 2), CHUANYING, "13943110002"),
    "liu": ("刘志远", "M", date(1972, 11, 9), CHANGYI, "13943110003"),
    "chen": ("陈晓燕", "F", date(1984, 5, 21), CHANGYI, "13943110004"),
    "yang": ("杨帆", "M", date(1993, 1, 30), LONGTAN, "13943110005"),
    "zhou": ("周慧敏", "F", date(1975, 9, 12), CHUANYING, "13943110006"),
    "wang": ("王德福", "M", date(1968, 2, 25), CHANGYI, "13943110007"),
    "sun": ("孙立军", "M", date(1979, 4, 18), CHANGYI, "13943110008"),
    "zhao": ("赵建业", "M", date(1970, 7, 7), CHUANYING, "13943110009"),
}


def _named_person(key: str, sequence: int) -> DemoPerson:
    name, sex, born, district, mobile = NAMED[key]
    return DemoPerson(
        name=name,
        id_number=id_number(district, born, sequence, sex),
        sex=sex,
        birth_date=born,
        mobile=mobile,
        district=district,
    )


def _person(row: DemoPerson) -> Person:
    person, _ = Person.objects.update_or_create(
        id_number=row.id_number,
        defaults={
            "name": row.name,
            "sex": row.sex,
            "birth_date": row.birth_date,
            "mobile": row.mobile,
            "district_id": row.district,
            "hukou_region_id": row.district,
            "verification": Person.Verification.VERIFIED,
        },
    )
    return person


def _individual_user(person: Person) -> User:
    user = User.objects.filter(username=person.id_number).first()
    if user is None:
        user = User.objects.create_user(
            person.id_number,
            DEMO_PASSWORD,
            kind=User.Kind.INDIVIDUAL,
            name=person.name,
            person=person,
            mobile=person.mobile,
        )
    return user


def _staff_user(
    username: str,
    name: str,
    department: str,
    districts: list[str],
    title: str,
    *,
    superuser: bool = False,
) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(
            username,
            DEMO_PASSWORD,
            kind=User.Kind.STAFF,
            name=name,
            is_staff=superuser,
            is_superuser=superuser,
        )
    profile, _ = StaffProfile.objects.update_or_create(
        user=user, defaults={"department_id": department, "title": title}
    )
    profile.districts.set(Region.objects.filter(code__in=districts))
    capability_grant_defaults(staff=profile)
    if superuser:  # the demo's administrator also maintains the policy parameters
        capability_grant(staff=profile, capability=Capability.EDIT_POLICY, regions=[NATIONAL])
    if department == "finance":  # the fund's finance section runs the monthly assessment
        capability_grant(staff=profile, capability=Capability.RUN_ASSESSMENT, regions=[CITY])
    return user


STAFF = [
    # username, name, department, districts, title
    (
        "jl-dj-01",
        "王建国",
        "registration",
        [CHANGYI, LONGTAN, FENGMAN, "220221", "220281"],
        "登记征缴科科员",
    ),
    (
        "jl-dj-02",
        "李秀梅",
        "registration",
        [CHUANYING, "220282", "220283", "220284"],
        "登记征缴科科员",
    ),
    ("jl-yl-01", "孙丽", "enterprise_pension", JILIN_DISTRICTS, "企业养老科科员"),
    ("jl-jg-01", "何振华", "institution_pension", JILIN_DISTRICTS, "机关事业养老科科员"),
    ("jl-jm-01", "郭玉兰", "resident_pension", JILIN_DISTRICTS, "城乡居保科科员"),
    ("jl-sy-01", "赵磊", "unemployment", JILIN_DISTRICTS, "失业保险科科员"),
    ("jl-gs-01", "马宏伟", "work_injury", JILIN_DISTRICTS, "工伤保险科科员"),
    ("jl-zy-01", "周强", "transfer", JILIN_DISTRICTS, "关系转移科科员"),
    ("jl-cw-01", "罗丽华", "finance", JILIN_DISTRICTS, "基金财务科科员"),
    ("jl-jh-01", "梁海涛", "audit", JILIN_DISTRICTS, "稽核科科员"),
    ("jl-kp-01", "宋春燕", "card", JILIN_DISTRICTS, "社保卡服务科科员"),
    ("jl-jy-01", "郑立新", "employment", JILIN_DISTRICTS, "就业服务科科员"),
    ("jl-rc-01", "谢雪梅", "talent", JILIN_DISTRICTS, "人才服务科科员"),
    ("jl-ld-01", "韩国庆", "labour_relations", JILIN_DISTRICTS, "劳动关系科科员"),
]


# --- units -------------------------------------------------------------------------------------

UNITS = [
    # key, authority+type, district, serial, name, kind, competent department, injury class
    ("songjiang", "91", CHANGYI, 10001, "吉林市松江机械制造有限公司", Unit.Kind.ENTERPRISE, "", 4),
    (
        "school",
        "12",
        CHUANYING,
        20002,
        "吉林市船营区第一实验小学",
        Unit.Kind.INSTITUTION,
        "吉林市船营区教育局",
        1,
    ),
    (
        "dumplings",
        "92",
        CHANGYI,
        30003,
        "吉林市昌邑区德福饺子馆",
        Unit.Kind.INDIVIDUAL_BUSINESS,
        "",
        2,
    ),
    # 商务服务业 (劳务派遣) is work-injury class 2, 房屋建筑业 class 6 (人社部发〔2015〕71号).
    ("agency", "91", CHANGYI, 40004, "吉林市江城人力资源服务有限公司", Unit.Kind.ENTERPRISE, "", 2),
    ("builder", "91", CHUANYING, 50005, "吉林市北山建设工程有限公司", Unit.Kind.ENTERPRISE, "", 6),
]


def _unit(key: str, legal_rep: Person) -> Unit:
    _, authority, district, serial, name, kind, competent, injury = next(
        u for u in UNITS if u[0] == key
    )
    unit, _ = Unit.objects.update_or_create(
        credit_code=credit_code(authority, district, serial),
        defaults={
            "name": name,
            "kind": kind,
            "district_id": district,
            "competent_department": competent,
            "legal_rep_name": legal_rep.name,
            "legal_rep_id_number": legal_rep.id_number,
            "address": f"吉林省吉林市{Region.objects.get(code=district).name}",
            "phone": "0432-6" + str(serial)[-7:].rjust(7, "0"),
            "injury_class": injury,
            "registered_on": date(2015, 3, 1),
        },
    )
    return unit


def _membership(user: User, unit: Unit, role: str, appointed_by: User | None) -> UnitMembership:
    membership = UnitMembership.objects.filter(
        user=user, unit=unit, revoked_at__isnull=True
    ).first()
    if membership is None:
        membership = UnitMembership.objects.create(
            user=user, unit=unit, role=role, appointed_by=appointed_by
        )
    return membership


# --- applications ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedApplication:
    applicant: str  # key into the actors dict
    matter: str
    status: str
    reviewer: str | None
    days_ago: int = 0
    reason: str = ""
    subject: str | None = None  # key of the employee a unit application is about
    data: dict[str, str] | None = None  # answers beyond the sample ones


PLAN = [
    # 张伟 (个人, 昌邑区)
    PlannedApplication("zhang", "person.unemployment_benefit", "submitted", None, 1),
    PlannedApplication(
        "zhang",
        "person.flexible_grade_change",
        "completed",
        "jl-dj-01",
        40,
        "已按新档次自次月起核定",
    ),
    PlannedApplication("zhang", "person.skill_upgrade_subsidy", "draft", None, 0),
    PlannedApplication(
        "zhang", "person.unemployment_transfer_out", "withdrawn", None, 12, "暂不办理转移"
    ),
    # 李娜 (个人, 船营区)
    PlannedApplication("li", "person.flexible_enrol", "accepted", "jl-dj-02", 45),
    PlannedApplication(
        "li",
        "person.unemployment_subsidy",
        "rejected",
        "jl-sy-01",
        20,
        "经核查，您在申领期间已实现就业，不符合失业补助金申领条件",
    ),
    # 松江机械 (企业): operator 杨帆 holds grants for staff enrolment and leaving
    PlannedApplication("yang", "unit.staff_enrol", "submitted", None, 0, subject="worker1"),
    PlannedApplication("yang", "unit.staff_leave", "approved", "jl-dj-01", 6, subject="worker2"),
    PlannedApplication("chen", "unit.base_declare", "accepted", "jl-dj-01", 2),
    PlannedApplication(
        "chen", "unit.staff_back_payment_over_3y", "lapsed", "jl-dj-01", 60, subject="worker3"
    ),
    PlannedApplication(
        "chen",
        "unit.staff_info_change",
        "accepted",
        "jl-dj-01",
        1,
        subject="worker4",
        data={"hukou_address": "吉林省吉林市昌邑区延安路88号", "reason": "职工户口迁移"},
    ),
    PlannedApplication(
        "chen", "unit.back_payment_general_account", "completed", "jl-dj-01", 30, subject="worker5"
    ),
    PlannedApplication("liu", "unit.retirement", "draft", None, 0, subject="worker6"),
    # 第一实验小学 (机关事业单位, 船营区)
    PlannedApplication("zhou", "unit.institution_wage_declare", "submitted", None, 2),
    # 德福饺子馆 (个体工商户)
    PlannedApplication("wang", "unit.staff_enrol", "completed", "jl-dj-01", 25, subject="worker7"),
]


def _subject_data(matter: Matter, person: Person) -> dict[str, str]:
    names = {spec.get("name") for spec in matter.fields}
    data: dict[str, str] = {}
    if "subject_id_number" in names:
        data["subject_id_number"] = person.id_number
    if "subject_name" in names:
        data["subject_name"] = person.name
    return data


# The demo's back-payments (补缴, seed 003): a unit declaring 48 months of 2020–2023 for an
# employee (容缺受理, left to lapse), and a general account paid locally for 12 years declaring
# eight months of last year on its commitment (承诺制), approved: its lines and its bill.
BACK_PAYMENTS = ("unit.staff_back_payment_over_3y", "unit.back_payment_general_account")


def _back_payment_data(matter: str, at: datetime) -> dict[str, str]:
    from shebao.common.periods import YearMonth

    if matter == "unit.staff_back_payment_over_3y":
        return {"start_month": "2020-01", "end_month": "2023-12", "base": "5000.00"}
    month = YearMonth.of(timezone.localdate(at))
    return {
        "start_month": str(month - 12),
        "end_month": str(month - 5),
        "base": "6000.00",
        "local_years": "12",
    }


def _build_applications(actors: dict[str, Actor], workers: dict[str, Person]) -> int:
    from shebao.applications.demo import demo_application_build
    from shebao.applications.models import Application

    users = [a.user for a in actors.values() if a.user is not None and not a.is_staff]
    if Application.objects.filter(applicant_user__in=users).exists():
        return 0  # built on an earlier run
    now = timezone.now()
    built = 0
    for plan in PLAN:
        matter = Matter.objects.get(code=plan.matter)
        data = _subject_data(matter, workers[plan.subject]) if plan.subject else None
        if plan.data:
            data = {**(data or {}), **plan.data}
        at: datetime | None = now - timedelta(days=plan.days_ago) if plan.days_ago else None
        if plan.matter in BACK_PAYMENTS:
            data = {**(data or {}), **_back_payment_data(plan.matter, at or now)}
        stage = None
        if plan.matter in ("unit.base_declare", "unit.institution_wage_declare"):
            data, stage = _base_declaration(timezone.localdate())
        demo_application_build(
            applicant=actors[plan.applicant],
            reviewer=actors[plan.reviewer] if plan.reviewer else None,
            matter=matter,
            status=plan.status,
            data=data,
            reason=plan.reason,
            at=at,
            stage=stage,
        )
        built += 1
    return built


def _mailed_case(sender: Actor) -> None:
    """松江机械's 容缺 information change: the missing document goes to the agency by EMS
    (seed 000's 纸质材料邮寄), waiting for the reviewer to record its receipt."""
    from shebao.applications.mailing import mail_in_declare, s10_check_digit
    from shebao.applications.models import Application, MailIn

    case = (
        Application.objects.filter(
            matter__code="unit.staff_info_change", status=Application.Status.ACCEPTED
        )
        .order_by("pk")
        .first()
    )
    if case is None or MailIn.objects.filter(application=case).exists():
        return
    codes = [d.code for d in case.deferred.all() if d.outstanding]
    if not codes:
        return
    serial = f"{case.pk % 10**8:08d}"
    mail_in_declare(
        actor=sender,
        application=case,
        carrier=MailIn.Carrier.EMS,
        tracking_number=f"EA{serial}{s10_check_digit(serial)}CN",
        codes=codes,
        contact=sender.user.mobile or "13943110004",
    )


def _base_declaration(today: date) -> tuple[dict[str, str], Any]:
    """The answers of the demo's base declaration and the lines it carries: every employee of
    the unit from this month, at a wage spread over the limits (some below the floor, a few
    above the ceiling)."""
    from django.db.models import Q

    from shebao.common.periods import YearMonth
    from shebao.contributions.bases import DeclaredRow, declaration_stage
    from shebao.insurance.models import Relation

    month = YearMonth.of(today)

    def stage(application: Any) -> None:
        from shebao.contributions.bases import DECLARATIONS

        relations = Relation.objects.current().filter(unit=application.unit)
        schemes = DECLARATIONS[application.matter.code].schemes
        if schemes:
            relations = relations.filter(scheme__in=schemes)
        staff = (
            relations.filter(Q(end_month__isnull=True) | Q(end_month__gte=month))
            .values_list("person__id_number", "person__name")
            .distinct()
            .order_by("person__id_number")
        )
        declaration_stage(
            application,
            [
                DeclaredRow(row, id_number, name, str(2000 + (row * 373) % 14000))
                for row, (id_number, name) in enumerate(staff, start=2)
            ],
        )

    return {"declare_year": str(month.year), "effective_month": str(month)}, stage


# --- insurance histories -----------------------------------------------------------------------

# The crowd: the first 43 are the story's workers and neighbours; then each unit's staff, the
# flexible workers, the urban-rural residents, the dispatched workers and a project's workers.
CROWD = 464
SONGJIANG_STAFF = slice(43, 335)
SCHOOL_STAFF = slice(335, 394)
DUMPLINGS_STAFF = slice(394, 396)
FLEXIBLE = slice(396, 426)
RESIDENTS = slice(426, 450)
DISPATCHED = slice(450, 458)
PROJECT_WORKERS = slice(458, 464)


def _build_histories(
    named: dict[str, Person],
    crowd: list[Person],
    workers: dict[str, Person],
    *,
    songjiang: Unit,
    school: Unit,
    dumplings: Unit,
    agency: Unit,
    builder: Unit,
) -> int:
    """Insurance relations from 2008 to last month: joined, left, rejoined (built once)."""
    from shebao.common.periods import YearMonth
    from shebao.insurance.demo import (
        Spell,
        dispatch_demo_build,
        histories_build,
        plan_spells,
        project_demo_build,
    )
    from shebao.insurance.models import Category, Insurance, Relation, Scheme

    if Relation.objects.exists():
        return 0
    last = YearMonth.of(timezone.localdate()) - 1
    first = YearMonth(2008, 1)
    songjiang_plan = [
        [Spell(named["liu"], YearMonth(2008, 1))],
        [Spell(named["chen"], YearMonth(2012, 7))],
        [Spell(named["yang"], YearMonth(2019, 3))],
        [Spell(named["li"], YearMonth(2014, 5), YearMonth(2022, 8))],
        # worker1 left in 2023 and is being enrolled again; worker7 is new to insurance
        [Spell(workers["worker1"], YearMonth(2016, 4), YearMonth(2023, 9))],
        *[[Spell(workers[f"worker{i}"], YearMonth(2010 + i, i))] for i in range(2, 7)],
        *plan_spells(crowd[SONGJIANG_STAFF], first=first, last=last, seed=1),
    ]
    written = histories_build(payer=songjiang, plans=songjiang_plan)
    school_plan = [
        [Spell(named["zhou"], YearMonth(2010, 9))],
        *plan_spells(crowd[SCHOOL_STAFF], first=first, last=last, seed=2, leave_share=0.1),
    ]
    written += histories_build(
        payer=school, plans=school_plan, scheme=Scheme.INSTITUTION, category=Category.INSTITUTION
    )
    dumplings_plan = [
        [Spell(named["wang"], YearMonth(2016, 6))],
        *plan_spells(crowd[DUMPLINGS_STAFF], first=YearMonth(2016, 6), last=last, seed=3),
    ]
    written += histories_build(payer=dumplings, plans=dumplings_plan)
    flexible_plan = [
        [Spell(named["zhang"], YearMonth(2018, 3))],
        *plan_spells(crowd[FLEXIBLE], first=first, last=last, seed=4, leave_share=0.3),
    ]
    written += histories_build(
        payer=None,
        plans=flexible_plan,
        category=Category.FLEXIBLE,
        insurances=(Insurance.PENSION, Insurance.MEDICAL),
    )
    written += histories_build(
        payer=None,
        plans=plan_spells(crowd[RESIDENTS], first=first, last=last, seed=5, leave_share=0.05),
        scheme=Scheme.RESIDENT,
        category=Category.RESIDENT,
        insurances=(Insurance.PENSION, Insurance.MEDICAL),
    )
    # The agency's workers: five at 松江机械, three at the school; one moved to the school
    # five months ago (劳务派遣用工调转).
    dispatched = crowd[DISPATCHED]
    written += dispatch_demo_build(
        agency=agency,
        placements=[
            (person, songjiang if i < 5 else school, last - 20 + 2 * i)
            for i, person in enumerate(dispatched)
        ],
        transfer=(dispatched[0], school, last - 4),
        today=timezone.localdate(),
    )
    # One project insured by project: six workers entering from six months ago, one left.
    site_workers = crowd[PROJECT_WORKERS]
    written += project_demo_build(
        contractor=builder,
        district=Region.objects.get(code=CHUANYING),
        start=last - 5,
        workers=site_workers,
        leaver=site_workers[1],
        left=last - 1,
    )
    return written


# --- monthly assessments -------------------------------------------------------------------------

# The demo city is assessed from the month of the first published limits of the seed (Jilin
# 2020 H1) to this month: 2020 H2 carries the provisional limits (seed 000). About 30 ms a month
# on SQLite.
ASSESSED_FROM = (2020, 1)


def _this_month() -> tuple[int, int]:
    from shebao.common.periods import YearMonth

    this = YearMonth.of(timezone.localdate())
    return this.year, this.month


def _assess_months(*, first: tuple[int, int], last: tuple[int, int]) -> int:
    """Assess each month not assessed yet, through the assessment service (a run by the
    system, as the batch worker would make it). Returns the number of months assessed."""
    from shebao.common.periods import YearMonth
    from shebao.contributions.assessment import month_assess
    from shebao.contributions.models import AssessmentRun

    city = Region.objects.get(code=CITY)
    done = set(
        AssessmentRun.objects.filter(region=city, status=AssessmentRun.Status.DONE).values_list(
            "month", flat=True
        )
    )
    month, end, count = YearMonth(*first), YearMonth(*last), 0
    while month <= end:
        if month not in done:
            month_assess(region=city, month=month)
            count += 1
        month = month + 1
    return count


# --- the whole demo ----------------------------------------------------------------------------


def demo_load() -> DemoReport:
    """Build (or bring up to date) the demo hall; returns the accounts to print."""
    from shebao.appointments.demo import appointments_demo
    from shebao.demo.payments import payments_demo
    from shebao.demo.trueup import demo_trueup
    from shebao.disputes.demo import disputes_demo
    from shebao.insurance.demo import dispatch_licence_demo
    from shebao.training.demo import training_demo

    regions_load()
    departments_load()
    catalogue_load()
    # The demo's own true-up made the 2020 H2 limits final, as staff would: on the next start
    # (`make run` again) those records stay as they are.
    policy_load(keep_staff_changes=True)
    report = DemoReport()

    with transaction.atomic():
        named = {key: _person(_named_person(key, 10 + i)) for i, key in enumerate(NAMED)}
        crowd = [_person(row) for row in people(CROWD, [CHANGYI, LONGTAN, CHUANYING, FENGMAN])]
        workers = {f"worker{i + 1}": person for i, person in enumerate(crowd[:7])}
        report.persons = len(named) + len(crowd)

        staff_users = {
            username: _staff_user(username, name, dept, districts, title)
            for username, name, dept, districts, title in STAFF
        }
        admin = _staff_user(
            "admin", "系统管理员", "registration", JILIN_DISTRICTS, "系统管理员", superuser=True
        )

        individual = {key: _individual_user(named[key]) for key in NAMED}
        songjiang = _unit("songjiang", named["liu"])
        school = _unit("school", named["zhou"])
        dumplings = _unit("dumplings", named["wang"])
        agency = _unit("agency", named["sun"])
        builder = _unit("builder", named["zhao"])
        report.units = 5

        _membership(individual["liu"], songjiang, UnitMembership.Role.LEGAL_REP, None)
        _membership(individual["chen"], songjiang, UnitMembership.Role.ADMIN, individual["liu"])
        operator = _membership(
            individual["yang"], songjiang, UnitMembership.Role.OPERATOR, individual["chen"]
        )
        for code in ("unit.staff_enrol", "unit.staff_leave"):
            MatterGrant.objects.get_or_create(
                membership=operator,
                matter=Matter.objects.get(code=code),
                defaults={"granted_by": individual["chen"]},
            )
        _membership(individual["zhou"], school, UnitMembership.Role.LEGAL_REP, None)
        _membership(individual["wang"], dumplings, UnitMembership.Role.LEGAL_REP, None)
        _membership(individual["sun"], agency, UnitMembership.Role.LEGAL_REP, None)
        _membership(individual["zhao"], builder, UnitMembership.Role.LEGAL_REP, None)
        dispatch_licence_demo(agency=agency, today=timezone.localdate())

    actors: dict[str, Actor] = {
        "zhang": actor_for(individual["zhang"], "individual"),
        "li": actor_for(individual["li"], "individual"),
        "liu": actor_for(individual["liu"], f"unit:{songjiang.pk}"),
        "chen": actor_for(individual["chen"], f"unit:{songjiang.pk}"),
        "yang": actor_for(individual["yang"], f"unit:{songjiang.pk}"),
        "zhou": actor_for(individual["zhou"], f"unit:{school.pk}"),
        "wang": actor_for(individual["wang"], f"unit:{dumplings.pk}"),
        **{username: actor_for(user, "staff") for username, user in staff_users.items()},
    }
    with transaction.atomic():
        report.relations_built = _build_histories(
            named,
            crowd,
            workers,
            songjiang=songjiang,
            school=school,
            dumplings=dumplings,
            agency=agency,
            builder=builder,
        )
    report.applications_built = _build_applications(actors, workers)
    _mailed_case(actors["chen"])
    report.months_assessed = _assess_months(first=ASSESSED_FROM, last=_this_month())
    report.adjustments_written = demo_trueup()
    report.payments = payments_demo(
        city=CITY,
        first=YearMonth(*ASSESSED_FROM),
        songjiang_code=songjiang.credit_code,
        dumplings_code=dumplings.credit_code,
        self_payer_id_number=individual["zhang"].username,
    )
    report.slots_open = appointments_demo(
        today=timezone.localdate(),
        booker_id_number=individual["zhang"].username,
        caller_id_number=crowd[20].id_number,
    )

    from shebao.cards.demo import cards_demo

    report.cards_built = cards_demo(
        people={key: actor_for(individual[key], "individual") for key in NAMED},
        extra=actor_for(_individual_user(crowd[SONGJIANG_STAFF.start]), "individual"),
        reviewer=actors["jl-kp-01"],
    )
    disputes_demo(
        worker=actors["zhang"],
        caller=actors["li"],
        seat=actors["jl-ld-01"],
        handler=actors["jl-ld-01"],
        unit=songjiang,
    )
    training_demo(
        worker=actors["zhang"],
        institution=actors["liu"],
        centre=actors["jl-rc-01"],
        candidates=crowd[43:48],  # 松江机械's staff
    )

    from shebao.applications.models import Application
    from shebao.audit.demo import audit_demo

    audit_demo(complainant=actors["zhang"], auditor=actors["jl-jh-01"])
    report.applications_total = Application.objects.count()
    report.accounts = _accounts(
        individual, staff_users, admin, songjiang, school, dumplings, agency, builder
    )
    return report


def _accounts(
    individual: dict[str, User],
    staff_users: dict[str, User],
    admin: User,
    songjiang: Unit,
    school: Unit,
    dumplings: Unit,
    agency: Unit,
    builder: Unit,
) -> list[DemoAccount]:
    def person(key: str, role: str, note: str) -> DemoAccount:
        user = individual[key]
        return DemoAccount(role, "个人", user.username, user.name, note, mobile=user.mobile)

    def unit_user(key: str, unit: Unit, role: str, note: str) -> DemoAccount:
        user = individual[key]
        return DemoAccount(
            role, "单位", user.username, user.name, note, credit_code=unit.credit_code
        )

    accounts = [
        person("zhang", "个人", "昌邑区参保人，有各种状态的申请；社会保障卡在用，已领电子社保卡"),
        person("li", "个人", "船营区参保人（另一位个人）；社会保障卡申领被退回"),
        unit_user("liu", songjiang, "法定代表人", songjiang.name),
        unit_user("chen", songjiang, "单位管理员", songjiang.name),
        unit_user("yang", songjiang, "单位经办人", "仅获授权：用工参保登记、退工停保登记"),
        unit_user("zhou", school, "法定代表人", school.name),
        unit_user("wang", dumplings, "法定代表人", dumplings.name),
        unit_user("sun", agency, "法定代表人", f"{agency.name}（劳务派遣单位）"),
        unit_user("zhao", builder, "法定代表人", f"{builder.name}（工程建设项目总承包）"),
    ]
    for username, _, department, _, _ in STAFF:
        user = staff_users[username]
        note = Department.objects.get(code=department).name
        if username == "jl-dj-01":
            note += "（昌邑区、龙潭区、丰满区等）"
        elif username == "jl-dj-02":
            note += "（船营区等，另一辖区）"
        accounts.append(DemoAccount("经办人员", "经办人员", username, user.name, note))
    accounts.append(
        DemoAccount("系统管理员", "系统配置 /admin/", admin.username, admin.name, "Django 管理后台")
    )
    return accounts
