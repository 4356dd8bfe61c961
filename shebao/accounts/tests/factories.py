"""Builders for accounts tests. Registry rows are reference data the agency keeps; accounts
are made through the services wherever a test is not about how they were made."""

from __future__ import annotations

import json
import re
from datetime import date
from itertools import count

from django.conf import settings
from django.test import Client

from shebao.accounts import actors
from shebao.accounts.actors import Actor, actor_for
from shebao.accounts.capabilities import capability_grant_defaults
from shebao.accounts.models import StaffProfile, UnitMembership, User
from shebao.catalogue.models import Matter
from shebao.common.identifiers import credit_code_check_char, id_check_digit
from shebao.notifications.models import OutboundMessage
from shebao.registry.models import Person, Unit

PASSWORD = "Shebao-2026-pass"
_seq = count(1)


def id_number(area: str = "220202", born: str = "19800101", serial: str | None = None) -> str:
    """A valid 18-character ID number (serial: 3 digits; odd = male)."""
    serial = serial or f"{next(_seq) % 1000:03d}"
    first17 = f"{area}{born}{serial}"
    return first17 + id_check_digit(first17)


def credit_code(body: str | None = None) -> str:
    first17 = body or f"91220202MA{next(_seq):07d}"
    return first17 + credit_code_check_char(first17)


def mobile() -> str:
    return f"139{next(_seq):08d}"


def make_person(
    *, name: str = "张三", id_no: str | None = None, district: str = "220202"
) -> Person:
    id_no = id_no or id_number()
    return Person.objects.create(
        id_number=id_no,
        name=name,
        sex="M" if int(id_no[16]) % 2 else "F",
        birth_date=date(int(id_no[6:10]), int(id_no[10:12]), int(id_no[12:14])),
        district_id=district,
    )


def make_unit(
    *, name: str = "吉林市江城机械有限公司", district: str = "220202", rep: Person | None = None
) -> Unit:
    rep = rep or make_person(name="王建国")
    return Unit.objects.create(
        credit_code=credit_code(),
        name=name,
        kind=Unit.Kind.ENTERPRISE,
        district_id=district,
        legal_rep_name=rep.name,
        legal_rep_id_number=rep.id_number,
    )


def make_individual(
    *, name: str = "张三", person: Person | None = None, password: str = PASSWORD
) -> User:
    person = person or make_person(name=name)
    user = User.objects.create_user(
        person.id_number,
        password,
        kind=User.Kind.INDIVIDUAL,
        name=person.name,
        person=person,
        mobile=mobile(),
    )
    return user


def make_member(unit: Unit, role: str, *, user: User | None = None, by: User | None = None) -> User:
    user = user or make_individual(
        name={"legal_rep": "王建国", "admin": "管理员甲", "operator": "经办人乙"}[role]
    )
    UnitMembership.objects.create(user=user, unit=unit, role=role, appointed_by=by)
    return user


def make_staff(*, username: str | None = None, districts: tuple[str, ...] = ("220202",)) -> User:
    user = User.objects.create_user(
        username or f"S{next(_seq):05d}", PASSWORD, kind=User.Kind.STAFF, name="赵经办"
    )
    profile = StaffProfile.objects.create(user=user, department_id="registration")
    profile.districts.set(districts)
    capability_grant_defaults(staff=profile)
    return user


def make_matter(
    code: str, *, kind: str = "unit", enabled: bool = True, name: str | None = None
) -> Matter:
    return Matter.objects.create(
        code=code,
        name=name or f"事项{code}",
        category="参保登记",
        applicant_kind=kind,
        department_id="registration",
        time_limit_days=5,
        enabled=enabled,
    )


def unit_actor(user: User, unit: Unit) -> Actor:
    return actor_for(User.objects.get(pk=user.pk), f"{actors.UNIT}:{unit.pk}")


def staff_actor(user: User) -> Actor:
    return actor_for(User.objects.get(pk=user.pk), actors.STAFF)


def last_code(to: str) -> str:
    """The 6-digit code in the newest SMS to ``to`` (what the person reads on the phone).

    A message still in the outbox is read there; once the gateway has sent it, the outbox
    blanks the code and the phone's copy is the gateway's journal.
    """
    message = OutboundMessage.objects.filter(to=to).order_by("-id").first()
    body = message.body
    if message.status == OutboundMessage.Status.SENT:
        journal = settings.VAR_DIR / "sms" / "outbox.jsonl"
        records = [json.loads(line) for line in journal.read_text(encoding="utf-8").splitlines()]
        body = next(r["body"] for r in reversed(records) if r["ref"] == message.gateway_ref)
    return re.search(r"(?<!\d)(\d{6})(?!\d)", body).group(1)


def signed_in(user: User, context: str) -> Client:
    """A browser session for ``user`` in ``context`` (as the sign-in page leaves it)."""
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session["shebao_context"] = context
    session.save()
    return client
