"""Writes to the registry."""

from __future__ import annotations

import tomllib
from pathlib import Path

from django.db import transaction

from shebao.common.errors import InvalidInput
from shebao.registry.models import Department, Person, Region

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
