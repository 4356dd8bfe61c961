from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from shebao.accounts import actors
from shebao.accounts.decorators import actor_required
from shebao.notifications import selectors, services
from shebao.notifications.models import UnitNotificationPreference


@require_http_methods(["GET", "POST"])
@actor_required(actors.INDIVIDUAL, actors.UNIT, actors.STAFF)
def inbox(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    if request.method == "POST":
        count = services.notifications_mark_read(recipient=actor.user, context=actor.context)
        messages.success(request, f"已将 {count} 条消息标为已读")
        return redirect("notifications:inbox")
    page = Paginator(selectors.notifications_for(actor=actor), 20).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page": page})


def outbox(request: HttpRequest) -> HttpResponse:
    return render(request, "notifications/outbox.html", {"rows": selectors.demo_outbox()})


@require_POST
@actor_required(actors.UNIT)
def unit_preference(request: HttpRequest) -> HttpResponse:
    """A unit manager chooses what the legal representative and administrators hear of the
    operators' applications (the form is on the unit users page)."""
    chosen = services.unit_notification_preference_set(
        actor=request.actor,  # type: ignore[attr-defined]
        managers_receive=request.POST.get("managers_receive", "")[:12],
    )
    label = UnitNotificationPreference.Managers(chosen).label
    messages.success(request, f"已保存：法定代表人和管理员{label}")
    return redirect("accounts:unit_users")
