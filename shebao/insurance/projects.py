"""工程建设项目人员登记维护: work-injury cover by construction project (按项目参保).

A construction enterprise insures its permanent staff as a unit; everyone else a project uses —
above all migrant workers, the subcontractors' and labour subcontractors' included — is
insured for work injury *by the project*, where the project is built, by its general
contractor, once for the whole project (人社部发〔2014〕103号 “项目参保，概算提取，一次参保，全员
覆盖”; 人社部发〔2018〕3号 for railway, road, water transport, water conservancy, energy and
airport projects). So here:

- a :class:`~shebao.insurance.models.ConstructionProject` belongs to the contractor (the unit
  that registers it), is kept in its district, and is open until completed;
- a worker on it holds a work-injury :class:`~shebao.insurance.models.Relation` with the
  project, paid by the contractor, category ``PROJECT``, kept in the project's district, from
  the month they enter the site to the month they leave it (both covered);
- the overlap rule (:func:`shebao.insurance.services.relations_conflict`): one project covers a
  worker at most once a month, and never a worker the contractor already insures as a unit;
  the worker's cover by any other unit does not conflict (each unit a worker works for insures
  them, and the one where the injury happens answers for it);
- completing the project ends the cover of every worker still on it with the month of
  completion.

The premium is not a monthly amount per head, so the business month's deadline does not apply
to the register; what the calendar does decide (entry and leaving not before this month) is
checked by the matter's handler. A leaving date is the contractor's word and cannot end cover
in a month already past; a completion is a documented fact (竣工验收) and may be recorded after
it happened.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from shebao.common.errors import Conflict, InvalidInput
from shebao.common.periods import YearMonth
from shebao.insurance import services
from shebao.insurance.models import (
    Category,
    ConstructionProject,
    EndReason,
    Insurance,
    Relation,
    Scheme,
    StartReason,
)
from shebao.registry.models import Person, Region, Unit

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor
    from shebao.applications.models import Application

INJURY = (Insurance.WORK_INJURY,)


def _user(actor: Actor | None) -> object:
    return actor.user if actor is not None else None


def _day(value: date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def project_of_unit(*, unit: Unit, code: str, lock: bool = False) -> ConstructionProject:
    """The unit's project by its code (``lock``: row-locked), or a refusal naming the code."""
    rows = ConstructionProject.objects.select_related("unit", "district")
    if lock:
        rows = rows.select_for_update()
    project = rows.filter(unit=unit, code=code.strip()).first()
    if project is None:
        raise InvalidInput(
            f"本单位没有登记项目编号为“{code}”的工程建设项目，请先办理项目参保登记",
            code="PROJECT_NOT_FOUND",
            field="project_code",
        )
    return project


@transaction.atomic
def construction_project_register(
    *,
    actor: Actor | None,
    unit: Unit,
    code: str,
    name: str,
    district: Region,
    start_date: date,
    planned_end_date: date,
    address: str = "",
    contract_price_fen: int | None = None,
    application: Application | None = None,
) -> ConstructionProject:
    """The contractor ``unit`` insures a project by project from its start."""
    code, name = code.strip(), name.strip()
    if not code or not name:
        raise InvalidInput("请填写项目编号和项目名称", code="PROJECT_FIELDS_REQUIRED")
    if district.level != Region.Level.DISTRICT:
        raise InvalidInput(
            "项目所在地应为区县一级的行政区划", code="PROJECT_DISTRICT", field="project_district"
        )
    if planned_end_date < start_date:
        raise InvalidInput(
            "计划竣工日期不能早于开工日期", code="INVALID_PERIOD", field="planned_end_date"
        )
    if contract_price_fen is not None and contract_price_fen < 0:
        raise InvalidInput("工程合同价不能为负数", code="INVALID_AMOUNT", field="contract_price")
    existing = ConstructionProject.objects.filter(code=code).select_related("unit").first()
    if existing is not None:
        whose = "本单位" if existing.unit_id == unit.pk else "其他单位"
        raise Conflict(
            f"项目编号“{code}”已由{whose}登记参保（{existing.name}），同一项目只参保一次",
            code="PROJECT_EXISTS",
            field="project_code",
        )
    return ConstructionProject.objects.create(
        unit=unit,
        code=code,
        name=name,
        district=district,
        address=address.strip(),
        start_date=start_date,
        planned_end_date=planned_end_date,
        contract_price_fen=contract_price_fen,
        application=application,
        recorded_at=timezone.now(),
        recorded_by=_user(actor),
    )


def _open_check(project: ConstructionProject) -> None:
    if project.completed_on is not None:
        raise Conflict(
            f"项目“{project.name}”已于{_day(project.completed_on)}竣工，不能再办理人员进场或退场",
            code="PROJECT_COMPLETED",
        )


def _openings(
    project: ConstructionProject, persons: Sequence[Person], month: YearMonth
) -> list[services.Opening]:
    return [
        services.Opening(
            person=person,
            insurances=INJURY,
            start_month=month,
            scheme=Scheme.EMPLOYEE,
            category=Category.PROJECT,
            reason=StartReason.ENROL,
            note=f"进场：{project.name}"[:200],
            project=project,
        )
        for person in persons
    ]


def project_workers_add_problems(
    *, project: ConstructionProject, persons: Sequence[Person], month: YearMonth
) -> list[services.LineProblem]:
    """What stops these workers entering the project in ``month`` (nothing is written); a
    completed project, or a month before the project started, refuses them all."""
    _open_check(project)
    started = YearMonth.of(project.start_date)
    if month < started:
        raise InvalidInput(
            f"进场年月{month.label()}不能早于项目开工年月{started.label()}",
            code="PROJECT_NOT_STARTED",
            field="action_date",
        )
    return services.opening_problems(_openings(project, persons, month), unit=project.unit)


@transaction.atomic
def project_workers_add(
    *,
    actor: Actor | None,
    project: ConstructionProject,
    persons: Sequence[Person],
    month: YearMonth,
    application: Application | None = None,
) -> list[Relation]:
    """The workers' work-injury cover on the project from ``month`` (their entry), all or none
    (:class:`~shebao.insurance.services.LinesRefused` names each one refused)."""
    project = ConstructionProject.objects.select_for_update().get(pk=project.pk)
    problems = project_workers_add_problems(project=project, persons=persons, month=month)
    if problems:
        raise services.LinesRefused(problems, code="INSURANCE_CONFLICT")
    return services.relations_open(
        actor=actor,
        openings=_openings(project, persons, month),
        unit=project.unit,
        district=project.district,
        application=application,
    )


def _on_project(project: ConstructionProject, persons: Sequence[Person]) -> dict[int, Relation]:
    return {
        r.person_id: r
        for r in Relation.objects.current().filter(
            project=project, person__in=list(persons), end_month__isnull=True
        )
    }


def project_workers_remove_problems(
    *, project: ConstructionProject, persons: Sequence[Person], last_month: YearMonth
) -> list[services.LineProblem]:
    """What stops these workers leaving the project after ``last_month`` (nothing is written)."""
    _open_check(project)
    on_site = _on_project(project, persons)
    problems = []
    for line, person in enumerate(persons, start=1):
        relation = on_site.get(person.pk)
        if relation is None:
            problems.append(
                services.LineProblem(line, "公民身份号码", "该人员未登记在本项目或已办理退场")
            )
        elif last_month < relation.start_month:
            problems.append(
                services.LineProblem(
                    line,
                    "退场日期",
                    f"退场年月{last_month.label()}不能早于进场年月{relation.start_month.label()}",
                )
            )
    return problems


@transaction.atomic
def project_workers_remove(
    *,
    actor: Actor | None,
    project: ConstructionProject,
    persons: Sequence[Person],
    last_month: YearMonth,
    application: Application | None = None,
) -> list[Relation]:
    """The workers left the site: their cover on the project ends with ``last_month``."""
    project = ConstructionProject.objects.select_for_update().get(pk=project.pk)
    problems = project_workers_remove_problems(
        project=project, persons=persons, last_month=last_month
    )
    if problems:
        raise services.LinesRefused(problems, code="INSURANCE_NOT_OPEN")
    return services.relations_close(
        actor=actor,
        closings=[
            services.Closing(
                person=person,
                stop_month=last_month + 1,
                reason=EndReason.LEAVE,
                insurances=INJURY,
                note=f"退场：{project.name}"[:200],
                project=project,
            )
            for person in persons
        ],
        unit=project.unit,
        application=application,
    )


@transaction.atomic
def construction_project_complete(
    *,
    actor: Actor | None,
    project: ConstructionProject,
    completed_on: date,
    application: Application | None = None,
) -> list[Relation]:
    """The project is completed on ``completed_on``: the cover of every worker still on it
    ends with that month, and the project takes no more workers. Returns the ended relations."""
    project = ConstructionProject.objects.select_for_update().get(pk=project.pk)
    _open_check(project)
    if completed_on < project.start_date:
        raise InvalidInput(
            f"竣工日期不能早于开工日期{_day(project.start_date)}",
            code="INVALID_PERIOD",
            field="action_date",
        )
    month = YearMonth.of(completed_on)
    on_site = list(
        Relation.objects.current()
        .filter(project=project, end_month__isnull=True)
        .select_related("person")
        .order_by("person_id")
    )
    late = next((r for r in on_site if r.start_month > month), None)
    if late is not None:
        raise InvalidInput(
            f"{late.person.name}登记于{late.start_month.label()}进场，晚于竣工年月"
            f"{month.label()}；请核对竣工日期",
            code="PROJECT_WORKER_AFTER_COMPLETION",
            field="action_date",
        )
    ended: list[Relation] = []
    if on_site:
        ended = services.relations_close(
            actor=actor,
            closings=[
                services.Closing(
                    person=r.person,
                    stop_month=month + 1,
                    reason=EndReason.PROJECT_END,
                    insurances=INJURY,
                    note=f"项目竣工：{project.name}"[:200],
                    project=project,
                )
                for r in on_site
            ],
            unit=project.unit,
            application=application,
        )
    project.completed_on = completed_on
    project.save(update_fields=["completed_on"])
    return ended
