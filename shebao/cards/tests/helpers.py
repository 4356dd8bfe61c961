"""Driving card applications through the real workflow services."""

from __future__ import annotations

from typing import Any

from shebao.applications import services as engine
from shebao.applications.models import Application
from shebao.catalogue.models import Matter
from shebao.testing import photo

APPLY_DATA = {
    "bank": "中国工商银行吉林分行",
    "delivery": "ems",
    "mailing_address": "吉林省吉林市昌邑区解放北路88号 韩梅梅",
    "contact_mobile": "13943119999",
}


def fresh(application: Application) -> Application:
    return Application.objects.get(pk=application.pk)


def draft(actor: Any, code: str, data: dict[str, Any], *, with_photo: bool = True) -> Application:
    matter = Matter.objects.get(code=code)
    application, _ = engine.application_create(actor=actor, matter=matter, data=data)
    if with_photo:
        engine.material_upload(actor=actor, application=application, code="photo", file=photo())
    if matter.material("id_card") and matter.material("id_card").get("required"):
        from shebao.testing import pdf

        engine.material_upload(actor=actor, application=application, code="id_card", file=pdf())
    return fresh(application)


def submit(actor: Any, application: Application) -> Application:
    engine.application_submit(actor=actor, application=application, version=application.version)
    return fresh(application)


def approve(staff: Any, application: Application) -> Application:
    application = fresh(application)
    engine.application_accept(actor=staff, application=application, version=application.version)
    application = fresh(application)
    engine.application_approve(actor=staff, application=application, version=application.version)
    return fresh(application)


def apply_first_card(actor: Any, staff: Any, data: dict[str, Any] | None = None) -> Application:
    application = submit(actor, draft(actor, "person.card_apply", {**APPLY_DATA, **(data or {})}))
    return approve(staff, application)
