"""REST API v1: online payment orders and the payment channels' notices.

``POST /payments/orders`` — the payer (a self-paying person; a unit's managers and operators
granted a contribution matter) opens the order of a bill, for the amount due; idempotent: the
open order of the bill is returned while its amount is still due. ``POST /payments/callback/
{channel}`` — the channel's server-to-server notice, signed with the channel's secret; no token.
Amounts are strings with two decimals.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from shebao.accounts.api_auth import api_actor, token_auth
from shebao.common.money import money_str
from shebao.common.schemas import ErrorOut
from shebao.payments import services
from shebao.payments.access import payable_bill
from shebao.payments.channels import ADAPTERS
from shebao.payments.models import Channel

router = Router(tags=["缴费"])


class OrderIn(Schema):
    bill: str = Field(max_length=24, description="征集单号")


class OrderOut(Schema):
    number: str = Field(description="订单号")
    bill: str
    amount: str = Field(description="订单金额（元，两位小数）：征集单的应缴金额")
    status: str = Field(description="open 待支付 / paid 已支付 / closed 已关闭")
    channel: str = Field(description="支付渠道")
    pay_url: str = Field(description="支付页面地址（本地渠道：模拟网银）")
    created: bool = Field(description="false 表示返回的是该征集单已有的待支付订单")


class CallbackOut(Schema):
    code: str = Field(description="SUCCESS")
    order: str
    bill: str
    amount: str
    receipt: str = Field(description="缴费凭证号")
    duplicate: bool = Field(description="true 表示该通知此前已处理，未重复入账")


@router.post(
    "/payments/orders",
    auth=token_auth,
    response={200: OrderOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="创建支付订单",
    description=(
        "为征集单创建网上支付订单，金额为征集单当日的应缴金额。同一征集单只有一个待支付订单："
        "重复请求返回该订单（created 为 false）。错误码：BILL_NOT_FOUND（404，非本人/本单位的"
        "征集单）、BILL_PAID（409，已缴清）。"
    ),
)
def order_create(request: HttpRequest, payload: OrderIn) -> dict[str, Any]:
    actor = api_actor(request)
    bill = payable_bill(actor=actor, number=payload.bill)
    order, created = services.order_create(actor=actor, bill=bill)
    return {
        "number": order.number,
        "bill": bill.number,
        "amount": money_str(order.amount),
        "status": order.status,
        "channel": order.gateway,
        "pay_url": request.build_absolute_uri(ADAPTERS[Channel.ONLINE].pay_url(order)),
        "created": created,
    }


@router.post(
    "/payments/callback/{channel}",
    auth=None,
    response={200: CallbackOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="支付渠道的支付结果通知",
    description=(
        "支付渠道服务器之间的通知。请求体为 JSON：order、bill、amount（两位小数字符串）、trade_no、"
        "status（success）、paid_at；请求头 X-Signature 为以该渠道密钥对请求体计算的 HMAC-SHA256"
        "（十六进制）。同一通知重复送达只入账一次（duplicate 为 true）。错误码："
        "SIGNATURE_INVALID（401）、CHANNEL_UNKNOWN / ORDER_NOT_FOUND（404）、AMOUNT_MISMATCH / "
        "BILL_MISMATCH / ORDER_ALREADY_PAID / ORDER_CLOSED / BILL_PAID（409）、"
        "NOTICE_MALFORMED（422）；被拒绝的通知不写入任何记录。"
    ),
)
def callback(request: HttpRequest, channel: str) -> dict[str, Any]:
    payment, created = services.callback_receive(
        gateway=channel,
        body=request.body,
        signature=request.headers.get("X-Signature", ""),
    )
    return {
        "code": "SUCCESS",
        "order": payment.order.number,
        "bill": payment.bill.number,
        "amount": money_str(payment.amount),
        "receipt": payment.receipt.number,
        "duplicate": not created,
    }
