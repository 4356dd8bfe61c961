"""The effects of the staff-change matters on the insurance relations.

A unit's 用工参保登记 opens the employee's relations with the unit from the month of employment;
its 退工停保登记 closes them from the stop month. Both are checked when the unit submits (so the
unit hears of a conflict at once) and again on approval (the records may have moved since),
inside the approval's transaction: a refused effect leaves nothing behind.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from shebao.applications.handlers import MatterHandler, register
from shebao.common.errors import InvalidInput
from shebao.common.periods import YearMonth
from shebao.insurance import services
from shebao.insurance.calendar import OpenPeriod, open_period
from shebao.insurance.models import Category, EndReason, Insurance, Scheme, StartReason
from shebao.registry.models import Person

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor
    from shebao.applications.models import Application

# The form's choice of insurances (用工参保登记, field ``insurances``).
INSURANCE_SETS: dict[str, tuple[str, ...] | None] = {
    "all": None,  # every insurance the region collects in that month (policy)
    "pension_unemployment_injury": (
        Insurance.PENSION,
        Insurance.UNEMPLOYMENT,
        Insurance.WORK_INJURY,
    ),
    "injury_only": (Insurance.WORK_INJURY,),
}

LEAVE_REASONS = {"retirement": EndReason.RETIRE, "death": EndReason.DEATH}


def collected_insurances(*, district_code: str, month: YearMonth) -> tuple[str, ...]:
    """The insurances the region collects in ``month`` (policy ``contribution.insurances``)."""
    from shebao.policy.selectors import param

    value = param(region=district_code, key="contribution.insurances", on=month.first_day).value
    return tuple(code for code in value if code in Insurance.values)


def _subject(application: Application, *, create: bool) -> Person | None:
    """The employee the application is about; created from the form if the registry has no
    record of them yet (when ``create``)."""
    if application.subject_person_id is not None:
        return application.subject_person
    if not create:
        return None
    from shebao.registry.services import person_register

    return person_register(
        id_number=application.subject_id_number,
        name=str(application.data.get("subject_name", "")).strip(),
        district=application.unit.district if application.unit else None,
    )


def _check_name(application: Application) -> None:
    person = application.subject_person
    name = str(application.data.get("subject_name", "")).strip()
    if person is not None and name and person.name != name:
        raise InvalidInput(
            f"职工姓名与社会保险登记信息不一致（登记为“{person.name}”），请核对",
            code="SUBJECT_NAME_MISMATCH",
            field="subject_name",
        )


def _effective(application: Application, outcome: YearMonth | str, field: str) -> YearMonth:
    if isinstance(outcome, str):
        raise InvalidInput(outcome, code="OUTSIDE_OPEN_PERIOD", field=field)
    return outcome


def _period(application: Application) -> OpenPeriod:
    return open_period(region=application.district_id, on=timezone.localdate())


def _opening(application: Application, person: Person) -> services.Opening:
    data = application.data
    employed = YearMonth.of(date.fromisoformat(str(data["employment_date"])))
    start = _effective(
        application, _period(application).enrolment_start(employed), "employment_date"
    )
    chosen = INSURANCE_SETS.get(str(data.get("insurances", "all")))
    collected = collected_insurances(district_code=application.district_id, month=start)
    insurances = tuple(i for i in (chosen or collected) if i in collected)
    return services.Opening(
        person=person,
        insurances=insurances,
        start_month=start,
        scheme=Scheme.EMPLOYEE,
        category=Category.EMPLOYEE,
        reason=StartReason.ENROL,
    )


def _refuse(problems: list[services.LineProblem]) -> None:
    if problems:
        raise InvalidInput(problems[0].reason, code="INSURANCE_CONFLICT")


@register("staff_enrol")
class StaffEnrolHandler(MatterHandler):
    """用人单位用工参保登记: the employee's relations with the unit from the employment month."""

    def check_submit(self, application: Application) -> None:
        _check_name(application)
        person = _subject(application, create=False)
        if person is not None:
            _refuse(
                services.opening_problems([_opening(application, person)], unit=application.unit)
            )

    def on_approved(self, application: Application, actor: Actor | None) -> dict[str, Any]:
        _check_name(application)
        person = _subject(application, create=True)
        assert person is not None
        if application.subject_person_id is None:
            application.subject_person = person
            application.save(update_fields=["subject_person"])
        try:
            rows = services.relations_open(
                actor=actor,
                openings=[_opening(application, person)],
                unit=application.unit,
                application=application,
            )
        except services.LinesRefused as refused:
            raise InvalidInput(refused.problems[0].reason, code="INSURANCE_CONFLICT") from None
        return {"relations": [r.pk for r in rows]}


@register("staff_leave")
class StaffLeaveHandler(MatterHandler):
    """用人单位退工停保登记: the unit's relations of the employee end before the stop month."""

    def _closing(self, application: Application, person: Person) -> services.Closing:
        data = application.data
        stop = YearMonth.parse(str(data["stop_month"]), field="stop_month")
        return services.Closing(
            person=person,
            stop_month=_effective(
                application, _period(application).termination_stop(stop), "stop_month"
            ),
            reason=LEAVE_REASONS.get(str(data.get("leave_reason", "")), EndReason.LEAVE),
        )

    def check_submit(self, application: Application) -> None:
        _check_name(application)
        person = application.subject_person
        if person is None:
            raise InvalidInput("该职工未在本单位参保，无需办理退工停保", code="INSURANCE_NOT_OPEN")
        if (
            not services.Relation.objects.current()
            .filter(unit=application.unit, person=person)
            .exists()
        ):
            raise InvalidInput("该职工未在本单位参保，无需办理退工停保", code="INSURANCE_NOT_OPEN")

    def on_approved(self, application: Application, actor: Actor | None) -> dict[str, Any]:
        person = application.subject_person
        if person is None:
            raise InvalidInput("该职工未在本单位参保，无需办理退工停保", code="INSURANCE_NOT_OPEN")
        try:
            rows = services.relations_close(
                actor=actor,
                closings=[self._closing(application, person)],
                unit=application.unit,
                application=application,
            )
        except services.LinesRefused as refused:
            raise InvalidInput(refused.problems[0].reason, code=refused.code) from None
        return {"relations": [r.pk for r in rows]}
