"""Builders for the workflow engine's tests: real rows, created directly (no other app's pages).

``world`` gives every actor of the authorization matrix: individual A and B, a unit with its
legal representative, an administrator, an operator granted the unit matter and one not granted,
another unit's administrator, and staff of the matter's department in this district, in another
district, and of another department.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from shebao.accounts.actors import Actor
from shebao.accounts.models import UnitMembership, User
from shebao.catalogue.models import Matter
from shebao.registry.models import Unit
from shebao.testing import (  # noqa: F401  (builders the tests import from here)
    DISTRICT,
    FIELDS,
    JPEG,
    MATERIALS,
    OTHER_DISTRICT,
    PDF,
    PNG,
    act,
    credit_code,
    id_number,
    make_individual,
    make_matter,
    make_person,
    make_staff,
    make_unit,
    make_unit_user,
    pdf,
)

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
        a=make_individual(name="甲某", mobile="13800001111"),
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
