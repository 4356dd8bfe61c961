"""The hall-wide authorization matrix: every page and every API operation, against every kind of
actor, on the demo hall. Each app tests its own rules in depth; this test makes sure nothing is
left out: it fails if a URL or an API operation exists that the matrix does not list.

Expected outcomes: a status code, or ``L`` for a redirect to the sign-in page. For requests that
change things, the matrix sends them as each actor who must be refused and checks that nothing
changed (a digest of the business state before and after); the allowed actors are exercised by
the apps' own tests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLResolver, get_resolver

from shebao.api import api
from shebao.applications.demo import SAMPLE_PDF
from shebao.hall.tests.access_world import ACTORS, PAGE_ACTORS, World, build_world, fingerprint
from shebao.payments import localbank

pytestmark = pytest.mark.django_db

L = "login"  # 302 to the sign-in page
STAFF = (
    "staff_here",
    "staff_there",
    "staff_dept",
    "editor",
    "staff_audit",
    "staff_disputes",
    "staff_training",
)
UNIT_USERS = ("op", "admin", "other_unit")
INDIVIDUALS = ("ind_a", "ind_b")


# Staff of the audit department, of the labour-dispute side and of the assessment centre
# (talent) cover every district of the demo city, as the unemployment and the finance staff do:
# outside their own pages they are staff of yet another department. A check that expects the
# same of staff_dept and editor (neither being the department concerned) and does not name them
# expects that of them too; every other check names them or gives them its default.
SIDE_STAFF = ("staff_audit", "staff_disputes", "staff_training")


def row(default: Any, **overrides: Any) -> dict[str, Any]:
    if "staff_dept" in overrides and overrides.get("editor", default) == overrides["staff_dept"]:
        for actor in SIDE_STAFF:
            overrides.setdefault(actor, overrides["staff_dept"])
    return {actor: overrides.get(actor, default) for actor in ACTORS}


def only(allowed: tuple[str, ...], *, status: Any = 200, others: Any = 403) -> dict[str, Any]:
    return row(others, anon=L, **dict.fromkeys(allowed, status))


PUBLIC = row(200)
DEMO_UNIT = "91220202000010001B"  # 吉林市松江机械制造有限公司, 昌邑区
SIGNED_IN = row(200, anon=L)
POST_ONLY = row(405)


@dataclass
class Check:
    route: str  # "namespace:name" of a page, or "METHOD /api/v1/path" of an operation
    url: Callable[[World], str]
    expect: dict[str, Any]
    method: str = "get"
    data: Callable[[World], dict[str, Any]] = field(default=lambda w: {})
    refusals_only: bool = False  # state-changing: send only as the actors expected to fail


def _demo_complaint() -> str:
    from shebao.audit.models import AuditCase

    return AuditCase.objects.get(request_key="demo-complaint-1").number


def app_url(attr: str, suffix: str = "") -> Callable[[World], str]:
    return lambda w: f"/applications/{getattr(w, attr).number}/{suffix}"


def api_app(attr: str, suffix: str = "") -> Callable[[World], str]:
    return lambda w: f"/api/v1/applications/{getattr(w, attr).number}{suffix}"


# Who may see each application: its applicant side and the staff of its department and district.
SEES_GRANTED = row(404, anon=L, op=200, admin=200, staff_here=200)  # unit.staff_enrol, 昌邑区
SEES_NOT_GRANTED = row(404, anon=L, admin=200, staff_here=200)  # the operator lacks this grant
SEES_A = row(404, anon=L, ind_a=200, staff_dept=200)  # 张伟's unemployment claim

# A unit's bill: its readers and the staff of its district (昌邑区; the unemployment and finance
# staff cover every district). 张伟's own bill: himself and the same staff.
UNIT_BILL = row(404, anon=L, admin=200, staff_here=200, staff_dept=200, editor=200)
SELF_BILL = row(404, anon=L, ind_a=200, staff_here=200, staff_dept=200, editor=200)
# The finance section's pages (the demo's finance staff, 罗丽华, is the matrix's editor).
FINANCE = row(403, anon=L, editor=200)
# The pay button only takes POST: payers get 405, staff are the wrong kind of actor.
PAYER_GET = row(405, anon=L, **dict.fromkeys(STAFF, 403))

# Dispute pages: who applies (individuals; unit managers and grantees: the operator lacks the
# grant), who sees 张伟's accepted arbitration (himself; 松江机械's managers as the respondent;
# the labour-relations staff of 昌邑区: staff_disputes).
APPLY = row(403, anon=L, ind_a=200, ind_b=200, admin=200, other_unit=200)
SEES_DISPUTE = row(404, anon=L, ind_a=200, admin=200, staff_disputes=200)

# Training: 张伟's registration (himself; the institution has no unit in the demo);
# 松江机械 as an assessment institution (its managers; the operator has no grant of 职业技能等级
# 认定); the assessment centre is talent staff (staff_training), who see every filing, plan and
# certificate of their districts; other staff are told none exists.
REGISTRATION = row(404, anon=L, **dict.fromkeys(STAFF, 403), ind_a=200)
INSTITUTION = row(403, anon=L, admin=200, other_unit=200)
INSTITUTION_OR_STAFF = INSTITUTION | dict.fromkeys(STAFF, 200)
CENTRE_ONLY = row(403, anon=L, **dict.fromkeys(STAFF, 404)) | {"staff_training": 200}
PLAN = row(404, anon=L, ind_a=403, ind_b=403, admin=200, staff_training=200)

PAGES: list[Check] = [
    Check("hall:home", lambda w: "/", PUBLIC),
    # Mail-in: the unit's administrator records the post of its case; the case's reviewer
    # (registration, 昌邑区: staff_here) records the receipt.
    Check(
        "applications:mail",
        lambda w: f"/applications/{w.mailing.application.number}/mail/",
        POST_ONLY,
    ),
    Check(
        "applications:mail",
        lambda w: f"/applications/{w.mailing.application.number}/mail/",
        row(404, anon=L, admin=None, **dict.fromkeys(STAFF, 403)),
        method="post",
        data=lambda w: {"carrier": "ems", "tracking_number": "EA123456785CN", "codes": ["x"]},
        refusals_only=True,
    ),
    Check(
        "applications:mail_receive",
        lambda w: f"/applications/{w.mailing.application.number}/mail/{w.mailing.pk}/receive/",
        POST_ONLY,
    ),
    Check(
        "applications:mail_receive",
        lambda w: f"/applications/{w.mailing.application.number}/mail/{w.mailing.pk}/receive/",
        row(403, anon=L, staff_here=None, staff_there=404, staff_dept=404, editor=404),
        method="post",
        refusals_only=True,
    ),
    # Appointments: the person's own bookings; the desk's staff (unemployment: staff_dept) may
    # cancel and mark 张伟's booking; other staff are refused without a trace. Unit managers book
    # for their unit (the operator lacks the grant of 业务预约) and never reach 张伟's booking.
    Check(
        "appointments:mine",
        lambda w: "/appointments/",
        only((*INDIVIDUALS, "admin", "other_unit")),
    ),
    Check("appointments:directory", lambda w: "/appointments/directory/", PUBLIC),
    Check("appointments:desk", lambda w: "/appointments/staff/", only(STAFF)),
    Check(
        "appointments:book",
        lambda w: "/appointments/book/",
        row(403, anon=L, **dict.fromkeys((*INDIVIDUALS, *UNIT_USERS), 405)),
    ),
    Check(
        "appointments:book",
        lambda w: "/appointments/book/",
        # 张伟 already holds a booking: refused; the unit managers may book
        row(403, anon=L, ind_a=302, ind_b=None, admin=None, other_unit=None),
        method="post",
        data=lambda w: {"slot": w.slot.pk},
        refusals_only=True,
    ),
    Check(
        "appointments:cancel",
        lambda w: f"/appointments/{w.appointment.pk}/cancel/",
        row(405, anon=L),
    ),
    Check(
        "appointments:cancel",
        lambda w: f"/appointments/{w.appointment.pk}/cancel/",
        row(404, anon=L, ind_a=None, staff_dept=None),
        method="post",
        refusals_only=True,
    ),
    Check("appointments:phone", lambda w: "/appointments/staff/phone/", only(STAFF, status=405)),
    Check(
        "appointments:phone",
        lambda w: "/appointments/staff/phone/",
        only(STAFF, status=302) | {"staff_dept": None},  # refused: back to the desk, a message
        method="post",
        data=lambda w: {
            "slot": w.slot.pk,
            "id_number": w.users["ind_b"].username,
            "mobile": "13943110002",
        },
        refusals_only=True,
    ),
    Check(
        "appointments:mark",
        lambda w: f"/appointments/staff/{w.appointment.pk}/mark/",
        only(STAFF, status=405),
    ),
    Check(
        "appointments:mark",
        lambda w: f"/appointments/staff/{w.appointment.pk}/mark/",
        only(STAFF, status=302),  # the desk's own staff too: the day has not come
        method="post",
        data=lambda w: {"outcome": "arrived"},
        refusals_only=True,
    ),
    Check("hall:individual_center", lambda w: "/me/", only(INDIVIDUALS)),
    Check("hall:benefits", lambda w: "/me/benefits/", only(INDIVIDUALS)),
    Check("hall:benefit_payouts", lambda w: "/me/benefits/payouts/", only(INDIVIDUALS)),
    Check("hall:unit_center", lambda w: "/unit/", only(UNIT_USERS)),
    Check("hall:staff_center", lambda w: "/staff/", only(STAFF)),
    Check("accounts:login", lambda w: "/accounts/login/", PUBLIC),
    Check("accounts:logout", lambda w: "/accounts/logout/", POST_ONLY),
    Check("accounts:register", lambda w: "/accounts/register/", PUBLIC),
    Check("accounts:register_unit", lambda w: "/accounts/register/unit/", PUBLIC),
    Check("accounts:code_send", lambda w: "/accounts/code/", POST_ONLY),
    Check("accounts:password_change", lambda w: "/accounts/password/", SIGNED_IN),
    Check("accounts:password_reset", lambda w: "/accounts/password/reset/", PUBLIC),
    Check("accounts:unit_users", lambda w: "/accounts/unit/users/", only(UNIT_USERS)),
    Check(
        "accounts:unit_user_revoke",
        lambda w: f"/accounts/unit/users/{w.operator_membership.pk}/revoke/",
        POST_ONLY,
    ),
    Check(
        "accounts:unit_user_revoke",
        lambda w: f"/accounts/unit/users/{w.operator_membership.pk}/revoke/",
        row(403, anon=L, other_unit=404, admin=None),
        method="post",
        refusals_only=True,
    ),
    Check(
        "accounts:unit_user_grants",
        lambda w: f"/accounts/unit/users/{w.operator_membership.pk}/grants/",
        only(("admin",), others=403) | {"other_unit": 404},
    ),
    Check(
        "accounts:unit_user_grants",
        lambda w: f"/accounts/unit/users/{w.operator_membership.pk}/grants/",
        row(403, anon=L, other_unit=404, admin=None),
        method="post",
        data=lambda w: {"matters": []},
        refusals_only=True,
    ),
    Check("accounts:counter_register", lambda w: "/accounts/counter/unit/", only(STAFF)),
    Check(
        "accounts:counter_register",
        lambda w: "/accounts/counter/unit/",
        only(STAFF, status=None),
        method="post",
        refusals_only=True,
    ),
    Check("pki:login", lambda w: "/pki/login/", PUBLIC),
    Check("pki:ca_certificate", lambda w: "/pki/ca.pem", PUBLIC),
    Check("pki:tool", lambda w: "/pki/tool/shebao-ukey", PUBLIC),
    Check("pki:unit", lambda w: "/pki/unit/", only(UNIT_USERS)),
    Check(
        "pki:request_withdraw",
        lambda w: f"/pki/requests/{w.certificate_request_id}/withdraw/",
        POST_ONLY,
    ),
    Check(
        "pki:request_withdraw",
        lambda w: f"/pki/requests/{w.certificate_request_id}/withdraw/",
        row(403, anon=L, op=404, admin=404, other_unit=404),
        method="post",
        refusals_only=True,
    ),
    # The administrator's certificate: its holder, and staff with MANAGE_CA in the unit's
    # district (the CA desk: registration staff; other staff of the district are not).
    *[
        Check(
            route,
            lambda w, suffix=suffix: f"/pki/certificates/{w.certificate.pk}/{suffix}",
            row(403, anon=L, op=404, other_unit=404, staff_there=404)
            | {"admin": 200, "staff_here": 200, "staff_dept": 404, "editor": 404}
            | dict.fromkeys(SIDE_STAFF, 404),
        )
        for route, suffix in (("pki:certificate", ""), ("pki:certificate_download", "download/"))
    ],
    Check(
        "pki:certificate_revoke",
        lambda w: f"/pki/certificates/{w.certificate.pk}/revoke/",
        POST_ONLY,
    ),
    Check(
        "pki:certificate_revoke",
        lambda w: f"/pki/certificates/{w.certificate.pk}/revoke/",
        row(403, anon=L, op=404, other_unit=404, staff_there=404, staff_dept=404, editor=404)
        | dict.fromkeys(("admin", "staff_here"), None),
        method="post",
        data=lambda w: {"reason": "测试"},
        refusals_only=True,
    ),
    Check("pki:staff", lambda w: "/pki/staff/", only(STAFF)),
    Check(
        "pki:request_decide",
        lambda w: f"/pki/staff/requests/{w.certificate_request_id}/",
        POST_ONLY,
    ),
    Check(
        "pki:request_decide",
        lambda w: f"/pki/staff/requests/{w.certificate_request_id}/",
        row(403, anon=L, staff_there=404, staff_dept=404, editor=404)
        | dict.fromkeys(("staff_here",), None),
        method="post",
        data=lambda w: {"action": "approve"},
        refusals_only=True,
    ),
    Check("pki:staff_issue", lambda w: "/pki/staff/issue/", only(STAFF)),
    Check("catalogue:list", lambda w: "/matters/?q=失业", PUBLIC),
    Check("catalogue:detail", lambda w: "/matters/unit.staff_enrol/", PUBLIC),
    Check(
        "applications:list",
        lambda w: "/applications/",
        row(302, anon=L, **dict.fromkeys(INDIVIDUALS + UNIT_USERS, 200)),
    ),
    Check("applications:queue", lambda w: "/applications/queue/", only(STAFF)),
    Check("applications:new", lambda w: "/applications/new/unit.staff_enrol/", only(UNIT_USERS)),
    Check(
        "applications:new",
        lambda w: "/applications/new/unit.base_declare/",
        only(("admin", "other_unit"), status=302),  # declared on its own page
    ),
    Check(
        "applications:new",
        lambda w: "/applications/new/person.unemployment_benefit/",
        only(INDIVIDUALS),
    ),
    Check("applications:detail", app_url("app_granted"), SEES_GRANTED),
    Check("applications:detail", app_url("app_not_granted"), SEES_NOT_GRANTED),
    Check("applications:detail", app_url("app_a"), SEES_A),
    Check(
        "applications:edit",
        app_url("draft_a", "edit/"),
        row(404, anon=L, ind_a=200) | dict.fromkeys(STAFF, 403),
    ),
    Check(
        "applications:edit",
        app_url("draft_a", "edit/"),
        row(404, anon=L, ind_a=None) | dict.fromkeys(STAFF, 403),
        method="post",
        data=lambda w: {"version": w.draft_a.version},
        refusals_only=True,
    ),
    *[
        Check(f"applications:{route}", app_url("draft_a", f"{route}/"), POST_ONLY)
        for route in ("submit", "recall", "withdraw", "decide")
    ],
    *[
        Check(
            f"applications:{route}",
            app_url("draft_a", f"{route}/"),
            row(404, anon=L, ind_a=None) | dict.fromkeys(STAFF, 403),
            method="post",
            data=lambda w: {"version": w.draft_a.version},
            refusals_only=True,
        )
        for route in ("submit", "withdraw")
    ],
    Check(
        "applications:recall",
        app_url("app_granted", "recall/"),
        row(404, anon=L, op=None, admin=None) | dict.fromkeys(STAFF, 403),
        method="post",
        data=lambda w: {"version": w.app_granted.version},
        refusals_only=True,
    ),
    Check(
        "applications:decide",
        app_url("app_granted", "decide/"),
        row(404, anon=L, staff_here=None) | dict.fromkeys(INDIVIDUALS + UNIT_USERS, 403),
        method="post",
        data=lambda w: {"action": "accept", "version": w.app_granted.version},
        refusals_only=True,
    ),
    Check("applications:upload", app_url("draft_a", "materials/"), POST_ONLY),
    Check(
        "applications:upload",
        app_url("draft_unit", "materials/"),
        row(404, anon=L, admin=None) | dict.fromkeys(STAFF, 403),
        method="post",
        data=lambda w: {
            "code": "other",
            "file": SimpleUploadedFile("x.pdf", SAMPLE_PDF, "application/pdf"),
        },
        refusals_only=True,
    ),
    Check(
        "applications:download",
        lambda w: f"/applications/{w.app_granted.number}/materials/{w.material_granted.pk}/",
        SEES_GRANTED,
    ),
    Check(
        "applications:download",
        lambda w: (
            f"/applications/{w.app_not_granted.number}/materials/{w.material_not_granted.pk}/"
        ),
        SEES_NOT_GRANTED,
    ),
    Check(
        "applications:download",
        lambda w: f"/applications/{w.app_a.number}/materials/{w.material_a.pk}/",
        SEES_A,
    ),
    Check(
        "applications:remove_material",
        lambda w: f"/applications/{w.app_a.number}/materials/{w.material_a.pk}/remove/",
        POST_ONLY,
    ),
    Check(
        "applications:remove_material",
        lambda w: f"/applications/{w.app_a.number}/materials/{w.material_a.pk}/remove/",
        row(404, anon=L, ind_a=409) | dict.fromkeys(STAFF, 403),  # submitted: 张伟 may not either
        method="post",
        refusals_only=True,
    ),
    Check("policy:index", lambda w: "/policy/", PUBLIC),
    Check("policy:region", lambda w: "/policy/220200/?month=2020-07", PUBLIC),
    *[
        Check(route, url, only(("editor",)))
        for route, url in (
            ("policy:record", lambda w: f"/policy/records/{w.provisional_record.pk}/"),
            (
                "policy:record_finalize",
                lambda w: f"/policy/records/{w.provisional_record.pk}/finalize/",
            ),
            ("policy:history", lambda w: f"/policy/220200/{w.provisional_record.key}/"),
            ("policy:record_new", lambda w: f"/policy/220200/{w.provisional_record.key}/new/"),
        )
    ],
    Check(
        "policy:record_settle",
        lambda w: f"/policy/records/{w.provisional_record.pk}/settle/",
        POST_ONLY,
    ),
    *[
        Check(route, url, only(("editor",), status=None), method="post", refusals_only=True)
        for route, url in (
            (
                "policy:record_finalize",
                lambda w: f"/policy/records/{w.provisional_record.pk}/finalize/",
            ),
            (
                "policy:record_settle",
                lambda w: f"/policy/records/{w.provisional_record.pk}/settle/",
            ),
            ("policy:record_new", lambda w: f"/policy/220200/{w.provisional_record.key}/new/"),
        )
    ],
    # Insurance records: one's own, the unit's roster (managers and granted operators), staff of
    # the unit's district.
    Check("insurance:mine", lambda w: "/insurance/me/", only(INDIVIDUALS)),
    Check("insurance:roster", lambda w: "/insurance/unit/staff/", only(UNIT_USERS)),
    Check("insurance:roster_export", lambda w: "/insurance/unit/staff.xlsx", only(UNIT_USERS)),
    Check("insurance:staff_lookup", lambda w: "/insurance/staff/lookup/", only(STAFF)),
    Check(
        "insurance:dispatch_licences",
        lambda w: "/insurance/staff/dispatch-licences/",
        only(STAFF),
    ),
    Check(
        "insurance:dispatch_licences",
        lambda w: "/insurance/staff/dispatch-licences/",
        # staff_there's districts do not hold the unit: the form refuses it (200, nothing kept)
        only(("staff_here", "staff_dept", "editor"), status=None, others=403)
        | {"staff_there": 200},
        method="post",
        data=lambda w: {
            "credit_code": DEMO_UNIT,
            "number": "220202202600099",
            "valid_from": "2026-01-01",
            "valid_to": "2028-12-31",
        },
        refusals_only=True,
    ),
    Check(
        "insurance:staff_lookup",
        lambda w: f"/insurance/staff/lookup/?kind=unit&key={DEMO_UNIT}",
        only(STAFF),
    ),
    Check(
        "insurance:staff_roster_export",
        lambda w: f"/insurance/staff/units/{DEMO_UNIT}/staff.xlsx",
        only(STAFF, others=403) | {"staff_there": 404},
    ),
    Check("insurance:template", lambda w: "/insurance/staff-changes/template.xlsx", PUBLIC),
    Check(
        "insurance:staff_changes_upload",
        lambda w: "/insurance/unit/staff/changes/",
        only(("admin", "other_unit")),
    ),
    Check(
        "insurance:staff_changes_report",
        lambda w: "/insurance/unit/staff/changes/report/no-such-report/",
        only(UNIT_USERS, status=404),
    ),
    Check(
        "insurance:staff_changes_lines",
        lambda w: f"/insurance/changes/{w.app_granted.number}/",
        row(404, anon=L, ind_a=403, ind_b=403),
    ),
    # Contributions: the unit's base declaration (managers and operators granted it).
    Check(
        "contributions:bases", lambda w: "/contributions/unit/bases/", only(("admin", "other_unit"))
    ),
    Check(
        "contributions:bases",
        lambda w: "/contributions/unit/bases/",
        only(("admin", "other_unit"), status=None),
        method="post",
        data=lambda w: {"declare_year": "2020", "effective_month": "2020-01", "rows": "0"},
        refusals_only=True,
    ),
    Check(
        "contributions:base_sheet",
        lambda w: "/contributions/unit/bases.xlsx",
        only(("admin", "other_unit")),
    ),
    # The unit's base-difference back-payment from its roster sheet (units granted the matter).
    Check(
        "contributions:base_difference",
        lambda w: "/contributions/unit/base-difference/",
        only(("admin", "other_unit")),
    ),
    Check(
        "contributions:base_difference",
        lambda w: "/contributions/unit/base-difference/",
        only(("admin", "other_unit"), status=None),
        method="post",
        data=lambda w: {"start_month": "2020-01", "end_month": "2020-01", "roster": ""},
        refusals_only=True,
    ),
    Check(
        "contributions:base_difference_sheet",
        lambda w: "/contributions/unit/base-difference.xlsx",
        only(("admin", "other_unit")),
    ),
    # The institution's salary declaration: the other unit is the demo's school (an
    # institution); the admin's enterprise is refused by name.
    Check(
        "contributions:institution_wages",
        lambda w: "/contributions/unit/institution-wages/",
        only(("other_unit",)) | {"admin": 422},
    ),
    Check(
        "contributions:institution_wages",
        lambda w: "/contributions/unit/institution-wages/",
        only(("other_unit",), status=None) | {"admin": 422},
        method="post",
        data=lambda w: {"declare_year": "2020", "effective_month": "2020-01", "rows": "0"},
        refusals_only=True,
    ),
    Check(
        "contributions:institution_wage_sheet",
        lambda w: "/contributions/unit/institution-wages.xlsx",
        only(("other_unit",)) | {"admin": 422},
    ),
    # Bills: the unit's readers (managers; operators granted a contribution matter), the
    # self-paying person, staff of the district.
    Check(
        "contributions:bills",
        lambda w: "/contributions/bills/",
        only((*INDIVIDUALS, "admin", "other_unit")) | {"op": 404},
    ),
    Check("contributions:bill", lambda w: f"/contributions/bills/{w.bill.number}/", UNIT_BILL),
    Check("contributions:bill", lambda w: f"/contributions/bills/{w.self_bill.number}/", SELF_BILL),
    # Certificates: the holder (a person; a unit's readers: its managers and the operator
    # granted roster matters) and staff of the holder's district; verification is public.
    Check(
        "certificates:mine",
        lambda w: "/certificates/",
        only((*INDIVIDUALS, "admin", "other_unit", "op")),
    ),
    Check(
        "certificates:mine",
        lambda w: "/certificates/",
        row(403, anon=L, ind_a=None, ind_b=None, admin=None, other_unit=None, op=None),
        method="post",
        data=lambda w: {"kind": "participation"},
        refusals_only=True,
    ),
    Check(
        "certificates:detail",
        lambda w: f"/certificates/{w.person_certificate.number}/",
        row(404, anon=L, ind_a=200, staff_here=200, staff_dept=200, editor=200),
    ),
    Check(
        "certificates:detail",
        lambda w: f"/certificates/{w.unit_certificate.number}/",
        row(404, anon=L, admin=200, op=200, staff_here=200, staff_dept=200, editor=200),
    ),
    Check(
        "certificates:file",
        lambda w: f"/certificates/{w.person_certificate.number}.pdf",
        row(404, anon=L, ind_a=200, staff_here=200, staff_dept=200, editor=200),
    ),
    Check(
        "certificates:file",
        lambda w: f"/certificates/{w.unit_certificate.number}.pdf",
        row(404, anon=L, admin=200, op=200, staff_here=200, staff_dept=200, editor=200),
    ),
    # 陈晓燕's 领卡证明: herself (not one of the matrix's actors) and staff of 昌邑区.
    *[
        Check(
            route,
            lambda w, tail=tail: f"/certificates/{w.card_proof.number}{tail}",
            row(404, anon=L, staff_here=200, staff_dept=200, editor=200),
        )
        for route, tail in (("certificates:detail", "/"), ("certificates:file", ".pdf"))
    ],
    Check("certificates:verify", lambda w: f"/verify/{w.card_proof.verify_code}/", PUBLIC),
    Check("certificates:counter", lambda w: "/certificates/counter/", only(STAFF)),
    Check(
        "certificates:counter",
        lambda w: "/certificates/counter/",
        row(403, anon=L, **dict.fromkeys(STAFF, None)),
        method="post",
        data=lambda w: {"kind": "participation", "holder": w.users["ind_a"].person.id_number},
        refusals_only=True,
    ),
    Check("certificates:verify_form", lambda w: "/verify/", PUBLIC),
    Check(
        "certificates:verify",
        lambda w: f"/verify/{w.person_certificate.verify_code}/",
        PUBLIC,
    ),
    Check(
        "contributions:bill_pdf", lambda w: f"/contributions/bills/{w.bill.number}.pdf", UNIT_BILL
    ),
    Check(
        "contributions:bill_pdf",
        lambda w: f"/contributions/bills/{w.self_bill.number}.pdf",
        SELF_BILL,
    ),
    Check(
        "contributions:bill_sheet",
        lambda w: f"/contributions/bills/{w.bill.number}.xlsx",
        UNIT_BILL,
    ),
    Check(
        "contributions:bill_sheet",
        lambda w: f"/contributions/bills/{w.self_bill.number}.xlsx",
        SELF_BILL,
    ),
    Check(
        "contributions:line",
        lambda w: f"/contributions/bills/{w.bill.number}/lines/{w.bill_line_id}/",
        UNIT_BILL,
    ),
    Check(
        "contributions:adjustment",
        lambda w: f"/contributions/bills/{w.adjustment.bill.number}/adjustments/{w.adjustment.pk}/",
        UNIT_BILL,
    ),
    Check(
        "contributions:assess",
        lambda w: "/contributions/unit/assess/",
        only(("admin", "other_unit")),
    ),
    Check(
        "contributions:assess",
        lambda w: f"/contributions/unit/assess/?period={w.bill.month}",
        only(("admin", "other_unit"), status=None),
        method="post",
        data=lambda w: {"period": str(w.bill.month), "confirm": "1"},
        refusals_only=True,
    ),
    # The contribution record: one's own; the unit's staff and one employee with the unit (the
    # bills' readers); staff look a person up (a person outside their REVIEW districts is not
    # found, on a page that still answers 200).
    Check("contributions:mine", lambda w: "/contributions/me/?from=2020-01", only(INDIVIDUALS)),
    # 历史欠费补缴: one's own bills in arrears (an individual's only).
    Check("contributions:arrears", lambda w: "/contributions/me/arrears/", only(INDIVIDUALS)),
    Check(
        "contributions:unit_history",
        lambda w: "/contributions/unit/history/",
        only(("admin", "other_unit")) | {"op": 404},
    ),
    Check(
        "contributions:unit_employee",
        lambda w: f"/contributions/unit/history/{w.bill_person_id}/",
        only(("admin",)) | {"op": 404, "other_unit": 404},
    ),
    Check(
        "contributions:staff_history",
        lambda w: f"/contributions/staff/history/?id_number={w.users['ind_a'].username}",
        only(STAFF),
    ),
    # Assessment runs: every staff member sees the page (with the runs they may start);
    # starting one takes RUN_ASSESSMENT (the demo grants it to the finance section).
    Check("contributions:runs", lambda w: "/contributions/staff/runs/", only(STAFF)),
    Check(
        "contributions:runs",
        lambda w: "/contributions/staff/runs/",
        only(("editor",), status=None),
        method="post",
        data=lambda w: {"region": "220200", "month": str(w.bill.month)},
        refusals_only=True,
    ),
    Check(
        "contributions:runs",
        lambda w: "/contributions/staff/runs/",
        only(("editor",), status=None),
        method="post",
        data=lambda w: {
            "action": "trueup",
            "region": "220200",
            "month": "2020-07",
            "last": "2020-12",
            "into": "2021-01",
        },
        refusals_only=True,
    ),
    # Payments: the counter, the deduction files and refunds are the finance section's (the
    # demo's finance staff cover every district); a receipt is read as its bill is; the payer
    # pays online; the local bank's cashier is the bank's page, opened by its signed link.
    Check("payments:counter", lambda w: "/payments/counter/", FINANCE),
    Check(
        "payments:counter",
        lambda w: f"/payments/counter/?bill={w.bill.number}",
        FINANCE | {"editor": None},
        method="post",
        data=lambda w: {"bill": w.bill.number, "amount": "0.01", "slip": "matrix"},
        refusals_only=True,
    ),
    Check("payments:receipt", lambda w: f"/payments/receipts/{w.receipt.number}/", SELF_BILL),
    Check(
        "payments:mine",
        lambda w: "/payments/receipts/",
        only((*INDIVIDUALS, "admin", "other_unit")) | {"op": 404},
    ),
    Check("payments:pay", lambda w: f"/payments/bills/{w.bill.number}/pay/", PAYER_GET),
    Check(
        "payments:pay",
        lambda w: f"/payments/bills/{w.bill.number}/pay/",
        row(404, anon=L, admin=None, **dict.fromkeys(STAFF, 403)),
        method="post",
        refusals_only=True,
    ),
    Check(
        "payments:cashier",
        lambda w: localbank.cashier_url(w.order),
        PUBLIC,
    ),
    Check("payments:cashier", lambda w: f"/payments/localbank/{w.order.number}/?t=x", row(404)),
    Check(
        "payments:cashier",
        lambda w: f"/payments/localbank/{w.order.number}/?t=x",
        row(404),
        method="post",
        refusals_only=True,
    ),
    Check("payments:bank", lambda w: "/payments/staff/bank/", FINANCE),
    Check(
        "payments:bank",
        lambda w: "/payments/staff/bank/",
        FINANCE | {"editor": None},
        method="post",
        data=lambda w: {"action": "export", "region": "220200", "month": "2020-01", "bank": "X"},
        refusals_only=True,
    ),
    Check("payments:bank_batch", lambda w: f"/payments/staff/bank/{w.batch.number}/", FINANCE),
    Check(
        "payments:bank_batch",
        lambda w: f"/payments/staff/bank/{w.batch.number}/",
        FINANCE | {"editor": None},
        method="post",
        data=lambda w: {"action": "local"},
        refusals_only=True,
    ),
    Check(
        "payments:bank_file", lambda w: f"/payments/staff/bank/{w.batch.number}/file.csv", FINANCE
    ),
    Check("payments:refunds", lambda w: "/payments/staff/refunds/", FINANCE),
    Check("payments:refund", lambda w: f"/payments/staff/refunds/{w.refund.number}/", FINANCE),
    Check(
        "payments:refund",
        lambda w: f"/payments/staff/refunds/{w.refund.number}/",
        FINANCE | {"editor": None},
        method="post",
        data=lambda w: {"action": "confirm", "phone": "13943110001", "note": "确认"},
        refusals_only=True,
    ),
    # The telephone confirmation of a refund application: the case's reviewers only (a case
    # of another matter, or out of the staff's scope, is not found); POST only.
    Check(
        "payments:refund_call",
        lambda w: f"/payments/staff/refund-cases/{w.app_a.number}/calls/",
        row(403, anon=L, **dict.fromkeys(STAFF, 405)),
    ),
    Check(
        "payments:refund_call",
        lambda w: f"/payments/staff/refund-cases/{w.app_a.number}/calls/",
        row(403, anon=L, **dict.fromkeys(STAFF, 404)),
        method="post",
        data=lambda w: {"phone": "13943110001", "spoke_with": "本人", "outcome": "confirmed"},
        refusals_only=True,
    ),
    # 稳岗返还: a unit's own eligibility, for its managers (the operator has no grant of the
    # matter); individuals and staff are the wrong kind of actor.
    Check("retention:mine", lambda w: "/retention/", row(403, anon=L, admin=200, other_unit=200)),
    Check(
        "retention:mine",
        lambda w: "/retention/",
        row(405, anon=L, **dict.fromkeys((*STAFF, *INDIVIDUALS), 403)),
        method="post",
        refusals_only=True,
    ),
    Check("disputes:index", lambda w: "/disputes/", SIGNED_IN),
    *[
        Check(f"disputes:apply_{kind}", lambda w, kind=kind: f"/disputes/apply/{kind}/", APPLY)
        for kind in ("mediation", "arbitration")
    ],
    *[
        Check(
            f"disputes:apply_{kind}",
            lambda w, kind=kind: f"/disputes/apply/{kind}/",
            APPLY | {"ind_a": None, "ind_b": None, "admin": None, "other_unit": None},
            method="post",
            data=lambda w: {
                "counterpart": DEMO_UNIT,
                "dispute_type": "wages",
                "claims": "支付工资",
                "facts": "拖欠工资",
                "aware_date": "2024-05-01",
                "submission_key": "matrix",
            },
            refusals_only=True,
        )
        for kind in ("mediation", "arbitration")
    ],
    Check("disputes:hotline", lambda w: "/disputes/staff/hotline/", only(STAFF)),
    Check(
        "disputes:hotline",
        lambda w: "/disputes/staff/hotline/",
        only(STAFF, status=None),
        method="post",
        data=lambda w: {"caller_name": "张三", "submission_key": "matrix"},
        refusals_only=True,
    ),
    Check("disputes:form_blank", lambda w: "/disputes/forms/arbitration-application.docx", PUBLIC),
    *[
        Check(route, lambda w, tail=tail: f"/disputes/{w.dispute.number}/{tail}", SEES_DISPUTE)
        for route, tail in (
            ("disputes:case", ""),
            ("disputes:case_form", "arbitration-application.docx"),
        )
    ],
    Check(
        "disputes:case",
        lambda w: f"/disputes/{w.dispute_hotline.number}/",
        # submitted: the respondent is not told yet; the labour-relations staff take it up
        row(404, anon=L, ind_b=200, staff_disputes=200),
    ),
    Check(
        "disputes:case",
        lambda w: f"/disputes/{w.dispute.number}/",
        # the respondent sees, may not act; nor may staff withdraw the applicant's case
        SEES_DISPUTE | {"ind_a": None, "admin": 403, "staff_disputes": 403},
        method="post",
        data=lambda w: {"action": "withdraw", "note": ""},
        refusals_only=True,
    ),
    Check("training:institutions", lambda w: "/training/?trade=电工", PUBLIC),
    Check("training:professional_exam", lambda w: "/training/professional-exam/", PUBLIC),
    Check(
        "training:register",
        lambda w: f"/training/institutions/{w.institution_id}/register/",
        only(INDIVIDUALS),
    ),
    Check(
        "training:register",
        lambda w: f"/training/institutions/{w.institution_id}/register/",
        only(INDIVIDUALS, status=None),
        method="post",
        data=lambda w: {"employment_status": "employed", "submission_key": "matrix"},
        refusals_only=True,
    ),
    Check(
        "training:registrations",
        lambda w: "/training/registrations/",
        only(INDIVIDUALS + UNIT_USERS),
    ),
    Check(
        "training:registration",
        lambda w: f"/training/registrations/{w.registration.number}/",
        REGISTRATION,
    ),
    Check(
        "training:registration",
        lambda w: f"/training/registrations/{w.registration.number}/",
        REGISTRATION | {"ind_a": None},
        method="post",
        data=lambda w: {"action": "withdraw"},
        refusals_only=True,
    ),
    Check("training:assessment", lambda w: "/training/assessment/", INSTITUTION_OR_STAFF),
    *[
        Check(route, lambda w, url=url: url, INSTITUTION)
        for route, url in (
            ("training:filing", "/training/assessment/filing/"),
            ("training:plan_new", "/training/assessment/plans/new/"),
        )
    ],
    *[
        Check(
            route,
            lambda w, url=url: url,
            INSTITUTION | {"admin": None, "other_unit": None},
            method="post",
            data=lambda w: {"max_level": "3", "submission_key": "matrix"},
            refusals_only=True,
        )
        for route, url in (
            ("training:filing", "/training/assessment/filing/"),
            ("training:plan_new", "/training/assessment/plans/new/"),
        )
    ],
    Check(
        "training:filing_review",
        lambda w: f"/training/assessment/filings/{w.filing.pk}/",
        CENTRE_ONLY,
    ),
    Check(
        "training:filing_review",
        lambda w: f"/training/assessment/filings/{w.filing.pk}/",
        CENTRE_ONLY | {"staff_training": 422},  # approved: it can no longer be rejected
        method="post",
        data=lambda w: {"action": "reject", "note": "矩阵"},
        refusals_only=True,
    ),
    *[
        Check(
            route, lambda w, tail=tail: f"/training/assessment/plans/{w.plan.number}/{tail}", PLAN
        )
        for route, tail in (("training:plan", ""), ("training:tickets", "tickets.xlsx"))
    ],
    Check(
        "training:plan",
        lambda w: f"/training/assessment/plans/{w.plan.number}/",
        # issued: nothing is left for the institution or the centre to do
        PLAN | {"admin": 422, "staff_training": 422},
        method="post",
        data=lambda w: {"action": "issue"},
        refusals_only=True,
    ),
    Check("training:certificates", lambda w: "/training/certificates/", SIGNED_IN),
    Check(
        "training:certificate",
        lambda w: f"/training/certificates/{w.skill_certificate.number}/",
        row(404, anon=L, admin=200, staff_training=200),
    ),
    Check("calculators:index", lambda w: "/calculators/", PUBLIC),
    *[
        Check(
            f"calculators:{slug.replace('-', '_')}",
            lambda w, slug=slug: f"/calculators/{slug}/",
            PUBLIC,
        )
        for slug in (
            "contribution",
            "flexible",
            "late-fee",
            "backpay-interest",
            "unemployment",
            "retirement",
            "pension",
            "death-benefit",
            "transfer",
            "payday",
        )
    ],
    # Social security cards: the holder's pages; staff of the holder's district at the counter or
    # the card service (张伟 lives in 昌邑区: 李秀梅 of 船营区 does not find his card).
    Check("cards:mine", lambda w: "/cards/", only(INDIVIDUALS)),
    Check("cards:ecard", lambda w: "/cards/ecard/", only(INDIVIDUALS)),
    # The 领卡证明 is the holder's, while a card is made: 张伟's card is in force and 李娜 has
    # none, so both are sent back to the card page with the refusal; nobody else may ask.
    Check("cards:proof", lambda w: "/cards/proof/", only(INDIVIDUALS, status=405)),
    Check(
        "cards:proof",
        lambda w: "/cards/proof/",
        only(INDIVIDUALS, status=302),
        method="post",
        refusals_only=True,
    ),
    Check("cards:ecard_code", lambda w: "/cards/ecard/code/", only(INDIVIDUALS)),
    Check(
        "cards:ecard",
        lambda w: "/cards/ecard/",
        only(INDIVIDUALS, status=None)
        | {"ind_b": 302},  # 李娜 has no card: refused, nothing issued
        method="post",
        refusals_only=True,
    ),
    *[
        Check(route, lambda w, url=url: url, only(INDIVIDUALS, status=405))
        for route, url in (
            ("cards:loss", "/cards/loss/"),
            ("cards:loss_cancel", "/cards/loss/cancel/"),
        )
    ],
    Check(
        "cards:loss",
        lambda w: "/cards/loss/",
        only(INDIVIDUALS, status=None) | {"ind_b": 302},
        method="post",
        data=lambda w: {"kind": "temporary"},
        refusals_only=True,
    ),
    Check(
        "cards:loss_cancel",
        lambda w: "/cards/loss/cancel/",
        only(INDIVIDUALS, status=302),  # 张伟's card is not lost; 李娜 has none
        method="post",
        refusals_only=True,
    ),
    Check("cards:staff", lambda w: "/cards/staff/", only(STAFF)),
    Check(
        "cards:staff",
        lambda w: f"/cards/staff/?id_number={w.card_a.person.id_number}",
        only(STAFF),  # found, or "not in your districts" on the form
    ),
    Check("cards:staff_check", lambda w: "/cards/staff/check/", only(STAFF)),
    Check(
        "cards:staff_check",
        lambda w: "/cards/staff/check/",
        only(STAFF),  # a code that is no code: the form says so
        method="post",
        data=lambda w: {"qr": "SBK1:1:1:forged"},
        refusals_only=True,
    ),
    *[
        Check(
            route,
            lambda w, tail=tail: f"/cards/staff/{w.card_a.pk}/{tail}/",
            only(STAFF, status=405),
        )
        for route, tail in (("cards:staff_mail", "mail"), ("cards:staff_hand_over", "hand-over"))
    ],
    *[
        Check(
            route,
            lambda w, tail=tail: f"/cards/staff/{w.card_a.pk}/{tail}/",
            # the card is in force: neither posted nor handed over; another district's staff
            # do not find it
            only(STAFF, status=302) | {"staff_there": 404},
            method="post",
            data=lambda w: {"tracking_number": "EA123456785CN"},
            refusals_only=True,
        )
        for route, tail in (("cards:staff_mail", "mail"), ("cards:staff_hand_over", "hand-over"))
    ],
    Check("emergency:measures", lambda w: "/emergency/?region=220200&on=2020-03-01", PUBLIC),
    Check("emergency:operations", lambda w: "/emergency/operations/", only(STAFF)),
    Check(
        "emergency:operations",
        lambda w: "/emergency/operations/",
        only(STAFF, status=422),  # the demo city's measures flag no manual operation
        method="post",
        data=lambda w: {"district": "220202", "kind": "manual", "performed_on": "2020-03-02"},
        refusals_only=True,
    ),
    # no manual operation in the demo: staff are told it is not found, others refused
    Check(
        "emergency:operation",
        lambda w: "/emergency/operations/YJ2020030200000001/",
        only(STAFF, status=404),
    ),
    Check(
        "emergency:operation",
        lambda w: "/emergency/operations/YJ2020030200000001/",
        only(STAFF, status=404),
        method="post",
        data=lambda w: {"action": "review", "note": "x"},
        refusals_only=True,
    ),
    # 张伟 (ind_a) filed the demo complaint; the audit department's staff (staff_audit) open and
    # decide it; other staff are told it does not exist
    Check("audit:reports", lambda w: "/audit/reports/", only(INDIVIDUALS)),
    Check(
        "audit:reports",
        lambda w: "/audit/reports/",
        only(INDIVIDUALS, status=None),
        method="post",
        data=lambda w: {"content": "x", "respondent_name": "x", "request_key": "m1"},
        refusals_only=True,
    ),
    Check(
        "audit:report",
        lambda w: f"/audit/reports/{_demo_complaint()}/",
        row(403, anon=L, ind_a=200, ind_b=404),
    ),
    Check("audit:cases", lambda w: "/audit/cases/", only(STAFF)),
    Check(
        "audit:case",
        lambda w: f"/audit/cases/{_demo_complaint()}/",
        only(STAFF, status=404) | {"staff_audit": 200},
    ),
    Check(
        "audit:case",
        lambda w: f"/audit/cases/{_demo_complaint()}/",
        only(STAFF, status=404) | {"staff_audit": None},
        method="post",
        data=lambda w: {"action": "close", "outcome": "unfounded", "note": "x"},
        refusals_only=True,
    ),
    Check("notifications:inbox", lambda w: "/notifications/", SIGNED_IN),
    Check("notifications:outbox", lambda w: "/notifications/outbox/", row(404)),  # demo mode only
    Check("notifications:unit_preference", lambda w: "/notifications/unit/", POST_ONLY),
    Check(
        "notifications:unit_preference",
        lambda w: "/notifications/unit/",
        only(("admin", "other_unit"), status=None),
        method="post",
        data=lambda w: {"managers_receive": "all"},
        refusals_only=True,
    ),
]

# Token-only API: 401 without a token.
T = 401
API: list[Check] = [
    Check(
        "POST /api/v1/auth/ca/challenge",
        lambda w: "/api/v1/auth/ca/challenge",
        row(200),
        method="post",
    ),
    Check(
        "POST /api/v1/auth/ca/token",
        lambda w: "/api/v1/auth/ca/token",
        row(422),
        method="post",
        data=lambda w: {
            "certificate": "-----BEGIN CERTIFICATE-----",
            "challenge": "x",
            "signature": "x",
        },
    ),
    Check(
        "POST /api/v1/auth/token",
        lambda w: "/api/v1/auth/token",
        row(None, anon=401),  # sent once: repeated failures would (rightly) lock the account
        method="post",
        data=lambda w: {
            "username": w.users["ind_a"].username,
            "password": "wrong-password",
            "context": "individual",
        },
        refusals_only=True,
    ),
    # With a token, DELETE revokes the caller's own token (the accounts tests cover it).
    Check(
        "DELETE /api/v1/auth/token",
        lambda w: "/api/v1/auth/token",
        row(None, anon=T),
        method="delete",
        refusals_only=True,
    ),
    Check("GET /api/v1/auth/me", lambda w: "/api/v1/auth/me", row(200, anon=T)),
    Check("GET /api/v1/catalogue/matters", lambda w: "/api/v1/catalogue/matters?q=失业", PUBLIC),
    Check(
        "GET /api/v1/catalogue/matters/{code}",
        lambda w: "/api/v1/catalogue/matters/unit.staff_enrol",
        PUBLIC,
    ),
    Check(
        "GET /api/v1/me/card",
        lambda w: "/api/v1/me/card",
        row(403, anon=T, ind_a=200, ind_b=404),
    ),
    Check(
        "POST /api/v1/me/card/loss",
        lambda w: "/api/v1/me/card/loss",
        row(403, anon=T, ind_a=None, ind_b=404),
        method="post",
        data=lambda w: {"kind": "temporary"},
        refusals_only=True,
    ),
    Check(
        "DELETE /api/v1/me/card/loss",
        lambda w: "/api/v1/me/card/loss",
        row(403, anon=T, ind_a=409, ind_b=404),  # 张伟's card is not lost
        method="delete",
        refusals_only=True,
    ),
    Check(
        "GET /api/v1/me/insurance",
        lambda w: "/api/v1/me/insurance",
        row(403, anon=T, ind_a=200, ind_b=200),
    ),
    *[
        Check(
            f"GET /api/v1/units/{{credit_code}}/{tail}",
            lambda w, tail=tail: f"/api/v1/units/{DEMO_UNIT}/{tail}",
            row(404, anon=T, op=200, admin=200, staff_here=200, staff_dept=200, editor=200),
        )
        for tail in ("staff", "staff.xlsx")
    ],
    Check(
        "GET /api/v1/me/contributions",
        lambda w: "/api/v1/me/contributions?from=2020-01&to=2020-12",
        row(403, anon=T, ind_a=200, ind_b=200),
    ),
    Check(
        "GET /api/v1/appointments/slots",
        lambda w: f"/api/v1/appointments/slots?department=unemployment&date={w.slot.day}",
        PUBLIC,
    ),
    Check(
        "POST /api/v1/appointments",
        lambda w: "/api/v1/appointments",
        # staff_dept: no caller given; the unit managers may book for their unit
        row(403, anon=T, ind_a=409, ind_b=None, staff_dept=422, admin=None, other_unit=None),
        method="post",
        data=lambda w: {"slot": w.slot.pk},
        refusals_only=True,
    ),
    Check(
        "DELETE /api/v1/appointments/{id}",
        lambda w: f"/api/v1/appointments/{w.appointment.pk}",
        row(404, anon=T, ind_a=None, staff_dept=None),
        method="delete",
        refusals_only=True,
    ),
    Check(
        "GET /api/v1/emergency-measures",
        lambda w: "/api/v1/emergency-measures?region=220202&on=2020-03-01",
        PUBLIC,
    ),
    Check(
        "POST /api/v1/audit/reports",
        lambda w: "/api/v1/audit/reports",
        row(403, anon=T, ind_a=None, ind_b=None),
        method="post",
        data=lambda w: {"respondent_name": "某公司", "content": "内容", "request_key": "m2"},
        refusals_only=True,
    ),
    Check(
        "GET /api/v1/audit/reports/{number}",
        lambda w: f"/api/v1/audit/reports/{_demo_complaint()}",
        row(404, anon=T, ind_a=200, staff_audit=200),
    ),
    Check(
        "POST /api/v1/me/certificates",
        lambda w: "/api/v1/me/certificates",
        row(403, anon=T, ind_a=None, ind_b=None),
        method="post",
        data=lambda w: {"kind": "participation"},
        refusals_only=True,
    ),
    Check(
        "POST /api/v1/units/{credit_code}/certificates",
        lambda w: f"/api/v1/units/{DEMO_UNIT}/certificates",
        row(403, anon=T, admin=None, op=None, other_unit=404),
        method="post",
        data=lambda w: {"kind": "unit_rights"},
        refusals_only=True,
    ),
    Check(
        "GET /api/v1/certificates/{number}.pdf",
        lambda w: f"/api/v1/certificates/{w.person_certificate.number}.pdf",
        row(404, anon=T, ind_a=200, staff_here=200, staff_dept=200, editor=200),
    ),
    Check(
        "GET /api/v1/certificates/{number}.pdf",
        lambda w: f"/api/v1/certificates/{w.unit_certificate.number}.pdf",
        row(404, anon=T, admin=200, op=200, staff_here=200, staff_dept=200, editor=200),
    ),
    Check(
        "GET /api/v1/verify/{verify_code}",
        lambda w: f"/api/v1/verify/{w.person_certificate.verify_code}",
        row(200),
    ),
    Check(
        "POST /api/v1/verify",
        lambda w: "/api/v1/verify",
        row(422),
        method="post",
        data=lambda w: {"file": SimpleUploadedFile("证明.pdf", b"not a pdf")},
    ),
    Check("GET /api/v1/bills", lambda w: "/api/v1/bills", row(200, anon=T)),
    Check(
        "GET /api/v1/bills/{number}",
        lambda w: f"/api/v1/bills/{w.bill.number}",
        row(404, anon=T, admin=200, staff_here=200, staff_dept=200, editor=200),
    ),
    Check(
        "GET /api/v1/bills/{number}",
        lambda w: f"/api/v1/bills/{w.self_bill.number}",
        row(404, anon=T, ind_a=200, staff_here=200, staff_dept=200, editor=200),
    ),
    Check(
        "GET /api/v1/bills/{number}/lines.xlsx",
        lambda w: f"/api/v1/bills/{w.bill.number}/lines.xlsx",
        row(404, anon=T, admin=200, staff_here=200, staff_dept=200, editor=200),
    ),
    Check(
        "GET /api/v1/bills/{number}/lines/{line_id}/trace",
        lambda w: f"/api/v1/bills/{w.bill.number}/lines/{w.bill_line_id}/trace",
        row(404, anon=T, admin=200, staff_here=200, staff_dept=200, editor=200),
    ),
    Check(
        "POST /api/v1/payments/orders",
        lambda w: "/api/v1/payments/orders",
        row(404, anon=T, admin=None),
        method="post",
        data=lambda w: {"bill": w.bill.number},
        refusals_only=True,
    ),
    Check(
        "POST /api/v1/payments/callback/{channel}",
        lambda w: "/api/v1/payments/callback/localbank",
        row(401),
        method="post",
        data=lambda w: {"order": w.order.number, "amount": "0.01"},
        refusals_only=True,
    ),
    Check(
        "GET /api/v1/staff-changes/template.xlsx",
        lambda w: "/api/v1/staff-changes/template.xlsx",
        PUBLIC,
    ),
    Check(
        "POST /api/v1/units/{credit_code}/staff-changes",
        lambda w: f"/api/v1/units/{DEMO_UNIT}/staff-changes",
        row(404, anon=T, ind_a=403, ind_b=403, partner=403, admin=422, op=403)
        | dict.fromkeys(STAFF, 403),
        method="post",
        data=lambda w: {"file": SimpleUploadedFile("名册.xlsx", b"not a spreadsheet")},
        refusals_only=True,
    ),
    Check("GET /api/v1/applications/", lambda w: "/api/v1/applications/", row(200, anon=T)),
    Check(
        "POST /api/v1/applications/",
        lambda w: "/api/v1/applications/",
        row(None, anon=T, partner=403) | dict.fromkeys(STAFF, 403),
        method="post",
        data=lambda w: {"matter": "person.unemployment_benefit", "data": {}},
        refusals_only=True,
    ),
    Check(
        "GET /api/v1/applications/{number}",
        api_app("app_granted"),
        SEES_GRANTED | {"anon": T, "partner": 404},
    ),
    Check(
        "GET /api/v1/applications/{number}",
        api_app("app_not_granted"),
        SEES_NOT_GRANTED | {"anon": T, "partner": 404},
    ),
    Check(
        "GET /api/v1/applications/{number}", api_app("app_a"), SEES_A | {"anon": T, "partner": 404}
    ),
    Check(
        "GET /api/v1/applications/{number}/events",
        api_app("app_granted", "/events"),
        SEES_GRANTED | {"anon": T, "partner": 404},
    ),
    Check(
        "GET /api/v1/applications/{number}/materials/{material_id}",
        lambda w: f"/api/v1/applications/{w.app_a.number}/materials/{w.material_a.pk}",
        SEES_A | {"anon": T, "partner": 404},
    ),
    Check(
        "PATCH /api/v1/applications/{number}",
        api_app("draft_a"),
        row(404, anon=T, ind_a=None),  # a draft is nobody else's business: 404
        method="patch",
        data=lambda w: {"data": {}, "version": w.draft_a.version},
        refusals_only=True,
    ),
    *[
        Check(
            f"POST /api/v1/applications/{{number}}/{action}",
            api_app("draft_a", f"/{action}"),
            row(404, anon=T, ind_a=None),
            method="post",
            data=lambda w: {"version": w.draft_a.version},
            refusals_only=True,
        )
        for action in ("submit", "withdraw")
    ],
    Check(
        "POST /api/v1/applications/{number}/recall",
        api_app("app_granted", "/recall"),
        row(
            404, anon=T, op=None, admin=None, staff_here=403
        ),  # the reviewer sees it, may not recall
        method="post",
        data=lambda w: {"version": w.app_granted.version},
        refusals_only=True,
    ),
    Check(
        "POST /api/v1/applications/{number}/materials",
        api_app("draft_unit", "/materials"),
        row(404, anon=T, admin=None),
        method="post",
        data=lambda w: {
            "code": "other",
            "file": SimpleUploadedFile("x.pdf", SAMPLE_PDF, "application/pdf"),
        },
        refusals_only=True,
    ),
    Check(
        "DELETE /api/v1/applications/{number}/materials/{material_id}",
        lambda w: f"/api/v1/applications/{w.app_a.number}/materials/{w.material_a.pk}",
        row(404, anon=T, ind_a=409, staff_dept=403),  # submitted: not even 张伟 may remove it
        method="delete",
        refusals_only=True,
    ),
    Check(
        "POST /api/v1/applications/{number}/decisions",
        api_app("app_granted", "/decisions"),
        row(
            404, anon=T, staff_here=None, op=403, admin=403
        ),  # the applicant side sees, may not decide
        method="post",
        data=lambda w: {"action": "accept", "version": w.app_granted.version, "reason": ""},
        refusals_only=True,
    ),
    Check("GET /api/v1/policy/", lambda w: "/api/v1/policy/", PUBLIC),
    Check("GET /api/v1/policy/{region}", lambda w: "/api/v1/policy/220200?month=2020-07", PUBLIC),
    Check(
        "POST /api/v1/policy/{region}/parameters",
        lambda w: "/api/v1/policy/220200/parameters",
        row(403, anon=T, editor=None),
        method="post",
        data=lambda w: {
            "key": "wage.minimum_monthly",
            "valid_from": "2030-01-01",
            "value": "3000.00",
            "status": "final",
            "source": "测试",
            "reason": "测试",
        },
        refusals_only=True,
    ),
    Check(
        "POST /api/v1/policy/records/{record_id}/finalize",
        lambda w: f"/api/v1/policy/records/{w.provisional_record.pk}/finalize",
        row(403, anon=T, editor=None),
        method="post",
        data=lambda w: {"value": "2900.00", "source": "测试", "reason": "测试"},
        refusals_only=True,
    ),
    *[
        Check(
            f"GET /api/v1/calculators/{name}",
            lambda w, query=query: f"/api/v1/calculators/{query}",
            PUBLIC,
        )
        for name, query in (
            ("contribution", "contribution?region=220200&month=2020-03&wage=5000&injury_class=1"),
            ("flexible", "flexible?region=220200&month=2020-03&grade=60"),
            ("late-fee", "late-fee?amount=10000&start=2024-01-01&end=2024-01-31"),
            ("unemployment", "unemployment?region=220200&month=2024-03&contribution_months=72"),
            ("retirement", "retirement?birth=1965-01&category=male"),
            ("pension", "pension?avg_wage=8000&index=1&years=35&balance=100000&age=60"),
            ("death-benefit", "death-benefit?date=2023-05-01&contribution_months=267&income=4000"),
            (
                "transfer",
                "transfer?sex=male&birth=1980-05&move_month=2024-03&to_hukou_province=true&bases_sum=600000&personal_balance=50000",
            ),
            ("payday", "payday?region=320400&month=2024-10"),
        )
    ],
    Check(
        "GET /api/v1/training/institutions",
        lambda w: "/api/v1/training/institutions?trade=电工",
        PUBLIC,
    ),
    Check(
        "POST /api/v1/calculators/backpay-interest",
        lambda w: "/api/v1/calculators/backpay-interest",
        PUBLIC,
        method="post",
        data=lambda w: {
            "months": [{"month": "2023-03", "amount": "640.00"}],
            "pay_month": "2024-06",
        },
    ),
]


def _status(response: Any) -> Any:
    if response.status_code == 302 and "/accounts/login/" in response["Location"]:
        return L
    return response.status_code


def _send(world: World, check: Check, actor: str, *, api_call: bool) -> Any:
    client = world.client("anon" if api_call else actor)
    headers = world.bearer(actor) if api_call else {}
    url = check.url(world)
    data = check.data(world)
    if check.method == "get":
        return client.get(url, **headers)
    if (
        api_call
        and check.method in ("post", "patch")
        and not any(isinstance(v, SimpleUploadedFile) for v in data.values())
    ):
        return getattr(client, check.method)(
            url, data=data, content_type="application/json", **headers
        )
    return getattr(client, check.method)(url, data=data, **headers)


def _route_names() -> set[str]:
    def walk(patterns: list[Any], namespace: str | None = None) -> set[str]:
        names: set[str] = set()
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if str(pattern.pattern) in ("admin/", "api/v1/"):
                    continue
                names |= walk(pattern.url_patterns, pattern.namespace or namespace)
            elif pattern.name:
                names.add(f"{namespace}:{pattern.name}")
        return names

    return walk(get_resolver().url_patterns)


def _api_operations() -> set[str]:
    paths = api.get_openapi_schema()["paths"]
    return {f"{method.upper()} {path}" for path, ops in paths.items() for method in ops}


def test_the_matrix_lists_every_page_and_every_api_operation():
    assert _route_names() - {check.route for check in PAGES} == set()
    assert _api_operations() - {check.route for check in API} == set()


# The matrix runs as this many tests, each over every SHARDS-th request on a world of its own,
# so that the suite's parallel workers share it instead of one of them running it all.
SHARDS = 6


def _requests() -> list[tuple[Check, str, bool]]:
    """(check, actor, is an API call) for every cell of the matrix, in a fixed order."""
    return [
        (check, actor, api_call)
        for checks, actors, api_call in ((PAGES, PAGE_ACTORS, False), (API, ACTORS, True))
        for check in checks
        for actor in actors
    ]


@pytest.mark.parametrize("shard", range(SHARDS))
def test_every_page_and_endpoint_against_every_actor(settings, shard):
    settings.SHEBAO_DEMO = False
    world = build_world()
    mismatches: list[str] = []
    for check, actor, api_call in _requests()[shard::SHARDS]:
        expected = check.expect[actor]
        if expected is None:
            continue  # allowed and state-changing: exercised by the app's own tests
        before = fingerprint() if check.refusals_only else None
        got = _status(_send(world, check, actor, api_call=api_call))
        if got != expected:
            mismatches.append(
                f"{check.route} {check.method.upper()} as {actor}: {got}, expected {expected}"
            )
        if before is not None and fingerprint() != before:
            mismatches.append(
                f"{check.route} {check.method.upper()} as {actor}: refused but changed state"
            )
    assert mismatches == []


def test_lists_and_counts_never_show_another_actors_applications(settings):
    world = build_world()
    own = {
        "ind_a": {world.app_a.number, world.draft_a.number},
        "ind_b": {world.app_b.number},
    }
    for actor, must_include in own.items():
        body = world.client("anon").get("/api/v1/applications/", **world.bearer(actor)).json()
        numbers = {item["number"] for item in body["items"]}
        assert must_include <= numbers
        other = "ind_b" if actor == "ind_a" else "ind_a"
        assert numbers.isdisjoint(own[other])
        assert body["total"] == len(numbers)
    partner = world.client("anon").get("/api/v1/applications/", **world.bearer("partner")).json()
    assert partner["total"] == 0 and partner["items"] == []
    operator = world.client("anon").get("/api/v1/applications/", **world.bearer("op")).json()
    assert world.app_not_granted.number not in {item["number"] for item in operator["items"]}
    page = (
        world.client("op").get(f"/applications/?q={world.app_not_granted.number}").content.decode()
    )
    assert f"/applications/{world.app_not_granted.number}/" not in page  # searched, not found
    # The audit cases, the dispute cases and the assessment plans: each side's staff find its
    # case on their list, other staff of the same districts do not.
    for url, number, side in (
        ("/audit/cases/", _demo_complaint(), "staff_audit"),
        ("/disputes/", world.dispute.number, "staff_disputes"),
        ("/training/assessment/", world.plan.number, "staff_training"),
    ):
        listed = {a for a in STAFF if number in world.client(a).get(url).content.decode()}
        assert listed == {side}, url
