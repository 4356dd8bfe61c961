"""Demo histories: who joined, left and rejoined a unit, built through the same services as the
real matters (set-based: a few statements per unit, whatever its size).

The histories use the four insurances collected without a break through the years they cover
(pension, medical, unemployment, work injury). Maternity insurance, collected separately before
2020 and merged into medical insurance since (国办发〔2019〕10号), is left out of them.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from shebao.common.periods import YearMonth
from shebao.insurance import services
from shebao.insurance.models import Category, Insurance, Scheme, StartReason
from shebao.registry.models import Person, Unit

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
