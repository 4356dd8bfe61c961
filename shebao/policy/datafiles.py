"""Reading the versioned parameter files: ``data/<region code>.toml``, one file per region.

Format (see any file under ``data/``)::

    region = "220200"

    [[param]]
    key = "contribution.base_floor"   # a key of schema.SPECS
    from = 2020-01-01                 # first day in force
    to = 2020-06-30                   # last day in force (inclusive); omit = until further notice
    value = "2767.00"                 # numbers always quoted; tables as TOML tables/arrays
    status = "final"                  # or "provisional"; default "final"
    source = "seed 000 …"             # document number, URL, seed; "demo" if we chose it
    note = "…"                        # required when source is "demo": why this value

A value that is deliberately empty (e.g. "no claim deadline") is written ``null = true``
instead of ``value``. Structured values may be written as a ``[param.value]`` table after the
``[[param]]`` header.

:func:`read_directory` checks everything and returns every problem found, with file, line and
key, so that one run shows them all; nothing is written here.
"""

from __future__ import annotations

import itertools
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from shebao.common.errors import InvalidInput
from shebao.common.trace import FINAL, PROVISIONAL
from shebao.policy.schema import SPECS
from shebao.policy.values import stored_value

DATA_DIR = Path(__file__).resolve().parent / "data"
DEMO = "demo"
FIELDS = {"key", "from", "to", "value", "null", "status", "source", "note"}
TOP_LEVEL = {"region", "param"}


@dataclass(frozen=True)
class FileRecord:
    """One checked ``[[param]]`` entry."""

    file: str  # file name, e.g. "220200.toml"
    line: int  # line of its [[param]] header
    region: str
    key: str
    valid_from: date
    valid_to: date | None
    value: Any  # stored (dump) form
    status: str
    source: str
    note: str

    @property
    def where(self) -> str:
        return f"{self.file} 第{self.line}行 [{self.key} 自 {self.valid_from.isoformat()}]"

    def overlaps(self, start: date, end: date | None) -> bool:
        return (end is None or self.valid_from <= end) and (
            self.valid_to is None or start <= self.valid_to
        )


class PolicyDataError(InvalidInput):
    """The data files are wrong; ``errors`` lists every problem, one line each."""

    default_code = "POLICY_DATA_INVALID"

    def __init__(
        self,
        errors: list[str],
        *,
        code: str | None = None,
        title: str = "",
        status: int | None = None,
    ) -> None:
        self.errors = errors
        title = title or f"政策参数数据文件有 {len(errors)} 处错误，未导入任何记录"
        super().__init__(
            title + "：\n" + "\n".join(f"- {e}" for e in errors),
            code=code,
            details={"errors": errors},
            status=status,
        )


def _header_lines(text: str) -> list[int]:
    return [n for n, line in enumerate(text.splitlines(), start=1) if line.strip() == "[[param]]"]


def _date(raw: Any, label: str) -> date:
    if isinstance(raw, date):
        return raw
    if isinstance(raw, str):
        try:
            return date.fromisoformat(raw)
        except ValueError:
            pass
    raise ValueError(f"{label}“{raw}”不是有效日期，应写成 2020-01-01")


def _entry(file: str, line: int, region: str, raw: Any, errors: list[str]) -> FileRecord | None:
    where = f"{file} 第{line}行"
    if not isinstance(raw, dict):
        errors.append(f"{where}：[[param]] 应为表")
        return None
    key = raw.get("key")
    if isinstance(key, str):
        where = f"{where} [{key}]"
    problems: list[str] = []
    unknown = sorted(set(raw) - FIELDS)
    if unknown:
        problems.append(f"未知字段 {', '.join(unknown)}（可用字段：{', '.join(sorted(FIELDS))}）")
    if not isinstance(key, str) or not key:
        problems.append("缺少 key")
    elif key not in SPECS:
        problems.append(f"未知的参数 key “{key}”（见 shebao/policy/schema.py）")
    valid_from = valid_to = None
    try:
        if "from" not in raw:
            raise ValueError("缺少 from（生效日期）")
        valid_from = _date(raw["from"], "from")
        valid_to = _date(raw["to"], "to") if "to" in raw else None
        if valid_to is not None and valid_to < valid_from:
            raise ValueError(f"to（{valid_to}）早于 from（{valid_from}）")
    except ValueError as error:
        problems.append(str(error))
    status = raw.get("status", FINAL)
    if status not in (FINAL, PROVISIONAL):
        problems.append(f"status 应为 final 或 provisional，而不是 {status!r}")
    source = raw.get("source")
    note = raw.get("note", "")
    if not isinstance(source, str) or not source.strip():
        problems.append("缺少 source（文号、网址、资料编号，或 demo）")
    elif source.strip() == DEMO and not (isinstance(note, str) and note.strip()):
        problems.append("source 为 demo 的记录须在 note 中说明取值理由")
    if not isinstance(note, str):
        problems.append("note 应为文字")
    has_null = raw.get("null") is True
    if "null" in raw and raw["null"] is not True:
        problems.append("null 只能写 null = true")
    if has_null and "value" in raw:
        problems.append("value 与 null = true 不能同时出现")
    if not has_null and "value" not in raw:
        problems.append("缺少 value（取值为空时写 null = true）")
    value: Any = None
    if isinstance(key, str) and key in SPECS and (has_null or "value" in raw):
        try:
            value = stored_value(key, None if has_null else raw["value"])
        except InvalidInput as error:
            problems.append(error.message)
    if problems:
        errors.extend(f"{where}：{p}" for p in problems)
        return None
    return FileRecord(
        file=file,
        line=line,
        region=region,
        key=key,
        valid_from=valid_from,  # type: ignore[arg-type]
        valid_to=valid_to,
        value=value,
        status=status,
        source=source.strip(),  # type: ignore[union-attr]
        note=note.strip(),
    )


def read_file(path: Path, known_regions: set[str], errors: list[str]) -> list[FileRecord]:
    """The checked records of one file; problems are appended to ``errors``."""
    file = path.name
    region = path.stem
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        errors.append(f"{file}：TOML 格式错误：{error}")
        return []
    if region not in known_regions:
        errors.append(f"{file}：文件名应为已登记的行政区划代码，未知地区“{region}”")
        return []
    unknown = sorted(set(data) - TOP_LEVEL)
    if unknown:
        errors.append(f"{file}：未知的顶层字段 {', '.join(unknown)}（只允许 region 与 [[param]]）")
    if "region" in data and data["region"] != region:
        errors.append(f"{file}：region = {data['region']!r} 与文件名 {region} 不一致")
    lines = _header_lines(text)
    entries = data.get("param", [])
    if not isinstance(entries, list):
        errors.append(f"{file}：param 应写成 [[param]] 数组")
        return []
    records = []
    for index, raw in enumerate(entries):
        line = lines[index] if index < len(lines) else 0
        record = _entry(file, line, region, raw, errors)
        if record is not None:
            records.append(record)
    errors.extend(overlap_errors(records))
    return records


def overlap_errors(records: list[FileRecord]) -> list[str]:
    """Two records of one key whose periods share a day."""
    errors = []
    by_key: dict[tuple[str, str], list[FileRecord]] = {}
    for record in records:
        by_key.setdefault((record.region, record.key), []).append(record)
    for group in by_key.values():
        group.sort(key=lambda r: r.valid_from)
        for earlier, later in itertools.pairwise(group):
            if earlier.overlaps(later.valid_from, later.valid_to):
                errors.append(
                    f"{later.where}：有效期与 {earlier.file} 第{earlier.line}行"
                    f"（{earlier.valid_from} 至 {earlier.valid_to or '今'}）重叠"
                )
    return errors


def read_directory(directory: Path, known_regions: set[str]) -> list[FileRecord]:
    """Every record of every ``*.toml`` file; raises PolicyDataError listing all problems."""
    if not directory.is_dir():
        raise PolicyDataError([f"数据目录不存在：{directory}"])
    errors: list[str] = []
    records: list[FileRecord] = []
    for path in sorted(directory.glob("*.toml")):
        records.extend(read_file(path, known_regions, errors))
    if errors:
        raise PolicyDataError(errors)
    return records
