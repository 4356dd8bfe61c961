"""Writes to the registry."""

from __future__ import annotations

import re
import tomllib
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from shebao.common.errors import Conflict, InvalidInput
from shebao.common.periods import YearMonth
from shebao.registry import info_fields
from shebao.registry.models import Department, Person, PersonInfo, Region, Unit

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor
    from shebao.applications.models import Application

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


def unit_already_registered(credit_code: str) -> Conflict:
    """The refusal for registering a credit code the registry already holds."""
    return Conflict(
        f"统一社会信用代码 {credit_code} 的单位已办理社会保险登记，无需重复登记。"
        "尚未开通网上办事账号的，请法定代表人办理“单位网上注册”；已开通的请使用“单位登录”。",
        code="UNIT_ALREADY_REGISTERED",
        field="credit_code",
    )


def unit_register(
    *,
    credit_code: str,
    name: str,
    kind: str,
    district: Region,
    legal_rep_name: str,
    legal_rep_id_number: str,
    registered_on: date,
    competent_department: str = "",
    address: str = "",
    phone: str = "",
) -> Unit:
    """Record a unit new to the agency (单位参保登记), active from ``registered_on``. Values
    are already cleaned (the credit code and ID number in their one spelling).

    A credit code the registry holds — or that a concurrent transaction has just recorded —
    is refused (``UNIT_ALREADY_REGISTERED``) and nothing is written. Runs in the caller's
    transaction (an approval's), inside a savepoint of its own.
    """
    if Unit.objects.filter(credit_code=credit_code).exists():
        raise unit_already_registered(credit_code)
    try:
        with transaction.atomic():
            return Unit.objects.create(
                credit_code=credit_code,
                name=name,
                kind=kind,
                district=district,
                competent_department=competent_department,
                legal_rep_name=legal_rep_name,
                legal_rep_id_number=legal_rep_id_number,
                address=address,
                phone=phone,
                status=Unit.Status.ACTIVE,
                registered_on=registered_on,
            )
    except IntegrityError:
        raise unit_already_registered(credit_code) from None


# ------------------------------------------------------------------ basic information (人员基础信息)


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# 《劳动法》第十五条: no employer may take on a minor under sixteen.
MINIMUM_WORKING_AGE = 16


def _baseline(person: Person, now: Any) -> PersonInfo:
    """Version 1 of a person never collected: what the registry holds about them."""
    return PersonInfo.objects.create(
        person=person,
        version=1,
        kind=PersonInfo.Kind.BASELINE,
        id_number=person.id_number,
        name=person.name,
        sex=person.sex,
        birth_date=person.birth_date,
        mobile=person.mobile,
        recorded_at=now,
        reason="首次记录基础信息前登记库中的信息",
    )


def _current_info(person: Person, *, lock: bool) -> PersonInfo | None:
    rows = PersonInfo.objects.filter(person=person, superseded_at__isnull=True)
    if lock:
        rows = rows.select_for_update()
    return rows.first()


def _refuse(message: str, code: str, name: str) -> None:
    raise InvalidInput(message, code=code, field=info_fields.form_name(name))


def person_info_check(*, person: Person, values: dict[str, Any], before: Any = None) -> None:
    """Refuse values that cannot be recorded for ``person`` (nothing is written).

    ``before`` is the current version (or the person, for one never collected): each value is
    checked with the others as they would be after the change. A new ID number must be valid
    (the form checked its check digit), carry the person's birth date and sex, and belong to
    no other person now or in any person's history.
    """
    from shebao.common.identifiers import id_number_facts

    if before is None:  # an unsaved person (new to the registry) has no version yet
        before = (_current_info(person, lock=False) if person.pk else None) or person
    after = {name: values.get(name, getattr(before, name, None)) for name in info_fields.BY_NAME}
    lists = info_fields.code_lists()
    for name, value in values.items():
        spec = info_fields.BY_NAME[name]
        if spec.value == "code" and value not in lists[spec.codes]["codes"]:
            _refuse(f"{spec.label}不在代码表中", "INFO_CODE_UNKNOWN", name)
    postal = values.get("postal_code")
    if postal is not None and not re.fullmatch(r"[0-9]{6}", postal):
        _refuse("邮政编码应为6位数字", "POSTAL_CODE_INVALID", "postal_code")
    today = timezone.localdate()
    born = after["birth_date"] or person.birth_date
    if "birth_date" in values and values["birth_date"] > today:
        _refuse("出生日期不能晚于今天", "BIRTH_DATE_INVALID", "birth_date")
    started = after["work_start_date"]
    if started is not None and ("work_start_date" in values or "birth_date" in values):
        if started > today:
            _refuse("参加工作日期不能晚于今天", "WORK_START_INVALID", "work_start_date")
        if started < _years_after(born, MINIMUM_WORKING_AGE):
            _refuse(
                f"参加工作日期早于年满{MINIMUM_WORKING_AGE}周岁之日（出生日期"
                f"{born.year}年{born.month}月{born.day}日），请核对人事档案",
                "WORK_START_BEFORE_WORKING_AGE",
                "work_start_date",
            )
    if "reform_wage_fen" in values and values["reform_wage_fen"] <= 0:
        _refuse("改革时点工资应大于0", "REFORM_WAGE_INVALID", "reform_wage_fen")
    first, last = after["deemed_start"], after["deemed_end"]
    if {"deemed_start", "deemed_end"} & set(values):
        limit = info_fields.REFORM_MONTH - 1
        if last is not None and last > limit:
            _refuse(
                f"视同缴费年限截止年月不能晚于{limit.label()}（改革前一个月）",
                "DEEMED_AFTER_REFORM",
                "deemed_end",
            )
        if first is not None and last is not None and first > last:
            _refuse("视同缴费起始年月不能晚于截止年月", "DEEMED_PERIOD_INVALID", "deemed_start")
        if first is not None and started is not None and first < YearMonth.of(started):
            _refuse("视同缴费起始年月不能早于参加工作日期", "DEEMED_BEFORE_WORK", "deemed_start")
    number = values.get("id_number")
    if number is not None and number != person.id_number:
        facts = id_number_facts(number)
        own = id_number_facts(person.id_number).birth_date
        if facts.birth_date not in (person.birth_date, own):
            _refuse(
                f"新号码中的出生日期（{facts.birth_date:%Y年%m月%d日}）与登记的出生日期"
                f"（{person.birth_date:%Y年%m月%d日}）不一致，请核对公安机关的变更证明",
                "ID_NUMBER_BIRTH_DATE_MISMATCH",
                "id_number",
            )
        if facts.sex != person.sex:
            _refuse(
                "新号码的性别码与登记的性别不一致，请核对公安机关的变更证明",
                "ID_NUMBER_SEX_MISMATCH",
                "id_number",
            )
        if Person.objects.filter(id_number=number).exclude(pk=person.pk).exists():
            raise Conflict(
                "该公民身份号码已登记为其他人员，不能变更为此号码；如系重号，请到经办机构核实",
                code="ID_NUMBER_TAKEN",
                field="new_id_number",
            )
        if PersonInfo.objects.filter(id_number=number).exclude(person=person).exists():
            raise Conflict(
                "该公民身份号码曾登记为其他人员的号码，不能变更为此号码，请到经办机构核实",
                code="ID_NUMBER_USED_BEFORE",
                field="new_id_number",
            )


def person_info_changes(*, person: Person, values: dict[str, Any]) -> dict[str, Any]:
    """The values that differ from what the person's information holds now."""
    before = _current_info(person, lock=False) or person
    return {name: value for name, value in values.items() if getattr(before, name, None) != value}


@transaction.atomic
def person_info_record(
    *,
    actor: Actor | None,
    person: Person,
    values: dict[str, Any],
    kind: str = PersonInfo.Kind.CHANGE,
    application: Application | None = None,
    reason: str = "",
) -> PersonInfo:
    """Record a new version of the person's basic information with ``values`` (info field →
    stored value) changed, and keep :class:`Person`'s own columns current; returns it.

    The person's row is locked first, so two changes of one person apply one after the other.
    Refuses (nothing written) values that :func:`person_info_check` refuses and a change that
    changes nothing (``INFO_UNCHANGED``). The version before is kept, superseded; a person with
    no version yet first gets the registry's values as version 1 (a first collection starts
    from them instead).
    """
    locked = Person.objects.select_for_update().get(pk=person.pk)
    now = timezone.now()
    current = _current_info(locked, lock=True)
    person_info_check(person=locked, values=values, before=current or locked)
    changed = {
        name: value
        for name, value in values.items()
        if getattr(current or locked, name, None) != value
    }
    if not changed and kind != PersonInfo.Kind.COLLECT:
        raise InvalidInput(
            "填写的信息与现登记信息相同，无需变更", code="INFO_UNCHANGED", field=None
        )
    if current is None and kind != PersonInfo.Kind.COLLECT:
        current = _baseline(locked, now)
    if current is not None:
        fresh = PersonInfo(
            **{
                f.attname: getattr(current, f.attname)
                for f in PersonInfo._meta.concrete_fields
                if f.attname not in {"id", "superseded_at"}
            }
        )
        fresh.version = current.version + 1
        PersonInfo.objects.filter(pk=current.pk).update(superseded_at=now)
    else:  # a first collection: the registry's identity and the collected values
        fresh = PersonInfo(
            person=locked, version=1, **{n: getattr(locked, n) for n in info_fields.PERSON_COLUMNS}
        )
    for name, value in changed.items():
        setattr(fresh, name, value)
    fresh.kind = kind
    fresh.application = application
    fresh.recorded_at = now
    # Who recorded it: the reviewer who approved, or (a case the system completed at once)
    # the user who applied.
    fresh.recorded_by = (
        actor.user
        if actor is not None
        else (application.applicant_user if application is not None else None)
    )
    fresh.reason = reason.strip()[:200]
    fresh.save()
    columns = {name: changed[name] for name in info_fields.PERSON_COLUMNS if name in changed}
    if columns:
        Person.objects.filter(pk=locked.pk).update(**columns, updated_at=now)
        for name, value in columns.items():
            setattr(person, name, value)
        _legal_rep_follow(old_number=locked.id_number, person=person, columns=columns)
    return fresh


def _legal_rep_follow(*, old_number: str, person: Person, columns: dict[str, Any]) -> None:
    """A unit whose legal representative is this person records the new number and name, so
    the representative's sign-in checks (U-KEY binding, unit registration) still recognise them."""
    follow = {
        unit_column: columns[person_column]
        for person_column, unit_column in (
            ("id_number", "legal_rep_id_number"),
            ("name", "legal_rep_name"),
        )
        if person_column in columns
    }
    if follow:
        Unit.objects.filter(legal_rep_id_number=old_number).update(**follow)
