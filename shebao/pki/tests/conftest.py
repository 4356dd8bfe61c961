"""People, units and keys for the CA tests.

Unit A (昌邑区 220202) has a legal representative, an administrator and two operators; unit B
(龙潭区 220203) has one operator. Staff "here" handle 昌邑区, staff "there" 龙潭区.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from shebao.accounts.actors import Actor, actor_for
from shebao.accounts.capabilities import capability_grant_defaults
from shebao.accounts.models import StaffProfile, UnitMembership, User
from shebao.common.identifiers import credit_code_check_char, id_check_digit
from shebao.pki import ca, services
from shebao.registry.models import Person, Region, Unit

DISTRICT_HERE = "220202"
DISTRICT_THERE = "220203"


def id_number(seq: int, birth: str = "19800101") -> str:
    first17 = f"220202{birth}{seq:03d}"
    return first17 + id_check_digit(first17)


def credit_code(seq: int) -> str:
    first17 = f"91220202MA{seq:07d}"
    return first17 + credit_code_check_char(first17)


def new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def csr_for(
    key: object,
    *,
    name: str,
    id_number: str,
    credit_code: str,
    unit_name: str,
) -> str:
    """A CSR as the client command makes it."""
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, unit_name),
            x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, credit_code),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, id_number),
            x509.NameAttribute(NameOID.COMMON_NAME, name),
        ]
    )
    csr = x509.CertificateSigningRequestBuilder().subject_name(subject).sign(key, hashes.SHA256())  # type: ignore[arg-type]
    return csr.public_bytes(serialization.Encoding.PEM).decode()


def sign(key: ec.EllipticCurvePrivateKey, challenge: str) -> str:
    """What ``shebao-ukey sign`` prints."""
    signature = key.sign(ca.login_message(challenge), ec.ECDSA(hashes.SHA256()))
    return base64.b64encode(signature).decode()


@dataclass
class Member:
    user: User
    unit: Unit
    membership: UnitMembership

    @property
    def context(self) -> str:
        return f"unit:{self.unit.pk}"

    @property
    def actor(self) -> Actor:
        return actor_for(self.user, self.context)

    def csr(self, key: object, **overrides: str) -> str:
        fields = {
            "name": self.user.person.name,  # type: ignore[union-attr]
            "id_number": self.user.person.id_number,  # type: ignore[union-attr]
            "credit_code": self.unit.credit_code,
            "unit_name": self.unit.name,
        }
        fields.update(overrides)
        return csr_for(key, **fields)


class World:
    """Everyone the tests need, made once per test."""

    def __init__(self) -> None:
        here = Region.objects.get(code=DISTRICT_HERE)
        there = Region.objects.get(code=DISTRICT_THERE)
        self.unit_a = self._unit(1, "吉林市昌邑示例机械有限公司", here)
        self.unit_b = self._unit(2, "吉林市龙潭示例商贸有限公司", there)
        self.rep_a = self._member(1, "王法人", self.unit_a, UnitMembership.Role.LEGAL_REP)
        self.admin_a = self._member(2, "李管理", self.unit_a, UnitMembership.Role.ADMIN)
        self.operator_a = self._member(3, "张经办", self.unit_a, UnitMembership.Role.OPERATOR)
        self.operator_a2 = self._member(4, "赵经办", self.unit_a, UnitMembership.Role.OPERATOR)
        self.operator_b = self._member(5, "刘经办", self.unit_b, UnitMembership.Role.OPERATOR)
        self.individual = self._user(6, "陈个人")
        self.staff_here = self._staff("S0001", "周审核", here)
        self.staff_there = self._staff("S0002", "吴审核", there)

    def _unit(self, seq: int, name: str, district: Region) -> Unit:
        return Unit.objects.create(
            credit_code=credit_code(seq),
            name=name,
            kind=Unit.Kind.ENTERPRISE,
            district=district,
            legal_rep_name="王法人",
            legal_rep_id_number=id_number(1),
        )

    def _user(self, seq: int, name: str) -> User:
        number = id_number(seq)
        person = Person.objects.create(
            id_number=number, name=name, sex="M", birth_date=date(1980, 1, 1)
        )
        return User.objects.create_user(
            number, "pw-not-used-1", kind=User.Kind.INDIVIDUAL, name=name, person=person
        )

    def _member(self, seq: int, name: str, unit: Unit, role: str) -> Member:
        user = self._user(seq, name)
        membership = UnitMembership.objects.create(user=user, unit=unit, role=role)
        return Member(user=user, unit=unit, membership=membership)

    def _staff(self, number: str, name: str, district: Region) -> User:
        user = User.objects.create_user(number, "pw-not-used-1", kind=User.Kind.STAFF, name=name)
        profile = StaffProfile.objects.create(user=user, department_id="registration")
        profile.districts.add(district)
        capability_grant_defaults(staff=profile)  # registration: MANAGE_CA in the district
        return user

    def staff_actor(self, user: User) -> Actor:
        return actor_for(user, "staff")


@pytest.fixture
def world(reference_data) -> World:
    return World()


@pytest.fixture
def issue(world):
    """Issue a certificate to a member for a fresh key: (certificate row, private key)."""

    def _issue(member: Member | None = None, *, staff: User | None = None):
        member = member or world.operator_a
        key = new_key()
        request = services.certificate_request_submit(actor=member.actor, csr_pem=member.csr(key))
        certificate = services.certificate_request_approve(
            actor=world.staff_actor(staff or world.staff_here), request_id=request.pk
        )
        return certificate, key

    return _issue
