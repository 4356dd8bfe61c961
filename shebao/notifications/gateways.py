"""SMS gateways (DESIGN principle 8: outside systems behind adapters).

A gateway takes one message and returns the gateway's reference for it, or raises
:class:`GatewayError`. :class:`OutboxSmsGateway` is the working local implementation: the
deployment's own SMS centre, which appends each message to a journal file under ``var/sms/``
(one JSON object a line) for an operator or a modem bridge to pick up. The demo hall shows the
outbox so that verification codes can be read without a phone.
"""

from __future__ import annotations

import json
import uuid
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


class GatewayError(Exception):
    """The gateway did not accept the message; it will be retried."""


class SmsGateway(Protocol):
    def send(self, *, to: str, body: str) -> str:
        """Hand one SMS to the gateway; return the gateway's reference."""
        ...


class OutboxSmsGateway:
    """Writes each SMS to ``<var>/sms/outbox.jsonl``."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or settings.VAR_DIR / "sms"

    def send(self, *, to: str, body: str) -> str:
        reference = uuid.uuid4().hex
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            record = {"ref": reference, "to": to, "body": body, "at": timezone.now().isoformat()}
            with (self.directory / "outbox.jsonl").open("a", encoding="utf-8") as journal:
                journal.write(json.dumps(record, ensure_ascii=False) + "\n")
        except OSError as error:
            raise GatewayError(f"短信网关写入失败：{error}") from error
        return reference


@lru_cache(maxsize=4)
def _gateway_class(path: str) -> type:
    return import_string(path)


def sms_gateway() -> SmsGateway:
    return _gateway_class(settings.SHEBAO_SMS_GATEWAY)()
