"""Registration: individuals online, units online (legal representative verified through the
identity-verification adapter) and units at the counter by agency staff (seed 002, 6–11).

Every account is a real person's: an individual account is tied to the registry's person with
the same ID number. A person not yet in the registry is recorded with verification *pending*
(sex and birth date read from the ID number) until the agency checks them.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from shebao.accounts import actors
from shebao.accounts.actors import Actor
from shebao.accounts.capabilities import Capability, staff_may
from shebao.accounts.models import AccountEvent, SignInEvent, UnitMembership, User, VerificationCode
from shebao.accounts.services.audit import account_event_record, submission_claim
from shebao.accounts.services.codes import (
    CodeRejected,
    code_spent_on_refusal,
    code_take,
    code_use,
)
from shebao.accounts.services.passwords import password_validate
from shebao.accounts.services.signin import password_failure_record
from shebao.accounts.verification import identity_verifier, method_label, name_key
from shebao.common import limits
from shebao.common.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    Unauthenticated,
)
from shebao.common.identifiers import (
    id_number_facts,
    normalize_credit_code,
    normalize_id_number,
    normalize_mobile,
)
from shebao.common.periods import YearMonth
from shebao.registry.models import Person, Region, Unit

Role = UnitMembership.Role

LEGAL_REP_ADVICE = (
    "法定代表人信息与登记信息不符，请携带营业执照、身份证原件到窗口办理线下注册"
    "（法定代表人不能到场的，可由授权管理员携带单位授权委托书办理）。"
)


def name_clean(name: str, *, field: str = "name", label: str = "姓名") -> str:
    text = re.sub(r"\s+", "", name or "")
    if not text:
        raise InvalidInput(f"请填写{label}", code="NAME_REQUIRED", field=field)
    if len(text) > 100:
        raise InvalidInput(f"{label}过长", code="NAME_TOO_LONG", field=field)
    return text


def _unit_name_key(name: str) -> str:
    return re.sub(r"\s+", "", name or "").replace("（", "(").replace("）", ")")


def _district(code: str | None, *, field: str = "district") -> Region:
    region = Region.objects.filter(code=code or "", level=Region.Level.DISTRICT).first()
    if region is None:
        raise InvalidInput("请选择参保所在区县", code="DISTRICT_REQUIRED", field=field)
    return region


def person_for_account(
    *,
    id_number: str,
    name: str,
    mobile: str,
    district: Region | None,
    field: str = "name",
) -> Person:
    """The registry's person for ``id_number`` (locked), whose name must be ``name``; or a new
    person pending verification in ``district``. Call inside a transaction."""
    person = Person.objects.select_for_update().filter(id_number=id_number).first()
    if person is not None:
        if name_key(person.name) != name_key(name):
            raise InvalidInput("姓名与公民身份号码不一致", code="NAME_MISMATCH", field=field)
        return person
    if district is None:
        raise InvalidInput(
            "您尚未在本地参保登记，请选择参保所在区县", code="DISTRICT_REQUIRED", field="district"
        )
    facts = id_number_facts(id_number)
    try:
        with transaction.atomic():
            return Person.objects.create(
                id_number=id_number,
                name=name,
                sex=facts.sex,
                birth_date=facts.birth_date,
                mobile=mobile,
                district=district,
                verification=Person.Verification.PENDING,
            )
    except IntegrityError:
        # Someone registered the same ID number at this very moment.
        raise Conflict(
            "该公民身份号码正在注册，请稍后直接登录", code="ACCOUNT_EXISTS", field="id_number"
        ) from None


def _account_exists(id_number: str) -> Conflict:
    return Conflict(
        "该公民身份号码已注册账号，请直接登录；忘记密码可通过“找回密码”重设。",
        code="ACCOUNT_EXISTS",
        field="id_number",
    )


def _user_create(
    *, person: Person, mobile: str, password: str | None, must_change: bool = False
) -> User:
    """A new individual account for ``person`` (``password=None``: none usable yet)."""
    if User.objects.filter(username=person.id_number).exists():
        raise _account_exists(person.id_number)
    user = User(
        username=person.id_number,
        kind=User.Kind.INDIVIDUAL,
        name=person.name,
        person=person,
        mobile=mobile,
        password_must_change=must_change,
        password_changed_at=timezone.now() if password and not must_change else None,
    )
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise _account_exists(person.id_number) from None
    return user


def account_register(
    *,
    name: str,
    id_number: str,
    mobile: str,
    code: str,
    password: str,
    district_code: str | None = None,
    submission_key: str = "",
    ip: str | None = None,
) -> User:
    """Register an individual's real-name account (个人实名注册).

    The ID number in the registry with the same name: the account is tied to that person. A
    different name: ``NAME_MISMATCH``. The person already has an account: ``ACCOUNT_EXISTS``.
    Not in the registry: a person is recorded pending verification in ``district_code``
    (``DISTRICT_REQUIRED`` without it). The SMS code proves the mobile number; a refusal after
    the code was accepted uses up one of its attempts. Submissions from one client address
    ``ip`` are limited (``code_checks``: ``RATE_LIMITED``).
    """
    limits.limit_take("code_checks", ip)
    name = name_clean(name)
    id_number = normalize_id_number(id_number)
    mobile = normalize_mobile(mobile)
    password_validate(password)
    district = (
        Region.objects.filter(code=district_code, level=Region.Level.DISTRICT).first()
        if district_code
        else None
    )
    if district_code and district is None:
        raise InvalidInput("所选区县不存在", code="DISTRICT_INVALID", field="district")
    try:
        with transaction.atomic():
            submission_claim(key=submission_key)
            row = code_take(mobile=mobile, purposes=(VerificationCode.Purpose.REGISTER,), code=code)
            with code_spent_on_refusal(row):
                if User.objects.filter(username=id_number).exists():
                    raise _account_exists(id_number)
                person = person_for_account(
                    id_number=id_number, name=name, mobile=mobile, district=district
                )
                if User.objects.filter(person=person).exists():
                    raise _account_exists(id_number)
                user = _user_create(person=person, mobile=mobile, password=password)
            code_use(row)
            account_event_record(
                action=AccountEvent.Action.REGISTERED,
                actor=user,
                subject=user,
                detail={"person_verification": person.verification},
                ip=ip,
            )
            return user
    except CodeRejected as rejected:
        raise rejected.record() from None


def unit_register_online(
    *,
    credit_code: str,
    unit_name: str,
    rep_name: str,
    rep_id_number: str,
    mobile: str,
    code: str,
    password: str,
    submission_key: str = "",
    ip: str | None = None,
) -> UnitMembership:
    """Open a unit's online account by its legal representative (单位网上注册).

    The unit must be registered with the agency; the legal representative is verified through
    ``settings.SHEBAO_IDENTITY_VERIFIER``. A legal representative who already has a personal
    account links it by giving that account's password (counted like a sign-in). Returns the
    active legal-representative membership. A refusal after the code was accepted uses up one
    of its attempts; submissions from one client address are limited (``code_checks``).
    """
    limits.limit_take("code_checks", ip)
    credit_code = normalize_credit_code(credit_code)
    unit_name = name_clean(unit_name, field="unit_name", label="单位名称")
    rep_name = name_clean(rep_name, field="rep_name", label="法定代表人姓名")
    rep_id_number = normalize_id_number(rep_id_number, field="rep_id_number")
    mobile = normalize_mobile(mobile)
    try:
        with transaction.atomic():
            submission_claim(key=submission_key)
            row = code_take(
                mobile=mobile, purposes=(VerificationCode.Purpose.UNIT_REGISTER,), code=code
            )
            with code_spent_on_refusal(row):
                unit = Unit.objects.select_for_update().filter(credit_code=credit_code).first()
                if unit is None:
                    raise InvalidInput(
                        "未查询到该单位的社会保险登记信息。请核对统一社会信用代码；尚未参保登记的单位，"
                        "请法定代表人以个人身份登录，在网上办理“单位参保登记”，审核通过后再进行单位网上注册。",
                        code="UNIT_NOT_REGISTERED",
                        field="credit_code",
                    )
                if _unit_name_key(unit.name) != _unit_name_key(unit_name):
                    raise InvalidInput(
                        "单位名称与登记信息不一致，请按营业执照（统一社会信用代码证）上的名称填写",
                        code="UNIT_NAME_MISMATCH",
                        field="unit_name",
                    )
                if unit.status == Unit.Status.CANCELLED:
                    raise Conflict("该单位已注销社会保险登记，不能注册", code="UNIT_CANCELLED")
                if unit.memberships.filter(role=Role.LEGAL_REP, revoked_at__isnull=True).exists():
                    raise Conflict(
                        "该单位已开通网上办事账号。法定代表人请使用“单位登录”；忘记密码请使用“找回密码”。",
                        code="UNIT_ALREADY_REGISTERED",
                        field="credit_code",
                    )
                result = identity_verifier().verify(
                    name=rep_name, id_number=rep_id_number, unit=unit
                )
                if not result.ok:
                    raise InvalidInput(LEGAL_REP_ADVICE, code="LEGAL_REP_MISMATCH")
                user = (
                    User.objects.select_for_update()
                    .filter(username=rep_id_number, kind=User.Kind.INDIVIDUAL)
                    .first()
                )
                linked = user is not None
                if user is not None:
                    if name_key(user.name) != name_key(rep_name):
                        raise InvalidInput(
                            "姓名与公民身份号码不一致", code="NAME_MISMATCH", field="rep_name"
                        )
                    # The password is checked even for a locked account: the same time either way.
                    if not user.check_password(password or "") or user.is_locked():
                        raise _WrongPassword(user)
                else:
                    password_validate(password)
                    person = person_for_account(
                        id_number=rep_id_number,
                        name=rep_name,
                        mobile=mobile,
                        district=unit.district,
                        field="rep_name",
                    )
                    user = _user_create(person=person, mobile=mobile, password=password)
            membership = UnitMembership.objects.create(
                user=user,
                unit=unit,
                role=Role.LEGAL_REP,
                note=f"网上注册（身份核验：{method_label(result.method)}）",
            )
            code_use(row)
            account_event_record(
                action=AccountEvent.Action.UNIT_REGISTERED,
                actor=user,
                subject=user,
                unit=unit,
                detail={"verification": result.method, "linked_existing_account": linked},
                ip=ip,
            )
            return membership
    except CodeRejected as rejected:
        raise rejected.record() from None
    except _WrongPassword as wrong:
        # Counted like a failed sign-in, after the registration has rolled back.
        try:
            password_failure_record(
                user=wrong.user, kind=actors.UNIT, channel=SignInEvent.Channel.PAGE, ip=ip
            )
        except Unauthenticated as failed:
            left = failed.details.get("remaining_attempts")
            raise InvalidInput(
                f"您已有个人账号，请填写该账号的登录密码（忘记可先找回密码）。密码不正确，还可尝试 {left} 次",
                code="EXISTING_ACCOUNT_PASSWORD_WRONG",
                field="password",
                details=failed.details,
            ) from None
        raise AssertionError("password_failure_record always raises") from None


class _WrongPassword(Exception):
    def __init__(self, user: User) -> None:
        super().__init__(user.username)
        self.user = user


@dataclass(frozen=True)
class UnitDraft:
    """A unit not yet in the registry, as recorded at the counter from its licence."""

    name: str
    kind: str
    district_code: str
    competent_department: str
    legal_rep_name: str
    legal_rep_id_number: str
    address: str = ""
    phone: str = ""


@dataclass(frozen=True)
class CounterRegistration:
    membership: UnitMembership
    unit_created: bool
    account_created: bool


# Temporary passwords avoid characters that are confused when read from a phone screen.
_TEMP_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789"


def temporary_password() -> str:
    return "".join(secrets.choice(_TEMP_ALPHABET) for _ in range(10))


def unit_register_at_counter(
    *,
    actor: Actor,
    credit_code: str,
    holder_role: str,
    holder_name: str,
    holder_id_number: str,
    holder_mobile: str,
    attorney_note: str = "",
    unit: UnitDraft | None = None,
    submission_key: str = "",
    ip: str | None = None,
) -> CounterRegistration:
    """Agency staff open a unit's online account at the counter (线下注册, seed 002 answer 10).

    The unit is found by credit code (it must be in one of the staff member's districts) or,
    if the registry does not know it, recorded from ``unit``. The account goes to the legal
    representative in person, or to an administrator authorised by the unit's power of
    attorney (``attorney_note`` records it). A new account gets a temporary password by SMS
    that must be changed at the first sign-in.
    """
    from shebao.notifications.models import OutboundMessage
    from shebao.notifications.services import sms_queue

    actor.require(actors.STAFF)
    credit_code = normalize_credit_code(credit_code)
    holder_name = name_clean(holder_name, field="holder_name")
    holder_id_number = normalize_id_number(holder_id_number, field="holder_id_number")
    holder_mobile = normalize_mobile(holder_mobile, field="holder_mobile")
    attorney_note = (attorney_note or "").strip()
    if holder_role not in (Role.LEGAL_REP, Role.ADMIN):
        raise InvalidInput(
            "账号只能开通给法定代表人或授权管理员", code="ROLE_NOT_ALLOWED", field="holder_role"
        )
    if holder_role == Role.ADMIN and not attorney_note:
        raise InvalidInput(
            "授权管理员办理须提交加盖单位公章的授权委托书，请登记委托书信息",
            code="ATTORNEY_REQUIRED",
            field="attorney_note",
        )
    with transaction.atomic():
        submission_claim(key=submission_key)
        record = Unit.objects.select_for_update().filter(credit_code=credit_code).first()
        unit_created = record is None
        if record is None:
            if unit is None:
                raise NotFound(
                    "登记信息中没有该单位，请先录入单位信息",
                    code="UNIT_NOT_REGISTERED",
                    field="credit_code",
                )
            record = _unit_record(actor=actor, credit_code=credit_code, draft=unit, ip=ip)
        elif not staff_may(actor, Capability.COUNTER, region=record.district_id):
            raise PermissionDenied(
                "该单位的参保地不在您负责的区县，请由参保地经办机构办理", code="OUTSIDE_DISTRICTS"
            )
        if record.status == Unit.Status.CANCELLED:
            raise Conflict("该单位已注销社会保险登记，不能开通账号", code="UNIT_CANCELLED")
        if holder_role == Role.LEGAL_REP:
            if record.legal_rep_id_number.upper() != holder_id_number or name_key(
                record.legal_rep_name
            ) != name_key(holder_name):
                raise InvalidInput(
                    "办理人与单位登记的法定代表人不一致。非法定代表人本人办理的，请选择“授权管理员”并登记授权委托书。",
                    code="LEGAL_REP_MISMATCH",
                    field="holder_id_number",
                )
            if record.memberships.filter(role=Role.LEGAL_REP, revoked_at__isnull=True).exists():
                raise Conflict(
                    "该单位已开通法定代表人账号；如需增加管理员，请选择“授权管理员”。",
                    code="UNIT_ALREADY_REGISTERED",
                )
        user = (
            User.objects.select_for_update()
            .filter(username=holder_id_number, kind=User.Kind.INDIVIDUAL)
            .first()
        )
        account_created = user is None
        password = ""
        if user is None:
            person = person_for_account(
                id_number=holder_id_number,
                name=holder_name,
                mobile=holder_mobile,
                district=record.district,
                field="holder_name",
            )
            password = temporary_password()
            user = _user_create(
                person=person, mobile=holder_mobile, password=password, must_change=True
            )
        else:
            if name_key(user.name) != name_key(holder_name):
                raise InvalidInput(
                    "姓名与公民身份号码不一致", code="NAME_MISMATCH", field="holder_name"
                )
            if user.memberships.filter(unit=record, revoked_at__isnull=True).exists():
                raise Conflict("该人员已是本单位的网上办事用户", code="ALREADY_MEMBER")
        note = (
            f"窗口注册（授权委托书：{attorney_note}）"
            if holder_role == Role.ADMIN
            else "窗口注册（法定代表人本人）" + (f"；{attorney_note}" if attorney_note else "")
        )
        membership = UnitMembership.objects.create(
            user=user, unit=record, role=holder_role, appointed_by=actor.user, note=note[:200]
        )
        role_label = Role(holder_role).label
        if account_created:
            body = (
                f"{record.name}的网上办事账号已开通，您为{role_label}。请选择“单位登录”，"
                f"使用统一社会信用代码、您的身份证号和临时密码 {password} 登录，首次登录须修改密码。"
            )
        else:
            body = (
                f"{record.name}的网上办事账号已开通，您为{role_label}。请选择“单位登录”，"
                "使用统一社会信用代码、您的身份证号和您个人账号的密码登录。"
            )
        sms_queue(
            to=holder_mobile if account_created else (user.mobile or holder_mobile),
            body="【社保经办】" + body,
            purpose=OutboundMessage.Purpose.NOTICE,
            user=user,
        )
        account_event_record(
            action=AccountEvent.Action.COUNTER_REGISTERED,
            actor=actor.user,
            subject=user,
            unit=record,
            detail={
                "role": holder_role,
                "attorney_note": attorney_note,
                "account_created": account_created,
                "unit_created": unit_created,
            },
            ip=ip,
        )
        return CounterRegistration(
            membership=membership, unit_created=unit_created, account_created=account_created
        )


def _unit_record(*, actor: Actor, credit_code: str, draft: UnitDraft, ip: str | None) -> Unit:
    """Record a unit the registry does not know yet, in one of the staff member's districts."""
    name = name_clean(draft.name, field="unit_name", label="单位名称")
    if len(name) > 200:
        raise InvalidInput("单位名称过长", code="NAME_TOO_LONG", field="unit_name")
    if draft.kind not in Unit.Kind.values:
        raise InvalidInput("请选择单位类型", code="UNIT_KIND_INVALID", field="unit_kind")
    district = _district(draft.district_code, field="unit_district")
    if not staff_may(actor, Capability.COUNTER, region=district.code):
        raise PermissionDenied(
            "只能登记您负责区县内的单位", code="OUTSIDE_DISTRICTS", field="unit_district"
        )
    rep_name = name_clean(draft.legal_rep_name, field="legal_rep_name", label="法定代表人姓名")
    rep_id = normalize_id_number(draft.legal_rep_id_number, field="legal_rep_id_number")
    from shebao.insurance.services import unit_status_set
    from shebao.registry.services import unit_register

    today = timezone.localdate()
    unit = unit_register(
        credit_code=credit_code,
        name=name,
        kind=draft.kind,
        district=district,
        competent_department=(draft.competent_department or "").strip()[:100],
        legal_rep_name=rep_name,
        legal_rep_id_number=rep_id,
        address=(draft.address or "").strip()[:200],
        phone=(draft.phone or "").strip()[:30],
        registered_on=today,
    )
    # The same dated fact as 单位参保登记 writes: active from the month of registration.
    unit_status_set(
        actor=actor,
        unit=unit,
        status=Unit.Status.ACTIVE,
        month=YearMonth.of(today),
        reason="窗口登记单位并开通单位账号",
    )
    account_event_record(
        action=AccountEvent.Action.UNIT_RECORDED,
        actor=actor.user,
        unit=unit,
        detail={"credit_code": credit_code, "name": name, "district": district.code},
        ip=ip,
    )
    return unit
