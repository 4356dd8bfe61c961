"""Building applications for demo data through the real transitions.

The demo-data loader calls :func:`demo_application_build` to put an application into any state
— every step goes through the same services a user's request does (guards, locks, audit events,
notifications), so the demo shows exactly what production would::

    from shebao.applications.demo import demo_application_build

    demo_application_build(
        applicant=actor_for(zhang_user, "individual"),
        reviewer=actor_for(staff_user, "staff"),
        matter=Matter.objects.get(code="person.unemployment_benefit"),
        status="accepted",
        at=timezone.now() - timedelta(days=20),  # accepted 20 days ago: overdue in the queue
    )

``status`` is any :class:`~shebao.applications.models.Application.Status` value. ``data``
overrides the sample answers (unit matters about one employee need ``subject_id_number`` and
``subject_name``). ``at`` runs the steps at that moment (with freezegun: use only from a
management command, never inside a serving process). ``lapsed`` needs a 容缺 matter with a
``tolerance_days`` limit; the case is accepted at ``at`` and lapses when the lapse runs today.
An instant matter (即办件) can only be a draft, withdrawn or completed (the system completes it
on submission).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from datetime import date, datetime, timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from shebao.accounts.actors import Actor
from shebao.applications import services
from shebao.applications.formschema import form_fields
from shebao.applications.models import Application
from shebao.catalogue.models import Matter

Status = Application.Status

# A small, valid one-page PDF (no text): stands in for a scanned material.
SAMPLE_PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def sample_answers(matter: Matter, applicant: Actor, today: date) -> dict[str, Any]:
    """Plausible answers for every required field of the matter's form."""
    person_id = applicant.person.id_number if applicant.person else ""
    values: dict[str, Any] = {}
    for spec in form_fields(matter.fields):
        if not spec.required:
            continue
        values[spec.name] = {
            "text": "演示数据",
            "textarea": "演示数据：申请事由说明。",
            "date": today.isoformat(),
            "month": f"{today:%Y-%m}",
            "integer": str(spec.min if spec.min is not None else 1),
            "money": "1000.00",
            "choice": spec.choices[0][0] if spec.choices else "",
            "district": spec.choices[0][0] if spec.choices else "",
            "id_number": person_id,
            "credit_code": applicant.unit.credit_code if applicant.unit else "",
            "mobile": (applicant.user.mobile if applicant.user else "") or "13800000000",
            "bank_account": "6222020200001234562",
            "bank_card": "6222020200001234562",
            "bool": True,
        }[spec.type]
        if spec.type == "month" and spec.name in ("start_month", "effective_month"):
            values[spec.name] = f"{(today.replace(day=1) + timedelta(days=32)):%Y-%m}"
        if spec.name == "subject_name" and applicant.user is not None:
            values[spec.name] = applicant.user.name
    return values


def _frozen(at: datetime | None) -> Any:
    if at is None:
        return nullcontext()
    from freezegun import freeze_time

    return freeze_time(at)


def demo_application_build(
    *,
    applicant: Actor,
    matter: Matter,
    status: str,
    reviewer: Actor | None = None,
    data: dict[str, Any] | None = None,
    reason: str = "",
    at: datetime | None = None,
    stage: Callable[[Application], Any] | None = None,
) -> Application:
    """Create an application and drive it to ``status`` through the real services.

    ``stage`` puts what a many-lines matter carries into the draft before it is submitted (the
    domain app's staging lines, as its own page would)."""
    if status not in Status.values:
        raise ValueError(f"unknown status {status!r}")
    needs_reviewer = not matter.instant and status not in (
        Status.DRAFT,
        Status.SUBMITTED,
        Status.WITHDRAWN,
    )
    if needs_reviewer and reviewer is None:
        raise ValueError(f"a reviewer is needed to reach {status!r}")
    if matter.instant and status not in (Status.DRAFT, Status.WITHDRAWN, Status.COMPLETED):
        raise ValueError("an instant matter (即办件) is completed on submission")
    if status == Status.LAPSED and (
        matter.acceptance_mode != Matter.AcceptanceMode.TOLERANCE or matter.tolerance_days is None
    ):
        raise ValueError("only a 容缺 matter with tolerance_days can lapse")

    with _frozen(at):
        today = timezone.localdate()
        answers = {**sample_answers(matter, applicant, today), **(data or {})}
        application, _ = services.application_create(actor=applicant, matter=matter, data=answers)
        mode = matter.acceptance_mode
        for spec in matter.materials:
            if not spec.get("required") or mode == Matter.AcceptanceMode.COMMITMENT:
                continue
            if mode == Matter.AcceptanceMode.TOLERANCE and not spec.get("core"):
                continue  # left missing: tracked as a deferred material after acceptance
            services.material_upload(
                actor=applicant,
                application=application,
                code=spec["code"],
                file=SimpleUploadedFile(f"{spec['name']}.pdf", SAMPLE_PDF, "application/pdf"),
            )
        if stage is not None:
            stage(application)
        if status == Status.DRAFT:
            return _fresh(application)

        def step(service: Any, actor: Actor, **kwargs: Any) -> None:
            current = _fresh(application)
            service(actor=actor, application=current, version=current.version, **kwargs)

        step(services.application_submit, applicant, commitment_accepted=True)
        if status == Status.WITHDRAWN:
            step(services.application_withdraw, applicant, reason=reason)
        if matter.instant or status in (Status.DRAFT, Status.SUBMITTED, Status.WITHDRAWN):
            return _fresh(application)
        assert reviewer is not None
        if status == Status.RETURNED:
            step(services.application_return, reviewer, reason=reason or "材料不清晰，请重新上传")
            return _fresh(application)
        if status == Status.REJECTED:
            step(services.application_reject, reviewer, reason=reason or "不符合办理条件")
            return _fresh(application)
        step(services.application_accept, reviewer)
        if status not in (Status.ACCEPTED, Status.LAPSED):
            for deferred in _fresh(application).deferred.filter(supplied_at__isnull=True):
                services.deferred_material_supply(
                    actor=applicant,
                    application=_fresh(application),
                    code=deferred.code,
                    file=SimpleUploadedFile(f"{deferred.name}.pdf", SAMPLE_PDF, "application/pdf"),
                )
            step(services.application_approve, reviewer)
            if status == Status.COMPLETED and _fresh(application).status == Status.APPROVED:
                step(services.application_complete, reviewer, reason=reason)
    if status == Status.LAPSED:
        services.applications_lapse_overdue_deferred()
    return _fresh(application)


def _fresh(application: Application) -> Application:
    return Application.objects.select_related("matter").get(pk=application.pk)
