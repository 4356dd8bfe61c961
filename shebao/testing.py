"""The one set of test builders: registry rows, accounts, staff, matters and files.

Registry rows are reference data the agency keeps, made directly; accounts are made as the
services leave them wherever a test is not about how they were made. Every app's tests build
with these (no app keeps a copy of its own).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from itertools import count
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.color import no_style
from django.db import IntegrityError, connection, models, transaction
from django.test import Client

from shebao.accounts import actors
from shebao.accounts.actors import Actor, actor_for
from shebao.accounts.capabilities import capability_grant_defaults
from shebao.accounts.models import MatterGrant, StaffProfile, UnitMembership, User
from shebao.catalogue.models import Matter
from shebao.common.identifiers import credit_code_check_char, id_check_digit
from shebao.notifications.models import OutboundMessage
from shebao.registry.models import Person, Region, Unit

PASSWORD = "Shebao-2026-pass"
DISTRICT = "220202"  # 吉林市昌邑区
OTHER_DISTRICT = "220204"  # 吉林市船营区
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


_mobile = mobile


def make_person(
    *,
    name: str = "张三",
    id_no: str | None = None,
    district: str | None = DISTRICT,
    **fields: Any,
) -> Person:
    """A person of the registry; sex and birth date come from the ID number unless given."""
    id_no = id_no or fields.pop("id_number", None) or id_number()
    fields.setdefault("sex", "M" if int(id_no[16]) % 2 else "F")
    fields.setdefault("birth_date", date(int(id_no[6:10]), int(id_no[10:12]), int(id_no[12:14])))
    return Person.objects.create(id_number=id_no, name=name, district_id=district, **fields)


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
    *,
    name: str = "张三",
    person: Person | None = None,
    password: str = PASSWORD,
    district: str | None = DISTRICT,
    mobile: str | None = None,
) -> User:
    """An individual's account, for a person of the registry (a new one unless given)."""
    number = mobile or _mobile()
    person = person or make_person(name=name, district=district, mobile=number)
    return User.objects.create_user(
        person.id_number,
        password,
        kind=User.Kind.INDIVIDUAL,
        name=person.name,
        person=person,
        mobile=number,
    )


def make_member(
    unit: Unit,
    role: str,
    *,
    user: User | None = None,
    by: User | None = None,
    name: str | None = None,
    grants: list[Matter] | None = None,
) -> User:
    """A user of the unit in ``role`` (a new individual unless given), granted ``grants``."""
    user = user or make_individual(
        name=name or {"legal_rep": "王建国", "admin": "管理员甲", "operator": "经办人乙"}[role]
    )
    membership = UnitMembership.objects.create(user=user, unit=unit, role=role, appointed_by=by)
    for matter in grants or []:
        MatterGrant.objects.create(membership=membership, matter=matter, granted_by=by or user)
    return user


def make_unit_user(
    unit: Unit, *, role: str, name: str = "王五", grants: list[Matter] | None = None
) -> User:
    return make_member(unit, role, name=name, grants=grants)


def make_staff(
    *,
    username: str | None = None,
    districts: Sequence[str] = (DISTRICT,),
    department: str = "registration",
    name: str = "赵经办",
) -> User:
    """A staff member of ``department`` in ``districts``, with the default capabilities there."""
    user = User.objects.create_user(
        username or f"S{next(_seq):05d}", PASSWORD, kind=User.Kind.STAFF, name=name
    )
    profile = StaffProfile.objects.create(user=user, department_id=department)
    profile.districts.set(Region.objects.filter(code__in=districts))
    capability_grant_defaults(staff=profile)
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
    code: str = "individual.test_matter",
    *,
    applicant_kind: str = Matter.ApplicantKind.INDIVIDUAL,
    department: str = "unemployment",
    acceptance_mode: str = Matter.AcceptanceMode.DIRECT,
    materials: list[dict[str, Any]] | None = None,
    fields: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> Matter:
    """A matter of the catalogue (by default an individual's, with three materials and a form)."""
    return Matter.objects.create(
        code=code,
        name=extra.pop("name", "失业保险金申领"),
        category=extra.pop("category", "社会保险"),
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


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def pdf(
    name: str = "证明.pdf", content: bytes = PDF, content_type: str = "application/pdf"
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


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


def make_bill(
    *,
    unit: Unit | None = None,
    person: Person | None = None,
    month: Any = None,
    unit_fen: int = 100_000,
    individual_fen: int = 40_000,
    region: str = "220200",
    due_date: date | None = None,
) -> Any:
    """An unpaid bill (征集单) of ``unit`` or of the self-paying ``person`` for ``month``
    (default 2020-03), with the given totals in fen and no lines (the assessment's own tests
    build bills from lines; the payment tests need only the totals). Payable by ``due_date``;
    by default a day not passed yet (a month after today), so that no late fee runs — the
    arrears tests give the due date."""
    from django.utils import timezone

    from shebao.common.periods import YearMonth
    from shebao.contributions.models import Bill, PayerKind

    month = month or YearMonth(2020, 3)
    payer = unit or person
    kind = PayerKind.UNIT if unit is not None else PayerKind.SELF
    now = timezone.now()
    return Bill.objects.create(
        number=f"ZJ{month.year:04d}{month.month:02d}{'U' if unit else 'P'}{payer.pk:010d}",
        month=month,
        region_id=region,
        payer_kind=kind,
        payer_id=payer.pk,
        unit=unit,
        person=person,
        due_date=due_date or timezone.localdate() + timedelta(days=30),
        unit_total_fen=unit_fen,
        individual_total_fen=individual_fen,
        created_at=now,
        updated_at=now,
    )


def make_finance_staff(*, districts: Sequence[str] = (DISTRICT,), name: str = "罗财务") -> User:
    """Finance staff (基金财务) of ``districts``: who takes money and pays refunds there."""
    return make_staff(districts=districts, department="finance", name=name)


def photo(
    width: int = 358, height: int = 441, fmt: str = "JPEG", name: str | None = None
) -> SimpleUploadedFile:
    """A real picture of the given size (a plain colour), as a card photo upload."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (240, 240, 240)).save(buffer, fmt)
    content_type = {"JPEG": "image/jpeg", "PNG": "image/png"}[fmt]
    suffix = {"JPEG": ".jpg", "PNG": ".png"}[fmt]
    return SimpleUploadedFile(name or f"照片{suffix}", buffer.getvalue(), content_type=content_type)


def make_card(
    person: Person,
    *,
    status: str = "active",
    number: str | None = None,
    bank: str = "中国工商银行吉林分行",
    delivery: str = "ems",
) -> Any:
    """A social security card of ``person`` already in ``status`` (default: in force), as the
    card's own services leave it; tests of the card's life build it through those services."""
    from django.core.files.storage import default_storage
    from django.utils import timezone

    from shebao.cards.models import Card, CardEvent

    now = timezone.now()
    made = status not in ("applied", "sent", "making")
    stored = default_storage.save(f"cards/test/{next(_seq)}.jpg", photo())
    card = Card.objects.create(
        person=person,
        kind=Card.Kind.FIRST,
        status=status,
        bank=bank,
        delivery=delivery,
        address="吉林省吉林市昌邑区解放北路1号" if delivery == "ems" else "",
        card_number=(number or f"J{next(_seq):08d}") if made else "",
        issued_at=now if made else None,
        photo=stored,
        stage_at=now,
        created_at=now,
    )
    CardEvent.objects.create(card=card, state=status, at=now, note="测试建卡")
    return card


# -- The repository's data files, loaded once per test process ---------------------------------
#
# Nearly every test starts from the regions, departments, catalogue and policy of the data
# files. Loading them runs the real loaders (parse, check, write row by row): about half a second,
# which thousands of tests would pay again and again. The first load in a process runs the
# loader and keeps the rows it wrote; later loads write the same rows back in one statement per
# table. The loaders' own tests call the loaders directly.

_loaded: dict[str, list[tuple[type[models.Model], list[dict[str, Any]]]]] = {}


def _tables() -> list[type[models.Model]]:
    return [m for m in apps.get_models(include_auto_created=True) if m._meta.managed]


def _load_once(key: str, load: Callable[[], object]) -> None:
    rows = _loaded.get(key)
    if rows is not None:
        try:
            with transaction.atomic():
                for model, values in rows:
                    model._base_manager.bulk_create([model(**v) for v in values])
        except IntegrityError:  # some of it is there already: let the loader decide
            load()
            return
        if connection.vendor == "postgresql":  # explicit keys: keep each sequence past them
            statements = connection.ops.sequence_reset_sql(no_style(), [m for m, _ in rows])
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
        return
    before = {m: set(m._base_manager.values_list("pk", flat=True)) for m in _tables()}
    with transaction.atomic():
        load()
    written = []
    for model, keys in before.items():
        new = [v for v in model._base_manager.values() if v[model._meta.pk.attname] not in keys]
        if len(new) + len(keys) != model._base_manager.count():
            return  # the loader changed rows that were there: nothing to replay
        if new:
            written.append((model, [_by_attname(model, v) for v in new]))
    _loaded[key] = written


def _by_attname(model: type[models.Model], values: dict[str, Any]) -> dict[str, Any]:
    names = {f.name: f.attname for f in model._meta.concrete_fields}
    return {names.get(k, k): v for k, v in values.items()}


def reference_load() -> None:
    """The regions and departments of the data files."""
    from shebao.registry.services import departments_load, regions_load

    def load() -> None:
        regions_load()
        departments_load()

    _load_once("reference", load)


def policy_data_load() -> None:
    """The policy parameters of the data files (the reference data loaded first)."""
    from shebao.policy.services import policy_load

    _load_once("policy", policy_load)


def hall_load() -> None:
    """The catalogue and the policy parameters of the data files, as a deployment has them (the
    reference data loaded first)."""
    from shebao.catalogue.services import catalogue_load

    _load_once("catalogue", catalogue_load)
    policy_data_load()
