"""Writes to the registry."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

from django.db import IntegrityError, transaction

from shebao.common.errors import Conflict, InvalidInput
from shebao.registry.models import Department, Person, Region, Unit

DATA_DIR = Path(__file__).resolve().parent / "data"


@transaction.atomic
def regions_load(*, path: Path = DATA_DIR / "regions.toml") -> int:
    """Create or update the regions of the data file; returns how many were written.

    Parents come before children in the file; an unknown parent is an error and nothing is
    written.
    """
    rows = tomllib.loads(path.read_text(encoding="utf-8")).get("region", [])
    for row in rows:
        parent = row.get("parent")
        if parent and not Region.objects.filter(code=parent).exists():
            raise InvalidInput(
                f"行政区划 {row['code']} 的上级 {parent} 未定义", code="REGION_PARENT_UNKNOWN"
            )
        Region.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "level": row["level"],
                "parent_id": parent,
                "is_pooling": bool(row.get("is_pooling", False)),
            },
        )
    return len(rows)


@transaction.atomic
def departments_load(*, path: Path = DATA_DIR / "departments.toml") -> int:
    rows = tomllib.loads(path.read_text(encoding="utf-8")).get("department", [])
    for row in rows:
        Department.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "description": row.get("description", ""),
                "sort_order": row.get("sort_order", 0),
            },
        )
    return len(rows)


def persons_register(
    *,
    rows: list[tuple[str, str]],
    district: Region | None,
    verification: str = "verified",
) -> dict[str, Person]:
    """Register the persons of ``rows`` (``(id_number, name)``, numbers already normalized) that
    the registry does not know yet, set-based; return every row's person by ID number.

    Used when a unit enrols employees new to the agency: their ID number was checked by the unit
    against the ID card it uploaded, and staff verify it on review. Birth date and sex come from
    the number itself.
    """
    from shebao.common.identifiers import id_number_facts

    wanted = dict(rows)
    known = {p.id_number: p for p in _persons_by_number(list(wanted))}
    fresh = []
    for number, name in wanted.items():
        if number in known:
            continue
        facts = id_number_facts(number)
        fresh.append(
            Person(
                id_number=number,
                name=name,
                sex=facts.sex,
                birth_date=facts.birth_date,
                district=district,
                verification=verification,
            )
        )
    # A number registered meanwhile by another transaction is taken as it is (the conflict
    # updates nothing of it); every row comes back with its key.
    Person.objects.bulk_create(
        fresh,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["id_number"],
        update_fields=["id_number"],
    )
    return known | {p.id_number: p for p in fresh}


def _persons_by_number(numbers: list[str]) -> list[Person]:
    found: list[Person] = []
    for start in range(0, len(numbers), 5000):
        found.extend(Person.objects.filter(id_number__in=numbers[start : start + 5000]))
    return found


def person_register(*, id_number: str, name: str, district: Region | None) -> Person:
    """One person, as :func:`persons_register`."""
    return persons_register(rows=[(id_number, name)], district=district)[id_number]


def unit_already_registered(credit_code: str) -> Conflict:
    """The refusal for registering a credit code the registry already holds."""
    return Conflict(
        f"统一社会信用代码 {credit_code} 的单位已办理社会保险登记，无需重复登记。"
        "尚未开通网上办事账号的，请法定代表人办理“单位网上注册”；已开通的请使用“单位登录”。",
        code="UNIT_ALREADY_REGISTERED",
        field="credit_code",
    )


def unit_register(
    *,
    credit_code: str,
    name: str,
    kind: str,
    district: Region,
    legal_rep_name: str,
    legal_rep_id_number: str,
    registered_on: date,
    competent_department: str = "",
    address: str = "",
    phone: str = "",
) -> Unit:
    """Record a unit new to the agency (单位参保登记), active from ``registered_on``. Values
    are already cleaned (the credit code and ID number in their one spelling).

    A credit code the registry holds — or that a concurrent transaction has just recorded —
    is refused (``UNIT_ALREADY_REGISTERED``) and nothing is written. Runs in the caller's
    transaction (an approval's), inside a savepoint of its own.
    """
    if Unit.objects.filter(credit_code=credit_code).exists():
        raise unit_already_registered(credit_code)
    try:
        with transaction.atomic():
            return Unit.objects.create(
                credit_code=credit_code,
                name=name,
                kind=kind,
                district=district,
                competent_department=competent_department,
                legal_rep_name=legal_rep_name,
                legal_rep_id_number=legal_rep_id_number,
                address=address,
                phone=phone,
                status=Unit.Status.ACTIVE,
                registered_on=registered_on,
            )
    except IntegrityError:
        raise unit_already_registered(credit_code) from None
