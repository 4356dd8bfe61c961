"""Reads of the catalogue.

The catalogue is public: anyone — anonymous or signed in as anything — sees the same enabled
matters and guides. Only :func:`matters_for_applicant` depends on the actor: which matters the
actor may apply for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Case, Count, IntegerField, Max, Q, QuerySet, Value, When

from shebao.catalogue.models import CATEGORIES, Matter
from shebao.common.errors import InvalidInput, NotFound
from shebao.registry.models import Department

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor

# Longest search text accepted (characters); longer input is refused by the API and cut by pages.
QUERY_MAX_LENGTH = 50

APPLICANT_FILTER_LABELS = {
    Matter.ApplicantKind.INDIVIDUAL: "个人办理",
    Matter.ApplicantKind.UNIT: "单位办理",
    Matter.ApplicantKind.BOTH: "单位或个人均可办理",
}


# What only a matter's own guide and form read (JSON, decoded per row): a list leaves it out.
GUIDE_FIELDS = (
    "conditions",
    "materials",
    "steps",
    "fields",
    "sources",
    "keywords",
    "regional",
    "emergency_notes",
    "legal_basis",
    "search_text",
)


def catalogue_stamp() -> tuple[Any, ...]:
    """A stamp that changes whenever a matter does (``catalogue_load`` and the admin save
    through the model, which sets ``updated_at``): the number of matters and the latest
    change. One query."""
    found = Matter.objects.aggregate(n=Count("pk"), at=Max("updated_at"))
    return (found["n"], found["at"])


def _enabled() -> QuerySet[Matter]:
    return Matter.objects.filter(enabled=True).select_related("department")


def _open_to(kind: str) -> Q:
    """Matters an applicant of ``kind`` may apply for: their own kind and ``both``."""
    return Q(applicant_kind__in=[kind, Matter.ApplicantKind.BOTH])


def matters_public(
    *,
    q: str = "",
    applicant_kind: str | None = None,
    department: str | None = None,
    category: str | None = None,
) -> QuerySet[Matter]:
    """Enabled matters, searched and filtered, for the public guide pages and the API.

    ``q`` is split on spaces; every term must occur (as a substring, Chinese included) in the
    name, a keyword, the summary or the code. Matters whose name contains the whole query come
    first. ``applicant_kind`` "individual" or "unit" gives the matters open to that applicant
    (their own and "both"); "both" gives only the matters open to both. An unknown filter value
    is refused with :class:`InvalidInput` rather than silently matching nothing.
    """
    matters = _enabled()
    if applicant_kind:
        if applicant_kind not in Matter.ApplicantKind.values:
            raise InvalidInput(
                "办理对象应为个人（individual）、单位（unit）或均可（both）",
                code="APPLICANT_KIND_UNKNOWN",
                field="applicant_kind",
            )
        if applicant_kind == Matter.ApplicantKind.BOTH:
            matters = matters.filter(applicant_kind=Matter.ApplicantKind.BOTH)
        else:
            matters = matters.filter(_open_to(applicant_kind))
    if department:
        if not Department.objects.filter(code=department).exists():
            raise InvalidInput(
                f"承办部门“{department}”不存在", code="DEPARTMENT_UNKNOWN", field="department"
            )
        matters = matters.filter(department_id=department)
    if category:
        if category not in CATEGORIES:
            raise InvalidInput(
                f"类别“{category}”不存在，应为{'、'.join(CATEGORIES)}之一",
                code="CATEGORY_UNKNOWN",
                field="category",
            )
        matters = matters.filter(category=category)
    terms = q.lower().split()
    if not terms:
        return matters
    for term in terms:
        # search_text is stored lower-cased, so a case-sensitive LIKE is case-insensitive here
        # and can use the same SQL on SQLite and PostgreSQL.
        matters = matters.filter(search_text__contains=term)
    whole = " ".join(q.split())
    return matters.annotate(
        name_hit=Case(
            When(name__icontains=whole, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("name_hit", "sort_order", "code")


def matter_get(*, code: str) -> Matter:
    """An enabled matter by its code; a disabled or unknown one is not found."""
    matter = _enabled().filter(code=code).first()
    if matter is None:
        raise NotFound(f"未找到事项“{code}”，或该事项已停止办理", code="MATTER_NOT_FOUND")
    return matter


def matters_for_applicant(*, actor: Actor) -> QuerySet[Matter]:
    """Enabled matters ``actor`` may apply for.

    Individuals: individual and both. Unit legal representatives and administrators: unit and
    both. Unit operators: only the unit and both matters they were granted. Everyone else
    (anonymous, staff, partners): none.
    """
    matters = _enabled()
    if actor.is_individual:
        return matters.filter(_open_to(Matter.ApplicantKind.INDIVIDUAL))
    if actor.is_unit:
        matters = matters.filter(_open_to(Matter.ApplicantKind.UNIT))
        if actor.is_unit_manager:
            return matters
        return matters.filter(pk__in=actor.granted_matter_ids)
    return matters.none()


def matter_open_to(*, actor: Actor, matter: Matter) -> bool:
    """Whether ``actor`` may apply for ``matter`` (see :func:`matters_for_applicant`)."""
    return matters_for_applicant(actor=actor).filter(pk=matter.pk).exists()


def matter_facets() -> dict[str, list[dict[str, Any]]]:
    """Counts of enabled matters for the filters: by applicant, category and department.

    Applicant counts follow the filter's meaning: "individual" counts the matters open to
    individuals (individual and both), "unit" those open to units.
    """
    enabled = Matter.objects.filter(enabled=True)
    kinds = enabled.aggregate(
        individual=Count("pk", filter=_open_to(Matter.ApplicantKind.INDIVIDUAL)),
        unit=Count("pk", filter=_open_to(Matter.ApplicantKind.UNIT)),
    )
    applicant = [
        {"value": kind, "label": APPLICANT_FILTER_LABELS[kind], "count": kinds[kind]}
        for kind in (Matter.ApplicantKind.INDIVIDUAL, Matter.ApplicantKind.UNIT)
    ]
    by_category = dict(
        enabled.order_by()
        .values_list("category")
        .annotate(n=Count("pk"))
        .values_list("category", "n")
    )
    category = [
        {"value": name, "label": name, "count": by_category[name]}
        for name in CATEGORIES
        if by_category.get(name)
    ]
    by_department = dict(
        enabled.order_by()
        .values_list("department")
        .annotate(n=Count("pk"))
        .values_list("department", "n")
    )
    department = [
        {"value": d.code, "label": d.name, "count": by_department[d.code]}
        for d in Department.objects.order_by("sort_order", "code")
        if by_department.get(d.code)
    ]
    return {"applicant": applicant, "category": category, "department": department}
