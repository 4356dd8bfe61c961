"""What every page knows: the actor, the navigation for the actor's portal, demo mode."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from shebao.accounts import actors

# (label, url name, actor kinds that see it). Links whose view is not installed are skipped.
NAV: list[tuple[str, str, set[str]]] = [
    ("首页", "hall:home", {actors.ANONYMOUS}),
    ("个人中心", "hall:individual_center", {actors.INDIVIDUAL}),
    ("单位中心", "hall:unit_center", {actors.UNIT}),
    ("工作台", "hall:staff_center", {actors.STAFF}),
    ("我的申请", "applications:list", {actors.INDIVIDUAL}),
    ("单位申请", "applications:list", {actors.UNIT}),
    ("待办队列", "applications:queue", {actors.STAFF}),
    ("预约办理", "appointments:mine", {actors.INDIVIDUAL}),
    ("约办台账", "appointments:desk", {actors.STAFF}),
    ("单位用户", "accounts:unit_users", {actors.UNIT}),
    ("CA证书", "pki:unit", {actors.UNIT}),
    ("CA证书", "pki:staff", {actors.STAFF}),
    (
        "办事指南",
        "catalogue:list",
        {actors.ANONYMOUS, actors.INDIVIDUAL, actors.UNIT, actors.STAFF},
    ),
    (
        "在线测算",
        "calculators:index",
        {actors.ANONYMOUS, actors.INDIVIDUAL, actors.UNIT, actors.STAFF},
    ),
    ("政策参数", "policy:index", {actors.ANONYMOUS, actors.STAFF}),
    ("咨询约办", "appointments:directory", {actors.ANONYMOUS, actors.INDIVIDUAL, actors.UNIT}),
    ("消息", "notifications:inbox", {actors.INDIVIDUAL, actors.UNIT, actors.STAFF}),
]


def _nav(request: HttpRequest, kind: str) -> list[dict[str, Any]]:
    items = []
    for label, name, kinds in NAV:
        if kind not in kinds:
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        active = request.path == url or (url != "/" and request.path.startswith(url))
        items.append({"label": label, "url": url, "active": active})
    return items


def _office_hours_text() -> str:
    from shebao.policy.selectors import param_or_none
    from shebao.registry.selectors import hall_region

    region = hall_region()
    if region is None:
        return ""
    hours = param_or_none(region=region.code, key="calendar.office_hours", on=timezone.localdate())
    if hours is None or not hours.value:
        return ""
    text = "工作日 " + "，".join(f"{a.lstrip('0')}–{b.lstrip('0')}" for a, b in hours.value)
    return text + ("（本系统演示取值）" if hours.ref.source == "demo" else "")


def office_hours() -> str:
    """The office hours of the region this hall serves, as the footer shows them: from policy
    (``calendar.office_hours``), kept per process and day while the policy store is unchanged."""
    from shebao.policy.selectors import policy_memo

    try:
        return policy_memo(
            ("footer.office_hours", settings.SHEBAO_HALL_REGION, timezone.localdate()),
            _office_hours_text,
        )
    except DatabaseError:  # an error page rendered while the database is away
        return ""


def hall(request: HttpRequest) -> dict[str, Any]:
    actor = getattr(request, "actor", actors.ANONYMOUS_ACTOR)
    return {
        "actor": actor,
        "nav": _nav(request, actor.kind),
        "agency_name": settings.SHEBAO_AGENCY_NAME,
        "hall_name": "社会保险网上经办服务大厅",
        "office_hours": office_hours,  # called only by a page that shows the footer
        "demo": settings.SHEBAO_DEMO,
        "demo_outbox_url": reverse("notifications:outbox") if settings.SHEBAO_DEMO else "",
    }
