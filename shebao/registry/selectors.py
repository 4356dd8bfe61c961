"""Reads of the registry. Regions and departments are public reference data."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from shebao.common.errors import NotFound
from shebao.common.identifiers import mask_id_number
from shebao.registry import info_fields
from shebao.registry.models import Department, Person, PersonInfo, Region


def region_get(*, code: str) -> Region:
    region = Region.objects.select_related("parent__parent__parent").filter(code=code).first()
    if region is None:
        raise NotFound(f"未找到行政区划“{code}”", code="REGION_NOT_FOUND", field="region")
    return region


def region_full_name(*, code: str | None) -> str:
    """A region's name with its ancestors' (e.g. 吉林省吉林市昌邑区), "" for no region. Read in
    one query (walking ``Region.parent`` from a loaded row costs a query per level) and kept
    per process while the region tree is unchanged (``policy_version`` stamps it)."""
    if not code:
        return ""
    from shebao.policy.selectors import policy_memo

    return policy_memo(("region_full_name", code), lambda: region_get(code=code).full_name)


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


# ------------------------------------------------------------------ basic information (人员基础信息)


def person_info_current(*, person: Person) -> PersonInfo:
    """The person's basic information now: the current version, or (never collected) what
    the registry holds, as an unsaved version 0."""
    current = PersonInfo.objects.filter(person=person, superseded_at__isnull=True).first()
    if current is not None:
        return current
    return PersonInfo(
        person=person,
        version=0,
        kind=PersonInfo.Kind.BASELINE,
        **{name: getattr(person, name) for name in info_fields.PERSON_COLUMNS},
    )


def person_info_collected(*, person: Person) -> bool:
    """Whether the person's basic information has been collected (采集) once."""
    return PersonInfo.objects.filter(person=person, kind=PersonInfo.Kind.COLLECT).exists()


@dataclass(frozen=True)
class InfoRow:
    name: str
    label: str
    value: str


# What a person's page shows, in order; the reform-time rows only for those who have them.
SHOWN = (
    "name",
    "id_number",
    "sex",
    "birth_date",
    "ethnicity",
    "hukou_type",
    "hukou_address",
    "contact_address",
    "postal_code",
    "mobile",
    "education",
    "work_start_date",
    "identity",
    "payer_category",
)
REFORM = ("reform_post", "reform_grade", "reform_wage_fen", "deemed_start", "deemed_end")


def _shown(info: PersonInfo, name: str, *, mask: bool) -> str:
    value = getattr(info, name)
    if name == "sex":
        return dict(Person.Sex.choices).get(value, "")
    if name == "id_number" and mask:
        return mask_id_number(value)
    if name == "birth_date":
        return f"{value.year}年{value.month}月{value.day}日" if value else ""
    return info_fields.display(name, value)


def _label(name: str) -> str:
    return {"sex": "性别", "birth_date": "出生日期"}.get(name) or info_fields.BY_NAME[name].label


def person_info_rows(*, info: PersonInfo, mask: bool = False) -> list[InfoRow]:
    """(label, value) of every field shown for the person (empty values as ""); ``mask``
    hides the birth date inside the ID number."""
    names = list(SHOWN)
    if any(getattr(info, name) not in (None, "") for name in REFORM):
        names += REFORM
    return [InfoRow(n, _label(n), _shown(info, n, mask=mask)) for n in names]


@dataclass(frozen=True)
class InfoChange:
    name: str
    label: str
    old: str
    new: str


def info_changes(
    *, before: PersonInfo | None, after: PersonInfo, mask: bool = False
) -> list[InfoChange]:
    """The fields ``after`` holds differently from ``before`` (every filled one for a first
    version), as people read them; ``mask`` hides the birth date inside ID numbers."""
    names = [*SHOWN, *REFORM]
    rows = []
    for name in names:
        new = getattr(after, name)
        old = getattr(before, name) if before is not None else None
        if new == old or (before is None and new in (None, "")):
            continue
        rows.append(
            InfoChange(
                name,
                _label(name),
                _shown(before, name, mask=mask) if before is not None else "",
                _shown(after, name, mask=mask),
            )
        )
    return rows


@dataclass(frozen=True)
class InfoVersion:
    record: PersonInfo
    changes: list[InfoChange]

    @property
    def kind_label(self) -> str:
        return self.record.get_kind_display()


def person_info_history(*, person: Person, mask: bool = False) -> list[InfoVersion]:
    """Every version of the person's basic information, newest first, each with what it
    changed. ``person`` comes from a scoped read (the person themselves, or staff of the
    person's districts); ``mask`` as for :func:`info_changes`."""
    rows = list(
        PersonInfo.objects.filter(person=person)
        .select_related("recorded_by", "application")
        .order_by("version")
    )
    history = []
    before = None
    for row in rows:
        history.append(InfoVersion(row, info_changes(before=before, after=row, mask=mask)))
        before = row
    return list(reversed(history))


def person_by_former_number(*, id_number: str) -> Person | None:
    """The person who once had ``id_number`` (an ID number changed since), or None."""
    row = (
        PersonInfo.objects.filter(id_number=id_number)
        .exclude(person__id_number=id_number)
        .select_related("person")
        .first()
    )
    return row.person if row is not None else None
