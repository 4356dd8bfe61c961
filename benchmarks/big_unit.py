#!/usr/bin/env python
"""A unit of ``--size`` staff in a benchmark database: the roster page's and API's subject.

Adds 吉林市演示大型装备集团有限公司 (credit code ``BIG_UNIT``, 昌邑区) with ``--size`` persons new to the
registry, each insured with it for pension, medical, unemployment and work injury since a month
between 2008 and now (a tenth of them left again), and makes the demo unit administrator
陈晓燕 its administrator too, so that ``load.py`` can sign in to it. Runs in the benchmark's
database (``DATABASE_URL``); does nothing if the unit is already there. Never used by the hall.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FIRST17 = "91220202BENCH5000"  # 9 1 (enterprise) 220202 (昌邑区) + an organisation code
ADMIN_ID_NUMBER = "22020219840521026X"  # 陈晓燕, the demo enterprise's administrator


def big_unit_code() -> str:
    from shebao.common.identifiers import credit_code_check_char

    return FIRST17 + credit_code_check_char(FIRST17)


def ensure_big_unit(size: int) -> str:
    from django.db import transaction
    from django.utils import timezone

    from shebao.accounts.models import UnitMembership, User
    from shebao.common.identifiers import id_check_digit
    from shebao.common.periods import YearMonth
    from shebao.insurance import services
    from shebao.insurance.demo import CONTINUING
    from shebao.insurance.services import Closing, Opening
    from shebao.registry.models import Person, Region, Unit

    code = big_unit_code()
    if Unit.objects.filter(credit_code=code).exists():
        _analyze()
        return code
    district = Region.objects.get(code="220202")
    rng = random.Random(5000)
    taken = set(Person.objects.values_list("id_number", flat=True))
    people: list[Person] = []
    while len(people) < size:
        born = date(1965, 1, 1) + timedelta(days=rng.randrange(0, 35 * 365))
        first17 = f"220202{born:%Y%m%d}{rng.randrange(0, 1000):03d}"
        number = first17 + id_check_digit(first17)
        if number in taken:
            continue
        taken.add(number)
        sex = Person.Sex.MALE if int(number[16]) % 2 else Person.Sex.FEMALE
        people.append(
            Person(
                id_number=number,
                name=f"职工{len(people):04d}",
                sex=sex,
                birth_date=born,
                district=district,
                hukou_region=district,
            )
        )
    with transaction.atomic():
        unit = Unit.objects.create(
            credit_code=code,
            name="吉林市演示大型装备集团有限公司",
            kind=Unit.Kind.ENTERPRISE,
            district=district,
            legal_rep_name="刘建国",
            legal_rep_id_number="220202197001010011",
            injury_class=3,
            registered_on=date(2008, 1, 1),
        )
        people = Person.objects.bulk_create(people, batch_size=2000)
        now = YearMonth.of(timezone.localdate())
        openings = [
            Opening(p, CONTINUING, YearMonth(2008, 1) + rng.randrange(0, now.index - 2008 * 12))
            for p in people
        ]
        services.relations_open(actor=None, openings=openings, unit=unit)
        leaving = [o for o in openings[: size // 10] if o.start_month < now - 1]
        services.relations_close(
            actor=None,
            closings=[Closing(o.person, o.start_month + 1) for o in leaving],
            unit=unit,
        )
        UnitMembership.objects.create(
            user=User.objects.get(username=ADMIN_ID_NUMBER), unit=unit, role="admin"
        )
    _analyze()
    return code


def _analyze() -> None:
    """What autovacuum does shortly after a load like this: the planner's statistics."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=5000)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shebao.settings")
    import django

    django.setup()
    print(ensure_big_unit(args.size))


if __name__ == "__main__":
    main()
