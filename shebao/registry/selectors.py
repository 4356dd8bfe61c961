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


def region_full_name(*, code: str | None) -> str:
    """A region's name with its ancestors' (e.g. 吉林省吉林市昌邑区), in one query: walking
    ``Region.parent`` from a loaded row costs a query per level. "" for no region."""
    if not code:
        return ""
    return region_get(code=code).full_name


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


def hall_districts() -> list[Region]:
    """The districts of the pooling region this hall serves (:func:`hall_region`), in code
    order: where a unit new to the agency may register (a form's ``district`` field)."""
    region = hall_region()
    return list(districts_of(region=region)) if region is not None else []


def departments() -> QuerySet[Department]:
    return Department.objects.all()


def pooling_region_of(*, region: Region) -> Region:
    """The pooling region (统筹地区) a district or city belongs to; the region itself if none."""
    return next((r for r in region.lineage() if r.is_pooling), region)


def hall_region() -> Region | None:
    """The pooling region this hall serves (``SHEBAO_HALL_REGION``), or the first there is."""
    from django.conf import settings

    code = getattr(settings, "SHEBAO_HALL_REGION", "")
    region = Region.objects.select_related("parent__parent__parent").filter(code=code).first()
    if region is None:
        region = regions_pooling().select_related("parent__parent__parent").first()
    return pooling_region_of(region=region) if region is not None else None
