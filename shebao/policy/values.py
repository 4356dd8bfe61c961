"""Checking a parameter value before it is stored, wherever it comes from (data file, page, API).

A stored value is plain JSON in the schema's dump form: decimals as strings, dates as ISO
strings. A float anywhere in a value is refused: it is the sign of a number typed without
quotes, and a binary fraction must never reach money.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from shebao.policy.schema import ParameterSpec, SchemaError, spec_for


def plain_json(raw: Any, *, spec: ParameterSpec, path: str = "") -> Any:
    """``raw`` with dates turned into ISO strings; a float (at any depth) raises SchemaError."""
    where = f"（位置 {path}）" if path else ""
    if isinstance(raw, float):
        raise SchemaError(
            f'参数“{spec.label}”（{spec.key}）的数值必须写成带引号的字符串（如 "0.16"），'
            f"不能写成浮点数 {raw!r}{where}"
        )
    if isinstance(raw, datetime):
        raise SchemaError(f"参数“{spec.label}”（{spec.key}）不接受带时刻的日期 {raw!r}{where}")
    if isinstance(raw, date):
        return raw.isoformat()
    if isinstance(raw, dict):
        return {
            str(k): plain_json(v, spec=spec, path=f"{path}.{k}" if path else str(k))
            for k, v in raw.items()
        }
    if isinstance(raw, list | tuple):
        return [
            plain_json(v, spec=spec, path=f"{path}[{i}]" if path else f"[{i}]")
            for i, v in enumerate(raw)
        ]
    return raw


def stored_value(key: str, raw: Any) -> Any:
    """The value to store for ``key``: checked by the schema, in its dump form.

    Raises SchemaError (``POLICY_KEY_UNKNOWN`` or ``POLICY_VALUE_INVALID``) with a Chinese
    message naming the parameter.
    """
    spec = spec_for(key)
    plain = plain_json(raw, spec=spec)
    parsed = spec.parse(plain)
    if spec.kind == "json":
        # Structured values keep their written form (field names included); parsing above
        # proved it is well formed.
        return plain
    return spec.dump(parsed)
