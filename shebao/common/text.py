"""Text the hall can store and render: the one check every input passes at the edge, and
sentences built from parts (a typed reason ends with one full stop, not two).

Python strings may hold what UTF-8 and the databases cannot: a lone surrogate (``\\ud800``, from
a JSON escape or from bytes decoded with ``surrogatepass``) cannot be encoded into any page or
JSON response, and PostgreSQL refuses NUL in ``text`` and ``jsonb``. JSON also lets a client
send ``NaN`` and ``Infinity``, which no amount, count or date may be. Input carrying any of these
is refused with 422 before anything is written (:func:`text_check`, :func:`json_loads`); rows
stored before the check are repaired by ``manage.py text_repair`` (:func:`text_repair`).

Refused characters: NUL and the other C0 control characters except tab, line feed and carriage
return, and the surrogate code points U+D800–U+DFFF (a valid pair arrives as one character).
"""

from __future__ import annotations

import json
import math
import re
from datetime import datetime
from typing import Any

from shebao.common.errors import InvalidInput

UNSAFE_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
REPLACEMENT = "\ufffd"  # what a lone surrogate becomes on repair; control characters are dropped
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class UnsafeText(InvalidInput):
    """A value holds a character that cannot be stored or shown (HTTP 422)."""

    default_code = "TEXT_INVALID_CHARACTER"


class NotFiniteNumber(InvalidInput):
    """``NaN`` or ``Infinity`` where a number was expected (HTTP 422)."""

    default_code = "NUMBER_NOT_FINITE"


def unsafe_text_error(field: str = "") -> UnsafeText:
    where = f"“{field}”" if field else "输入内容"
    return UnsafeText(
        f"{where}含有无法识别的字符（空字符、控制字符或不成对的代理字符），请删除后重新提交",
        field=field or None,
    )


def not_finite_error(field: str = "") -> NotFiniteNumber:
    where = f"“{field}”" if field else "请求内容"
    return NotFiniteNumber(
        f"{where}含有无效的数值（NaN 或 Infinity），请填写有效的数字", field=field or None
    )


def is_safe_text(text: str) -> bool:
    return UNSAFE_CHARACTERS.search(text) is None


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def text_check(value: Any, *, field: str = "") -> None:
    """Raise :class:`UnsafeText` or :class:`NotFiniteNumber` if ``value`` (a string, number, or
    lists and dicts of them, keys included) holds something the hall cannot store or show.

    ``field`` names where the value came from; the error names the first offending place (e.g.
    ``data.reason``). Walks iteratively, so a deeply nested body cannot exhaust the stack.
    """
    stack: list[tuple[str, Any]] = [(field, value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            if UNSAFE_CHARACTERS.search(item):
                raise unsafe_text_error(path)
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise not_finite_error(path)
        elif isinstance(item, dict):
            for key, child in item.items():
                if isinstance(key, str) and UNSAFE_CHARACTERS.search(key):
                    raise unsafe_text_error(path)
                stack.append((_join(path, key), child))
        elif isinstance(item, (list, tuple)):
            stack.extend((_join(path, index), child) for index, child in enumerate(item))


def _finite_float(literal: str) -> float:
    number = float(literal)
    if not math.isfinite(number):  # 1e999 overflows to inf
        raise not_finite_error()
    return number


def _no_constant(literal: str) -> Any:
    raise not_finite_error()


def json_loads(raw: bytes | str) -> Any:
    """Parse JSON strictly: ``NaN``, ``Infinity`` and overflowing numbers are refused, and so is
    any string (or key) that :func:`text_check` refuses."""
    value = json.loads(raw, parse_float=_finite_float, parse_constant=_no_constant)
    text_check(value)
    return value


def text_repair(value: Any) -> Any:
    """``value`` with every string made safe: lone surrogates become U+FFFD, control characters
    are dropped, non-finite floats become None. Lists and dicts are rebuilt; anything else is
    returned as it is. ``text_repair(v) == v`` exactly when nothing needed repair."""
    if isinstance(value, str):
        if UNSAFE_CHARACTERS.search(value) is None:
            return value
        return _CONTROL.sub("", _SURROGATE.sub(REPLACEMENT, value))
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {text_repair(key): text_repair(child) for key, child in value.items()}
    if isinstance(value, list):
        return [text_repair(child) for child in value]
    if isinstance(value, tuple):
        return tuple(text_repair(child) for child in value)
    return value


# ------------------------------------------------------------------------------ sentences

# What may end a sentence already; a reason ending in one of these gets no 。 added.
SENTENCE_ENDS = "。！？!?…"


def sentence(text: str) -> str:
    """``text`` as one sentence: trimmed, ending in exactly one mark ("材料不全。。" → "材料不全。")."""
    text = (text or "").strip()
    if not text:
        return ""
    body = text.rstrip(SENTENCE_ENDS + ".")
    end = text[len(body) :]
    if not end:
        return body + "。"
    return body + end[0] if end[0] != "." else body + "。"


def relative_time(moment: datetime, now: datetime | None = None) -> str:
    """When something happened, the one way the hall says it: 刚刚, 5分钟前, 今天 09:30,
    昨天 16:05, 3月2日 10:00, or 2025年3月2日 for another year (local time)."""
    from django.utils import timezone

    now = timezone.localtime(now or timezone.now())
    moment = timezone.localtime(moment)
    seconds = (now - moment).total_seconds()
    if 0 <= seconds < 60:
        return "刚刚"
    if 0 <= seconds < 3600:
        return f"{int(seconds // 60)}分钟前"
    days = (now.date() - moment.date()).days
    if days == 0:
        return f"今天 {moment:%H:%M}"
    if days == 1:
        return f"昨天 {moment:%H:%M}"
    if moment.year == now.year:
        return f"{moment.month}月{moment.day}日 {moment:%H:%M}"
    return f"{moment.year}年{moment.month}月{moment.day}日"
