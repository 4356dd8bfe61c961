"""The effects of the basic-information matters: 人员基础信息采集 and its changes.

Each approved case records a new version of the person's basic information
(:class:`~shebao.registry.models.PersonInfo`, never overwritten) with who, when, why and the
case; which field may change through which matter, and how, is the one table of
:mod:`shebao.registry.info_fields`:

- 人员基础信息采集 (``unit.person_info_collect``): the unit records a new employee's first
  values, for a person it insures or is enrolling (a person new to the registry is registered
  on approval, as an enrolment does);
- 参保人员信息变更（容缺受理） (``unit.staff_info_change``): contact details apply at once (即办);
  a change a document must prove waits for the reviewer, the document may follow (容缺);
- 参保人员关键信息变更 (``unit.staff_key_info_change``): name, ID number, ethnicity, hukou type,
  payer category, worker/cadre — reviewed, every document in hand;
- 机关事业养老保险个人信息变更 (``unit.institution_person_info_change``): birth date per the
  personnel file, work start, reform-time post, grade and wage, deemed contribution period;
- 灵活就业人员部分信息变更 / 城乡居民养老保险个人信息变更: the person's own contact details (即办).

A unit changes only the persons it insures now (:func:`selectors.unit_insures`). Everything is
checked at submission and again on approval, inside the approval's transaction: a refused
change writes nothing. An ID number change keeps the same person row (relations, accounts and
cases still point to it), records the old number in the history (staff still find the person
by it) and, in the same transaction, makes the new number the login name of the person's
account (:func:`shebao.accounts.services.individual_account_follow`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shebao.applications.handlers import MatterHandler, register
from shebao.common.errors import DomainError, InvalidInput
from shebao.insurance import selectors
from shebao.insurance.handlers import _check_name, _institution_only, _own_person
from shebao.insurance.models import Category, Relation, Scheme
from shebao.registry import info_fields
from shebao.registry import selectors as registry_selectors
from shebao.registry import services as registry
from shebao.registry.models import Person, PersonInfo

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor
    from shebao.applications.models import Application

REVIEW_TEMPLATE = "insurance/_info_review.html"
NOT_INSURED = "该人员未在本单位参保，不能为其采集或变更基础信息"


class InfoHandler(MatterHandler):
    """A matter that records the person's basic information (one person, one case)."""

    matter_code: str = ""
    kind: str = PersonInfo.Kind.CHANGE
    # The new version is the whole result: approval completes the case (办结).
    auto_complete = True

    # --- what the case is about -------------------------------------------------------------

    def fields(self) -> tuple[str, ...]:
        return info_fields.MATTER_FIELDS[self.matter_code]

    def values(self, application: Application) -> dict[str, Any]:
        return info_fields.values_from_form(application.data, self.fields())

    def person(self, application: Application) -> Person | None:
        """The person whose information changes (None: new to the registry)."""
        return application.subject_person

    def check_scope(self, application: Application, person: Person | None) -> Person:
        """Refuse an applicant who may not change this person's information."""
        raise NotImplementedError

    def reason(self, application: Application) -> str:
        data = application.data
        text = str(data.get("reason") or data.get("remark") or "").strip()
        return text or application.matter.name

    # --- checks, at submission and again on approval ------------------------------------------

    def _prepare(self, application: Application) -> tuple[Person, dict[str, Any]]:
        person = self.check_scope(application, self.person(application))
        values = self.values(application)
        if not values:
            raise InvalidInput("请至少填写一项需要变更的信息", code="INFO_NOTHING_TO_CHANGE")
        registry.person_info_check(person=person, values=values)
        if self.kind == PersonInfo.Kind.CHANGE and not registry.person_info_changes(
            person=person, values=values
        ):
            raise InvalidInput("填写的信息与现登记信息相同，无需变更", code="INFO_UNCHANGED")
        self._check_account(person, values)
        return person, values

    def _check_account(self, person: Person, values: dict[str, Any]) -> None:
        from shebao.accounts.services import individual_login_taken

        number = values.get("id_number")
        if (
            number
            and number != person.id_number
            and individual_login_taken(id_number=number, person=person)
        ):
            raise InvalidInput(
                "新的公民身份号码已是另一个网上大厅账号的登录名，请到经办机构核实后办理",
                code="ID_NUMBER_LOGIN_TAKEN",
                field="new_id_number",
            )

    def check_submit(self, application: Application) -> None:
        self._prepare(application)

    # --- the effect ---------------------------------------------------------------------------

    def on_approved(self, application: Application, actor: Actor | None) -> dict[str, Any]:
        person, values = self._prepare(application)
        return self._apply(application, actor, person, values)

    def _apply(
        self,
        application: Application,
        actor: Actor | None,
        person: Person,
        values: dict[str, Any],
    ) -> dict[str, Any]:
        old_number = person.id_number
        record = registry.person_info_record(
            actor=actor,
            person=person,
            values=values,
            kind=self.kind,
            application=application,
            reason=self.reason(application),
        )
        effect: dict[str, Any] = {"info_version": record.version}
        if person.id_number != old_number or "name" in values:
            effect["account"] = _account_follow(person, old_number)
        return effect

    # --- the reviewer's view ------------------------------------------------------------------

    def reviewer_context(self, application: Application) -> dict[str, Any]:
        person = self.person(application)
        recorded = (
            PersonInfo.objects.filter(application=application).order_by("-version").first()
            if application.pk
            else None
        )
        notes: list[str] = []
        if recorded is not None:
            before = PersonInfo.objects.filter(
                person=recorded.person, version=recorded.version - 1
            ).first()
            changes = registry_selectors.info_changes(before=before, after=recorded)
        else:
            before = registry_selectors.person_info_current(person=person) if person else None
            after = _proposed(application, before, self.values(application))
            changes = registry_selectors.info_changes(before=before, after=after)
            try:
                self._prepare(application)
            except DomainError as refused:
                notes.append(f"按当前登记信息核对，不能审核通过：{refused.message}")
        renumbered = any(c.name == "id_number" for c in changes)
        if person is not None and recorded is None and renumbered and person_has_account(person):
            notes.append("审核通过后，该人员网上办事大厅的登录名同步改为新号码，密码不变。")
        if any(c.name == "birth_date" for c in changes) and person is not None:
            notes.append(
                "出生日期以人事档案最先记载的为准；与公民身份号码中的出生日期不一致的，"
                "请在人事档案中核实。"
            )
        return {
            "template": REVIEW_TEMPLATE,
            "done": recorded is not None,
            "person": person.name if person else str(application.data.get("subject_name", "")),
            "changes": [
                {
                    "label": c.label,
                    "old": c.old,
                    "new": c.new,
                    "klass": info_fields.BY_NAME[c.name].class_label
                    if c.name in info_fields.BY_NAME
                    else "",
                    "proof": info_fields.BY_NAME[c.name].proof
                    if c.name in info_fields.BY_NAME
                    else "",
                }
                for c in changes
            ],
            "notes": notes,
            "versions": PersonInfo.objects.filter(person=person).count() if person else 0,
        }


def _proposed(
    application: Application, before: PersonInfo | None, values: dict[str, Any]
) -> PersonInfo:
    """The version the case would record (not saved)."""
    if before is None:  # a person new to the registry: the identity comes from the form
        from shebao.common.identifiers import id_number_facts

        number = application.subject_id_number
        facts = id_number_facts(number) if number else None
        before_values = {
            "id_number": number,
            "name": str(application.data.get("subject_name", "")),
            "sex": facts.sex if facts else "",
            "birth_date": facts.birth_date if facts else None,
        }
        proposed = PersonInfo(**before_values)
    else:
        proposed = PersonInfo(
            **{
                f.attname: getattr(before, f.attname)
                for f in PersonInfo._meta.concrete_fields
                if f.attname != "id"
            }
        )
    for name, value in values.items():
        setattr(proposed, name, value)
    return proposed


def person_has_account(person: Person) -> bool:
    from shebao.accounts.models import User

    return User.objects.filter(person=person, kind=User.Kind.INDIVIDUAL).exists()


def _account_follow(person: Person, old_number: str) -> str:
    """The person's account follows the new name and number; they hear of a new login name."""
    from shebao.accounts.services import individual_account_follow
    from shebao.notifications.services import notify

    user = individual_account_follow(person=person)
    if user is None:
        return "none"
    if person.id_number != old_number:
        notify(
            recipient=user,
            context="individual",
            title="网上办事大厅登录名已变更",
            body=(
                "您的公民身份号码已按公安机关证明变更，网上办事大厅的登录名同步改为新号码"
                f"（尾号{person.id_number[-4:]}），密码不变，原号码不能再用于登录。"
            ),
            category="account",
            sms=True,
        )
    return "updated"


# ------------------------------------------------------------------ units


class UnitInfoHandler(InfoHandler):
    """A unit's change of an employee's information: only for a person it insures now."""

    scheme: str | None = None

    def check_scope(self, application: Application, person: Person | None) -> Person:
        _check_name(application)
        unit = application.unit
        if (
            person is None
            or unit is None
            or not selectors.unit_insures(unit=unit, person=person, scheme=self.scheme)
        ):
            raise InvalidInput(NOT_INSURED, code="PERSON_NOT_INSURED_BY_UNIT")
        return person


@register("person_info_collect")
class PersonInfoCollectHandler(UnitInfoHandler):
    """人员基础信息采集: the first values of an employee's basic information. The unit insures
    the person or is enrolling them; a person new to the registry is registered on approval."""

    matter_code = "unit.person_info_collect"
    kind = PersonInfo.Kind.COLLECT

    def person(self, application: Application) -> Person | None:
        # Registered since the case was filed (by an enrolment, say): the person as they are.
        if application.subject_person_id is None and application.subject_id_number:
            return Person.objects.filter(id_number=application.subject_id_number).first()
        return application.subject_person

    def check_scope(self, application: Application, person: Person | None) -> Person:
        _check_name(application)
        unit = application.unit
        assert unit is not None
        number = application.subject_id_number
        if person is None:
            return _unregistered(application)
        if not (
            selectors.unit_insures(unit=unit, person=person)
            or selectors.unit_enrolling(unit=unit, id_number=number)
        ):
            raise InvalidInput(NOT_INSURED, code="PERSON_NOT_INSURED_BY_UNIT")
        if registry_selectors.person_info_collected(person=person):
            raise InvalidInput(
                "该人员的基础信息已经采集，如需修改请办理“参保人员信息变更”或“参保人员关键信息变更”",
                code="INFO_ALREADY_COLLECTED",
            )
        return person

    def on_approved(self, application: Application, actor: Actor | None) -> dict[str, Any]:
        person, values = self._prepare(application)
        if person.pk is None:  # checked on the number's facts; now registered
            unit = application.unit
            assert unit is not None
            person = registry.person_register(
                id_number=person.id_number, name=person.name, district=unit.district
            )
        if application.subject_person_id is None:
            application.subject_person = person
            application.save(update_fields=["subject_person"])
        return self._apply(application, actor, person, values)


def _unregistered(application: Application) -> Person:
    """An unsaved person standing for one new to the registry: its facts come from the ID
    number (birth date, sex), so the collected values can be checked against them."""
    from shebao.common.identifiers import id_number_facts

    number = application.subject_id_number
    facts = id_number_facts(number)
    return Person(
        id_number=number,
        name=str(application.data.get("subject_name", "")).strip(),
        sex=facts.sex,
        birth_date=facts.birth_date,
    )


@register("staff_info_change")
class StaffInfoChangeHandler(UnitInfoHandler):
    """参保人员信息变更（容缺受理）: contact details at once; a fact a document proves (the hukou
    address, the work start date) on approval, with the document allowed to follow."""

    matter_code = "unit.staff_info_change"

    def instant(self, application: Application) -> bool:
        values = self.values(application)
        return bool(values) and all(
            info_fields.BY_NAME[name].klass == info_fields.DIRECT for name in values
        )


@register("staff_key_info_change")
class StaffKeyInfoChangeHandler(UnitInfoHandler):
    """参保人员关键信息变更: name, ID number, ethnicity, hukou type, payer category and
    worker/cadre, on approval only."""

    matter_code = "unit.staff_key_info_change"


@register("institution_person_info_change")
class InstitutionInfoChangeHandler(UnitInfoHandler):
    """机关事业养老保险个人信息变更: the personnel facts of a person the institution insures in
    the institution scheme, on approval only."""

    matter_code = "unit.institution_person_info_change"
    scheme = Scheme.INSTITUTION

    def check_scope(self, application: Application, person: Person | None) -> Person:
        _institution_only(application)
        return super().check_scope(application, person)


# ------------------------------------------------------------------ persons


class OwnInfoHandler(InfoHandler):
    """A person's change of their own contact details, in the scheme the matter serves."""

    def person(self, application: Application) -> Person | None:
        return _own_person(application)

    def covered(self, person: Person) -> bool:
        raise NotImplementedError

    def check_scope(self, application: Application, person: Person | None) -> Person:
        assert person is not None
        if not self.covered(person):
            raise InvalidInput(self.refusal, code="INSURANCE_NOT_OPEN")
        return person

    refusal = ""


@register("flexible_info_change")
class FlexibleInfoChangeHandler(OwnInfoHandler):
    """灵活就业人员部分信息变更: the person's own contact details, at once."""

    matter_code = "person.flexible_info_change"
    refusal = "本事项供以灵活就业人员身份参保的人员办理；在职职工请由参保单位办理信息变更"

    def covered(self, person: Person) -> bool:
        return Relation.objects.current().filter(person=person, category=Category.FLEXIBLE).exists()


@register("resident_info_change")
class ResidentInfoChangeHandler(OwnInfoHandler):
    """城乡居民养老保险个人信息变更: the person's own contact details, at once."""

    matter_code = "person.resident_info_change"
    refusal = "本事项供已参加城乡居民基本养老保险的人员办理"

    def covered(self, person: Person) -> bool:
        return Relation.objects.current().filter(person=person, scheme=Scheme.RESIDENT).exists()
