"""The world the hall-wide authorization matrix runs in: the demo hall, plus the few objects
the demo does not have (a CA certificate and a pending certificate request, a policy editor).

Actors (DOMAIN: every endpoint and page against every kind of actor):

- ``anon`` — not signed in;
- ``ind_a`` / ``ind_b`` — two individuals (张伟 in 昌邑区, 李娜 in 船营区);
- ``op`` — an operator of 松江机械 granted staff enrolment and leaving only;
- ``admin`` — the administrator of the same unit;
- ``other_unit`` — the legal representative of another unit (a school);
- ``staff_here`` — registration staff of 昌邑区 (the unit's district);
- ``staff_there`` — registration staff of 船营区 (another district);
- ``staff_dept`` — unemployment staff (another department, every district; no CA desk);
- ``editor`` — finance staff holding EDIT_POLICY (no CA desk);
- ``staff_audit`` — audit department staff (稽核, every district): the audit cases;
- ``staff_disputes`` — labour-relations staff (劳动人事争议, every district): the dispute cases;
- ``staff_training`` — talent staff (人才人事: the skills-assessment centre, 职业技能等级认定,
  every district): filings, assessment plans and skill certificates;
- ``partner`` — a channel partner (API token only).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.test import Client

from shebao.accounts.actors import actor_for
from shebao.accounts.capabilities import Capability, capability_grant
from shebao.accounts.models import MatterGrant, UnitMembership, User
from shebao.accounts.tokens import token_issue
from shebao.applications.models import (
    Application,
    ApplicationEvent,
    DeferredMaterial,
    MailIn,
    Material,
)
from shebao.appointments.models import Appointment, AppointmentEvent, Slot
from shebao.cards.models import Card, CardEvent, ElectronicCard
from shebao.cards.proof import card_proof_issue
from shebao.certificates.models import Certificate
from shebao.certificates.services import certificate_issue
from shebao.contributions.models import AssessmentRun, Bill, ContributionAdjustment
from shebao.demo.dataset import demo_load
from shebao.disputes.models import DisputeCase, DisputeEvent
from shebao.payments.models import (
    BankBatch,
    BankResultImport,
    DeductionAgreement,
    Payment,
    PaymentOrder,
    Receipt,
    Refund,
)
from shebao.payments.services import order_create
from shebao.pki import services as pki
from shebao.pki.models import UnitCertificate
from shebao.policy.models import PolicyChange, PolicyParameter
from shebao.testing import signed_in
from shebao.training.models import (
    AssessmentFiling,
    AssessmentPlan,
    Candidate,
    SkillCertificate,
    TrainingEvent,
    TrainingInstitution,
    TrainingRegistration,
)

ACTORS = [
    "anon",
    "ind_a",
    "ind_b",
    "op",
    "admin",
    "other_unit",
    "staff_here",
    "staff_there",
    "staff_dept",
    "editor",
    "staff_audit",
    "staff_disputes",
    "staff_training",
    "partner",
]
PAGE_ACTORS = [a for a in ACTORS if a != "partner"]  # partners have no pages


@dataclass
class World:
    users: dict[str, User]
    contexts: dict[str, str]
    tokens: dict[str, str]
    app_a: Application  # 张伟's own submitted claim (unemployment department, 昌邑区)
    app_b: Application  # 李娜's accepted enrolment (registration, 船营区)
    app_granted: Application  # the unit's staff enrolment, submitted by the operator
    app_not_granted: Application  # the unit's base declaration: the operator has no grant
    material_granted: Material
    material_not_granted: Material
    material_a: Material
    draft_a: Application  # 张伟's draft
    draft_unit: Application  # the legal representative's draft retirement application
    operator_membership: UnitMembership
    certificate: UnitCertificate  # the administrator's
    certificate_request_id: int  # the legal representative's, pending
    provisional_record: PolicyParameter
    bill: Bill  # the unit's bill of last month (the demo is assessed to last month)
    bill_line_id: int
    bill_person_id: int  # the person of that line (an employee of the unit)
    self_bill: Bill  # 张伟's own bill of last month (a flexible worker)
    adjustment: ContributionAdjustment  # an adjustment carried into one of the unit's bills
    receipt: Receipt  # 张伟's latest receipt (he pays online in the demo)
    order: PaymentOrder  # 张伟's open order for his bill of last month
    person_certificate: Certificate  # 张伟's 参保证明
    unit_certificate: Certificate  # 松江机械's 单位权益单
    batch: BankBatch  # the demo's latest month-end deduction batch
    refund: Refund  # 松江机械's refund waiting for its telephone confirmation
    card_a: Card  # 张伟's social security card, in force
    card_proof: Certificate  # 陈晓燕's 领卡证明 (her replacement card is in the post; 昌邑区)
    dispute: DisputeCase  # 张伟's arbitration against 松江机械, accepted, hearing set
    dispute_hotline: DisputeCase  # 李娜's mediation request entered by the 12333 seat
    institution_id: int  # a training institution of the directory (no unit of the hall)
    registration: TrainingRegistration  # 张伟's registration, waiting for the institution
    filing: AssessmentFiling  # 松江机械's approved filing as an assessment institution
    plan: AssessmentPlan  # 松江机械's plan with issued certificates
    skill_certificate: SkillCertificate  # a certificate of that plan (one of 松江机械's staff)
    appointment: Appointment  # 张伟's live booking of the unemployment desk
    slot: Slot  # a slot of the unemployment desk with places left, later this week
    mailing: MailIn  # 松江机械's 容缺 case's materials by post, not yet received (昌邑区)

    def client(self, actor: str) -> Client:
        if actor in ("anon", "partner"):
            return Client()
        return signed_in(self.users[actor], self.contexts[actor])

    def bearer(self, actor: str) -> dict[str, str]:
        token = self.tokens.get(actor)
        return {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}


def _csr(user: User, credit_code: str, unit_name: str) -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, unit_name),
            x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, credit_code),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, user.username),
            x509.NameAttribute(NameOID.COMMON_NAME, user.name),
        ]
    )
    csr = x509.CertificateSigningRequestBuilder().subject_name(subject).sign(key, hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.PEM).decode()


def build_world() -> World:
    report = demo_load()
    by_role = {a.role: a for a in report.accounts}
    username = {
        "ind_a": report.accounts[0].username,
        "ind_b": report.accounts[1].username,
        "op": by_role["单位经办人"].username,
        "admin": by_role["单位管理员"].username,
        "other_unit": next(a.username for a in report.accounts if "小学" in a.note),
        "staff_here": "jl-dj-01",
        "staff_there": "jl-dj-02",
        "staff_dept": "jl-sy-01",
        "editor": "jl-cw-01",
        "staff_audit": "jl-jh-01",
        "staff_disputes": "jl-ld-01",
        "staff_training": "jl-rc-01",
    }
    users = {key: User.objects.get(username=name) for key, name in username.items()}
    capability_grant(
        staff=users["editor"].staff_profile, capability=Capability.EDIT_POLICY, regions=["000000"]
    )
    users["partner"] = User.objects.create_user(
        "bank-demo", None, kind=User.Kind.PARTNER, name="演示银行"
    )

    def unit_context(user: User) -> str:
        return f"unit:{user.memberships.get(revoked_at__isnull=True).unit_id}"

    contexts = {
        "ind_a": "individual",
        "ind_b": "individual",
        "op": unit_context(users["op"]),
        "admin": unit_context(users["admin"]),
        "other_unit": unit_context(users["other_unit"]),
        "staff_here": "staff",
        "staff_there": "staff",
        "staff_dept": "staff",
        "editor": "staff",
        "staff_audit": "staff",
        "staff_disputes": "staff",
        "staff_training": "staff",
        "partner": "partner",
    }
    tokens = {key: token_issue(user=users[key], context=ctx) for key, ctx in contexts.items()}

    unit_apps = Application.objects.filter(unit__isnull=False, unit_id=int(contexts["op"][5:]))
    app_granted = unit_apps.get(matter__code="unit.staff_enrol", status="submitted")
    app_not_granted = unit_apps.get(matter__code="unit.base_declare")
    assert MatterGrant.objects.filter(
        membership__user=users["op"], matter=app_granted.matter
    ).exists()
    app_a = Application.objects.get(
        person=users["ind_a"].person, matter__code="person.unemployment_benefit"
    )
    app_b = Application.objects.get(person=users["ind_b"].person, status="accepted")

    staff_here = actor_for(users["staff_here"], "staff")
    admin = users["admin"]
    unit = admin.memberships.get(revoked_at__isnull=True).unit
    certificate = pki.certificate_issue_at_counter(
        actor=staff_here,
        credit_code=unit.credit_code,
        id_number=admin.username,
        csr_pem=_csr(admin, unit.credit_code, unit.name),
    )
    legal_rep = unit.memberships.get(
        role=UnitMembership.Role.LEGAL_REP, revoked_at__isnull=True
    ).user
    request = pki.certificate_request_submit(
        actor=actor_for(legal_rep, f"unit:{unit.pk}"),
        csr_pem=_csr(legal_rep, unit.credit_code, unit.name),
    )
    draft_a = Application.objects.get(person=users["ind_a"].person, status="draft")
    draft_unit = unit_apps.get(matter__code="unit.retirement", status="draft")
    return World(
        draft_a=draft_a,
        draft_unit=draft_unit,
        users=users,
        contexts=contexts,
        tokens=tokens,
        app_a=app_a,
        app_b=app_b,
        app_granted=app_granted,
        app_not_granted=app_not_granted,
        material_granted=app_granted.materials.first() or _no_material(app_granted),
        material_not_granted=app_not_granted.materials.first() or _no_material(app_not_granted),
        material_a=app_a.materials.first() or _no_material(app_a),
        operator_membership=users["op"].memberships.get(revoked_at__isnull=True),
        certificate=certificate,
        certificate_request_id=request.pk,
        # (Jilin's 2020 H2 limits are made final by the demo's true-up.)
        provisional_record=PolicyParameter.objects.filter(status="provisional")
        .order_by("region_id", "key", "valid_from")
        .first(),
        bill=(bill := Bill.objects.filter(unit=unit).order_by("-month").first()),
        bill_line_id=bill.lines.order_by("pk").values_list("pk", flat=True).first(),
        bill_person_id=bill.lines.order_by("pk").values_list("person_id", flat=True).first(),
        # The demo trues up Jilin's 2020 H2 limits into the bills of 2021-01.
        adjustment=ContributionAdjustment.objects.filter(unit=unit)
        .select_related("bill")
        .order_by("pk")
        .first(),
        self_bill=(
            self_bill := Bill.objects.filter(person=users["ind_a"].person)
            .order_by("-month")
            .first()
        ),
        receipt=Receipt.objects.filter(bill__person=users["ind_a"].person)
        .order_by("-paid_at")
        .first(),
        order=order_create(actor=actor_for(users["ind_a"], "individual"), bill=self_bill)[0],
        batch=BankBatch.objects.order_by("-month").first(),
        refund=Refund.objects.get(status=Refund.Status.PENDING),
        card_a=Card.objects.get(person=users["ind_a"].person, status=Card.Status.ACTIVE),
        card_proof=card_proof_issue(
            actor=actor_for(
                User.objects.get(
                    person=Card.objects.get(
                        kind=Card.Kind.REPLACE, status=Card.Status.MAILED
                    ).person,
                    kind=User.Kind.INDIVIDUAL,
                ),
                "individual",
            )
        ).certificate,
        dispute=DisputeCase.objects.get(submission_key="demo-dispute-arbitration"),
        dispute_hotline=DisputeCase.objects.get(submission_key="demo-dispute-hotline"),
        institution_id=TrainingInstitution.objects.order_by("pk").values_list("pk", flat=True)[0],
        registration=TrainingRegistration.objects.get(),
        filing=AssessmentFiling.objects.get(),
        plan=AssessmentPlan.objects.get(submission_key="demo-training-plan-past"),
        skill_certificate=SkillCertificate.objects.order_by("pk").first(),
        person_certificate=certificate_issue(
            actor=None, kind="participation", person=users["ind_a"].person
        ).certificate,
        unit_certificate=certificate_issue(actor=None, kind="unit_rights", unit=unit).certificate,
        appointment=(
            appointment := Appointment.objects.get(
                person=users["ind_a"].person, status=Appointment.Status.BOOKED
            )
        ),
        slot=Slot.objects.filter(department_id="unemployment", day=appointment.slot.day)
        .exclude(pk=appointment.slot_id)
        .order_by("-starts_at")
        .first(),
        mailing=MailIn.objects.select_related("application").get(),
    )


def _no_material(application: Application) -> Material:
    raise AssertionError(f"the demo application {application.number} has no material")


def fingerprint() -> str:
    from shebao.audit.models import AuditCase, AuditCaseEvent, AuditSuspension
    from shebao.emergency.models import ManualOperation, ManualOperationEvent
    from shebao.insurance.models import DispatchLicence

    """A digest of the business state a refused request must not change."""
    parts: list[Any] = [
        list(Application.objects.order_by("pk").values_list("pk", "status", "version", "data")),
        ApplicationEvent.objects.count(),
        list(Material.objects.order_by("pk").values_list("pk", "removed_at")),
        list(UnitMembership.objects.order_by("pk").values_list("pk", "role", "revoked_at")),
        list(MatterGrant.objects.order_by("pk").values_list("membership_id", "matter_id")),
        list(UnitCertificate.objects.order_by("pk").values_list("pk", "status")),
        list(PolicyParameter.objects.order_by("pk").values_list("pk", "value", "status")),
        PolicyChange.objects.count(),
        User.objects.count(),
        list(User.objects.order_by("pk").values_list("pk", "password", "is_active")),
        list(Bill.objects.order_by("pk").values_list("pk", "status", "confirmed_at")),
        AssessmentRun.objects.count(),
        DispatchLicence.objects.count(),
        list(Payment.objects.order_by("pk").values_list("pk", "amount_fen")),
        list(PaymentOrder.objects.order_by("pk").values_list("pk", "status", "amount_fen")),
        list(Refund.objects.order_by("pk").values_list("pk", "status", "confirmed_at")),
        DeductionAgreement.objects.count(),
        list(BankBatch.objects.order_by("pk").values_list("pk", "status")),
        BankResultImport.objects.count(),
        list(Card.objects.order_by("pk").values_list("pk", "status", "tracking_number")),
        CardEvent.objects.count(),
        list(ElectronicCard.objects.order_by("pk").values_list("pk", "revoked_at")),
        list(
            DisputeCase.objects.order_by("pk").values_list("pk", "status", "outcome", "hearing_at")
        ),
        DisputeEvent.objects.count(),
        list(ManualOperation.objects.order_by("pk").values_list("pk", "status")),
        ManualOperationEvent.objects.count(),
        list(AuditCase.objects.order_by("pk").values_list("pk", "status", "due_on")),
        AuditCaseEvent.objects.count(),
        AuditSuspension.objects.count(),
        list(TrainingRegistration.objects.order_by("pk").values_list("pk", "status")),
        list(AssessmentFiling.objects.order_by("pk").values_list("pk", "status", "max_level")),
        list(AssessmentPlan.objects.order_by("pk").values_list("pk", "status")),
        list(Candidate.objects.order_by("pk").values_list("pk", "ticket_number", "passed")),
        SkillCertificate.objects.count(),
        TrainingEvent.objects.count(),
        list(Certificate.objects.order_by("pk").values_list("pk", "status")),
        list(Slot.objects.order_by("pk").values_list("pk", "booked")),
        list(Appointment.objects.order_by("pk").values_list("pk", "status")),
        AppointmentEvent.objects.count(),
        list(MailIn.objects.order_by("pk").values_list("pk", "received_at")),
        list(DeferredMaterial.objects.order_by("pk").values_list("pk", "supplied_at")),
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()
