"""System checks of the stored data (run with ``manage.py check --database default``; also
before ``migrate``). They warn, never error: a data finding must not stop a migration."""

from __future__ import annotations

from typing import Any

from django.core.checks import Tags, Warning, register


@register(Tags.database)
def identities_check(app_configs: Any = None, databases: Any = None, **kwargs: Any) -> list:
    """Identities stored under two spellings and identifiers not in their one spelling;
    ``manage.py identities_check`` lists the rows and repairs what it can."""
    if not databases:
        return []
    from django.db.utils import DatabaseError

    from shebao.common.identities import identities_scan

    try:
        report = identities_scan()
    except DatabaseError:  # not migrated yet: nothing stored to check
        return []
    messages: list = []
    if report.duplicates:
        messages.append(
            Warning(
                f"{len(report.duplicates)} identities are stored under two spellings "
                f"({', '.join(sorted({d.column.label for d in report.duplicates}))})",
                hint="Run manage.py identities_check for the rows; merge them by hand.",
                id="shebao.W102",
            )
        )
    if report.misspelled:
        messages.append(
            Warning(
                f"{len(report.misspelled)} identifiers are not stored in their one spelling",
                hint="Run manage.py identities_check --repair.",
                id="shebao.W101",
            )
        )
    return messages
