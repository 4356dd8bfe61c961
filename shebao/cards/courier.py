"""The courier (中国邮政速递物流 EMS) behind an adapter (DESIGN principle 8).

A card made for delivery by post is handed to the courier with the holder's address, postage
paid by the receiver (到付, as the seeds say); the courier gives the parcel's item number (邮件号,
UPU S10) and reports tracking events until the parcel is delivered (签收).

The hall asks ``settings.SHEBAO_COURIER`` (a dotted class path). :class:`LocalCourier` is a
working courier for a hall without a connection: it keeps its parcels as files under
``SHEBAO_CARD_EXCHANGE_DIR/courier/`` and moves each one through 收寄 → 运输中 → 派送中 → 已签收,
one step each ``settings.SHEBAO_COURIER_STAGE_MINUTES`` (as set when it was taken in) after
it was taken in. A deployment
writes a class with the same methods that calls the courier's order and tracking interfaces.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils.dateparse import parse_datetime
from django.utils.module_loading import import_string

from shebao.common.identifiers import s10_check_digit

# Tracking event codes, in order, and how they read.
EVENTS = [
    ("accepted", "已收寄", "吉林市邮政速递物流分公司"),
    ("transit", "运输中", "吉林市邮件处理中心"),
    ("delivering", "派送中", "投递部"),
    ("delivered", "已签收", "收件人"),
]
DELIVERED = "delivered"


@dataclass(frozen=True)
class Parcel:
    reference: str  # the hall's reference of the card
    name: str
    mobile: str
    address: str
    cash_on_delivery: bool  # 到付: the receiver pays the postage


@dataclass(frozen=True)
class Tracking:
    code: str
    at: datetime
    place: str
    note: str


class Courier(Protocol):
    def ship(self, parcel: Parcel, *, at: datetime) -> str:
        """Order a pick-up of the parcel; returns its item number."""
        ...

    def register(self, tracking_number: str, parcel: Parcel, *, at: datetime) -> None:
        """Tell the courier of a parcel posted at the counter under ``tracking_number``."""
        ...

    def track(self, tracking_number: str, *, now: datetime) -> list[Tracking]:
        """Every tracking event of the parcel so far, oldest first."""
        ...


class LocalCourier:
    """A working courier on the same machine (see the module docstring)."""

    prefix = "EA"
    country = "CN"

    def __init__(self, root: Path | None = None) -> None:
        self.root = (root or Path(settings.SHEBAO_CARD_EXCHANGE_DIR)) / "courier"

    def _path(self, tracking_number: str) -> Path:
        return self.root / f"{tracking_number}.json"

    def _serial(self) -> str:
        self.root.mkdir(parents=True, exist_ok=True)
        counter = self.root / "counter"
        value = int(counter.read_text()) + 1 if counter.exists() else 1
        counter.write_text(str(value))
        return f"{value % 10**8:08d}"

    def ship(self, parcel: Parcel, *, at: datetime) -> str:
        serial = self._serial()
        number = f"{self.prefix}{serial}{s10_check_digit(serial)}{self.country}"
        self.register(number, parcel, at=at)
        return number

    def register(self, tracking_number: str, parcel: Parcel, *, at: datetime) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        record = {
            "reference": parcel.reference,
            "name": parcel.name,
            "mobile": parcel.mobile,
            "address": parcel.address,
            "cash_on_delivery": parcel.cash_on_delivery,
            "accepted_at": at.isoformat(),
            # the parcel keeps the pace it was taken in at
            "step_minutes": settings.SHEBAO_COURIER_STAGE_MINUTES,
        }
        self._path(tracking_number).write_text(json.dumps(record, ensure_ascii=False))

    def track(self, tracking_number: str, *, now: datetime) -> list[Tracking]:
        path = self._path(tracking_number)
        if not path.exists():
            return []
        record = json.loads(path.read_text())
        start = parse_datetime(record["accepted_at"])
        step = timedelta(minutes=record.get("step_minutes", settings.SHEBAO_COURIER_STAGE_MINUTES))
        found = []
        for index, (code, label, place) in enumerate(EVENTS):
            at = start + step * index
            if at > now:
                break
            note = label
            if code == "accepted" and record["cash_on_delivery"]:
                note = "已收寄（邮费到付）"
            if code == DELIVERED:
                note = f"已签收（{record['name']}本人签收）"
            found.append(Tracking(code=code, at=at, place=place, note=note))
        return found


@lru_cache(maxsize=4)
def _courier_class(path: str) -> type:
    return import_string(path)


def courier() -> Courier:
    """The configured courier (``settings.SHEBAO_COURIER``)."""
    return _courier_class(settings.SHEBAO_COURIER)()
