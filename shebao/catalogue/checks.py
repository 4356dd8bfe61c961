"""System checks: a matter never names a handler that no module registers.

``catalogue.E001`` reads the data files (no database needed, so it runs on every command) and
applies :func:`shebao.catalogue.services.handler_errors`, the rule ``catalogue_load`` applies;
``catalogue.E002`` reads the loaded matters (a database check: ``manage.py check --database
default`` and ``migrate``) for handler keys nobody registers.
"""

from __future__ import annotations

import tomllib
from typing import Any

from django.core.checks import CheckMessage, Error, Tags, register
from django.db import DatabaseError


def _data_rows() -> list[tuple[str, dict[str, Any]]]:
    from shebao.catalogue.services import COMMON_FILE, DATA_DIR

    rows: list[tuple[str, dict[str, Any]]] = []
    for path in sorted(DATA_DIR.glob("*.toml")):
        if path.name == COMMON_FILE:
            continue
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError):
            continue  # catalogue_load reports malformed files with every detail
        defaults = data.get("defaults", {})
        for raw in data.get("matter", []):
            entry = {**defaults, **raw}
            rows.append((f"{path.name} · {entry.get('code')}", entry))
    return rows


@register()
def catalogue_handlers_in_data(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    from shebao.catalogue.services import handler_errors

    return [
        Error(f"{where}：{problem}", id="catalogue.E001")
        for where, entry in _data_rows()
        for problem in handler_errors(entry)
    ]


@register(Tags.database)
def catalogue_handlers_loaded(
    app_configs: Any = None, databases: Any = None, **kwargs: Any
) -> list[CheckMessage]:
    if not databases:
        return []
    from shebao.applications.handlers import is_registered
    from shebao.catalogue.models import Matter

    try:
        matters = list(
            Matter.objects.filter(enabled=True).exclude(handler="").values_list("code", "handler")
        )
    except DatabaseError:
        return []  # not migrated yet
    return [
        Error(
            f"已载入的事项 {code} 的业务处理器“{handler}”没有任何模块注册",
            hint="安装注册该处理器的应用，或修正事项数据后重新运行 catalogue_load",
            id="catalogue.E002",
        )
        for code, handler in matters
        if not is_registered(handler)
    ]
