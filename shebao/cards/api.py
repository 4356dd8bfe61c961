"""REST API v1: the holder's social security card.

``GET /me/card`` — the card followed (the one being made, else the one in force): its status,
masked number, bank, issue time, the timeline and the parcel's item number.
``POST /me/card/loss`` — 临时挂失 (``temporary``) or 正式挂失 (``formal``), at once.
``DELETE /me/card/loss`` — 解挂.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema

from shebao.accounts import actors
from shebao.accounts.api_auth import api_actor, token_auth
from shebao.cards import selectors, services
from shebao.cards.models import Card
from shebao.common.errors import NotFound
from shebao.common.schemas import ErrorOut

router = Router(tags=["社会保障卡"], auth=token_auth)


class ProgressOut(Schema):
    state: str = Field(description="进入的状态（同 status 的取值）")
    at: datetime
    note: str = Field(description="说明")


class CardOut(Schema):
    status: str = Field(
        description=(
            "applied 待报送制卡 / sent 已报送制卡机构 / making 制卡中 / made 已制成 / mailed 已寄出 / "
            "at_branch 待网点领取 / active 正常 / temp_lost 临时挂失 / lost 正式挂失 / cancelled 已注销"
        )
    )
    card_number: str = Field(description="社会保障卡卡号（脱敏）；制成前为空")
    bank: str = Field(description="合作银行")
    issued_at: datetime | None = Field(description="发卡（制成）时间")
    progress: list[ProgressOut]
    tracking_number: str = Field(description="EMS 邮件号；未寄出为空")


class LossIn(Schema):
    kind: Literal["temporary", "formal"] = Field(description="temporary 临时挂失 / formal 正式挂失")


def _card_out(card: Card, events: list[Any]) -> dict[str, Any]:
    return {
        "status": card.status,
        "card_number": card.masked_number,
        "bank": card.bank,
        "issued_at": card.issued_at,
        "progress": [{"state": e.state, "at": e.at, "note": e.note} for e in events],
        "tracking_number": card.tracking_number,
    }


def _mine(request: HttpRequest) -> dict[str, Any]:
    actor = api_actor(request).require(actors.INDIVIDUAL)
    record = selectors.card_record(actor=actor, person=selectors.holder_person(actor=actor))
    card = record.followed
    if card is None:
        raise NotFound("您还没有申领社会保障卡", code="CARD_NOT_FOUND")
    return _card_out(card, record.events)


@router.get(
    "/me/card",
    response={200: CardOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="本人社会保障卡与制卡进度",
    description=(
        "个人令牌：正在制作的卡（首次申领或补换卡），没有则为在用的卡；progress 为该卡的每一步"
        "（时间、状态、说明）。错误码：CARD_NOT_FOUND（404，尚未申领）。"
    ),
)
def my_card(request: HttpRequest) -> dict[str, Any]:
    return _mine(request)


@router.post(
    "/me/card/loss",
    response={
        200: CardOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
    },
    summary="社会保障卡挂失",
    description=(
        "个人令牌：kind 为 temporary（临时挂失）或 formal（正式挂失，临时挂失的也可转为正式挂失），"
        "即时生效，挂失后卡片不能使用。错误码：CARD_NOT_FOUND（404，没有在用的卡）、"
        "CARD_ALREADY_LOST（409，已挂失）。"
    ),
)
def card_loss_report(request: HttpRequest, payload: LossIn) -> dict[str, Any]:
    actor = api_actor(request).require(actors.INDIVIDUAL)
    services.card_loss_report(actor=actor, kind=payload.kind)
    return _mine(request)


@router.delete(
    "/me/card/loss",
    response={200: CardOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="社会保障卡解挂",
    description=(
        "个人令牌：解除临时挂失或正式挂失，卡片恢复使用。错误码：CARD_NOT_FOUND（404）、"
        "CARD_NOT_LOST（409，未挂失）、CARD_REPLACEMENT_IN_PRODUCTION（409，已申请补卡，新卡制作中）。"
    ),
)
def card_loss_cancel(request: HttpRequest) -> dict[str, Any]:
    actor = api_actor(request).require(actors.INDIVIDUAL)
    services.card_loss_cancel(actor=actor)
    return _mine(request)
