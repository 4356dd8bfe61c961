"""The staff-change roster as a case: upload → checked → submitted application with its staged
lines → reviewed → applied set-based on approval (DESIGN.md, "Many lines, one application").

The matter is 单位人员增减（名册申报） (``unit.staff_changes``, handler ``staff_changes``). A
roster with any bad row is refused whole, before anything is written; the unit gets every
error's row, column and reason (and, on the page, an error report to download).
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import IO, TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from shebao.applications.handlers import register
from shebao.common.errors import InvalidInput
from shebao.insurance import roster, services
from shebao.insurance.handlers import OpenPeriodMatter
from shebao.insurance.models import StaffChangeLine
from shebao.insurance.services import LineProblem, LinesRefused
from shebao.registry.models import Person

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor
    from shebao.applications.models import Application
    from shebao.registry.models import Unit

MATTER = "unit.staff_changes"

# The application whose lines were checked against the records and staged a moment ago, in the
# transaction now submitting it (so the submission does not check the same rows twice).
_just_checked: ContextVar[int | None] = ContextVar("staff_changes_just_checked", default=None)


class RosterRefused(LinesRefused):
    """The roster has errors: nothing was written. ``report`` is the error report (.xlsx)."""

    def __init__(self, problems: list[LineProblem], report: bytes) -> None:
        super().__init__(problems, code="ROSTER_INVALID")
        self.report = report


def staff_changes_check(*, unit: Unit, file: IO[bytes]) -> roster.RosterCheck:
    """Read and check a roster without writing anything; refuses an unreadable file."""
    rows = roster.read_roster(file)
    return roster.check_roster(rows, unit=unit, on=timezone.localdate())


def _line(application: Application, row: roster.RosterRow) -> StaffChangeLine:
    assert row.event_date is not None and row.month is not None
    return StaffChangeLine(
        application=application,
        line=row.line,
        kind=row.kind,
        id_number=row.id_number,
        name=row.name,
        person=row.person,
        event_date=row.event_date,
        month=row.month,
        wage_fen=row.wage_fen,
        insurances=row.insurances,
        leave_reason=row.leave_reason,
        mobile=row.mobile,
    )


def staff_changes_submit(
    *,
    actor: Actor,
    unit: Unit,
    file: IO[bytes],
    file_name: str = "",
    note: str = "",
    client_key: str = "",
) -> tuple[Application, bool]:
    """Check the roster and, if every row is right, file and submit one application carrying
    the rows as staged lines; returns ``(application, created)``. Raises
    :class:`RosterRefused` (422, with every row's problem) and writes nothing otherwise. A
    repeated ``client_key`` returns the first application with ``created=False``."""
    from shebao.applications import services as engine
    from shebao.applications.selectors import matter_for_applicant

    matter = matter_for_applicant(actor=actor, code=MATTER)
    if actor.unit is None or actor.unit.pk != unit.pk:
        raise InvalidInput("只能为本单位申报人员增减", code="UNIT_MISMATCH")
    replayed = engine.application_replay(actor=actor, matter=matter, client_key=client_key)
    if replayed is not None:
        return replayed, False
    check = staff_changes_check(unit=unit, file=file)
    if not check.ok:
        raise RosterRefused(check.problems, roster.error_report(check.rows, check.problems))
    parts = [note.strip(), f"名册文件：{file_name}" if file_name else ""]
    data = {"note": "；".join(p for p in parts if p)[:200]}
    with transaction.atomic():
        application, created = engine.application_create(
            actor=actor, matter=matter, data=data, client_key=client_key
        )
        if not created:
            return application, False
        StaffChangeLine.objects.bulk_create(
            [_line(application, row) for row in check.rows], batch_size=2000
        )
        checked = _just_checked.set(application.pk)
        try:
            submitted = engine.application_submit(
                actor=actor, application=application, version=application.version
            )
        finally:
            _just_checked.reset(checked)
        return submitted, True


def roster_summary(application: Application) -> dict[str, int]:
    """How many rows the case's roster has: ``rows``, ``enrolments``, ``terminations``."""
    from django.db.models import Count, Q

    counts = application.staff_change_lines.aggregate(
        rows=Count("id"), enrolments=Count("id", filter=Q(kind=StaffChangeLine.Kind.ENROL))
    )
    return {
        "rows": counts["rows"],
        "enrolments": counts["enrolments"],
        "terminations": counts["rows"] - counts["enrolments"],
    }


def lines_of(application: Application) -> list[StaffChangeLine]:
    return list(application.staff_change_lines.select_related("person").order_by("line"))


def _rows_from_lines(lines: list[StaffChangeLine]) -> list[roster.RosterRow]:
    return [
        roster.RosterRow(
            line=line.line,
            raw={},
            kind=line.kind,
            id_number=line.id_number,
            name=line.name,
            event_date=line.event_date,
            month=line.month,
            wage_fen=line.wage_fen,
            insurances=line.insurances,
            leave_reason=line.leave_reason,
            mobile=line.mobile,
            person=line.person,
        )
        for line in lines
    ]


def _recheck(
    application: Application, lines: list[StaffChangeLine] | None = None
) -> list[roster.RosterRow]:
    """The staged lines checked again against the records as they are now (for the reviewer at
    approval: something may have changed since the unit submitted); returns them as rows. At
    submission right after the rows were checked and staged in the same transaction
    (``_just_checked``), only what the check of the file cannot know is checked — the unit's
    other rosters under review — and no rows are returned."""
    just_checked = _just_checked.get() == application.pk
    if just_checked:
        lines = []
    elif lines is None:
        lines = lines_of(application)
    if not (lines or (just_checked and application.staff_change_lines.exists())):
        raise InvalidInput(
            "请在“参保人员名册”页面上传人员增减名册申报，本事项不能只填写申请表",
            code="ROSTER_REQUIRED",
        )
    assert application.unit is not None
    rows = _rows_from_lines(lines)
    problems = [] if just_checked else roster._relation_problems(rows, set(), unit=application.unit)
    problems += _pending_elsewhere(application)
    if problems:
        raise LinesRefused(sorted(problems, key=lambda p: p.line), code="ROSTER_CONFLICT")
    return rows


def _pending_elsewhere(application: Application) -> list[LineProblem]:
    """Persons of this roster already in another of the unit's rosters still under review: one
    query joining the staging table to itself, whatever the size of the roster."""
    from shebao.applications.models import Application as Case

    mine = StaffChangeLine.objects.filter(application=application)
    elsewhere = (
        StaffChangeLine.objects.filter(
            application__unit=application.unit,
            application__status__in=[
                Case.Status.SUBMITTED,
                Case.Status.ACCEPTED,
                Case.Status.RETURNED,
            ],
            id_number__in=mine.values("id_number"),
        )
        .exclude(application=application)
        .values_list("id_number", "application__number")
    )
    taken = dict(elsewhere)
    if not taken:
        return []
    return [
        LineProblem(
            line,
            "公民身份号码",
            f"已在申请{taken[id_number]}中申报，请等该申请办结或撤回后再报",
        )
        for line, id_number in mine.filter(id_number__in=list(taken))
        .order_by("line")
        .values_list("line", "id_number")
    ]


@register("staff_changes")
class StaffChangesHandler(OpenPeriodMatter):
    """单位人员增减（名册申报）: every staged line's enrolment or termination, set-based."""

    page = "insurance:staff_changes_upload"

    def check_submit(self, application: Application) -> None:
        _recheck(application)

    def on_approved(self, application: Application, actor: Actor | None) -> dict[str, Any]:
        from shebao.registry.services import persons_register

        lines = lines_of(application)
        # Lock the persons first, then check: what is checked cannot change before it is written.
        services.persons_lock(line.person_id for line in lines if line.person_id)
        rows = _recheck(application, lines)
        unit = application.unit
        assert unit is not None
        new = [(r.id_number, r.name) for r in rows if r.person is None]
        if new:
            registered = persons_register(rows=new, district=unit.district)
            for row in rows:
                row.person = row.person or registered[row.id_number]
            # One statement links every staged line to the person just registered.
            application.staff_change_lines.filter(person__isnull=True).update(
                person=Subquery(
                    Person.objects.filter(id_number=OuterRef("id_number")).values("pk")[:1]
                )
            )
        enrol = [r for r in rows if r.kind == StaffChangeLine.Kind.ENROL]
        leave = [r for r in rows if r.kind == StaffChangeLine.Kind.LEAVE]
        opened = (
            services.relations_open_set(
                actor=actor,
                openings=roster.openings_for(enrol, district=unit.district_id),
                unit=unit,
                application=application,
                checked=True,
            )
            if enrol
            else 0
        )
        closed = (
            services.relations_close(
                actor=actor, closings=roster.closings_for(leave), unit=unit, application=application
            )
            if leave
            else []
        )
        return {"enrolled": len(enrol), "left": len(leave), "relations": opened + len(closed)}

    def on_rejected(self, application: Application, actor: Actor) -> None:
        return None
