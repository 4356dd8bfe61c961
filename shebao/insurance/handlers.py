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
from shebao.insurance.selectors import student_status_in
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


class OpenPeriodMatter(MatterHandler):
    """A staff change dated by the region's open period: its guide says which months it may
    take effect in before the applicant starts (and the handler applies the same period)."""

    def calendar_text(self, *, region: str, on: date) -> str:
        return open_period(region=region, on=on).guide()


def _refuse(problems: list[services.LineProblem]) -> None:
    if problems:
        raise InvalidInput(problems[0].reason, code="INSURANCE_CONFLICT")


@register("staff_enrol")
class StaffEnrolHandler(OpenPeriodMatter):
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
class StaffLeaveHandler(OpenPeriodMatter):
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
            .filter(unit=application.unit, person=person, project__isnull=True)
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


# ------------------------------------------------------------------ flexible workers, residents

FLEXIBLE_SETS = {
    "pension": (Insurance.PENSION,),
    "pension_medical": (Insurance.PENSION, Insurance.MEDICAL),
    "medical": (Insurance.MEDICAL,),
    "all": None,
}


def _own_person(application: Application) -> Person:
    person = application.person
    if person is None:
        raise InvalidInput("本事项须由参保人本人申请", code="PERSON_REQUIRED")
    return person


def _month_field(application: Application, name: str) -> YearMonth:
    return YearMonth.parse(str(application.data[name]), field=name)


@register("flexible_enrol")
class FlexibleEnrolHandler(OpenPeriodMatter):
    """灵活就业人员参保登记: self-paid relations from the start month, and the chosen grade."""

    def _opening(self, application: Application) -> services.Opening:
        start = _effective(
            application,
            _period(application).enrolment_start(_month_field(application, "start_month")),
            "start_month",
        )
        return services.Opening(
            person=_own_person(application),
            insurances=FLEXIBLE_SETS[str(application.data.get("insurances", "pension"))] or (),
            start_month=start,
            scheme=Scheme.EMPLOYEE,
            category=Category.FLEXIBLE,
            reason=StartReason.ENROL,
        )

    def check_submit(self, application: Application) -> None:
        _refuse(services.opening_problems([self._opening(application)], unit=None))

    def on_approved(self, application: Application, actor: Actor | None) -> dict[str, Any]:
        opening = self._opening(application)
        try:
            rows = services.relations_open(
                actor=actor, openings=[opening], unit=None, application=application
            )
        except services.LinesRefused as refused:
            raise InvalidInput(refused.problems[0].reason, code="INSURANCE_CONFLICT") from None
        if Insurance.PENSION in opening.insurances and application.data.get("grade"):
            services.flexible_grade_set(
                actor=actor,
                person=opening.person,
                grade=int(application.data["grade"]),
                month=opening.start_month,
                application=application,
                reason="参保登记时选择",
            )
        return {"relations": [r.pk for r in rows]}


@register("flexible_suspend")
class FlexibleSuspendHandler(OpenPeriodMatter):
    """灵活就业人员暂停缴费: the self-paid relations end before the stop month."""

    def _closing(self, application: Application) -> services.Closing:
        stop = _effective(
            application,
            _period(application).termination_stop(_month_field(application, "stop_month")),
            "stop_month",
        )
        return services.Closing(
            person=_own_person(application),
            stop_month=stop,
            reason=EndReason.SUSPEND,
            insurances=FLEXIBLE_SETS.get(str(application.data.get("insurances", "all"))),
        )

    def check_submit(self, application: Application) -> None:
        problems = services.closing_problems([self._closing(application)], unit=None)
        if problems:
            raise InvalidInput(
                problems[0].reason.replace("该人员", "您"), code="INSURANCE_NOT_OPEN"
            )

    def on_approved(self, application: Application, actor: Actor | None) -> dict[str, Any]:
        try:
            rows = services.relations_close(
                actor=actor,
                closings=[self._closing(application)],
                unit=None,
                application=application,
            )
        except services.LinesRefused as refused:
            raise InvalidInput(refused.problems[0].reason, code="INSURANCE_NOT_OPEN") from None
        return {"relations": [r.pk for r in rows]}


@register("flexible_grade_change")
class FlexibleGradeChangeHandler(MatterHandler):
    """个人养老保险缴费档次变更: the new grade from the effective month (next month at the
    earliest, seed 001), where the region lets a grade change (seed 000: Jilin locks it)."""

    def _month(self, application: Application) -> YearMonth:
        month = _month_field(application, "effective_month")
        earliest = YearMonth.of(timezone.localdate()) + 1
        if month < earliest:
            raise InvalidInput(
                f"缴费档次变更自次月起生效，生效年月不能早于{earliest.label()}",
                code="GRADE_CHANGE_TOO_EARLY",
                field="effective_month",
            )
        return month

    def check_submit(self, application: Application) -> None:
        person = _own_person(application)
        month = self._month(application)
        covered = [
            r
            for r in services.Relation.objects.current().filter(
                person=person, insurance=Insurance.PENSION, category=Category.FLEXIBLE
            )
            if r.end_month is None or r.end_month >= month
        ]
        if not covered:
            raise InvalidInput(
                "您没有以灵活就业人员身份参加的养老保险，不能变更缴费档次",
                code="INSURANCE_NOT_OPEN",
            )

    def on_approved(self, application: Application, actor: Actor | None) -> dict[str, Any]:
        self.check_submit(application)
        record = services.flexible_grade_set(
            actor=actor,
            person=_own_person(application),
            grade=int(application.data["new_grade"]),
            month=self._month(application),
            application=application,
            reason="个人申请变更缴费档次",
        )
        return {"grade": record.pk}


@register("resident_enrol")
class ResidentEnrolHandler(MatterHandler):
    """城乡居民养老保险参保登记, with its conditions checked from the registry (seed 004):
    local hukou, 16 or older, not a student (the education department's shared student status),
    not covered by the employees' pension scheme."""

    def check_submit(self, application: Application) -> None:
        person = _own_person(application)
        today = timezone.localdate()
        city = application.district.parent_id if application.district else None
        hukou = person.hukou_region
        if hukou is None or (hukou.code != city and hukou.parent_id != city):
            raise InvalidInput(
                "城乡居民养老保险须在户籍地参保：登记的户籍不在本市，请到户籍地办理",
                code="RESIDENT_HUKOU_ELSEWHERE",
            )
        born = person.birth_date
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        if age < 16:
            raise InvalidInput("年满16周岁方可参加城乡居民养老保险", code="RESIDENT_TOO_YOUNG")
        month = _period(application).business_month
        student = student_status_in(person=person, month=month)
        if student is not None:
            leaves = (
                f"，离校后（{(student.valid_to + 1).label()}起）可参保" if student.valid_to else ""
            )
            raise InvalidInput(
                f"在校学生不参加城乡居民养老保险：学籍信息显示您在{student.school}就读{leaves}",
                code="RESIDENT_STUDENT",
            )
        employee = [
            r
            for r in services.Relation.objects.current().filter(
                person=person, insurance=Insurance.PENSION
            )
            if r.end_month is None or r.end_month >= month
        ]
        if employee:
            raise InvalidInput(
                "您正在参加职工基本养老保险（或已参加城乡居民养老保险），不能重复参保",
                code="INSURANCE_CONFLICT",
            )

    def on_approved(self, application: Application, actor: Actor | None) -> dict[str, Any]:
        self.check_submit(application)
        rows = services.relations_open(
            actor=actor,
            openings=[
                services.Opening(
                    person=_own_person(application),
                    insurances=(Insurance.PENSION,),
                    start_month=_period(application).business_month,
                    scheme=Scheme.RESIDENT,
                    category=Category.RESIDENT,
                )
            ],
            unit=None,
            application=application,
        )
        return {"relations": [r.pk for r in rows]}


RESIDENT_END = {"death": EndReason.DEATH, "emigration": EndReason.CANCEL}


@register("resident_cancel")
class ResidentCancelHandler(MatterHandler):
    """城乡居民养老保险注销登记: the resident pension relation ends with the month of the event."""

    def _closing(self, application: Application) -> services.Closing:
        event = date.fromisoformat(str(application.data["event_date"]))
        return services.Closing(
            person=_own_person(application),
            stop_month=YearMonth.of(event) + 1,
            reason=RESIDENT_END.get(str(application.data.get("cancel_reason")), EndReason.CANCEL),
            insurances=(Insurance.PENSION,),
        )

    def check_submit(self, application: Application) -> None:
        person = _own_person(application)
        if (
            not services.Relation.objects.current()
            .filter(person=person, scheme=Scheme.RESIDENT, end_month__isnull=True)
            .exists()
        ):
            raise InvalidInput(
                "没有正在参保的城乡居民养老保险，无需注销", code="INSURANCE_NOT_OPEN"
            )

    def on_approved(self, application: Application, actor: Actor | None) -> dict[str, Any]:
        try:
            rows = services.relations_close(
                actor=actor,
                closings=[self._closing(application)],
                unit=None,
                application=application,
            )
        except services.LinesRefused as refused:
            raise InvalidInput(refused.problems[0].reason, code="INSURANCE_NOT_OPEN") from None
        return {"relations": [r.pk for r in rows]}


# ------------------------------------------------------------------ rollback


@register("staff_change_rollback")
class StaffChangeRollbackHandler(MatterHandler):
    """人员变更回退: undo an enrolment or a termination of the business month while its
    collection period is open; after that, refused with the day it closed."""

    def _targets(self, application: Application) -> tuple[str, list[services.Relation]]:
        from shebao.insurance.calendar import change_closing_day, late_handling

        data = application.data
        business = str(data.get("original_business", ""))
        if business not in ("staff_enrol", "staff_leave"):
            raise InvalidInput(
                "缴费基数申报、调整的回退请在缴费基数业务中重新申报，本事项回退人员增减",
                code="ROLLBACK_NOT_SUPPORTED",
                field="original_business",
            )
        month = _month_field(application, "business_month")
        closing = change_closing_day(region=application.district_id, month=month)
        today = timezone.localdate()
        late = late_handling(region=application.district_id, on=today)
        # A month the emergency covered stays open for late handling (补办) as long as it lasts.
        if today > closing and not (late is not None and late.covers(month)):
            raise InvalidInput(
                f"{month.label()}的征缴期已于{closing.year}年{closing.month}月{closing.day}日结束，"
                "费款已核定，不能回退；如需更正请办理补缴或退费",
                code="ROLLBACK_PERIOD_CLOSED",
                field="business_month",
            )
        person = application.subject_person
        rows = (
            list(
                services.Relation.objects.current().filter(
                    unit=application.unit, person=person, project__isnull=True
                )
            )
            if person is not None
            else []
        )
        if business == "staff_enrol":
            found = [r for r in rows if r.start_month == month and r.end_month is None]
            label = "用工参保登记"
        else:
            found = [r for r in rows if r.end_month == month - 1 and r.end_reason]
            label = "退工停保登记"
        if not found:
            raise InvalidInput(
                f"未找到该职工{month.label()}的{label}，请核对业务所属年月",
                code="ROLLBACK_NOTHING_TO_UNDO",
            )
        return business, found

    def check_submit(self, application: Application) -> None:
        _check_name(application)
        self._targets(application)

    def on_approved(self, application: Application, actor: Actor | None) -> dict[str, Any]:
        business, found = self._targets(application)
        why = f"申请{application.number}回退"
        if business == "staff_enrol":
            services.relations_void(actor=actor, relations=found, why=why)
        else:
            services.relations_reopen(
                actor=actor, relations=found, application=application, why=why
            )
        return {"undone": business, "relations": [r.pk for r in found]}


# ------------------------------------------------------------------ institutions (seed 004, 13–17)


def _institution_only(application: Application) -> None:
    from shebao.registry.models import Unit

    if application.unit is None or application.unit.kind != Unit.Kind.INSTITUTION:
        raise InvalidInput(
            "本事项仅限机关事业单位办理；企业职工请办理“用人单位用工参保登记”",
            code="INSTITUTION_ONLY",
        )


# Civil servants are outside unemployment insurance (失业保险条例 第二条: 城镇企业事业单位);
# institution staff on the establishment are in it.
INSTITUTION_INSURANCES = {
    "civil_servant": (Insurance.PENSION, Insurance.MEDICAL, Insurance.WORK_INJURY),
    "reference_civil_servant": (Insurance.PENSION, Insurance.MEDICAL, Insurance.WORK_INJURY),
    "institution": (
        Insurance.PENSION,
        Insurance.MEDICAL,
        Insurance.UNEMPLOYMENT,
        Insurance.WORK_INJURY,
    ),
}


@register("institution_enrol")
class InstitutionEnrolHandler(OpenPeriodMatter):
    """机关事业单位人员新参保: the institution scheme's relations from the month of employment."""

    def _opening(self, application: Application, person: Person) -> services.Opening:
        employed = YearMonth.of(date.fromisoformat(str(application.data["employment_date"])))
        return services.Opening(
            person=person,
            insurances=INSTITUTION_INSURANCES[
                str(application.data.get("staff_type", "institution"))
            ],
            start_month=_effective(
                application, _period(application).enrolment_start(employed), "employment_date"
            ),
            scheme=Scheme.INSTITUTION,
            category=Category.INSTITUTION,
        )

    def check_submit(self, application: Application) -> None:
        _institution_only(application)
        _check_name(application)
        person = _subject(application, create=False)
        if person is not None:
            _refuse(
                services.opening_problems(
                    [self._opening(application, person)], unit=application.unit
                )
            )

    def on_approved(self, application: Application, actor: Actor | None) -> dict[str, Any]:
        _institution_only(application)
        _check_name(application)
        person = _subject(application, create=True)
        assert person is not None
        if application.subject_person_id is None:
            application.subject_person = person
            application.save(update_fields=["subject_person"])
        try:
            rows = services.relations_open(
                actor=actor,
                openings=[self._opening(application, person)],
                unit=application.unit,
                application=application,
            )
        except services.LinesRefused as refused:
            raise InvalidInput(refused.problems[0].reason, code="INSURANCE_CONFLICT") from None
        return {"relations": [r.pk for r in rows]}


SUSPEND_REASONS = {"retirement": EndReason.RETIRE, "transfer": EndReason.TRANSFER_OUT}


@register("institution_settlement_suspend")
class InstitutionSuspendHandler(OpenPeriodMatter):
    """机关事业单位养老保险人员暂停结算: the institution pension relation stops from the month."""

    def _closing(self, application: Application, person: Person) -> services.Closing:
        month = _month_field(application, "effective_month")
        return services.Closing(
            person=person,
            stop_month=_effective(
                application, _period(application).termination_stop(month), "effective_month"
            ),
            reason=SUSPEND_REASONS.get(
                str(application.data.get("suspend_reason")), EndReason.SUSPEND
            ),
            insurances=(Insurance.PENSION,),
        )

    def check_submit(self, application: Application) -> None:
        _institution_only(application)
        _check_name(application)
        person = application.subject_person
        problems = (
            services.closing_problems([self._closing(application, person)], unit=application.unit)
            if person is not None
            else [services.LineProblem(1, "", "该人员未在本单位参加机关事业单位养老保险")]
        )
        if problems:
            raise InvalidInput(problems[0].reason, code="INSURANCE_NOT_OPEN")

    def on_approved(self, application: Application, actor: Actor | None) -> dict[str, Any]:
        self.check_submit(application)
        assert application.subject_person is not None
        rows = services.relations_close(
            actor=actor,
            closings=[self._closing(application, application.subject_person)],
            unit=application.unit,
            application=application,
        )
        return {"relations": [r.pk for r in rows]}


@register("institution_settlement_resume")
class InstitutionResumeHandler(OpenPeriodMatter):
    """机关事业单位养老保险人员恢复结算: the institution pension relation again from the month."""

    def _opening(self, application: Application, person: Person) -> services.Opening:
        month = _month_field(application, "effective_month")
        return services.Opening(
            person=person,
            insurances=(Insurance.PENSION,),
            start_month=_effective(
                application, _period(application).enrolment_start(month), "effective_month"
            ),
            scheme=Scheme.INSTITUTION,
            category=Category.INSTITUTION,
            reason=StartReason.REJOIN,
        )

    def check_submit(self, application: Application) -> None:
        _institution_only(application)
        _check_name(application)
        person = application.subject_person
        if person is None:
            raise InvalidInput(
                "登记库中无此人，请先办理机关事业单位人员新参保", code="PERSON_NOT_FOUND"
            )
        _refuse(
            services.opening_problems([self._opening(application, person)], unit=application.unit)
        )

    def on_approved(self, application: Application, actor: Actor | None) -> dict[str, Any]:
        self.check_submit(application)
        assert application.subject_person is not None
        rows = services.relations_open(
            actor=actor,
            openings=[self._opening(application, application.subject_person)],
            unit=application.unit,
            application=application,
        )
        return {"relations": [r.pk for r in rows]}


# ------------------------------------------------------------------ 劳务派遣 (seed 004, item 5)


def _client_unit(application: Application) -> Any:
    """The new client unit the form names: registered here, and named as registered."""
    from shebao.registry.models import Unit

    data = application.data
    client = (
        Unit.objects.select_related("district")
        .filter(credit_code=str(data.get("user_unit_credit_code", "")))
        .first()
    )
    if client is None:
        raise InvalidInput(
            "未找到该统一社会信用代码的用工单位：新用工单位须已在社会保险经办机构参保登记",
            code="DISPATCH_CLIENT_NOT_FOUND",
            field="user_unit_credit_code",
        )
    name = str(data.get("user_unit_name", "")).strip()
    if name and name != client.name:
        raise InvalidInput(
            f"新用工单位名称与登记信息不一致（该代码登记为“{client.name}”），请核对",
            code="DISPATCH_CLIENT_NAME_MISMATCH",
            field="user_unit_name",
        )
    return client


@register("dispatch_transfer")
class DispatchTransferHandler(MatterHandler):
    """劳务派遣用工调转: the agency's relations of the worker end with the month before the
    transfer month and start again in it, naming the new client unit and kept in its district
    (:mod:`shebao.insurance.dispatch`). Checked at submission and again on approval."""

    def validate(self, application: Application, data: dict[str, Any]) -> dict[str, Any]:
        from shebao.insurance import dispatch

        # Only a licensed agency files it: say so before it writes a draft or uploads anything.
        dispatch.dispatch_licence_require(unit=application.unit, on=timezone.localdate())
        return data

    def _facts(self, application: Application) -> tuple[Person, Any, YearMonth]:
        from shebao.insurance import dispatch

        _check_name(application)
        dispatch.dispatch_licence_require(unit=application.unit, on=timezone.localdate())
        person = application.subject_person
        if person is None:
            raise InvalidInput(
                "该职工未在本单位参保，不能办理派遣调转；请先办理用人单位用工参保登记",
                code="DISPATCH_NOT_INSURED",
            )
        client = _client_unit(application)
        month = _month_field(application, "transfer_month")
        period = _period(application)
        if not period.business_month <= month <= period.latest:
            raise InvalidInput(
                f"调转年月{month.label()}不在本期可办理的月份内（{period.describe()}）",
                code="OUTSIDE_OPEN_PERIOD",
                field="transfer_month",
            )
        return person, client, month

    def check_submit(self, application: Application) -> None:
        from shebao.insurance import dispatch

        person, client, month = self._facts(application)
        assert application.unit is not None
        dispatch.dispatch_transfer_check(
            agency=application.unit,
            person=person,
            client=client,
            month=month,
            on=timezone.localdate(),
        )

    def on_approved(self, application: Application, actor: Actor | None) -> dict[str, Any]:
        from shebao.insurance import dispatch

        person, client, month = self._facts(application)
        assert application.unit is not None
        try:
            rows = dispatch.dispatch_transfer(
                actor=actor,
                agency=application.unit,
                person=person,
                client=client,
                month=month,
                application=application,
            )
        except services.LinesRefused as refused:
            raise InvalidInput(refused.problems[0].reason, code=refused.code) from None
        return {
            "relations": [r.pk for r in rows],
            "client_unit": client.credit_code,
            "month": str(month),
        }


# ------------------------------------------------------------------ 工程建设项目 (seed 004, item 8)

PROJECT_ACTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    # action → (its name, the form fields it needs beyond the project code)
    "project_register": ("项目参保登记", ("project_name", "start_date", "planned_end_date")),
    "worker_add": ("人员进场登记", ("subject_id_number", "subject_name", "action_date")),
    "worker_remove": ("人员退场登记", ("subject_id_number", "subject_name", "action_date")),
    "project_close": ("项目竣工停保", ("action_date",)),
}


def _project_district(application: Application) -> Any:
    from shebao.registry.models import Region

    code = str(application.data.get("project_district", "")).strip()
    if not code:
        assert application.unit is not None
        return application.unit.district
    region = Region.objects.filter(code=code, level=Region.Level.DISTRICT).first()
    if region is None:
        raise InvalidInput(
            f"“{code}”不是区县一级的行政区划代码，请填写项目所在区县的6位代码",
            code="PROJECT_DISTRICT",
            field="project_district",
        )
    return region


@register("construction_project_staff")
class ConstructionProjectStaffHandler(MatterHandler):
    """工程建设项目人员登记维护: the contractor registers a project insured by project, its
    workers' entry and leaving, and its completion (:mod:`shebao.insurance.projects`)."""

    def _action(self, application: Application) -> str:
        action = str(application.data.get("action", ""))
        name, needed = PROJECT_ACTIONS[action]
        labels = {f["name"]: f["label"] for f in application.matter.fields}
        missing = [field for field in needed if not application.data.get(field)]
        if missing:
            raise InvalidInput(
                f"办理“{name}”须填写：{'、'.join(labels.get(f, f) for f in missing)}",
                code="PROJECT_FIELDS_REQUIRED",
                field=missing[0],
            )
        return action

    def _date(self, application: Application, field: str) -> date:
        return date.fromisoformat(str(application.data[field]))

    def _project(self, application: Application) -> Any:
        from shebao.insurance import projects

        assert application.unit is not None
        return projects.project_of_unit(
            unit=application.unit, code=str(application.data["project_code"])
        )

    def _entry_month(self, application: Application) -> YearMonth:
        month = YearMonth.of(self._date(application, "action_date"))
        today, latest = YearMonth.of(timezone.localdate()), _period(application).latest
        if month < today:
            raise InvalidInput(
                f"进场日期早于本月：{today.label()}以前进场的人员，请携带用工证明到经办机构办理",
                code="OUTSIDE_OPEN_PERIOD",
                field="action_date",
            )
        if month > latest:
            raise InvalidInput(
                f"进场日期最晚可登记到{latest.label()}",
                code="OUTSIDE_OPEN_PERIOD",
                field="action_date",
            )
        return month

    def _leave_month(self, application: Application) -> YearMonth:
        month = YearMonth.of(self._date(application, "action_date"))
        today, latest = YearMonth.of(timezone.localdate()), _period(application).latest
        if month < today:
            raise InvalidInput(
                "退场日期早于本月：已过月份的项目参保不能由单位网上终止，请到经办机构办理",
                code="OUTSIDE_OPEN_PERIOD",
                field="action_date",
            )
        if month > latest:
            raise InvalidInput(
                f"退场日期最晚可登记到{latest.label()}",
                code="OUTSIDE_OPEN_PERIOD",
                field="action_date",
            )
        return month

    def _completed_on(self, application: Application) -> date:
        day = self._date(application, "action_date")
        if day > timezone.localdate():
            raise InvalidInput(
                "竣工日期不能晚于今天：项目竣工验收后再办理竣工停保",
                code="PROJECT_NOT_COMPLETED",
                field="action_date",
            )
        return day

    def _register_values(self, application: Application) -> dict[str, Any]:
        from decimal import Decimal

        from shebao.common.money import to_fen

        data = application.data
        price = data.get("contract_price")
        return {
            "code": str(data["project_code"]),
            "name": str(data["project_name"]),
            "district": _project_district(application),
            "address": str(data.get("project_address", "")),
            "start_date": self._date(application, "start_date"),
            "planned_end_date": self._date(application, "planned_end_date"),
            "contract_price_fen": to_fen(Decimal(str(price))) if price else None,
        }

    def check_submit(self, application: Application) -> None:
        from shebao.insurance import projects
        from shebao.insurance.models import ConstructionProject

        action = self._action(application)
        if action == "project_register":
            values = self._register_values(application)
            if values["planned_end_date"] < values["start_date"]:
                raise InvalidInput(
                    "计划竣工日期不能早于开工日期", code="INVALID_PERIOD", field="planned_end_date"
                )
            if ConstructionProject.objects.filter(code=values["code"]).exists():
                raise InvalidInput(
                    f"项目编号“{values['code']}”已登记参保，同一项目只参保一次",
                    code="PROJECT_EXISTS",
                    field="project_code",
                )
            return
        _check_name(application)
        project = self._project(application)
        if action == "worker_add":
            month = self._entry_month(application)
            person = _subject(application, create=False)
            if person is None:  # new to the registry: nothing can conflict yet
                projects.project_workers_add_problems(project=project, persons=[], month=month)
            else:
                _refuse(
                    projects.project_workers_add_problems(
                        project=project, persons=[person], month=month
                    )
                )
        elif action == "worker_remove":
            month = self._leave_month(application)
            person = application.subject_person
            if person is None:
                raise InvalidInput("该人员未登记在本项目", code="INSURANCE_NOT_OPEN")
            problems = projects.project_workers_remove_problems(
                project=project, persons=[person], last_month=month
            )
            if problems:
                raise InvalidInput(problems[0].reason, code="INSURANCE_NOT_OPEN")
        else:
            self._completed_on(application)
            if project.completed_on is not None:
                raise InvalidInput(f"项目“{project.name}”已办理竣工停保", code="PROJECT_COMPLETED")

    def on_approved(self, application: Application, actor: Actor | None) -> dict[str, Any]:
        from shebao.insurance import projects

        action = self._action(application)
        assert application.unit is not None
        if action == "project_register":
            project = projects.construction_project_register(
                actor=actor,
                unit=application.unit,
                application=application,
                **self._register_values(application),
            )
            return {"project": project.pk}
        _check_name(application)
        project = self._project(application)
        try:
            if action == "worker_add":
                month = self._entry_month(application)
                person = _subject(application, create=True)
                assert person is not None
                if application.subject_person_id is None:
                    application.subject_person = person
                    application.save(update_fields=["subject_person"])
                rows = projects.project_workers_add(
                    actor=actor,
                    project=project,
                    persons=[person],
                    month=month,
                    application=application,
                )
            elif action == "worker_remove":
                person = application.subject_person
                if person is None:
                    raise InvalidInput("该人员未登记在本项目", code="INSURANCE_NOT_OPEN")
                rows = projects.project_workers_remove(
                    actor=actor,
                    project=project,
                    persons=[person],
                    last_month=self._leave_month(application),
                    application=application,
                )
            else:
                rows = projects.construction_project_complete(
                    actor=actor,
                    project=project,
                    completed_on=self._completed_on(application),
                    application=application,
                )
        except services.LinesRefused as refused:
            raise InvalidInput(refused.problems[0].reason, code=refused.code) from None
        return {"project": project.pk, "relations": [r.pk for r in rows]}


# ------------------------------------------------------------------ queries


@register("insurance_query")
class InsuranceQueryHandler(MatterHandler):
    """个人参保信息查询: the person's 参保信息 page, at once; nothing is filed."""

    page = "insurance:mine"
    files_application = False


@register("unit_insurance_query")
class UnitInsuranceQueryHandler(MatterHandler):
    """单位参保信息查询: the unit's 参保人员名册, at once; nothing is filed."""

    page = "insurance:roster"
    files_application = False
