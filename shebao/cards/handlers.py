"""The card matters' effects on the workflow engine (shebao/catalogue/data/60_social_security_card.toml):

- 社会保障卡申领 (``card_apply``): the photo is checked on upload and again at submission; the
  card service reviews it; approval requests the card from the bureau (:func:`card_request`);
- 社会保障卡补换卡 (``card_replace``): the same, answered at once (即办) when no new photo is to be
  reviewed — the card on file's photo is used;
- 社会保障卡正式挂失 / 正式挂失解挂 (``card_report_loss`` / ``card_cancel_loss``) and 电子社保卡申领
  (``ecard_apply``): 即办, the same services as the holder's buttons on the card page;
- 社会保障卡信息查询 and 制卡进度查询: the holder's card page, at once; nothing is filed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.urls import reverse

from shebao.applications.handlers import MatterHandler, register
from shebao.cards import services
from shebao.cards.models import Card
from shebao.cards.photos import photo_check
from shebao.common.errors import Conflict, InvalidInput

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor
    from shebao.applications.models import Application

PHOTO = "photo"


def _person_actor(application: Application) -> Any:
    from shebao.accounts.actors import actor_for

    return actor_for(application.applicant_user, "individual")


class _CardRequestHandler(MatterHandler):
    auto_complete = True
    kind = Card.Kind.FIRST

    def check_material(self, application: Application, code: str, path: str) -> None:
        if code == PHOTO:
            with open(path, "rb") as stream:
                photo_check(stream)

    def _photo_checked(self, application: Application) -> None:
        from django.core.files.storage import default_storage

        for material in application.materials.filter(code=PHOTO, removed_at__isnull=True):
            with default_storage.open(material.file.name, "rb") as stream:
                photo_check(stream)

    def _kind_reason(self, application: Application) -> tuple[str, str]:
        return self.kind, ""

    def check_submit(self, application: Application) -> None:
        data = application.data or {}
        if (
            data.get("delivery") == Card.Delivery.EMS
            and not (data.get("mailing_address") or "").strip()
        ):
            raise InvalidInput(
                "选择EMS邮寄（到付）的，请填写收件地址",
                code="ADDRESS_REQUIRED",
                field="mailing_address",
            )
        self._photo_checked(application)
        kind, reason = self._kind_reason(application)
        refusal = services.card_request_refusal(person=application.person, kind=kind, reason=reason)
        if refusal is not None:
            raise refusal

    def on_approved(self, application: Application, actor: Actor | None) -> dict[str, Any]:
        kind, reason = self._kind_reason(application)
        card = services.card_request(actor=actor, application=application, kind=kind, reason=reason)
        return {"card": card.pk}

    def result_context(self, application: Application) -> dict[str, Any] | None:
        card = Card.objects.filter(application=application).first()
        if card is None:
            return None
        return {
            "template": "cards/_application_result.html",
            "card_status": card.get_status_display(),
            "link": reverse("cards:mine"),
        }


@register("card_apply")
class CardApplyHandler(_CardRequestHandler):
    def check_submit(self, application: Application) -> None:
        if not application.materials.filter(code=PHOTO, removed_at__isnull=True).exists():
            raise InvalidInput("请上传本人近期免冠彩色电子照片", code="PHOTO_REQUIRED")
        super().check_submit(application)


@register("card_replace")
class CardReplaceHandler(_CardRequestHandler):
    def _kind_reason(self, application: Application) -> tuple[str, str]:
        reason = (application.data or {}).get("replace_reason", "")
        return services.REASON_KIND.get(reason, Card.Kind.RENEW), reason

    def instant(self, application: Application) -> bool:
        # No new photo: nothing for a reviewer to look at; the card is made from the one on file.
        return not application.materials.filter(code=PHOTO, removed_at__isnull=True).exists()


class _InstantCardHandler(MatterHandler):
    auto_complete = True

    def instant(self, application: Application) -> bool:
        return True

    def result_context(self, application: Application) -> dict[str, Any] | None:
        return {"template": "cards/_application_result.html", "link": reverse("cards:mine")}


@register("card_report_loss")
class CardReportLossHandler(_InstantCardHandler):
    def check_submit(self, application: Application) -> None:
        # Refuse at submission (with the card's own message) rather than file a case that fails.
        card = Card.objects.filter(person=application.person, status__in=Card.IN_FORCE).first()
        if card is None:
            raise Conflict("您没有在用的社会保障卡", code="CARD_NOT_FOUND")
        if card.status == Card.Status.LOST:
            raise Conflict("您的社会保障卡已正式挂失，无需重复办理", code="CARD_ALREADY_LOST")

    def on_approved(self, application: Application, actor: Actor | None) -> dict[str, Any]:
        reason = {"lost": "遗失", "stolen": "被盗"}.get(
            (application.data or {}).get("loss_reason"), ""
        )
        card = services.card_loss_report(
            actor=_person_actor(application), kind="formal", reason=reason
        )
        return {"card": card.pk}


@register("card_cancel_loss")
class CardCancelLossHandler(_InstantCardHandler):
    def check_submit(self, application: Application) -> None:
        card = Card.objects.filter(person=application.person, status__in=Card.IN_FORCE).first()
        if card is None or card.status not in Card.LOST_STATES:
            raise Conflict("您的社会保障卡未挂失，无需解挂", code="CARD_NOT_LOST")

    def on_approved(self, application: Application, actor: Actor | None) -> dict[str, Any]:
        card = services.card_loss_cancel(actor=_person_actor(application))
        return {"card": card.pk}


@register("ecard_apply")
class ECardApplyHandler(_InstantCardHandler):
    def on_approved(self, application: Application, actor: Actor | None) -> dict[str, Any]:
        ecard = services.ecard_issue(actor=_person_actor(application))
        return {"ecard": ecard.pk}

    def result_context(self, application: Application) -> dict[str, Any] | None:
        return {"template": "cards/_application_result.html", "link": reverse("cards:ecard")}


@register("card_query")
class CardQueryHandler(MatterHandler):
    """社会保障卡信息查询: the holder's card page, at once; nothing is filed."""

    page = "cards:mine"
    files_application = False


@register("card_progress_query")
class CardProgressQueryHandler(MatterHandler):
    """制卡进度查询: the holder's card page with the timeline, at once; nothing is filed."""

    page = "cards:mine"
    files_application = False
