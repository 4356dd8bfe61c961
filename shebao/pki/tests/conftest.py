"""People, units and keys for the CA tests.

Unit A (昌邑区 220202) has a legal representative, an administrator and two operators; unit B
(龙潭区 220203) has one operator. Staff "here" handle 昌邑区, staff "there" 龙潭区.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from shebao.accounts.actors import Actor, actor_for
from shebao.accounts.models import UnitMembership, User
from shebao.pki import ca, services
from shebao.registry.models import Region, Unit
from shebao.testing import (
    credit_code,
    id_number,
    make_individual,
    make_member,
    make_person,
    make_staff,
    make_unit,
)

DISTRICT_HERE = "220202"
DISTRICT_THERE = "220203"


def person_number(seq: int) -> str:
    """The ID number of the world's ``seq``-th person (the same every time it is asked)."""
    return id_number(born="19750101", serial=f"{seq:03d}")


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
        unit = make_unit(name=name, district=district.code)
        Unit.objects.filter(pk=unit.pk).update(
            credit_code=credit_code(f"91220202MA{seq:07d}"),
            legal_rep_name="王法人",
            legal_rep_id_number=person_number(1),
        )
        unit.refresh_from_db()
        return unit

    def _user(self, seq: int, name: str) -> User:
        return make_individual(person=make_person(name=name, id_no=person_number(seq)))

    def _member(self, seq: int, name: str, unit: Unit, role: str) -> Member:
        user = self._user(seq, name)
        make_member(unit, role, user=user)
        membership = UnitMembership.objects.get(user=user, unit=unit)
        return Member(user=user, unit=unit, membership=membership)

    def _staff(self, number: str, name: str, district: Region) -> User:
        # registration: MANAGE_CA in the district
        return make_staff(username=number, districts=(district.code,), name=name)

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
