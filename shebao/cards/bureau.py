"""The card bureau (制卡机构) behind a file exchange (DESIGN principle 8).

The hall and the bureau share two folders under ``settings.SHEBAO_CARD_EXCHANGE_DIR`` (in a
deployment, the folders an SFTP or a government file-exchange client keeps in step):

- ``to_bureau/<batch>/request.csv`` and the photos beside it: a batch of cards to make, one
  line per card — the hall's reference, the holder's ID number, name, sex, birth date, the
  partner bank and the photo's file name (UTF-8 CSV with a header row);
- ``from_bureau/<batch>-<n>.csv``: the bureau's results, each line a card's reference, its new
  state (``making`` 制卡中, ``made`` 已制成 with the card number, ``rejected`` with the reason), when,
  and a note. The hall imports each result file once (:class:`~shebao.cards.models.BureauFile`)
  and moves it to ``from_bureau/done/``.

:class:`FileExchange` is the hall's side and what every deployment uses. :class:`LocalBureau`
is a working bureau for a hall without one (the embedded demo, tests): it reads the request
files, and on each run moves every card it holds one stage on once the stage has lasted
``settings.SHEBAO_CARD_BUREAU_STAGE_MINUTES`` — accepted into production at once, made one
stage later, with a card number of its own numbering — writing a result file for what moved.
It keeps its work in ``bureau/`` (its own folder, which the hall never reads).
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime

REQUEST_HEADER = ["参考号", "公民身份号码", "姓名", "性别", "出生日期", "合作银行", "照片"]
RESULT_HEADER = ["参考号", "状态", "卡号", "时间", "说明"]
RESULT_STATES = ("making", "made", "rejected")


@dataclass(frozen=True)
class RequestLine:
    reference: str
    id_number: str
    name: str
    sex: str
    birth_date: str
    bank: str
    photo: Path | None  # the photo file to send with the line


@dataclass(frozen=True)
class ResultLine:
    reference: str
    state: str
    card_number: str
    at: datetime
    note: str


@dataclass(frozen=True)
class ResultFile:
    name: str
    batch: str
    lines: list[ResultLine]


def exchange_dir() -> Path:
    return Path(settings.SHEBAO_CARD_EXCHANGE_DIR)


class FileExchange:
    """The hall's side of the exchange: write request batches, read result files."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or exchange_dir()
        self.outbox = self.root / "to_bureau"
        self.inbox = self.root / "from_bureau"

    def send(self, *, batch: str, lines: list[RequestLine]) -> None:
        """Write the batch: its photos first, the request file last (the bureau reads a batch
        only once its request file is there; a batch folder without one is still being
        written). Writing the same batch again replaces it."""
        folder = self.outbox / batch
        folder.mkdir(parents=True, exist_ok=True)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(REQUEST_HEADER)
        for line in lines:
            photo = ""
            if line.photo is not None and line.photo.exists():
                photo = f"{line.reference}{line.photo.suffix.lower()}"
                shutil.copyfile(line.photo, folder / photo)
            writer.writerow(
                [
                    line.reference,
                    line.id_number,
                    line.name,
                    line.sex,
                    line.birth_date,
                    line.bank,
                    photo,
                ]
            )
        partial = folder / "request.csv.part"
        partial.write_text(out.getvalue(), encoding="utf-8")
        partial.replace(folder / "request.csv")

    def results(self) -> list[ResultFile]:
        """The result files waiting to be imported, oldest name first."""
        if not self.inbox.exists():
            return []
        found = []
        for path in sorted(self.inbox.glob("*.csv")):
            batch = path.stem.rsplit("-", 1)[0]
            with path.open(encoding="utf-8", newline="") as handle:
                rows = list(csv.reader(handle))
            lines = []
            for row in rows[1:]:
                if len(row) != len(RESULT_HEADER) or row[1] not in RESULT_STATES:
                    continue  # a line the hall cannot read is left for the bureau to resend
                at = parse_datetime(row[3])
                if at is None:
                    continue
                lines.append(ResultLine(row[0], row[1], row[2].strip().upper(), at, row[4][:150]))
            found.append(ResultFile(name=path.name, batch=batch, lines=lines))
        return found

    def done(self, name: str) -> None:
        """Move an imported result file out of the way."""
        done = self.inbox / "done"
        done.mkdir(parents=True, exist_ok=True)
        source = self.inbox / name
        if source.exists():
            source.replace(done / name)


class LocalBureau:
    """A working card bureau on the same machine (see the module docstring)."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or exchange_dir()
        self.requests = self.root / "to_bureau"
        self.results = self.root / "from_bureau"
        self.work_dir = self.root / "bureau"

    def _stage(self) -> timedelta:
        return timedelta(minutes=settings.SHEBAO_CARD_BUREAU_STAGE_MINUTES)

    def _state_path(self, batch: str) -> Path:
        return self.work_dir / f"{batch}.json"

    def run(self, *, now: datetime | None = None) -> int:
        """Take in new batches and move every card one stage on where its stage has lasted
        long enough; returns how many lines of results were written."""
        now = now or timezone.now()
        if not self.requests.exists():
            return 0
        self.work_dir.mkdir(parents=True, exist_ok=True)
        written = 0
        for folder in sorted(p for p in self.requests.iterdir() if p.is_dir()):
            request = folder / "request.csv"
            if not request.exists():
                continue
            state_path = self._state_path(folder.name)
            state = json.loads(state_path.read_text()) if state_path.exists() else {}
            if state.get("finished"):
                continue
            cards = state.setdefault("cards", {})
            if not cards:
                with request.open(encoding="utf-8", newline="") as handle:
                    for row in list(csv.reader(handle))[1:]:
                        cards[row[0]] = {
                            "stage": "received",
                            "at": now.isoformat(),
                            "photo": row[6],
                            "bank": row[5],
                        }
            out: list[list[str]] = []
            for reference, card in cards.items():
                since = parse_datetime(card["at"])
                if card["stage"] == "received":
                    if not card["photo"]:
                        card.update(stage="rejected", at=now.isoformat())
                        out.append(
                            [reference, "rejected", "", now.isoformat(), "缺少照片，无法制卡"]
                        )
                        continue
                    card.update(stage="making", at=now.isoformat())
                    out.append(
                        [
                            reference,
                            "making",
                            "",
                            now.isoformat(),
                            f"数据校验通过，已进入制卡（{card['bank']}同步开立金融账户）",
                        ]
                    )
                elif (
                    card["stage"] == "making" and since is not None and now - since >= self._stage()
                ):
                    number = self._number()
                    card.update(stage="made", at=now.isoformat(), number=number)
                    out.append([reference, "made", number, now.isoformat(), "制卡完成，已质检"])
            if out:
                sequence = state.get("results", 0) + 1
                state["results"] = sequence
                self.results.mkdir(parents=True, exist_ok=True)
                text = io.StringIO()
                writer = csv.writer(text)
                writer.writerow(RESULT_HEADER)
                writer.writerows(out)
                partial = self.results / f".{folder.name}-{sequence}.part"
                partial.write_text(text.getvalue(), encoding="utf-8")
                partial.replace(self.results / f"{folder.name}-{sequence}.csv")
                written += len(out)
            state["finished"] = all(c["stage"] in ("made", "rejected") for c in cards.values())
            state_path.write_text(json.dumps(state, ensure_ascii=False))
        return written

    def _number(self) -> str:
        """The bureau's next card number: a letter and eight digits (its own sequence)."""
        counter = self.work_dir / "counter"
        value = int(counter.read_text()) + 1 if counter.exists() else 1
        counter.write_text(str(value))
        return f"J{value:08d}"
