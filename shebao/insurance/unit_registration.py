"""单位参保登记: a unit new to the agency registers (seed 000: units registered with market
supervision under 五证合一 enrol with the agency and then open their online account).

The unit has no account yet, so the application is filed by a natural person signed in with
their own real-name account, and the rule is that this person is the unit's legal
representative: the legal representative on the form (the licence's) must be the applicant —
the same ID number and name as the applicant's account — so that nobody records a unit in
another person's name. Staff check the uploaded licence against the form. A handler the unit
authorises instead registers it at the counter, with the power of attorney (窗口注册).

Checked when the form is saved and again at submission: the credit code (its check character,
by the form's type) is not registered yet, the applicant is the legal representative, the
district is one of the hall's (by the form's type) and the work-injury class is one the
region's policy defines (人社部发〔2015〕71号). One open case per credit code, whoever applies
(``open_case_field``). The case goes to the agency of the unit's district.

Approval, in its transaction: the unit is recorded (active, registered on the approval day)
with its work-injury class and status as dated facts from the month of registration; a credit
code registered meanwhile refuses the approval and nothing is written. The legal
representative then opens the unit's online account with 单位网上注册, which verifies them
against the unit just recorded.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.urls import reverse
from django.utils import timezone

from shebao.applications.handlers import MatterHandler, register
from shebao.common.errors import InvalidInput
from shebao.common.periods import YearMonth
from shebao.insurance import services
from shebao.registry.models import Person, Unit

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor
    from shebao.applications.models import Application

# 《社会保险法》第五十七条: a unit applies within thirty days of its establishment.
REGISTRATION_DAYS = 30

NOT_THE_LEGAL_REP = (
    "单位参保登记须由法定代表人（负责人）本人以个人实名账号办理：所填法定代表人与您的账号"
    "（{name}，{id_number}）不一致。由单位授权的经办人办理的，请携带营业执照、授权委托书到经办窗口办理。"
)


def _applicant(application: Application) -> Person:
    person = application.person
    if person is None:
        raise InvalidInput("单位参保登记须由法定代表人以个人身份登录后申请", code="PERSON_REQUIRED")
    return person


def _check_legal_rep(application: Application, data: dict[str, Any]) -> None:
    """The legal representative of the form is the applicant (the ID number, and the name as
    the registry spells it)."""
    from shebao.accounts.verification import name_key
    from shebao.common.identifiers import mask_id_number

    number = data.get("legal_rep_id_number")
    name = data.get("legal_rep_name")
    if not number and not name:
        return
    person = _applicant(application)
    if (number and number != person.id_number) or (
        name and name_key(name) != name_key(person.name)
    ):
        raise InvalidInput(
            NOT_THE_LEGAL_REP.format(name=person.name, id_number=mask_id_number(person.id_number)),
            code="APPLICANT_NOT_LEGAL_REP",
            field="legal_rep_id_number"
            if number and number != person.id_number
            else "legal_rep_name",
        )


def _check_credit_code_free(credit_code: str | None) -> None:
    from shebao.registry.services import unit_already_registered

    if credit_code and Unit.objects.filter(credit_code=credit_code).exists():
        raise unit_already_registered(credit_code)


def _class_rates(district: str, on: date) -> dict[int, Any]:
    """The work-injury base rate of each industry class in force in the district."""
    from shebao.policy.selectors import param

    return param(region=district, key="rate.work_injury.class_rates", on=on).value


def _check_injury_class(data: dict[str, Any], on: date) -> None:
    value, district = data.get("injury_class"), data.get("district")
    if value is None or not district:
        return
    if int(value) not in _class_rates(district, on):
        raise InvalidInput(
            "工伤保险行业风险类别应为一类至八类之一",
            code="INVALID_INJURY_CLASS",
            field="injury_class",
        )


def _registration_effect(application: Application) -> dict[str, Any] | None:
    event = application.events.filter(action="approve").order_by("-at", "-id").first()
    return (event.data or {}).get("effect") if event is not None else None


@register("unit_register")
class UnitRegisterHandler(MatterHandler):
    """单位参保登记: the unit, its work-injury class and its status from the registration month."""

    auto_complete = True  # the unit's record is the whole result
    open_case_field = "credit_code"

    def validate(self, application: Application, data: dict[str, Any]) -> dict[str, Any]:
        # On every save of the form and on submission (with the form complete): the applicant
        # hears at once that a credit code is taken or that they are not the legal rep.
        _check_legal_rep(application, data)
        _check_credit_code_free(data.get("credit_code"))
        _check_injury_class(data, timezone.localdate())
        return data

    def route_district(self, application: Application) -> str | None:
        return application.data.get("district") or None

    def on_approved(self, application: Application, actor: Actor | None) -> dict[str, Any]:
        from shebao.registry.models import Region
        from shebao.registry.services import unit_register

        data = application.data
        today = timezone.localdate()
        _check_legal_rep(application, data)
        _check_injury_class(data, today)
        rep = _applicant(application)
        unit = unit_register(
            credit_code=data["credit_code"],
            name=data["unit_name"],
            kind=data["unit_kind"],
            district=Region.objects.get(code=data["district"]),
            legal_rep_name=rep.name,
            legal_rep_id_number=rep.id_number,
            registered_on=today,
            competent_department=data.get("competent_department", ""),
            address=data.get("address", ""),
            phone=data.get("phone", ""),
        )
        month = YearMonth.of(today)
        why = f"单位参保登记（申请 {application.number}）"
        services.unit_status_set(
            actor=actor, unit=unit, status=Unit.Status.ACTIVE, month=month, reason=why
        )
        services.unit_injury_class_set(
            actor=actor, unit=unit, injury_class=int(data["injury_class"]), month=month, reason=why
        )
        return {
            "unit": unit.pk,
            "credit_code": unit.credit_code,
            "from_month": str(month),
            "injury_class": int(data["injury_class"]),
        }

    def reviewer_context(self, application: Application) -> dict[str, Any]:
        """What staff check beside the form: whether the credit code is still free, whether the
        applicant is the legal representative (and verified), the class's base rate, and how
        long after its establishment the unit applies."""
        from shebao.policy.display import CLASS_LABELS, percent

        data = application.data
        person = application.person
        today = timezone.localdate()
        credit_code = data.get("credit_code", "")
        registered = Unit.objects.filter(credit_code=credit_code).first() if credit_code else None
        effect = _registration_effect(application)
        created_here = registered is not None and effect and effect.get("unit") == registered.pk
        rate = None
        if data.get("injury_class") and data.get("district"):
            rates = _class_rates(data["district"], today)
            found = rates.get(int(data["injury_class"]))
            rate = percent(found) if found is not None else None
        established = data.get("established_on")
        days = (today - date.fromisoformat(established)).days if established else None
        return {
            "template": "insurance/_unit_registration_review.html",
            "credit_code": credit_code,
            "already_registered": bool(registered) and not created_here,
            "created_here": bool(created_here),
            "rep_is_applicant": person is not None
            and data.get("legal_rep_id_number") == person.id_number,
            "applicant_verified": person is not None
            and person.verification == Person.Verification.VERIFIED,
            "injury_class_label": CLASS_LABELS.get(int(data["injury_class"]), "")
            if data.get("injury_class")
            else "",
            "injury_base_rate": rate,
            "days_since_established": days,
            "late": days is not None and days > REGISTRATION_DAYS,
            "registration_days": REGISTRATION_DAYS,
        }

    def result_context(self, application: Application) -> dict[str, Any] | None:
        """After approval: the unit as recorded, and how its legal representative opens the
        unit's online account (单位网上注册)."""
        from shebao.accounts.models import UnitMembership
        from shebao.policy.display import CLASS_LABELS

        effect = _registration_effect(application)
        if not effect or "unit" not in effect:
            return None
        unit = Unit.objects.select_related("district").filter(pk=effect["unit"]).first()
        if unit is None:
            return None
        opened = unit.memberships.filter(
            role=UnitMembership.Role.LEGAL_REP, revoked_at__isnull=True
        ).exists()
        return {
            "template": "insurance/_unit_registration_result.html",
            "unit_name": unit.name,
            "credit_code": unit.credit_code,
            "district": unit.district.name,
            "registered_on": unit.registered_on.isoformat() if unit.registered_on else "",
            "from_month": effect.get("from_month", ""),
            "injury_class": effect.get("injury_class"),
            "injury_class_label": CLASS_LABELS.get(effect.get("injury_class"), ""),
            "account_opened": opened,
            "register_url": reverse("accounts:register_unit"),
            "login_url": reverse("accounts:login") + "?as=unit",
        }
