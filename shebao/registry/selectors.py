"""Reads of the registry. Regions and departments are public reference data."""

from __future__ import annotations

from django.db.models import QuerySet

from shebao.common.errors import NotFound
from shebao.registry.models import Department, Region


def region_get(*, code: str) -> Region:
    region = Region.objects.select_related("parent__parent__parent").filter(code=code).first()
    if region is None:
        raise NotFound(f"未找到行政区划“{code}”", code="REGION_NOT_FOUND", field="region")
    return region


def regions_pooling() -> QuerySet[Region]:
    """Regions with their own agency and parameters, for pickers on public pages."""
    return Region.objects.filter(is_pooling=True).order_by("code")


def districts_of(*, region: Region) -> QuerySet[Region]:
    """Districts under a pooling region (or the region itself if it is a district)."""
    if region.level == Region.Level.DISTRICT:
        return Region.objects.filter(code=region.code)
    return (
        Region.objects.filter(level=Region.Level.DISTRICT)
        .filter(parent__in=[region, *region.children.all()])
        .order_by("code")
    )


def departments() -> QuerySet[Department]:
    return Department.objects.all()
