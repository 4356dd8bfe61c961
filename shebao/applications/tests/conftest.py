"""Builders for the workflow engine's tests: real rows, created directly (no other app's pages).

``world`` gives every actor of the authorization matrix: individual A and B, a unit with its
legal representative, an administrator, an operator granted the unit matter and one not granted,
another unit's administrator, and staff of the matter's department in this district, in another
district, and of another department.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shebao.accounts.actors import Actor, actor_for
from shebao.accounts.capabilities import capability_grant_defaults
from shebao.accounts.models import MatterGrant, StaffProfile, UnitMembership, User
from shebao.catalogue.models import Matter
from shebao.common.identifiers import credit_code_check_char, id_check_digit
from shebao.registry.models import Person, Region, Unit

DISTRICT = "220202"  # 昌邑区
OTHER_DISTRICT = "220204"  # 船营区

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32

_seq = itertools.count(1)


def id_number(birth: str = "19800101", area: str = "220202") -> str:
    first17 = f"{area}{birth}{next(_seq) % 1000:03d}"
    return first17 + id_check_digit(first17)


def credit_code() -> str:
    first17 = f"9122020{next(_seq):010d}"
    return first17 + credit_code_check_char(first17)


def make_person(*, name: str = "张三", district: str | None = DISTRICT, **fields: Any) -> Person:
    number = fields.pop("id_number", None) or id_number()
    return Person.objects.create(
        id_number=number,
        name=name,
        sex=fields.pop("sex", "M"),
        birth_date=fields.pop("birth_date", "1980-01-01"),
        mobile=fields.pop("mobile", "13800000000"),
        district_id=district,
        **fields,
    )


def make_individual(
    *, name: str = "张三", district: str | None = DISTRICT, mobile: str = "13800001111"
) -> User:
    person = make_person(name=name, district=district, mobile=mobile)
    return User.objects.create_user(
        person.id_number, "pw", kind=User.Kind.INDIVIDUAL, name=name, person=person, mobile=mobile
    )


def make_unit(*, name: str = "吉林市示例机械有限公司", district: str = DISTRICT) -> Unit:
    return Unit.objects.create(
        credit_code=credit_code(),
        name=name,
        kind=Unit.Kind.ENTERPRISE,
        district_id=district,
        legal_rep_name="李四",
        legal_rep_id_number=id_number(),
    )


def make_unit_user(
    unit: Unit, *, role: str, name: str = "王五", grants: list[Matter] | None = None
) -> User:
    user = make_individual(name=name, mobile=f"139{next(_seq):08d}")
    membership = UnitMembership.objects.create(user=user, unit=unit, role=role)
    for matter in grants or []:
        MatterGrant.objects.create(membership=membership, matter=matter, granted_by=user)
    return user


def make_staff(*, department: str, districts: list[str], name: str = "赵经办") -> User:
    user = User.objects.create_user(
        f"staff{next(_seq)}", "pw", kind=User.Kind.STAFF, name=name, mobile="13700000000"
    )
    profile = StaffProfile.objects.create(user=user, department_id=department)
    profile.districts.set(Region.objects.filter(code__in=districts))
    capability_grant_defaults(staff=profile)  # REVIEW and COUNTER in the districts
    return user


MATERIALS = [
    {"code": "id_card", "name": "居民身份证", "required": True, "core": True},
    {"code": "contract_end", "name": "解除劳动合同证明", "required": True},
    {"code": "photo", "name": "近期免冠照片", "required": False},
]
FIELDS = [
    {"name": "reason", "label": "申请事由", "type": "text", "required": True, "max_length": 50},
    {"name": "start_date", "label": "开始日期", "type": "date", "required": True},
    {"name": "amount", "label": "金额", "type": "money", "required": False},
    {"name": "bank_account", "label": "银行账号", "type": "bank_account", "required": False},
]


def make_matter(
    *,
    code: str = "individual.test_matter",
    applicant_kind: str = Matter.ApplicantKind.INDIVIDUAL,
    department: str = "unemployment",
    acceptance_mode: str = Matter.AcceptanceMode.DIRECT,
    materials: list[dict[str, Any]] | None = None,
    fields: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> Matter:
    return Matter.objects.create(
        code=code,
        name=extra.pop("name", "失业保险金申领"),
        category="社会保险",
        applicant_kind=applicant_kind,
        department_id=department,
        acceptance_mode=acceptance_mode,
        materials=MATERIALS if materials is None else materials,
        fields=FIELDS if fields is None else fields,
        time_limit_days=extra.pop("time_limit_days", 5),
        **extra,
    )


def act(user: User, context: str = "individual") -> Actor:
    actor = actor_for(user, context)
    assert not actor.is_anonymous, (user, context)
    return actor


def pdf(
    name: str = "证明.pdf", content: bytes = PDF, content_type: str = "application/pdf"
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


GOOD_DATA = {"reason": "合同到期", "start_date": "2024-09-01"}


@dataclass
class World:
    matter: Matter  # individual matter, direct
    unit_matter: Matter  # unit matter, direct, granted to the granted operator
    a: User
    b: User
    unit: Unit
    other_unit: Unit
    legal_rep: User
    unit_admin: User
    operator_granted: User
    operator_plain: User
    other_unit_admin: User
    staff: User
    staff_other_district: User
    staff_other_department: User

    def individual(self, user: User) -> Actor:
        return act(user, "individual")

    def unit_actor(self, user: User, unit: Unit | None = None) -> Actor:
        return act(user, f"unit:{(unit or self.unit).pk}")

    def staff_actor(self, user: User | None = None) -> Actor:
        return act(user or self.staff, "staff")


@pytest.fixture
def world(reference_data) -> World:
    matter = make_matter()
    unit_matter = make_matter(
        code="unit.test_matter",
        name="用人单位退工登记",
        applicant_kind=Matter.ApplicantKind.UNIT,
        department="registration",
        fields=[
            {
                "name": "subject_id_number",
                "label": "职工公民身份号码",
                "type": "id_number",
                "required": True,
            },
            {"name": "leave_date", "label": "退工日期", "type": "date", "required": True},
        ],
        materials=[{"code": "notice", "name": "解除劳动关系通知书", "required": True}],
    )
    unit = make_unit()
    other_unit = make_unit(name="吉林市另一家公司")
    return World(
        matter=matter,
        unit_matter=unit_matter,
        a=make_individual(name="甲某"),
        b=make_individual(name="乙某"),
        unit=unit,
        other_unit=other_unit,
        legal_rep=make_unit_user(unit, role=UnitMembership.Role.LEGAL_REP, name="李四"),
        unit_admin=make_unit_user(unit, role=UnitMembership.Role.ADMIN, name="管理员"),
        operator_granted=make_unit_user(
            unit, role=UnitMembership.Role.OPERATOR, name="有授权经办人", grants=[unit_matter]
        ),
        operator_plain=make_unit_user(unit, role=UnitMembership.Role.OPERATOR, name="无授权经办人"),
        other_unit_admin=make_unit_user(
            other_unit, role=UnitMembership.Role.ADMIN, name="他单位管理员"
        ),
        staff=make_staff(department="unemployment", districts=[DISTRICT], name="本区经办"),
        staff_other_district=make_staff(
            department="unemployment", districts=[OTHER_DISTRICT], name="他区经办"
        ),
        staff_other_department=make_staff(
            department="registration", districts=[DISTRICT, OTHER_DISTRICT], name="他部门经办"
        ),
    )


@pytest.fixture
def unit_staff(world) -> User:
    """Staff of the unit matter's department (registration) in the unit's district."""
    return world.staff_other_department


def new_application(
    world: World, *, user: User | None = None, data: dict | None = None, matter=None
):
    """A draft of individual A's (or the given individual's) application with every required
    material uploaded."""
    from shebao.applications.services import application_create, material_upload

    actor = act(user or world.a)
    matter = matter or world.matter
    application, _ = application_create(actor=actor, matter=matter, data=data or dict(GOOD_DATA))
    for spec in matter.materials:
        if spec.get("required"):
            material_upload(actor=actor, application=application, code=spec["code"], file=pdf())
    return application


def submitted(world: World, **kwargs: Any):
    from shebao.applications.services import application_submit

    application = new_application(world, **kwargs)
    actor = act(kwargs.get("user") or world.a)
    return application_submit(actor=actor, application=application, version=application.version)


def accepted(world: World, **kwargs: Any):
    from shebao.applications.services import application_accept

    application = submitted(world, **kwargs)
    return application_accept(
        actor=world.staff_actor(), application=application, version=application.version
    )
