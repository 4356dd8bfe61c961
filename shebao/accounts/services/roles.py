"""Unit users: who may act for a unit, and which matters an operator may handle.

Seed 002 answer 11 and DOMAIN.md §12: the legal representative (法人) is the highest role and
appoints administrators and operators; an administrator has every business right of the unit,
adds and removes operators, and grants each operator matters one by one. Here:

- only the legal representative appoints or revokes administrators;
- the legal representative or an administrator appoints or revokes operators and sets their
  matters;
- nobody changes their own role or grants; the legal representative is not revoked here (a
  change of legal representative is registered with the agency);
- everything is audited, in the same transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from shebao.accounts import actors
from shebao.accounts.actors import Actor
from shebao.accounts.models import AccountEvent, MatterGrant, UnitMembership, User, VerificationCode
from shebao.accounts.services.audit import account_event_record, submission_claim
from shebao.accounts.services.codes import ACTIVATION_TTL, code_send
from shebao.accounts.services.registration import name_clean, person_for_account
from shebao.accounts.verification import name_key
from shebao.catalogue.models import Matter
from shebao.common.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from shebao.common.identifiers import normalize_id_number, normalize_mobile

Role = UnitMembership.Role


def _manager_membership(actor: Actor) -> UnitMembership:
    """The actor's own membership, locked and still active, and that of a manager."""
    actor.require(actors.UNIT)
    assert actor.membership is not None
    own = (
        UnitMembership.objects.select_for_update()
        .select_related("unit")
        .filter(pk=actor.membership.pk, revoked_at__isnull=True)
        .first()
    )
    if own is None:
        raise PermissionDenied("您在该单位的授权已被取消", code="FORBIDDEN")
    if own.role not in (Role.LEGAL_REP, Role.ADMIN):
        raise PermissionDenied(
            "经办人不能管理单位用户，请联系单位法定代表人或管理员", code="UNIT_MANAGER_REQUIRED"
        )
    return own


def _target(own: UnitMembership, membership_id: int) -> UnitMembership:
    target = (
        UnitMembership.objects.select_for_update()
        .select_related("user")
        .filter(pk=membership_id, unit_id=own.unit_id, revoked_at__isnull=True)
        .first()
    )
    if target is None:
        raise NotFound("未找到该单位用户", code="UNIT_USER_NOT_FOUND")
    if target.user_id == own.user_id:
        raise PermissionDenied("不能变更您本人的角色或授权", code="CANNOT_CHANGE_SELF")
    return target


def _may_manage_role(own: UnitMembership, role: str) -> None:
    if role == Role.LEGAL_REP:
        raise PermissionDenied(
            "法定代表人不能在此设置或取消；法定代表人变更请到经办机构办理单位信息变更。",
            code="LEGAL_REP_NOT_CHANGEABLE",
        )
    if role == Role.ADMIN and own.role != Role.LEGAL_REP:
        raise PermissionDenied("只有法定代表人可以设置或取消单位管理员", code="LEGAL_REP_REQUIRED")


def unit_user_appoint(
    *,
    actor: Actor,
    role: str,
    name: str,
    id_number: str,
    mobile: str,
    submission_key: str = "",
    ip: str | None = None,
) -> UnitMembership:
    """Make a person an administrator or operator of the actor's unit (开通授权).

    All unit users are real-name users: the name must match the registry (or the person's
    account). Someone without an account gets one, tied to the registry's person (or a new
    person pending verification), with an activation code by SMS for setting a password on the
    "找回密码" page; someone with an account gets an SMS notice.
    """
    from shebao.notifications.models import OutboundMessage
    from shebao.notifications.services import notify, sms_queue

    if role == Role.LEGAL_REP:
        raise PermissionDenied(
            "法定代表人不能在此设置；法定代表人变更请到经办机构办理单位信息变更。",
            code="LEGAL_REP_NOT_CHANGEABLE",
        )
    if role not in (Role.ADMIN, Role.OPERATOR):
        raise InvalidInput("请选择角色：单位管理员或单位经办人", code="ROLE_INVALID", field="role")
    name = name_clean(name)
    id_number = normalize_id_number(id_number)
    mobile = normalize_mobile(mobile)
    with transaction.atomic():
        own = _manager_membership(actor)
        _may_manage_role(own, role)
        submission_claim(key=submission_key)
        unit = own.unit
        if id_number == actor.user.username:  # type: ignore[union-attr]
            raise PermissionDenied("不能变更您本人的角色或授权", code="CANNOT_CHANGE_SELF")
        user = User.objects.select_for_update().filter(username=id_number).first()
        created = user is None
        if user is None:
            person = person_for_account(
                id_number=id_number, name=name, mobile=mobile, district=unit.district
            )
            if User.objects.filter(person=person).exists():
                raise Conflict("该人员的账号信息异常，请联系经办机构", code="ACCOUNT_CONFLICT")
            user = User(
                username=id_number,
                kind=User.Kind.INDIVIDUAL,
                name=person.name,
                person=person,
                mobile=mobile,
            )
            user.set_unusable_password()
            user.save()
        else:
            if user.kind != User.Kind.INDIVIDUAL:
                raise Conflict("该公民身份号码不能用于单位用户", code="ACCOUNT_CONFLICT")
            if name_key(user.name) != name_key(name):
                raise InvalidInput("姓名与公民身份号码不一致", code="NAME_MISMATCH", field="name")
            if user.memberships.filter(unit=unit, revoked_at__isnull=True).exists():
                raise Conflict(
                    "该人员已是本单位的网上办事用户；如需调整角色，请先取消其原有授权",
                    code="ALREADY_MEMBER",
                    field="id_number",
                )
        membership = UnitMembership.objects.create(
            user=user, unit=unit, role=role, appointed_by=actor.user
        )
        role_label = Role(role).label
        if created or not user.has_usable_password():
            hours = int(ACTIVATION_TTL.total_seconds() // 3600)
            code_send(
                mobile=user.mobile or mobile,
                purpose=VerificationCode.Purpose.ACTIVATION,
                user=user,
                ttl=ACTIVATION_TTL,
                rate_limited=False,
                ip=ip,
                body=(
                    f"{unit.name}已授权您为{role_label}。请在 {hours} 小时内打开社会保险网上服务大厅"
                    "“找回密码”页面，用您的身份证号、本手机号和激活码 {code} 设置登录密码，"
                    "然后选择“单位登录”。"
                ),
            )
        else:
            sms_queue(
                to=user.mobile or mobile,
                body=f"【社保经办】{unit.name}已授权您为{role_label}。请选择“单位登录”，使用单位的统一社会信用代码、您的身份证号和您的密码登录。",
                purpose=OutboundMessage.Purpose.NOTICE,
                user=user,
            )
        notify(
            recipient=user,
            context=f"{actors.UNIT}:{unit.pk}",
            title=f"您已被授权为{role_label}",
            body=f"{actor.user.name}（{own.get_role_display()}）授权您为{unit.name}的{role_label}。",  # type: ignore[union-attr]
            category="account",
        )
        account_event_record(
            action=AccountEvent.Action.ROLE_APPOINTED,
            actor=actor.user,
            subject=user,
            unit=unit,
            detail={"role": role, "account_created": created},
            ip=ip,
        )
        return membership


def unit_user_revoke(*, actor: Actor, membership_id: int, ip: str | None = None) -> UnitMembership:
    """Take away a person's role in the actor's unit (取消授权); effective at once. Their
    matter grants stay on the revoked membership as history."""
    from shebao.notifications.models import OutboundMessage
    from shebao.notifications.services import sms_queue

    with transaction.atomic():
        own = _manager_membership(actor)
        target = _target(own, membership_id)
        _may_manage_role(own, target.role)
        target.revoked_at = timezone.now()
        target.revoked_by = actor.user
        target.save(update_fields=["revoked_at", "revoked_by"])
        # The role's CA certificates stop with the role, in the same transaction.
        from shebao.pki.services import certificates_revoke_for_membership

        certificates_revoke_for_membership(membership=target)
        if target.user.mobile:
            sms_queue(
                to=target.user.mobile,
                body=f"【社保经办】您在{own.unit.name}的{target.get_role_display()}授权已被取消。如有疑问请联系单位。",
                purpose=OutboundMessage.Purpose.NOTICE,
                user=target.user,
            )
        account_event_record(
            action=AccountEvent.Action.ROLE_REVOKED,
            actor=actor.user,
            subject=target.user,
            unit=own.unit,
            detail={"role": target.role, "membership": target.pk},
            ip=ip,
        )
        return target


def grants_version(matter_ids: Iterable[int]) -> str:
    """A short fingerprint of a grant set: a form shows it and sends it back, so that a change
    made meanwhile by someone else is not silently overwritten."""
    text = ",".join(str(i) for i in sorted(set(matter_ids)))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def grantable_matters_queryset():  # type: ignore[no-untyped-def]
    """Matters an operator can be granted: enabled matters a unit applies for."""
    return Matter.objects.filter(
        enabled=True, applicant_kind__in=[Matter.ApplicantKind.UNIT, Matter.ApplicantKind.BOTH]
    )


@dataclass(frozen=True)
class GrantChange:
    added: list[int]
    removed: list[int]


def unit_user_grants_set(
    *,
    actor: Actor,
    membership_id: int,
    matter_ids: Iterable[int],
    version: str | None = None,
    ip: str | None = None,
) -> GrantChange:
    """Set the matters an operator may handle to exactly ``matter_ids``; each matter granted or
    taken away is its own audit row. With ``version`` (from :func:`grants_version` of the set
    the form showed), a set changed meanwhile refuses with ``GRANTS_STALE``."""
    from shebao.notifications.services import notify

    wanted = {int(i) for i in matter_ids}
    with transaction.atomic():
        own = _manager_membership(actor)
        target = _target(own, membership_id)
        if target.role != Role.OPERATOR:
            raise InvalidInput(
                "法定代表人和管理员默认拥有本单位全部事项的办理权限，无需逐项授权",
                code="GRANTS_ONLY_FOR_OPERATORS",
            )
        current = dict(target.grants.values_list("matter_id", "pk"))
        if version is not None and version != grants_version(current):
            raise Conflict(
                "该经办人的授权已被他人修改，本次提交未保存。请刷新页面后重新勾选。",
                code="GRANTS_STALE",
            )
        allowed = set(
            grantable_matters_queryset().filter(pk__in=wanted).values_list("pk", flat=True)
        )
        if wanted - allowed:
            raise InvalidInput(
                "所选事项中有不能授权给单位经办人的事项，请刷新页面后重新勾选",
                code="MATTER_NOT_GRANTABLE",
                field="matters",
            )
        added = sorted(wanted - current.keys())
        removed = sorted(current.keys() - wanted)
        MatterGrant.objects.filter(membership=target, matter_id__in=removed).delete()
        MatterGrant.objects.bulk_create(
            [MatterGrant(membership=target, matter_id=m, granted_by=actor.user) for m in added]
        )
        names = dict(Matter.objects.filter(pk__in=added + removed).values_list("pk", "name"))
        for action, ids in (
            (AccountEvent.Action.MATTER_GRANTED, added),
            (AccountEvent.Action.MATTER_REVOKED, removed),
        ):
            for matter_id in ids:
                account_event_record(
                    action=action,
                    actor=actor.user,
                    subject=target.user,
                    unit=own.unit,
                    detail={"matter": matter_id, "matter_name": names.get(matter_id, "")},
                    ip=ip,
                )
        if added or removed:
            notify(
                recipient=target.user,
                context=f"{actors.UNIT}:{own.unit_id}",
                title="您的经办事项授权已调整",
                body=f"新增 {len(added)} 项、取消 {len(removed)} 项，现可办理 {len(wanted)} 项事项。",
                category="account",
            )
        return GrantChange(added=added, removed=removed)
