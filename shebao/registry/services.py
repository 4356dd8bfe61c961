"""Writes to the registry."""

from __future__ import annotations

import tomllib
from pathlib import Path

from django.db import transaction

from shebao.common.errors import InvalidInput
from shebao.registry.models import Department, Region

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
