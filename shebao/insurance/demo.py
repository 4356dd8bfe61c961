"""Demo histories: who joined, left and rejoined a unit, a dispatch agency's placements, a
construction project's workers — built through the same services as the real matters
(set-based: a few statements per unit, whatever its size).

The histories use the four insurances collected without a break through the years they cover
(pension, medical, unemployment, work injury). Maternity insurance, collected separately before
2020 and merged into medical insurance since (国办发〔2019〕10号), is left out of them.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from shebao.common.periods import YearMonth
from shebao.insurance import services
from shebao.insurance.models import Category, Insurance, Scheme, StartReason
from shebao.registry.models import Person, Region, Unit

CONTINUING = (Insurance.PENSION, Insurance.MEDICAL, Insurance.UNEMPLOYMENT, Insurance.WORK_INJURY)


@dataclass(frozen=True)
class Spell:
    """One person's planned time with a payer: from ``start`` until before ``stop``."""

    person: Person
    start: YearMonth
    stop: YearMonth | None = None


def plan_spells(
    persons: Sequence[Person],
    *,
    first: YearMonth,
    last: YearMonth,
    seed: int,
    leave_share: float = 0.25,
    rejoin_share: float = 0.3,
) -> list[list[Spell]]:
    """Deterministic histories: each person joins between ``first`` and ``last``; some leave,
    and some of those come back. Returns each person's spells in order."""
    rng = random.Random(seed)
    span = last - first
    plans: list[list[Spell]] = []
    for person in persons:
        start = first + rng.randrange(0, max(1, span - 2))
        spells = [Spell(person, start)]
        if rng.random() < leave_share and last - start > 8:
            stop = start + rng.randrange(6, last - start)
            spells = [Spell(person, start, stop)]
            back = stop + rng.randrange(3, 30)
            if rng.random() < rejoin_share and back <= last:
                spells.append(Spell(person, back))
        plans.append(spells)
    return plans


def histories_build(
    *,
    payer: Unit | None,
    plans: Sequence[Sequence[Spell]],
    scheme: str = Scheme.EMPLOYEE,
    category: str = Category.EMPLOYEE,
    insurances: tuple[str, ...] = CONTINUING,
) -> int:
    """Apply the planned spells for ``payer`` (``None``: each person pays for themselves).
    Returns the number of relations written."""
    written = 0
    rounds = max((len(p) for p in plans), default=0)
    for index in range(rounds):
        spells = [p[index] for p in plans if len(p) > index]
        openings = [
            services.Opening(
                person=s.person,
                insurances=insurances,
                start_month=s.start,
                scheme=scheme,
                category=category,
                reason=StartReason.MIGRATED if index == 0 else StartReason.REJOIN,
            )
            for s in spells
        ]
        written += services.relations_open_set(actor=None, openings=openings, unit=payer)
        closings = [services.Closing(person=s.person, stop_month=s.stop) for s in spells if s.stop]
        if closings:
            written += len(services.relations_close(actor=None, closings=closings, unit=payer))
    return written


def dispatch_licence_demo(*, agency: Unit, today: date) -> None:
    """Give the demo agency a dispatch licence in force ``today`` (three years, 第十四条) if it
    holds none: the demo stays usable whatever year it is loaded in."""
    from shebao.insurance import dispatch

    if dispatch.dispatch_licence_in_force(unit=agency, on=today) is not None:
        return
    start = date(today.year - 1, 1, 1)
    dispatch.dispatch_licence_record(
        actor=None,
        unit=agency,
        number=f"{agency.district_id}{start.year}00012",
        valid_from=start,
        valid_to=date(start.year + 3, 1, 1) - timedelta(days=1),
        issued_by=f"吉林市{agency.district.name}人力资源和社会保障局",
    )


def dispatch_demo_build(
    *,
    agency: Unit,
    placements: Sequence[tuple[Person, Unit, YearMonth]],
    transfer: tuple[Person, Unit, YearMonth] | None,
    today: date,
) -> int:
    """A dispatch agency's workers: each insured by the agency from a month while serving a
    client unit (kept in the client's district), and one transferred to another client through
    the real 劳务派遣用工调转 service (the agency needs its licence, :func:`dispatch_licence_demo`).
    Returns the number of relations written."""
    from shebao.insurance import dispatch

    written = 0
    for client in dict.fromkeys(client for _, client, _ in placements):
        openings = [
            services.Opening(
                person=person,
                insurances=CONTINUING,
                start_month=start_month,
                reason=StartReason.MIGRATED,
                client_unit=client,
            )
            for person, placed_at, start_month in placements
            if placed_at == client
        ]
        written += len(
            services.relations_open(
                actor=None, openings=openings, unit=agency, district=client.district
            )
        )
    if transfer is not None:
        person, client, month = transfer
        written += 2 * len(
            dispatch.dispatch_transfer(
                actor=None, agency=agency, person=person, client=client, month=month, on=today
            )
        )
    return written


def project_demo_build(
    *,
    contractor: Unit,
    district: Region,
    start: YearMonth,
    workers: Sequence[Person],
    leaver: Person | None,
    left: YearMonth,
) -> int:
    """One construction project insured by project, its workers entering from ``start`` (one a
    month apart, in pairs), and ``leaver`` leaving after ``left``. Returns the relations written."""
    from shebao.insurance import projects
    from shebao.insurance.models import ConstructionProject

    project = ConstructionProject.objects.filter(unit=contractor).first()
    if project is None:
        project = projects.construction_project_register(
            actor=None,
            unit=contractor,
            code=f"{district.code}{start.year}{start.month:02d}150101",
            name="吉林市船营区江畔小学教学楼工程",
            district=district,
            address=f"吉林省吉林市{district.name}江畔路",
            start_date=start.first_day,
            planned_end_date=(start + 24).last_day,
            contract_price_fen=4_860_000_000,  # 4,860万元
        )
    written = 0
    for index in range(0, len(workers), 2):
        written += len(
            projects.project_workers_add(
                actor=None,
                project=project,
                persons=list(workers[index : index + 2]),
                month=start + index // 2,
            )
        )
    if leaver is not None:
        written += len(
            projects.project_workers_remove(
                actor=None, project=project, persons=[leaver], last_month=left
            )
        )
    return written
